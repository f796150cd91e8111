/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvpci-sim: the command line.
 *   hvpci-sim run [OPTION...] PATH...   run scenario files (or every *.json under a directory)
 *   hvpci-sim list [WHAT]               list the names scenarios use (profiles, ops, ...)
 */
#include "report.h"
#include "runner.h"
#include "catalog.h"
#include "scenario.h"
#include "violations.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_MISMATCH 1
#define EXIT_USAGE    2

static const char *run_summary =
    "Runs hibernation/resume scenarios in the embedded simulator and checks each\n"
    "verdict against the scenario's \"expect\". PATH is a scenario file or a\n"
    "directory searched for *.json (schema.json excepted).\n"
    "\n"
    "Exit status: 0 if every verdict matches its expectation, 1 if one does not,\n"
    "2 if the command line or a scenario file is wrong (nothing runs then).";

static const char *main_help =
    "Usage: hvpci-sim COMMAND [OPTION...]\n"
    "\n"
    "A deterministic simulator of the Hyper-V virtual PCI bridge for testing\n"
    "what happens to PCI interrupts across hibernation, resume and CPU offlining.\n"
    "\n"
    "Commands:\n"
    "  run [OPTION...] PATH...   run scenario files or directories of them\n"
    "  list [WHAT]               list the names scenarios use: profiles, behaviours,\n"
    "                            drivers, faults, modes, phases, ops, reach, violations\n"
    "\n"
    "Run 'hvpci-sim run --help' for the options of run.\n";

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void collect(const char *path, GPtrArray *files, GError **error)
{
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(files, g_strdup(path));
		return;
	}
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	if (!dir)
		return;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(dir)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *full = g_build_filename(path, name, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR))
			collect(full, files, error);
		else if (g_str_has_suffix(name, ".json") && strcmp(name, "schema.json") != 0)
			g_ptr_array_add(files, g_strdup(full));
		if (error && *error)
			return;
	}
}

