/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTML report: one self-contained page (inline CSS, a few lines of
 * inline JavaScript, no external URL). Each matrix is a coloured grid, the
 * scenarios and the first half of the axes down the side, the other axes
 * across the top. A cell with a verdict worth reading links to its details:
 * the violations, why it was expected to fail, the command that runs it
 * alone, and a message sequence chart of the guest <-> host packets,
 * hypercalls, MMIO writes and deliveries around the first violation, drawn
 * as SVG from the trace of the cell run again with tracing on.
 */
#include "report.h"

#include <json-c/json.h>
#include <string.h>

#include "../vmbus-sim/engine.h"

#define E(s) report_xml_text(out, (s))

static const char *status_symbol(enum cell_status st)
{
	static const char *const sym[] = {
	    [CELL_NOT_RUN] = "\xc2\xb7",
	    [CELL_PASS] = "\xe2\x9c\x93",
	    [CELL_XFAIL] = "\xe2\x9c\x97",
	    [CELL_FAIL] = "\xe2\x9c\x97",
	    [CELL_XPASS] = "!",
	};
	return sym[st];
}

static const char *status_words(enum cell_status st)
{
	static const char *const words[] = {
	    [CELL_NOT_RUN] = "not run",
	    [CELL_PASS] = "passes",
	    [CELL_XFAIL] = "fails as expected",
	    [CELL_FAIL] = "fails, not as expected",
	    [CELL_XPASS] = "passes, but is expected to fail",
	};
	return words[st];
}

static const char style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.5em 0 .3em}"
    "h2 small{font-weight:normal;color:#666;font-size:.8em}"
    "code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f4f4f4;padding:0 .2em}"
    ".totals span{font-weight:600}"
    ".legend span.chip{display:inline-block;padding:0 .5em;margin-right:.6em;border-radius:3px}"
    "table.grid{border-collapse:collapse;margin:.5em 0}"
    "table.grid th{background:#f3f3f3;border:1px solid #ccc;padding:2px 6px;font-weight:500;"
    "font-size:12px;text-align:left;white-space:nowrap}"
    "table.grid thead th{text-align:center}"
    "table.grid td.cell{border:1px solid #ccc;width:2.2em;height:1.6em;text-align:center;"
    "padding:0;font-weight:700}"
    "td.cell a{display:block;color:inherit;text-decoration:none}"
    ":is(td.cell,.chip,.tag,.totals span).pass{background:#c8e6c9;color:#1b5e20}"
    ":is(td.cell,.chip,.tag,.totals span).xfail{background:#ffe0b2;color:#a84300}"
    ":is(td.cell,.chip,.tag,.totals span).fail{background:#ef9a9a;color:#7f0000}"
    ":is(td.cell,.chip,.tag,.totals span).xpass{background:#e1bee7;color:#4a148c}"
    ":is(td.cell,.chip,.tag,.totals span).not-run{background:#eee;color:#777}"
    "td.cell.elsewhere{background:#fafafa;color:#bbb}"
    ":is(td.cell,.chip).excluded{background:repeating-linear-gradient(45deg,#fff,#fff 3px,"
    "#e4e4e4 3px,#e4e4e4 5px);color:#aaa}"
    "details.detail.fail,details.detail.xpass{border-color:#c62828}"
    "td.cell.selected{outline:3px solid #1565c0;outline-offset:-2px}"
    "details.detail{border:1px solid #ccc;border-radius:4px;margin:.4em 0;background:#fff}"
    "details.detail>summary{cursor:pointer;padding:.3em .6em;font-weight:600}"
    "details.detail>summary .tag{display:inline-block;padding:0 .5em;border-radius:3px;"
    "margin-right:.5em;font-size:12px}"
    "details.detail .body{padding:0 .8em .6em}"
    "ol.violations{padding-left:2.2em;max-height:13em;overflow:auto;border:1px solid #eee}"
    "ol.violations li{margin:.15em 0}"
    ".vname{font-weight:600}.t{color:#555}"
    ".because{background:#fff8e1;border-left:3px solid #ffb300;padding:.2em .6em}"
    ".mismatch{background:#ffebee;border-left:3px solid #c62828;padding:.2em .6em}"
    "figure.msc{margin:.8em 0;overflow-x:auto}figcaption{color:#555;font-size:12px}"
    "svg.msc text{font:11px ui-monospace,Menlo,Consolas,monospace}"
    "svg.msc .lane-name{font:600 12px system-ui,sans-serif}"
    "footer{margin-top:2em;color:#888;font-size:12px}";

/* Opens the details of a cell clicked in the grid (or named by the URL's
 * #fragment) and marks the grid cell. */
