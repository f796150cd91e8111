/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs one scenario on a backend (the embedded simulator unless told
 * otherwise): builds the world, plays the steps through the step table,
 * lets the oracles watch, and compares the verdict with what the scenario
 * expects.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

struct backend_ops;

struct run_options {
	const struct backend_ops *backend; /* NULL: the embedded simulator */
	bool seed_set;
	uint64_t seed;            /* overrides the scenario's */
	FILE *trace;              /* JSON lines, or NULL */
	struct trace *trace_sink; /* alternatively, an existing trace (tests) */
};

struct run_violation {
	char *name; /* "oracle.kind" */
	char *message;
	uint64_t time;
};

struct run_result {
	char *name;
	char *file;
	uint64_t seed;
	bool expect_pass;
	char **expect_violations;
	bool pass;             /* the verdict: no violation */
	bool matches;          /* the verdict is what the scenario expects */
	char *mismatch;        /* why not, when !matches */
	GPtrArray *violations; /* of struct run_violation */
	uint64_t end_time;
	unsigned steps_run;
};

struct run_result *run_scenario(const struct scenario *s, const struct run_options *opt);
void run_result_free(struct run_result *r);
bool run_result_has(const struct run_result *r, const char *violation);
