/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "report.h"
#include "oracle.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int report_format_lookup(const char *name)
{
	if (strcmp(name, "human") == 0)
		return REPORT_HUMAN;
	if (strcmp(name, "tap") == 0)
		return REPORT_TAP;
	if (strcmp(name, "json") == 0)
		return REPORT_JSON;
	if (strcmp(name, "junit") == 0)
		return REPORT_JUNIT;
	return -1;
}

bool report_color_auto(FILE *f)
{
	const char *no = g_getenv("NO_COLOR"), *term = g_getenv("TERM");

	return isatty(fileno(f)) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

static const char *verdict(bool pass)
{
	return pass ? "pass" : "fail";
}

struct colors {
	const char *red, *green, *yellow, *bold, *dim, *off;
};

static struct colors colors(bool on)
{
	return on ? (struct colors){"\033[31m", "\033[32m", "\033[33m",
	                            "\033[1m",  "\033[2m",  "\033[0m"}
	          : (struct colors){"", "", "", "", "", ""};
}

/* One result as the human output shows it. label: the cell's, or NULL for
 * the scenario's name; because: why it is expected to fail, or NULL. */
static void human_result(FILE *out, const struct run_result *r, const char *label,
                         const char *because, bool color)
{
	struct colors c = colors(color);
	char t[32];

	fprintf(out,
	        "%s%s%s %s%s%s  verdict %s, expected %s  %s(%s, seed %" G_GUINT64_FORMAT
	        ", %s)%s\n",
	        r->matches ? c.green : c.red, r->matches ? "OK  " : "FAIL", c.off, c.bold,
	        label ? label : r->name, c.off, verdict(r->pass), verdict(r->expect_pass), c.dim,
	        r->file, r->seed, engine_fmt_time(r->end_time, t, sizeof(t)), c.off);
	if (!r->matches)
		fprintf(out, "     %s%s%s\n", c.red, r->mismatch, c.off);
	if (because && (!r->expect_pass || !r->matches))
		fprintf(out, "     %sexpected to fail because: %s%s\n", c.dim, because, c.off);
	if (r->matches && !r->pass && r->violations->len)
		fprintf(out,
		        "     %sfails as it should: the %u violation(s) below are what it expects "
		        "to find%s\n",
		        c.yellow, r->violations->len, c.off);
	for (guint k = 0; k < r->violations->len; k++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, k);
		fprintf(out, "     %s[%s]%s t=%s: %s\n", r->matches ? c.dim : "", v->name,
		        r->matches ? c.off : "", engine_fmt_time(v->time, t, sizeof(t)),
		        v->message);
	}
}

/* The closing lines of a run: what success looks like, said plainly. */
static void human_run_summary(FILE *out, unsigned total, unsigned ok, unsigned xfail, bool color)
{
	struct colors c = colors(color);

	fprintf(out, "%u scenario(s): %u as expected, %u not\n", total, ok, total - ok);
	if (ok == total && xfail)
		fprintf(out,
		        "%sSuccess%s: every scenario gave the verdict it expects. %u of them "
		        "reproduce a bug or a fault\nand are expected to fail: the [violation] "
		        "lines under their OK are the evidence they look for.\n",
		        c.green, c.off, xfail);
	else if (ok == total)
		fprintf(out, "%sSuccess%s: every scenario gave the verdict it expects.\n", c.green,
		        c.off);
	else
		fprintf(out,
		        "%s%u scenario(s) did not give the verdict they expect%s: see the FAIL "
		        "lines above.\n",
		        c.red, total - ok, c.off);
}

static void write_human(FILE *out, GPtrArray *results, bool color)
{
	unsigned ok = 0, xfail = 0;

	for (guint i = 0; i < results->len; i++) {
		const struct run_result *r = g_ptr_array_index(results, i);

		ok += r->matches;
		xfail += r->matches && !r->pass;
		human_result(out, r, NULL, NULL, color);
	}
	human_run_summary(out, results->len, ok, xfail, color);
}

