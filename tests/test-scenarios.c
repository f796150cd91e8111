/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scenario regression suite: every shipped scenario gives the verdict it
 * expects and a byte-identical trace for the same seed; each 2020 bug is
 * checked both ways (the buggy behaviour yields the violation the real bug
 * showed, the fixed one runs clean); and the CLI keeps its promises.
 */
#include "harness/runner.h"
#include "harness/scenario.h"
#include "pcifront/behaviours.h"
#include "pcifront/drivers.h"
#include "vmbus-sim/trace.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *scenario_path(const char *rel)
{
	return g_build_filename(SOURCE_ROOT, "scenarios", rel, NULL);
}

static struct run_result *run_with(const char *rel, const char *const *sets, uint64_t seed,
                                   bool seed_set, char **trace_out)
{
	g_autofree char *path = scenario_path(rel);
	g_autoptr(GError) error = NULL;
	struct scenario *s = scenario_load(path, sets, &error);
	struct trace *t = trace_out ? trace_new_memory() : NULL;
	struct run_options opt = {.seed = seed, .seed_set = seed_set, .trace_sink = t};
	struct run_result *r;

	g_assert_no_error(error);
	g_assert_nonnull(s);
	r = run_scenario(s, &opt);
	if (trace_out)
		*trace_out = g_strdup(trace_contents(t));
	trace_free(t);
	scenario_free(s);
	return r;
}

static void dump(const struct run_result *r)
{
	for (guint i = 0; i < r->violations->len; i++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, i);
		g_test_message("  [%s] %s", v->name, v->message);
	}
}

static void collect(const char *dir, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;

	g_assert_nonnull(d);
	while ((n = g_dir_read_name(d))) {
		g_autofree char *full = g_build_filename(dir, n, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR))
			collect(full, out);
		else if (g_str_has_suffix(n, ".json") && strcmp(n, "schema.json") != 0)
			g_ptr_array_add(out, g_steal_pointer(&full));
	}
}

static GPtrArray *shipped(void)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *root = g_build_filename(SOURCE_ROOT, "scenarios", NULL);

	collect(root, files);
	g_assert_cmpuint(files->len, >=, 7);
	return files;
}

/* Every shipped scenario gives its expected verdict, and the same seed gives
 * a byte-identical trace (also with --seed 7). */
static void test_shipped(void)
{
	g_autoptr(GPtrArray) files = shipped();

	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + strlen(SOURCE_ROOT) + strlen("/scenarios/");
		g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
		struct run_result *a = run_with(rel, NULL, 0, false, &t1);
		struct run_result *b = run_with(rel, NULL, 0, false, &t2);
		struct run_result *c = run_with(rel, NULL, 7, true, &t3);
		struct run_result *d = run_with(rel, NULL, 7, true, &t4);

		g_test_message("%s: verdict %s, expected %s", rel, a->pass ? "pass" : "fail",
		               a->expect_pass ? "pass" : "fail");
		if (!a->matches) {
			dump(a);
			g_test_message("mismatch: %s", a->mismatch);
		}
		g_assert_true(a->matches);
		g_assert_cmpuint(strlen(t1), >, 1000);
		g_assert_cmpstr(t1, ==, t2);
		g_assert_cmpstr(t3, ==, t4);
		g_assert_cmpuint(c->pass, ==, a->pass);
		run_result_free(a);
		run_result_free(b);
		run_result_free(c);
		run_result_free(d);
	}
}

/* The seed decides choice points (two bridges whose noirq callbacks run as
 * parallel jobs): different seeds give different traces, and every seed
 * gives each shipped scenario its expected verdict. */
static void test_seeds(void)
{
	g_autoptr(GPtrArray) files = shipped();
	g_autoptr(GHashTable) traces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + strlen(SOURCE_ROOT) + strlen("/scenarios/");

		/* only mixed-drivers' traces are compared: the others run
		 * untraced (the largest VMs write megabytes of trace a run) */
		bool traced = g_str_has_suffix(rel, "mixed-drivers.json");

		for (uint64_t seed = 1; seed <= 40; seed++) {
			g_autofree char *t = NULL;
			struct run_result *r = run_with(rel, NULL, seed, true, traced ? &t : NULL);

			if (!r->matches) {
				dump(r);
				g_test_message("%s, seed %" G_GUINT64_FORMAT ": %s", rel, seed,
				               r->mismatch);
			}
			g_assert_true(r->matches);
			if (traced) {
				/* the first line names the seed; compare the rest */
				const char *body = strchr(t, '\n');
				g_hash_table_add(traces, g_strdup(body));
			}
			run_result_free(r);
		}
	}
	g_assert_cmpuint(g_hash_table_size(traces), >, 1);
}

static void assert_clean(const char *rel, const char *const *sets)
{
	struct run_result *r = run_with(rel, sets, 0, false, NULL);

	if (!r->pass)
		dump(r);
	g_assert_true(r->pass);
	run_result_free(r);
}

