/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs many scenarios and hands each result back in item order, whatever
 * order they finish in: in this process (jobs 1) or in worker processes
 * (jobs > 1; each worker is a fork of this process that runs the items it
 * is sent and writes each result back over a pipe). Every run is its own
 * world, so the results do not depend on the number of jobs.
 *
 * SIGINT or SIGTERM stops handing out work: what already runs finishes,
 * every finished result is still handed back, and the stats say the batch
 * was interrupted. A second signal kills as usual.
 */
#pragma once

#include <stdbool.h>

#include "runner.h"
#include "scenario.h"

struct batch_options {
	unsigned jobs;                 /* 0: one per CPU */
	const struct run_options *run; /* for every item; its trace only with jobs 1 */
	bool progress;                 /* draw a progress line on stderr (a terminal) */
	const char *noun;              /* what the items are called there: "cells" */
	/* Called once per item, in item order; r (NULL when the item did not
	 * run) belongs to the callee. It calls batch_progress_clear() before
	 * writing to the terminal. */
	void (*done)(void *ctx, unsigned i, struct run_result *r);
	void *ctx;
	/* Tests: called in a worker process (jobs > 1) just before it runs
	 * item i, e.g. to kill the worker at a chosen moment. */
	void (*worker_before)(void *ctx, unsigned i);
};

struct batch_stats {
	unsigned ran;
	unsigned not_as_expected;
	unsigned jobs; /* the number actually used */
	double seconds;
	bool interrupted;
};

unsigned batch_default_jobs(void);
void batch_run(const struct scenario *const *items, unsigned n, const struct batch_options *o,
               struct batch_stats *st);
/* Erases the progress line if one is shown (before writing to a terminal). */
void batch_progress_clear(void);
