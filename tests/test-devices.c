/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the host's device models: the interrupt remapping table
 * (create, lookup by (device, address, data), retarget, delete, power-off
 * clear, counting, handles never reused) and the emulated PCI function
 * (config-space header, the capability list, the MSI-X capability and its
 * table and PBA in BAR0, BAR sizing, MSI-X enable, function mask and
 * per-vector mask, firing with and without masks, pending bits and their
 * delivery on unmask, MSI, bus mastering, reset, PMCSR and D-states, and
 * config/BAR accesses out of range or unaligned), all with the default
 * layout; then other layouts (capabilities reordered, the MSI-X table in
 * another BAR at another offset, a 32-bit BAR 5) seen the way a guest sees
 * them, the placement rules, the all-ones BAR probe at every index, and
 * invalid layouts refused with a reason.
 */
#include "vmbus-sim/irte.h"
#include "vmbus-sim/pcidev.h"

#include <glib.h>
#include <limits.h>
#include <string.h>

/* ---- interrupt remapping ---- */

static struct irte_table *table_new(void)
{
	struct irte_table *t = g_new(struct irte_table, 1);

	irte_init(t);
	return t;
}

static void table_free(struct irte_table *t)
{
	irte_fini(t);
	g_free(t);
}

static void test_irte_init(void)
{
	struct irte_table *t = table_new();

	g_assert_cmpuint(irte_count(t), ==, 0);
	g_assert_null(irte_lookup(t, 1, IRTE_ADDRESS_BASE, IRTE_DATA_BASE));
	g_assert_false(irte_delete(t, 1, IRTE_ADDRESS_BASE, IRTE_DATA_BASE));
	g_assert_cmpuint(t->cleared_at, ==, UINT64_MAX);
	g_assert_cmpuint(t->generation, ==, 0);
	table_free(t);
}

static void test_irte_create_lookup(void)
{
	struct irte_table *t = table_new();
	struct irte *a, *b;

	a = irte_create(t, 0x11, 2, 0x30, 1, 100);
	g_assert_nonnull(a);
	g_assert_true(a->in_use);
	g_assert_cmpuint(a->device_id, ==, 0x11);
	g_assert_cmpuint(a->vcpu, ==, 2);
	g_assert_cmpuint(a->vector, ==, 0x30);
	g_assert_cmpuint(a->count, ==, 1);
	g_assert_cmpuint(a->created_at, ==, 100);
	/* The address encodes the target APIC id as an x86 MSI address. */
	g_assert_cmphex(a->address, ==, IRTE_ADDRESS_BASE | (2u << 12));
	g_assert_cmphex(a->data, ==, IRTE_DATA_BASE);
	g_assert_cmpuint(irte_count(t), ==, 1);

	b = irte_create(t, 0x22, 0, 0x41, 1, 200);
	g_assert_nonnull(b);
	g_assert_true(a != b);
	g_assert_cmphex(b->address, ==, IRTE_ADDRESS_BASE);
	g_assert_cmphex(b->data, !=, a->data);
	g_assert_cmpuint(irte_count(t), ==, 2);

	g_assert_true(irte_lookup(t, 0x11, a->address, a->data) == a);
	g_assert_true(irte_lookup(t, 0x22, b->address, b->data) == b);
	/* Every part of the key matters. */
	g_assert_null(irte_lookup(t, 0x22, a->address, a->data));
	g_assert_null(irte_lookup(t, 0x11, b->address, a->data));
	g_assert_null(irte_lookup(t, 0x11, a->address, b->data));
	g_assert_null(irte_lookup(t, 0x11, a->address, a->data + 100));
	table_free(t);
}

static void test_irte_block(void)
{
	struct irte_table *t = table_new();
	struct irte *blk, *one, *zero;

	blk = irte_create(t, 5, 1, 0x50, 4, 0);
	g_assert_nonnull(blk);
	g_assert_cmpuint(blk->block, ==, 4);
	/* one entry per message, each with its own vector, retargeted alone */
	for (uint32_t i = 0; i < 4; i++) {
		struct irte *m = irte_lookup(t, 5, blk->address, blk->data + i);
		g_assert_nonnull(m);
		g_assert_true((m == blk) == (i == 0));
		g_assert_cmphex(m->vector, ==, 0x50 + i);
		g_assert_cmpuint(m->block, ==, i == 0 ? 4 : 0);
	}
	irte_retarget(irte_lookup(t, 5, blk->address, blk->data + 2), 3, 0x77);
	g_assert_cmphex(irte_lookup(t, 5, blk->address, blk->data + 2)->vector, ==, 0x77);
	g_assert_cmphex(irte_lookup(t, 5, blk->address, blk->data + 1)->vector, ==, 0x51);
	g_assert_cmphex(blk->vector, ==, 0x50);
	g_assert_null(irte_lookup(t, 5, blk->address, blk->data + 4));
	if (blk->data > 0)
		g_assert_null(irte_lookup(t, 5, blk->address, blk->data - 1));
	/* The next block starts after this one: no overlap. */
	one = irte_create(t, 5, 1, 0x60, 1, 0);
	g_assert_cmpuint(one->data, >=, blk->data + 4);
	g_assert_true(irte_lookup(t, 5, one->address, one->data) == one);
	/* A count of 0 is one vector. */
	zero = irte_create(t, 5, 1, 0x61, 0, 0);
	g_assert_cmpuint(zero->count, ==, 1);
	g_assert_cmpuint(zero->data, >=, one->data + 1);
	/* Delete is an exact match on what CREATE_INTERRUPT returned. */
	g_assert_false(irte_delete(t, 5, blk->address, blk->data + 1));
	g_assert_cmpuint(irte_count(t), ==, 6);
	g_assert_true(irte_delete(t, 5, blk->address, blk->data)); /* the whole block */
	g_assert_null(irte_lookup(t, 5, blk->address, blk->data + 2));
	g_assert_cmpuint(irte_count(t), ==, 2);
	table_free(t);
}

/* A multi-message MSI function forms vector i's data by replacing the low
 * log2(count) bits of the data (PCI Local Bus 3.0, 6.8.1.6; pcidev.c's
 * send_msi ORs i in), so the data of a block must be aligned to its size
 * for data + i to be vector i's handle. */
static void test_irte_block_aligned(void)
{
	struct irte_table *t = table_new();
	unsigned misaligned = 0;
	static const uint16_t counts[] = {1, 4, 2, 8, 1, 32, 3};

	for (unsigned k = 0; k < G_N_ELEMENTS(counts); k++) {
		struct irte *e = irte_create(t, 9, 0, 0x40, counts[k], 0);
		uint32_t pow2 = 1;

		g_assert_nonnull(e);
		while (pow2 < counts[k])
			pow2 <<= 1;
		for (uint32_t i = 0; i < counts[k]; i++) {
			struct irte *m = irte_lookup(t, 9, e->address, e->data | i);
			if (!m || m->vector != 0x40 + i || (e->data | i) != e->data + i)
				misaligned++;
		}
		g_assert_cmpuint(e->data % pow2, ==, 0);
	}
	/* data | i, what an MSI function sends for vector i, reaches the block */
	g_assert_cmpuint(misaligned, ==, 0);
	table_free(t);
}

/* After 2^32 handles the blocks may overlap old ones still in use: every
 * entry stays reachable, the first created wins, as slot by slot. */
static void test_irte_handles_wrap(void)
{
	struct irte_table *t = table_new();
	struct irte *a, *b, *c, *d;

	t->next_handle = UINT32_MAX - 5;
	a = irte_create(t, 1, 0, 0x30, 4, 0); /* 0xfffffffc..0xffffffff */
	g_assert_cmphex(a->data, ==, 0xfffffffcu);
	b = irte_create(t, 1, 0, 0x31, 1, 0); /* wrapped: 0 */
	g_assert_cmphex(b->data, ==, 0);
	c = irte_create(t, 1, 0, 0x32, 1, 0);
	g_assert_cmphex(irte_lookup(t, 1, a->address, 0xfffffffdu)->vector, ==, 0x31);
	g_assert_true(irte_lookup(t, 1, b->address, 0) == b);
	g_assert_true(irte_lookup(t, 1, c->address, 1) == c);
	/* come round again to a's handles: the older entry is found first */
	t->next_handle = 0xfffffffcu;
	d = irte_create(t, 1, 0, 0x33, 1, 0);
	g_assert_cmphex(d->data, ==, 0xfffffffcu);
	g_assert_true(irte_lookup(t, 1, a->address, 0xfffffffcu) == a);
	g_assert_true(irte_delete(t, 1, a->address, 0xfffffffcu));
	g_assert_true(irte_lookup(t, 1, d->address, 0xfffffffcu) == d);
	g_assert_null(irte_lookup(t, 1, d->address, 0xfffffffdu));
	g_assert_true(irte_delete(t, 1, b->address, 0));
	g_assert_true(irte_delete(t, 1, d->address, 0xfffffffcu));
	g_assert_true(irte_lookup(t, 1, c->address, 1) == c);
	g_assert_cmpuint(irte_count(t), ==, 1);
	table_free(t);
}

/* Many entries created and deleted in a mixed order: each is found exactly
 * while it exists, and freed slots are reused lowest first. */
static void test_irte_many(void)
{
	struct irte_table *t = table_new();
	struct irte *e[300] = {0};
	uint32_t data[300];
	unsigned lowest_free = 0;

	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 300; i++) {
			if (e[i])
				continue;
			e[i] = irte_create(t, i % 3, i % 4, 0x30 + i % 0xc0, 1 + i % 3, 0);
			g_assert_nonnull(e[i]);
			data[i] = e[i]->data;
			if (i == 0 && round > 0)
				g_assert_true(e[i] == irte_slot(t, lowest_free));
		}
		for (unsigned i = round; i < 300; i += 2 + round) {
			g_assert_true(irte_delete(t, i % 3, e[i]->address, data[i]));
			e[i] = NULL;
		}
		lowest_free = ~0u;
		for (unsigned k = 0; k < IRTE_MAX && lowest_free == ~0u; k++)
			if (!irte_used(t, k))
				lowest_free = k;
		for (unsigned i = 0; i < 300; i++) {
			uint64_t address = IRTE_ADDRESS_BASE | ((uint64_t)(i % 4) << 12);
			for (unsigned k = 0; k < 1 + i % 3; k++) {
				struct irte *m = irte_lookup(t, i % 3, address, data[i] + k);
				/* a block's messages: the head, then one entry each */
				g_assert_true(e[i] ? m && m->data == data[i] + k && (k || m == e[i])
				                   : m == NULL);
			}
		}
	}
	table_free(t);
}

static void test_irte_retarget(void)
{
	struct irte_table *t = table_new();
	struct irte *a, *b;
	uint64_t addr;
	uint32_t data;

	a = irte_create(t, 1, 0, 0x30, 1, 0);
	b = irte_create(t, 1, 0, 0x31, 1, 0);
	addr = a->address;
	data = a->data;
	irte_retarget(a, 3, 0x45);
	g_assert_cmpuint(a->vcpu, ==, 3);
	g_assert_cmpuint(a->vector, ==, 0x45);
	/* What the device writes is unchanged: the entry still catches it. */
	g_assert_cmphex(a->address, ==, addr);
	g_assert_cmphex(a->data, ==, data);
	g_assert_true(irte_lookup(t, 1, addr, data) == a);
	g_assert_cmpuint(irte_lookup(t, 1, addr, data)->vcpu, ==, 3);
	/* The other entry is untouched. */
	g_assert_cmpuint(b->vcpu, ==, 0);
	g_assert_cmpuint(b->vector, ==, 0x31);
	g_assert_cmpuint(irte_count(t), ==, 2);
	table_free(t);
}