/* Asserts the run fails with every name in want and none in unwanted. */
static void assert_violations(const char *rel, const char *const *sets, const char *const *want,
                              const char *const *unwanted)
{
	struct run_result *r = run_with(rel, sets, 0, false, NULL);

	dump(r);
	g_assert_false(r->pass);
	for (; want && *want; want++) {
		if (!run_result_has(r, *want))
			g_test_message("missing violation %s", *want);
		g_assert_true(run_result_has(r, *want));
	}
	for (; unwanted && *unwanted; unwanted++)
		g_assert_false(run_result_has(r, *unwanted));
	run_result_free(r);
}

#define SETS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The other way for every reproduction: each bugs/ scenario runs clean on the
 * fixed guest, and each faults/ scenario runs clean with its fault rule off
 * (reach lists cleared: they name the buggy path's events). */
static void test_fixed_runs_clean(void)
{
	g_autoptr(GPtrArray) files = shipped();
	unsigned bugs = 0, faults = 0;

	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + strlen(SOURCE_ROOT) + strlen("/scenarios/");
		struct run_result *r;

		if (g_str_has_prefix(rel, "bugs/")) {
			r = run_with(rel,
			             SETS("guest={\"profile\":\"linux-5.10\"}", "reach=[]",
			                  "expect={\"verdict\":\"pass\"}"),
			             0, false, NULL);
			bugs++;
		} else if (g_str_has_prefix(rel, "faults/")) {
			g_autoptr(GError) error = NULL;
			struct scenario *sc = scenario_load(path, NULL, &error);
			g_assert_no_error(error);
			g_assert_cmpuint(sc->nfaults, ==, 1);
			scenario_free(sc);
			r = run_with(rel,
			             SETS("faults[0].enabled=false", "reach=[]",
			                  "expect={\"verdict\":\"pass\"}"),
			             0, false, NULL);
			faults++;
		} else {
			continue;
		}
		if (!r->pass) {
			g_test_message("%s, fixed:", rel);
			dump(r);
		}
		g_assert_true(r->pass);
		run_result_free(r);
	}
	g_assert_cmpuint(bugs, >=, 3);
	g_assert_cmpuint(faults, >=, 3);
}

static void test_persistent_both_ways(void)
{
	const char *f = "hibernate/persistent-driver.json";

	assert_clean(f, NULL);
	assert_clean(f, SETS("guest.profile=linux-5.10"));
	/* linux-5.9: both halves of the bug */
	assert_violations(
	    f, SETS("guest.profile=linux-5.9"),
	    SETS("mask.stuck-masked", "remap.no-entry", "delivery.lost", "delivery.stuck-pending"),
	    NULL);
	/* each behaviour alone: only its own symptom */
	assert_violations(f, SETS("guest.behaviours.restore-msi-on-resume=false"),
	                  SETS("remap.no-entry", "delivery.lost"),
	                  SETS("mask.stuck-masked", "delivery.stuck-pending"));
	assert_violations(f, SETS("guest.behaviours.unmask-despite-retarget-failure=false"),
	                  SETS("mask.stuck-masked", "delivery.stuck-pending"),
	                  SETS("remap.no-entry", "delivery.lost"));
	/* a 5.9 guest with the single fixes back is clean again */
	assert_clean(f,
	             SETS("guest.profile=linux-5.9", "guest.behaviours.restore-msi-on-resume=true",
	                  "guest.behaviours.unmask-despite-retarget-failure=true"));
}

static void test_recreate_spared(void)
{
	const char *f = "hibernate/recreate-driver.json";

	assert_clean(f, NULL);
	/* the real bug spared drivers that re-request their vectors */
	assert_clean(f, SETS("guest.profile=linux-5.9"));
	assert_clean(f, SETS("guest.behaviours.restore-msi-on-resume=false"));
	assert_clean(f, SETS("guest.behaviours.unmask-despite-retarget-failure=false"));
}

static void test_retarget_failure_both_ways(void)
{
	const char *f = "hibernate/retarget-failure.json";

	assert_clean(f, NULL);
	assert_violations(f, SETS("guest.behaviours.unmask-despite-retarget-failure=false"),
	                  SETS("mask.stuck-masked", "delivery.stuck-pending"), NULL);
	assert_violations(f, SETS("guest.profile=linux-5.9"),
	                  SETS("mask.stuck-masked", "remap.no-entry"), NULL);
	/* every protocol version takes the same path; on 1.1 only with a host
	 * that puts a create for every CPU on VP 0, where the kernel left the
	 * vectors (the strictest host picks the highest online VP) */
	assert_clean(f, SETS("vm.protocol=\"1.1\"", "host.create-any-cpu-target=first-vp"));
	assert_violations(f, SETS("vm.protocol=\"1.1\""),
	                  SETS("remap.wrong-vector", "delivery.misrouted"), NULL);
	assert_clean(f, SETS("vm.protocol=\"1.2\""));
	assert_clean(f, SETS("vm.protocol=\"1.4\""));
	assert_violations(f,
	                  SETS("vm.protocol=\"1.1\"", "guest.profile=linux-5.9",
	                       "host.create-any-cpu-target=first-vp"),
	                  SETS("mask.stuck-masked"), NULL);
}

