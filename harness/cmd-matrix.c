/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvpci-sim matrix [OPTION...] FILE...: expands matrix files into cells and runs them. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "matrix.h"

static const char *matrix_summary =
    "Runs matrix files: base scenarios crossed with axes of --set overrides (profiles,\n"
    "behaviours, drivers, protocol versions, vCPUs, fault rules, seeds), minus excluded\n"
    "cells; each cell is one run, judged against the verdict the matrix expects of it.\n"
    "The file format is described in doc/matrix.md; matrices/schema.json is its schema.\n"
    "\n"
    "The terminal shows the cells that are not as expected as they finish (all of them\n"
    "with --verbose), a progress line, and a summary with the rate in cells/s. Reports\n"
    "hold every cell in matrix order and are byte-identical for any --jobs; each is\n"
    "written to a temporary file and renamed when complete. --shard I/N runs every\n"
    "N-th cell starting with the I-th, so N machines together run each cell once.\n"
    "Ctrl-C stops handing out cells: what ran is reported, the rest is marked not run.\n"
    "\n"
    "Exit status: 0 if every cell is as expected, 1 if one is not (it failed and\n"
    "should pass, or passed and should fail), 2 if the command line or a file is\n"
    "wrong (nothing runs then) or a report cannot be written, 130 if interrupted.";

/* "I/N" with 1 <= I <= N. */
static bool parse_shard(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	g_autofree char *i = slash ? g_strndup(s, (gsize)(slash - s)) : NULL;
	unsigned a, b;

	if (!slash || !cli_parse_uint(i, &a) || !cli_parse_uint(slash + 1, &b) || a > b)
		return false;
	*k = a - 1;
	*n = b;
	return true;
}

int cmd_matrix(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matrices = g_ptr_array_new_with_free_func((GDestroyNotify)matrix_free);
	g_autofree char *shard = NULL;
	gboolean list = FALSE;
	struct cli_output out __attribute__((cleanup(cli_output_clear))) = {0};
	struct run_options opt = {0};
	unsigned k = 0, n = 1, first = 0;
	int ret = 0;
	GOptionEntry entries[] = {{"shard", 0, 0, G_OPTION_ARG_STRING, &shard,
	                           "Run only shard I of N: the cells whose index modulo N is I-1",
	                           "I/N"},
	                          {"list", 0, 0, G_OPTION_ARG_NONE, &list,
	                           "Print the cells (index and label) without running them", NULL},
	                          {NULL, 0, 0, 0, NULL, NULL, NULL}};

	g_set_prgname("hvpci-sim matrix");
	ctx = g_option_context_new("FILE... - run matrix files");
	g_option_context_set_summary(ctx, matrix_summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	cli_output_options(ctx, &out);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "hvpci-sim matrix: %s\nTry 'hvpci-sim matrix --help'.\n",
		        error->message);
		return EXIT_USAGE;
	}
	if (!cli_output_check("matrix", &out)) {
		return EXIT_USAGE;
	}
	if (shard && !parse_shard(shard, &k, &n)) {
		fprintf(stderr,
		        "hvpci-sim matrix: --shard %s: expected I/N with 1 <= I <= N, e.g. 2/4\n",
		        shard);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "hvpci-sim matrix: no matrix file given\nTry 'hvpci-sim matrix "
		                "--help'.\n");
		return EXIT_USAGE;
	}
	/* every file is loaded, and every cell of this shard validated, before anything runs */
	for (int i = 1; i < argc; i++) {
		struct matrix *m = matrix_load(argv[i], &error);
		g_autoptr(GPtrArray) errors = NULL;

		if (!m) {
			fprintf(stderr, "%s\n", error->message);
			g_clear_error(&error);
			ret = EXIT_USAGE;
			continue;
		}
		g_ptr_array_add(matrices, m);
		first += matrix_shard(m, first, k, n);
		if (list)
			continue;
		errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
		if (!matrix_load_cells(m, errors, 10)) {
			for (guint e = 0; e < errors->len; e++)
				fprintf(stderr, "%s\n",
				        ((GError *)g_ptr_array_index(errors, e))->message);
			ret = EXIT_USAGE;
		}
	}
	if (ret || list) {
		for (guint i = 0; i < matrices->len && !ret; i++) {
			const struct matrix *m = g_ptr_array_index(matrices, i);
			for (guint c = 0; c < m->cells->len; c++) {
				const struct matrix_cell *cell = g_ptr_array_index(m->cells, c);
				g_autofree char *label = matrix_cell_label(m, cell);
				const struct matrix_rule *r =
				    cell->rule >= 0 ? &m->rules[cell->rule] : NULL;
				if (cell->in_shard)
					printf("%s\t%u\t%s\t%s\n", m->name, cell->index, label,
					       r && !r->expect_pass ? "expect-fail"
					                            : "expect-pass");
			}
		}
		return ret;
	}
	ret = cli_execute("matrix", matrices, &opt, &out, k, n);
	return ret;
}
