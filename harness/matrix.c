/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Matrix loading and expansion. The file is parsed the way scenario files
 * are (json-c strict, then jsonpos for positions and duplicate keys), every
 * field is checked, and the cells are enumerated once: exclusions and
 * expectation rules are matched there, so a rule that matches no cell is
 * an error (it is almost always a typo). The cells' scenarios are loaded
 * later, by matrix_load_cells, only for the cells this invocation runs.
 */
#include "matrix.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "catalog.h"
#include "jsonpos.h"
#include "violations.h"

GQuark matrix_error_quark(void)
{
	return g_quark_from_static_string("hvpci-matrix-error-quark");
}

/* ---- errors ---------------------------------------------------------- */

struct mloader {
	const char *file;
	const char *text;
	size_t len;
	struct jpos_index *pos;
	GError **error;
	bool failed;
};

static bool G_GNUC_PRINTF(4, 5)
    err_at(struct mloader *ld, const char *path, bool at_key, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	struct jpos p;
	va_list ap;

	if (ld->failed)
		return false;
	ld->failed = true;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (ld->pos && jpos_lookup(ld->pos, path, &p)) {
		bool key = at_key && jpos_exact(ld->pos, path);
		g_set_error(ld->error, MATRIX_ERROR, MATRIX_ERROR_SCHEMA, "%s:%u:%u: %s%s%s",
		            ld->file, key ? p.key_line : p.line, key ? p.key_col : p.col, path,
		            *path ? ": " : "", msg);
	} else {
		g_set_error(ld->error, MATRIX_ERROR, MATRIX_ERROR_SCHEMA, "%s: %s%s%s", ld->file,
		            path, *path ? ": " : "", msg);
	}
	return false;
}

static bool want(struct mloader *ld, const char *path, json_object *v, enum json_type t,
                 const char *noun)
{
	if (json_object_is_type(v, t))
		return true;
	return err_at(ld, path, false, "expected %s, got %s", noun, jpos_type_noun(v));
}

static bool only_fields(struct mloader *ld, const char *path, json_object *obj,
                        const char *const *allowed)
{
	const char *key = jpos_unknown_member(obj, allowed);

	if (key) {
		g_autofree char *p = *path ? g_strdup_printf("%s.%s", path, key) : g_strdup(key);
		g_autofree char *list = g_strjoinv(", ", (char **)allowed);
		return err_at(ld, p, true, "unknown field \"%s\" (expected one of: %s)", key, list);
	}
	return true;
}

static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* The text of a JSON value, compact. */
static char *json_text(json_object *v)
{
	return g_strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* How a value is shown: a string as itself, anything else as JSON. */
static char *value_label(json_object *v)
{
	return json_object_is_type(v, json_type_string) ? g_strdup(json_object_get_string(v))
	                                                : json_text(v);
}

/* ---- strict JSON ----------------------------------------------------- */

static json_object *parse_strict(struct mloader *ld)
{
	g_autofree char *problem = NULL;
	enum jpos_parse_error err;
	unsigned line, col;
	json_object *root =
	    jpos_parse_strict(ld->text, ld->len, "matrix", &err, &problem, &line, &col);

	if (!root)
		g_set_error(ld->error, MATRIX_ERROR,
		            err == JPOS_PARSE_NULL ? MATRIX_ERROR_SCHEMA : MATRIX_ERROR_SYNTAX,
		            "%s:%u:%u: %s", ld->file, line, col, problem);
	return root;
}

/* ---- scenario paths and globs ---------------------------------------- */

/* "a/./b/../c" -> "a/c", lexically; a leading run of ".." is kept. */
static char *clean_path(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	bool abs = path[0] == '/';
	GString *s = g_string_new(abs ? "/" : "");

	for (char **p = parts; *p; p++) {
		if (!**p || strcmp(*p, ".") == 0)
			continue;
		if (strcmp(*p, "..") == 0 && out->len &&
		    strcmp(g_ptr_array_index(out, out->len - 1), "..") != 0) {
			g_ptr_array_remove_index(out, out->len - 1);
			continue;
		}
		if (strcmp(*p, "..") == 0 && abs)
			continue;
		g_ptr_array_add(out, *p);
	}
	for (guint i = 0; i < out->len; i++)
		g_string_append_printf(s, "%s%s", i ? "/" : "", (char *)g_ptr_array_index(out, i));
	if (!s->len)
		g_string_append_c(s, '.');
	return g_string_free(s, FALSE);
}

static int by_string(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_schema(const char *name)
{
	return g_str_has_suffix(name, "schema.json");
}

/* Every *.json under dir (schemas excepted), sorted, depth first. */
static void walk_dir(const char *dir, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (!d)
		return;
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_string);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *full = g_build_filename(dir, name, NULL);

		if (g_file_test(full, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(full, G_FILE_TEST_IS_SYMLINK))
			walk_dir(full, out);
		else if (g_str_has_suffix(name, ".json") && !is_schema(name))
			g_ptr_array_add(out, g_steal_pointer(&full));
	}
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

/* Expands the components of a pattern from index i on, below base. */
static void glob_from(const char *base, char **comps, GPtrArray *out)
{
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *n;

	if (!*comps) {
		g_ptr_array_add(out, g_strdup(base));
		return;
	}
	if (!has_wildcard(*comps)) {
		g_autofree char *next =
		    *base ? g_build_filename(base, *comps, NULL) : g_strdup(*comps);
		if (comps[1] == NULL ? g_file_test(next, G_FILE_TEST_EXISTS)
		                     : g_file_test(next, G_FILE_TEST_IS_DIR))
			glob_from(next, comps + 1, out);
		return;
	}
	d = g_dir_open(*base ? base : ".", 0, NULL);
	if (!d)
		return;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)))
		if (n[0] != '.' && g_pattern_match_simple(*comps, n))
			g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_string);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *next =
		    *base ? g_build_filename(base, g_ptr_array_index(names, i), NULL)
		          : g_strdup(g_ptr_array_index(names, i));
		if (comps[1] == NULL || g_file_test(next, G_FILE_TEST_IS_DIR))
			glob_from(next, comps + 1, out);
	}
}

