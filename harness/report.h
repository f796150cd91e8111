/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verdict reports: human-readable (colour on a terminal), TAP 13, JSON,
 * JUnit XML and a self-contained HTML page. Every report of a run is a
 * function of its results alone: no wall-clock time, no host name, the
 * cells in matrix order, so the same matrix gives byte-identical reports
 * however many jobs ran it. Only the human summary says how fast it went.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "matrix.h"
#include "runner.h"

enum report_format { REPORT_HUMAN, REPORT_TAP, REPORT_JSON, REPORT_JUNIT };

int report_format_lookup(const char *name); /* -1 if unknown */
/* results: of struct run_result *. */
void report_write(FILE *out, enum report_format fmt, GPtrArray *results, bool color);

/* Colour for the human output when WHEN is "auto": f is a terminal,
 * NO_COLOR is unset or empty, and TERM is not "dumb". */
bool report_color_auto(FILE *f);

/* What a report covers: the matrices (a run of scenario files is one
 * matrix without axes) with their cells' results. */
struct report_run {
	const char *command;       /* "run" or "matrix" */
	GPtrArray *matrices;       /* struct matrix * */
	unsigned shard_k, shard_n; /* shard k+1 of n; n = 1 when not sharded */
	bool interrupted;
	/* for the human summary only */
	double seconds;
	unsigned jobs;
	bool color;
	bool verbose; /* human: every cell, not only those not as expected */
};

/* The stdout formats that can be written as cells finish (human, tap):
 * begin, then each in-shard cell in order (number counts from 1), end. */
void report_stream_begin(FILE *out, enum report_format fmt, const struct report_run *rr);
void report_stream_cell(FILE *out, enum report_format fmt, const struct report_run *rr,
                        const struct matrix *m, const struct matrix_cell *c, unsigned number);
void report_stream_end(FILE *out, enum report_format fmt, const struct report_run *rr);
/* Whole reports, written at the end. */
void report_tap(FILE *out, const struct report_run *rr);
void report_json(FILE *out, const struct report_run *rr);
void report_junit(FILE *out, const struct report_run *rr);

/* The trace (JSON lines) of a cell run again with tracing, or NULL. */
typedef char *(*report_trace_fn)(void *ctx, const struct matrix *m, const struct matrix_cell *c);
#define REPORT_HTML_MAX_CHARTS 100
void report_html(FILE *out, const struct report_run *rr, report_trace_fn trace, void *ctx);

/* Writes path atomically: into a temporary file beside it, renamed over
 * path only when everything was written. */
bool report_to_file(const char *path, void (*write)(FILE *out, const void *arg), const void *arg,
                    GError **error);

/* Text escaped for XML and HTML (control characters XML forbids become '?'). */
void report_xml_text(FILE *out, const char *s);

/* Counts over the in-shard cells of every matrix. */
struct report_counts {
	unsigned cells, pass, xfail, fail, xpass, not_run;
};
void report_count(const struct report_run *rr, struct report_counts *out);
