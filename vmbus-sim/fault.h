/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named fault points and the rules that fire them: once, on the nth hit, on
 * every hit, or with a probability drawn from the seeded PRNG; optionally
 * only during a named phase. Rules can be switched on and off mid-run.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "engine.h"
#include "tracepoint.h"

enum fault_point {
	FP_HYPERCALL_RETARGET,   /* the hypercall returns the rule's status */
	FP_VSP_CREATE_INTERRUPT, /* CREATE_INTERRUPT completes with the rule's status */
	FP_VSP_D0_ENTRY,         /* BUS_D0ENTRY completes with the rule's status */
	FP_VMBUS_SEND,           /* a guest packet is lost before the host reads it */
	FP__COUNT
};

enum fault_mode { FAULT_ONCE, FAULT_NTH, FAULT_EVERY, FAULT_PROBABILITY };

struct fault_rule {
	const char *name;
	enum fault_point point;
	enum fault_mode mode;
	unsigned n;         /* FAULT_NTH: the hit that fails, from 1 */
	double probability; /* FAULT_PROBABILITY */
	int phase;          /* -1: any phase */
	bool enabled;
	bool status_set;
	uint64_t status;
};

struct faults;

struct faults *faults_new(struct engine *e);
void faults_free(struct faults *f);
/* Copies the rule (and its name). */
void faults_add(struct faults *f, const struct fault_rule *rule);
/* Returns false if no rule has that name. */
bool faults_set_enabled(struct faults *f, const char *name, bool enabled);
/* The rules in the order they are checked: the rule as it stands now, the
 * hits it saw (while enabled and in its phase) and how often it fired. */
unsigned faults_rule_count(const struct faults *f);
bool faults_rule_get(const struct faults *f, unsigned i, struct fault_rule *rule, unsigned *hits,
                     unsigned *fired);

/* Called at a fault point: true if the point fails this time; *status is
 * the status to report (the rule's, else the point's default). */
bool fault_check(struct faults *f, enum fault_point p, uint64_t *status);
/* How often a point has been hit (failed or not). */
unsigned fault_hits(const struct faults *f, enum fault_point p);

const char *fault_point_name(enum fault_point p);
int fault_point_lookup(const char *name);
uint64_t fault_point_default_status(enum fault_point p);
const char *fault_point_description(enum fault_point p);
const char *fault_mode_name(enum fault_mode m);
int fault_mode_lookup(const char *name);

/* Phases are marked by the guest's PM code (tp_phase); the rules follow
 * them through a tracepoint probe. A rule limited to a phase matches while
 * that phase is open. */
void faults_phase_enter(struct faults *f, enum phase p);
void faults_phase_exit(struct faults *f, enum phase p);
bool faults_in_phase(const struct faults *f, enum phase p);