static void test_irte_delete(void)
{
	struct irte_table *t = table_new();
	struct irte *e[4];
	uint64_t addr[4];
	uint32_t data[4];

	for (unsigned i = 0; i < 4; i++) {
		e[i] = irte_create(t, 7, i, 0x30 + i, 1, 0);
		addr[i] = e[i]->address;
		data[i] = e[i]->data;
	}
	g_assert_cmpuint(irte_count(t), ==, 4);
	/* Wrong device, wrong address, wrong data: nothing removed. */
	g_assert_false(irte_delete(t, 8, addr[1], data[1]));
	g_assert_false(irte_delete(t, 7, addr[0], data[1]));
	g_assert_false(irte_delete(t, 7, addr[1], data[1] + 1000));
	g_assert_cmpuint(irte_count(t), ==, 4);

	g_assert_true(irte_delete(t, 7, addr[1], data[1]));
	g_assert_cmpuint(irte_count(t), ==, 3);
	g_assert_null(irte_lookup(t, 7, addr[1], data[1]));
	for (unsigned i = 0; i < 4; i++)
		if (i != 1)
			g_assert_true(irte_lookup(t, 7, addr[i], data[i]) == e[i]);
	/* Deleting it again is deleting a missing entry. */
	g_assert_false(irte_delete(t, 7, addr[1], data[1]));
	g_assert_cmpuint(irte_count(t), ==, 3);
	for (unsigned i = 0; i < 4; i++)
		if (i != 1)
			g_assert_true(irte_delete(t, 7, addr[i], data[i]));
	g_assert_cmpuint(irte_count(t), ==, 0);
	for (unsigned i = 0; i < 4; i++)
		g_assert_null(irte_lookup(t, 7, addr[i], data[i]));
	table_free(t);
}

/* Entries in holes left by deletes, and the highest slot, stay reachable
 * for lookup and delete. */
static void test_irte_holes(void)
{
	struct irte_table *t = table_new();
	struct irte *e[6], *hole;
	uint64_t addr[6];
	uint32_t data[6];

	for (unsigned i = 0; i < 6; i++) {
		e[i] = irte_create(t, 3, i, 0x30 + i, 1, 0);
		addr[i] = e[i]->address;
		data[i] = e[i]->data;
	}
	/* Delete the last and a middle one; the rest still resolve. */
	g_assert_true(irte_delete(t, 3, addr[5], data[5]));
	g_assert_true(irte_delete(t, 3, addr[2], data[2]));
	g_assert_cmpuint(irte_count(t), ==, 4);
	for (unsigned i = 0; i < 5; i++)
		if (i != 2)
			g_assert_true(irte_lookup(t, 3, addr[i], data[i]) == e[i]);
	/* A new entry fills the first hole and is found. */
	hole = irte_create(t, 3, 7, 0x77, 1, 0);
	g_assert_true(hole == e[2]);
	g_assert_true(irte_lookup(t, 3, hole->address, hole->data) == hole);
	g_assert_null(irte_lookup(t, 3, addr[2], data[2]));
	/* Then the next free slot, past the ones in use. */
	hole = irte_create(t, 3, 8, 0x78, 1, 0);
	g_assert_true(hole == e[5]);
	g_assert_true(irte_lookup(t, 3, hole->address, hole->data) == hole);
	g_assert_true(irte_delete(t, 3, hole->address, hole->data));
	g_assert_true(irte_delete(t, 3, addr[0], data[0]));
	g_assert_cmpuint(irte_count(t), ==, 4);
	/* Clear after deletes: nothing survives, later creates work. */
	irte_clear(t, 50);
	g_assert_cmpuint(irte_count(t), ==, 0);
	for (unsigned i = 0; i < 6; i++)
		g_assert_null(irte_lookup(t, 3, addr[i], data[i]));
	for (unsigned i = 0; i < IRTE_MAX; i++)
		g_assert_null(irte_used(t, i));
	hole = irte_create(t, 3, 0, 0x30, 1, 60);
	g_assert_true(hole == irte_slot(t, 0));
	g_assert_true(irte_lookup(t, 3, hole->address, hole->data) == hole);
	g_assert_cmpuint(irte_count(t), ==, 1);
	table_free(t);
}

static void test_irte_clear(void)
{
	struct irte_table *t = table_new();
	uint64_t addr[8];
	uint32_t data[8], max_data = 0;
	struct irte *n;

	for (unsigned i = 0; i < 8; i++) {
		struct irte *e = irte_create(t, i % 2, i % 3, 0x30 + i, i % 2 ? 2 : 1, i);
		addr[i] = e->address;
		data[i] = e->data;
		max_data = MAX(max_data, e->data + e->block - 1);
	}
	g_assert_cmpuint(irte_count(t), ==, 12); /* four blocks of two */
	/* Power-off: every entry vanishes. */
	irte_clear(t, 1234);
	g_assert_cmpuint(irte_count(t), ==, 0);
	g_assert_cmpuint(t->cleared_at, ==, 1234);
	g_assert_cmpuint(t->generation, ==, 1);
	for (unsigned i = 0; i < IRTE_MAX; i++)
		g_assert_null(irte_used(t, i));
	for (unsigned i = 0; i < 8; i++) {
		g_assert_null(irte_lookup(t, i % 2, addr[i], data[i]));
		g_assert_false(irte_delete(t, i % 2, addr[i], data[i]));
	}
	/* Handles are not reused after power-off: a stale message cannot hit
	 * a new entry. */
	n = irte_create(t, 0, 0, 0x30, 1, 2000);
	g_assert_nonnull(n);
	g_assert_cmpuint(n->data, >, max_data);
	g_assert_null(irte_lookup(t, 0, addr[0], data[0]));
	g_assert_cmpuint(irte_count(t), ==, 1);
	irte_clear(t, 3000);
	g_assert_cmpuint(t->generation, ==, 2);
	g_assert_cmpuint(t->cleared_at, ==, 3000);
	g_assert_cmpuint(irte_count(t), ==, 0);
	table_free(t);
}

static void test_irte_full(void)
{
	struct irte_table *t = table_new();
	struct irte *e = NULL, *again;
	uint64_t addr;
	uint32_t data;

	for (unsigned i = 0; i < IRTE_MAX; i++) {
		e = irte_create(t, 1, 0, 0x30, 1, 0);
		g_assert_nonnull(e);
	}
	g_assert_cmpuint(irte_count(t), ==, IRTE_MAX);
	g_assert_null(irte_create(t, 1, 0, 0x30, 1, 0));
	g_assert_cmpuint(irte_count(t), ==, IRTE_MAX);
	addr = e->address;
	data = e->data;
	g_assert_true(irte_delete(t, 1, addr, data));
	again = irte_create(t, 1, 0, 0x31, 1, 0);
	g_assert_nonnull(again);
	g_assert_true(again == e);
	g_assert_cmphex(again->data, !=, data);
	g_assert_cmpuint(irte_count(t), ==, IRTE_MAX);
	g_assert_true(irte_lookup(t, 1, again->address, again->data) == again);
	/* Power-off of a full table: everything goes, every slot is free. */
	irte_clear(t, 9);
	g_assert_cmpuint(irte_count(t), ==, 0);
	g_assert_null(irte_lookup(t, 1, again->address, again->data));
	for (unsigned i = 0; i < IRTE_MAX; i++)
		g_assert_null(irte_used(t, i));
	for (unsigned i = 0; i < IRTE_MAX; i++)
		g_assert_nonnull(irte_create(t, 2, 1, 0x40, 1, 10));
	g_assert_null(irte_create(t, 2, 1, 0x40, 1, 10));
	table_free(t);
}

/* ---- the emulated PCI function ---- */

struct msg {
	void *ctx;
	struct pcidev *d;
	uint64_t address;
	uint32_t data;
	unsigned vector;
};

struct bus {
	struct msg m[64];
	unsigned n;
};

static void record_msg(void *ctx, struct pcidev *d, uint64_t address, uint32_t data,
                       unsigned vector)
{
	struct bus *b = ctx;

	g_assert_cmpuint(b->n, <, G_N_ELEMENTS(b->m));
	b->m[b->n++] = (struct msg){ctx, d, address, data, vector};
}

#define BAR0_GPA UINT64_C(0xfe000000)

/* The default layout (pcidev.h), written out: the tests below up to the
 * layout tests assume it, and a change to the default must show here. */
#define DEF_PM_CAP    0x40
#define DEF_MSI_CAP   0x50
#define DEF_MSIX_CAP  0x70
#define DEF_TABLE_OFF 0x0000
#define DEF_PBA_OFF   0x2000
#define DEF_BAR_SIZE  0x4000

static const struct pcidev_config default_cfg = {
    .name = "nic0",
    .vendor_id = 0x1414,
    .device_id = 0xb111,
    .class_code = {0x01, 0x08, 0x02}, /* prog-if, subclass, base class */
    .msix_vectors = 8,
    .serial = 42,
};

static struct pcidev *dev_new(const struct pcidev_config *cfg, struct bus *b)
{
	struct pcidev *d = g_new(struct pcidev, 1);

	memset(b, 0, sizeof(*b));
	pcidev_init(d, cfg, record_msg, b);
	return d;
}

static unsigned find_cap(struct pcidev *d, uint8_t id)
{
	unsigned pos = pcidev_cfg_read(d, PCI_CAPABILITY_LIST, 1) & ~3u;

	for (unsigned guard = 0; pos && guard < 48; guard++) {
		if (pcidev_cfg_read(d, pos, 1) == id)
			return pos;
		pos = pcidev_cfg_read(d, pos + 1, 1) & ~3u;
	}
	return 0;
}

/* Programs BAR0, turns on memory decoding and bus mastering. */
static void dev_enable(struct pcidev *d)
{
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_0, (uint32_t)BAR0_GPA, 4);
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_1, (uint32_t)(BAR0_GPA >> 32), 4);
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void msix_program(struct pcidev *d, unsigned i, uint64_t address, uint32_t data)
{
	unsigned base = DEF_TABLE_OFF + i * PCI_MSIX_ENTRY_SIZE;

	pcidev_bar_write(d, 0, base + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)address, 4);
	pcidev_bar_write(d, 0, base + PCI_MSIX_ENTRY_UPPER_ADDR, (uint32_t)(address >> 32), 4);
	pcidev_bar_write(d, 0, base + PCI_MSIX_ENTRY_DATA, data, 4);
}

static void msix_set_mask(struct pcidev *d, unsigned i, bool masked)
{
	pcidev_bar_write(d, 0, DEF_TABLE_OFF + i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL,
	                 masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0, 4);
}

static void msix_ctrl_write(struct pcidev *d, uint16_t v)
{
	pcidev_cfg_write(d, DEF_MSIX_CAP + PCI_MSIX_FLAGS, v, 2);
}

static bool pba_bit(struct pcidev *d, unsigned i)
{
	return pcidev_bar_read(d, 0, DEF_PBA_OFF + (i / 32) * 4, 4) & (1u << (i % 32));
}

/* A device set up the way a driver leaves it: BAR, bus master, MSI-X on,
 * every vector programmed with address 0xfee00000 + i << 12, data 0x4000 + i,
 * and still masked. */