/* Each host assumption's scenario gets its verdict from its switch: the
 * strictest host (the default) and the kinder value each way. */
static void test_host_assumptions_both_ways(void)
{
	static const struct {
		const char *file, *kinder;
		bool default_passes;
	} cases[] = {
	    {"host/retarget-status-hides-unmask-bug.json", "host.retarget-after-d0-exit=success",
	     false},
	    {"host/create-any-cpu-on-1.1.json", "host.create-any-cpu-target=first-vp", false},
	    {"host/d0-exit-lost-abort-loses-interrupts.json", "host.irte-lifetime=power-off",
	     false},
	    {"host/abort-thaw-without-msi-restore.json", "host.irte-lifetime=power-off", false},
	    {"host/reoffer-changes-relids.json", "host.reoffer-relids=same", true},
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct run_result *a = run_with(cases[i].file, NULL, 0, false, NULL);
		struct run_result *b =
		    run_with(cases[i].file, SETS(cases[i].kinder), 0, false, NULL);

		g_test_message("%s", cases[i].file);
		g_assert_true(a->matches);
		g_assert_cmpint(a->pass, ==, cases[i].default_passes);
		g_assert_cmpint(b->pass, ==, !cases[i].default_passes);
		run_result_free(a);
		run_result_free(b);
	}
	/* the kinder lifetime is what keeps this shipped scenario's pass */
	assert_clean("faults/d0-exit-lost-abort-allowed.json", NULL);
	assert_violations("faults/d0-exit-lost-abort-allowed.json",
	                  SETS("host.irte-lifetime=release-resources"), SETS("delivery.lost"),
	                  NULL);
}

static void test_mixed_only_gpu_hit(void)
{
	const char *f = "hibernate/mixed-drivers.json";
	struct run_result *r;

	assert_clean(f, NULL);
	r = run_with(f, SETS("guest.profile=linux-5.9"), 0, false, NULL);
	g_assert_false(r->pass);
	for (guint i = 0; i < r->violations->len; i++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, i);
		/* every complaint is about the GPU, none about the NVMe controller */
		g_assert_nonnull(strstr(v->message, "gpu0"));
		g_assert_null(strstr(v->message, "nvme0"));
	}
	run_result_free(r);
}

/* A scenario expecting failure is judged a mismatch when it runs clean. */
static void test_expectations_judged(void)
{
	struct run_result *r =
	    run_with("bugs/no-msi-restore.json",
	             SETS("guest.behaviours.restore-msi-on-resume=true"), 0, false, NULL);

	g_assert_true(r->pass);
	g_assert_false(r->matches);
	g_assert_nonnull(r->mismatch);
	run_result_free(r);
	r = run_with("hibernate/persistent-driver.json", SETS("guest.profile=linux-5.9"), 0, false,
	             NULL);
	g_assert_false(r->matches);
	run_result_free(r);
	/* a required event the run never reaches is a violation of its own */
	r = run_with("hibernate/recreate-driver.json", SETS("reach=[\"retarget-failed\"]"), 0,
	             false, NULL);
	g_assert_true(run_result_has(r, "reach.missed"));
	run_result_free(r);
}

/* ---- the CLI ---- */