static const char script[] = "(function(){"
                             "function show(id,scroll){var d=document.getElementById(id);"
                             "if(!d||d.tagName!=='DETAILS')return;d.open=true;"
                             "document.querySelectorAll('td.cell.selected').forEach(function(t){"
                             "t.classList.remove('selected');});"
                             "var c=document.querySelector('td.cell[data-detail=\"'+id+'\"]');"
                             "if(c)c.classList.add('selected');"
                             "if(scroll)d.scrollIntoView({block:'start'});}"
                             "document.addEventListener('click',function(e){"
                             "var a=e.target.closest('td.cell a');if(!a)return;"
                             "e.preventDefault();var id=a.getAttribute('href').slice(1);"
                             "history.replaceState(null,'','#'+id);show(id,true);});"
                             "if(location.hash)show(location.hash.slice(1),true);"
                             "})();";

/* ---- the message sequence chart -------------------------------------- */

enum lane { L_GUEST, L_VSP, L_HV, L_DEV, L_IOMMU, L_APIC, L__COUNT };

static const char *const lane_names[L__COUNT] = {
    "guest kernel",   "host: vPCI (VMBus)", "hypervisor",
    "device (MSI-X)", "IOMMU remap",        "vCPU / APIC",
};

enum row_kind { ROW_ARROW, ROW_NOTE, ROW_BAR };

struct row {
	enum row_kind kind;
	int from, to; /* lanes; a note uses from */
	uint64_t t;
	char *text;
	const char *cls;  /* "bad", "step", "power", "violation", "" */
	unsigned count;   /* violations collapsed into this row */
	char *vname;      /* the first of them */
	GPtrArray *names; /* all of them, in order */
};

static void row_free(gpointer p)
{
	struct row *r = p;

	g_free(r->text);
	g_free(r->vname);
	if (r->names)
		g_ptr_array_free(r->names, TRUE);
	g_free(r);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return -1;
	return json_object_get_int64(v);
}

static struct row *row_new(GPtrArray *rows, enum row_kind kind, int from, int to, uint64_t t,
                           const char *cls, char *text)
{
	struct row *r = g_new0(struct row, 1);

	*r = (struct row){.kind = kind, .from = from, .to = to, .t = t, .cls = cls, .text = text};
	g_ptr_array_add(rows, r);
	return r;
}

