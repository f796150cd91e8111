/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace.h"

#include <glib.h>
#include <stdarg.h>

struct trace {
	trace_line_fn fn;
	void *ctx;
	FILE *f;
	GString *mem;
	GString *line;
};

struct trace *trace_new_file(FILE *f)
{
	struct trace *t = g_new0(struct trace, 1);

	t->f = f;
	t->line = g_string_sized_new(256);
	return t;
}

struct trace *trace_new_memory(void)
{
	struct trace *t = g_new0(struct trace, 1);

	t->mem = g_string_sized_new(4096);
	t->line = g_string_sized_new(256);
	return t;
}

struct trace *trace_new_callback(trace_line_fn fn, void *ctx)
{
	struct trace *t = g_new0(struct trace, 1);

	t->fn = fn;
	t->ctx = ctx;
	t->line = g_string_sized_new(256);
	return t;
}

const char *trace_contents(const struct trace *t)
{
	return t->mem ? t->mem->str : "";
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	if (t->mem)
		g_string_free(t->mem, TRUE);
	g_string_free(t->line, TRUE);
	g_free(t);
}

void trace_emit(struct trace *t, struct engine *e, const char *comp, const char *ev,
                const char *fields_fmt, ...)
{
	va_list ap;

	g_string_printf(
	    t->line, "{\"t\":%" G_GUINT64_FORMAT ",\"task\":\"%s\",\"comp\":\"%s\",\"ev\":\"%s\"",
	    engine_now(e), task_name(task_current(e)), comp, ev);
	if (fields_fmt && fields_fmt[0]) {
		g_string_append_c(t->line, ',');
		va_start(ap, fields_fmt);
		g_string_append_vprintf(t->line, fields_fmt, ap);
		va_end(ap);
	}
	g_string_append(t->line, "}\n");
	if (t->mem)
		g_string_append_len(t->mem, t->line->str, (gssize)t->line->len);
	if (t->f)
		fwrite(t->line->str, 1, t->line->len, t->f);
	if (t->fn)
		t->fn(t->ctx, comp, ev, t->line->str, t->line->len);
}
