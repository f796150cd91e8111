/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one step vocabulary: every step op declared once, with its name, the
 * fields it takes, what it means and what it does to a world through the
 * backend seam. The loader, `list`, the schema test, the runner and (later)
 * the console read this table.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "backend.h"
#include "scenario.h"

/* What a step handler works on. */
struct step_world {
	const struct backend_ops *ops;
	void *b;
	const struct scenario *s;
};

enum step_after {
	STEP_QUIET,   /* the guest runs and is quiet: all oracles may look */
	STEP_MOVING,  /* the world may be mid-way (powered off, a fault armed): no coherence checks
	               */
	STEP_STUCK,   /* the guest could not finish: the run stops here */
	STEP_REBASED, /* quiet, and the guest is a new kernel: handler counts start over */
	STEP_QUIET_DEVICE, /* quiet, and only the step's device can have changed (a fire: its
	                    * interrupts ran the interrupt path and no guest task) */
};

/* What the loader knows while it reads the steps in order. */
struct step_state {
	unsigned index; /* of the step being loaded */
	bool running;   /* the VM is on after the steps before it */
	bool online[SCN_MAX_VCPUS];
};

struct loader;

struct step_desc {
	const char *name;
	const char *const *fields; /* besides "op", NULL-terminated */
	const char *about;
	/* Reads the op's fields from st (at path p) into step, checking them
	 * against s and state; false after reporting the first error. */
	bool (*load)(struct loader *ld, const char *p, json_object *st, struct scenario *s,
	             struct scn_step *step, struct step_state *state);
	/* *result: 0, or the negative errno the guest's operation returned. */
	enum step_after (*run)(const struct step_world *w, const struct scn_step *st, int *result);
	/* The same in parts, on a backend that runs a world a step at a time
	 * (the console): begin starts the step and returns true when the world
	 * must then run (one ops->run_one at a time) until nothing is due at
	 * or before *limit; end says what run would have. begin, then run_one
	 * until false, then end does what run does, in the same order. */
	bool (*begin)(const struct step_world *w, const struct scn_step *st, uint64_t *limit);
	enum step_after (*end)(const struct step_world *w, const struct scn_step *st, int *result);
};

const struct step_desc *step_desc(enum scn_op op);
int step_lookup(const char *name); /* -1 if unknown */
/* "op" and the fields of every op, NULL-terminated. */
const char *const *step_all_fields(void);
