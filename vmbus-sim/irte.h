/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interrupt remapping: an entry per created interrupt maps what a device
 * writes (device, address, data) to (vCPU, vector). Entries are created by
 * CREATE_INTERRUPT, moved by HVCALL_RETARGET_INTERRUPT, removed by
 * DELETE_INTERRUPT; a function's entries vanish when its resources are
 * released (irte_release_device), and all when the VM powers off.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for every vector of every device: 32 vPCI buses of 2048 MSI-X
 * vectors each. The table grows in chunks as entries are created, so a
 * small VM pays for what it uses, and an entry never moves. */
#define IRTE_MAX          65536
#define IRTE_CHUNK        256
#define IRTE_DATA_BASE    0x4000u
#define IRTE_ADDRESS_BASE 0xfee00000ull

struct irte {
	bool in_use;
	uint64_t device_id; /* the device's logical id (retarget's device_id) */
	uint64_t address;
	uint32_t data;
	uint16_t count; /* messages this entry maps: data..data+count-1 (1) */
	/* The messages of the block it heads (CREATE_INTERRUPT's vector_count;
	 * a multi-MSI block is one entry per message, each retargeted on its
	 * own), 0 for the other messages of a block. */
	uint16_t block;
	unsigned vcpu;
	uint32_t vector;
	uint64_t created_at;
};

struct irte_table {
	struct irte *chunk[IRTE_MAX / IRTE_CHUNK]; /* NULL: none of its slots used yet */
	unsigned used;
	unsigned top;       /* one past the highest slot used since the last clear */
	unsigned free_hint; /* no free slot below it */
	uint32_t next_handle;
	bool handles_wrapped; /* data blocks may overlap: look up slot by slot */
	uint64_t cleared_at;  /* virtual time of the last power-off, or UINT64_MAX */
	uint64_t generation;  /* bumped at each power-off */
	uint64_t changes;     /* bumped whenever a slot comes into or goes out of use */
	/* The slots in use, by ascending data: lookups are binary searches
	 * over this array alone (each key carries its data, so a probe does
	 * not reach into the slots). A handle is never reused, so no two
	 * blocks share a data value. */
	struct irte_key {
		uint32_t data;
		uint32_t slot;
	} * by_data;
	unsigned by_data_cap;
};

void irte_init(struct irte_table *t);
/* Frees what the table allocated; irte_init() makes it usable again. */
void irte_fini(struct irte_table *t);
/* Slot i (< IRTE_MAX), or NULL if no slot of its chunk was ever used. */
static inline struct irte *irte_slot(const struct irte_table *t, unsigned i)
{
	struct irte *c = i < IRTE_MAX ? t->chunk[i / IRTE_CHUNK] : NULL;

	return c ? &c[i % IRTE_CHUNK] : NULL;
}
/* Slot i's entry if it is in use, else NULL. */
static inline struct irte *irte_used(const struct irte_table *t, unsigned i)
{
	struct irte *e = irte_slot(t, i);

	return e && e->in_use ? e : NULL;
}
/* Returns the new entry (the first of count, one per message, with
 * vectors vector..vector+count-1) or NULL if the table is full. address encodes the
 * target vCPU's APIC id as a real x86 MSI address would. */
struct irte *irte_create(struct irte_table *t, uint64_t device_id, unsigned vcpu, uint32_t vector,
                         uint16_t count, uint64_t now);
/* Finds the entry (device_id, address, data) falls into, or NULL. */
struct irte *irte_lookup(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data);
/* Exact match on the values CREATE_INTERRUPT returned (a block's first
 * message): removes the whole block. */
bool irte_delete(struct irte_table *t, uint64_t device_id, uint64_t address, uint32_t data);
void irte_retarget(struct irte *e, unsigned vcpu, uint32_t vector);
/* The reference host's release of one function (release-resources, channel
 * close): every entry of device_id vanishes. Returns how many. */
unsigned irte_release_device(struct irte_table *t, uint64_t device_id);
/* Power-off: every entry vanishes. */
void irte_clear(struct irte_table *t, uint64_t now);
unsigned irte_count(const struct irte_table *t);