/* The scenario files a "scenarios" entry names: a file, a directory (every
 * *.json beneath it) or a glob of either. */
static void expand_pattern(const char *pattern, GPtrArray *out)
{
	g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func(g_free);

	if (has_wildcard(pattern)) {
		g_auto(GStrv) comps = g_strsplit(pattern, "/", -1);
		g_autoptr(GPtrArray) kept = g_ptr_array_new();
		for (char **c = comps; *c; c++)
			if (**c)
				g_ptr_array_add(kept, *c);
		g_ptr_array_add(kept, NULL);
		glob_from(pattern[0] == '/' ? "/" : "", (char **)kept->pdata, hits);
	} else if (g_file_test(pattern, G_FILE_TEST_EXISTS)) {
		g_ptr_array_add(hits, g_strdup(pattern));
	}
	for (guint i = 0; i < hits->len; i++) {
		const char *h = g_ptr_array_index(hits, i);
		if (g_file_test(h, G_FILE_TEST_IS_DIR))
			walk_dir(h, out);
		else if (!has_wildcard(pattern) || (g_str_has_suffix(h, ".json") && !is_schema(h)))
			g_ptr_array_add(out, g_strdup(h));
	}
}

/* The scenario's "name", or its file name without .json. */
static char *scenario_name_of(const char *file, const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	json_object *name = root ? member(root, "name") : NULL;
	char *out = NULL;

	if (name && json_object_is_type(name, json_type_string) && json_object_get_string_len(name))
		out = g_strdup(json_object_get_string(name));
	json_object_put(root);
	json_tokener_free(tok);
	if (!out) {
		g_autofree char *base = g_path_get_basename(file);
		char *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		out = g_strdup(base);
	}
	return out;
}

static bool load_scenarios(struct mloader *ld, json_object *arr, struct matrix *m)
{
	g_autofree char *dir = g_path_get_dirname(ld->file);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) origin = g_array_new(FALSE, FALSE, sizeof(unsigned));
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	size_t n;

	if (!arr)
		return err_at(ld, "", false,
		              "missing required field \"scenarios\" (files, directories or globs)");
	if (!want(ld, "scenarios", arr, json_type_array, "an array of paths or globs"))
		return false;
	n = json_object_array_length(arr);
	if (!n)
		return err_at(ld, "scenarios", false, "list at least one scenario");
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("scenarios[%zu]", i);
		json_object *v = json_object_array_get_idx(arr, i);
		g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *joined = NULL, *pattern = NULL;

		if (!want(ld, p, v, json_type_string, "a path or glob") ||
		    (!json_object_get_string_len(v) && !err_at(ld, p, false, "must not be empty")))
			return false;
		joined = g_path_is_absolute(json_object_get_string(v))
		             ? g_strdup(json_object_get_string(v))
		             : g_build_filename(dir, json_object_get_string(v), NULL);
		pattern = clean_path(joined);
		expand_pattern(pattern, found);
		if (!found->len)
			return err_at(ld, p, false,
			              "\"%s\" matches no scenario file (looked for %s)",
			              json_object_get_string(v), pattern);
		for (guint k = 0; k < found->len; k++) {
			char *f = g_ptr_array_index(found, k);
			if (g_hash_table_contains(seen, f))
				continue; /* listed by an earlier entry too: once is enough */
			g_ptr_array_add(list, g_strdup(f));
			g_hash_table_add(seen, g_ptr_array_index(list, list->len - 1));
			g_array_append_val(origin, i);
		}
	}
	m->nscenarios = list->len;
	m->scenarios = g_new0(struct matrix_scenario, list->len);
	for (guint i = 0; i < list->len; i++) {
		struct matrix_scenario *ms = &m->scenarios[i];
		g_autoptr(GError) io = NULL;
		g_autofree char *p =
		    g_strdup_printf("scenarios[%u]", g_array_index(origin, unsigned, i));
		gsize len = 0;

		ms->file = g_strdup(g_ptr_array_index(list, i));
		ms->origin = g_array_index(origin, unsigned, i);
		if (!g_file_get_contents(ms->file, &ms->text, &len, &io))
			return err_at(ld, p, false, "cannot read %s: %s", ms->file, io->message);
		ms->len = len;
		ms->name = scenario_name_of(ms->file, ms->text, ms->len);
	}
	return true;
}

/* ---- axes ------------------------------------------------------------ */

