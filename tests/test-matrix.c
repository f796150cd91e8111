/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Matrix files: expansion order and labels, "*" and ranges, exclusions,
 * expectation rules, sharding, and errors with file:line:col; then the
 * shipped matrices load and every cell of them loads.
 */
#include "harness/matrix.h"
#include "harness/catalog.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static char *tmpdir;

/* Writes text to NAME in the temporary directory; returns the path. */
static char *put(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* A matrix over the shipped persistent-driver and recreate-driver scenarios. */
static char *matrix_text(const char *rest)
{
	return g_strdup_printf(
	    "{\n"
	    "  \"scenarios\": [\"%s/scenarios/hibernate/persistent-driver.json\",\n"
	    "                \"%s/scenarios/hibernate/recreate-driver.json\"]%s%s\n"
	    "}\n",
	    SOURCE_ROOT, SOURCE_ROOT, *rest ? ",\n" : "", rest);
}

static struct matrix *load(const char *rest, GError **error)
{
	g_autofree char *text = matrix_text(rest);
	g_autofree char *path = put("m.json", text);

	return matrix_load(path, error);
}

static char *label(const struct matrix *m, unsigned i)
{
	return matrix_cell_label(m, g_ptr_array_index(m->cells, i));
}

static void test_expansion(void)
{
	g_autoptr(GError) error = NULL;
	struct matrix *m = load("  \"axes\": [\n"
	                        "    {\"path\": \"guest.profile\", \"values\": [\"*\"]},\n"
	                        "    {\"name\": \"drv\", \"path\": \"devices[0].driver\",\n"
	                        "     \"values\": [\"keep-vectors\", \"recreate-vectors\"]},\n"
	                        "    {\"path\": \"seed\", \"range\": {\"from\": 5, \"to\": 7}}\n"
	                        "  ]",
	                        &error);
	unsigned profiles = catalog_get(CAT_PROFILES)->count();
	g_autofree char *first = NULL, *second = NULL, *fourth = NULL, *last = NULL, *want = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(m);
	g_assert_cmpuint(profiles, >=, 2);
	/* "*" is every profile `list profiles` prints, in that order */
	g_assert_cmpuint(m->axes[0].nvalues, ==, profiles);
	for (unsigned i = 0; i < profiles; i++)
		g_assert_cmpstr(m->axes[0].labels[i], ==, catalog_get(CAT_PROFILES)->name(i));
	g_assert_cmpstr(m->axes[0].name, ==, "profile"); /* the path's last segment */
	g_assert_cmpstr(m->axes[2].name, ==, "seed");
	g_assert_cmpuint(m->cells->len, ==, 2 * profiles * 2 * 3);
	/* the last axis turns fastest, scenarios outermost */
	first = label(m, 0);
	second = label(m, 1);
	fourth = label(m, 3);
	last = label(m, m->cells->len - 1);
	want = g_strdup_printf("persistent-driver[profile=%s,drv=keep-vectors,seed=5]",
	                       m->axes[0].labels[0]);
	g_assert_cmpstr(first, ==, want);
	g_assert_nonnull(strstr(second, "seed=6]"));
	g_assert_nonnull(strstr(fourth, "drv=recreate-vectors,seed=5]"));
	g_assert_true(g_str_has_prefix(last, "recreate-driver["));
	g_assert_nonnull(strstr(last, "drv=recreate-vectors,seed=7]"));
	for (guint i = 0; i < m->cells->len; i++)
		g_assert_cmpuint(((struct matrix_cell *)g_ptr_array_index(m->cells, i))->index, ==,
		                 i);
	/* the overrides a cell stands for, as run --set takes them */
	{
		g_auto(GStrv) sets = matrix_cell_sets(m, g_ptr_array_index(m->cells, 1));
		g_assert_cmpstr(sets[1], ==, "devices[0].driver=\"keep-vectors\"");
		g_assert_cmpstr(sets[2], ==, "seed=6");
		g_assert_cmpstr(sets[3], ==, "expect={\"verdict\":\"pass\"}");
		g_assert_null(sets[4]);
	}
	/* every cell loads, with its overrides applied */
	{
		g_autoptr(GPtrArray) errors =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
		struct matrix_cell *c;
		matrix_shard(m, 0, 0, 1);
		g_assert_true(matrix_load_cells(m, errors, 10));
		c = g_ptr_array_index(m->cells, 1);
		g_assert_cmpuint(c->s->seed, ==, 6);
		g_assert_cmpint(c->s->devices[0].driver, ==, DRIVER_KEEP_VECTORS);
		c = g_ptr_array_index(m->cells, 3);
		g_assert_cmpint(c->s->devices[0].driver, ==, DRIVER_RECREATE_VECTORS);
	}
	matrix_free(m);
}

static unsigned count_where(const struct matrix *m, const char *needle)
{
	unsigned n = 0;

	for (guint i = 0; i < m->cells->len; i++) {
		g_autofree char *l = label(m, i);
		n += strstr(l, needle) != NULL;
	}
	return n;
}

static void test_exclusions(void)
{
	g_autoptr(GError) error = NULL;
	struct matrix *m = load("  \"axes\": [\n"
	                        "    {\"path\": \"vm.protocol\", \"values\": [\"*\"]},\n"
	                        "    {\"path\": \"vm.vcpus\", \"values\": [2, 4, 8]}\n"
	                        "  ],\n"
	                        "  \"exclude\": [\n"
	                        "    {\"scenario\": \"recreate-*\", \"vcpus\": 8},\n"
	                        "    {\"protocol\": [\"1.1\", \"1.2\"], \"vcpus\": [2, 4]}\n"
	                        "  ]",
	                        &error);

	g_assert_no_error(error);
	/* 2 scenarios x 4 versions x 3 vCPU counts = 24, minus 4 (recreate, 8 vCPUs),
	 * minus 2 x 2 x 2 = 8 (old versions with 2 or 4 vCPUs) */
	g_assert_cmpuint(m->excluded, ==, 4 + 8);
	g_assert_cmpuint(m->cells->len, ==, 24 - 12);
	g_assert_cmpuint(count_where(m, "recreate-driver[protocol=1.4,vcpus=8]"), ==, 0);
	g_assert_cmpuint(count_where(m, "persistent-driver[protocol=1.4,vcpus=8]"), ==, 1);
	g_assert_cmpuint(count_where(m, "protocol=1.1,vcpus=2"), ==, 0);
	g_assert_cmpuint(count_where(m, "persistent-driver[protocol=1.1,vcpus=8]"), ==, 1);
	matrix_free(m);
}

static void test_expectations(void)
{
	g_autoptr(GError) error = NULL;
	struct matrix *m =
	    load("  \"axes\": [{\"path\": \"guest.profile\", \"values\": [\"*\"]}],\n"
	         "  \"expect\": [\n"
	         "    {\"when\": {\"scenario\": \"recreate-driver\"}, \"verdict\": "
	         "\"pass\"},\n"
	         "    {\"when\": {\"profile\": \"linux-5.9\"}, \"verdict\": \"fail\",\n"
	         "     \"violations\": [\"remap.no-entry\"], \"because\": \"old\"}\n"
	         "  ]",
	         &error);
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
	unsigned fails = 0;

	g_assert_no_error(error);
	matrix_shard(m, 0, 0, 1);
	g_assert_true(matrix_load_cells(m, errors, 10));
	for (guint i = 0; i < m->cells->len; i++) {
		struct matrix_cell *c = g_ptr_array_index(m->cells, i);
		g_autofree char *l = label(m, i);
		bool five_nine = strstr(l, "linux-5.9") != NULL;
		bool recreate = g_str_has_prefix(l, "recreate-driver");

		/* the first matching rule decides: recreate-driver passes on 5.9 too */
		g_assert_cmpint(c->s->expect_pass, ==, !five_nine || recreate);
		if (five_nine && !recreate) {
			fails++;
			g_assert_cmpstr(c->s->expect_violations[0], ==, "remap.no-entry");
			g_assert_cmpstr(matrix_cell_because(m, c), ==, "old");
		}
	}
	g_assert_cmpuint(fails, ==, 1);
	matrix_free(m);
}

static void test_shards(void)
{
	g_autoptr(GError) error = NULL;
	struct matrix *m = load("  \"axes\": [{\"path\": \"seed\", \"range\": {\"from\": 1, "
	                        "\"to\": 10}}]",
	                        &error);
	g_autofree unsigned *hits = NULL;

	g_assert_no_error(error);
	hits = g_new0(unsigned, m->cells->len);
	for (unsigned k = 0; k < 3; k++) {
		g_assert_cmpuint(matrix_shard(m, 7, k, 3), ==, 20);
		for (guint i = 0; i < m->cells->len; i++) {
			struct matrix_cell *c = g_ptr_array_index(m->cells, i);
			hits[i] += c->in_shard;
			/* global index 7 + i picks the shard */
			g_assert_cmpint(c->in_shard, ==, (7 + i) % 3 == k);
		}
	}
	for (guint i = 0; i < m->cells->len; i++)
		g_assert_cmpuint(hits[i], ==, 1);
	matrix_free(m);
}

/* Each bad matrix is rejected with this file:line:col and these words. */
static void assert_error(const char *text, unsigned line, unsigned col, const char *words)
{
	g_autofree char *path = put("bad.json", text);
	g_autofree char *where = g_strdup_printf("%s:%u:%u: ", path, line, col);
	g_autoptr(GError) error = NULL;
	struct matrix *m = matrix_load(path, &error);

	if (m) {
		/* some problems only show when the cells load */
		g_autoptr(GPtrArray) errors =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
		matrix_shard(m, 0, 0, 1);
		g_assert_false(matrix_load_cells(m, errors, 10));
		g_assert_cmpuint(errors->len, >=, 1);
		error = g_error_copy(g_ptr_array_index(errors, 0));
		matrix_free(m);
	}
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	if (!g_str_has_prefix(error->message, where) || !strstr(error->message, words))
		g_test_message("expected %s...%s", where, words);
	g_assert_true(g_str_has_prefix(error->message, where));
	g_assert_nonnull(strstr(error->message, words));
}

static void test_errors(void)
{
	g_autofree char *scn =
	    g_strdup_printf("\"%s/scenarios/hibernate/persistent-driver.json\"", SOURCE_ROOT);
#define M(...) g_strdup_printf(__VA_ARGS__)
	g_autofree char *t1 = M("{\"scenarios\": [%s],\n \"axis\": []}", scn);
	g_autofree char *t2 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"vm.vcpus\", "
	                        "\"values\": [\"*\"]}]}",
	                        scn);
	g_autofree char *t3 = M("{\"scenarios\": [\"nothing-here/*.json\"]}");
	g_autofree char *t4 = M("{\"scenarios\": [%s],\n \"axes\": [\n  {\"path\": \"vm..vcpus\", "
	                        "\"values\": [1]}]}",
	                        scn);
	g_autofree char *t5 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"vm.vcpus\", "
	                        "\"values\": [1]}],\n \"exclude\": [{\"vcpus\": 3}]}",
	                        scn);
	g_autofree char *t6 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"vm.vcpus\", "
	                        "\"values\": [1]}],\n \"exclude\": [{\"cpus\": 1}]}",
	                        scn);
	g_autofree char *t7 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"vm.vcpus\",\n  "
	                        "\"values\": [4, 0]}]}",
	                        scn);
	g_autofree char *t8 = M("{\"scenarios\": [%s],\n \"scenarios\": []}", scn);
	g_autofree char *t9 = M("{\"scenarios\": [%s],\n \"axes\": [],\n}", scn);
	g_autofree char *t10 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"seed\",\n "
	                         "\"range\": {\"from\": 9, \"to\": 3}}]}",
	                         scn);
	g_autofree char *t11 = M("{\"scenarios\": [%s],\n \"expect\": [{\"when\": {}, \"verdict\": "
	                         "\"pass\",\n \"violations\": [\"delivery.lost\"]}]}",
	                         scn);
	g_autofree char *t12 = M("{\"scenarios\": [%s],\n \"axes\": [{\"path\": \"vm.vcpus\", "
	                         "\"values\": [1, 2],\n \"labels\": [\"one\"]}]}",
	                         scn);