static struct pcidev *dev_ready(struct bus *b)
{
	struct pcidev *d = dev_new(&default_cfg, b);

	dev_enable(d);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < d->msix_n; i++)
		msix_program(d, i, 0xfee00000u + (i << 12), 0x4000 + i);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_cmpuint(b->n, ==, 0);
	return d;
}

static void test_pcidev_header(void)
{
	struct bus b;
	struct pcidev *d = dev_new(&default_cfg, &b);

	g_assert_cmpstr(d->name, ==, "nic0");
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 2), ==, 0x1414);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_DEVICE_ID, 2), ==, 0xb111);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 4), ==, 0xb1111414);
	/* Class code: base class 0x02, subclass 0x08, prog-if 0x01. */
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CLASS_REVISION + 1, 1), ==, 0x01);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CLASS_REVISION + 2, 1), ==, 0x08);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CLASS_REVISION + 3, 1), ==, 0x02);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CLASS_REVISION, 4) >> 8, ==, 0x020801);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_HEADER_TYPE, 1) & 0x7f, ==, 0);
	g_assert_true(pcidev_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_SUBSYSTEM_VENDOR_ID, 2), ==, 0x1414);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_SUBSYSTEM_ID, 2), ==, 0xb111);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_INTERRUPT_PIN, 1), ==, 1);
	/* Out of reset: no decoding, no mastering, D0, nothing enabled. */
	g_assert_cmphex(pcidev_command(d), ==, 0);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 0);
	g_assert_false(pcidev_msix_enabled(d));
	g_assert_false(pcidev_msix_function_masked(d));
	g_assert_false(pcidev_msi_enabled(d));
	g_assert_cmpuint(pcidev_bar_base(d, 0), ==, 0);
	/* Read-only header fields ignore writes. */
	pcidev_cfg_write(d, PCI_VENDOR_ID, 0xffffffff, 4);
	pcidev_cfg_write(d, PCI_CLASS_REVISION, 0, 4);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 4), ==, 0xb1111414);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CLASS_REVISION, 4) >> 8, ==, 0x020801);
	/* The interrupt line is a scratch register. */
	pcidev_cfg_write(d, PCI_INTERRUPT_LINE, 0x0b, 1);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_INTERRUPT_LINE, 1), ==, 0x0b);
	g_free(d);
}

static void test_pcidev_default_name(void)
{
	struct pcidev_config cfg = default_cfg;
	struct bus b;
	struct pcidev *d;

	cfg.name = NULL;
	d = dev_new(&cfg, &b);
	g_assert_cmpstr(d->name, ==, "dev");
	g_free(d);
}