static int cli(const char *const *args, char **out, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_ptr_array_add(argv, (char *)HVPCI_SIM);
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(SOURCE_ROOT, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
	                           NULL, out, err, &status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_cli_exit_codes(void)
{
	g_autofree char *out = NULL, *err = NULL;

	g_assert_cmpint(cli(SETS("run", "scenarios/hibernate/persistent-driver.json"), &out, &err),
	                ==, 0);
	g_assert_nonnull(strstr(out, "persistent-driver"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* the whole shipped suite is as expected */
	g_assert_cmpint(cli(SETS("run", "scenarios"), &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "as expected, 0 not"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* linux-5.9 fails and says why */
	g_assert_cmpint(cli(SETS("run", "--color=never", "--set", "guest.profile=linux-5.9",
	                         "scenarios/hibernate/persistent-driver.json"),
	                    &out, &err),
	                ==, 1);
	g_assert_nonnull(strstr(out, "mask.stuck-masked"));
	g_assert_nonnull(strstr(out, "no interrupt remapping entry"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* usage errors */
	g_assert_cmpint(cli(SETS("run"), &out, &err), ==, 2);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("run", "--format", "xml", "scenarios"), &out, &err), ==, 2);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("frobnicate"), &out, &err), ==, 2);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("run", "--set", "vm.vcpus=0", "scenarios/hibernate"), &out, &err),
	                ==, 2);
	g_assert_nonnull(strstr(err, "vcpus"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* --seed follows the rule a file's "seed" does: decimal, 0 ... 2^64-1 */
	g_assert_cmpint(cli(SETS("run", "--seed", "18446744073709551616",
	                         "scenarios/hibernate/persistent-driver.json"),
	                    &out, &err),
	                ==, 2);
	g_assert_nonnull(strstr(err,
	                        "--seed 18446744073709551616: expected a decimal integer from 0 "
	                        "to 18446744073709551615"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("run", "--seed", "18446744073709551615",
	                         "scenarios/hibernate/persistent-driver.json"),
	                    &out, &err),
	                ==, 0);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("--help"), &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "Usage: hvpci-sim"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("run", "--help"), &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "--trace"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cli(SETS("list", "behaviours"), &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "restore-msi-on-resume"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
}

static void test_cli_bad_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "bad.json", NULL);
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *expect = NULL;

	g_assert_true(g_file_set_contents(
	    path, "{\n  \"name\": \"x\",\n  \"vm\": {\"vcpus\": 0}\n}\n", -1, NULL));
	g_assert_cmpint(cli(SETS("run", path), &out, &err), ==, 2);
	expect = g_strdup_printf("%s:3:", path);
	g_assert_nonnull(strstr(err, expect));
	g_assert_cmpstr(out, ==, ""); /* nothing ran */
	g_unlink(path);
	g_rmdir(dir);
}

/* What is not a regular file stops the run with status 2 and its name,
 * whether given on the command line or met in a directory walk. */
static void test_cli_not_a_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename(dir, "waiting.json", NULL);
	g_autofree char *out = NULL, *err = NULL, *expect = NULL;

	g_assert_cmpint(cli(SETS("run", "/dev/zero"), &out, &err), ==, 2);
	g_assert_nonnull(strstr(err, "/dev/zero: not a regular file (a character device)"));
	g_assert_cmpstr(out, ==, "");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(cli(SETS("run", dir), &out, &err), ==, 2);
	expect = g_strdup_printf("%s: not a regular file (a FIFO)", fifo);
	g_assert_nonnull(strstr(err, expect));
	g_assert_cmpstr(out, ==, "");
	g_unlink(fifo);
	g_rmdir(dir);
}

static gpointer read_all(gpointer path)
{
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* --trace DIR is refused before anything runs; --trace FIFO writes into
 * the FIFO, it does not replace it with a file (as root, --trace /dev/null
 * would otherwise replace /dev/null). */
static void test_cli_trace_target(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename(dir, "trace", NULL);
	g_autofree char *out = NULL, *err = NULL, *expect = NULL, *trace = NULL;
	GThread *reader;
	GStatBuf st;

	g_assert_cmpint(
	    cli(SETS("run", "--trace", dir, "scenarios/hibernate/persistent-driver.json"), &out,
	        &err),
	    ==, 2);
	expect = g_strdup_printf("--trace %s: a directory", dir);
	g_assert_nonnull(strstr(err, expect));
	g_assert_cmpstr(out, ==, ""); /* nothing ran */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	reader = g_thread_new("trace-reader", read_all, fifo);
	g_assert_cmpint(
	    cli(SETS("run", "--trace", fifo, "scenarios/hibernate/persistent-driver.json"), &out,
	        &err),
	    ==, 0);
	trace = g_thread_join(reader);
	g_assert_cmpuint(strlen(trace), >, 1000);
	g_assert_cmpint(g_lstat(fifo, &st), ==, 0);
	g_assert_true(S_ISFIFO(st.st_mode));
	g_unlink(fifo);
	g_rmdir(dir);
}

/* A directory walk does not follow symbolic links to directories: a link
 * back up (a loop) neither hangs nor runs a scenario twice; it is named. */
static void test_cli_symlink_loop(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename(dir, "sub", NULL);
	g_autofree char *up = g_build_filename(sub, "up", NULL);
	g_autofree char *self = g_build_filename(dir, "self", NULL);
	g_autofree char *copy = g_build_filename(dir, "persistent-driver.json", NULL);
	g_autofree char *src = scenario_path("hibernate/persistent-driver.json");
	g_autofree char *text = NULL, *out = NULL, *err = NULL, *expect = NULL;

	g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(copy, text, -1, NULL));
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	g_assert_cmpint(symlink("..", up), ==, 0);
	g_assert_cmpint(symlink(".", self), ==, 0);
	g_assert_cmpint(cli(SETS("run", dir), &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "1 scenario(s): 1 as expected, 0 not"));
	expect = g_strdup_printf("%s: not followed: a symbolic link to a directory", up);
	g_assert_nonnull(strstr(err, expect));
	g_unlink(up);
	g_unlink(self);
	g_unlink(copy);
	g_rmdir(sub);
	g_rmdir(dir);
}

static void test_cli_trace_deterministic(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *a = g_build_filename(dir, "a.jsonl", NULL);
	g_autofree char *b = g_build_filename(dir, "b.jsonl", NULL);
	g_autofree char *ca = NULL, *cb = NULL, *out = NULL, *err = NULL;
	gsize la, lb;

	g_assert_cmpint(
	    cli(SETS("run", "--seed", "7", "--trace", a, "scenarios/hibernate"), &out, &err), ==,
	    0);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    cli(SETS("run", "--seed", "7", "--trace", b, "scenarios/hibernate"), &out, &err), ==,
	    0);
	g_assert_true(g_file_get_contents(a, &ca, &la, NULL));
	g_assert_true(g_file_get_contents(b, &cb, &lb, NULL));
	g_assert_cmpuint(la, >, 10000);
	g_assert_cmpuint(la, ==, lb);
	g_assert_true(memcmp(ca, cb, la) == 0);
	/* every line is a JSON object with the four keys */
	g_auto(GStrv) lines = g_strsplit(ca, "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		json_object *o = json_tokener_parse(*l);
		g_assert_nonnull(o);
		g_assert_true(json_object_object_get_ex(o, "t", NULL));
		g_assert_true(json_object_object_get_ex(o, "task", NULL));
		g_assert_true(json_object_object_get_ex(o, "comp", NULL));
		g_assert_true(json_object_object_get_ex(o, "ev", NULL));
		json_object_put(o);
	}
	g_unlink(a);
	g_unlink(b);
	g_rmdir(dir);
}

static void test_cli_formats(void)
{
	g_autofree char *out = NULL, *err = NULL;
	json_object *root, *arr, *first, *v;

	g_assert_cmpint(cli(SETS("run", "--format", "json", "--set", "guest.profile=linux-5.9",
	                         "scenarios/hibernate/persistent-driver.json"),
	                    &out, &err),
	                ==, 1);
	root = json_tokener_parse(out);
	g_assert_nonnull(root);
	g_assert_true(json_object_object_get_ex(root, "scenarios", &arr));
	first = json_object_array_get_idx(arr, 0);
	g_assert_true(json_object_object_get_ex(first, "verdict", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "fail");
	g_assert_true(json_object_object_get_ex(first, "expected", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "pass");
	g_assert_true(json_object_object_get_ex(first, "violations", &v));
	g_assert_cmpuint(json_object_array_length(v), >, 0);
	json_object *v0 = json_object_array_get_idx(v, 0), *f;
	g_assert_true(json_object_object_get_ex(v0, "oracle", &f));
	g_assert_true(json_object_object_get_ex(v0, "time_ns", &f));
	g_assert_true(json_object_object_get_ex(v0, "message", &f));
	json_object_put(root);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	g_assert_cmpint(cli(SETS("run", "--format", "tap", "scenarios/hibernate"), &out, &err), ==,
	                0);
	g_assert_true(g_str_has_prefix(out, "TAP version 13\n1..5\n"));
	g_assert_null(strstr(out, "not ok"));
}

/* The guest discovers the device's layout as a kernel does: every shipped
 * scenario gets the same verdict and the same violations whatever layout
 * its devices have (capabilities reordered, the MSI-X table in another
 * BAR at a non-zero offset, a 32-bit BAR 5). */
static void test_layouts_same_verdicts(void)
{
	static const char *const layouts[] = {
	    "{\"capabilities\":[\"msix\",\"msi\",\"pm\"]}",
	    "{\"msix-bar\":2,\"msix-table-offset\":2048}",
	    "{\"capabilities\":[\"msi\",\"msix\",\"pm\"],\"msix-bar\":5,"
	    "\"msix-table-offset\":\"0x3000\"}",
	};
	/* A function without MSI-X (interrupts "msi") has two capabilities
	 * and no table to place: its layouts reorder the list. */
	static const char *const msi_layouts[G_N_ELEMENTS(layouts)] = {
	    "{\"capabilities\":[\"msi\",\"pm\"]}",
	    "{}",
	    "{\"capabilities\":[\"pm\",\"msi\"]}",
	};
	g_autoptr(GPtrArray) files = shipped();
	unsigned runs = 0;

	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + strlen(SOURCE_ROOT) + strlen("/scenarios/");
		g_autoptr(GError) error = NULL;
		struct scenario *sc = scenario_load(path, NULL, &error);
		struct run_result *base;
		unsigned ndev;

		g_assert_no_error(error);
		ndev = sc->ndevices;
		bool msi[SCN_MAX_DEVICES] = {false};
		for (unsigned d = 0; d < ndev; d++)
			msi[d] = sc->devices[d].msi;
		scenario_free(sc);
		base = run_with(rel, NULL, 0, false, NULL);
		for (unsigned l = 0; l < G_N_ELEMENTS(layouts); l++) {
			g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func(g_free);
			struct run_result *r;

			for (unsigned d = 0; d < ndev; d++)
				g_ptr_array_add(
				    sets, g_strdup_printf("devices.%u.layout=%s", d,
				                          msi[d] ? msi_layouts[l] : layouts[l]));
			g_ptr_array_add(sets, NULL);
			r = run_with(rel, (const char *const *)sets->pdata, 0, false, NULL);
			if (r->pass != base->pass || r->violations->len != base->violations->len) {
				g_test_message("%s with layout %s:", rel, layouts[l]);
				dump(r);
			}
			g_assert_cmpint(r->pass, ==, base->pass);
			g_assert_true(r->matches);
			g_assert_cmpuint(r->violations->len, ==, base->violations->len);
			for (guint k = 0; k < r->violations->len; k++)
				g_assert_cmpstr(
				    ((struct run_violation *)g_ptr_array_index(r->violations, k))
				        ->name,
				    ==,
				    ((struct run_violation *)g_ptr_array_index(base->violations, k))
				        ->name);
			run_result_free(r);
			runs++;
		}
		run_result_free(base);
	}
	g_assert_cmpuint(runs, >=, 3 * 10);
}

static const char *const releases[] = {"linux-5.4", "linux-5.9", "linux-5.10", "linux-5.15",
                                       "linux-6.1", "linux-6.6", "linux-6.12", "linux-6.18"};

static bool has_message(const struct run_result *r, const char *name, const char *part)
{
	for (guint i = 0; i < r->violations->len; i++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, i);
		if (strcmp(v->name, name) == 0 && strstr(v->message, part))
			return true;
	}
	return false;
}

/* The shipped hibernation scenarios (hibernate/, bugs/) on every release,
 * with nothing but the profile chosen: each fails on the releases before
 * the 2020 fixes and passes on every one after, and each way for the
 * reason the kernel of that release had. v5.4 cannot hibernate with a
 * vPCI device at all (no suspend callback: the PM core aborts); v5.9
 * hibernates and loses the kept vectors (stuck mask, no remapping entry),
 * while drivers that re-request their vectors were spared. */
static void test_hibernation_across_releases(void)
{
	g_autoptr(GPtrArray) files = shipped();
	unsigned runs = 0;

	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + strlen(SOURCE_ROOT) + strlen("/scenarios/");
		g_autoptr(GError) error = NULL;
		struct scenario *sc;
		bool keeps = false;

		if (!g_str_has_prefix(rel, "hibernate/") && !g_str_has_prefix(rel, "bugs/"))
			continue;
		sc = scenario_load(path, NULL, &error);
		g_assert_no_error(error);
		for (unsigned d = 0; d < sc->ndevices; d++)
			keeps |= sc->devices[d].driver == DRIVER_KEEP_VECTORS;
		scenario_free(sc);
		for (unsigned p = 0; p < G_N_ELEMENTS(releases); p++) {
			g_autofree char *guest =
			    g_strdup_printf("guest={\"profile\":\"%s\"}", releases[p]);
			struct run_result *r =
			    run_with(rel, SETS(guest, "reach=[]", "expect={\"verdict\":\"pass\"}"),
			             0, false, NULL);

			g_test_message("%s on %s: %s", rel, releases[p], r->pass ? "pass" : "fail");
			if (p >= 2) {
				if (!r->pass)
					dump(r);
				g_assert_true(r->pass);
			} else if (p == 0) {
				dump(r);
				g_assert_false(r->pass);
				g_assert_true(has_message(r, "pm.hibernate-aborted",
				                          "has no suspend callback"));
				g_assert_false(run_result_has(r, "guest.error"));
				g_assert_false(run_result_has(r, "mask.stuck-masked"));
				g_assert_false(run_result_has(r, "remap.no-entry"));
			} else if (keeps) {
				dump(r);
				g_assert_false(r->pass);
				g_assert_true(run_result_has(r, "mask.stuck-masked"));
				g_assert_true(run_result_has(r, "remap.no-entry"));
				g_assert_false(run_result_has(r, "guest.error"));
			} else {
				g_assert_true(r->pass); /* re-requested vectors: spared */
			}
			run_result_free(r);
			runs++;
		}
	}
	g_assert_cmpuint(runs, >=, 8 * 8);
}