static int cmd_run(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) sets = NULL;
	g_autofree char *trace_path = NULL, *format = NULL, *color = NULL, *seed_str = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) scenarios =
	    g_ptr_array_new_with_free_func((GDestroyNotify)scenario_free);
	g_autoptr(GPtrArray) results =
	    g_ptr_array_new_with_free_func((GDestroyNotify)run_result_free);
	struct run_options opt = {0};
	g_autofree char *tmp_trace = NULL;
	g_autofree char *trace_buf = NULL; /* the trace file's buffer: freed after fclose */
	int fmt, ret = 0;
	bool use_color;
	GOptionEntry entries[] = {
	    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
	     "Seed for the PRNG, overriding each scenario's (same seed, same trace)", "N"},
	    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
	     "Write the structured trace (JSON lines) to FILE", "FILE"},
	    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
	     "Override a scenario field before validation, e.g. guest.profile=linux-5.9 "
	     "(repeatable)",
	     "PATH=VALUE"},
	    {"format", 0, 0, G_OPTION_ARG_STRING, &format, "Output: human (default), tap or json",
	     "FORMAT"},
	    {"color", 0, 0, G_OPTION_ARG_STRING, &color,
	     "Colour the human output: auto (default), always or never", "WHEN"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};

	ctx = g_option_context_new("PATH... - run scenarios");
	g_option_context_set_summary(ctx, run_summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "hvpci-sim run: %s\nTry 'hvpci-sim run --help'.\n", error->message);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "hvpci-sim run: no scenario given\nTry 'hvpci-sim run --help'.\n");
		return EXIT_USAGE;
	}
	fmt = format ? report_format_lookup(format) : REPORT_HUMAN;
	if (fmt < 0) {
		fprintf(stderr, "hvpci-sim run: --format %s: expected human, tap or json\n",
		        format);
		return EXIT_USAGE;
	}
	if (color && strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		fprintf(stderr, "hvpci-sim run: --color %s: expected auto, always or never\n",
		        color);
		return EXIT_USAGE;
	}
	use_color = color && strcmp(color, "always") == 0 ? true
	            : color && strcmp(color, "never") == 0
	                ? false
	                : isatty(fileno(stdout)) && !g_getenv("NO_COLOR");
	if (seed_str) {
		char *end;
		errno = 0;
		opt.seed = g_ascii_strtoull(seed_str, &end, 0);
		if (errno || !*seed_str || *end || seed_str[0] == '-') {
			fprintf(stderr,
			        "hvpci-sim run: --seed %s: expected a non-negative integer\n",
			        seed_str);
			return EXIT_USAGE;
		}
		opt.seed_set = true;
	}

	for (int i = 1; i < argc; i++) {
		collect(argv[i], files, &error);
		if (error) {
			fprintf(stderr, "hvpci-sim run: %s\n", error->message);
			return EXIT_USAGE;
		}
	}
	if (!files->len) {
		fprintf(stderr, "hvpci-sim run: no scenario files found in the given paths\n");
		return EXIT_USAGE;
	}
	/* Everything is loaded and validated before anything runs; every bad
	 * file is reported, not only the first. */
	for (guint i = 0; i < files->len; i++) {
		struct scenario *s =
		    scenario_load(g_ptr_array_index(files, i), (const char *const *)sets, &error);
		if (!s) {
			fprintf(stderr, "%s\n", error->message);
			g_clear_error(&error);
			ret = EXIT_USAGE;
			continue;
		}
		g_ptr_array_add(scenarios, s);
	}
	if (ret)
		return ret;

	if (trace_path) {
		tmp_trace = g_strconcat(trace_path, ".partial", NULL);
		opt.trace = fopen(tmp_trace, "w");
		if (!opt.trace) {
			fprintf(stderr, "hvpci-sim run: --trace %s: %s\n", trace_path,
			        g_strerror(errno));
			return EXIT_USAGE;
		}
		trace_buf = g_malloc(TRACE_FILE_BUFFER);
		setvbuf(opt.trace, trace_buf, _IOFBF, TRACE_FILE_BUFFER);
	}
	for (guint i = 0; i < scenarios->len; i++) {
		struct run_result *r = run_scenario(g_ptr_array_index(scenarios, i), &opt);
		if (!r->matches)
			ret = EXIT_MISMATCH;
		g_ptr_array_add(results, r);
	}
	if (opt.trace) {
		bool ok = fflush(opt.trace) == 0 && !ferror(opt.trace);
		ok = fclose(opt.trace) == 0 && ok;
		if (!ok || g_rename(tmp_trace, trace_path) < 0) {
			fprintf(stderr, "hvpci-sim run: cannot write the trace to %s: %s\n",
			        trace_path, g_strerror(errno));
			g_unlink(tmp_trace);
			ret = EXIT_USAGE;
		}
	}
	report_write(stdout, (enum report_format)fmt, results, use_color);
	return ret;
}

static int cmd_list(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : NULL;
	g_autoptr(GString) names = g_string_new(NULL);
	bool known = false;

	for (unsigned id = 0; id < CAT__COUNT; id++)
		g_string_append_printf(names, "%s%s", id ? "|" : "", catalog_get(id)->list);
	if (what && (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0)) {
		printf("Usage: hvpci-sim list [%s]\n"
		       "Lists the names a scenario file can use, with what they mean.\n",
		       names->str);
		return 0;
	}
	for (unsigned id = 0; id < CAT__COUNT; id++) {
		const struct catalog *c = catalog_get(id);
		unsigned width = 0;

		if (what && strcmp(what, c->list) != 0)
			continue;
		known = true;
		printf("%s%s:\n", id && !what ? "\n" : "", c->heading);
		for (unsigned i = 0; i < c->count(); i++)
			width = MAX(width, (unsigned)strlen(c->name(i)));
		for (unsigned i = 0; i < c->count(); i++) {
			bool dflt = id == CAT_PROFILES && profile_get(i) == profile_default();
			if (c->describe)
				printf("  %-*s  %s%s\n", (int)width, c->name(i), c->describe(i),
				       dflt ? " (default)" : "");
			else
				printf("  %s\n", c->name(i));
		}
	}
	if (!known) {
		fprintf(stderr, "hvpci-sim list: unknown list '%s' (one of: %s)\n", what,
		        names->str);
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		fputs(main_help, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("hvpci-sim %s\n", HVPCI_SIM_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	fprintf(stderr, "hvpci-sim: unknown command '%s'\n\n%s", argv[1], main_help);
	return EXIT_USAGE;
}
