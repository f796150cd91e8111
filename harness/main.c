/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvpci-sim: the command line.
 *   hvpci-sim run [OPTION...] PATH...   run scenario files (or every *.json under a directory)
 *   hvpci-sim list [WHAT]               list the names scenarios use (profiles, ops, ...)
 *   hvpci-sim matrix [OPTION...] FILE... run matrix files (cmd-matrix.c)
 *   hvpci-sim shell [SCENARIO]          a console over a live simulation (cmd-shell.c)
 *   hvpci-sim serve --control PATH      the same on a control socket only
 *   hvpci-sim import DOMAIN.xml         a scenario skeleton from a libvirt domain
 *   hvpci-sim help [COMMAND]            the help of the program or of a command
 */
#include "backend.h"
#include "cli.h"
#include "cmd-shell.h"
#include "matrix.h"
#include "report.h"
#include "runner.h"
#include "catalog.h"
#include "import.h"
#include "scenario.h"
#include "violations.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *run_summary =
    "Runs hibernation/resume scenarios in the embedded simulator (or, with\n"
    "--backend libvirt, on a real domain) and checks each verdict against the\n"
    "scenario's \"expect\". PATH is a scenario file or a directory searched for\n"
    "*.json (schema.json excepted).\n"
    "\n"
    "Scenarios run in worker processes (--jobs); the terminal shows each result as\n"
    "it finishes, in order, with a progress line; report files (--tap, --junit,\n"
    "--json, --html) are written to a temporary file and renamed when complete.\n"
    "Six shipped scenarios reproduce bugs or injected faults: they are expected to\n"
    "fail, and their violation lines under \"OK\" are the evidence they look for.\n"
    "\n"
    "Exit status: 0 if every verdict matches its expectation, 1 if one does not,\n"
    "2 if the command line or a scenario file is wrong (nothing runs then) or a\n"
    "report cannot be written, 130 if interrupted (what ran is still reported).";