/* The values "*" stands for at path, or NULL when path has no named list. */
static GPtrArray *star_values(const char *path)
{
	g_autofree char *norm = g_strdup(path);
	g_auto(GStrv) seg = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	unsigned n;
	enum catalog_id cat = CAT__COUNT;
	bool boolean = false;

	for (char *c = norm; *c; c++)
		if (*c == '[' || *c == ']')
			*c = '.';
	seg = g_strsplit(norm, ".", -1);
	{ /* drop empty segments ("devices[0].driver" -> devices, 0, driver) */
		char **w = seg;
		for (char **r = seg; *r; r++) {
			if (**r)
				*w++ = *r;
			else
				g_free(*r);
		}
		*w = NULL;
	}
	n = g_strv_length(seg);
	if (n == 2 && !strcmp(seg[0], "guest") && !strcmp(seg[1], "profile"))
		cat = CAT_PROFILES;
	else if (n == 3 && !strcmp(seg[0], "devices") && g_ascii_isdigit(seg[1][0]) &&
	         !strcmp(seg[2], "driver"))
		cat = CAT_DRIVERS;
	else if (n == 3 && !strcmp(seg[0], "guest") && !strcmp(seg[1], "behaviours"))
		boolean = true;
	else if (n == 3 && !strcmp(seg[0], "faults") && g_ascii_isdigit(seg[1][0]) &&
	         !strcmp(seg[2], "point"))
		cat = CAT_FAULT_POINTS;
	else if (n == 3 && !strcmp(seg[0], "faults") && g_ascii_isdigit(seg[1][0]) &&
	         !strcmp(seg[2], "mode"))
		cat = CAT_FAULT_MODES;
	else if (n == 3 && !strcmp(seg[0], "faults") && g_ascii_isdigit(seg[1][0]) &&
	         !strcmp(seg[2], "phase"))
		cat = CAT_PHASES;
	else if (n == 3 && !strcmp(seg[0], "faults") && g_ascii_isdigit(seg[1][0]) &&
	         !strcmp(seg[2], "enabled"))
		boolean = true;
	if (n == 2 && !strcmp(seg[0], "vm") && !strcmp(seg[1], "protocol")) {
		static const char *const versions[] = {"1.1", "1.2", "1.3", "1.4"};
		for (unsigned i = 0; i < G_N_ELEMENTS(versions); i++)
			g_ptr_array_add(out, g_strdup(versions[i]));
	} else if (boolean) {
		g_ptr_array_add(out, g_strdup("true"));
		g_ptr_array_add(out, g_strdup("false"));
	} else if (cat != CAT__COUNT) {
		const struct catalog *c = catalog_get(cat);
		for (unsigned i = 0; i < c->count(); i++)
			g_ptr_array_add(out, g_strdup(c->name(i)));
	} else {
		g_ptr_array_free(out, TRUE);
		return NULL;
	}
	return out;
}

static bool valid_set_path(const char *path)
{
	if (!*path || *path == '.' || *path == '[' || g_str_has_suffix(path, "."))
		return false;
	for (const char *c = path; *c; c++) {
		if (*c == '.' && (c[1] == '.' || c[1] == '\0'))
			return false;
		if (*c == '[') {
			const char *e = c + 1;
			while (g_ascii_isdigit(*e))
				e++;
			if (e == c + 1 || *e != ']')
				return false;
			c = e;
		}
		if (*c == '=' || g_ascii_isspace(*c))
			return false;
	}
	return true;
}

/* The default name of an axis: the last segment of its path that is not an index. */
static char *axis_default_name(const char *path)
{
	g_autofree char *norm = g_strdup(path);
	g_auto(GStrv) seg = NULL;

	for (char *c = norm; *c; c++)
		if (*c == '[' || *c == ']')
			*c = '.';
	seg = g_strsplit(norm, ".", -1);
	for (int i = (int)g_strv_length(seg) - 1; i >= 0; i--)
		if (*seg[i] && !g_ascii_isdigit(seg[i][0]))
			return g_strdup(seg[i]);
	return g_strdup(path);
}

static void axis_add(GPtrArray *labels, GPtrArray *json, char *label, char *text)
{
	g_ptr_array_add(labels, label);
	g_ptr_array_add(json, text);
}

