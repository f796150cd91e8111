/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tracepoints: the host and the guest mark what happened, as kernel
 * tracepoints do, and know nothing of who listens. The engine counts every
 * hit and calls the probes registered on it: the harness turns hits into
 * reach events and violations, the host's fault rules follow the guest's
 * power-management phases.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct engine;

enum tracepoint {
	TP_RETARGET_FAILED,         /* HVCALL_RETARGET_INTERRUPT returned an error */
	TP_RETARGET_OK,             /* ... returned HV_STATUS_SUCCESS */
	TP_CREATE_INTERRUPT,        /* the host created a remapping entry */
	TP_CREATE_INTERRUPT_FAILED, /* CREATE_INTERRUPT completed with an error */
	TP_DELETE_INTERRUPT,        /* the host deleted a remapping entry */
	TP_FIRED_WHILE_MASKED,      /* a device raised a masked vector: pending bit set */
	TP_INTERRUPT_LOST,          /* a raised vector never reached the guest */
	TP_INTERRUPT_DELIVERED,     /* the guest's interrupt entry ran for it */
	TP_POWER_OFF,               /* the VM powered off (S4) */
	TP_MIGRATE_IRQ,             /* the guest moved an irq off a dying CPU */
	TP_MSI_RESTORED,            /* the bridge composed every message again on resume */
	TP_FAULT_INJECTED,          /* a fault rule fired */
	TP_D0_ENTRY_FAILED,         /* BUS_D0ENTRY completed with an error */
	TP_PACKET_DROPPED,          /* a VMBus packet was lost */
	TP_D0_ENTRY_RETRIED,        /* the guest left D0 to try BUS_D0ENTRY again */
	TP_HIBERNATION_ABORTED,     /* the guest's PM core gave up a hibernation */
	TP_DMA_WRITE,               /* a device message was a memory write, not an interrupt */
	TP_VMBUS_UNLOADED,          /* the host answered CHANNELMSG_UNLOAD */
	TP_RELID_CHANGED,           /* the guest matched a re-offer whose relation id changed */
	TP_PHASE_ENTER,             /* args.phase: the guest entered a PM phase */
	TP_PHASE_EXIT,              /* args.phase: ... and left it */
	TP_SLEEP_IN_ATOMIC,         /* args.what: code may sleep where it must not */
	TP__COUNT
};

/* The phases the guest's power management marks. */
enum phase { PHASE_BOOT, PHASE_HIBERNATE, PHASE_CPU_OFFLINE, PHASE_RESUME, PHASE__COUNT };

struct tp_args {
	enum phase phase; /* TP_PHASE_ENTER, TP_PHASE_EXIT */
	const char *what; /* TP_SLEEP_IN_ATOMIC: the call that may sleep */
};

typedef void (*tp_probe_fn)(void *ctx, struct engine *e, enum tracepoint tp,
                            const struct tp_args *args);

/* Marks a hit; args may be NULL for tracepoints that carry none. */
void tp_hit(struct engine *e, enum tracepoint tp, const struct tp_args *args);
/* The guest enters or leaves a PM phase (also a line in the trace). */
void tp_phase(struct engine *e, enum phase p, bool enter);
/* Probes run in registration order, in the context of the hit. Returns 0,
 * or -ENOSPC when the engine holds no more probes. */
int tp_register(struct engine *e, tp_probe_fn fn, void *ctx);
void tp_unregister(struct engine *e, tp_probe_fn fn, void *ctx);
uint64_t tp_count(const struct engine *e, enum tracepoint tp);

const char *tracepoint_name(enum tracepoint tp);
int tracepoint_lookup(const char *name); /* -1 if unknown */
/* A reach event: a tracepoint a scenario may name in "reach". */
bool tracepoint_is_reach_event(enum tracepoint tp);

const char *phase_name(enum phase p);
int phase_lookup(const char *name); /* -1 if unknown */
