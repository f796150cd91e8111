/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irte.h"

#include <stdint.h>
#include <string.h>

void irte_init(struct irte_table *t)
{
	memset(t, 0, sizeof(*t));
	t->next_handle = IRTE_DATA_BASE;
	t->cleared_at = UINT64_MAX;
}

struct irte *irte_create(struct irte_table *t, uint64_t device_id, unsigned vcpu, uint32_t vector,
                         uint16_t count, uint64_t now)
{
	for (unsigned i = 0; i < IRTE_MAX; i++) {
		struct irte *e = &t->e[i];
		if (e->in_use)
			continue;
		e->in_use = true;
		e->device_id = device_id;
		e->vcpu = vcpu;
		e->vector = vector;
		e->count = count ? count : 1;
		e->address = IRTE_ADDRESS_BASE | ((uint64_t)vcpu << 12);
		/* A multi-message block starts at a multiple of its (power of two)
		 * size, since the function ORs the vector number into the data. */
		uint32_t align = 1;
		while (align < e->count)
			align <<= 1;
		e->data = (t->next_handle + align - 1) & ~(align - 1);
		t->next_handle = e->data + e->count;
		e->created_at = now;
		t->used++;
		if (i >= t->top)
			t->top = i + 1;
		return e;
	}
	return NULL;
}

struct irte *irte_lookup(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data)
{
	if (!t->used)
		return NULL;
	for (unsigned i = 0; i < t->top; i++) {
		struct irte *e = &t->e[i];
		if (e->in_use && e->device_id == device_id && e->address == address &&
		    data >= e->data && data - e->data < e->count)
			return e;
	}
	return NULL;
}

bool irte_delete(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data)
{
	for (unsigned i = 0; i < t->top; i++) {
		struct irte *e = &t->e[i];
		if (e->in_use && e->device_id == device_id && e->address == address &&
		    e->data == data) {
			e->in_use = false;
			t->used--;
			return true;
		}
	}
	return false;
}

void irte_retarget(struct irte *e, unsigned vcpu, uint32_t vector)
{
	e->vcpu = vcpu;
	e->vector = vector;
}

void irte_clear(struct irte_table *t, uint64_t now)
{
	/* Only slots below top were ever written since the last clear. */
	memset(t->e, 0, t->top * sizeof(t->e[0]));
	t->used = 0;
	t->top = 0;
	/* Handles are never reused within a run: a stale message must not
	 * alias a new entry by coincidence and hide a lost interrupt. */
	t->cleared_at = now;
	t->generation++;
}

unsigned irte_count(const struct irte_table *t)
{
	return t->used;
}
