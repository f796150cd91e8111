/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The named values a scenario can use (profiles, behaviours, driver models,
 * PCI capabilities, fault points and modes, phases, step ops, reach events,
 * violations, host assumptions), in
 * one table: the loader looks names up here and lists them in its errors,
 * `hvpci-sim list` prints them, and the schema test compares them with
 * scenarios/schema.json.
 */
#pragma once

enum catalog_id {
	CAT_PROFILES,
	CAT_BEHAVIOURS,
	CAT_DRIVERS,
	CAT_CAPABILITIES,
	CAT_FAULT_POINTS,
	CAT_FAULT_MODES,
	CAT_PHASES,
	CAT_OPS,
	CAT_REACH,
	CAT_VIOLATIONS,
	CAT_HOST,
	CAT__COUNT
};

struct catalog {
	const char *list;    /* the argument of `hvpci-sim list` */
	const char *heading; /* its heading there */
	const char *noun;    /* what one of them is called in an error */
	unsigned (*count)(void);
	const char *(*name)(unsigned i);
	const char *(*describe)(unsigned i); /* NULL when there is nothing to say */
};

const struct catalog *catalog_get(enum catalog_id id);
/* The index of name, or -1. */
int catalog_lookup(enum catalog_id id, const char *name);
/* "a, b, c": every name, for an error message (g_free it). */
char *catalog_names(enum catalog_id id);