static bool load_axis(struct mloader *ld, const char *p, json_object *o, struct matrix_axis *a)
{
	static const char *const fields[] = {"name", "path", "values", "range", "labels", NULL};
	json_object *path = member(o, "path"), *name = member(o, "name");
	json_object *values = member(o, "values"), *range = member(o, "range");
	json_object *labels = member(o, "labels");
	g_autoptr(GPtrArray) lab = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) js = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *pp = g_strdup_printf("%s.path", p);
	g_autofree char *np = g_strdup_printf("%s.name", p);
	g_autofree char *vp = g_strdup_printf("%s.values", p);
	g_autofree char *rp = g_strdup_printf("%s.range", p);
	g_autofree char *lp = g_strdup_printf("%s.labels", p);

	a->where = g_strdup(p);
	if (!want(ld, p, o, json_type_object, "an object") || !only_fields(ld, p, o, fields))
		return false;
	if (!path)
		return err_at(ld, p, false,
		              "missing required field \"path\" (a --set path like guest.profile)");
	if (!want(ld, pp, path, json_type_string, "a string"))
		return false;
	if (!valid_set_path(json_object_get_string(path)))
		return err_at(ld, pp, false,
		              "\"%s\" is not a --set path (like vm.vcpus, devices[0].driver or "
		              "guest.behaviours.NAME)",
		              json_object_get_string(path));
	a->path = g_strdup(json_object_get_string(path));
	if (name) {
		if (!want(ld, np, name, json_type_string, "a string"))
			return false;
		if (!json_object_get_string_len(name))
			return err_at(ld, np, false, "must not be empty");
		if (strpbrk(json_object_get_string(name), "=,[]"))
			return err_at(ld, np, false, "must not contain '=', ',', '[' or ']'");
		a->name = g_strdup(json_object_get_string(name));
	} else {
		a->name = axis_default_name(a->path);
	}
	if (!strcmp(a->name, "scenario"))
		return err_at(ld, name ? np : pp, false,
		              "\"scenario\" names the scenarios' own dimension; give the axis "
		              "another \"name\"");
	if (!!values == !!range)
		return err_at(ld, p, false, "give either \"values\" or \"range\"");
	if (range) {
		static const char *const rf[] = {"from", "to", NULL};
		json_object *from = member(range, "from"), *to = member(range, "to");
		g_autofree char *fp = g_strdup_printf("%s.from", rp);
		g_autofree char *tp = g_strdup_printf("%s.to", rp);
		uint64_t f, t;

		if (!want(ld, rp, range, json_type_object, "an object {\"from\": N, \"to\": M}") ||
		    !only_fields(ld, rp, range, rf))
			return false;
		if (!from || !to)
			return err_at(ld, rp, false, "needs both \"from\" and \"to\" (inclusive)");
		if (!want(ld, fp, from, json_type_int, "an integer") ||
		    !want(ld, tp, to, json_type_int, "an integer"))
			return false;
		if (json_object_get_int64(from) < 0)
			return err_at(ld, fp, false, "must not be negative");
		if (json_object_get_int64(to) < 0)
			return err_at(ld, tp, false, "must not be negative");
		f = json_object_get_uint64(from);
		t = json_object_get_uint64(to);
		if (t < f)
			return err_at(ld, tp, false,
			              "must not be less than \"from\" (%" G_GUINT64_FORMAT ")", f);
		if (t - f >= MATRIX_MAX_CELLS)
			return err_at(ld, rp, false, "spans more than %u values", MATRIX_MAX_CELLS);
		if (labels)
			return err_at(ld, lp, true, "\"labels\" applies only to \"values\"");
		a->range = true;
		for (uint64_t v = f;; v++) {
			axis_add(lab, js, g_strdup_printf("%" G_GUINT64_FORMAT, v),
			         g_strdup_printf("%" G_GUINT64_FORMAT, v));
			if (v == t)
				break;
		}
	} else {
		size_t n;
		if (!want(ld, vp, values, json_type_array, "an array"))
			return false;
		n = json_object_array_length(values);
		if (!n)
			return err_at(ld, vp, false, "list at least one value");
		for (size_t i = 0; i < n; i++) {
			json_object *v = json_object_array_get_idx(values, i);
			g_autofree char *ip = g_strdup_printf("%s[%zu]", vp, i);

			if (!v)
				return err_at(ld, ip, false, "null is not a value; leave it out");
			if (json_object_is_type(v, json_type_string) &&
			    !strcmp(json_object_get_string(v), "*")) {
				g_autoptr(GPtrArray) all = star_values(a->path);
				if (!all)
					return err_at(
					    ld, ip, false,
					    "\"*\" needs a path with a named list of values "
					    "(guest.profile, devices[N].driver, vm.protocol, "
					    "guest.behaviours.NAME, faults[N].point, .mode, .phase "
					    "or "
					    ".enabled); list the values instead");
				if (n != 1)
					return err_at(
					    ld, ip, false,
					    "\"*\" stands for every value; it must be the "
					    "only one");
				if (labels)
					return err_at(ld, lp, true,
					              "\"labels\" cannot name the values of \"*\"");
				a->star = true;
				for (guint k = 0; k < all->len; k++) {
					const char *s = g_ptr_array_index(all, k);
					bool str = strcmp(s, "true") && strcmp(s, "false");
					axis_add(lab, js, g_strdup(s),
					         str ? g_strdup_printf("\"%s\"", s) : g_strdup(s));
				}
				break;
			}
			axis_add(lab, js, value_label(v), json_text(v));
		}
		if (labels) {
			if (!want(ld, lp, labels, json_type_array, "an array of strings"))
				return false;
			if (json_object_array_length(labels) != lab->len)
				return err_at(ld, lp, false, "has %zu labels for %u values",
				              json_object_array_length(labels), lab->len);
			for (guint i = 0; i < lab->len; i++) {
				json_object *l = json_object_array_get_idx(labels, i);
				g_autofree char *ip = g_strdup_printf("%s[%u]", lp, i);
				if (!want(ld, ip, l, json_type_string, "a string"))
					return false;
				if (!json_object_get_string_len(l))
					return err_at(ld, ip, false, "must not be empty");
				g_free(g_ptr_array_index(lab, i));
				g_ptr_array_index(lab, i) = g_strdup(json_object_get_string(l));
			}
		}
		for (guint i = 0; i < lab->len; i++)
			for (guint k = 0; k < i; k++)
				if (!strcmp(g_ptr_array_index(lab, i), g_ptr_array_index(lab, k))) {
					g_autofree char *ip =
					    g_strdup_printf("%s[%u]", labels ? lp : vp,
					                    labels ? i : MIN(i, (guint)n - 1));
					return err_at(ld, ip, false,
					              "the value \"%s\" is listed twice",
					              (char *)g_ptr_array_index(lab, i));
				}
	}
	a->nvalues = lab->len;
	g_ptr_array_add(lab, NULL);
	g_ptr_array_add(js, NULL);
	a->labels = (char **)g_ptr_array_free(g_steal_pointer(&lab), FALSE);
	a->json = (char **)g_ptr_array_free(g_steal_pointer(&js), FALSE);
	return true;
}

static bool load_axes(struct mloader *ld, json_object *arr, struct matrix *m)
{
	size_t n;

	if (!arr)
		return true;
	if (!want(ld, "axes", arr, json_type_array, "an array"))
		return false;
	n = json_object_array_length(arr);
	m->axes = g_new0(struct matrix_axis, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("axes[%zu]", i);
		m->naxes = (unsigned)i + 1;
		if (!load_axis(ld, p, json_object_array_get_idx(arr, i), &m->axes[i]))
			return false;
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(m->axes[k].name, m->axes[i].name)) {
				g_autofree char *np = g_strdup_printf("axes[%zu]", i);
				return err_at(
				    ld, np, false,
				    "an axis named \"%s\" is already defined as axes[%zu]; "
				    "give one a \"name\"",
				    m->axes[i].name, k);
			}
			if (!strcmp(m->axes[k].path, m->axes[i].path)) {
				g_autofree char *pp = g_strdup_printf("axes[%zu].path", i);
				return err_at(ld, pp, false, "axes[%zu] already varies %s", k,
				              m->axes[i].path);
			}
		}
	}
	return true;
}

static bool load_set(struct mloader *ld, json_object *obj, struct matrix *m)
{
	g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func(g_free);

	if (obj) {
		if (!want(ld, "set", obj, json_type_object, "an object {\"PATH\": value}"))
			return false;
		json_object_object_foreach(obj, key, val)
		{
			g_autofree char *p = g_strdup_printf("set.%s", key);
			g_autofree char *text = NULL;

			if (!valid_set_path(key))
				return err_at(ld, p, true, "\"%s\" is not a --set path", key);
			if (!val)
				return err_at(ld, p, false, "null is not a value; leave it out");
			text = json_text(val);
			g_ptr_array_add(sets, g_strdup_printf("%s=%s", key, text));
		}
	}
	g_ptr_array_add(sets, NULL);
	m->sets = (char **)g_ptr_array_free(g_steal_pointer(&sets), FALSE);
	return true;
}