/* One trace line as a chart row, or nothing for what the chart leaves out. */
static void trace_row(GPtrArray *rows, json_object *o)
{
	const char *comp = jstr(o, "comp"), *ev = jstr(o, "ev");
	uint64_t t = (uint64_t)MAX(jint(o, "t"), 0);

	if (!comp || !ev)
		return;
	if (!strcmp(comp, "vmbus") && !strcmp(ev, "send")) {
		const char *dir = jstr(o, "dir");
		bool g2h = dir && !strcmp(dir, "g2h");
		if (g2h)
			row_new(rows, ROW_ARROW, L_GUEST, L_VSP, t, "",
			        g_strdup_printf("VMBus packet tid %" G_GINT64_FORMAT
			                        ", %" G_GINT64_FORMAT " B",
			                        jint(o, "tid"), jint(o, "len")));
		else
			row_new(rows, ROW_ARROW, L_VSP, L_GUEST, t, "",
			        jint(o, "type") == 11
			            ? g_strdup_printf("completion tid %" G_GINT64_FORMAT,
			                              jint(o, "tid"))
			            : g_strdup_printf("VMBus packet, %" G_GINT64_FORMAT " B",
			                              jint(o, "len")));
	} else if (!strcmp(comp, "vmbus") && (!strcmp(ev, "open") || !strcmp(ev, "close"))) {
		row_new(rows, ROW_NOTE, L_VSP, L_VSP, t, "",
		        g_strdup_printf("channel %" G_GINT64_FORMAT " %s", jint(o, "channel"),
		                        !strcmp(ev, "open") ? "opened" : "closed"));
	} else if (!strcmp(comp, "vmbus")) {
		row_new(rows, ROW_NOTE, L_VSP, L_VSP, t, "bad", g_strdup_printf("vmbus %s", ev));
	} else if (!strcmp(comp, "vsp")) {
		GString *s = g_string_new(ev);
		const char *form = jstr(o, "form"), *status = jstr(o, "status");
		if (form)
			g_string_append_printf(s, " %s", form);
		if (jstr(o, "vector"))
			g_string_append_printf(s, " vec %s", jstr(o, "vector"));
		if (jint(o, "vcpu") >= 0)
			g_string_append_printf(s, " vcpu %" G_GINT64_FORMAT, jint(o, "vcpu"));
		if (jstr(o, "why"))
			g_string_append_printf(s, ": %s", jstr(o, "why"));
		row_new(rows, ROW_NOTE, L_VSP, L_VSP, t,
		        (status && strcmp(status, "0") && strcmp(status, "0x0")) ||
		                !strcmp(ev, "reject")
		            ? "bad"
		            : "",
		        g_string_free(s, FALSE));
	} else if (!strcmp(comp, "hypercall")) {
		const char *code = jstr(o, "code"), *status = jstr(o, "status");
		bool ok = status && !strcmp(status, "HV_STATUS_SUCCESS");
		row_new(rows, ROW_ARROW, L_GUEST, L_HV, t, ok ? "" : "bad",
		        g_strdup_printf("%s \xe2\x86\x92 %s",
		                        code && !strcmp(code, "0x7e") ? "HVCALL_RETARGET_INTERRUPT"
		                                                      : (code ? code : "hypercall"),
		                        status ? status : "?"));
	} else if (!strcmp(comp, "guest") && !strcmp(ev, "msi-write")) {
		row_new(
		    rows, ROW_ARROW, L_GUEST, L_DEV, t, "",
		    g_strdup_printf("MMIO: MSI-X entry %" G_GINT64_FORMAT " = %s/%s (untrapped)",
		                    jint(o, "entry"), jstr(o, "address") ? jstr(o, "address") : "?",
		                    jstr(o, "data") ? jstr(o, "data") : "?"));
	} else if (!strcmp(comp, "guest") && !strcmp(ev, "irq-handled")) {
		row_new(rows, ROW_ARROW, L_APIC, L_GUEST, t, "good",
		        g_strdup_printf("irq %" G_GINT64_FORMAT " handled", jint(o, "irq")));
	} else if (!strcmp(comp, "guest") && !strcmp(ev, "migrate-irq")) {
		row_new(rows, ROW_NOTE, L_GUEST, L_GUEST, t, "",
		        g_strdup_printf("irq %" G_GINT64_FORMAT " moves %s \xe2\x86\x92 %s",
		                        jint(o, "irq"), jstr(o, "from") ? jstr(o, "from") : "?",
		                        jstr(o, "to") ? jstr(o, "to") : "?"));
	} else if (!strcmp(comp, "guest") &&
	           (!strcmp(ev, "msix-restored") || !strcmp(ev, "msix-enabled") ||
	            !strcmp(ev, "msi-restored") || !strcmp(ev, "msi-enabled") ||
	            !strcmp(ev, "msi-fallback") || !strcmp(ev, "spurious") ||
	            !strcmp(ev, "error") || !strcmp(ev, "free-irq") ||
	            !strcmp(ev, "request-irq"))) {
		row_new(rows, ROW_NOTE, L_GUEST, L_GUEST, t,
		        strcmp(ev, "spurious") && strcmp(ev, "error") ? "" : "bad",
		        jint(o, "irq") >= 0
		            ? g_strdup_printf("%s irq %" G_GINT64_FORMAT, ev, jint(o, "irq"))
		            : g_strdup_printf("%s %s", ev, jstr(o, "dev") ? jstr(o, "dev") : ""));
	} else if (!strcmp(comp, "hv_pci")) {
		bool bad = !strcmp(ev, "retarget-failed") || !strcmp(ev, "bad-packet") ||
		           !strcmp(ev, "dev_err") || !strcmp(ev, "dev_warn") ||
		           !strcmp(ev, "compose-skipped");
		GString *s = g_string_new("pci-hyperv: ");
		g_string_append(s, ev);
		if (jint(o, "irq") >= 0)
			g_string_append_printf(s, " irq %" G_GINT64_FORMAT, jint(o, "irq"));
		if (jstr(o, "status"))
			g_string_append_printf(s, " status %s", jstr(o, "status"));
		row_new(rows, ROW_NOTE, L_GUEST, L_GUEST, t, bad ? "bad" : "",
		        g_string_free(s, FALSE));
	} else if (!strcmp(comp, "device") && !strcmp(ev, "fire")) {
		row_new(rows, ROW_NOTE, L_DEV, L_DEV, t, "",
		        g_strdup_printf("dev %" G_GINT64_FORMAT " raises vector %" G_GINT64_FORMAT,
		                        jint(o, "dev"), jint(o, "vector")));
	} else if (!strcmp(comp, "iommu") && !strcmp(ev, "msi-write")) {
		row_new(rows, ROW_ARROW, L_DEV, L_IOMMU, t, "",
		        g_strdup_printf("MSI %s/%s", jstr(o, "address") ? jstr(o, "address") : "?",
		                        jstr(o, "data") ? jstr(o, "data") : "?"));
	} else if (!strcmp(comp, "iommu") && !strcmp(ev, "lost")) {
		row_new(rows, ROW_NOTE, L_IOMMU, L_IOMMU, t, "bad",
		        g_strdup_printf("\xe2\x9c\x97 vector %" G_GINT64_FORMAT " lost",
		                        jint(o, "vector")));
	} else if (!strcmp(comp, "apic") && !strcmp(ev, "deliver")) {
		row_new(rows, ROW_ARROW, L_IOMMU, L_APIC, t, "good",
		        g_strdup_printf("vcpu %" G_GINT64_FORMAT " vector %s", jint(o, "vcpu"),
		                        jstr(o, "vector") ? jstr(o, "vector") : "?"));
	} else if (!strcmp(comp, "vm") && (!strcmp(ev, "power-off") || !strcmp(ev, "power-on"))) {
		row_new(rows, ROW_BAR, 0, L__COUNT - 1, t, "power",
		        g_strdup(!strcmp(ev, "power-off")
		                     ? "VM powered off: the host drops every remapping entry"
		                     : "VM powered on"));
	} else if (!strcmp(comp, "vm") && strstr(ev, "vcpu-")) {
		row_new(rows, ROW_NOTE, L_APIC, L_APIC, t, "",
		        g_strdup_printf("vcpu %" G_GINT64_FORMAT " %s", jint(o, "vcpu"),
		                        !strcmp(ev, "vcpu-online") ? "online" : "offline"));
	} else if (!strcmp(comp, "pm") && !strcmp(ev, "step")) {
		row_new(rows, ROW_BAR, 0, L__COUNT - 1, t, "pm",
		        g_strdup_printf("PM: %s", jstr(o, "step") ? jstr(o, "step") : "?"));
	} else if (!strcmp(comp, "run") && !strcmp(ev, "step")) {
		row_new(rows, ROW_BAR, 0, L__COUNT - 1, t, "step",
		        g_strdup_printf("scenario step %" G_GINT64_FORMAT ": %s", jint(o, "index"),
		                        jstr(o, "op") ? jstr(o, "op") : "?"));
	} else if (!strcmp(comp, "fault") && !strcmp(ev, "inject")) {
		const char *point = jstr(o, "point");
		int lane = point && g_str_has_prefix(point, "hypercall") ? L_HV : L_VSP;
		row_new(rows, ROW_NOTE, lane, lane, t, "bad",
		        g_strdup_printf("fault injected: %s", point ? point : "?"));
	} else if (!strcmp(comp, "oracle") && !strcmp(ev, "violation")) {
		g_autofree char *name =
		    g_strdup_printf("%s.%s", jstr(o, "oracle") ? jstr(o, "oracle") : "?",
		                    jstr(o, "kind") ? jstr(o, "kind") : "?");
		struct row *last = rows->len ? g_ptr_array_index(rows, rows->len - 1) : NULL;
		struct row *r;

		/* violations found together are one row: "a ×2, b ×6" */
		if (last && last->vname && last->t == t) {
			last->count++;
			g_ptr_array_add(last->names, g_steal_pointer(&name));
			return;
		}
		r = row_new(rows, ROW_BAR, 0, L__COUNT - 1, t, "violation", NULL);
		r->vname = g_strdup(name);
		r->names = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(r->names, g_steal_pointer(&name));
		r->count = 1;
	}
}

