/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irte.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

void irte_init(struct irte_table *t)
{
	memset(t, 0, sizeof(*t));
	t->next_handle = IRTE_DATA_BASE;
	t->cleared_at = UINT64_MAX;
}

void irte_fini(struct irte_table *t)
{
	for (unsigned c = 0; c < G_N_ELEMENTS(t->chunk); c++)
		g_free(t->chunk[c]);
	g_free(t->by_data);
	memset(t, 0, sizeof(*t));
}

/* Slot i, its chunk allocated (zeroed: every slot free) on first use. */
static struct irte *slot_alloc(struct irte_table *t, unsigned i)
{
	struct irte **c = &t->chunk[i / IRTE_CHUNK];

	if (!*c)
		*c = g_new0(struct irte, IRTE_CHUNK);
	return &(*c)[i % IRTE_CHUNK];
}

/* Index in by_data of the first slot whose data is above `data`. */
static unsigned upper_bound(const struct irte_table *t, uint32_t data)
{
	unsigned lo = 0, hi = t->used;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (t->by_data[mid].data <= data)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes the lowest free slot for (data), kept in by_data order; NULL when
 * the table is full. */
static struct irte *slot_new(struct irte_table *t, uint32_t data)
{
	for (unsigned i = t->free_hint; i < IRTE_MAX; i++) {
		struct irte *e = slot_alloc(t, i);
		if (e->in_use)
			continue;
		if (t->used == t->by_data_cap) {
			t->by_data_cap = MIN(MAX(2 * t->by_data_cap, 64u), (unsigned)IRTE_MAX);
			t->by_data = g_renew(struct irte_key, t->by_data, t->by_data_cap);
		}
		memset(e, 0, sizeof(*e));
		e->in_use = true;
		e->data = data;
		/* usually the highest data yet: an append */
		unsigned at = upper_bound(t, data);
		memmove(&t->by_data[at + 1], &t->by_data[at],
		        (t->used - at) * sizeof(t->by_data[0]));
		t->by_data[at] = (struct irte_key){data, i};
		t->used++;
		t->changes++;
		t->free_hint = i + 1;
		if (i >= t->top)
			t->top = i + 1;
		return e;
	}
	t->free_hint = IRTE_MAX;
	return NULL;
}

struct irte *irte_create(struct irte_table *t, uint64_t device_id, unsigned vcpu, uint32_t vector,
                         uint16_t count, uint64_t now)
{
	struct irte *head = NULL;
	uint32_t align = 1, base;

	if (!count)
		count = 1;
	if (IRTE_MAX - t->used < count)
		return NULL; /* the table is full */
	/* A multi-message block starts at a multiple of its (power of two)
	 * size, since the function puts the message number in the low bits
	 * of the data. */
	while (align < count)
		align <<= 1;
	base = (t->next_handle + align - 1) & ~(align - 1);
	if (base < t->next_handle || base + count < base)
		t->handles_wrapped = true; /* after 2^32 handles */
	t->next_handle = base + count;
	/* One entry per message: each is retargeted on its own. */
	for (unsigned k = 0; k < count; k++) {
		struct irte *e = slot_new(t, base + k);
		if (!e)
			return head; /* cannot happen: room was checked */
		e->device_id = device_id;
		e->vcpu = vcpu;
		e->vector = vector + k;
		e->count = 1;
		e->block = k == 0 ? count : 0;
		e->address = IRTE_ADDRESS_BASE | ((uint64_t)vcpu << 12);
		e->created_at = now;
		if (k == 0)
			head = e;
	}
	return head;
}

/* The slot in use whose block holds `data` (the first in slot order if
 * handles ever wrapped and blocks overlap), or -1. */
static int find(const struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data,
                bool exact)
{
	if (t->handles_wrapped) {
		for (unsigned i = 0; i < t->top; i++) {
			const struct irte *e = irte_used(t, i);
			if (e && e->device_id == device_id && e->address == address &&
			    (exact ? e->data == data
			           : data >= e->data && data - e->data < e->count))
				return (int)i;
		}
		return -1;
	}
	unsigned at = upper_bound(t, data);
	if (at == 0)
		return -1;
	unsigned i = t->by_data[at - 1].slot;
	const struct irte *e = irte_slot(t, i);
	if (e->device_id != device_id || e->address != address ||
	    (exact ? e->data != data : data - e->data >= e->count))
		return -1;
	return (int)i;
}

struct irte *irte_lookup(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data)
{
	int i = t->used ? find(t, device_id, address, data, false) : -1;

	return i < 0 ? NULL : irte_slot(t, (unsigned)i);
}

static bool delete_one(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data)
{
	int i = t->used ? find(t, device_id, address, data, true) : -1;

	if (i < 0)
		return false;
	/* its place in by_data; only wrapped handles can put it elsewhere */
	unsigned k = upper_bound(t, data) - 1;
	while (t->by_data[k].slot != (uint32_t)i)
		k = (k + 1) % t->used;
	memmove(&t->by_data[k], &t->by_data[k + 1], (t->used - k - 1) * sizeof(t->by_data[0]));
	irte_slot(t, (unsigned)i)->in_use = false;
	t->used--;
	t->changes++;
	if ((unsigned)i < t->free_hint)
		t->free_hint = (unsigned)i;
	return true;
}

bool irte_delete(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data)
{
	int i = t->used ? find(t, device_id, address, data, true) : -1;
	unsigned n;

	/* DELETE_INTERRUPT names a block by what CREATE_INTERRUPT returned:
	 * its first message. The others of a multi-message block go too. */
	if (i < 0 || irte_slot(t, (unsigned)i)->block == 0)
		return false;
	n = irte_slot(t, (unsigned)i)->block;
	for (unsigned k = 0; k < n; k++)
		delete_one(t, device_id, address, data + k);
	return true;
}

void irte_retarget(struct irte *e, unsigned vcpu, uint32_t vector)
{
	e->vcpu = vcpu;
	e->vector = vector;
}

unsigned irte_release_device(struct irte_table *t, uint64_t device_id)
{
	unsigned n = 0, kept = 0;

	/* by_data keeps its order: the survivors close up */
	for (unsigned k = 0; k < t->used; k++) {
		unsigned i = t->by_data[k].slot;
		struct irte *e = irte_slot(t, i);
		if (e->device_id != device_id) {
			t->by_data[kept++] = t->by_data[k];
			continue;
		}
		e->in_use = false;
		if (i < t->free_hint)
			t->free_hint = i;
		n++;
	}
	if (n)
		t->changes++;
	t->used = kept;
	return n;
}

void irte_clear(struct irte_table *t, uint64_t now)
{
	/* Only slots below top were ever written since the last clear. */
	for (unsigned c = 0; c * IRTE_CHUNK < t->top; c++)
		memset(t->chunk[c], 0,
		       MIN(IRTE_CHUNK, t->top - c * IRTE_CHUNK) * sizeof(struct irte));
	t->used = 0;
	t->changes++;
	t->top = 0;
	t->free_hint = 0;
	/* Handles are never reused within a run: a stale message must not
	 * alias a new entry by coincidence and hide a lost interrupt. */
	t->cleared_at = now;
	t->generation++;
}

unsigned irte_count(const struct irte_table *t)
{
	return t->used;
}