static void test_pcidev_cap_list(void)
{
	struct bus b;
	struct pcidev *d = dev_new(&default_cfg, &b);
	unsigned pos, seen = 0, ids[8];
	unsigned pm, msi, msix;

	pos = pcidev_cfg_read(d, PCI_CAPABILITY_LIST, 1);
	g_assert_cmpuint(pos, >=, 0x40);
	while (pos) {
		g_assert_cmpuint(seen, <, G_N_ELEMENTS(ids));
		/* Each capability is dword aligned, in the standard header's
		 * 192 bytes after it. */
		g_assert_cmpuint(pos & 3, ==, 0);
		g_assert_cmpuint(pos, >=, 0x40);
		g_assert_cmpuint(pos, <, 0x100);
		ids[seen++] = pcidev_cfg_read(d, pos, 1);
		pos = pcidev_cfg_read(d, pos + 1, 1);
	}
	g_assert_cmpuint(seen, ==, 3);
	g_assert_cmphex(ids[0], ==, PCI_CAP_ID_PM);
	g_assert_cmphex(ids[1], ==, PCI_CAP_ID_MSI);
	g_assert_cmphex(ids[2], ==, PCI_CAP_ID_MSIX);

	pm = find_cap(d, PCI_CAP_ID_PM);
	msi = find_cap(d, PCI_CAP_ID_MSI);
	msix = find_cap(d, PCI_CAP_ID_MSIX);
	g_assert_cmphex(pm, ==, DEF_PM_CAP);
	g_assert_cmphex(msi, ==, DEF_MSI_CAP);
	g_assert_cmphex(msix, ==, DEF_MSIX_CAP);
	g_assert_cmpuint(find_cap(d, 0x10), ==, 0); /* no PCIe cap */
	/* PM: version 3 in PMC. */
	g_assert_cmphex(pcidev_cfg_read(d, pm + 2, 2) & 7, ==, 3);
	/* MSI: 64-bit with per-vector masking, disabled. */
	g_assert_true(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT);
	g_assert_true(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_MASKBIT);
	g_assert_false(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
	/* The next pointers are read-only. */
	pcidev_cfg_write(d, PCI_CAPABILITY_LIST, 0, 1);
	pcidev_cfg_write(d, pm + 1, 0, 1);
	g_assert_cmphex(find_cap(d, PCI_CAP_ID_MSIX), ==, DEF_MSIX_CAP);
	g_free(d);
}

static void check_msix_layout(unsigned vectors, unsigned want_n)
{
	struct pcidev_config cfg = default_cfg;
	struct bus b;
	struct pcidev *d;
	unsigned msix, ctrl, table, pba, n;
	/* The default layout: the PBA at the first 8 KiB boundary after the
	 * table, the BAR the smallest power of two from 16 KiB that holds it. */
	uint32_t want_pba = MAX(DEF_PBA_OFF, (want_n * PCI_MSIX_ENTRY_SIZE + 0x1fff) & ~0x1fffu);
	uint32_t want_bar = DEF_BAR_SIZE;

	while (want_bar < want_pba + (want_n + 63) / 64 * 8)
		want_bar <<= 1;
	cfg.msix_vectors = vectors;
	d = dev_new(&cfg, &b);
	msix = find_cap(d, PCI_CAP_ID_MSIX);
	g_assert_cmphex(msix, !=, 0);
	ctrl = pcidev_cfg_read(d, msix + PCI_MSIX_FLAGS, 2);
	n = (ctrl & PCI_MSIX_FLAGS_QSIZE) + 1;
	g_assert_cmpuint(n, ==, want_n);
	g_assert_cmpuint(d->msix_n, ==, want_n);
	g_assert_false(ctrl & PCI_MSIX_FLAGS_ENABLE);
	g_assert_false(ctrl & PCI_MSIX_FLAGS_MASKALL);

	table = pcidev_cfg_read(d, msix + PCI_MSIX_TABLE, 4);
	pba = pcidev_cfg_read(d, msix + PCI_MSIX_PBA, 4);
	/* Both live in BAR0 (BIR 0), at qword-aligned offsets. */
	g_assert_cmpuint(table & 7, ==, 0);
	g_assert_cmpuint(pba & 7, ==, 0);
	g_assert_cmphex(table & ~7u, ==, DEF_TABLE_OFF);
	g_assert_cmphex(pba & ~7u, ==, want_pba);
	g_assert_cmphex(pcidev_bar_size(d, 0), ==, want_bar);
	/* The table and the PBA fit in the BAR and do not overlap. */
	g_assert_cmpuint((table & ~7u) + n * PCI_MSIX_ENTRY_SIZE, <=, want_bar);
	g_assert_cmpuint((pba & ~7u) + (n + 63) / 64 * 8, <=, want_bar);
	g_assert_true((table & ~7u) + n * PCI_MSIX_ENTRY_SIZE <= (pba & ~7u) ||
	              (pba & ~7u) + (n + 63) / 64 * 8 <= (table & ~7u));
	/* The table size is read-only. */
	msix_ctrl_write(d, 0x07ff);
	g_assert_cmpuint((pcidev_cfg_read(d, msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1,
	                 ==, want_n);
	pcidev_cfg_write(d, msix + PCI_MSIX_TABLE, 0x1234567, 4);
	g_assert_cmphex(pcidev_cfg_read(d, msix + PCI_MSIX_TABLE, 4), ==, table);
	/* Every vector comes out of reset masked, with nothing pending. */
	for (unsigned i = 0; i < n; i++) {
		bool masked = false;

		pcidev_msix_entry(d, i, NULL, NULL, &masked);
		g_assert_true(masked);
		g_assert_true(pcidev_bar_read(d, 0,
		                              (table & ~7u) + i * PCI_MSIX_ENTRY_SIZE +
		                                  PCI_MSIX_ENTRY_VECTOR_CTRL,
		                              4) &
		              PCI_MSIX_ENTRY_CTRL_MASKBIT);
		g_assert_false(pcidev_msix_pending(d, i));
	}
	g_free(d);
}

static void test_pcidev_msix_layout(void)
{
	check_msix_layout(1, 1);
	check_msix_layout(8, 8);
	check_msix_layout(33, 33);
	check_msix_layout(64, 64);
	check_msix_layout(512, 512);   /* the table fills the first 8 KiB */
	check_msix_layout(513, 513);   /* the PBA moves up */
	check_msix_layout(1000, 1000); /* a 32 KiB BAR */
	check_msix_layout(2048, 2048); /* the capability's limit: a 64 KiB BAR */
	/* Out-of-range requests are clamped to 1..2048. */
	check_msix_layout(0, 1);
	check_msix_layout(5000, 2048);
}

static void test_pcidev_bar_sizing(void)
{
	struct bus b;
	struct pcidev *d = dev_new(&default_cfg, &b);
	uint32_t lo, hi;
	uint64_t size;

	/* The sizing dance: write all ones, read back the mask. */
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	lo = pcidev_cfg_read(d, PCI_BASE_ADDRESS_0, 4);
	hi = pcidev_cfg_read(d, PCI_BASE_ADDRESS_1, 4);
	/* Memory BAR, 64-bit, type bits preserved. */
	g_assert_cmphex(lo & 1, ==, 0);
	g_assert_cmphex(lo & 6, ==, PCI_BASE_ADDRESS_MEM_TYPE_64);
	size = ~((((uint64_t)hi << 32) | (lo & ~0xfu))) + 1;
	g_assert_cmphex(size, ==, DEF_BAR_SIZE);

	/* Decoding needs the address and Memory Space Enable. */
	dev_enable(d);
	g_assert_cmphex(pcidev_bar_base(d, 0), ==, BAR0_GPA);
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_1, 0x2, 4);
	g_assert_cmphex(pcidev_bar_base(d, 0), ==, BAR0_GPA | (UINT64_C(2) << 32));
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	g_assert_cmphex(pcidev_bar_base(d, 0), ==, 0);
	/* Only MEMORY, MASTER and INTX_DISABLE are writable in COMMAND. */
	pcidev_cfg_write(d, PCI_COMMAND, 0xffff, 2);
	g_assert_cmphex(pcidev_command(d), ==,
	                PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	g_free(d);
}

static void test_pcidev_msix_enable(void)
{
	struct bus b;
	struct pcidev *d = dev_new(&default_cfg, &b);
	unsigned msix = find_cap(d, PCI_CAP_ID_MSIX);

	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_true(pcidev_msix_enabled(d));
	g_assert_false(pcidev_msix_function_masked(d));
	g_assert_true(pcidev_cfg_read(d, msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	g_assert_true(pcidev_msix_enabled(d));
	g_assert_true(pcidev_msix_function_masked(d));
	/* A byte write to the upper half of message control works too. */
	pcidev_cfg_write(d, msix + PCI_MSIX_FLAGS + 1, PCI_MSIX_FLAGS_ENABLE >> 8, 1);
	g_assert_true(pcidev_msix_enabled(d));
	g_assert_false(pcidev_msix_function_masked(d));
	msix_ctrl_write(d, 0);
	g_assert_false(pcidev_msix_enabled(d));
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

static void test_pcidev_vector_mask(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	unsigned vc = DEF_TABLE_OFF + 3 * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
	uint64_t address;
	uint32_t data;
	bool masked;

	pcidev_msix_entry(d, 3, &address, &data, &masked);
	g_assert_cmphex(address, ==, 0xfee03000);
	g_assert_cmphex(data, ==, 0x4003);
	g_assert_true(masked);
	msix_set_mask(d, 3, false);
	pcidev_msix_entry(d, 3, NULL, NULL, &masked);
	g_assert_false(masked);
	g_assert_cmphex(pcidev_bar_read(d, 0, vc, 4), ==, 0);
	/* Only vector 3 changed. */
	pcidev_msix_entry(d, 2, NULL, NULL, &masked);
	g_assert_true(masked);
	pcidev_msix_entry(d, 4, NULL, NULL, &masked);
	g_assert_true(masked);
	msix_set_mask(d, 3, true);
	pcidev_msix_entry(d, 3, NULL, NULL, &masked);
	g_assert_true(masked);
	g_assert_cmphex(pcidev_bar_read(d, 0, vc, 4), ==, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	/* A 64-bit address round-trips through the table. */
	msix_program(d, 5, UINT64_C(0x12345678fee0c000), 0xabcd);
	pcidev_msix_entry(d, 5, &address, &data, NULL);
	g_assert_cmphex(address, ==, UINT64_C(0x12345678fee0c000));
	g_assert_cmphex(data, ==, 0xabcd);
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

static void test_pcidev_fire_unmasked(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = "untouched";

	msix_set_mask(d, 2, false);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_cmpint(pcidev_fire(d, 2, &why), ==, FIRE_SENT);
	g_assert_null(why);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_true(b.m[0].ctx == &b);
	g_assert_true(b.m[0].d == d);
	g_assert_cmphex(b.m[0].address, ==, 0xfee02000);
	g_assert_cmphex(b.m[0].data, ==, 0x4002);
	g_assert_cmpuint(b.m[0].vector, ==, 2);
	g_assert_false(pcidev_msix_pending(d, 2));
	/* Each fire is one message; why may be NULL. */
	g_assert_cmpint(pcidev_fire(d, 2, NULL), ==, FIRE_SENT);
	g_assert_cmpuint(b.n, ==, 2);
	/* A reprogrammed entry sends the new message. */
	msix_program(d, 2, 0xfee05000, 0x4099);
	g_assert_cmpint(pcidev_fire(d, 2, NULL), ==, FIRE_SENT);
	g_assert_cmphex(b.m[2].address, ==, 0xfee05000);
	g_assert_cmphex(b.m[2].data, ==, 0x4099);
	g_free(d);
}

static void test_pcidev_fire_masked(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	g_assert_cmpint(pcidev_fire(d, 1, &why), ==, FIRE_PENDING);
	g_assert_nonnull(why);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_true(pcidev_msix_pending(d, 1));
	g_assert_true(pba_bit(d, 1));
	g_assert_false(pcidev_msix_pending(d, 0));
	g_assert_false(pba_bit(d, 0));
	/* Firing again while masked still sends nothing: one pending bit. */
	g_assert_cmpint(pcidev_fire(d, 1, NULL), ==, FIRE_PENDING);
	g_assert_cmpuint(b.n, ==, 0);
	/* The PBA is read-only. */
	pcidev_bar_write(d, 0, DEF_PBA_OFF, 0, 4);
	g_assert_true(pba_bit(d, 1));
	/* Unmasking another vector does not deliver this one. */
	msix_set_mask(d, 0, false);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_true(pcidev_msix_pending(d, 1));
	/* Unmasking it sends the pending message once and clears the bit. */
	msix_set_mask(d, 1, false);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmphex(b.m[0].address, ==, 0xfee01000);
	g_assert_cmphex(b.m[0].data, ==, 0x4001);
	g_assert_cmpuint(b.m[0].vector, ==, 1);
	g_assert_false(pcidev_msix_pending(d, 1));
	g_assert_false(pba_bit(d, 1));
	msix_set_mask(d, 1, false);
	g_assert_cmpuint(b.n, ==, 1);
	g_free(d);
}

/* The message sent on unmask is the one programmed at unmask time (the
 * driver may retarget a masked vector). */
static void test_pcidev_pending_reprogrammed(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);

	g_assert_cmpint(pcidev_fire(d, 4, NULL), ==, FIRE_PENDING);
	msix_program(d, 4, 0xfee07000, 0x4444);
	g_assert_cmpuint(b.n, ==, 0);
	msix_set_mask(d, 4, false);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmphex(b.m[0].address, ==, 0xfee07000);
	g_assert_cmphex(b.m[0].data, ==, 0x4444);
	g_free(d);
}

static void test_pcidev_function_mask(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	msix_set_mask(d, 0, false);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	g_assert_true(pcidev_msix_function_masked(d));
	/* Unmasked vector, masked function: pending. */
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_PENDING);
	g_assert_nonnull(why);
	g_assert_true(pcidev_msix_pending(d, 0));
	/* Masked vector, masked function: pending too. */
	g_assert_cmpint(pcidev_fire(d, 6, NULL), ==, FIRE_PENDING);
	g_assert_cmpuint(b.n, ==, 0);
	/* The function mask does not change the per-vector bits. */
	{
		bool masked;

		pcidev_msix_entry(d, 0, NULL, NULL, &masked);
		g_assert_false(masked);
	}
	/* Clearing the function mask delivers what is pending and unmasked;
	 * vector 6 stays pending until its own mask goes. */
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmpuint(b.m[0].vector, ==, 0);
	g_assert_false(pcidev_msix_pending(d, 0));
	g_assert_true(pcidev_msix_pending(d, 6));
	msix_set_mask(d, 6, false);
	g_assert_cmpuint(b.n, ==, 2);
	g_assert_cmpuint(b.m[1].vector, ==, 6);
	g_assert_cmphex(b.m[1].data, ==, 0x4006);
	g_assert_false(pcidev_msix_pending(d, 6));
	g_free(d);
}

/* 64 vectors, some pending, some of those masked: clearing the function
 * mask sends the pending unmasked ones once each, lowest first, through
 * vector 63; the masked ones stay pending until their own mask goes. */
static void test_pcidev_pending_64(void)
{
	struct pcidev_config cfg = default_cfg;
	struct bus b;
	struct pcidev *d;
	static const unsigned fired[] = {63, 0, 7, 8, 31, 32, 40, 62};
	static const unsigned sent[] = {0, 8, 31, 40, 62, 63}; /* 7, 32 stay masked */

	cfg.msix_vectors = 64;
	d = dev_new(&cfg, &b);
	dev_enable(d);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < 64; i++) {
		msix_program(d, i, 0xfee00000u, 0x4000 + i);
		msix_set_mask(d, i, i == 7 || i == 32);
	}
	for (unsigned k = 0; k < G_N_ELEMENTS(fired); k++)
		g_assert_cmpint(pcidev_fire(d, fired[k], NULL), ==, FIRE_PENDING);
	g_assert_cmpuint(b.n, ==, 0);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_cmpuint(b.n, ==, G_N_ELEMENTS(sent));
	for (unsigned k = 0; k < G_N_ELEMENTS(sent); k++) {
		g_assert_cmpuint(b.m[k].vector, ==, sent[k]);
		g_assert_false(pba_bit(d, sent[k]));
	}
	g_assert_true(pba_bit(d, 7));
	g_assert_true(pba_bit(d, 32));
	msix_set_mask(d, 32, false);
	g_assert_cmpuint(b.n, ==, G_N_ELEMENTS(sent) + 1);
	g_assert_cmpuint(b.m[b.n - 1].vector, ==, 32);
	g_assert_true(pba_bit(d, 7));
	g_free(d);
}

static void test_pcidev_fire_no_master(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	msix_set_mask(d, 0, false);
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_DROPPED);
	g_assert_nonnull(why);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_false(pcidev_msix_pending(d, 0));
	/* A masked vector still latches pending without bus mastering; it is
	 * delivered once both the mask and mastering allow. */
	g_assert_cmpint(pcidev_fire(d, 1, NULL), ==, FIRE_PENDING);
	msix_set_mask(d, 1, false);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_true(pcidev_msix_pending(d, 1));
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmpuint(b.m[0].vector, ==, 1);
	g_assert_false(pcidev_msix_pending(d, 1));
	g_free(d);
}

static void test_pcidev_fire_bad_vector(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	g_assert_cmpint(pcidev_fire(d, d->msix_n, &why), ==, FIRE_DROPPED);
	g_assert_nonnull(why);
	g_assert_cmpint(pcidev_fire(d, 1000, NULL), ==, FIRE_DROPPED);
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

static void test_pcidev_fire_msix_disabled(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	msix_set_mask(d, 0, false);
	msix_ctrl_write(d, 0);
	g_assert_false(pcidev_msix_enabled(d));
	/* No MSI-X, no MSI: Hyper-V vPCI routes no INTx, the interrupt is
	 * dropped (INTx status is raised). */
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_DROPPED);
	g_assert_nonnull(why);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_false(pcidev_msix_pending(d, 0));
	g_assert_true(pcidev_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* With INTx disabled too it is dropped, and nothing is latched. */
	pcidev_cfg_write(d, PCI_COMMAND,
	                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
	why = NULL;
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_DROPPED);
	g_assert_nonnull(why);
	/* Re-enabling MSI-X later does not send the dropped interrupts. */
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

static void test_pcidev_msi(void)
{
	struct bus b;
	struct pcidev *d = dev_new(&default_cfg, &b);
	unsigned msi = find_cap(d, PCI_CAP_ID_MSI);
	const char *why = NULL;

	dev_enable(d);
	pcidev_cfg_write(d, msi + PCI_MSI_ADDRESS_LO, 0xfee03000, 4);
	pcidev_cfg_write(d, msi + PCI_MSI_ADDRESS_HI, 0, 4);
	pcidev_cfg_write(d, msi + PCI_MSI_DATA_64, 0x4020, 2);
	pcidev_cfg_write(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
	g_assert_true(pcidev_msi_enabled(d));
	/* The capability bits are read-only. */
	g_assert_true(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT);
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_SENT);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmphex(b.m[0].address, ==, 0xfee03000);
	g_assert_cmphex(b.m[0].data, ==, 0x4020);
	g_assert_cmpuint(b.m[0].vector, ==, 0);
	/* One vector enabled: vector 1 does not exist. */
	g_assert_cmpint(pcidev_fire(d, 1, NULL), ==, FIRE_DROPPED);
	/* Masked: pending, then delivered on unmask. */
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 1, 4);
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_PENDING);
	g_assert_nonnull(why);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_PENDING_64, 4) & 1, ==, 1);
	g_assert_cmpuint(b.n, ==, 1);
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 0, 4);
	g_assert_cmpuint(b.n, ==, 2);
	g_assert_cmphex(b.m[1].data, ==, 0x4020);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_PENDING_64, 4) & 1, ==, 0);
	/* The pending register is read-only. */
	pcidev_cfg_write(d, msi + PCI_MSI_PENDING_64, 1, 4);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_PENDING_64, 4) & 1, ==, 0);
	/* MSI-X wins over MSI when both are on. */
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE);
	g_assert_cmpint(pcidev_fire(d, 0, NULL), ==, FIRE_PENDING);
	g_assert_true(pcidev_msix_pending(d, 0));
	g_assert_cmpuint(b.n, ==, 2);
	g_free(d);
}