/* "✗ 8 violations: remap.no-entry ×2, mask.stuck-masked ×6" */
static char *violation_summary(const struct row *r)
{
	GString *s = g_string_new(NULL);
	g_autoptr(GPtrArray) order = g_ptr_array_new();

	g_string_printf(s, "\xe2\x9c\x97 %u violation%s: ", r->count, r->count == 1 ? "" : "s");
	for (guint i = 0; i < r->names->len; i++) {
		const char *n = g_ptr_array_index(r->names, i);
		bool seen = false;
		for (guint k = 0; k < order->len && !seen; k++)
			seen = !strcmp(g_ptr_array_index(order, k), n);
		if (!seen)
			g_ptr_array_add(order, (gpointer)n);
	}
	for (guint k = 0; k < order->len; k++) {
		const char *n = g_ptr_array_index(order, k);
		unsigned times = 0;
		for (guint i = 0; i < r->names->len; i++)
			times += !strcmp(g_ptr_array_index(r->names, i), n);
		g_string_append_printf(s, "%s%s", k ? ", " : "", n);
		if (times > 1)
			g_string_append_printf(s, " \xc3\x97%u", times);
	}
	return g_string_free(s, FALSE);
}

#define MSC_BEFORE 30
#define MSC_AFTER  14
#define MSC_LEFT   78
#define MSC_LANE_W 158
#define MSC_ROW_H  21
#define MSC_TOP    46
#define MSC_CHAR_W 6.7

static unsigned lane_x(int lane)
{
	return MSC_LEFT + MSC_LANE_W / 2 + (unsigned)lane * MSC_LANE_W;
}

