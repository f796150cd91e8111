/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../vmbus-sim/trace.h"
#include "batch.h"
#include "matrix.h"
#include "report.h"

void cli_output_options(GOptionContext *ctx, struct cli_output *out)
{
	GOptionEntry entries[] = {
	    {"format", 0, 0, G_OPTION_ARG_STRING, &out->format,
	     "Standard output: human (default), tap, json or junit", "FORMAT"},
	    {"color", 0, 0, G_OPTION_ARG_STRING, &out->color,
	     "Colour the human output: auto (default), always or never", "WHEN"},
	    {"tap", 0, 0, G_OPTION_ARG_FILENAME, &out->tap, "Also write a TAP 13 report to FILE",
	     "FILE"},
	    {"junit", 0, 0, G_OPTION_ARG_FILENAME, &out->junit,
	     "Also write a JUnit XML report to FILE", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_FILENAME, &out->json, "Also write a JSON report to FILE",
	     "FILE"},
	    {"html", 0, 0, G_OPTION_ARG_FILENAME, &out->html,
	     "Also write a self-contained HTML report to FILE", "FILE"},
	    {"jobs", 'j', 0, G_OPTION_ARG_STRING, &out->jobs,
	     "Run N cells at a time in worker processes (default: one per CPU)", "N"},
	    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &out->no_progress,
	     "No progress line on a terminal", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &out->verbose,
	     "Human output: every cell, not only those not as expected", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};

	g_option_context_add_main_entries(ctx, entries, NULL);
}

void cli_output_clear(struct cli_output *out)
{
	g_free(out->format);
	g_free(out->color);
	g_free(out->tap);
	g_free(out->junit);
	g_free(out->json);
	g_free(out->html);
	g_free(out->jobs);
	memset(out, 0, sizeof(*out));
}

bool cli_parse_uint(const char *s, unsigned *out)
{
	char *end;
	guint64 v;

	if (!s || !g_ascii_isdigit(*s))
		return false;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > 100000)
		return false;
	*out = (unsigned)v;
	return true;
}

bool cli_output_check(const char *command, const struct cli_output *out)
{
	unsigned n;

	if (out->format && report_format_lookup(out->format) < 0) {
		fprintf(stderr, "hvpci-sim %s: --format %s: expected human, tap, json or junit\n",
		        command, out->format);
		return false;
	}
	if (out->color && strcmp(out->color, "auto") && strcmp(out->color, "always") &&
	    strcmp(out->color, "never")) {
		fprintf(stderr, "hvpci-sim %s: --color %s: expected auto, always or never\n",
		        command, out->color);
		return false;
	}
	if (out->jobs && !cli_parse_uint(out->jobs, &n)) {
		fprintf(stderr,
		        "hvpci-sim %s: --jobs %s: expected a number of processes, 1 or more\n",
		        command, out->jobs);
		return false;
	}
	return true;
}

/* ---- execution ------------------------------------------------------- */

struct exec {
	const char *command;
	GPtrArray *matrices;
	GPtrArray *cells; /* struct matrix_cell *, in-shard, in order */
	GArray *owner;    /* the matrix of each */
	enum report_format fmt;
	struct report_run *rr;
	unsigned number;
	int werr; /* the first error writing to standard output */
};

static void on_done(void *ctx, unsigned i, struct run_result *r)
{
	struct exec *x = ctx;
	struct matrix_cell *c = g_ptr_array_index(x->cells, i);
	const struct matrix *m = g_ptr_array_index(x->matrices, g_array_index(x->owner, guint, i));

	c->result = r;
	if (x->fmt == REPORT_TAP ||
	    (x->fmt == REPORT_HUMAN && r && (x->rr->verbose || !r->matches))) {
		batch_progress_clear();
		report_stream_cell(stdout, x->fmt, x->rr, m, c, ++x->number);
		if (fflush(stdout) != 0 && !x->werr)
			x->werr = errno;
	}
}

struct chart_ctx {
	const struct run_options *opt;
};

static char *trace_cell(void *ctx, const struct matrix *m, const struct matrix_cell *c)
{
	const struct chart_ctx *cc = ctx;
	struct run_options opt = *cc->opt;
	struct trace *t = trace_new_memory();
	struct run_result *r;
	char *text;

	(void)m;
	if (!c->s) {
		trace_free(t);
		return NULL;
	}
	opt.trace = NULL;
	opt.trace_sink = t;
	r = run_scenario(c->s, &opt);
	text = g_strdup(trace_contents(t));
	run_result_free(r);
	trace_free(t);
	return text;
}