static const char *main_help =
    "Usage: hvpci-sim COMMAND [OPTION...]\n"
    "\n"
    "A deterministic simulator of the Hyper-V virtual PCI bridge for testing\n"
    "what happens to PCI interrupts across hibernation, resume and CPU offlining.\n"
    "\n"
    "Commands:\n"
    "  run [OPTION...] PATH...   run scenario files or directories of them\n"
    "  matrix [OPTION...] FILE...\n"
    "                            run matrix files: scenarios crossed with axes of\n"
    "                            overrides (profiles, drivers, protocol versions, seeds)\n"
    "  list [WHAT]               list the names scenarios use: profiles, behaviours,\n"
    "                            drivers, capabilities, faults, modes, phases, ops,\n"
    "                            reach, violations\n"
    "  shell [SCENARIO]          a console over a live simulation (--control PATH: and a\n"
    "                            control socket); serve --control PATH: the socket alone\n"
    "  import [OPTION...] [DOMAIN.xml]  a scenario skeleton from a libvirt domain\n"
    "  help [COMMAND]            this text, or the help of COMMAND\n"
    "\n"
    "Run 'hvpci-sim help COMMAND' or 'hvpci-sim COMMAND --help' for a command's options;\n"
    "'man hvpci-sim' for the whole manual.\n";

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A PATH given on the command line is followed if it is a symbolic link.
 * Inside a directory, symbolic links to directories are not followed (one
 * pointing back up would make the walk endless; each is named on stderr),
 * links to files are. Whatever ends in .json goes to the loader, which
 * rejects what is not a regular file. */
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
		GStatBuf st;
		bool link = g_lstat(full, &st) == 0 && S_ISLNK(st.st_mode);

		if (link && g_file_test(full, G_FILE_TEST_IS_DIR))
			fprintf(stderr,
			        "hvpci-sim run: %s: not followed: a symbolic link to a directory\n",
			        full);
		else if (!link && g_file_test(full, G_FILE_TEST_IS_DIR))
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
	g_autofree char *trace_path = NULL, *seed_str = NULL;
	g_autofree char *backend = NULL, *connect = NULL, *domain = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) scenarios =
	    g_ptr_array_new_with_free_func((GDestroyNotify)scenario_free);
	g_autoptr(GPtrArray) matrices = g_ptr_array_new_with_free_func((GDestroyNotify)matrix_free);
	struct cli_output out __attribute__((cleanup(cli_output_clear))) = {0};
	struct run_options opt = {0};
	g_autofree char *tmp_trace = NULL;
	g_autofree char *trace_buf = NULL; /* the trace file's buffer: freed after fclose */
	struct matrix *m;
	int ret = 0;
	GOptionEntry entries[] = {
	    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
	     "Seed for the PRNG, 0 to 2^64-1 in decimal, overriding each scenario's (same seed, "
	     "same trace)",
	     "N"},
	    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
	     "Write the structured trace (JSON lines) to FILE", "FILE"},
	    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
	     "Override a scenario field before validation, e.g. guest.profile=linux-5.9 "
	     "(repeatable)",
	     "PATH=VALUE"},
	    {"backend", 0, 0, G_OPTION_ARG_STRING, &backend,
	     "sim (default: the embedded simulator) or libvirt (a real domain)", "NAME"},
	    {"connect", 0, 0, G_OPTION_ARG_STRING, &connect,
	     "With --backend libvirt: the connection URI (default: libvirt's default)", "URI"},
	    {"domain", 0, 0, G_OPTION_ARG_STRING, &domain,
	     "With --backend libvirt: the domain to run the scenario on", "NAME"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};

	g_set_prgname("hvpci-sim run");
	ctx = g_option_context_new("PATH... - run scenarios");
	g_option_context_set_summary(ctx, run_summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	cli_output_options(ctx, &out);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "hvpci-sim run: %s\nTry 'hvpci-sim run --help'.\n", error->message);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "hvpci-sim run: no scenario given\nTry 'hvpci-sim run --help'.\n");
		return EXIT_USAGE;
	}
	out.verbose = TRUE; /* run shows every scenario */
	if (!cli_output_check("run", &out))
		return EXIT_USAGE;
	if (seed_str) {
		/* the rule a file's "seed" follows too */
		if (!scenario_parse_seed(seed_str, &opt.seed)) {
			fprintf(stderr, "hvpci-sim run: --seed %s: expected %s\n", seed_str,
			        SCN_SEED_RULE);
			return EXIT_USAGE;
		}
		opt.seed_set = true;
	}
	opt.backend = &backend_sim;
	if (backend && strcmp(backend, "libvirt") == 0) {
#ifdef HAVE_LIBVIRT
		opt.backend = &backend_libvirt;
#else
		fprintf(stderr, "hvpci-sim run: --backend libvirt: this build has no libvirt\n");
		return EXIT_USAGE;
#endif
	} else if (backend && strcmp(backend, "sim") != 0) {
		fprintf(stderr, "hvpci-sim run: --backend %s: expected sim or libvirt\n", backend);
		return EXIT_USAGE;
	}
	if ((connect || domain) && opt.backend == &backend_sim) {
		fprintf(stderr, "hvpci-sim run: --connect and --domain need --backend libvirt\n");
		return EXIT_USAGE;
	}
	if (opt.backend != &backend_sim && !domain) {
		fprintf(stderr, "hvpci-sim run: --backend libvirt needs --domain NAME\n");
		return EXIT_USAGE;
	}
	opt.connect = connect;
	opt.domain = domain;

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
		if (s && !backend_check_scenario(opt.backend, s, &error))
			g_clear_pointer(&s, scenario_free);
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
		GStatBuf st;
		bool special = g_stat(trace_path, &st) == 0 && !S_ISREG(st.st_mode);

		if (special && S_ISDIR(st.st_mode)) {
			fprintf(stderr,
			        "hvpci-sim run: --trace %s: a directory; give a file name\n",
			        trace_path);
			return EXIT_USAGE;
		}
		/* A regular file is written under another name and renamed when
		 * complete; a FIFO or a device (/dev/stdout) is written to as it is,
		 * never replaced by a file. */
		if (!special)
			tmp_trace = g_strconcat(trace_path, ".partial", NULL);
		opt.trace = fopen(special ? trace_path : tmp_trace, "w");
		if (!opt.trace) {
			fprintf(stderr, "hvpci-sim run: --trace %s: %s\n", trace_path,
			        g_strerror(errno));
			return EXIT_USAGE;
		}
		trace_buf = g_malloc(TRACE_FILE_BUFFER);
		setvbuf(opt.trace, trace_buf, _IOFBF, TRACE_FILE_BUFFER);
	}
	m = matrix_from_scenarios("run", scenarios);
	g_strfreev(m->sets);
	m->sets = g_strdupv(sets ? sets : (char *[]){NULL});
	g_ptr_array_add(matrices, m);
	ret = cli_execute("run", matrices, &opt, &out, 0, 1);
	if (opt.trace) {
		bool ok = fflush(opt.trace) == 0 && !ferror(opt.trace);
		ok = fclose(opt.trace) == 0 && ok;
		if (!ok || (tmp_trace && g_rename(tmp_trace, trace_path) < 0)) {
			fprintf(stderr, "hvpci-sim run: cannot write the trace to %s: %s\n",
			        trace_path, g_strerror(errno));
			if (tmp_trace)
				g_unlink(tmp_trace);
			ret = EXIT_USAGE;
		}
	}
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
	char *help_args[4];

	setlocale(LC_ALL, "");
	if (argc < 2) {
		fputs(main_help, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 && argc > 2) {
		/* hvpci-sim help COMMAND is hvpci-sim COMMAND --help */
		help_args[0] = argv[0];
		help_args[1] = argv[2];
		help_args[2] = (char *)"--help";
		help_args[3] = NULL;
		argv = help_args;
		argc = 3;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
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
	if (strcmp(argv[1], "shell") == 0 || strcmp(argv[1], "serve") == 0)
		return cmd_shell(argc - 1, argv + 1, strcmp(argv[1], "serve") == 0);
	if (strcmp(argv[1], "import") == 0) {
#ifdef HAVE_LIBVIRT
		return cmd_import(argc - 1, argv + 1);
#else
		fprintf(stderr, "hvpci-sim import: this build has no libvirt\n");
		return EXIT_USAGE;
#endif
	}
	if (strcmp(argv[1], "matrix") == 0)
		return cmd_matrix(argc - 1, argv + 1);
	fprintf(stderr, "hvpci-sim: unknown command '%s'\n\n%s", argv[1], main_help);
	return EXIT_USAGE;
}