static void msc_svg(FILE *out, const char *id, GPtrArray *rows, unsigned first, unsigned last,
                    unsigned hot)
{
	unsigned width = MSC_LEFT + L__COUNT * MSC_LANE_W + 10;
	unsigned height = MSC_TOP + (last - first) * MSC_ROW_H + 14;
	char t[32];

	fprintf(
	    out,
	    "<svg class=\"msc\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
	    "viewBox=\"0 0 %u %u\" role=\"img\" aria-label=\"message sequence chart\">\n",
	    width, height, width, height);
	fputs("<defs>", out);
	for (int k = 0; k < 3; k++)
		fprintf(out,
		        "<marker id=\"%s-ah%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
		        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 "
		        "5L0 10z\" fill=\"%s\"/></marker>",
		        id,
		        k == 0   ? ""
		        : k == 1 ? "-bad"
		                 : "-good",
		        k == 0   ? "#333"
		        : k == 1 ? "#c62828"
		                 : "#2e7d32");
	fputs("</defs>\n", out);
	for (int l = 0; l < L__COUNT; l++) {
		unsigned x = lane_x(l);
		fprintf(
		    out,
		    "<g class=\"lane\"><rect x=\"%u\" y=\"4\" width=\"%u\" height=\"24\" rx=\"3\" "
		    "fill=\"#e3f2fd\" stroke=\"#90caf9\"/><text class=\"lane-name\" x=\"%u\" "
		    "y=\"21\" text-anchor=\"middle\">%s</text><line x1=\"%u\" y1=\"28\" x2=\"%u\" "
		    "y2=\"%u\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/></g>\n",
		    x - MSC_LANE_W / 2 + 6, MSC_LANE_W - 12, x, lane_names[l], x, x, height - 4);
	}
	for (unsigned i = first; i < last; i++) {
		const struct row *r = g_ptr_array_index(rows, i);
		unsigned y = MSC_TOP + (i - first) * MSC_ROW_H;
		const char *color = !strcmp(r->cls, "bad")    ? "#c62828"
		                    : !strcmp(r->cls, "good") ? "#2e7d32"
		                                              : "#333";
		g_autofree char *vtext = NULL;
		const char *text = r->text;

		if (r->vname) {
			vtext = violation_summary(r);
			text = vtext;
		}
		fprintf(out, "<g class=\"row %s%s%s\" data-t=\"%" G_GUINT64_FORMAT "\">",
		        r->kind == ROW_ARROW  ? "msg"
		        : r->kind == ROW_NOTE ? "note"
		                              : "bar",
		        *r->cls ? " " : "", r->cls, r->t);
		fprintf(out, "<text x=\"4\" y=\"%u\" fill=\"#777\">%s</text>", y + 4,
		        engine_fmt_time(r->t, t, sizeof(t)));
		if (r->kind == ROW_ARROW) {
			unsigned x1 = lane_x(r->from), x2 = lane_x(r->to);
			fprintf(out,
			        "<line class=\"arrow\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" "
			        "stroke=\"%s\" stroke-width=\"1.4\" marker-end=\"url(#%s-ah%s)\"/>",
			        x1, y + 2, x2, y + 2, color, id,
			        *r->cls ? (*r->cls == 'b' ? "-bad" : "-good") : "");
			fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\" fill=\"%s\">",
			        (x1 + x2) / 2, y - 2, color);
			E(text);
			fputs("</text>", out);
		} else if (r->kind == ROW_NOTE) {
			unsigned x = lane_x(r->from);
			unsigned w = (unsigned)(strlen(text) * MSC_CHAR_W) + 10;
			fprintf(out,
			        "<rect x=\"%d\" y=\"%u\" width=\"%u\" height=\"16\" rx=\"3\" "
			        "fill=\"%s\" stroke=\"%s\"/>",
			        (int)x - (int)w / 2, y - 10, w,
			        !strcmp(r->cls, "bad") ? "#ffebee" : "#fffde7", color);
			fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\" fill=\"%s\">",
			        x, y + 2, color);
			E(text);
			fputs("</text>", out);
		} else {
			bool v = r->vname != NULL;
			const char *fill = v ? (i == hot ? "#c62828" : "#ef9a9a")
			                   : !strcmp(r->cls, "power") ? "#455a64"
			                   : !strcmp(r->cls, "step")  ? "#e8eaf6"
			                                              : "#f5f5f5";
			const char *ink = v && i == hot              ? "#fff"
			                  : !strcmp(r->cls, "power") ? "#fff"
			                  : v                        ? "#7f0000"
			                                             : "#555";
			fprintf(out,
			        "<rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"16\" "
			        "fill=\"%s\"/>",
			        v ? (i == hot ? "violation first" : "violation") : "band", MSC_LEFT,
			        y - 10, L__COUNT * MSC_LANE_W, fill);
			fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\" fill=\"%s\">",
			        MSC_LEFT + L__COUNT * MSC_LANE_W / 2, y + 2, ink);
			E(text);
			fputs("</text>", out);
		}
		fputs("</g>\n", out);
	}
	fputs("</svg>\n", out);
}

static void msc(FILE *out, const char *id, const char *trace)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(row_free);
	g_auto(GStrv) lines = g_strsplit(trace, "\n", -1);
	unsigned hot = UINT_MAX, first, last;
	char t[32];

	for (char **l = lines; *l; l++) {
		json_object *o;
		if (!**l)
			continue;
		o = json_tokener_parse(*l);
		if (o)
			trace_row(rows, o);
		json_object_put(o);
	}
	for (guint i = 0; i < rows->len && hot == UINT_MAX; i++)
		if (((struct row *)g_ptr_array_index(rows, i))->vname)
			hot = i;
	if (hot == UINT_MAX) {
		fputs("<p class=\"no-chart\">The trace holds no violation to chart.</p>\n", out);
		return;
	}
	first = hot > MSC_BEFORE ? hot - MSC_BEFORE : 0;
	last = MIN(rows->len, hot + 1 + MSC_AFTER);
	fputs(
	    "<figure class=\"msc\">\n<figcaption>Message sequence around the first violation (at ",
	    out);
	fputs(engine_fmt_time(((struct row *)g_ptr_array_index(rows, hot))->t, t, sizeof(t)), out);
	fprintf(out,
	        ", virtual time): %u of the trace's %u drawn events. Red: a failure or a lost "
	        "interrupt; green: a delivery.</figcaption>\n",
	        last - first, rows->len);
	msc_svg(out, id, rows, first, last, hot);
	fputs("</figure>\n", out);
}