/* ---- cell selectors -------------------------------------------------- */

struct cond {
	int dim; /* -1: the scenario's name; otherwise an axis */
	char **patterns;
};

struct selector {
	char *where;
	GArray *conds; /* struct cond */
	unsigned hits;
};

static void selector_free(struct selector *s)
{
	if (!s)
		return;
	for (guint i = 0; s->conds && i < s->conds->len; i++)
		g_strfreev(g_array_index(s->conds, struct cond, i).patterns);
	if (s->conds)
		g_array_free(s->conds, TRUE);
	g_free(s->where);
	g_free(s);
}

static bool load_selector(struct mloader *ld, const char *p, json_object *o, const struct matrix *m,
                          struct selector *sel)
{
	sel->where = g_strdup(p);
	sel->conds = g_array_new(FALSE, TRUE, sizeof(struct cond));
	if (!want(ld, p, o, json_type_object, "an object {\"scenario\" or axis name: value}"))
		return false;
	json_object_object_foreach(o, key, val)
	{
		g_autofree char *kp = g_strdup_printf("%s.%s", p, key);
		g_autoptr(GPtrArray) pats = g_ptr_array_new_with_free_func(g_free);
		struct cond c = {.dim = -2};

		if (!strcmp(key, "scenario"))
			c.dim = -1;
		for (unsigned i = 0; i < m->naxes && c.dim == -2; i++)
			if (!strcmp(m->axes[i].name, key))
				c.dim = (int)i;
		if (c.dim == -2) {
			GString *names = g_string_new("scenario");
			for (unsigned i = 0; i < m->naxes; i++)
				g_string_append_printf(names, ", %s", m->axes[i].name);
			err_at(ld, kp, true, "no axis named \"%s\" (one of: %s)", key, names->str);
			g_string_free(names, TRUE);
			return false;
		}
		if (!val)
			return err_at(ld, kp, false, "null is not a value; leave it out");
		if (json_object_is_type(val, json_type_array)) {
			if (!json_object_array_length(val))
				return err_at(ld, kp, false, "list at least one value");
			for (size_t i = 0; i < json_object_array_length(val); i++) {
				json_object *v = json_object_array_get_idx(val, i);
				if (!v || json_object_is_type(v, json_type_array) ||
				    json_object_is_type(v, json_type_object)) {
					g_autofree char *ip = g_strdup_printf("%s[%zu]", kp, i);
					return err_at(ld, ip, false,
					              "expected a value or a glob, got %s",
					              v ? jpos_type_noun(v) : "null");
				}
				g_ptr_array_add(pats, value_label(v));
			}
		} else if (json_object_is_type(val, json_type_object)) {
			return err_at(ld, kp, false,
			              "expected a value, a glob or an array of them");
		} else {
			g_ptr_array_add(pats, value_label(val));
		}
		g_ptr_array_add(pats, NULL);
		c.patterns = (char **)g_ptr_array_free(g_steal_pointer(&pats), FALSE);
		g_array_append_val(sel->conds, c);
	}
	return true;
}

static bool selector_matches(const struct selector *sel, const struct matrix *m, unsigned scn,
                             const unsigned *values)
{
	for (guint i = 0; i < sel->conds->len; i++) {
		const struct cond *c = &g_array_index(sel->conds, struct cond, i);
		const char *label =
		    c->dim < 0 ? m->scenarios[scn].name : m->axes[c->dim].labels[values[c->dim]];
		bool any = false;
		for (char **p = c->patterns; *p && !any; p++)
			any = g_pattern_match_simple(*p, label);
		if (!any)
			return false;
	}
	return true;
}

static bool load_excludes(struct mloader *ld, json_object *arr, const struct matrix *m,
                          GPtrArray *out)
{
	if (!arr)
		return true;
	if (!want(ld, "exclude", arr, json_type_array, "an array of cell selectors"))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		g_autofree char *p = g_strdup_printf("exclude[%zu]", i);
		struct selector *sel = g_new0(struct selector, 1);
		g_ptr_array_add(out, sel);
		if (!load_selector(ld, p, json_object_array_get_idx(arr, i), m, sel))
			return false;
		if (!sel->conds->len)
			return err_at(ld, p, false, "an empty selector would exclude every cell");
	}
	return true;
}

