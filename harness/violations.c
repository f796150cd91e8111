/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "violations.h"

#include <string.h>

static const struct violation_kind kinds[] = {
    {"delivery.lost",
     "a fired vector never reached the guest; the reason names the hop that dropped it"},
    {"delivery.stuck-pending",
     "a fired vector stays pending in the device although the guest has the irq enabled"},
    {"delivery.misrouted",
     "a fired vector reached a guest vector that belongs to another irq, or none"},
    {"delivery.duplicate", "a handler ran more often than its vector fired"},
    {"mask.stuck-masked",
     "a requested, enabled, unmasked irq is masked in the device or in the guest's cache"},
    {"mask.cache-mismatch",
     "the guest's cached mask bit differs from the device's while the device is in D0"},
    {"remap.no-entry",
     "an unmasked vector's programmed address/data has no interrupt remapping entry"},
    {"remap.offline-target", "a remapping entry targets a vCPU that is offline"},
    {"remap.wrong-vector",
     "a remapping entry targets a vCPU/vector the guest does not map to that irq"},
    {"tasks.blocked-forever", "a guest task is still waiting when nothing else can happen"},
    {"atomic.sleep-in-atomic",
     "code slept with a spinlock held, interrupts off, or in interrupt context"},
    {"reach.missed", "the run never reached an event the scenario exists to reach"},
    {"protocol.bad-packet", "a packet was malformed or out of order and was rejected"},
    {"guest.error", "a guest operation failed (probe, resume, request of a vector)"},
};

bool violation_kind_known(const char *name)
{
	for (unsigned i = 0; i < violation_kind_count(); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return true;
	return false;
}

unsigned violation_kind_count(void)
{
	return sizeof(kinds) / sizeof(kinds[0]);
}

const struct violation_kind *violation_kind_get(unsigned i)
{
	return i < violation_kind_count() ? &kinds[i] : NULL;
}