/* ---- the grid -------------------------------------------------------- */

struct grid {
	unsigned ndims;   /* 1 (the scenarios) + axes */
	unsigned *size;   /* values per dimension */
	unsigned nrow;    /* the first nrow dimensions go down the side */
	GHashTable *cell; /* "s,v1,v2" -> struct matrix_cell * */
};

static const char *dim_name(const struct matrix *m, unsigned d)
{
	return d ? m->axes[d - 1].name : "scenario";
}

static const char *dim_label(const struct matrix *m, unsigned d, unsigned v)
{
	return d ? m->axes[d - 1].labels[v] : m->scenarios[v].name;
}

static char *coord_key(const unsigned *coord, unsigned n)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, "%s%u", i ? "," : "", coord[i]);
	return g_string_free(s, FALSE);
}

static void grid_init(struct grid *g, const struct matrix *m)
{
	uint64_t cols = 1;

	g->ndims = 1 + m->naxes;
	g->size = g_new(unsigned, g->ndims);
	g->size[0] = m->nscenarios;
	for (unsigned a = 0; a < m->naxes; a++)
		g->size[a + 1] = m->axes[a].nvalues;
	g->nrow = 1 + m->naxes / 2;
	for (unsigned d = g->nrow; d < g->ndims; d++)
		cols *= g->size[d];
	/* a grid wider than 32 columns moves axes down the side */
	while (cols > 32 && g->nrow < g->ndims)
		cols /= g->size[g->nrow++];
	g->cell = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < m->cells->len; i++) {
		struct matrix_cell *c = g_ptr_array_index(m->cells, i);
		g_autofree unsigned *coord = g_new(unsigned, g->ndims);
		coord[0] = c->scenario;
		for (unsigned a = 0; a < m->naxes; a++)
			coord[a + 1] = c->values[a];
		g_hash_table_insert(g->cell, coord_key(coord, g->ndims), c);
	}
}

static void grid_fini(struct grid *g)
{
	g_free(g->size);
	g_hash_table_destroy(g->cell);
}

static bool has_detail(const struct matrix_cell *c)
{
	enum cell_status st = matrix_cell_status(c);

	return st == CELL_XFAIL || st == CELL_FAIL || st == CELL_XPASS;
}

