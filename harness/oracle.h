/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Oracles: they watch the host and the guest from outside and report
 * violations (violations.h) in the words of the domain. None of them
 * knows which guest behaviours are switched on.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcifront/gk.h"
#include "vmbus-sim/tracepoint.h"
#include "vmbus-sim/vm.h"
#include "violations.h"

struct oracle {
	struct engine *e;
	struct hv_vm *vm;
	struct gk *g;
	unsigned next_record; /* fire records not looked at yet start here */
	GArray *watch;        /* ids of records pending legitimately */
	uint64_t handled[GK_MAX_BUSES][GK_MAX_VECS];
	unsigned guest_errors;
	bool required[TP__COUNT];
	struct violation_list *vl;
};

void oracle_init(struct oracle *o, struct engine *e, struct hv_vm *vm, struct gk *g);
void oracle_fini(struct oracle *o);
/* Handler counts live in guest memory; after a resume they are the image's. */
void oracle_rebaseline(struct oracle *o);
/* Every fired vector reached its handler once, or waits legitimately. */
void oracle_check_delivery(struct oracle *o);
/* Mask and remapping coherence; only meaningful with the guest running. */
void oracle_check_quiescent(struct oracle *o);
/* Guest errors and tasks that can never run again. */
void oracle_check_progress(struct oracle *o);
/* Run-level checks: reachability, protocol hygiene. */
void oracle_check_end(struct oracle *o);