static void test_pcidev_reset(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	uint64_t address;
	uint32_t data;
	bool masked;

	for (unsigned i = 0; i < d->msix_n; i++)
		msix_set_mask(d, i, false);
	msix_ctrl_write(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	g_assert_cmpint(pcidev_fire(d, 3, NULL), ==, FIRE_PENDING);
	pcidev_cfg_write(d, DEF_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);

	pcidev_reset(d);
	/* MSI-X and MSI off, function mask clear, decoding off. */
	g_assert_false(pcidev_msix_enabled(d));
	g_assert_false(pcidev_msix_function_masked(d));
	g_assert_false(pcidev_msi_enabled(d));
	g_assert_cmphex(pcidev_command(d), ==, 0);
	g_assert_cmpuint(pcidev_bar_base(d, 0), ==, 0);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 0);
	/* Every vector masked (PCI: Mask Bit set at reset), nothing pending,
	 * address and data cleared. */
	for (unsigned i = 0; i < d->msix_n; i++) {
		pcidev_msix_entry(d, i, &address, &data, &masked);
		g_assert_true(masked);
		g_assert_cmphex(address, ==, 0);
		g_assert_cmphex(data, ==, 0);
		g_assert_false(pcidev_msix_pending(d, i));
	}
	/* The identity and the capability layout survive. */
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 4), ==, 0xb1111414);
	g_assert_cmphex(find_cap(d, PCI_CAP_ID_MSIX), ==, DEF_MSIX_CAP);
	g_assert_cmpuint(
	    (pcidev_cfg_read(d, DEF_MSIX_CAP + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1, ==,
	    default_cfg.msix_vectors);
	/* The reset sent nothing. */
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

static void pm_write(struct pcidev *d, unsigned state)
{
	pcidev_cfg_write(d, DEF_PM_CAP + PCI_PM_CTRL, state, 2);
}

static void test_pcidev_pm(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	const char *why = NULL;

	msix_set_mask(d, 0, false);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 0);
	g_assert_cmphex(pcidev_bar_base(d, 0), ==, BAR0_GPA);

	pm_write(d, 3);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 3);
	g_assert_cmphex(pcidev_cfg_read(d, DEF_PM_CAP + PCI_PM_CTRL, 2) & 3, ==, 3);
	/* In D3hot the BAR claims nothing and interrupts are dropped. */
	g_assert_cmpuint(pcidev_bar_base(d, 0), ==, 0);
	g_assert_cmpint(pcidev_fire(d, 0, &why), ==, FIRE_DROPPED);
	g_assert_nonnull(why);
	g_assert_false(pcidev_msix_pending(d, 0));
	g_assert_cmpuint(b.n, ==, 0);
	/* Config space still answers in D3hot. */
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 2), ==, 0x1414);
	/* Only the state field of PMCSR is writable here. */
	pcidev_cfg_write(d, DEF_PM_CAP + PCI_PM_CTRL, 0xfffc | 3, 2);
	g_assert_cmphex(pcidev_cfg_read(d, DEF_PM_CAP + PCI_PM_CTRL, 2), ==, 3);

	/* D3hot -> D0 without No_Soft_Reset resets the function: MSI-X is off
	 * and every vector masked again. */
	g_assert_false(pcidev_cfg_read(d, DEF_PM_CAP + PCI_PM_CTRL, 2) & 0x8);
	pm_write(d, 0);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 0);
	g_assert_false(pcidev_msix_enabled(d));
	g_assert_cmphex(pcidev_command(d), ==, 0);
	for (unsigned i = 0; i < d->msix_n; i++) {
		bool masked;

		pcidev_msix_entry(d, i, NULL, NULL, &masked);
		g_assert_true(masked);
	}
	g_assert_cmpuint(b.n, ==, 0);
	/* D0 -> D0 is no reset. */
	dev_enable(d);
	pm_write(d, 0);
	g_assert_cmphex(pcidev_bar_base(d, 0), ==, BAR0_GPA);
	g_free(d);
}

/* PMC advertises neither D1 nor D2 (bits 9 and 10 clear); PCI PM 1.2
 * 8.2.2: a write of an unsupported state to PMCSR completes normally, but
 * the data is discarded and no state change occurs. */
static void test_pcidev_pm_unsupported_state(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	unsigned pmc = pcidev_cfg_read(d, DEF_PM_CAP + 2, 2);
	unsigned bad = 0;

	g_assert_false(pmc & (1u << 9));
	g_assert_false(pmc & (1u << 10));
	for (unsigned s = 1; s <= 2; s++) {
		pm_write(d, s);
		if (pcidev_pm_state(d) != 0) {
			g_test_message("D%u written, PMCSR state now D%u", s, pcidev_pm_state(d));
			bad++;
		}
		pm_write(d, 0);
	}
	g_assert_cmpuint(bad, ==, 0);
	g_free(d);
}

static void test_pcidev_out_of_range(void)
{
	struct bus b;
	struct pcidev *d = dev_ready(&b);
	uint8_t before[PCI_CFG_SPACE_SIZE], table_before[sizeof(d->msix_table)],
	    pba_before[sizeof(d->msix_pba)];

	memcpy(before, d->config, sizeof(before));
	memcpy(table_before, d->msix_table, sizeof(table_before));
	memcpy(pba_before, d->msix_pba, sizeof(pba_before));
	/* Reads beyond config space read as all ones. */
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CFG_SPACE_SIZE, 4), ==, 0xffffffff);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CFG_SPACE_SIZE - 2, 4), ==, 0xffffffff);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CFG_SPACE_SIZE + 100, 1), ==, 0xffffffff);
	/* Extended config space exists but is empty. */
	g_assert_cmphex(pcidev_cfg_read(d, 0x100, 4), ==, 0);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_CFG_SPACE_SIZE - 4, 4), ==, 0);
	/* Writes beyond the standard header are ignored. */
	pcidev_cfg_write(d, 0x100, 0xffffffff, 4);
	pcidev_cfg_write(d, 0xfe, 0xffffffff, 4);
	pcidev_cfg_write(d, PCI_CFG_SPACE_SIZE, 0xffffffff, 4);
	pcidev_cfg_write(d, PCI_CFG_SPACE_SIZE + 4096, 0xffffffff, 4);
	g_assert_cmpmem(d->config, sizeof(before), before, sizeof(before));

	/* Unaligned and odd-sized reads see the bytes little-endian. */
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID + 1, 2), ==, 0x1114);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID + 1, 3), ==, 0xb11114);
	g_assert_cmphex(pcidev_cfg_read(d, PCI_VENDOR_ID, 0), ==, 0);
	/* An unaligned write to COMMAND's upper byte sets INTX_DISABLE only. */
	pcidev_cfg_write(d, PCI_COMMAND + 1, 0xffffff, 3);
	g_assert_cmphex(pcidev_command(d), ==,
	                PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	pcidev_cfg_write(d, PCI_COMMAND, 0, 0);
	g_assert_cmphex(pcidev_command(d), ==,
	                PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);

	/* BAR: beyond the end reads all ones, writes are ignored. */
	g_assert_cmphex(pcidev_bar_read(d, 0, DEF_BAR_SIZE, 4), ==, 0xffffffff);
	g_assert_cmphex(pcidev_bar_read(d, 0, DEF_BAR_SIZE - 2, 4), ==, 0xffffffff);
	pcidev_bar_write(d, 0, DEF_BAR_SIZE, 0xffffffff, 4);
	pcidev_bar_write(d, 0, DEF_BAR_SIZE - 2, 0xffffffff, 4);
	/* Past the table (the PBA and the rest) is read-only. */
	pcidev_bar_write(d, 0, DEF_TABLE_OFF + d->msix_n * PCI_MSIX_ENTRY_SIZE, 0xffffffff, 4);
	pcidev_bar_write(d, 0, DEF_TABLE_OFF + d->msix_n * PCI_MSIX_ENTRY_SIZE - 2, 0xffffffff, 4);
	pcidev_bar_write(d, 0, DEF_PBA_OFF, 0xffffffff, 4);
	g_assert_cmpmem(d->msix_table, sizeof(table_before), table_before, sizeof(table_before));
	g_assert_cmpmem(d->msix_pba, sizeof(pba_before), pba_before, sizeof(pba_before));
	/* Unaligned BAR read inside the table. */
	g_assert_cmphex(pcidev_bar_read(d, 0, DEF_TABLE_OFF + PCI_MSIX_ENTRY_DATA + 1, 2), ==,
	                (0x4000u >> 8) & 0xffff);
	g_assert_cmpuint(b.n, ==, 0);
	g_free(d);
}

