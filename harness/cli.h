/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `run` and `matrix` share on the command line: the options that
 * choose reports, jobs and colour, and the execution of a list of matrices
 * (a run of scenario files is one): cells run as a batch, the terminal
 * output streamed in cell order, the report files written atomically.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "runner.h"

#define EXIT_MISMATCH    1
#define EXIT_USAGE       2
#define EXIT_INTERRUPTED 130

struct cli_output {
	char *format;                    /* stdout: human (default), tap, json, junit */
	char *color;                     /* auto, always, never */
	char *tap, *junit, *json, *html; /* report files */
	char *jobs;
	gboolean no_progress;
	gboolean verbose;
};

/* Adds the options above to ctx's main entries (they point into out). */
void cli_output_options(GOptionContext *ctx, struct cli_output *out);
void cli_output_clear(struct cli_output *out);

/* Checks the values; prints the problem and returns false. */
bool cli_output_check(const char *command, const struct cli_output *out);

/* Runs the in-shard cells of every matrix (struct matrix *) and writes
 * everything asked for. Returns the exit status. */
int cli_execute(const char *command, GPtrArray *matrices, const struct run_options *opt,
                const struct cli_output *out, unsigned shard_k, unsigned shard_n);

/* The commands that live outside main.c. */
int cmd_matrix(int argc, char **argv);

/* "2" or "2/8" style parsing: false when s is not a positive integer. */
bool cli_parse_uint(const char *s, unsigned *out);