/* Each behaviour's scenario, both ways: on (the default) it passes, off it
 * fails with what that older kernel met. */
static void test_behaviours_both_ways(void)
{
	const char *gpu = "hibernate/persistent-driver.json";

	/* hibernation: without the callbacks the PM core aborts */
	assert_clean(
	    "bugs/linux-5.4-no-hibernation.json",
	    SETS("guest.behaviours.hibernation=true", "reach=[]", "expect={\"verdict\":\"pass\"}"));
	assert_violations("hibernate/recreate-driver.json",
	                  SETS("guest.behaviours.hibernation=false"), SETS("pm.hibernate-aborted"),
	                  SETS("mask.stuck-masked", "remap.no-entry"));
	/* the D0-entry retry at probe, then at resume */
	assert_clean("profiles/d0-entry-refused-at-probe.json", NULL);
	assert_violations("profiles/d0-entry-refused-at-probe.json",
	                  SETS("guest.behaviours.d0-entry-retry-probe=false"),
	                  SETS("guest.error", "delivery.lost", "reach.missed"), NULL);
	assert_clean("profiles/d0-entry-refused-at-resume.json", NULL);
	for (unsigned p = 1; p < G_N_ELEMENTS(releases); p++) {
		g_autofree char *guest = g_strdup_printf("guest.profile=%s", releases[p]);
		if (p >= 5)
			assert_clean("profiles/d0-entry-refused-at-resume.json", SETS(guest));
		else if (p >= 2) /* probe-only retry: the resume gives up */
			assert_violations("profiles/d0-entry-refused-at-resume.json", SETS(guest),
			                  SETS("guest.error", "delivery.lost"), NULL);
	}
	assert_violations("profiles/d0-entry-refused-at-resume.json",
	                  SETS("guest.behaviours.d0-entry-retry-resume=false"),
	                  SETS("guest.error", "delivery.lost"), NULL);
	/* composing for the requested affinity misroutes once a retarget fails */
	/* Protocol 1.1 with a CPU >= 64: the 64-bit VP mask names VP (cpu mod
	 * 64). From 1.2 on the VP set has banks enough and the run is clean. */
	assert_clean("size/protocol-1.1-cpu-64.json",
	             SETS("vm.protocol=\"1.2\"", "expect={\"verdict\":\"pass\"}"));
	assert_clean("size/protocol-1.1-cpu-64.json",
	             SETS("vm.vcpus=64", "devices[0].vectors=64", "steps[1].vectors=[63]",
	                  "expect={\"verdict\":\"pass\"}"));
	assert_violations("size/protocol-1.1-cpu-64.json", NULL,
	                  SETS("remap.wrong-vector", "delivery.misrouted"), NULL);
	assert_clean("profiles/retarget-refused-at-boot.json", NULL);
	assert_violations("profiles/retarget-refused-at-boot.json",
	                  SETS("guest.behaviours.compose-effective-affinity=false"),
	                  SETS("remap.wrong-vector", "delivery.misrouted"), NULL);
	/* reusing the entry for MSI-X: resume asks the host for nothing */
	assert_clean(gpu, SETS("guest.profile=linux-6.18"));
	assert_violations(
	    gpu,
	    SETS("guest.profile=linux-6.18", "guest.behaviours.irte-reuse-multi-msi-only=false"),
	    SETS("remap.no-entry", "delivery.lost"), SETS("mask.stuck-masked"));
	assert_clean(gpu, SETS("guest.profile=linux-6.18", "guest.behaviours.irte-reuse=false"));
	/* multi-MSI: without the contiguous-vector fix the driver gets one
	 * vector and every source lands on its handler */
	assert_violations("msi/single-vector-fallback.json", SETS("seed=1"),
	                  SETS("delivery.misrouted", "delivery.duplicate"), NULL);
	assert_clean("msi/single-vector-fallback.json",
	             SETS("guest.behaviours.multi-msi=true", "expect={\"verdict\":\"pass\"}"));
	assert_violations("msi/single-vector-fallback.json", SETS("guest.profile=linux-5.15"),
	                  SETS("delivery.misrouted", "delivery.duplicate"), NULL);
	/* every vector retargeted with the first vector's data */
	assert_violations("msi/retarget-first-vector-data.json", SETS("seed=1"),
	                  SETS("remap.wrong-vector", "delivery.misrouted"), NULL);
	assert_clean(
	    "msi/retarget-first-vector-data.json",
	    SETS("guest.behaviours.retarget-from-chip-data=true", "expect={\"verdict\":\"pass\"}"));
	/* without the reuse a multi-MSI block is still whole after resume */
	assert_clean("msi/multi-msi-hibernate.json", SETS("guest.behaviours.irte-reuse=false"));
}