static void yaml_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* One TAP test point; label NULL: the scenario's name. */
static void tap_result(FILE *out, unsigned number, const struct run_result *r, const char *label,
                       const char *because, const char *const *sets)
{
	fprintf(out, "%s %u - %s # verdict %s, expected %s\n", r->matches ? "ok" : "not ok", number,
	        label ? label : r->name, verdict(r->pass), verdict(r->expect_pass));
	if (r->matches && !r->violations->len)
		return;
	fprintf(out, "  ---\n  file: ");
	yaml_string(out, r->file);
	fprintf(out, "\n  seed: %" G_GUINT64_FORMAT "\n", r->seed);
	if (sets && *sets) {
		fprintf(out, "  set:\n");
		for (; *sets; sets++) {
			fprintf(out, "    - ");
			yaml_string(out, *sets);
			fputc('\n', out);
		}
	}
	if (because) {
		fprintf(out, "  because: ");
		yaml_string(out, because);
		fputc('\n', out);
	}
	if (r->mismatch) {
		fprintf(out, "  message: ");
		yaml_string(out, r->mismatch);
		fputc('\n', out);
	}
	fprintf(out, "  violations:\n");
	for (guint k = 0; k < r->violations->len; k++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, k);
		fprintf(out,
		        "    - name: %s\n      time_ns: %" G_GUINT64_FORMAT "\n      message: ",
		        v->name, v->time);
		yaml_string(out, v->message);
		fputc('\n', out);
	}
	fprintf(out, "  ...\n");
}

static void write_tap(FILE *out, GPtrArray *results)
{
	fprintf(out, "TAP version 13\n1..%u\n", results->len);
	for (guint i = 0; i < results->len; i++)
		tap_result(out, i + 1, g_ptr_array_index(results, i), NULL, NULL, NULL);
}

static void violations_json(json_object *o, const struct run_result *r)
{
	json_object *vs = json_object_new_array();

	for (guint k = 0; k < r->violations->len; k++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, k);
		json_object *jv = json_object_new_object();
		const char *dot = strchr(v->name, '.');
		json_object_object_add(jv, "name", json_object_new_string(v->name));
		json_object_object_add(
		    jv, "oracle",
		    json_object_new_string_len(v->name,
		                               dot ? (int)(dot - v->name) : (int)strlen(v->name)));
		json_object_object_add(jv, "time_ns", json_object_new_uint64(v->time));
		json_object_object_add(jv, "message", json_object_new_string(v->message));
		json_object_array_add(vs, jv);
	}
	json_object_object_add(o, "violations", vs);
}

static void result_json(json_object *o, const struct run_result *r)
{
	json_object *ev = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "file", json_object_new_string(r->file));
	json_object_object_add(o, "seed", json_object_new_uint64(r->seed));
	json_object_object_add(o, "expected", json_object_new_string(verdict(r->expect_pass)));
	for (char **v = r->expect_violations; v && *v; v++)
		json_object_array_add(ev, json_object_new_string(*v));
	json_object_object_add(o, "expected_violations", ev);
	json_object_object_add(o, "verdict", json_object_new_string(verdict(r->pass)));
	json_object_object_add(o, "matches", json_object_new_boolean(r->matches));
	if (r->mismatch)
		json_object_object_add(o, "mismatch", json_object_new_string(r->mismatch));
	json_object_object_add(o, "time_ns", json_object_new_uint64(r->end_time));
	violations_json(o, r);
}

static void json_print(FILE *out, json_object *root)
{
	fprintf(out, "%s\n",
	        json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                                 JSON_C_TO_STRING_SPACED |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void write_json(FILE *out, GPtrArray *results)
{
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	unsigned ok = 0;

	for (guint i = 0; i < results->len; i++) {
		const struct run_result *r = g_ptr_array_index(results, i);
		json_object *o = json_object_new_object();

		ok += r->matches;
		result_json(o, r);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "scenarios", arr);
	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "total", json_object_new_int((int)results->len));
	json_object_object_add(sum, "as_expected", json_object_new_int((int)ok));
	json_object_object_add(sum, "not_as_expected",
	                       json_object_new_int((int)(results->len - ok)));
	json_object_object_add(root, "summary", sum);
	json_print(out, root);
	json_object_put(root);
}

/* JUnit of bare results: a matrix without axes around them. */
static void junit_of_results(FILE *out, GPtrArray *results)
{
	struct matrix m = {.file = (char *)"", .name = (char *)"run", .description = (char *)""};
	g_autoptr(GPtrArray) ms = g_ptr_array_new();
	struct report_run rr = {.command = "run", .matrices = ms, .shard_n = 1};
	unsigned zero = 0;

	m.nscenarios = results->len;
	m.scenarios = g_new0(struct matrix_scenario, MAX(results->len, 1));
	m.cells = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < results->len; i++) {
		struct run_result *r = g_ptr_array_index(results, i);
		struct matrix_cell *c = g_new0(struct matrix_cell, 1);

		m.scenarios[i].file = r->file;
		m.scenarios[i].name = r->name;
		*c = (struct matrix_cell){.index = i,
		                          .scenario = i,
		                          .values = &zero,
		                          .rule = -1,
		                          .in_shard = true,
		                          .result = r};
		g_ptr_array_add(m.cells, c);
	}
	g_ptr_array_add(ms, &m);
	report_junit(out, &rr);
	g_ptr_array_free(m.cells, TRUE);
	g_free(m.scenarios);
}