static bool load_expect(struct mloader *ld, json_object *arr, struct matrix *m, GPtrArray *out)
{
	static const char *const fields[] = {"when", "verdict", "violations", "because", NULL};
	size_t n;

	if (!arr)
		return true;
	if (!want(ld, "expect", arr, json_type_array, "an array of rules"))
		return false;
	n = json_object_array_length(arr);
	m->rules = g_new0(struct matrix_rule, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("expect[%zu]", i);
		g_autofree char *wp = g_strdup_printf("%s.when", p);
		g_autofree char *vp = g_strdup_printf("%s.verdict", p);
		g_autofree char *xp = g_strdup_printf("%s.violations", p);
		g_autofree char *bp = g_strdup_printf("%s.because", p);
		json_object *o = json_object_array_get_idx(arr, i);
		struct matrix_rule *r = &m->rules[i];
		struct selector *sel = g_new0(struct selector, 1);
		json_object *when, *verdict, *vs, *because;
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

		g_ptr_array_add(out, sel);
		m->nrules = (unsigned)i + 1;
		if (!want(ld, p, o, json_type_object, "an object") ||
		    !only_fields(ld, p, o, fields))
			return false;
		when = member(o, "when");
		verdict = member(o, "verdict");
		vs = member(o, "violations");
		because = member(o, "because");
		if (!when)
			return err_at(
			    ld, p, false,
			    "missing required field \"when\" (which cells the rule is for)");
		if (!load_selector(ld, wp, when, m, sel))
			return false;
		if (!verdict)
			return err_at(ld, p, false, "missing required field \"verdict\"");
		if (!want(ld, vp, verdict, json_type_string, "\"pass\" or \"fail\""))
			return false;
		if (strcmp(json_object_get_string(verdict), "pass") &&
		    strcmp(json_object_get_string(verdict), "fail"))
			return err_at(ld, vp, false, "must be \"pass\" or \"fail\", got \"%s\"",
			              json_object_get_string(verdict));
		r->expect_pass = !strcmp(json_object_get_string(verdict), "pass");
		if (vs) {
			if (r->expect_pass)
				return err_at(ld, xp, true,
				              "a rule expecting \"pass\" cannot list violations");
			if (!want(ld, xp, vs, json_type_array, "an array of violation names"))
				return false;
			if (!json_object_array_length(vs))
				return err_at(
				    ld, xp, false,
				    "list at least one violation, or leave the field out");
			for (size_t k = 0; k < json_object_array_length(vs); k++) {
				json_object *v = json_object_array_get_idx(vs, k);
				g_autofree char *ip = g_strdup_printf("%s[%zu]", xp, k);
				if (!v || !json_object_is_type(v, json_type_string))
					return err_at(ld, ip, false, "expected a string, got %s",
					              v ? jpos_type_noun(v) : "null");
				if (!violation_kind_known(json_object_get_string(v)))
					return err_at(ld, ip, false,
					              "unknown violation \"%s\" (see 'hvpci-sim "
					              "list violations')",
					              json_object_get_string(v));
				g_ptr_array_add(names, g_strdup(json_object_get_string(v)));
			}
		}
		g_ptr_array_add(names, NULL);
		r->violations = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
		if (because) {
			if (!want(ld, bp, because, json_type_string, "a string"))
				return false;
			r->because = g_strdup(json_object_get_string(because));
		}
	}
	return true;
}

/* ---- expansion ------------------------------------------------------- */

static bool expand(struct mloader *ld, struct matrix *m, GPtrArray *excludes, GPtrArray *rules)
{
	uint64_t total = m->nscenarios;
	g_autofree unsigned *v = g_new0(unsigned, m->naxes + 1);

	for (unsigned a = 0; a < m->naxes; a++) {
		total *= m->axes[a].nvalues;
		if (total > MATRIX_MAX_CELLS)
			return err_at(
			    ld, "axes", false,
			    "the matrix would have more than %u cells; split it, or shard "
			    "a smaller one",
			    MATRIX_MAX_CELLS);
	}
	m->cells = g_ptr_array_new();
	for (unsigned s = 0; s < m->nscenarios; s++) {
		memset(v, 0, sizeof(unsigned) * (m->naxes + 1));
		for (;;) {
			bool excluded = false;
			for (guint e = 0; e < excludes->len; e++) {
				struct selector *sel = g_ptr_array_index(excludes, e);
				if (selector_matches(sel, m, s, v)) {
					sel->hits++;
					excluded = true;
				}
			}
			if (excluded) {
				m->excluded++;
			} else {
				struct matrix_cell *c = g_new0(struct matrix_cell, 1);
				c->index = m->cells->len;
				c->scenario = s;
				c->values = g_memdup2(v, sizeof(unsigned) * (m->naxes + 1));
				c->rule = -1;
				for (guint r = 0; r < rules->len && c->rule < 0; r++) {
					struct selector *sel = g_ptr_array_index(rules, r);
					if (selector_matches(sel, m, s, v)) {
						sel->hits++;
						c->rule = (int)r;
					}
				}
				g_ptr_array_add(m->cells, c);
			}
			/* the odometer: the last axis turns fastest */
			int a = (int)m->naxes - 1;
			while (a >= 0 && ++v[a] == m->axes[a].nvalues)
				v[a--] = 0;
			if (a < 0)
				break;
		}
	}
	for (guint e = 0; e < excludes->len; e++) {
		struct selector *sel = g_ptr_array_index(excludes, e);
		if (!sel->hits)
			return err_at(ld, sel->where, false,
			              "excludes no cell: check the scenario names and values");
	}
	for (guint r = 0; r < rules->len; r++) {
		struct selector *sel = g_ptr_array_index(rules, r);
		if (!sel->hits)
			return err_at(ld, sel->where, false,
			              "decides no cell (none matches, or an earlier rule decides "
			              "them all)");
	}
	if (!m->cells->len)
		return err_at(ld, "exclude", false, "every cell is excluded");
	return true;
}

/* ---- entry points ---------------------------------------------------- */

static bool load_root(struct mloader *ld, json_object *root, struct matrix *m)
{
	static const char *const fields[] = {"$schema",   "name",   "description",
	                                     "scenarios", "set",    "axes",
	                                     "exclude",   "expect", NULL};
	g_autoptr(GPtrArray) excludes =
	    g_ptr_array_new_with_free_func((GDestroyNotify)selector_free);
	g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func((GDestroyNotify)selector_free);
	json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return err_at(ld, "", false, "a matrix is a JSON object, not %s",
		              jpos_type_noun(root));
	if (!only_fields(ld, "", root, fields))
		return false;
	if ((v = member(root, "$schema")) && !want(ld, "$schema", v, json_type_string, "a string"))
		return false;
	if ((v = member(root, "name"))) {
		if (!want(ld, "name", v, json_type_string, "a string"))
			return false;
		if (!json_object_get_string_len(v))
			return err_at(ld, "name", false, "must not be empty");
		m->name = g_strdup(json_object_get_string(v));
	} else {
		g_autofree char *base = g_path_get_basename(ld->file);
		char *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		m->name = g_strdup(base);
	}
	if ((v = member(root, "description"))) {
		if (!want(ld, "description", v, json_type_string, "a string"))
			return false;
		m->description = g_strdup(json_object_get_string(v));
	} else {
		m->description = g_strdup("");
	}
	return load_scenarios(ld, member(root, "scenarios"), m) &&
	       load_set(ld, member(root, "set"), m) && load_axes(ld, member(root, "axes"), m) &&
	       load_excludes(ld, member(root, "exclude"), m, excludes) &&
	       load_expect(ld, member(root, "expect"), m, rules) && expand(ld, m, excludes, rules);
}