/* A refused CREATE_INTERRUPT at boot on each release: the zeroed message
 * is in the device everywhere; what the unmask does differs. */
static void test_compose_failure_across_releases(void)
{
	const char *f = "faults/create-interrupt-refused-at-boot.json";

	for (unsigned p = 0; p < G_N_ELEMENTS(releases); p++) {
		g_autofree char *guest = g_strdup_printf("guest.profile=%s", releases[p]);
		struct run_result *r = run_with(f, SETS(guest, "reach=[]"), 0, false, NULL);

		g_test_message("%s", releases[p]);
		dump(r);
		g_assert_false(r->pass);
		g_assert_true(has_message(r, "guest.error", "Request for interrupt failed"));
		/* 6.1 reads the missing chip data through NULL, no other */
		g_assert_cmpint(has_message(r, "guest.error", "NULL pointer dereference"), ==,
		                p == 4);
		if (p <= 1 || p == 4) {
			/* the unmask never reached the device: stuck masked */
			g_assert_true(run_result_has(r, "mask.stuck-masked"));
			g_assert_false(run_result_has(r, "delivery.dma-to-zero"));
		} else {
			/* unmasked with address 0: a DMA write, not an interrupt */
			g_assert_true(run_result_has(r, "delivery.dma-to-zero"));
			g_assert_false(run_result_has(r, "mask.stuck-masked"));
		}
		run_result_free(r);
	}
	/* no refusal, no harm, on every release */
	for (unsigned p = 0; p < G_N_ELEMENTS(releases); p++) {
		g_autofree char *guest = g_strdup_printf("guest.profile=%s", releases[p]);
		assert_clean(f, SETS(guest, "faults[0].enabled=false", "reach=[]",
		                     "expect={\"verdict\":\"pass\"}"));
	}
}