#undef M
	assert_error(t1, 2, 2, "unknown field \"axis\"");
	assert_error(t2, 2, 43, "\"*\" needs a path with a named list");
	assert_error(t3, 1, 16, "matches no scenario file");
	assert_error(t4, 3, 12, "is not a --set path");
	assert_error(t5, 3, 14, "excludes no cell");
	assert_error(t6, 3, 15, "no axis named \"cpus\"");
	/* a cell that does not load points at the axis value that broke it */
	assert_error(t7, 3, 17, "cell 1, persistent-driver[vcpus=0], does not load");
	assert_error(t8, 2, 2, "duplicate key");
	assert_error(t9, 3, 1, "not valid JSON");
	assert_error(t10, 3, 29, "must not be less than \"from\"");
	assert_error(t11, 3, 2, "cannot list violations");
	assert_error(t12, 3, 12, "has 1 labels for 2 values");
}

/* The shipped matrices load, and so does every one of their cells. */
static void test_shipped(void)
{
	const char *files[] = {"matrices/hibernate.json", "bench/matrix-10k.json"};

	for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(SOURCE_ROOT, files[i], NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) errors =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
		struct matrix *m = matrix_load(path, &error);

		g_assert_no_error(error);
		matrix_shard(m, 0, 0, i ? 100 : 1); /* a sample of the 10,000 */
		if (!matrix_load_cells(m, errors, 10))
			g_test_message("%s", ((GError *)g_ptr_array_index(errors, 0))->message);
		g_assert_cmpuint(errors->len, ==, 0);
		matrix_free(m);
	}
}