struct matrix *matrix_load_data(const char *label, const char *data, size_t len, GError **error)
{
	struct mloader ld = {.file = label, .text = data, .len = len, .error = error};
	struct matrix *m = NULL;
	json_object *root;
	char *problem = NULL;
	unsigned line = 0, col = 0;

	g_return_val_if_fail(len < INT_MAX, NULL);
	root = parse_strict(&ld);
	if (!root)
		return NULL;
	ld.pos = jpos_scan(data, len, &problem, &line, &col);
	if (!ld.pos) {
		g_set_error(error, MATRIX_ERROR, MATRIX_ERROR_SYNTAX, "%s:%u:%u: %s", label, line,
		            col, problem);
		g_free(problem);
		json_object_put(root);
		return NULL;
	}
	m = g_new0(struct matrix, 1);
	m->file = g_strdup(label);
	m->own_expect = true;
	if (!load_root(&ld, root, m))
		g_clear_pointer(&m, matrix_free);
	jpos_index_free(ld.pos);
	json_object_put(root);
	return m;
}

struct matrix *matrix_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	g_autoptr(GError) io = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &io)) {
		g_set_error(error, MATRIX_ERROR, MATRIX_ERROR_IO, "%s: cannot read: %s", path,
		            io->message);
		return NULL;
	}
	return matrix_load_data(path, data, len, error);
}

struct matrix *matrix_from_scenarios(const char *name, GPtrArray *scenarios)
{
	struct matrix *m = g_new0(struct matrix, 1);

	m->file = g_strdup("");
	m->name = g_strdup(name);
	m->description = g_strdup("");
	m->sets = g_new0(char *, 1);
	m->nscenarios = scenarios->len;
	m->scenarios = g_new0(struct matrix_scenario, MAX(scenarios->len, 1));
	m->cells = g_ptr_array_new();
	for (guint i = 0; i < scenarios->len; i++) {
		struct scenario *s = g_ptr_array_index(scenarios, i);
		struct matrix_cell *c = g_new0(struct matrix_cell, 1);

		m->scenarios[i].file = g_strdup(s->file);
		m->scenarios[i].name = g_strdup(s->name);
		m->scenarios[i].origin = i;
		c->index = i;
		c->scenario = i;
		c->values = g_new0(unsigned, 1);
		c->rule = -1;
		c->in_shard = true;
		c->s = s;
		g_ptr_array_add(m->cells, c);
	}
	g_ptr_array_set_free_func(scenarios, NULL);
	return m;
}

void matrix_free(struct matrix *m)
{
	if (!m)
		return;
	for (guint i = 0; m->cells && i < m->cells->len; i++) {
		struct matrix_cell *c = g_ptr_array_index(m->cells, i);
		g_free(c->values);
		scenario_free(c->s);
		run_result_free(c->result);
		g_free(c);
	}
	if (m->cells)
		g_ptr_array_free(m->cells, TRUE);
	for (unsigned i = 0; i < m->nscenarios; i++) {
		g_free(m->scenarios[i].file);
		g_free(m->scenarios[i].name);
		g_free(m->scenarios[i].text);
	}
	g_free(m->scenarios);
	for (unsigned i = 0; i < m->naxes; i++) {
		g_free(m->axes[i].name);
		g_free(m->axes[i].path);
		g_strfreev(m->axes[i].labels);
		g_strfreev(m->axes[i].json);
		g_free(m->axes[i].where);
	}
	g_free(m->axes);
	for (unsigned i = 0; i < m->nrules; i++) {
		g_strfreev(m->rules[i].violations);
		g_free(m->rules[i].because);
	}
	g_free(m->rules);
	g_strfreev(m->sets);
	g_free(m->file);
	g_free(m->name);
	g_free(m->description);
	g_free(m);
}

unsigned matrix_shard(struct matrix *m, unsigned first, unsigned k, unsigned n)
{
	for (guint i = 0; i < m->cells->len; i++) {
		struct matrix_cell *c = g_ptr_array_index(m->cells, i);
		c->in_shard = (first + i) % n == k;
	}
	return m->cells->len;
}

/* ---- cells ----------------------------------------------------------- */

char *matrix_cell_label(const struct matrix *m, const struct matrix_cell *c)
{
	GString *s = g_string_new(m->scenarios[c->scenario].name);

	for (unsigned a = 0; a < m->naxes; a++)
		g_string_append_printf(s, "%s%s=%s", a ? "," : "[", m->axes[a].name,
		                       m->axes[a].labels[c->values[a]]);
	if (m->naxes)
		g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

/* The overrides, each with where in the matrix it comes from. */
static GPtrArray *cell_sets(const struct matrix *m, const struct matrix_cell *c, GPtrArray *origins)
{
	GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);

	for (char **s = m->sets; s && *s; s++) {
		g_ptr_array_add(sets, g_strdup(*s));
		if (origins) {
			const char *eq = strchr(*s, '=');
			g_ptr_array_add(origins, g_strdup_printf("set.%.*s", (int)(eq - *s), *s));
		}
	}
	for (unsigned a = 0; a < m->naxes; a++) {
		g_ptr_array_add(
		    sets, g_strdup_printf("%s=%s", m->axes[a].path, m->axes[a].json[c->values[a]]));
		if (origins) /* the value in the file that made this one */
			g_ptr_array_add(
			    origins,
			    m->axes[a].range ? g_strdup_printf("%s.range", m->axes[a].where)
			    : m->axes[a].star
			        ? g_strdup_printf("%s.values[0]", m->axes[a].where)
			        : g_strdup_printf("%s.values[%u]", m->axes[a].where, c->values[a]));
	}
	if (m->own_expect) {
		const struct matrix_rule *r = c->rule >= 0 ? &m->rules[c->rule] : NULL;
		GString *e = g_string_new("expect={\"verdict\":");

		g_string_append(e, !r || r->expect_pass ? "\"pass\"" : "\"fail\"");
		for (char **v = r ? r->violations : NULL; v && *v; v++)
			g_string_append_printf(e, "%s\"%s\"",
			                       v == r->violations ? ",\"violations\":[" : ",", *v);
		if (r && r->violations && *r->violations)
			g_string_append_c(e, ']');
		g_string_append_c(e, '}');
		g_ptr_array_add(sets, g_string_free(e, FALSE));
		if (origins)
			g_ptr_array_add(origins, c->rule >= 0
			                             ? g_strdup_printf("expect[%d]", c->rule)
			                             : g_strdup("expect"));
	}
	return sets;
}

