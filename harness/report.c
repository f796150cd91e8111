/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "report.h"
#include "oracle.h"

#include <json-c/json.h>
#include <string.h>

int report_format_lookup(const char *name)
{
	if (strcmp(name, "human") == 0)
		return REPORT_HUMAN;
	if (strcmp(name, "tap") == 0)
		return REPORT_TAP;
	if (strcmp(name, "json") == 0)
		return REPORT_JSON;
	return -1;
}

static const char *verdict(bool pass)
{
	return pass ? "pass" : "fail";
}

static void write_human(FILE *out, GPtrArray *results, bool color)
{
	const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "",
	           *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "",
	           *off = color ? "\033[0m" : "";
	unsigned ok = 0;

	for (guint i = 0; i < results->len; i++) {
		const struct run_result *r = g_ptr_array_index(results, i);
		char t[32];

		ok += r->matches;
		fprintf(out,
		        "%s%s%s %s%s%s  verdict %s, expected %s  %s(%s, seed %" G_GUINT64_FORMAT
		        ", %s)%s\n",
		        r->matches ? green : red, r->matches ? "OK  " : "FAIL", off, bold, r->name,
		        off, verdict(r->pass), verdict(r->expect_pass), dim, r->file, r->seed,
		        engine_fmt_time(r->end_time, t, sizeof(t)), off);
		if (!r->matches)
			fprintf(out, "     %s%s%s\n", red, r->mismatch, off);
		for (guint k = 0; k < r->violations->len; k++) {
			const struct run_violation *v = g_ptr_array_index(r->violations, k);
			fprintf(out, "     [%s] t=%s: %s\n", v->name,
			        engine_fmt_time(v->time, t, sizeof(t)), v->message);
		}
	}
	fprintf(out, "%u scenario(s): %u as expected, %u not\n", results->len, ok,
	        results->len - ok);
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

static void write_tap(FILE *out, GPtrArray *results)
{
	fprintf(out, "TAP version 13\n1..%u\n", results->len);
	for (guint i = 0; i < results->len; i++) {
		const struct run_result *r = g_ptr_array_index(results, i);
		fprintf(out, "%s %u - %s # verdict %s, expected %s\n", r->matches ? "ok" : "not ok",
		        i + 1, r->name, verdict(r->pass), verdict(r->expect_pass));
		if (r->matches && !r->violations->len)
			continue;
		fprintf(out, "  ---\n  file: ");
		yaml_string(out, r->file);
		fprintf(out, "\n  seed: %" G_GUINT64_FORMAT "\n", r->seed);
		if (r->mismatch) {
			fprintf(out, "  message: ");
			yaml_string(out, r->mismatch);
			fputc('\n', out);
		}
		fprintf(out, "  violations:\n");
		for (guint k = 0; k < r->violations->len; k++) {
			const struct run_violation *v = g_ptr_array_index(r->violations, k);
			fprintf(out,
			        "    - name: %s\n      time_ns: %" G_GUINT64_FORMAT
			        "\n      message: ",
			        v->name, v->time);
			yaml_string(out, v->message);
			fputc('\n', out);
		}
		fprintf(out, "  ...\n");
	}
}

static void write_json(FILE *out, GPtrArray *results)
{
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	unsigned ok = 0;

	for (guint i = 0; i < results->len; i++) {
		const struct run_result *r = g_ptr_array_index(results, i);
		json_object *o = json_object_new_object();
		json_object *vs = json_object_new_array();
		json_object *ev = json_object_new_array();

		ok += r->matches;
		json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "file", json_object_new_string(r->file));
		json_object_object_add(o, "seed", json_object_new_uint64(r->seed));
		json_object_object_add(o, "expected",
		                       json_object_new_string(verdict(r->expect_pass)));
		for (char **v = r->expect_violations; v && *v; v++)
			json_object_array_add(ev, json_object_new_string(*v));
		json_object_object_add(o, "expected_violations", ev);
		json_object_object_add(o, "verdict", json_object_new_string(verdict(r->pass)));
		json_object_object_add(o, "matches", json_object_new_boolean(r->matches));
		if (r->mismatch)
			json_object_object_add(o, "mismatch", json_object_new_string(r->mismatch));
		json_object_object_add(o, "time_ns", json_object_new_uint64(r->end_time));
		for (guint k = 0; k < r->violations->len; k++) {
			const struct run_violation *v = g_ptr_array_index(r->violations, k);
			json_object *jv = json_object_new_object();
			const char *dot = strchr(v->name, '.');
			json_object_object_add(jv, "name", json_object_new_string(v->name));
			json_object_object_add(
			    jv, "oracle",
			    json_object_new_string_len(v->name, dot ? (int)(dot - v->name)
			                                            : (int)strlen(v->name)));
			json_object_object_add(jv, "time_ns", json_object_new_uint64(v->time));
			json_object_object_add(jv, "message", json_object_new_string(v->message));
			json_object_array_add(vs, jv);
		}
		json_object_object_add(o, "violations", vs);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "scenarios", arr);
	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "total", json_object_new_int((int)results->len));
	json_object_object_add(sum, "as_expected", json_object_new_int((int)ok));
	json_object_object_add(sum, "not_as_expected",
	                       json_object_new_int((int)(results->len - ok)));
	json_object_object_add(root, "summary", sum);
	fprintf(out, "%s\n",
	        json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                                 JSON_C_TO_STRING_SPACED |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
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
	}
}
