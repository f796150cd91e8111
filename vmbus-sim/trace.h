/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The structured trace: one JSON object per line,
 *   {"t":<ns>,"task":"<task or ->","comp":"<component>","ev":"<event>",<fields>}
 * TRACE() costs one pointer test when tracing is off.
 */
#pragma once

#include <stdio.h>
#include "engine.h"

struct trace;

/* Writes to f (not closed by trace_free), one fwrite per line. A trace is
 * about 60 KB a hibernation cycle: whoever opens f should give it a buffer
 * of TRACE_FILE_BUFFER bytes (setvbuf, with a buffer of its own: glibc
 * ignores the size without one), not a write(2) per 4 KB. */
#define TRACE_FILE_BUFFER (1 << 20)
struct trace *trace_new_file(FILE *f);
/* Collects into memory; trace_contents() returns it. */
struct trace *trace_new_memory(void);
/* Hands every line (with its newline) to fn as it is emitted, with its
 * component and event. */
typedef void (*trace_line_fn)(void *ctx, const char *comp, const char *ev, const char *line,
                              size_t len);
struct trace *trace_new_callback(trace_line_fn fn, void *ctx);
const char *trace_contents(const struct trace *t);
void trace_free(struct trace *t);

/* fields_fmt formats the JSON members after "ev", without a leading comma;
 * it may be "" for none. */
void trace_emit(struct trace *t, struct engine *e, const char *comp, const char *ev,
                const char *fields_fmt, ...) __attribute__((format(printf, 5, 6)));

#define TRACE(e, comp, ev, ...)                                                                    \
	do {                                                                                       \
		struct trace *trace_ = engine_trace(e);                                            \
		if (__builtin_expect(trace_ != NULL, 0))                                           \
			trace_emit(trace_, (e), (comp), (ev), __VA_ARGS__);                        \
	} while (0)