/* Offsets near UINT_MAX must not wrap around in the range checks. */
static void test_pcidev_huge_offset(void)
{
	if (g_test_subprocess()) {
		struct bus b;
		struct pcidev *d = dev_ready(&b);

		g_assert_cmphex(pcidev_cfg_read(d, UINT_MAX - 1, 4), ==, 0xffffffff);
		pcidev_cfg_write(d, UINT_MAX - 1, 0xffffffff, 4);
		g_assert_cmphex(pcidev_bar_read(d, 0, UINT_MAX - 1, 4), ==, 0xffffffff);
		pcidev_bar_write(d, 0, UINT_MAX - 1, 0xffffffff, 4);
		g_free(d);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* ---- layouts ---- */

struct layout_case {
	const char *what;
	struct pcidev_layout layout;
	unsigned vectors;
	uint64_t gpa; /* where the test puts the MSI-X BAR */
	/* what a guest must find */
	uint8_t cap_ids[3];
	uint64_t bar_size;
};

static const struct layout_case layout_cases[] = {
    {"default",
     {{PCIDEV_CAP_NONE}, 0, 0},
     8,
     BAR0_GPA,
     {PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX},
     0x4000},
    {"caps-reordered",
     {{PCIDEV_CAP_MSIX, PCIDEV_CAP_PM, PCIDEV_CAP_MSI}, 0, 0},
     8,
     UINT64_C(0x2fe000000),
     {PCI_CAP_ID_MSIX, PCI_CAP_ID_PM, PCI_CAP_ID_MSI},
     0x4000},
    {"bar2-offset-0x800",
     {{PCIDEV_CAP_NONE}, 2, 0x800},
     16,
     UINT64_C(0x1000004000),
     {PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX},
     0x4000},
    {"bar5-32bit",
     {{PCIDEV_CAP_MSI, PCIDEV_CAP_MSIX, PCIDEV_CAP_PM}, 5, 0x1ff8},
     64,
     0xfd000000,
     {PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX, PCI_CAP_ID_PM},
     0x8000},
    {"bar4-near-1mib",
     {{PCIDEV_CAP_PM, PCIDEV_CAP_MSIX, PCIDEV_CAP_MSI}, 4, 0xffff8},
     3,
     UINT64_C(0x1000200000),
     {PCI_CAP_ID_PM, PCI_CAP_ID_MSIX, PCI_CAP_ID_MSI},
     0x200000},
    {"bar1",
     {{PCIDEV_CAP_MSI, PCIDEV_CAP_PM, PCIDEV_CAP_MSIX}, 1, 0x10},
     1,
     UINT64_C(0x1000010000),
     {PCI_CAP_ID_MSI, PCI_CAP_ID_PM, PCI_CAP_ID_MSIX},
     0x4000},
};

static struct pcidev *layout_dev(const struct layout_case *c, struct bus *b)
{
	struct pcidev_config cfg = default_cfg;
	struct pcidev *d = g_new(struct pcidev, 1);

	cfg.layout = c->layout;
	cfg.msix_vectors = c->vectors;
	memset(b, 0, sizeof(*b));
	g_assert_true(pcidev_init(d, &cfg, record_msg, b));
	return d;
}

/* A guest's BAR memory access: whichever BAR decodes gpa gets it. */
static uint32_t mmio_read(struct pcidev *d, uint64_t gpa, unsigned size)
{
	unsigned bar, off;

	if (!pcidev_bar_claims(d, gpa, size, &bar, &off))
		return 0xffffffffu;
	return pcidev_bar_read(d, bar, off, size);
}

static void mmio_write(struct pcidev *d, uint64_t gpa, uint32_t val, unsigned size)
{
	unsigned bar, off;

	if (pcidev_bar_claims(d, gpa, size, &bar, &off))
		pcidev_bar_write(d, bar, off, val, size);
}

struct found_bar {
	uint64_t size;
	bool is64, io;
};

/* Sizes every BAR the way a PCI core does: save, write all ones, read the
 * mask back (and the upper dword of a 64-bit BAR), restore. */
static void size_bars(struct pcidev *d, struct found_bar bars[PCIDEV_NUM_BARS])
{
	memset(bars, 0, PCIDEV_NUM_BARS * sizeof(*bars));
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++) {
		unsigned reg = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t saved = pcidev_cfg_read(d, reg, 4), lo, hi = 0, saved_hi = 0;
		uint64_t mask;

		pcidev_cfg_write(d, reg, 0xffffffff, 4);
		lo = pcidev_cfg_read(d, reg, 4);
		g_assert_cmphex(lo, ==, pcidev_bar_probe(d, i));
		pcidev_cfg_write(d, reg, saved, 4);
		if (!lo)
			continue;
		bars[i].io = lo & PCI_BASE_ADDRESS_SPACE_IO;
		bars[i].is64 =
		    (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (bars[i].is64) {
			g_assert_cmpuint(i, <, PCIDEV_NUM_BARS - 1);
			saved_hi = pcidev_cfg_read(d, reg + 4, 4);
			pcidev_cfg_write(d, reg + 4, 0xffffffff, 4);
			hi = pcidev_cfg_read(d, reg + 4, 4);
			g_assert_cmphex(hi, ==, pcidev_bar_probe(d, i + 1));
			pcidev_cfg_write(d, reg + 4, saved_hi, 4);
			mask = ((uint64_t)hi << 32) | (lo & PCI_BASE_ADDRESS_MEM_MASK);
		} else {
			mask = UINT64_C(0xffffffff00000000) | (lo & PCI_BASE_ADDRESS_MEM_MASK);
		}
		bars[i].size = ~mask + 1;
		if (bars[i].is64)
			i++; /* the upper half is no BAR of its own */
	}
}

/* A guest's view of a function with any layout: walk the capability list,
 * size every BAR, find the table and the PBA through Table Offset/BIR and
 * PBA Offset/BIR, program a vector through BAR memory and fire it. */
static void test_layout_guest_walk(gconstpointer data)
{
	const struct layout_case *c = data;
	struct bus b;
	struct pcidev *d = layout_dev(c, &b);
	struct found_bar bars[PCIDEV_NUM_BARS];
	unsigned pos, n = 0, caps[8] = {0}, ids[8] = {0};
	unsigned pm = 0, msi = 0, msix = 0, bir, pba_bir, nvec, implemented = 0, v;
	uint32_t table, pba;
	uint64_t table_gpa, pba_gpa, address;
	uint32_t msg_data;
	bool masked;

	/* The capability list, in the layout's order, without overlaps. */
	g_assert_true(pcidev_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (pos = pcidev_cfg_read(d, PCI_CAPABILITY_LIST, 1); pos;
	     pos = pcidev_cfg_read(d, pos + PCI_CAP_LIST_NEXT, 1)) {
		g_assert_cmpuint(n, <, G_N_ELEMENTS(caps));
		g_assert_cmpuint(pos & 3, ==, 0);
		g_assert_cmpuint(pos, >=, 0x40);
		g_assert_cmpuint(pos, <, 0x100);
		caps[n] = pos;
		ids[n++] = pcidev_cfg_read(d, pos + PCI_CAP_LIST_ID, 1);
	}
	g_assert_cmpuint(n, ==, 3);
	for (unsigned i = 0; i < n; i++) {
		g_assert_cmphex(ids[i], ==, c->cap_ids[i]);
		if (ids[i] == PCI_CAP_ID_PM)
			pm = caps[i];
		else if (ids[i] == PCI_CAP_ID_MSI)
			msi = caps[i];
		else if (ids[i] == PCI_CAP_ID_MSIX)
			msix = caps[i];
	}
	g_assert_true(pm && msi && msix);
	/* PM is 8 bytes, MSI (64-bit, maskable) 24, MSI-X 12: no overlap. */
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n; j++) {
			unsigned len = ids[i] == PCI_CAP_ID_PM    ? 8
			               : ids[i] == PCI_CAP_ID_MSI ? 24
			                                          : 12;
			if (i != j)
				g_assert_true(caps[j] >= caps[i] + len || caps[j] < caps[i]);
		}
	g_assert_true(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT);
	g_assert_cmphex(pcidev_cfg_read(d, pm + 2, 2) & 7, ==, 3);

	/* Exactly one BAR: memory, 64-bit unless it is BAR 5. */
	size_bars(d, bars);
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++) {
		if (!bars[i].size)
			continue;
		implemented++;
		g_assert_cmpuint(i, ==, c->layout.msix_bar);
		g_assert_false(bars[i].io);
		g_assert_cmpint(bars[i].is64, ==, i != 5);
		g_assert_cmphex(bars[i].size, ==, c->bar_size);
		g_assert_cmphex(pcidev_bar_size(d, i), ==, c->bar_size);
	}
	g_assert_cmpuint(implemented, ==, 1);
	/* Sizing left every BAR as it was. */
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		g_assert_cmphex(pcidev_cfg_read(d, PCI_BASE_ADDRESS_0 + 4 * i, 4) &
		                    PCI_BASE_ADDRESS_MEM_MASK,
		                ==, 0);

	/* The table and the PBA, from the MSI-X capability alone. */
	nvec = (pcidev_cfg_read(d, msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
	g_assert_cmpuint(nvec, ==, c->vectors);
	table = pcidev_cfg_read(d, msix + PCI_MSIX_TABLE, 4);
	pba = pcidev_cfg_read(d, msix + PCI_MSIX_PBA, 4);
	bir = table & PCI_MSIX_TABLE_BIR;
	pba_bir = pba & PCI_MSIX_PBA_BIR;
	g_assert_cmpuint(bir, ==, c->layout.msix_bar);
	g_assert_cmpuint(pba_bir, ==, bir);
	g_assert_cmphex(table & PCI_MSIX_TABLE_OFFSET, ==, c->layout.msix_table_offset);
	g_assert_cmpuint((table & PCI_MSIX_TABLE_OFFSET) + nvec * PCI_MSIX_ENTRY_SIZE, <=,
	                 pba & PCI_MSIX_PBA_OFFSET);
	g_assert_cmpuint((pba & PCI_MSIX_PBA_OFFSET) + (nvec + 63) / 64 * 8, <=, bars[bir].size);
	/* They never share a 4 KiB page. */
	g_assert_cmphex(((table & PCI_MSIX_TABLE_OFFSET) + nvec * PCI_MSIX_ENTRY_SIZE - 1) >> 12, <,
	                (pba & PCI_MSIX_PBA_OFFSET) >> 12);

	/* Program the BAR, decode, master; MSI-X on with the function masked. */
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_0 + 4 * bir, (uint32_t)c->gpa, 4);
	if (bars[bir].is64)
		pcidev_cfg_write(d, PCI_BASE_ADDRESS_0 + 4 * bir + 4, (uint32_t)(c->gpa >> 32), 4);
	g_assert_cmpuint(mmio_read(d, c->gpa, 4), ==, 0xffffffffu); /* decoding off */
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	g_assert_cmphex(pcidev_bar_base(d, bir), ==, c->gpa);
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		if (i != bir)
			g_assert_cmphex(pcidev_bar_base(d, i), ==, 0);
	pcidev_cfg_write(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
	                 2);
	table_gpa = c->gpa + (table & PCI_MSIX_TABLE_OFFSET);
	pba_gpa = c->gpa + (pba & PCI_MSIX_PBA_OFFSET);
	/* Nothing answers just past the BAR. */
	g_assert_cmphex(mmio_read(d, c->gpa + bars[bir].size, 4), ==, 0xffffffffu);
	g_assert_cmphex(mmio_read(d, c->gpa - 4, 4), ==, 0xffffffffu);

	/* The last vector: every entry is masked out of reset. */
	v = nvec - 1;
	g_assert_cmphex(mmio_read(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), ==,
	                PCI_MSIX_ENTRY_CTRL_MASKBIT);
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee01000, 4);
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_UPPER_ADDR, 0, 4);
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_DATA, 0x4041, 4);
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	pcidev_cfg_write(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	/* The oracles' inspection sees what the guest wrote. */
	pcidev_msix_entry(d, v, &address, &msg_data, &masked);
	g_assert_cmphex(address, ==, 0xfee01000);
	g_assert_cmphex(msg_data, ==, 0x4041);
	g_assert_false(masked);
	g_assert_cmpint(pcidev_fire(d, v, NULL), ==, FIRE_SENT);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmphex(b.m[0].address, ==, 0xfee01000);
	g_assert_cmphex(b.m[0].data, ==, 0x4041);
	g_assert_cmpuint(b.m[0].vector, ==, v);

	/* Masked: pending in the PBA the capability points at, sent on unmask. */
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT,
	           4);
	g_assert_cmpint(pcidev_fire(d, v, NULL), ==, FIRE_PENDING);
	g_assert_true(pcidev_msix_pending(d, v));
	g_assert_true(mmio_read(d, pba_gpa + v / 32 * 4, 4) & (1u << (v % 32)));
	mmio_write(d, pba_gpa, 0, 4); /* read-only */
	g_assert_true(pcidev_msix_pending(d, v));
	mmio_write(d, table_gpa + v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	g_assert_cmpuint(b.n, ==, 2);
	g_assert_cmphex(b.m[1].data, ==, 0x4041);
	g_assert_false(mmio_read(d, pba_gpa + v / 32 * 4, 4) & (1u << (v % 32)));

	/* The other vectors were not touched. */
	for (unsigned i = 0; i + 1 < nvec; i++) {
		pcidev_msix_entry(d, i, &address, NULL, &masked);
		g_assert_true(masked);
		g_assert_cmphex(address, ==, 0);
	}
	/* D3hot through the PM capability found: the BAR stops decoding. */
	pcidev_cfg_write(d, pm + PCI_PM_CTRL, 3, 2);
	g_assert_cmpuint(pcidev_pm_state(d), ==, 3);
	g_assert_cmphex(pcidev_bar_base(d, bir), ==, 0);
	g_assert_cmphex(mmio_read(d, table_gpa, 4), ==, 0xffffffffu);
	g_free(d);
}