static void grid_write(FILE *out, const struct matrix *m, unsigned mi)
{
	struct grid g;
	unsigned rows = 1, cols = 1;
	g_autofree unsigned *coord = NULL;

	grid_init(&g, m);
	coord = g_new0(unsigned, g.ndims);
	for (unsigned d = 0; d < g.nrow; d++)
		rows *= g.size[d];
	for (unsigned d = g.nrow; d < g.ndims; d++)
		cols *= g.size[d];
	fprintf(out, "<table class=\"grid\" data-rows=\"%u\" data-columns=\"%u\">\n<thead>\n", rows,
	        cols);
	if (g.nrow == g.ndims) {
		fprintf(out, "<tr><th colspan=\"%u\">", g.nrow);
		for (unsigned d = 0; d < g.nrow; d++)
			fprintf(out, "%s%s", d ? " / " : "", dim_name(m, d));
		fputs("</th><th>result</th></tr>\n", out);
	}
	for (unsigned d = g.nrow; d < g.ndims; d++) {
		unsigned repeat = 1, span = 1;
		for (unsigned e = g.nrow; e < d; e++)
			repeat *= g.size[e];
		for (unsigned e = d + 1; e < g.ndims; e++)
			span *= g.size[e];
		fputs("<tr>", out);
		if (d == g.nrow) {
			fprintf(out, "<th colspan=\"%u\" rowspan=\"%u\" class=\"corner\">", g.nrow,
			        g.ndims - g.nrow);
			for (unsigned e = 0; e < g.nrow; e++)
				fprintf(out, "%s%s", e ? " / " : "", dim_name(m, e));
			fputs(" \\ ", out);
			for (unsigned e = g.nrow; e < g.ndims; e++)
				fprintf(out, "%s%s", e > g.nrow ? ", " : "", dim_name(m, e));
			fputs("</th>", out);
		}
		for (unsigned r = 0; r < repeat; r++)
			for (unsigned v = 0; v < g.size[d]; v++) {
				fprintf(out, "<th colspan=\"%u\">%s=", span, dim_name(m, d));
				E(dim_label(m, d, v));
				fputs("</th>", out);
			}
		fputs("</tr>\n", out);
	}
	fputs("</thead>\n<tbody>\n", out);
	for (unsigned r = 0; r < rows; r++) {
		unsigned rest = r;
		/* the row's coordinates, the last row dimension turning fastest */
		for (int d = (int)g.nrow - 1; d >= 0; d--) {
			coord[d] = rest % g.size[d];
			rest /= g.size[d];
		}
		fputs("<tr>", out);
		for (unsigned d = 0; d < g.nrow; d++) {
			unsigned span = 1;
			for (unsigned e = d + 1; e < g.nrow; e++)
				span *= g.size[e];
			if (r % span)
				continue;
			fprintf(out, "<th rowspan=\"%u\">", span);
			if (d)
				fprintf(out, "%s=", dim_name(m, d));
			E(dim_label(m, d, coord[d]));
			fputs("</th>", out);
		}
		for (unsigned col = 0; col < cols; col++) {
			const struct matrix_cell *c;
			g_autofree char *key = NULL;
			unsigned crest = col;

			for (int d = (int)g.ndims - 1; d >= (int)g.nrow; d--) {
				coord[d] = crest % g.size[d];
				crest /= g.size[d];
			}
			key = coord_key(coord, g.ndims);
			c = g_hash_table_lookup(g.cell, key);
			if (!c) {
				fputs("<td class=\"cell excluded\" title=\"excluded\"></td>", out);
				continue;
			}
			{
				enum cell_status st = matrix_cell_status(c);
				g_autofree char *label = matrix_cell_label(m, c);
				const char *cls = !c->in_shard ? "elsewhere" : cell_status_name(st);

				fprintf(out, "<td class=\"cell %s\" data-cell=\"%u\"", cls,
				        c->index);
				if (has_detail(c))
					fprintf(out, " data-detail=\"m%u-c%u\"", mi, c->index);
				fputs(" title=\"", out);
				E(label);
				fprintf(out, ": %s\">",
				        !c->in_shard ? "in another shard" : status_words(st));
				if (has_detail(c))
					fprintf(out, "<a href=\"#m%u-c%u\">%s</a>", mi, c->index,
					        status_symbol(st));
				else
					fputs(c->in_shard ? status_symbol(st) : "", out);
				fputs("</td>", out);
			}
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
	grid_fini(&g);
}

/* ---- details --------------------------------------------------------- */

static void detail_write(FILE *out, const struct matrix *m, unsigned mi,
                         const struct matrix_cell *c, bool chart, report_trace_fn trace, void *ctx)
{
	const struct run_result *r = c->result;
	enum cell_status st = matrix_cell_status(c);
	g_autofree char *label = matrix_cell_label(m, c);
	g_autofree char *cmd = matrix_cell_command(m, c);
	const char *because = matrix_cell_because(m, c);
	char t[32];

	fprintf(out,
	        "<details class=\"detail %s\" id=\"m%u-c%u\">\n<summary><span class=\"tag %s\">%s"
	        "</span>",
	        cell_status_name(st), mi, c->index, cell_status_name(st), status_words(st));
	E(label);
	fputs("</summary>\n<div class=\"body\">\n<p class=\"meta\">", out);
	if (m->file[0]) { /* a matrix's cell; a run has no matrix file */
		fprintf(out, "Cell %u of <code>", c->index);
		E(m->file);
		fputs("</code>: scenario <code>", out);
	} else {
		fputs("Scenario <code>", out);
	}
	E(r->file);
	fprintf(out, "</code>, seed %" G_GUINT64_FORMAT ", ran to t=%s (virtual time).</p>\n",
	        r->seed, engine_fmt_time(r->end_time, t, sizeof(t)));
	if (because) {
		fputs("<p class=\"because\">Expected to fail because: ", out);
		E(because);
		fputs("</p>\n", out);
	}
	if (r->mismatch) {
		fputs("<p class=\"mismatch\">", out);
		E(r->mismatch);
		if (st == CELL_XPASS)
			fputs(": the cell passes now. If a fix made it pass, narrow the matrix's "
			      "\"expect\" rule.",
			      out);
		fputs("</p>\n", out);
	}
	if (r->violations->len) {
		fprintf(out, "<ol class=\"violations\" data-count=\"%u\">\n", r->violations->len);
		for (guint k = 0; k < r->violations->len; k++) {
			const struct run_violation *v = g_ptr_array_index(r->violations, k);
			fputs("<li><code class=\"vname\">", out);
			E(v->name);
			fprintf(out, "</code> <span class=\"t\">t=%s</span> ",
			        engine_fmt_time(v->time, t, sizeof(t)));
			E(v->message);
			fputs("</li>\n", out);
		}
		fputs("</ol>\n", out);
		if (chart && trace) {
			g_autofree char *text = trace(ctx, m, c);
			g_autofree char *id = g_strdup_printf("m%u-c%u", mi, c->index);
			if (text)
				msc(out, id, text);
		} else {
			fprintf(out,
			        "<p class=\"no-chart\">No chart: the report draws at most %u; run "
			        "the cell alone with <code>--html</code> to see it.</p>\n",
			        REPORT_HTML_MAX_CHARTS);
		}
	}
	fputs("<p class=\"repro\">Run it alone: <code>", out);
	E(cmd);
	fputs("</code></p>\n</div>\n</details>\n", out);
}

/* ---- the page -------------------------------------------------------- */

void report_html(FILE *out, const struct report_run *rr, report_trace_fn trace, void *ctx)
{
	struct report_counts n;
	g_autoptr(GHashTable) charted = g_hash_table_new(g_direct_hash, g_direct_equal);
	unsigned budget = REPORT_HTML_MAX_CHARTS;
	bool matrix = !strcmp(rr->command, "matrix");

	/* charts for the cells not as expected first, then those failing as expected */
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < rr->matrices->len; i++) {
			const struct matrix *m = g_ptr_array_index(rr->matrices, i);
			for (guint k = 0; k < m->cells->len && budget; k++) {
				const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
				enum cell_status st = matrix_cell_status(c);
				if (c->in_shard && st == (pass ? CELL_XFAIL : CELL_FAIL) &&
				    c->result->violations->len) {
					g_hash_table_add(charted, (gpointer)c);
					budget--;
				}
			}
		}
	report_count(rr, &n);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	fprintf(out, "hvpci-sim %s report", rr->command);
	if (rr->matrices->len == 1 && matrix) {
		fputs(": ", out);
		E(((const struct matrix *)g_ptr_array_index(rr->matrices, 0))->name);
	}
	fprintf(out,
	        "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>hvpci-sim %s "
	        "report</h1>\n",
	        style, rr->command);
	fprintf(out,
	        "<p class=\"totals\" id=\"totals\" data-cells=\"%u\" data-pass=\"%u\" "
	        "data-xfail=\"%u\" data-fail=\"%u\" data-xpass=\"%u\" data-not-run=\"%u\">%u "
	        "cell(s)%s: <span class=\"%s\">%u pass</span>, <span class=\"%s\">%u fail "
	        "as expected</span>, <span class=\"%s\">%u fail</span>, <span "
	        "class=\"%s\">%u pass unexpectedly</span>",
	        n.cells, n.pass, n.xfail, n.fail, n.xpass, n.not_run, n.cells,
	        rr->shard_n > 1 ? " in this shard" : "", n.pass ? "pass" : "none", n.pass,
	        n.xfail ? "xfail" : "none", n.xfail, n.fail ? "fail" : "none", n.fail,
	        n.xpass ? "xpass" : "none", n.xpass);
	if (n.not_run)
		fprintf(out, ", <span class=\"not-run\">%u not run</span>", n.not_run);
	if (rr->shard_n > 1)
		fprintf(out, " (shard %u/%u)", rr->shard_k + 1, rr->shard_n);
	fputs(".</p>\n", out);
	if (rr->interrupted)
		fputs("<p class=\"mismatch\" id=\"interrupted\">The run was interrupted: cells "
		      "marked \xc2\xb7 did not run.</p>\n",
		      out);
	fputs(
	    "<p class=\"legend\"><span class=\"chip pass\">\xe2\x9c\x93 passes</span><span "
	    "class=\"chip xfail\">\xe2\x9c\x97 fails as expected</span><span class=\"chip "
	    "fail\">\xe2\x9c\x97 fails, not as expected</span><span class=\"chip xpass\">! passes, "
	    "expected to fail</span><span class=\"chip not-run\">\xc2\xb7 not run</span><span "
	    "class=\"chip excluded\">excluded</span> Click a \xe2\x9c\x97 or ! to see its "
	    "violations and a message sequence chart.</p>\n</header>\n",
	    out);
	for (guint i = 0; i < rr->matrices->len; i++) {
		const struct matrix *m = g_ptr_array_index(rr->matrices, i);

		fprintf(out, "<section class=\"matrix\" id=\"m%u\">\n<h2>", i);
		E(m->name);
		if (m->file[0]) {
			fputs(" <small>", out);
			E(m->file);
			fputs("</small>", out);
		}
		fputs("</h2>\n", out);
		if (m->description[0]) {
			fputs("<p class=\"description\">", out);
			E(m->description);
			fputs("</p>\n", out);
		}
		grid_write(out, m, i);
		fputs("<div class=\"details\">\n", out);
		for (guint k = 0; k < m->cells->len; k++) {
			const struct matrix_cell *c = g_ptr_array_index(m->cells, k);
			if (c->in_shard && has_detail(c))
				detail_write(out, m, i, c, g_hash_table_contains(charted, c), trace,
				             ctx);
		}
		fputs("</div>\n</section>\n", out);
	}
	fprintf(out, "<footer>hvpci-sim %s. Times are virtual (simulated) time.</footer>\n",
	        HVPCI_SIM_VERSION);
	fprintf(out, "<script>%s</script>\n</body>\n</html>\n", script);
}
