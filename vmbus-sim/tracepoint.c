/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tracepoint.h"

#include <string.h>

static const struct {
	const char *name;
	bool reach;
} tracepoints[TP__COUNT] = {
    [TP_RETARGET_FAILED] = {"retarget-failed", true},
    [TP_RETARGET_OK] = {"retarget-ok", true},
    [TP_CREATE_INTERRUPT] = {"create-interrupt", true},
    [TP_CREATE_INTERRUPT_FAILED] = {"create-interrupt-failed", true},
    [TP_DELETE_INTERRUPT] = {"delete-interrupt", true},
    [TP_FIRED_WHILE_MASKED] = {"fired-while-masked", true},
    [TP_INTERRUPT_LOST] = {"interrupt-lost", true},
    [TP_INTERRUPT_DELIVERED] = {"interrupt-delivered", true},
    [TP_POWER_OFF] = {"power-off", true},
    [TP_MIGRATE_IRQ] = {"migrate-irq", true},
    [TP_MSI_RESTORED] = {"msi-restored", true},
    [TP_FAULT_INJECTED] = {"fault-injected", true},
    [TP_D0_ENTRY_FAILED] = {"d0-entry-failed", true},
    [TP_PACKET_DROPPED] = {"packet-dropped", true},
    [TP_D0_ENTRY_RETRIED] = {"d0-entry-retried", true},
    [TP_HIBERNATION_ABORTED] = {"hibernation-aborted", true},
    [TP_DMA_WRITE] = {"dma-write", true},
    [TP_VMBUS_UNLOADED] = {"vmbus-unloaded", true},
    [TP_RELID_CHANGED] = {"relid-changed", true},
    [TP_PHASE_ENTER] = {"phase-enter", false},
    [TP_PHASE_EXIT] = {"phase-exit", false},
    [TP_SLEEP_IN_ATOMIC] = {"sleep-in-atomic", false},
};

static const char *const phase_names[PHASE__COUNT] = {
    [PHASE_BOOT] = "boot",
    [PHASE_HIBERNATE] = "hibernate",
    [PHASE_CPU_OFFLINE] = "cpu-offline",
    [PHASE_RESUME] = "resume",
};

const char *tracepoint_name(enum tracepoint tp)
{
	return (unsigned)tp < TP__COUNT ? tracepoints[tp].name : "?";
}

int tracepoint_lookup(const char *name)
{
	for (int i = 0; i < TP__COUNT; i++)
		if (strcmp(tracepoints[i].name, name) == 0)
			return i;
	return -1;
}

bool tracepoint_is_reach_event(enum tracepoint tp)
{
	return (unsigned)tp < TP__COUNT && tracepoints[tp].reach;
}

const char *phase_name(enum phase p)
{
	return (unsigned)p < PHASE__COUNT ? phase_names[p] : "?";
}

int phase_lookup(const char *name)
{
	for (int i = 0; i < PHASE__COUNT; i++)
		if (strcmp(phase_names[i], name) == 0)
			return i;
	return -1;
}