void report_write(FILE *out, enum report_format fmt, GPtrArray *results, bool color)
{
	switch (fmt) {
	case REPORT_HUMAN:
		write_human(out, results, color);
		break;
	case REPORT_TAP:
		write_tap(out, results);
		break;
	case REPORT_JSON:
		write_json(out, results);
		break;
	case REPORT_JUNIT:
		junit_of_results(out, results);
		break;
	}
}

/* ---- reports of a run or a matrix ------------------------------------ */

void report_count(const struct report_run *rr, struct report_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (guint i = 0; i < rr->matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(rr->matrices, i);
		for (guint k = 0; k < m->cells->len; k++) {
			const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			if (!c->in_shard)
				continue;
			out->cells++;
			switch (matrix_cell_status(c)) {
			case CELL_NOT_RUN:
				out->not_run++;
				break;
			case CELL_PASS:
				out->pass++;
				break;
			case CELL_XFAIL:
				out->xfail++;
				break;
			case CELL_FAIL:
				out->fail++;
				break;
			case CELL_XPASS:
				out->xpass++;
				break;
			}
		}
	}
}

static bool is_matrix(const struct report_run *rr)
{
	return strcmp(rr->command, "matrix") == 0;
}

void report_stream_begin(FILE *out, enum report_format fmt, const struct report_run *rr)
{
	struct report_counts n;

	if (fmt != REPORT_TAP)
		return;
	report_count(rr, &n);
	fprintf(out, "TAP version 13\n1..%u\n", n.cells);
}

void report_stream_cell(FILE *out, enum report_format fmt, const struct report_run *rr,
                        const struct matrix *m, const struct matrix_cell *c, unsigned number)
{
	g_autofree char *label = is_matrix(rr) ? matrix_cell_label(m, c) : NULL;
	const char *because = matrix_cell_because(m, c);

	if (fmt == REPORT_TAP) {
		g_auto(GStrv) sets = is_matrix(rr) ? matrix_cell_sets(m, c) : NULL;
		if (!c->result)
			fprintf(out, "ok %u - %s # SKIP not run: interrupted\n", number,
			        label ? label : m->scenarios[c->scenario].name);
		else
			tap_result(out, number, c->result, label, because,
			           (const char *const *)sets);
		return;
	}
	if (fmt != REPORT_HUMAN || !c->result)
		return;
	if (is_matrix(rr) && !rr->verbose && c->result->matches)
		return; /* a matrix shows the cells that are not as expected */
	human_result(out, c->result, label, because, rr->color);
}

