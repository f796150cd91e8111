/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where each value of a JSON text sits: a second, tiny pass over text that
 * json-c has already accepted, recording line:col for every member and
 * element under its path ("vm.vcpus", "steps[2].op"). It also finds what
 * json-c lets through but a strict scenario file must not hold: duplicate
 * keys and the non-standard literals NaN and Infinity.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
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
