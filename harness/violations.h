/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Violations: every kind the oracles can report, declared once (its name
 * "oracle.kind" and what it means), and the list a run collects, each
 * problem reported once per subject, in the order found.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct engine;

enum violation_id {
	V_DELIVERY_LOST,
	V_DELIVERY_STUCK_PENDING,
	V_DELIVERY_MISROUTED,
	V_DELIVERY_DUPLICATE,
	V_DELIVERY_DMA_TO_ZERO,
	V_MASK_STUCK_MASKED,
	V_MASK_CACHE_MISMATCH,
	V_REMAP_NO_ENTRY,
	V_REMAP_OFFLINE_TARGET,
	V_REMAP_WRONG_VECTOR,
	V_TASKS_BLOCKED_FOREVER,
	V_ATOMIC_SLEEP_IN_ATOMIC,
	V_REACH_MISSED,
	V_PROTOCOL_BAD_PACKET,
	V_GUEST_ERROR,
	V_PM_HIBERNATE_ABORTED,
	V_AFFINITY_OUTSIDE_EFFECTIVE,
	V_AFFINITY_MANAGED_NOT_STARTED,
	V_AFFINITY_EFFECTIVE_OUTSIDE_MASK,
	V_PM_IRQ_STILL_SUSPENDED,
	V__COUNT
};

struct violation_kind {
	const char *name;   /* "delivery.lost" */
	const char *oracle; /* "delivery" */
	const char *kind;   /* "lost" */
	const char *description;
};

const struct violation_kind *violation_kind_of(enum violation_id id);
int violation_lookup(const char *name); /* -1 if unknown */
bool violation_kind_known(const char *name);
unsigned violation_kind_count(void);
const struct violation_kind *violation_kind_get(unsigned i);

struct violation {
	enum violation_id id;
	char *subject; /* what it is about: each (id, subject) is reported once */
	char *message;
	uint64_t time; /* virtual time it was found */
};

struct violation_list;

/* The list stamps each violation with the engine's time and traces it. */
struct violation_list *violation_list_new(struct engine *e);
void violation_list_free(struct violation_list *l);
void violation_report(struct violation_list *l, enum violation_id id, const char *subject,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
unsigned violation_list_count(const struct violation_list *l);
const struct violation *violation_list_get(const struct violation_list *l, unsigned i);
