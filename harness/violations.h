/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The catalogue of violation names ("oracle.kind") the oracles can report. */
#pragma once

#include <stdbool.h>

struct violation_kind {
	const char *name; /* "delivery.lost" */
	const char *description;
};

bool violation_kind_known(const char *name);
unsigned violation_kind_count(void);
const struct violation_kind *violation_kind_get(unsigned i);
