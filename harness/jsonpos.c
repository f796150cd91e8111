/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "jsonpos.h"

#include <string.h>

struct jpos_index {
	GHashTable *at; /* path -> struct jpos; looked up only, never iterated */
};

struct scan {
	const char *p, *end, *text;
	unsigned line, col;
	struct jpos_index *idx;
	char *problem;
	unsigned pline, pcol;
};

static void advance(struct scan *s)
{
	unsigned char c = (unsigned char)*s->p++;

	if (c == '\n') {
		s->line++;
		s->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		s->col++;
	}
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p) && *s->p)
		advance(s);
}

static bool fail(struct scan *s, char *problem)
{
	if (!s->problem) {
		s->problem = problem;
		s->pline = s->line;
		s->pcol = s->col;
	} else {
		g_free(problem);
	}
	return false;
}

/* The raw text of a string token (escapes left as written), advancing past it. */
static char *string_token(struct scan *s)
{
	const char *start;

	advance(s); /* opening quote */
	start = s->p;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->p + 1 < s->end)
			advance(s);
		advance(s);
	}
	char *raw = g_strndup(start, (gsize)(s->p - start));
	if (s->p < s->end)
		advance(s); /* closing quote */
	return raw;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		if (!g_ascii_isxdigit(p[i]))
			return -1;
		v = v * 16 + g_ascii_xdigit_value(p[i]);
	}
	return v;
}

/* A member name as json-c keeps it: escapes decoded (a lone surrogate as
 * U+FFFD), cut at the first NUL (json-c's names are C strings). So
 * "n\u0061me" and "name" are the same key, as they are to json-c. */
static char *decode_key(const char *raw)
{
	GString *out = g_string_sized_new(strlen(raw));
	const char *p = raw;

	while (*p) {
		int u, lo;

		if (*p != '\\' || !p[1]) {
			g_string_append_c(out, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case 'b':
			g_string_append_c(out, '\b');
			break;
		case 'f':
			g_string_append_c(out, '\f');
			break;
		case 'n':
			g_string_append_c(out, '\n');
			break;
		case 'r':
			g_string_append_c(out, '\r');
			break;
		case 't':
			g_string_append_c(out, '\t');
			break;
		case 'u':
			u = hex4(p + 1);
			if (u < 0) {
				g_string_append_c(out, *p);
				break;
			}
			p += 4;
			if (u >= 0xD800 && u <= 0xDBFF && p[1] == '\\' && p[2] == 'u' &&
			    (lo = hex4(p + 3)) >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (u >= 0xD800 && u <= 0xDFFF) {
				u = 0xFFFD;
			}
			if (!u)
				return g_string_free(out, FALSE);
			g_string_append_unichar(out, (gunichar)u);
			break;
		default: /* \" \\ \/ */
			g_string_append_c(out, *p);
			break;
		}
		p++;
	}
	return g_string_free(out, FALSE);
}

static bool value(struct scan *s, const char *path, unsigned depth);

static void record(struct scan *s, const char *path, unsigned kl, unsigned kc)
{
	struct jpos *pos = g_new(struct jpos, 1);

	pos->key_line = kl;
	pos->key_col = kc;
	pos->line = s->line;
	pos->col = s->col;
	pos->off = (size_t)(s->p - s->text);
	g_hash_table_replace(s->idx->at, g_strdup(path), pos);
}

/* After a member or element: true if a ',' says another follows, false
 * once the closing bracket is passed; anything else ends the text (the
 * caller then reports it unterminated). */
static bool more(struct scan *s, char close)
{
	skip_ws(s);
	if (s->p < s->end && *s->p == ',') {
		advance(s);
		skip_ws(s);
		return true;
	}
	if (s->p < s->end && *s->p == close) {
		advance(s);
		return false;
	}
	s->p = s->end;
	return true;
}

static bool object(struct scan *s, const char *path, unsigned depth)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	advance(s); /* { */
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		advance(s);
		return true;
	}
	while (s->p < s->end) {
		unsigned kl = s->line, kc = s->col;
		char *key, *raw;
		g_autofree char *child = NULL;

		if (*s->p != '"')
			return fail(
			    s, g_strdup("not valid JSON: a member name must be in double quotes"));
		raw = string_token(s);
		key = decode_key(raw);
		g_free(raw);
		if (g_hash_table_contains(seen, key)) {
			s->line = kl, s->col = kc;
			fail(s, g_strdup_printf("duplicate key \"%s\"", key));
			g_free(key);
			return false;
		}
		child = *path ? g_strdup_printf("%s.%s", path, key) : g_strdup(key);
		g_hash_table_add(seen, key);
		skip_ws(s);
		if (s->p < s->end && *s->p == ':')
			advance(s);
		skip_ws(s);
		record(s, child, kl, kc);
		if (!value(s, child, depth + 1))
			return false;
		if (!more(s, '}'))
			return true;
	}
	return fail(s, g_strdup("unterminated object"));
}

static bool array(struct scan *s, const char *path, unsigned depth)
{
	advance(s); /* [ */
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		advance(s);
		return true;
	}
	for (unsigned i = 0; s->p < s->end; i++) {
		g_autofree char *child = g_strdup_printf("%s[%u]", path, i);

		record(s, child, s->line, s->col);
		if (!value(s, child, depth + 1))
			return false;
		if (!more(s, ']'))
			return true;
	}
	return fail(s, g_strdup("unterminated array"));
}

