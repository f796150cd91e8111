/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JUnit XML, the shape CI systems read: <testsuites>, one <testsuite> per
 * matrix (or one for a run of scenario files), one <testcase> per cell
 * with its violations in <failure>. "time" is the cell's simulated
 * (virtual) time in seconds, so the report is reproducible.
 */
#include "report.h"

#include <string.h>

void report_xml_text(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* XML 1.0 allows no other control characters */
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				fputc('?', out);
			else
				fputc(*p, out);
		}
	}
}

static double seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void junit_failure_text(FILE *out, const struct matrix *m, const struct matrix_cell *c)
{
	const struct run_result *r = c->result;
	const char *because = matrix_cell_because(m, c);
	g_autofree char *cmd = matrix_cell_command(m, c);
	char t[32];

	fprintf(out, "%s (seed %" G_GUINT64_FORMAT ")\n", r->file, r->seed);
	if (because) {
		fputs("expected to fail because: ", out);
		report_xml_text(out, because);
		fputc('\n', out);
	}
	for (guint k = 0; k < r->violations->len; k++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, k);
		fprintf(out, "[%s] t=%s: ", v->name, engine_fmt_time(v->time, t, sizeof(t)));
		report_xml_text(out, v->message);
		fputc('\n', out);
	}
	fputs("reproduce: ", out);
	report_xml_text(out, cmd);
	fputc('\n', out);
}

static void junit_suite(FILE *out, const struct report_run *rr, const struct matrix *m)
{
	unsigned tests = 0, failures = 0, skipped = 0;
	uint64_t ns = 0;

	for (guint k = 0; k < m->cells->len; k++) {
		const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
		enum cell_status st = matrix_cell_status(c);
		if (!c->in_shard)
			continue;
		tests++;
		failures += st == CELL_FAIL || st == CELL_XPASS;
		skipped += st == CELL_NOT_RUN;
		ns += c->result ? c->result->end_time : 0;
	}
	fputs("  <testsuite name=\"", out);
	report_xml_text(out, m->name);
	fprintf(out, "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"%.6f\">\n",
	        tests, failures, skipped, seconds(ns));
	fputs("    <properties>\n", out);
	if (m->file[0]) {
		fputs("      <property name=\"file\" value=\"", out);
		report_xml_text(out, m->file);
		fputs("\"/>\n", out);
	}
	fprintf(out, "      <property name=\"shard\" value=\"%u/%u\"/>\n", rr->shard_k + 1,
	        rr->shard_n);
	fprintf(out, "      <property name=\"interrupted\" value=\"%s\"/>\n",
	        rr->interrupted ? "true" : "false");
	fputs("    </properties>\n", out);
	for (guint k = 0; k < m->cells->len; k++) {
		const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
		const struct run_result *r = c->result;
		g_autofree char *label = matrix_cell_label(m, c);
		enum cell_status st = matrix_cell_status(c);

		if (!c->in_shard)
			continue;
		fputs("    <testcase name=\"", out);
		report_xml_text(out, label);
		fputs("\" classname=\"", out);
		report_xml_text(out, m->name);
		fputc('.', out);
		report_xml_text(out, m->scenarios[c->scenario].name);
		fprintf(out, "\" time=\"%.6f\"", seconds(r ? r->end_time : 0));
		switch (st) {
		case CELL_PASS:
			fputs("/>\n", out);
			break;
		case CELL_NOT_RUN:
			fputs(">\n      <skipped message=\"not run: interrupted\"/>\n    "
			      "</testcase>\n",
			      out);
			break;
		case CELL_XFAIL:
			fputs(">\n      <system-out>failed as expected: ", out);
			junit_failure_text(out, m, c);
			fputs("</system-out>\n    </testcase>\n", out);
			break;
		case CELL_FAIL:
		case CELL_XPASS:
			fprintf(out, ">\n      <failure type=\"%s\" message=\"",
			        st == CELL_XPASS ? "unexpected-pass" : "fail");
			report_xml_text(out, r->mismatch ? r->mismatch : "not as expected");
			fputs("\">", out);
			junit_failure_text(out, m, c);
			fputs("</failure>\n    </testcase>\n", out);
			break;
		}
	}
	fputs("  </testsuite>\n", out);
}

void report_junit(FILE *out, const struct report_run *rr)
{
	struct report_counts n;
	uint64_t ns = 0;

	report_count(rr, &n);
	for (guint i = 0; i < rr->matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(rr->matrices, i);
		for (guint k = 0; k < m->cells->len; k++) {
			const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			if (c->in_shard && c->result)
				ns += c->result->end_time;
		}
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
	        "<testsuites name=\"hvpci-sim %s\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
	        "skipped=\"%u\" time=\"%.6f\">\n",
	        rr->command, n.cells, n.fail + n.xpass, n.not_run, seconds(ns));
	for (guint i = 0; i < rr->matrices->len; i++)
		junit_suite(out, rr, g_ptr_array_index(rr->matrices, i));
	fputs("</testsuites>\n", out);
}