void report_stream_end(FILE *out, enum report_format fmt, const struct report_run *rr)
{
	struct colors c = colors(rr->color);
	struct report_counts n;
	unsigned ran, ok;

	report_count(rr, &n);
	ran = n.cells - n.not_run;
	ok = n.pass + n.xfail;
	if (fmt == REPORT_TAP) {
		if (rr->interrupted)
			fprintf(out, "# interrupted: %u of %u ran\n", ran, n.cells);
		return;
	}
	if (fmt != REPORT_HUMAN)
		return;
	if (!is_matrix(rr) && rr->interrupted) {
		fprintf(out, "%u scenario(s): %u as expected, %u not\n", ran, ok, ran - ok);
	} else if (!is_matrix(rr)) {
		human_run_summary(out, ran, ok, n.xfail, rr->color);
	} else {
		for (guint i = 0; i < rr->matrices->len; i++) {
			const struct matrix *m = g_ptr_array_index(rr->matrices, i);
			struct report_run one = *rr;
			GPtrArray single = {.pdata = (gpointer *)&m, .len = 1};
			struct report_counts k;

			one.matrices = &single;
			report_count(&one, &k);
			fprintf(out, "%s%s%s (%s): %u cell(s)", c.bold, m->name, c.off, m->file,
			        m->cells->len);
			if (m->excluded)
				fprintf(out, ", %u excluded", m->excluded);
			if (rr->shard_n > 1)
				fprintf(out, ", %u in shard %u/%u", k.cells, rr->shard_k + 1,
				        rr->shard_n);
			fprintf(out, ": %u pass, %u fail as expected, %s%u not as expected%s",
			        k.pass, k.xfail, k.fail + k.xpass ? c.red : "", k.fail + k.xpass,
			        c.off);
			if (k.fail + k.xpass)
				fprintf(out, " (%u fail, %u pass unexpectedly)", k.fail, k.xpass);
			if (k.not_run)
				fprintf(out, ", %u not run", k.not_run);
			fputc('\n', out);
		}
		if (ok == ran && !rr->interrupted)
			fprintf(out,
			        "%sSuccess%s: all %u cell(s) as expected; %u of them fail as the "
			        "matrix says they should.\n",
			        c.green, c.off, ran, n.xfail);
		else if (ok != ran)
			fprintf(out,
			        "%s%u cell(s) not as expected%s: %u fail that should pass (or miss "
			        "an expected violation), %u pass that should fail.\n",
			        c.red, ran - ok, c.off, n.fail, n.xpass);
	}
	fprintf(out, "%u %s in %.2f s: %.0f %s/s with %u job(s)\n", ran,
	        is_matrix(rr) ? "cell(s)" : "scenario(s)", rr->seconds,
	        rr->seconds > 0 ? ran / rr->seconds : 0.0, is_matrix(rr) ? "cells" : "scenarios",
	        rr->jobs);
	if (rr->interrupted)
		fprintf(out,
		        "%sInterrupted%s: %u of %u ran; the reports hold those and mark the rest "
		        "\"not run\".\n",
		        c.red, c.off, ran, n.cells);
}

void report_tap(FILE *out, const struct report_run *rr)
{
	unsigned number = 0;

	report_stream_begin(out, REPORT_TAP, rr);
	for (guint i = 0; i < rr->matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(rr->matrices, i);
		for (guint k = 0; k < m->cells->len; k++) {
			const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			if (c->in_shard)
				report_stream_cell(out, REPORT_TAP, rr, m, c, ++number);
		}
	}
	report_stream_end(out, REPORT_TAP, rr);
}