static bool literal(struct scan *s)
{
	static const char *const ok[] = {"true", "false", "null"};
	const char *start = s->p;
	size_t n;

	while (s->p < s->end && !strchr(" \t\r\n,]}", *s->p))
		s->p++;
	n = (size_t)(s->p - start);
	s->col += (unsigned)n;
	for (unsigned i = 0; i < G_N_ELEMENTS(ok); i++)
		if (n == strlen(ok[i]) && memcmp(start, ok[i], n) == 0)
			return true;
	if (n && (g_ascii_isdigit(*start) || *start == '-')) {
		/* a JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
		const char *q = start, *e = start + n;
		if (*q == '-')
			q++;
		if (q < e && g_ascii_isdigit(*q)) {
			if (*q == '0')
				q++;
			else
				while (q < e && g_ascii_isdigit(*q))
					q++;
			if (q < e && *q == '.') {
				const char *f = ++q;
				while (q < e && g_ascii_isdigit(*q))
					q++;
				if (q == f)
					q = e + 1;
			}
			if (q < e && (*q == 'e' || *q == 'E')) {
				q++;
				if (q < e && (*q == '+' || *q == '-'))
					q++;
				const char *x = q;
				while (q < e && g_ascii_isdigit(*q))
					q++;
				if (q == x)
					q = e + 1;
			}
			if (q == e)
				return true;
		}
	}
	s->col -= (unsigned)n;
	s->p = start;
	return fail(s, g_strdup_printf("not valid JSON: \"%.*s\" is not a JSON value",
	                               (int)MIN(n, 20), start));
}

static bool value(struct scan *s, const char *path, unsigned depth)
{
	if (depth > 256)
		return fail(s, g_strdup("nesting too deep"));
	if (s->p >= s->end)
		return fail(s, g_strdup("unexpected end of text"));
	switch (*s->p) {
	case '{':
		return object(s, path, depth);
	case '[':
		return array(s, path, depth);
	case '"':
		g_free(string_token(s));
		return true;
	default:
		return literal(s);
	}
}

struct jpos_index *jpos_scan(const char *text, size_t len, char **problem, unsigned *line,
                             unsigned *col)
{
	struct scan s = {.p = text, .end = text + len, .text = text, .line = 1, .col = 1};

	s.idx = g_new0(struct jpos_index, 1);
	s.idx->at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	skip_ws(&s);
	record(&s, "", s.line, s.col);
	if (!value(&s, "", 0)) {
		*problem = s.problem;
		*line = s.pline;
		*col = s.pcol;
		jpos_index_free(s.idx);
		return NULL;
	}
	return s.idx;
}

void jpos_index_free(struct jpos_index *idx)
{
	if (!idx)
		return;
	g_hash_table_destroy(idx->at);
	g_free(idx);
}

bool jpos_exact(const struct jpos_index *idx, const char *path)
{
	return g_hash_table_contains(idx->at, path);
}

bool jpos_lookup(const struct jpos_index *idx, const char *path, struct jpos *out)
{
	g_autofree char *p = g_strdup(path);

	for (;;) {
		const struct jpos *pos = g_hash_table_lookup(idx->at, p);
		char *cut;

		if (pos) {
			*out = *pos;
			return true;
		}
		if (!*p)
			return false;
		cut = MAX(strrchr(p, '.'), strrchr(p, '['));
		if (cut)
			*cut = '\0';
		else
			*p = '\0';
	}
}

void jpos_linecol(const char *text, size_t len, size_t offset, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < offset && i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '\n')
			l++, c = 1;
		else if ((ch & 0xC0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}

json_object *jpos_parse_strict(const char *text, size_t len, const char *what,
                               enum jpos_parse_error *err, char **problem, unsigned *line,
                               unsigned *col)
{
	const char *nul = memchr(text, '\0', len);
	enum json_tokener_error jerr;
	json_tokener *tok;
	json_object *root;
	size_t end;

	*err = JPOS_PARSE_SYNTAX;
	if (nul) {
		jpos_linecol(text, len, (size_t)(nul - text), line, col);
		*problem = g_strdup_printf("a NUL byte; %s files are UTF-8 text", what);
		return NULL;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* passing the terminating NUL lets a trailing number end cleanly */
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_success) {
		size_t start = strspn(text, " \t\r\n");
		end = MIN(end, len);
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end >= len && root) {
			*err = JPOS_PARSE_OK;
			return root;
		}
		json_object_put(root);
		if (end >= len) { /* the text is "null", which json-c gives as NULL */
			*err = JPOS_PARSE_NULL;
			jpos_linecol(text, len, start, line, col);
			*problem = g_strdup_printf("a %s is a JSON object, not null", what);
			return NULL;
		}
		jpos_linecol(text, len, end, line, col);
		*problem = g_strdup_printf("unexpected text after the %s object", what);
		return NULL;
	}
	json_object_put(root);
	if (end > len || jerr == json_tokener_continue)
		end = len;
	jpos_linecol(text, len, end, line, col);
	*problem = g_strdup_printf("not valid JSON: %s", jerr == json_tokener_continue || end >= len
	                                                     ? "unexpected end of file"
	                                                     : json_tokener_error_desc(jerr));
	return NULL;
}

const char *jpos_type_noun(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fractional number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a value";
}

const char *jpos_unknown_member(json_object *obj, const char *const *allowed)
{
	json_object_object_foreach(obj, key, val)
	{
		bool ok = false;
		(void)val;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			return key;
	}
	return NULL;
}