/* The all-ones probe for every BAR index the table can live in. */
static void test_layout_bar_probe(void)
{
	for (unsigned bar = 0; bar < PCIDEV_NUM_BARS; bar++) {
		struct pcidev_config cfg = default_cfg;
		struct pcidev *d = g_new(struct pcidev, 1);
		struct bus b;

		cfg.layout.msix_bar = bar;
		g_assert_true(pcidev_init(d, &cfg, record_msg, &b));
		for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++) {
			unsigned reg = PCI_BASE_ADDRESS_0 + 4 * i;
			uint32_t want, type = 0;

			if (i == bar) {
				type = bar == 5 ? 0 : PCI_BASE_ADDRESS_MEM_TYPE_64;
				want = 0xffffc000u | type;
			} else if (i == bar + 1 && bar != 5) {
				want = 0xffffffffu;
			} else {
				want = 0;
			}
			g_test_message("msix_bar %u, BAR%u: want %#x", bar, i, want);
			g_assert_cmphex(pcidev_bar_probe(d, i), ==, want);
			/* the probe is only a look: nothing was written */
			g_assert_cmphex(pcidev_cfg_read(d, reg, 4), ==, type);
			pcidev_cfg_write(d, reg, 0xffffffff, 4);
			g_assert_cmphex(pcidev_cfg_read(d, reg, 4), ==, want);
			/* the type bits are read-only */
			pcidev_cfg_write(d, reg, 0, 4);
			g_assert_cmphex(pcidev_cfg_read(d, reg, 4), ==, type);
			/* byte writes size too */
			for (unsigned k = 0; k < 4; k++)
				pcidev_cfg_write(d, reg + k, 0xff, 1);
			g_assert_cmphex(pcidev_cfg_read(d, reg, 4), ==, want);
			pcidev_cfg_write(d, reg, 0, 4);
			g_assert_cmphex(pcidev_bar_size(d, i), ==, i == bar ? 0x4000 : 0);
		}
		g_assert_cmphex(pcidev_bar_probe(d, PCIDEV_NUM_BARS), ==, 0);
		/* An unimplemented BAR's memory does not exist. */
		for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++) {
			if (i == bar)
				continue;
			g_assert_cmphex(pcidev_bar_read(d, i, 0, 4), ==, 0xffffffffu);
			pcidev_bar_write(d, i, PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
		}
		{
			bool masked = false;
			pcidev_msix_entry(d, 0, NULL, NULL, &masked);
			g_assert_true(masked);
		}
		g_free(d);
	}
}

static const enum pcidev_cap perms[6][3] = {
    {PCIDEV_CAP_PM, PCIDEV_CAP_MSI, PCIDEV_CAP_MSIX},
    {PCIDEV_CAP_PM, PCIDEV_CAP_MSIX, PCIDEV_CAP_MSI},
    {PCIDEV_CAP_MSI, PCIDEV_CAP_PM, PCIDEV_CAP_MSIX},
    {PCIDEV_CAP_MSI, PCIDEV_CAP_MSIX, PCIDEV_CAP_PM},
    {PCIDEV_CAP_MSIX, PCIDEV_CAP_PM, PCIDEV_CAP_MSI},
    {PCIDEV_CAP_MSIX, PCIDEV_CAP_MSI, PCIDEV_CAP_PM},
};

/* The placement rules of pcidev.h hold for every permutation, BAR, vector
 * count and a spread of offsets up to the largest allowed. */
static void test_layout_placement(void)
{
	static const uint32_t offsets[] = {0,      8,      0x7f8,   0x800,   0x1000,  0x1ff8,
	                                   0x2000, 0x3ff8, 0x12340, 0xfeff8, 0xff000, 0xffff8};
	static const unsigned counts[] = {1, 2, 8, 33, 63, 64};
	static const uint8_t cap_len[PCIDEV_CAP__END] = {0, 8, 24, 12};
	unsigned checked = 0;

	for (unsigned p = 0; p < G_N_ELEMENTS(perms); p++)
		for (unsigned bar = 0; bar < PCIDEV_NUM_BARS; bar++)
			for (unsigned o = 0; o < G_N_ELEMENTS(offsets); o++)
				for (unsigned k = 0; k < G_N_ELEMENTS(counts); k++) {
					struct pcidev_layout l = {
					    {perms[p][0], perms[p][1], perms[p][2]},
					    bar,
					    offsets[o]};
					struct pcidev_placement at;
					uint32_t table_end = offsets[o] + counts[k] * 16;
					char *why = NULL;

					g_assert_true(pcidev_layout_validate(&l, &why));
					g_assert_null(why);
					g_assert_true(
					    pcidev_layout_place(&l, counts[k], &at, &why));
					g_assert_null(why);
					/* capabilities: in order, 16-byte aligned, packed from 0x40
					 */
					g_assert_cmphex(at.cap[perms[p][0]], ==, 0x40);
					for (unsigned i = 0; i < 3; i++) {
						g_assert_cmpuint(at.order[i], ==, perms[p][i]);
						g_assert_cmphex(at.cap[perms[p][i]] % 16, ==, 0);
						if (i)
							g_assert_cmphex(at.cap[perms[p][i]], ==,
							                (at.cap[perms[p][i - 1]] +
							                 cap_len[perms[p][i - 1]] +
							                 15) &
							                    ~15u);
					}
					g_assert_cmpuint(at.cap[perms[p][2]] + cap_len[perms[p][2]],
					                 <=, 0x100);
					/* the BAR */
					g_assert_cmpuint(at.msix_bar, ==, bar);
					g_assert_cmpint(at.bar64, ==, bar != 5);
					g_assert_cmpuint(at.bar_size & (at.bar_size - 1), ==, 0);
					g_assert_cmpuint(at.bar_size, >=, 0x4000);
					g_assert_cmpuint(at.bar_size, <=, 0x200000);
					/* the table where asked, the PBA on the next 8 KiB
					 * boundary, both inside, apart */
					g_assert_cmphex(at.table_off, ==, offsets[o]);
					g_assert_cmphex(at.pba_off, ==,
					                (table_end + 0x1fff) & ~0x1fffu);
					g_assert_cmpuint(at.pba_off + 8, <=, at.bar_size);
					g_assert_cmpuint(at.bar_size / 2, <,
					                 MAX(0x4000u, at.pba_off + 8));
					checked++;
				}
	g_assert_cmpuint(checked, ==, 6 * 6 * 12 * 6);
	/* A zeroed layout is the explicit default order. */
	{
		struct pcidev_layout zero = {{PCIDEV_CAP_NONE}, 0, 0},
		                     explicit = {
		                         {PCIDEV_CAP_PM, PCIDEV_CAP_MSI, PCIDEV_CAP_MSIX}, 0, 0};
		struct pcidev_placement a, b;

		g_assert_true(pcidev_layout_place(&zero, 8, &a, NULL));
		g_assert_true(pcidev_layout_place(&explicit, 8, &b, NULL));
		g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
		g_assert_cmphex(a.cap[PCIDEV_CAP_PM], ==, DEF_PM_CAP);
		g_assert_cmphex(a.cap[PCIDEV_CAP_MSI], ==, DEF_MSI_CAP);
		g_assert_cmphex(a.cap[PCIDEV_CAP_MSIX], ==, DEF_MSIX_CAP);
		g_assert_cmphex(a.table_off, ==, DEF_TABLE_OFF);
		g_assert_cmphex(a.pba_off, ==, DEF_PBA_OFF);
		g_assert_cmphex(a.bar_size, ==, DEF_BAR_SIZE);
	}
}

struct bad_layout {
	const char *what;
	struct pcidev_layout layout;
	const char *says;
};

static const struct bad_layout bad_layouts[] = {
    {"duplicate-cap",
     {{PCIDEV_CAP_PM, PCIDEV_CAP_MSI, PCIDEV_CAP_PM}, 0, 0},
     "capability \"pm\" is listed twice"},
    {"missing-cap",
     {{PCIDEV_CAP_MSIX, PCIDEV_CAP_NONE, PCIDEV_CAP_NONE}, 0, 0},
     "capability 1 of the list is missing"},
    {"unknown-cap",
     {{PCIDEV_CAP_PM, PCIDEV_CAP_MSI, 7}, 0, 0},
     "capability 2 of the list is unknown"},
    {"bar-6", {{PCIDEV_CAP_NONE}, 6, 0}, "BAR must be 0 to 5, got 6"},
    {"bar-huge", {{PCIDEV_CAP_NONE}, UINT_MAX, 0}, "BAR must be 0 to 5"},
    {"offset-unaligned", {{PCIDEV_CAP_NONE}, 0, 0x804}, "0x804 is not 8-byte aligned"},
    {"offset-odd", {{PCIDEV_CAP_NONE}, 2, 1}, "0x1 is not 8-byte aligned"},
    {"offset-1mib", {{PCIDEV_CAP_NONE}, 0, 0x100000}, "0x100000 is not below 0x100000"},
    {"offset-huge", {{PCIDEV_CAP_NONE}, 0, 0xfffffff8u}, "is not below 0x100000"},
};

/* ---- MSI functions (no MSI-X) ---- */

static struct pcidev *msi_dev_new(struct bus *b, unsigned vectors, bool maskbits,
                                  const enum pcidev_cap *order)
{
	struct pcidev_config cfg = default_cfg;

	cfg.msi_vectors = vectors;
	cfg.msi_no_maskbits = !maskbits;
	cfg.layout.caps[0] = order ? order[0] : PCIDEV_CAP_PM;
	cfg.layout.caps[1] = order ? order[1] : PCIDEV_CAP_MSI;
	return dev_new(&cfg, b);
}

/* Address, data and Multiple Message Enable, then MSI on. */
static void msi_program(struct pcidev *d, unsigned msi, unsigned mme, uint32_t data)
{
	pcidev_cfg_write(d, msi + PCI_MSI_ADDRESS_LO, 0xfee01000u, 4);
	pcidev_cfg_write(d, msi + PCI_MSI_ADDRESS_HI, 0, 4);
	pcidev_cfg_write(d, msi + PCI_MSI_DATA_64, data, 2);
	pcidev_cfg_write(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (mme << 4), 2);
}

/* The capability as the spec lays it out: no MSI-X in the list, Multiple
 * Message Capable from the config, 64-bit, mask bits only when asked. */
static void test_pcidev_msi_capability(void)
{
	static const enum pcidev_cap reversed[] = {PCIDEV_CAP_MSI, PCIDEV_CAP_PM};
	struct bus b;
	struct pcidev *d = msi_dev_new(&b, 8, true, NULL);
	unsigned msi = find_cap(d, PCI_CAP_ID_MSI), flags;

	g_assert_cmphex(find_cap(d, PCI_CAP_ID_MSIX), ==, 0);
	g_assert_cmphex(find_cap(d, PCI_CAP_ID_PM), ==, 0x40);
	g_assert_cmphex(msi, ==, 0x50);
	g_assert_false(pcidev_has_msix(d));
	flags = pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2);
	g_assert_cmphex((flags & PCI_MSI_FLAGS_QMASK) >> 1, ==, 3); /* 8 messages */
	g_assert_true(flags & PCI_MSI_FLAGS_64BIT);
	g_assert_true(flags & PCI_MSI_FLAGS_MASKBIT);
	g_assert_cmpuint(pcidev_msi_capable(d), ==, 8);
	/* Multiple Message Capable is read-only; the mask has 8 writable bits */
	pcidev_cfg_write(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QMASK, 2);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2), ==, flags);
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 0xffffffffu, 4);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_MASK_64, 4), ==, 0xff);
	/* the BAR is device memory with no table in it */
	dev_enable(d);
	g_assert_cmphex(pcidev_bar_read(d, 0, 0, 4), ==, 0);
	pcidev_bar_write(d, 0, 0, 0x1234, 4);
	g_assert_cmphex(pcidev_bar_read(d, 0, 0, 4), ==, 0);
	g_free(d);

	/* without mask bits; 32 messages; the list in another order */
	d = msi_dev_new(&b, 32, false, reversed);
	msi = find_cap(d, PCI_CAP_ID_MSI);
	g_assert_cmphex(msi, ==, 0x40);
	g_assert_cmphex(find_cap(d, PCI_CAP_ID_PM), ==, 0x60);
	flags = pcidev_cfg_read(d, msi + PCI_MSI_FLAGS, 2);
	g_assert_false(flags & PCI_MSI_FLAGS_MASKBIT);
	g_assert_cmpuint(pcidev_msi_capable(d), ==, 32);
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 0xffffffffu, 4);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_MASK_64, 4), ==, 0);
	g_free(d);
}

