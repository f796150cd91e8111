/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Oracles: they watch the world through the observation API and report
 * violations (violations.h) in the words of the domain. None of them knows
 * which guest behaviours are switched on, nor which backend runs the world.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "../vmbus-sim/tracepoint.h"
#include "observe.h"
#include "violations.h"

struct engine;

struct oracle {
	struct engine *e; /* the world's clock, trace and tracepoints */
	const struct observation *obs;
	struct violation_list *vl;
	unsigned ndev;
	unsigned *nvec;       /* per device: its MSI-X table size */
	uint64_t **handled;   /* per device and vector: handler count last seen */
	unsigned **delivered; /* per device and vector: scratch for one check */
	unsigned next_record; /* fire records not looked at yet start here */
	GArray *watch;        /* ids of records pending legitimately */
	unsigned guest_errors;
	bool allow_abort; /* the step under judgement may abort a hibernation */
	bool required[TP__COUNT];
	bool keep_fires; /* never release judged fire records (someone shows them) */
};

void oracle_init(struct oracle *o, struct engine *e, const struct observation *obs);
void oracle_fini(struct oracle *o);
/* Handler counts live in guest memory; after a resume they are the image's. */
void oracle_rebaseline(struct oracle *o);
/* Every fired vector reached its handler once, or waits legitimately. */
void oracle_check_delivery(struct oracle *o);
/* Mask and remapping coherence; only meaningful with the guest running. */
void oracle_check_quiescent(struct oracle *o);
/* The same for one device, when nothing else can have changed since the
 * last oracle_check_quiescent(). */
void oracle_check_quiescent_device(struct oracle *o, unsigned dev);
/* Guest errors and tasks that can never run again. True if a hibernation
 * aborted since the last call (reported unless o->allow_abort). */
bool oracle_check_progress(struct oracle *o);
/* Run-level checks: reachability, protocol hygiene. */
void oracle_check_end(struct oracle *o);
