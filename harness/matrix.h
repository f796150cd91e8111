/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Matrix files: base scenarios crossed with axes of --set overrides, minus
 * excluded cells, with the verdict each cell is expected to give. Loaded
 * strictly (like scenario files, errors with file:line:col) and expanded
 * into cells in a fixed order: scenarios in the order listed, then the
 * axes as an odometer, the last axis turning fastest.
 *
 * A plain list of scenarios (hvpci-sim run) is a matrix without axes whose
 * cells keep their scenarios' own expectations; the reports know only
 * matrices.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "runner.h"
#include "scenario.h"

#define MATRIX_MAX_CELLS 1000000u

#define MATRIX_ERROR (matrix_error_quark())
GQuark matrix_error_quark(void);
enum matrix_error_code {
	MATRIX_ERROR_IO,
	MATRIX_ERROR_SYNTAX,
	MATRIX_ERROR_SCHEMA,
	MATRIX_ERROR_CELL, /* a cell's scenario does not load with its overrides */
};

struct matrix_axis {
	char *name; /* "profile" */
	char *path; /* "guest.profile", as written */
	unsigned nvalues;
	char **labels; /* how a value is shown: "linux-5.9", "1.4", "true" */
	char **json;   /* the value as JSON text, for --set */
	char *where;   /* "axes[0]" */
	bool range;    /* from "range" */
	bool star;     /* from "*" */
};

struct matrix_scenario {
	char *file; /* as found: the matrix's directory joined with the pattern */
	char *name; /* the scenario's name (its file name if it has none) */
	char *text; /* the file's contents, read once */
	size_t len;
	unsigned origin; /* which "scenarios" entry found it */
};

enum cell_status {
	CELL_NOT_RUN, /* excluded from this run: another shard's, or interrupted */
	CELL_PASS,    /* no violation, as expected */
	CELL_XFAIL,   /* failed as expected */
	CELL_FAIL,    /* not as expected: failed, or failed without an expected violation */
	CELL_XPASS,   /* not as expected: expected to fail, and passed */
};

struct matrix_cell {
	unsigned index;            /* in its matrix, counting only cells not excluded */
	unsigned scenario;         /* index into scenarios */
	unsigned *values;          /* per axis: the index of its value */
	int rule;                  /* the expect rule that decided, or -1 (expected to pass) */
	bool in_shard;             /* runs in this invocation */
	struct scenario *s;        /* loaded when in_shard (matrix_load_cells) */
	struct run_result *result; /* once run */
};

struct matrix_rule {
	bool expect_pass;
	char **violations; /* NULL-terminated, may be empty */
	char *because;     /* may be NULL */
};

struct matrix {
	char *file;
	char *name;
	char *description;
	bool own_expect; /* false: cells keep their scenarios' "expect" */
	char **sets;     /* the matrix's "set", as PATH=JSON, NULL-terminated */
	struct matrix_scenario *scenarios;
	unsigned nscenarios;
	struct matrix_axis *axes;
	unsigned naxes;
	struct matrix_rule *rules;
	unsigned nrules;
	GPtrArray *cells; /* struct matrix_cell *, in order */
	unsigned excluded;
};

struct matrix *matrix_load(const char *path, GError **error);
struct matrix *matrix_load_data(const char *label, const char *data, size_t len, GError **error);
/* A run of scenario files: one cell per loaded scenario (taken over). */
struct matrix *matrix_from_scenarios(const char *name, GPtrArray *scenarios);
void matrix_free(struct matrix *m);

/* Marks the cells with global index first + i where (first + i) % n == k
 * (0-based k < n); returns how many cells the matrix has. */
unsigned matrix_shard(struct matrix *m, unsigned first, unsigned k, unsigned n);
/* Loads every in-shard cell's scenario with its overrides. On errors,
 * reports up to max_errors of them (a GError each, appended to errors)
 * and returns false. */
bool matrix_load_cells(struct matrix *m, GPtrArray *errors, unsigned max_errors);

/* "persistent-driver[profile=linux-5.9,driver=keep-vectors]" (g_free it). */
char *matrix_cell_label(const struct matrix *m, const struct matrix_cell *c);
/* The overrides that make this cell, as --set arguments (g_strfreev it). */
char **matrix_cell_sets(const struct matrix *m, const struct matrix_cell *c);
/* A command line that runs this cell alone (g_free it). */
char *matrix_cell_command(const struct matrix *m, const struct matrix_cell *c);
const char *matrix_cell_because(const struct matrix *m, const struct matrix_cell *c);
enum cell_status matrix_cell_status(const struct matrix_cell *c);
const char *cell_status_name(enum cell_status st); /* "pass", "xfail", ... */
