/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "violations.h"

#include <glib.h>
#include <stdarg.h>
#include <string.h>

#include "../vmbus-sim/trace.h"

#define KIND(o, k, about)                                                                          \
	{                                                                                          \
		o "." k, o, k, about                                                               \
	}

static const struct violation_kind kinds[V__COUNT] = {
    [V_DELIVERY_LOST] = KIND("delivery", "lost",
                             "a fired vector never reached the guest; the reason names the hop "
                             "that dropped it"),
    [V_DELIVERY_STUCK_PENDING] = KIND("delivery", "stuck-pending",
                                      "a fired vector stays pending in the device although the "
                                      "guest has the irq enabled"),
    [V_DELIVERY_MISROUTED] = KIND("delivery", "misrouted",
                                  "a fired vector reached a guest vector that belongs to another "
                                  "irq, or none"),
    [V_DELIVERY_DUPLICATE] =
        KIND("delivery", "duplicate", "a handler ran more often than its vector fired"),
    [V_DELIVERY_DMA_TO_ZERO] = KIND("delivery", "dma-to-zero",
                                    "a fired vector's MSI-X entry held address 0, so the device "
                                    "wrote its data into guest memory at address 0 instead of "
                                    "raising an interrupt"),
    [V_MASK_STUCK_MASKED] = KIND("mask", "stuck-masked",
                                 "a requested, enabled, unmasked irq is masked in the device or "
                                 "in the guest's cache"),
    [V_MASK_CACHE_MISMATCH] = KIND("mask", "cache-mismatch",
                                   "the guest's cached mask bit differs from the device's while "
                                   "the device is in D0"),
    [V_REMAP_NO_ENTRY] = KIND("remap", "no-entry",
                              "an unmasked vector's programmed address/data has no interrupt "
                              "remapping entry"),
    [V_REMAP_OFFLINE_TARGET] =
        KIND("remap", "offline-target", "a remapping entry targets a vCPU that is offline"),
    [V_REMAP_WRONG_VECTOR] = KIND("remap", "wrong-vector",
                                  "a remapping entry targets a vCPU/vector the guest does not map "
                                  "to that irq"),
    [V_TASKS_BLOCKED_FOREVER] = KIND("tasks", "blocked-forever",
                                     "a guest task is still waiting when nothing else can "
                                     "happen"),
    [V_ATOMIC_SLEEP_IN_ATOMIC] = KIND("atomic", "sleep-in-atomic",
                                      "code slept with a spinlock held, interrupts off, or in "
                                      "interrupt context"),
    [V_REACH_MISSED] =
        KIND("reach", "missed", "the run never reached an event the scenario exists to reach"),
    [V_PROTOCOL_BAD_PACKET] =
        KIND("protocol", "bad-packet", "a packet was malformed or out of order and was rejected"),
    [V_GUEST_ERROR] =
        KIND("guest", "error", "a guest operation failed (probe, resume, request of a vector)"),
    [V_PM_HIBERNATE_ABORTED] = KIND("pm", "hibernate-aborted",
                                    "the kernel refused or aborted a hibernation the step did "
                                    "not allow to abort; the VM kept running"),
    [V_AFFINITY_OUTSIDE_EFFECTIVE] = KIND("affinity", "outside-effective",
                                          "a delivered interrupt landed on a vCPU outside its "
                                          "irq's effective affinity"),
    [V_AFFINITY_MANAGED_NOT_STARTED] = KIND("affinity", "managed-not-started",
                                            "a requested managed irq whose affinity has an "
                                            "online CPU is shut down or has no vector"),
    [V_AFFINITY_EFFECTIVE_OUTSIDE_MASK] = KIND("affinity", "effective-outside-mask",
                                               "a started irq's vector is on a CPU outside its "
                                               "affinity although a CPU of it is online"),
    [V_PM_IRQ_STILL_SUSPENDED] = KIND("pm", "irq-still-suspended",
                                      "an irq the PM core disabled for the noirq phases is "
                                      "still disabled while the VM runs"),
};

const struct violation_kind *violation_kind_of(enum violation_id id)
{
	return (unsigned)id < V__COUNT ? &kinds[id] : NULL;
}

int violation_lookup(const char *name)
{
	for (int i = 0; i < V__COUNT; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return i;
	return -1;
}

bool violation_kind_known(const char *name)
{
	return violation_lookup(name) >= 0;
}

unsigned violation_kind_count(void)
{
	return V__COUNT;
}

const struct violation_kind *violation_kind_get(unsigned i)
{
	return violation_kind_of((enum violation_id)i);
}

struct violation_list {
	struct engine *e;
	GPtrArray *items; /* of struct violation, in the order found */
	GHashTable *seen; /* "id/subject" */
};

static void violation_free(gpointer p)
{
	struct violation *v = p;

	g_free(v->subject);
	g_free(v->message);
	g_free(v);
}

struct violation_list *violation_list_new(struct engine *e)
{
	struct violation_list *l = g_new0(struct violation_list, 1);

	l->e = e;
	l->items = g_ptr_array_new_with_free_func(violation_free);
	l->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return l;
}

void violation_list_free(struct violation_list *l)
{
	if (!l)
		return;
	g_ptr_array_free(l->items, TRUE);
	g_hash_table_destroy(l->seen);
	g_free(l);
}

void violation_report(struct violation_list *l, enum violation_id id, const char *subject,
                      const char *fmt, ...)
{
	const struct violation_kind *k = violation_kind_of(id);
	char *key;
	struct violation *v;
	va_list ap;

	g_return_if_fail(l && k && fmt);
	key = g_strdup_printf("%d/%s", (int)id, subject ? subject : "");
	if (!g_hash_table_add(l->seen, key))
		return;
	v = g_new0(struct violation, 1);
	v->id = id;
	v->subject = g_strdup(subject ? subject : "");
	va_start(ap, fmt);
	v->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	v->time = engine_now(l->e);
	g_ptr_array_add(l->items, v);
	TRACE(l->e, "oracle", "violation", "\"oracle\":\"%s\",\"kind\":\"%s\"", k->oracle, k->kind);
}

unsigned violation_list_count(const struct violation_list *l)
{
	return l->items->len;
}

const struct violation *violation_list_get(const struct violation_list *l, unsigned i)
{
	return i < l->items->len ? g_ptr_array_index(l->items, i) : NULL;
}