/* hibernate.json crosses every profile, both drivers and every protocol version. */
static void test_hibernate_axes(void)
{
	g_autofree char *path = g_build_filename(SOURCE_ROOT, "matrices/hibernate.json", NULL);
	g_autoptr(GError) error = NULL;
	struct matrix *m = matrix_load(path, &error);
	unsigned hib = 0, bugs = 0;

	g_assert_no_error(error);
	g_assert_cmpuint(m->naxes, ==, 3);
	g_assert_cmpuint(m->axes[0].nvalues, ==, catalog_get(CAT_PROFILES)->count());
	g_assert_cmpuint(m->axes[1].nvalues, ==, catalog_get(CAT_DRIVERS)->count());
	g_assert_cmpuint(m->axes[2].nvalues, ==, 4);
	for (unsigned i = 0; i < m->nscenarios; i++) {
		hib += strstr(m->scenarios[i].file, "scenarios/hibernate/") != NULL;
		bugs += strstr(m->scenarios[i].file, "scenarios/bugs/") != NULL;
	}
	g_assert_cmpuint(hib, >=, 4);
	g_assert_cmpuint(bugs, >=, 3);
	g_assert_cmpuint(m->cells->len, ==,
	                 m->nscenarios * m->axes[0].nvalues * m->axes[1].nvalues *
	                     m->axes[2].nvalues);
	matrix_free(m);
}

int main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("hvpci-matrix-XXXXXX", NULL);
	g_test_add_func("/matrix/expansion", test_expansion);
	g_test_add_func("/matrix/exclusions", test_exclusions);
	g_test_add_func("/matrix/expectations", test_expectations);
	g_test_add_func("/matrix/shards", test_shards);
	g_test_add_func("/matrix/errors", test_errors);
	g_test_add_func("/matrix/shipped", test_shipped);
	g_test_add_func("/matrix/hibernate-axes", test_hibernate_axes);
	ret = g_test_run();
	{
		g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
		const char *n;
		while (d && (n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(tmpdir, n, NULL);
			g_unlink(p);
		}
	}
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return ret;
}
