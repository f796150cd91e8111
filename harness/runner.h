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
	const char *connect;      /* a real VM's backend: libvirt URI, NULL for the default */
	const char *domain;       /* ... and the domain's name */
	/* Keep every fire record for the world's lifetime, not only those the
	 * oracle has not judged yet (the console lists them all). */
	bool keep_fire_records;
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

/* Runs every step of s and judges the run. */
struct run_result *run_scenario(const struct scenario *s, const struct run_options *opt);

/* The same, a step at a time (the console): run_begin builds the world
 * (NULL and *error when the backend cannot do a step of s or cannot build
 * it), run_step plays any step — one of s's or one made up on the spot —
 * and runs the oracles, run_end settles, judges and frees the world. s
 * must outlive the run. */
struct run;
struct backend_ops;
struct engine;
struct observation;
struct violation_list;
struct run *run_begin(const struct scenario *s, const struct run_options *opt, GError **error);
/* False once the guest is stuck (then no further step runs). */
bool run_step(struct run *run, const struct scn_step *st);
/* The same step in parts, for the console's step, next and until: on a
 * backend that can stop a world mid-way (run_can_step), run_step_start
 * begins st (copied), run_step_advance runs one event or task switch of it
 * and returns false once the step has nothing left to run, run_step_finish
 * runs what is left and ends it as run_step would (false once the guest is
 * stuck). Start, advance until false, finish traces and does exactly what
 * run_step does. run_step_start is false when the run is stuck, a step is
 * already under way or the backend cannot. */
bool run_can_step(const struct run *run);
bool run_step_start(struct run *run, const struct scn_step *st);
bool run_step_advance(struct run *run);
bool run_step_finish(struct run *run);
/* The step under way, or NULL. */
const struct scn_step *run_step_current(const struct run *run);
bool run_stuck(const struct run *run);
unsigned run_steps_run(const struct run *run);
struct engine *run_engine(struct run *run);
const struct observation *run_observation(struct run *run);
const struct backend_ops *run_backend(struct run *run, void **handle);
const struct violation_list *run_violations(struct run *run);
/* The oracles, now (the console's "check"). */
void run_check_now(struct run *run);
struct run_result *run_end(struct run *run);
void run_result_free(struct run_result *r);
bool run_result_has(const struct run_result *r, const char *violation);
