/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace.h"

#include <glib.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

struct trace {
	trace_line_fn fn;
	void *ctx;
	FILE *f;
	GString *mem;
	char *buf; /* the line being formatted */
	size_t cap;
	size_t len;
};

static struct trace *trace_new(void)
{
	struct trace *t = g_new0(struct trace, 1);

	t->cap = 1024;
	t->buf = g_malloc(t->cap);
	return t;
}

struct trace *trace_new_file(FILE *f)
{
	struct trace *t = trace_new();

	t->f = f;
	return t;
}

struct trace *trace_new_memory(void)
{
	struct trace *t = trace_new();

	t->mem = g_string_sized_new(4096);
	return t;
}

struct trace *trace_new_callback(trace_line_fn fn, void *ctx)
{
	struct trace *t = trace_new();

	t->fn = fn;
	t->ctx = ctx;
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
	g_free(t->buf);
	g_free(t);
}

/* ---- formatting a line: one buffer, reused, no allocation per event ---- */

/* Room for n more bytes. */
static inline char *room(struct trace *t, size_t n)
{
	if (G_UNLIKELY(t->len + n > t->cap)) {
		while (t->len + n > t->cap)
			t->cap *= 2;
		t->buf = g_realloc(t->buf, t->cap);
	}
	return t->buf + t->len;
}

static inline void put(struct trace *t, const char *s, size_t n)
{
	memcpy(room(t, n), s, n);
	t->len += n;
}

static inline void put_str(struct trace *t, const char *s)
{
	put(t, s, strlen(s));
}

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* Two digits per division, and 32-bit divisions once the value fits. */
static void put_u64(struct trace *t, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);
	uint32_t w;

	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		p -= 2;
		memcpy(p, &digit_pairs[2 * r], 2);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		unsigned r = w % 100;
		w /= 100;
		p -= 2;
		memcpy(p, &digit_pairs[2 * r], 2);
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, &digit_pairs[2 * w], 2);
	} else {
		*--p = (char)('0' + w);
	}
	put(t, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void put_hex(struct trace *t, uint64_t v, bool alt, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[18], *p = tmp + sizeof(tmp);
	bool zero = v == 0;

	do
		*--p = digits[v & 0xf];
	while (v >>= 4);
	/* printf: the '#' flag adds 0x only to a non-zero value */
	if (alt && !zero) {
		*--p = upper ? 'X' : 'x';
		*--p = '0';
	}
	put(t, p, (size_t)(tmp + sizeof(tmp) - p));
}

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static int64_t arg_signed(va_list *ap, enum len_mod m)
{
	switch (m) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ssize_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum len_mod m)
{
	switch (m) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/*
 * printf for what trace fields use: %d %i %u %x %X %s %c %% with the '#'
 * flag and the hh h l ll z j t length modifiers, producing exactly what
 * printf produces for them. Anything else (a width, a precision, other
 * flags or conversions) makes it give up and return false; the caller then
 * formats the fields again from the start with vsnprintf.
 */
static bool format_fields(struct trace *t, const char *fmt, va_list *ap)
{
	for (const char *p = fmt;;) {
		const char *pct = strchr(p, '%');

		if (!pct) {
			put_str(t, p);
			return true;
		}
		enum len_mod m = LEN_NONE;
		bool alt = false;

		put(t, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '#') {
			alt = true;
			p++;
		}
		switch (*p) {
		case 'h':
			m = p[1] == 'h' ? (p++, LEN_HH) : LEN_H;
			p++;
			break;
		case 'l':
			m = p[1] == 'l' ? (p++, LEN_LL) : LEN_L;
			p++;
			break;
		case 'z':
			m = LEN_Z;
			p++;
			break;
		case 'j':
			m = LEN_J;
			p++;
			break;
		case 't':
			m = LEN_T;
			p++;
			break;
		}
		switch (*p++) {
		case 'd':
		case 'i': {
			int64_t v;
			if (alt)
				return false;
			v = arg_signed(ap, m);
			if (v < 0) {
				put(t, "-", 1);
				put_u64(t, (uint64_t)0 - (uint64_t)v);
			} else {
				put_u64(t, (uint64_t)v);
			}
			break;
		}
		case 'u':
			if (alt)
				return false;
			put_u64(t, arg_unsigned(ap, m));
			break;
		case 'x':
			put_hex(t, arg_unsigned(ap, m), alt, false);
			break;
		case 'X':
			put_hex(t, arg_unsigned(ap, m), alt, true);
			break;
		case 's': {
			const char *s;
			if (alt || m != LEN_NONE)
				return false;
			s = va_arg(*ap, const char *);
			put_str(t, s ? s : "(null)");
			break;
		}
		case 'c': {
			char c;
			if (alt || m != LEN_NONE)
				return false;
			c = (char)va_arg(*ap, int);
			put(t, &c, 1);
			break;
		}
		case '%':
			if (alt || m != LEN_NONE)
				return false;
			put(t, "%", 1);
			break;
		default:
			return false;
		}
	}
}

static void format_fields_slow(struct trace *t, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(room(t, 0), t->cap - t->len, fmt, ap);
	if (n >= 0 && (size_t)n >= t->cap - t->len) {
		room(t, (size_t)n + 1);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, again);
	}
	va_end(again);
	if (n > 0)
		t->len += (size_t)n;
}

void trace_emit(struct trace *t, struct engine *e, const char *comp, const char *ev,
                const char *fields_fmt, ...)
{
	va_list ap;

	t->len = 0;
	put(t, "{\"t\":", 5);
	put_u64(t, engine_now(e));
	put(t, ",\"task\":\"", 9);
	put_str(t, task_name(task_current(e)));
	put(t, "\",\"comp\":\"", 10);
	put_str(t, comp);
	put(t, "\",\"ev\":\"", 8);
	put_str(t, ev);
	put(t, "\"", 1);
	if (fields_fmt && fields_fmt[0]) {
		size_t start;
		va_list copy;
		bool ok;

		put(t, ",", 1);
		start = t->len;
		va_start(ap, fields_fmt);
		va_copy(copy, ap);
		ok = format_fields(t, fields_fmt, &copy);
		va_end(copy);
		if (!ok) {
			t->len = start;
			format_fields_slow(t, fields_fmt, ap);
		}
		va_end(ap);
	}
	put(t, "}\n", 2);
	*room(t, 1) = '\0'; /* a C string too, for the callback; not in len */
	if (t->mem)
		g_string_append_len(t->mem, t->buf, (gssize)t->len);
	if (t->f)
		fwrite_unlocked(t->buf, 1, t->len, t->f);
	if (t->fn)
		t->fn(t->ctx, comp, ev, t->buf, t->len);
}