char **matrix_cell_sets(const struct matrix *m, const struct matrix_cell *c)
{
	GPtrArray *sets = cell_sets(m, c, NULL);

	g_ptr_array_add(sets, NULL);
	g_ptr_array_set_free_func(sets, NULL);
	return (char **)g_ptr_array_free(sets, FALSE);
}

static bool shell_safe(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("-_./=,:+@%", *s))
			return false;
	return true;
}

char *matrix_cell_command(const struct matrix *m, const struct matrix_cell *c)
{
	g_auto(GStrv) sets = matrix_cell_sets(m, c);
	GString *s = g_string_new("hvpci-sim run");

	for (char **a = sets; *a; a++) {
		g_autofree char *q = shell_safe(*a) ? g_strdup(*a) : g_shell_quote(*a);
		g_string_append_printf(s, " --set %s", q);
	}
	{
		const char *f = m->scenarios[c->scenario].file;
		g_autofree char *q = shell_safe(f) ? g_strdup(f) : g_shell_quote(f);
		g_string_append_printf(s, " %s", q);
	}
	return g_string_free(s, FALSE);
}

const char *matrix_cell_because(const struct matrix *m, const struct matrix_cell *c)
{
	return c->rule >= 0 ? m->rules[c->rule].because : NULL;
}

enum cell_status matrix_cell_status(const struct matrix_cell *c)
{
	const struct run_result *r = c->result;

	if (!r)
		return CELL_NOT_RUN;
	if (r->matches)
		return r->pass ? CELL_PASS : CELL_XFAIL;
	return r->pass ? CELL_XPASS : CELL_FAIL;
}

const char *cell_status_name(enum cell_status st)
{
	static const char *const names[] = {
	    [CELL_NOT_RUN] = "not-run", [CELL_PASS] = "pass",   [CELL_XFAIL] = "xfail",
	    [CELL_FAIL] = "fail",       [CELL_XPASS] = "xpass",
	};
	return names[st];
}

bool matrix_load_cells(struct matrix *m, GPtrArray *errors, unsigned max_errors)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unsigned failed = 0, reported = 0;
	struct mloader ld = {.file = m->file};
	g_autofree char *text = NULL;

	for (guint i = 0; i < m->cells->len; i++) {
		struct matrix_cell *c = g_ptr_array_index(m->cells, i);
		const struct matrix_scenario *ms = &m->scenarios[c->scenario];
		g_autoptr(GPtrArray) origins = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) sets = NULL;
		g_autoptr(GError) error = NULL;

		if (!c->in_shard || c->s)
			continue;
		sets = cell_sets(m, c, origins);
		g_ptr_array_add(sets, NULL);
		c->s = scenario_load_data(ms->file, ms->text, ms->len,
		                          (const char *const *)sets->pdata, &error);
		if (c->s)
			continue;
		failed++;
		if (g_hash_table_contains(seen, error->message) || reported >= max_errors)
			continue;
		g_hash_table_add(seen, g_strdup(error->message));
		reported++;
		{
			/* point at what in the matrix put the offending value there */
			g_autofree char *label = matrix_cell_label(m, c);
			g_autofree char *where = g_strdup_printf("scenarios[%u]", ms->origin);
			struct jpos p = {0};
			GError *e;

			for (guint k = 0; k + 1 < sets->len; k++) {
				g_autofree char *needle = g_strdup_printf(
				    "(set by --set %s)", (char *)g_ptr_array_index(sets, k));
				if (strstr(error->message, needle)) {
					g_free(where);
					where = g_strdup(g_ptr_array_index(origins, k));
				}
			}
			if (!ld.pos && m->file[0] &&
			    g_file_get_contents(m->file, &text, NULL, NULL)) {
				char *problem = NULL;
				unsigned l, col;
				ld.pos = jpos_scan(text, strlen(text), &problem, &l, &col);
				g_free(problem);
			}
			if (ld.pos && jpos_lookup(ld.pos, where, &p))
				e = g_error_new(MATRIX_ERROR, MATRIX_ERROR_CELL,
				                "%s:%u:%u: %s: cell %u, %s, does not load: %s",
				                m->file, p.line, p.col, where, c->index, label,
				                error->message);
			else
				e = g_error_new(MATRIX_ERROR, MATRIX_ERROR_CELL,
				                "%s: %s: cell %u, %s, does not load: %s", m->file,
				                where, c->index, label, error->message);
			g_ptr_array_add(errors, e);
		}
	}
	jpos_index_free(ld.pos);
	if (failed > reported)
		g_ptr_array_add(errors,
		                g_error_new(MATRIX_ERROR, MATRIX_ERROR_CELL,
		                            "%s: %u cell(s) do not load (%u shown above); exclude "
		                            "them with \"exclude\" or change the axes",
		                            m->file, failed, reported));
	return failed == 0;
}