/* doc/profiles.md's table release x behaviour is the code's. */
static void test_profiles_doc_matches(void)
{
	g_autofree char *path = g_build_filename(SOURCE_ROOT, "doc", "profiles.md", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned rows = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpuint(profile_count(), ==, G_N_ELEMENTS(releases));
	for (unsigned p = 0; p < G_N_ELEMENTS(releases); p++)
		g_assert_cmpstr(profile_get(p)->name, ==, releases[p]);
	g_assert_true(profile_default() == profile_get(profile_count() - 1));
	g_assert_cmpuint(profile_default()->behaviours, ==, BEH_BIT(BEH__COUNT) - 1);
	lines = g_strsplit(text, "\n", -1);
	for (unsigned b = 0; b < BEH__COUNT; b++) {
		g_autofree char *head = g_strdup_printf("| `%s` | ", behaviour_name(b));
		const char *commit = behaviour_commit(b);
		bool in_table = false;

		/* a hash the code names is in the doc too */
		if (g_ascii_isxdigit(commit[0]) && strchr(commit, ' ') - commit == 12) {
			g_autofree char *hash = g_strndup(commit, 12);
			g_assert_nonnull(strstr(text, hash));
		}
		for (unsigned l = 0; lines[l] && !in_table; l++) {
			g_auto(GStrv) cells = NULL;
			if (!g_str_has_prefix(lines[l], head))
				continue;
			cells = g_strsplit(lines[l], "|", -1);
			if (g_strv_length(cells) != 11)
				continue; /* another table */
			for (unsigned p = 0; p < G_N_ELEMENTS(releases); p++) {
				bool on = !!(profile_get(p)->behaviours & BEH_BIT(b));
				g_autofree char *cell = g_strstrip(g_strdup(cells[2 + p]));
				if (strcmp(cell, on ? "+" : "·") != 0)
					g_test_message("%s on %s: doc says %s", behaviour_name(b),
					               releases[p], cell);
				g_assert_cmpstr(cell, ==, on ? "+" : "·");
			}
			in_table = true;
			rows++;
		}
		g_assert_true(in_table);
	}
	g_assert_cmpuint(rows, ==, BEH__COUNT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scenarios/shipped-verdicts-and-determinism", test_shipped);
	g_test_add_func("/scenarios/persistent-driver-both-ways", test_persistent_both_ways);
	g_test_add_func("/scenarios/recreate-driver-spared", test_recreate_spared);
	g_test_add_func("/scenarios/retarget-failure-both-ways", test_retarget_failure_both_ways);
	g_test_add_func("/scenarios/host-assumptions-both-ways", test_host_assumptions_both_ways);
	g_test_add_func("/scenarios/mixed-only-gpu-hit", test_mixed_only_gpu_hit);
	g_test_add_func("/scenarios/expectations-judged", test_expectations_judged);
	g_test_add_func("/scenarios/seeds", test_seeds);
	g_test_add_func("/scenarios/fixed-runs-clean", test_fixed_runs_clean);
	g_test_add_func("/scenarios/layouts-same-verdicts", test_layouts_same_verdicts);
	g_test_add_func("/scenarios/hibernation-across-releases", test_hibernation_across_releases);
	g_test_add_func("/scenarios/behaviours-both-ways", test_behaviours_both_ways);
	g_test_add_func("/scenarios/compose-failure-across-releases",
	                test_compose_failure_across_releases);
	g_test_add_func("/scenarios/profiles-doc-matches", test_profiles_doc_matches);
	g_test_add_func("/cli/exit-codes", test_cli_exit_codes);
	g_test_add_func("/cli/bad-file", test_cli_bad_file);
	g_test_add_func("/cli/not-a-file", test_cli_not_a_file);
	g_test_add_func("/cli/symlink-loop", test_cli_symlink_loop);
	g_test_add_func("/cli/trace-target", test_cli_trace_target);
	g_test_add_func("/cli/trace-deterministic", test_cli_trace_deterministic);
	g_test_add_func("/cli/formats", test_cli_formats);
	return g_test_run();
}