/* Vector i goes out as the data with its low log2(n) bits replaced by i;
 * a masked message is held in its pending bit and sent on unmask; a
 * source beyond the enabled messages shares the last one. */
static void test_pcidev_msi_multi_fire(void)
{
	struct bus b;
	struct pcidev *d = msi_dev_new(&b, 8, true, NULL);
	unsigned msi = find_cap(d, PCI_CAP_ID_MSI);
	const char *why;
	bool masked, pending;

	dev_enable(d);
	msi_program(d, msi, 3, 0x4003); /* 8 messages; the low bits are the device's */
	g_assert_true(pcidev_msi_enabled(d));
	g_assert_cmpuint(pcidev_msi_enabled_count(d), ==, 8);
	for (unsigned i = 0; i < 8; i++)
		g_assert_cmpint(pcidev_fire(d, i, &why), ==, FIRE_SENT);
	g_assert_cmpuint(b.n, ==, 8);
	for (unsigned i = 0; i < 8; i++) {
		g_assert_cmphex(b.m[i].address, ==, 0xfee01000u);
		g_assert_cmphex(b.m[i].data, ==, 0x4000 | i);
		g_assert_cmpuint(b.m[i].vector, ==, i);
	}
	g_assert_cmpint(pcidev_fire(d, 8, &why), ==, FIRE_DROPPED);
	/* mask message 5: held, then sent on unmask */
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 1u << 5, 4);
	g_assert_cmpint(pcidev_fire(d, 5, &why), ==, FIRE_PENDING);
	pcidev_msi_vector(d, 5, NULL, NULL, &masked, &pending);
	g_assert_true(masked && pending);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_PENDING_64, 4), ==, 1u << 5);
	b.n = 0;
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 0, 4);
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmphex(b.m[0].data, ==, 0x4005);
	g_assert_cmphex(pcidev_cfg_read(d, msi + PCI_MSI_PENDING_64, 4), ==, 0);
	/* two messages enabled: sources 1..7 share message 1 */
	msi_program(d, msi, 1, 0x4000);
	b.n = 0;
	g_assert_cmpint(pcidev_fire(d, 6, &why), ==, FIRE_SENT);
	g_assert_cmphex(b.m[0].data, ==, 0x4001);
	/* one message: everything is message 0 */
	msi_program(d, msi, 0, 0x4000);
	b.n = 0;
	g_assert_cmpint(pcidev_fire(d, 3, &why), ==, FIRE_SENT);
	g_assert_cmphex(b.m[0].data, ==, 0x4000);
	g_free(d);

	/* no mask bits: a write to where the mask would be holds nothing */
	d = msi_dev_new(&b, 4, false, NULL);
	msi = find_cap(d, PCI_CAP_ID_MSI);
	dev_enable(d);
	msi_program(d, msi, 2, 0x4000);
	pcidev_cfg_write(d, msi + PCI_MSI_MASK_64, 0xf, 4);
	g_assert_cmpint(pcidev_fire(d, 2, &why), ==, FIRE_SENT);
	pcidev_msi_vector(d, 2, NULL, NULL, &masked, &pending);
	g_assert_false(masked || pending);
	g_free(d);
}

/* A layout without MSI-X lists pm and msi; a table offset then has no
 * table to place. */
static void test_layout_no_msix(void)
{
	struct pcidev_layout l;
	char *why = NULL;

	memset(&l, 0, sizeof(l));
	l.caps[0] = PCIDEV_CAP_MSI;
	l.caps[1] = PCIDEV_CAP_PM;
	g_assert_true(pcidev_layout_validate(&l, NULL));
	l.msix_table_offset = 0x800;
	g_assert_false(pcidev_layout_validate(&l, &why));
	g_assert_nonnull(strstr(why, "no MSI-X table"));
	g_free(why);
	why = NULL;
	l.msix_table_offset = 0;
	l.caps[1] = PCIDEV_CAP_NONE;
	g_assert_false(pcidev_layout_validate(&l, &why));
	g_assert_nonnull(strstr(why, "pm and msi must each be listed once"));
	g_free(why);
}

static void test_layout_invalid(gconstpointer data)
{
	const struct bad_layout *bl = data;
	struct pcidev_config cfg = default_cfg;
	struct pcidev_placement at;
	struct pcidev *d = g_new(struct pcidev, 1);
	struct bus b;
	char *why = NULL;

	g_assert_false(pcidev_layout_validate(&bl->layout, &why));
	g_assert_nonnull(why);
	g_test_message("%s -> %s", bl->what, why);
	g_assert_nonnull(strstr(why, bl->says));
	g_free(why);
	g_assert_false(pcidev_layout_validate(&bl->layout, NULL)); /* why is optional */
	why = NULL;
	g_assert_false(pcidev_layout_place(&bl->layout, 8, &at, &why));
	g_assert_nonnull(strstr(why, bl->says));
	g_free(why);
	/* A function given it falls back to the default layout. */
	cfg.layout = bl->layout;
	g_assert_false(pcidev_init(d, &cfg, record_msg, &b));
	g_assert_cmphex(find_cap(d, PCI_CAP_ID_MSIX), ==, DEF_MSIX_CAP);
	g_assert_cmphex(pcidev_bar_probe(d, 0), ==, 0xffffc000u | PCI_BASE_ADDRESS_MEM_TYPE_64);
	g_assert_cmpuint(d->cfg.layout.msix_bar, ==, 0);
	g_free(d);
}

static void test_layout_cap_names(void)
{
	g_assert_cmpstr(pcidev_cap_name(PCIDEV_CAP_PM), ==, "pm");
	g_assert_cmpstr(pcidev_cap_name(PCIDEV_CAP_MSI), ==, "msi");
	g_assert_cmpstr(pcidev_cap_name(PCIDEV_CAP_MSIX), ==, "msix");
	g_assert_null(pcidev_cap_name(PCIDEV_CAP_NONE));
	g_assert_null(pcidev_cap_name(PCIDEV_CAP__END));
	for (unsigned c = PCIDEV_CAP_NONE + 1; c < PCIDEV_CAP__END; c++)
		g_assert_cmpuint(pcidev_cap_lookup(pcidev_cap_name(c)), ==, c);
	g_assert_cmpuint(pcidev_cap_lookup("msi-x"), ==, PCIDEV_CAP_NONE);
	g_assert_cmpuint(pcidev_cap_lookup(""), ==, PCIDEV_CAP_NONE);
	g_assert_cmpuint(pcidev_cap_lookup(NULL), ==, PCIDEV_CAP_NONE);
	/* Vectors beyond 1..64 cannot be placed. */
	{
		struct pcidev_layout l = {{PCIDEV_CAP_NONE}, 0, 0};
		struct pcidev_placement at;
		char *why = NULL;

		g_assert_false(pcidev_layout_place(&l, 0, &at, &why));
		g_assert_nonnull(why);
		g_free(why);
		g_assert_false(pcidev_layout_place(&l, PCIDEV_MAX_VECTORS + 1, &at, NULL));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/irte/init", test_irte_init);
	g_test_add_func("/irte/create-lookup", test_irte_create_lookup);
	g_test_add_func("/irte/block", test_irte_block);
	g_test_add_func("/irte/block-aligned", test_irte_block_aligned);
	g_test_add_func("/irte/handles-wrap", test_irte_handles_wrap);
	g_test_add_func("/irte/many", test_irte_many);
	g_test_add_func("/irte/retarget", test_irte_retarget);
	g_test_add_func("/irte/delete", test_irte_delete);
	g_test_add_func("/irte/holes", test_irte_holes);
	g_test_add_func("/irte/clear", test_irte_clear);
	g_test_add_func("/irte/full", test_irte_full);
	g_test_add_func("/pcidev/header", test_pcidev_header);
	g_test_add_func("/pcidev/default-name", test_pcidev_default_name);
	g_test_add_func("/pcidev/cap-list", test_pcidev_cap_list);
	g_test_add_func("/pcidev/msix-layout", test_pcidev_msix_layout);
	g_test_add_func("/pcidev/bar-sizing", test_pcidev_bar_sizing);
	g_test_add_func("/pcidev/msix-enable", test_pcidev_msix_enable);
	g_test_add_func("/pcidev/vector-mask", test_pcidev_vector_mask);
	g_test_add_func("/pcidev/fire-unmasked", test_pcidev_fire_unmasked);
	g_test_add_func("/pcidev/fire-masked", test_pcidev_fire_masked);
	g_test_add_func("/pcidev/pending-reprogrammed", test_pcidev_pending_reprogrammed);
	g_test_add_func("/pcidev/function-mask", test_pcidev_function_mask);
	g_test_add_func("/pcidev/pending-64", test_pcidev_pending_64);
	g_test_add_func("/pcidev/fire-no-master", test_pcidev_fire_no_master);
	g_test_add_func("/pcidev/fire-bad-vector", test_pcidev_fire_bad_vector);
	g_test_add_func("/pcidev/msi-capability", test_pcidev_msi_capability);
	g_test_add_func("/pcidev/msi-multi-fire", test_pcidev_msi_multi_fire);
	g_test_add_func("/pcidev/layout-no-msix", test_layout_no_msix);
	g_test_add_func("/pcidev/fire-msix-disabled", test_pcidev_fire_msix_disabled);
	g_test_add_func("/pcidev/msi", test_pcidev_msi);
	g_test_add_func("/pcidev/reset", test_pcidev_reset);
	g_test_add_func("/pcidev/pm", test_pcidev_pm);
	g_test_add_func("/pcidev/pm-unsupported-state", test_pcidev_pm_unsupported_state);
	g_test_add_func("/pcidev/out-of-range", test_pcidev_out_of_range);
	g_test_add_func("/pcidev/huge-offset", test_pcidev_huge_offset);
	for (unsigned i = 0; i < G_N_ELEMENTS(layout_cases); i++) {
		g_autofree char *name =
		    g_strdup_printf("/pcidev/layout/guest-walk/%s", layout_cases[i].what);
		g_test_add_data_func(name, &layout_cases[i], test_layout_guest_walk);
	}
	g_test_add_func("/pcidev/layout/bar-probe", test_layout_bar_probe);
	g_test_add_func("/pcidev/layout/placement", test_layout_placement);
	g_test_add_func("/pcidev/layout/cap-names", test_layout_cap_names);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_layouts); i++) {
		g_autofree char *name =
		    g_strdup_printf("/pcidev/layout/invalid/%s", bad_layouts[i].what);
		g_test_add_data_func(name, &bad_layouts[i], test_layout_invalid);
	}
	return g_test_run();
}