struct html_args {
	const struct report_run *rr;
	struct chart_ctx *cc;
};

static void write_tap_file(FILE *f, const void *arg)
{
	report_tap(f, arg);
}

static void write_junit_file(FILE *f, const void *arg)
{
	report_junit(f, arg);
}

static void write_json_file(FILE *f, const void *arg)
{
	report_json(f, arg);
}

static void write_html_file(FILE *f, const void *arg)
{
	const struct html_args *h = arg;

	report_html(f, h->rr, trace_cell, h->cc);
}

int cli_execute(const char *command, GPtrArray *matrices, const struct run_options *opt,
                const struct cli_output *out, unsigned shard_k, unsigned shard_n)
{
	g_autoptr(GPtrArray) cells = g_ptr_array_new();
	g_autoptr(GPtrArray) items = g_ptr_array_new();
	g_autoptr(GArray) owner = g_array_new(FALSE, FALSE, sizeof(guint));
	struct report_run rr = {.command = command,
	                        .matrices = matrices,
	                        .shard_k = shard_k,
	                        .shard_n = shard_n ? shard_n : 1,
	                        .verbose = out->verbose};
	struct exec x = {.command = command,
	                 .matrices = matrices,
	                 .cells = cells,
	                 .owner = owner,
	                 .fmt = out->format ? (enum report_format)report_format_lookup(out->format)
	                                    : REPORT_HUMAN,
	                 .rr = &rr};
	struct batch_options bo = {.run = opt,
	                           .noun = strcmp(command, "matrix") ? "scenarios" : "cells",
	                           .done = on_done,
	                           .ctx = &x};
	struct batch_stats st;
	struct chart_ctx cc = {.opt = opt};
	struct html_args ha = {.rr = &rr, .cc = &cc};
	struct report_counts n;
	int ret = 0;

	rr.color = out->color && !strcmp(out->color, "always")  ? true
	           : out->color && !strcmp(out->color, "never") ? false
	                                                        : report_color_auto(stdout);
	for (guint i = 0; i < matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(matrices, i);
		for (guint k = 0; k < m->cells->len; k++) {
			struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			if (!c->in_shard)
				continue;
			g_ptr_array_add(cells, c);
			g_ptr_array_add(items, c->s);
			g_array_append_val(owner, i);
		}
	}
	if (out->jobs)
		cli_parse_uint(out->jobs, &bo.jobs);
	bo.progress = !out->no_progress && isatty(fileno(stderr));
	report_stream_begin(stdout, x.fmt, &rr);
	if (fflush(stdout) != 0)
		x.werr = errno;
	batch_run((const struct scenario *const *)items->pdata, items->len, &bo, &st);
	rr.interrupted = st.interrupted;
	rr.seconds = st.seconds;
	rr.jobs = st.jobs;
	switch (x.fmt) {
	case REPORT_HUMAN:
	case REPORT_TAP:
		report_stream_end(stdout, x.fmt, &rr);
		break;
	case REPORT_JSON:
		report_json(stdout, &rr);
		break;
	case REPORT_JUNIT:
		report_junit(stdout, &rr);
		break;
	}
	report_count(&rr, &n);
	if (n.fail + n.xpass)
		ret = EXIT_MISMATCH;
	{
		struct {
			const char *path;
			void (*write)(FILE *, const void *);
			const void *arg;
		} files[] = {
		    {out->tap, write_tap_file, &rr},
		    {out->junit, write_junit_file, &rr},
		    {out->json, write_json_file, &rr},
		    {out->html, write_html_file, &ha},
		};
		for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
			g_autoptr(GError) error = NULL;
			if (!files[i].path)
				continue;
			if (!report_to_file(files[i].path, files[i].write, files[i].arg, &error)) {
				fprintf(stderr, "hvpci-sim %s: %s\n", command, error->message);
				ret = EXIT_USAGE;
			}
		}
	}
	if (fflush(stdout) != 0 && !x.werr)
		x.werr = errno;
	if (x.werr || ferror(stdout)) {
		fprintf(stderr, "hvpci-sim %s: cannot write to standard output: %s\n", command,
		        g_strerror(x.werr ? x.werr : EIO));
		ret = EXIT_USAGE;
	}
	if (st.interrupted && x.fmt != REPORT_HUMAN)
		fprintf(stderr, "hvpci-sim %s: interrupted: %u of %u %s ran\n", command, st.ran,
		        items->len, bo.noun);
	if (st.interrupted)
		ret = EXIT_INTERRUPTED;
	return ret;
}