void report_json(FILE *out, const struct report_run *rr)
{
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	json_object *sum = json_object_new_object();
	struct report_counts n;

	report_count(rr, &n);
	json_object_object_add(root, "format", json_object_new_string("hvpci-sim-report"));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "command", json_object_new_string(rr->command));
	if (is_matrix(rr)) {
		json_object *ms = json_object_new_array();
		for (guint i = 0; i < rr->matrices->len; i++) {
			const struct matrix *m = g_ptr_array_index(rr->matrices, i);
			json_object *jm = json_object_new_object(), *axes = json_object_new_array();

			json_object_object_add(jm, "name", json_object_new_string(m->name));
			json_object_object_add(jm, "file", json_object_new_string(m->file));
			json_object_object_add(jm, "description",
			                       json_object_new_string(m->description));
			for (unsigned a = 0; a < m->naxes; a++) {
				json_object *ja = json_object_new_object(),
				            *vs = json_object_new_array();
				json_object_object_add(ja, "name",
				                       json_object_new_string(m->axes[a].name));
				json_object_object_add(ja, "path",
				                       json_object_new_string(m->axes[a].path));
				for (unsigned v = 0; v < m->axes[a].nvalues; v++)
					json_object_array_add(
					    vs, json_object_new_string(m->axes[a].labels[v]));
				json_object_object_add(ja, "values", vs);
				json_object_array_add(axes, ja);
			}
			json_object_object_add(jm, "axes", axes);
			json_object_object_add(jm, "cells",
			                       json_object_new_int((int)m->cells->len));
			json_object_object_add(jm, "excluded",
			                       json_object_new_int((int)m->excluded));
			json_object_array_add(ms, jm);
		}
		json_object_object_add(root, "matrices", ms);
		{
			g_autofree char *sh =
			    g_strdup_printf("%u/%u", rr->shard_k + 1, rr->shard_n);
			json_object_object_add(root, "shard", json_object_new_string(sh));
		}
	}
	json_object_object_add(root, "interrupted", json_object_new_boolean(rr->interrupted));
	for (guint i = 0; i < rr->matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(rr->matrices, i);
		for (guint k = 0; k < m->cells->len; k++) {
			const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			json_object *o = json_object_new_object();

			if (!c->in_shard) {
				json_object_put(o);
				continue;
			}
			if (is_matrix(rr)) {
				g_autofree char *label = matrix_cell_label(m, c);
				g_auto(GStrv) sets = matrix_cell_sets(m, c);
				json_object *ax = json_object_new_object(),
				            *js = json_object_new_array();
				const char *because = matrix_cell_because(m, c);

				json_object_object_add(o, "matrix", json_object_new_int((int)i));
				json_object_object_add(o, "cell",
				                       json_object_new_int((int)c->index));
				json_object_object_add(o, "label", json_object_new_string(label));
				for (unsigned a = 0; a < m->naxes; a++)
					json_object_object_add(
					    ax, m->axes[a].name,
					    json_object_new_string(
					        m->axes[a].labels[c->values[a]]));
				json_object_object_add(o, "axes", ax);
				for (char **s = sets; *s; s++)
					json_object_array_add(js, json_object_new_string(*s));
				json_object_object_add(o, "set", js);
				if (because)
					json_object_object_add(o, "because",
					                       json_object_new_string(because));
			}
			json_object_object_add(
			    o, "status",
			    json_object_new_string(cell_status_name(matrix_cell_status(c))));
			if (c->result) {
				result_json(o, c->result);
			} else {
				json_object_object_add(
				    o, "name",
				    json_object_new_string(m->scenarios[c->scenario].name));
				json_object_object_add(
				    o, "file",
				    json_object_new_string(m->scenarios[c->scenario].file));
			}
			json_object_array_add(arr, o);
		}
	}
	json_object_object_add(root, "scenarios", arr);
	json_object_object_add(sum, "total", json_object_new_int((int)n.cells));
	json_object_object_add(sum, "as_expected", json_object_new_int((int)(n.pass + n.xfail)));
	json_object_object_add(sum, "not_as_expected",
	                       json_object_new_int((int)(n.fail + n.xpass)));
	json_object_object_add(sum, "passed", json_object_new_int((int)n.pass));
	json_object_object_add(sum, "failed_as_expected", json_object_new_int((int)n.xfail));
	json_object_object_add(sum, "failed", json_object_new_int((int)n.fail));
	json_object_object_add(sum, "passed_unexpectedly", json_object_new_int((int)n.xpass));
	json_object_object_add(sum, "not_run", json_object_new_int((int)n.not_run));
	json_object_object_add(root, "summary", sum);
	json_print(out, root);
	json_object_put(root);
}

/* ---- atomic files ---------------------------------------------------- */

bool report_to_file(const char *path, void (*write)(FILE *out, const void *arg), const void *arg,
                    GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	int fd = g_mkstemp(tmp);
	FILE *f;
	bool ok;
	int err = 0;

	if (fd < 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		            "cannot write %s: %s", path, g_strerror(err));
		return false;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		g_unlink(tmp);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		            "cannot write %s: %s", path, g_strerror(err));
		return false;
	}
	write(f, arg);
	ok = fflush(f) == 0 && !ferror(f);
	if (!ok)
		err = errno ? errno : EIO;
	ok = fsync(fileno(f)) == 0 && ok;
	if (fclose(f) != 0 && ok) {
		ok = false;
		err = errno;
	}
	/* mkstemp makes it 0600; a report is as readable as any new file */
	if (ok) {
		mode_t mask = umask(0);
		umask(mask);
		if (g_chmod(tmp, 0666 & ~mask) < 0 || g_rename(tmp, path) < 0) {
			ok = false;
			err = errno;
		}
	}
	if (!ok) {
		g_unlink(tmp);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err ? err : EIO),
		            "cannot write %s: %s", path, g_strerror(err ? err : EIO));
	}
	return ok;
}
