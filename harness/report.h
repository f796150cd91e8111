/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdict reports: human-readable (colour on a terminal), TAP 13, JSON. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "runner.h"

enum report_format { REPORT_HUMAN, REPORT_TAP, REPORT_JSON };

int report_format_lookup(const char *name); /* -1 if unknown */
/* results: of struct run_result *. */
void report_write(FILE *out, enum report_format fmt, GPtrArray *results, bool color);
