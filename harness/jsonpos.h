/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where each value of a JSON text sits: a second, tiny pass over text that
 * json-c has already accepted, recording line:col for every member and
 * element under its path ("vm.vcpus", "steps[2].op"). It also finds what
 * json-c lets through but a strict scenario file must not hold: duplicate
 * keys and the non-standard literals NaN and Infinity.
 *
 * Also what both strict loaders (scenarios and matrices) share: the strict
 * parse itself, the noun for a value's type, and the unknown-member check.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stddef.h>

struct jpos {
	unsigned key_line, key_col; /* the member's key; the value's for array elements */
	unsigned line, col;         /* the value */
	size_t off;                 /* the value's first byte in the text */
};

struct jpos_index;

/* NULL, with problem, line and col set, when the text holds a duplicate key or a
 * non-standard literal. */
struct jpos_index *jpos_scan(const char *text, size_t len, char **problem, unsigned *line,
                             unsigned *col);
void jpos_index_free(struct jpos_index *idx);

/* The position of the value at path, or of its nearest enclosing value that
 * exists in the text; false only if not even the root is known. */
bool jpos_lookup(const struct jpos_index *idx, const char *path, struct jpos *out);
/* true if path itself appears in the text (not only an ancestor). */
bool jpos_exact(const struct jpos_index *idx, const char *path);

/* 1-based line and column (in characters, not bytes) of a byte offset. */
void jpos_linecol(const char *text, size_t len, size_t offset, unsigned *line, unsigned *col);

enum jpos_parse_error {
	JPOS_PARSE_OK,
	JPOS_PARSE_SYNTAX, /* not strict JSON, a NUL byte, or text after the value */
	JPOS_PARSE_NULL,   /* the text is the literal null */
};

/* Parses text[0..len) (text[len] must be a NUL) strictly, as UTF-8 JSON with
 * nothing after the value. On failure returns NULL with *problem (g_free it)
 * and the 1-based *line and *col; what names the document in messages
 * ("scenario", "matrix"). */
json_object *jpos_parse_strict(const char *text, size_t len, const char *what,
                               enum jpos_parse_error *err, char **problem, unsigned *line,
                               unsigned *col);

/* "an integer", "a string", "null", ...: for "expected X, got Y". */
const char *jpos_type_noun(json_object *v);
/* The first member of obj whose key is not in allowed (NULL-terminated),
 * or NULL. */
const char *jpos_unknown_member(json_object *obj, const char *const *allowed);
