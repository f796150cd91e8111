/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A step in parts is the same step: every shipped scenario, run through
 * run_step_start/run_step_advance/run_step_finish (as the console's step,
 * next and until do), gives the byte-identical trace and the same verdict
 * as run_scenario, for several seeds and however the steps are cut.
 */
#include "harness/backend.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "vmbus-sim/engine.h"
#include "vmbus-sim/trace.h"

#include <glib.h>
#include <string.h>

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void collect(const char *dir, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	g_assert_nonnull(d);
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *full = g_build_filename(dir, name, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR))
			collect(full, out);
		else if (g_str_has_suffix(name, ".json") && strcmp(name, "schema.json") != 0)
			g_ptr_array_add(out, g_steal_pointer(&full));
	}
}

/* cut: 0 runs each step whole through the parts; otherwise each step is
 * advanced a number of events drawn from cut before it is finished. */
static char *run_parts(const struct scenario *s, uint64_t seed, unsigned cut, bool *matches)
{
	struct trace *t = trace_new_memory();
	struct run_options opt = {.seed = seed, .seed_set = true, .trace_sink = t};
	g_autoptr(GError) error = NULL;
	struct run *run = run_begin(s, &opt, &error);
	GRand *rand = g_rand_new_with_seed(cut);
	struct run_result *r;
	char *out;

	g_assert_no_error(error);
	g_assert_true(run_can_step(run));
	for (unsigned i = 0; i < s->nsteps; i++) {
		unsigned n = cut ? (unsigned)g_rand_int_range(rand, 0, 40) : 0;
		bool ok;

		g_assert_true(run_step_start(run, &s->steps[i]));
		g_assert_true(run_step_current(run) != NULL);
		g_assert_false(run_step_start(run, &s->steps[i])); /* one at a time */
		for (unsigned k = 0; k < n && run_step_advance(run); k++)
			;
		ok = run_step_finish(run);
		g_assert_null(run_step_current(run));
		if (!ok)
			break;
	}
	r = run_end(run);
	*matches = r->matches;
	run_result_free(r);
	out = g_strdup(trace_contents(t));
	trace_free(t);
	g_rand_free(rand);
	return out;
}

static char *run_whole(const struct scenario *s, uint64_t seed, bool *matches)
{
	struct trace *t = trace_new_memory();
	struct run_options opt = {.seed = seed, .seed_set = true, .trace_sink = t};
	struct run_result *r = run_scenario(s, &opt);
	char *out = g_strdup(trace_contents(t));

	*matches = r->matches;
	run_result_free(r);
	trace_free(t);
	return out;
}

static void test_shipped(void)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *root = g_build_filename(SOURCE_ROOT, "scenarios", NULL);
	static const uint64_t seeds[] = {1, 7, 13};

	collect(root, files);
	g_assert_cmpuint(files->len, >=, 7);
	for (guint f = 0; f < files->len; f++) {
		g_autoptr(GError) error = NULL;
		struct scenario *s = scenario_load(g_ptr_array_index(files, f), NULL, &error);

		g_assert_no_error(error);
		for (unsigned k = 0; k < G_N_ELEMENTS(seeds); k++) {
			bool m1, m2, m3;
			g_autofree char *whole = run_whole(s, seeds[k], &m1);
			g_autofree char *parts = run_parts(s, seeds[k], 0, &m2);
			g_autofree char *cut = run_parts(s, seeds[k], k + 1, &m3);

			g_assert_cmpstr(parts, ==, whole);
			g_assert_cmpstr(cut, ==, whole);
			g_assert_true(m1 && m2 && m3);
		}
		scenario_free(s);
	}
}

/* advance in parts stops at its limit and leaves the clock there. */
static void test_advance(void)
{
	static const char text[] =
	    "{\"devices\":[{\"name\":\"d\",\"driver\":\"keep-vectors\",\"vectors\":1}],"
	    "\"steps\":[{\"op\":\"boot\"},{\"op\":\"advance\",\"ns\":12345}],"
	    "\"expect\":{\"verdict\":\"pass\"}}";
	g_autoptr(GError) error = NULL;
	struct scenario *s = scenario_load_data("advance", text, strlen(text), NULL, &error);
	struct run *run;
	uint64_t before;

	g_assert_no_error(error);
	run = run_begin(s, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(run_step(run, &s->steps[0]));
	before = engine_now(run_engine(run));
	g_assert_true(run_step_start(run, &s->steps[1]));
	while (run_step_advance(run))
		;
	g_assert_cmpuint(engine_now(run_engine(run)), ==, before + 12345);
	g_assert_true(run_step_finish(run));
	g_assert_cmpuint(run_steps_run(run), ==, 2);
	run_result_free(run_end(run));
	scenario_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stepping/shipped", test_shipped);
	g_test_add_func("/stepping/advance", test_advance);
	return g_test_run();
}
