/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest PCI core. Config space is reached only through the pci_ops of
 * the device's root bus; the scan finds what a device has (capabilities by
 * walking the list, BARs by the all-ones probe, the MSI-X table through its
 * BIR and offset) and caches it, so later accesses never walk again. MSI-X
 * messages go to the table with a D0 gate; masking has none. Save and
 * restore follow the PCI core: config dwords highest first, then MSI-X with
 * ENABLE+MASKALL around the table writes.
 */
#include "pci.h"
#include "init.h"
#include "irq.h"
#include "vmbus-sim/pci-regs.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <string.h>

#define GK_TRACE(g, ev, ...) TRACE((g)->e, "guest", ev, __VA_ARGS__)

/* Spec facts pci-regs.h does not carry (PCI Local Bus 3.0, 6.2 and 6.7). */
#ifndef PCI_COMMAND_IO
#define PCI_COMMAND_IO 0x0001
#endif
#ifndef PCI_BASE_ADDRESS_MEM_PREFETCH
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#endif
#ifndef PCI_BASE_ADDRESS_IO_MASK
#define PCI_BASE_ADDRESS_IO_MASK (~0x03u)
#endif
#define PCI_HEADER_LAYOUT_MASK 0x7f
#define PCI_CAP_LIST_MIN       0x40 /* capabilities live after the header */

/* ---- config space ---- */

int pci_create_root_bus(struct gk *g, unsigned bus, const struct pci_ops *ops, unsigned msi_domain)
{
	if (bus >= GK_MAX_BUSES || !ops || !ops->read || !ops->write) {
		gk_fail(g, -EINVAL, "pci bus %u: cannot create it without config operations", bus);
		return -EINVAL;
	}
	gk_note_bus(g, bus);
	g->k.pbus[bus] = (struct gk_pci_bus){.ops = ops, .msi_domain = msi_domain};
	return 0;
}

static const struct pci_ops *bus_ops(struct gk *g, const struct gk_pci_dev *d)
{
	const struct pci_ops *ops = d->bus < GK_MAX_BUSES ? g->k.pbus[d->bus].ops : NULL;

	if (!ops)
		gk_fail(g, -ENODEV, "pci bus %u: no such bus", d->bus);
	return ops;
}

int pci_read_config(struct gk *g, const struct gk_pci_dev *d, unsigned where, unsigned size,
                    uint32_t *val)
{
	const struct pci_ops *ops = bus_ops(g, d);

	if (!ops) {
		*val = ~0u;
		return -ENODEV;
	}
	return ops->read(g, d->bus, d->devfn, where, size, val);
}

int pci_write_config(struct gk *g, const struct gk_pci_dev *d, unsigned where, unsigned size,
                     uint32_t val)
{
	const struct pci_ops *ops = bus_ops(g, d);

	return ops ? ops->write(g, d->bus, d->devfn, where, size, val) : -ENODEV;
}

static int config_update(struct gk *g, const struct gk_pci_dev *d, unsigned where, unsigned size,
                         uint32_t clear, uint32_t set)
{
	uint32_t v;
	int r = pci_read_config(g, d, where, size, &v);

	if (r < 0)
		return r;
	return pci_write_config(g, d, where, size, (v & ~clear) | set);
}

/* ---- capabilities ---- */

/* Walks the capability list once and notes where each of the n IDs first
 * appears, 0 where it does not. 0 or -errno. */
static int find_capabilities(struct gk *g, const struct gk_pci_dev *d, const uint8_t *ids,
                             uint8_t *pos, unsigned n)
{
	uint32_t status, at, hdr;
	unsigned left = n;
	int r;

	memset(pos, 0, n);
	if ((r = pci_read_config(g, d, PCI_STATUS, 2, &status)) < 0)
		return r;
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	if ((r = pci_read_config(g, d, PCI_CAPABILITY_LIST, 1, &at)) < 0)
		return r;
	/* A list that loops is cut off after as many entries as fit after
	 * the header (48 of 4 bytes), as the PCI core does. */
	for (unsigned ttl = PCI_FIND_CAP_TTL; ttl && left; ttl--) {
		at &= ~3u;
		if (at < PCI_CAP_LIST_MIN)
			break;
		if ((r = pci_read_config(g, d, at, 2, &hdr)) < 0)
			return r;
		if ((hdr & 0xff) == 0xff)
			break;
		for (unsigned k = 0; k < n; k++) {
			if (!pos[k] && ids[k] == (hdr & 0xff)) {
				pos[k] = (uint8_t)at;
				left--;
			}
		}
		at = (hdr >> 8) & 0xff;
	}
	return 0;
}

int pci_find_capability(struct gk *g, const struct gk_pci_dev *d, uint8_t cap_id)
{
	uint8_t pos;
	int r = find_capabilities(g, d, &cap_id, &pos, 1);

	return r < 0 ? r : pos;
}

/* ---- BARs ---- */

/* Writes all ones, reads what sticks, puts the old value back. */
static int probe_register(struct gk *g, const struct gk_pci_dev *d, unsigned reg, uint32_t *orig,
                          uint32_t *mask)
{
	int r;

	if ((r = pci_read_config(g, d, reg, 4, orig)) < 0 ||
	    (r = pci_write_config(g, d, reg, 4, 0xffffffffu)) < 0 ||
	    (r = pci_read_config(g, d, reg, 4, mask)) < 0)
		return r;
	return pci_write_config(g, d, reg, 4, *orig);
}

/* The size a probe mask decodes: its lowest address bit that stuck. */
static uint64_t decoded_size(uint64_t mask)
{
	return mask & (~mask + 1);
}

/* Sizes BAR i. Returns how many more registers it used (1 for the upper
 * half of a 64-bit BAR, else 0), or -errno. */
static int size_bar(struct gk *g, struct gk_pci_dev *d, unsigned i, unsigned nbars)
{
	struct gk_pci_bar *bar = &d->bar[i];
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t orig, mask, orig_hi, mask_hi;
	int r;

	memset(bar, 0, sizeof(*bar));
	if ((r = probe_register(g, d, reg, &orig, &mask)) < 0)
		return r;
	if (mask == 0 || mask == 0xffffffffu)
		return 0; /* not implemented (or nothing answered) */
	if (mask & PCI_BASE_ADDRESS_SPACE_IO) {
		/* Sized, never placed: no Hyper-V bridge forwards I/O space. */
		bar->kind = PCI_BAR_IO;
		bar->start = orig & PCI_BASE_ADDRESS_IO_MASK;
		bar->size = decoded_size((mask & PCI_BASE_ADDRESS_IO_MASK) & 0xffff);
		return 0;
	}
	bar->prefetch = mask & PCI_BASE_ADDRESS_MEM_PREFETCH;
	if ((mask & PCI_BASE_ADDRESS_MEM_TYPE_MASK) != PCI_BASE_ADDRESS_MEM_TYPE_64) {
		bar->size = decoded_size(mask & PCI_BASE_ADDRESS_MEM_MASK);
		bar->start = orig & PCI_BASE_ADDRESS_MEM_MASK;
		bar->kind = bar->size ? PCI_BAR_MEM32 : PCI_BAR_NONE;
		return 0;
	}
	if (i + 1 >= nbars) {
		gk_fail(g, -EINVAL, "%s: BAR %u is 64-bit but has no register for its upper half",
		        d->name, i);
		return 0;
	}
	if ((r = probe_register(g, d, reg + 4, &orig_hi, &mask_hi)) < 0)
		return r;
	bar->size = decoded_size(((uint64_t)mask_hi << 32) | (mask & PCI_BASE_ADDRESS_MEM_MASK));
	bar->start = ((uint64_t)orig_hi << 32) | (orig & PCI_BASE_ADDRESS_MEM_MASK);
	bar->kind = bar->size ? PCI_BAR_MEM64 : PCI_BAR_NONE;
	memset(&d->bar[i + 1], 0, sizeof(d->bar[i + 1]));
	return 1;
}

int pci_read_bases(struct gk *g, struct gk_pci_dev *d, unsigned nbars)
{
	uint32_t cmd, decode;
	int r, rr;

	if (nbars > PCI_STD_NUM_BARS)
		nbars = PCI_STD_NUM_BARS;
	if ((r = pci_read_config(g, d, PCI_COMMAND, 2, &cmd)) < 0)
		return r;
	/* Half-written BARs must not decode: decoding stays off meanwhile. */
	decode = cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	if (decode && (r = pci_write_config(g, d, PCI_COMMAND, 2, cmd & ~decode)) < 0)
		return r;
	for (unsigned i = 0; i < nbars; i++) {
		if ((r = size_bar(g, d, i, nbars)) < 0)
			break;
		i += (unsigned)r;
	}
	if (decode && (rr = pci_write_config(g, d, PCI_COMMAND, 2, cmd)) < 0 && r >= 0)
		r = rr;
	return r < 0 ? r : 0;
}

/* ---- MSI-X discovery ---- */

/* The guest-physical address of offset `off` (and len bytes after it) in
 * memory BAR `bir`, or 0 if the BAR does not hold it. */
static uint64_t bar_gpa(const struct gk_pci_dev *d, unsigned bir, uint64_t off, uint64_t len)
{
	const struct gk_pci_bar *bar;

	if (bir >= PCI_STD_NUM_BARS)
		return 0;
	bar = &d->bar[bir];
	if ((bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->start ||
	    off > bar->size || len > bar->size - off)
		return 0;
	return bar->start + off;
}

int pci_msix_init(struct gk *g, struct gk_pci_dev *d)
{
	uint32_t flags, table, pba;
	int r;

	d->msix_table_gpa = d->msix_pba_gpa = 0;
	if (!d->msix_cap)
		return 0;
	if ((r = pci_read_config(g, d, d->msix_cap + PCI_MSIX_FLAGS, 2, &flags)) < 0 ||
	    (r = pci_read_config(g, d, d->msix_cap + PCI_MSIX_TABLE, 4, &table)) < 0 ||
	    (r = pci_read_config(g, d, d->msix_cap + PCI_MSIX_PBA, 4, &pba)) < 0)
		return r;
	d->msix_table_size = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	d->msix_table_bir = (uint8_t)(table & PCI_MSIX_TABLE_BIR);
	d->msix_table_offset = table & PCI_MSIX_TABLE_OFFSET;
	d->msix_pba_bir = (uint8_t)(pba & PCI_MSIX_PBA_BIR);
	d->msix_pba_offset = pba & PCI_MSIX_PBA_OFFSET;
	/* A table outside its BAR is found out when a driver enables MSI-X. */
	d->msix_table_gpa = bar_gpa(d, d->msix_table_bir, d->msix_table_offset,
	                            (uint64_t)d->msix_table_size * PCI_MSIX_ENTRY_SIZE);
	d->msix_pba_gpa = bar_gpa(d, d->msix_pba_bir, d->msix_pba_offset,
	                          ((uint64_t)d->msix_table_size + 63) / 64 * 8);
	return 0;
}

/* ---- the scan and driver binding ---- */

static unsigned bars_of_header(uint32_t header_type)
{
	switch (header_type & PCI_HEADER_LAYOUT_MASK) {
	case 0:
		return 6; /* a function */
	case 1:
		return 2; /* a PCI-to-PCI bridge */
	default:
		return 0;
	}
}

/* The device all zero: its per-entry rows only below its high-water mark
 * (those above are zero already), not 2048 entries for each scan. */
static void clear_dev(struct gk *g, struct gk_pci_dev *d)
{
	bool row = d >= g->k.dev && d < g->k.dev + GK_MAX_BUSES;
	unsigned hi = row ? g->k.vec_hi[d - g->k.dev] : GK_MAX_VECS;

	memset(d, 0, offsetof(struct gk_pci_dev, desc));
	memset(d->desc, 0, hi * sizeof(d->desc[0]));
	memset(d->handled, 0, hi * sizeof(d->handled[0]));
}

int pci_scan_device(struct gk *g, unsigned bus, unsigned devfn, struct gk_pci_dev *d)
{
	static const uint8_t cap_ids[] = {PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX};
	uint8_t cap[G_N_ELEMENTS(cap_ids)];
	uint32_t vendor, device, hdr;
	int r;

	clear_dev(g, d);
	d->bus = bus;
	d->devfn = devfn;
	if ((r = pci_read_config(g, d, PCI_VENDOR_ID, 2, &vendor)) < 0)
		return r;
	if (vendor == 0xffff || vendor == 0)
		return -ENODEV;
	g_strlcpy(d->name, bus < GK_MAX_BUSES && g->drv[bus].name[0] ? g->drv[bus].name : "pci",
	          sizeof(d->name));
	if ((r = pci_read_config(g, d, PCI_DEVICE_ID, 2, &device)) < 0 ||
	    (r = pci_read_config(g, d, PCI_HEADER_TYPE, 1, &hdr)) < 0 ||
	    (r = pci_read_bases(g, d, bars_of_header(hdr))) < 0)
		return r;
	if ((r = find_capabilities(g, d, cap_ids, cap, G_N_ELEMENTS(cap_ids))) < 0)
		return r;
	d->pm_cap = cap[0];
	d->msi_cap = cap[1];
	d->msix_cap = cap[2];
	if ((r = pci_msix_init(g, d)) < 0)
		return r;
	d->vendor_id = (uint16_t)vendor;
	d->device_id = (uint16_t)device;
	d->current_state = PCI_D0;
	d->present = true;
	return 0;
}

void pci_bus_add_device(struct gk *g, struct gk_pci_dev *d)
{
	const struct gk_driver_cfg *cfg = d->bus < g->ndrv ? &g->drv[d->bus] : NULL;
	const struct pci_driver *drv;
	unsigned errors = g->errors->len;
	int r;

	if (!g->k.pci_drivers_loaded || !d->present || d->bound || !cfg || !cfg->nvec)
		return;
	drv = gk_pci_driver_for(cfg->model);
	if (!drv || !drv->probe)
		return;
	d->driver = drv;
	d->bound = true;
	r = drv->probe(g, d);
	if (r < 0) {
		d->bound = false;
		d->driver = NULL;
		if (g->errors->len == errors)
			gk_fail(g, r, "%s: probe with driver %s failed with error %d", d->name,
			        drv->name, r);
	}
}

int pci_enable_device(struct gk *g, struct gk_pci_dev *d)
{
	return config_update(g, d, PCI_COMMAND, 2, 0, PCI_COMMAND_MEMORY);
}

int pci_set_master(struct gk *g, struct gk_pci_dev *d)
{
	return config_update(g, d, PCI_COMMAND, 2, 0, PCI_COMMAND_MASTER);
}

/* ---- MSI-X primitives ---- */

static uint64_t entry_gpa(const struct gk_pci_dev *d, unsigned i)
{
	return d->msix_table_gpa + (uint64_t)i * PCI_MSIX_ENTRY_SIZE;
}

static void msix_write_vector_ctrl(struct gk *g, const struct gk_pci_dev *d, unsigned i,
                                   uint32_t ctrl)
{
	gabi_mmio_write(g->vm, entry_gpa(d, i) + PCI_MSIX_ENTRY_VECTOR_CTRL, ctrl, 4);
}

/* A read of the entry pushes the posted writes before it to the device;
 * the value read is of no interest. */
static void msix_flush(struct gk *g, const struct gk_pci_dev *d, unsigned i)
{
	(void)gabi_mmio_read(g->vm, entry_gpa(d, i) + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
}

static void pci_msix_mask(struct gk *g, struct gk_pci_dev *d, unsigned i)
{
	struct gk_msi_desc *desc = &d->desc[i];

	desc->msix_ctrl |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	msix_write_vector_ctrl(g, d, i, desc->msix_ctrl);
	msix_flush(g, d, i);
}

static void pci_msix_unmask(struct gk *g, struct gk_pci_dev *d, unsigned i)
{
	struct gk_msi_desc *desc = &d->desc[i];

	desc->msix_ctrl &= ~(uint32_t)PCI_MSIX_ENTRY_CTRL_MASKBIT;
	msix_write_vector_ctrl(g, d, i, desc->msix_ctrl);
}

/* MSI masking: the mask bit of each vector, if the capability has them;
 * without them the PCI core cannot mask an MSI and does nothing. */
static void msi_set_mask(struct gk *g, struct gk_pci_dev *d, unsigned i, bool mask)
{
	if (!d->msi_maskbit)
		return;
	if (mask)
		d->msi_mask |= 1u << i;
	else
		d->msi_mask &= ~(1u << i);
	/* A failed config write has been recorded by the bus. */
	(void)pci_write_config(g, d, d->msi_cap + PCI_MSI_MASK_64, 4, d->msi_mask);
}

void pci_msi_mask_irq(struct gk *g, unsigned irq)
{
	const struct gk_irq *i = &g->k.irq[irq];
	struct gk_pci_dev *d = &g->k.dev[i->dev];

	if (d->is_msi)
		msi_set_mask(g, d, i->msi_index, true);
	else
		pci_msix_mask(g, d, i->msi_index);
}

void pci_msi_unmask_irq(struct gk *g, unsigned irq)
{
	const struct gk_irq *i = &g->k.irq[irq];
	struct gk_pci_dev *d = &g->k.dev[i->dev];

	if (d->is_msi)
		msi_set_mask(g, d, i->msi_index, false);
	else
		pci_msix_unmask(g, d, i->msi_index);
}

/* __pci_write_msi_msg() for MSI: the capability's address and data (and
 * Multiple Message Enable) in config space, which the host traps; like
 * MSI-X, only in D0. The block's descriptor caches it. */
static void msi_write_msg(struct gk *g, struct gk_pci_dev *d, const struct msi_msg *msg)
{
	d->desc[0].msg = *msg;
	if (d->current_state != PCI_D0) {
		GK_TRACE(g, "msi-write-cached", "\"dev\":\"%s\",\"entry\":0,\"data\":\"%#x\"",
		         d->name, msg->data);
		return;
	}
	/* Failed config writes have been recorded by the bus. */
	(void)config_update(g, d, d->msi_cap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_QSIZE,
	                    (uint32_t)d->msi_multiple << 4);
	(void)pci_write_config(g, d, d->msi_cap + PCI_MSI_ADDRESS_LO, 4, msg->address_lo);
	(void)pci_write_config(g, d, d->msi_cap + PCI_MSI_ADDRESS_HI, 4, msg->address_hi);
	(void)pci_write_config(g, d, d->msi_cap + PCI_MSI_DATA_64, 2, msg->data & 0xffff);
	GK_TRACE(g, "msi-write", "\"dev\":\"%s\",\"msi\":true,\"address\":\"%#x\",\"data\":\"%#x\"",
	         d->name, msg->address_lo, msg->data);
}

void pci_write_msi_msg(struct gk *g, struct gk_pci_dev *d, unsigned i, const struct msi_msg *msg)
{
	struct gk_msi_desc *desc = &d->desc[i];
	uint64_t base = entry_gpa(d, i);
	bool unmasked = !(desc->msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);

	desc->msg = *msg;
	if (d->current_state != PCI_D0) {
		GK_TRACE(g, "msi-write-cached", "\"dev\":\"%s\",\"entry\":%u,\"data\":\"%#x\"",
		         d->name, i, msg->data);
		return;
	}
	/* Changing an unmasked entry is undefined: mask around the update. */
	if (unmasked)
		msix_write_vector_ctrl(g, d, i, desc->msix_ctrl | PCI_MSIX_ENTRY_CTRL_MASKBIT);
	gabi_mmio_write(g->vm, base + PCI_MSIX_ENTRY_LOWER_ADDR, msg->address_lo, 4);
	gabi_mmio_write(g->vm, base + PCI_MSIX_ENTRY_UPPER_ADDR, msg->address_hi, 4);
	gabi_mmio_write(g->vm, base + PCI_MSIX_ENTRY_DATA, msg->data, 4);
	if (unmasked)
		msix_write_vector_ctrl(g, d, i, desc->msix_ctrl);
	msix_flush(g, d, i);
	GK_TRACE(g, "msi-write", "\"dev\":\"%s\",\"entry\":%u,\"address\":\"%#x\",\"data\":\"%#x\"",
	         d->name, i, msg->address_lo, msg->data);
}

void pci_msi_domain_write_msg(struct gk *g, unsigned irq, const struct msi_msg *msg)
{
	const struct gk_irq *i = &g->k.irq[irq];
	struct gk_pci_dev *d = &g->k.dev[i->dev];

	/* An MSI block has one message register: only its first irq writes
	 * it (the device adds the vector number itself). */
	if (d->is_msi) {
		if (i->msi_index == 0)
			msi_write_msg(g, d, msg);
		return;
	}
	pci_write_msi_msg(g, d, i->msi_index, msg);
}

static int msix_flags_update(struct gk *g, const struct gk_pci_dev *d, uint16_t clear, uint16_t set)
{
	return config_update(g, d, d->msix_cap + PCI_MSIX_FLAGS, 2, clear, set);
}

/* ---- enabling and disabling MSI-X ---- */

/* Gives back every irq of the device and turns MSI-X off. */
static void msix_teardown(struct gk *g, struct gk_pci_dev *d, unsigned nvec)
{
	for (unsigned v = 0; v < nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use)
			continue;
		if (g->k.irq[desc->irq].requested)
			free_irq(g, desc->irq);
		irq_domain_free_irq(g, desc->irq);
		desc->in_use = false;
	}
	/* A failed config write was recorded by the bus; the core's view
	 * below is what the kernel keeps as well. */
	(void)msix_flags_update(g, d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	d->msix_enabled = false;
	d->nvec = 0;
}

static int alloc_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec,
                         const struct irq_affinity_desc *aff);

/* ---- MSI ---- */

static int msi_flags_update(struct gk *g, const struct gk_pci_dev *d, uint16_t clear, uint16_t set)
{
	return config_update(g, d, d->msi_cap + PCI_MSI_FLAGS, 2, clear, set);
}

static void msi_teardown(struct gk *g, struct gk_pci_dev *d, unsigned nvec)
{
	for (unsigned v = nvec; v-- > 0;) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use)
			continue;
		if (g->k.irq[desc->irq].requested)
			free_irq(g, desc->irq);
		irq_domain_free_irq(g, desc->irq);
		desc->in_use = false;
	}
	(void)msi_flags_update(g, d, PCI_MSI_FLAGS_ENABLE, 0);
	d->msi_enabled = false;
	d->is_msi = false;
	d->nvec = 0;
}

static unsigned order_base_2(unsigned n)
{
	unsigned o = 0;

	while ((1u << o) < n)
		o++;
	return o;
}

/* msi_capability_init(): every vector masked (if it can be), the block's
 * irqs allocated and activated (the first composes the message and writes
 * the capability), then MSI enabled with INTx off. */
static int msi_capability_init(struct gk *g, struct gk_pci_dev *d, unsigned nvec,
                               const struct irq_affinity_desc *aff, uint16_t flags)
{
	unsigned dev = (unsigned)(d - g->k.dev);
	unsigned domain = g->k.pbus[d->bus].msi_domain;
	const struct irq_chip *chip = g->k.domain[domain < GK_MAX_BUSES ? domain : 0].chip;
	unsigned alloc_flags = nvec > 1 ? GK_IRQ_ALLOC_CONTIGUOUS : 0, v;
	int r;

	if (chip && chip->msi_prepare)
		alloc_flags = chip->msi_prepare(g, nvec, alloc_flags);
	if ((r = irq_vector_domain_check(nvec, alloc_flags)) < 0)
		return r;
	d->is_msi = true;
	d->nvec = nvec;
	d->msi_multiple = (uint8_t)order_base_2(nvec);
	d->msi_maskbit = flags & PCI_MSI_FLAGS_MASKBIT;
	d->msi_mask = 0;
	memset(&d->desc[0].msg, 0, sizeof(d->desc[0].msg));
	if (d->msi_maskbit) {
		d->msi_mask = (1u << d->msi_multiple) - 1;
		if (d->msi_multiple == 5)
			d->msi_mask = 0xffffffffu;
		if ((r = pci_write_config(g, d, d->msi_cap + PCI_MSI_MASK_64, 4, d->msi_mask)) < 0)
			goto fail0;
	}
	for (v = 0; v < nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		int irq = irq_domain_alloc_irq(g, domain, v, dev, aff ? &aff[v] : NULL);

		if (irq < 0) {
			r = irq;
			goto fail;
		}
		desc->in_use = true;
		desc->irq = (unsigned)irq;
		desc->msix_ctrl = 0;
		if (v)
			memset(&desc->msg, 0, sizeof(desc->msg));
		if ((r = irq_domain_activate_irq(g, (unsigned)irq, true)) < 0) {
			v++;
			goto fail;
		}
		msi_init_virq(g, (unsigned)irq);
	}
	if ((r = config_update(g, d, PCI_COMMAND, 2, 0, PCI_COMMAND_INTX_DISABLE)) < 0 ||
	    (r = msi_flags_update(g, d, PCI_MSI_FLAGS_QSIZE,
	                          PCI_MSI_FLAGS_ENABLE | (uint16_t)(d->msi_multiple << 4))) < 0)
		goto fail;
	d->msi_enabled = true;
	GK_TRACE(g, "msi-enabled", "\"dev\":\"%s\",\"vectors\":%u,\"maskbits\":%s", d->name, nvec,
	         d->msi_maskbit ? "true" : "false");
	return 0;
fail:
	msi_teardown(g, d, v);
	return r;
fail0:
	d->is_msi = false;
	d->nvec = 0;
	return r;
}

/* __pci_enable_msi_range(): as many vectors as asked and the function can
 * send (Multiple Message Capable), as one block. When the vector domain
 * refuses the block (contiguous vectors on x86), the PCI core falls back
 * to a single vector, without a word to the driver beyond the count. */
static int msi_alloc(struct gk *g, struct gk_pci_dev *d, unsigned nvec,
                     const struct irq_affinity_desc *aff)
{
	uint32_t flags;
	unsigned capable;
	int r;

	if (d->msi_enabled) {
		gk_fail(g, -EINVAL, "%s: MSI is already enabled", d->name);
		return -EINVAL;
	}
	if ((r = pci_read_config(g, d, d->msi_cap + PCI_MSI_FLAGS, 2, &flags)) < 0)
		return r;
	capable = 1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	if (nvec == 0 || nvec > GK_MAX_VECS) {
		gk_fail(g, -ENOSPC, "%s: cannot allocate %u MSI vectors", d->name, nvec);
		return -ENOSPC;
	}
	if (nvec > capable)
		nvec = capable;
	r = msi_capability_init(g, d, nvec, aff, (uint16_t)flags);
	if (r == -ENOSYS && nvec > 1) {
		GK_TRACE(g, "msi-fallback",
		         "\"dev\":\"%s\",\"asked\":%u,\"got\":1,\"why\":\"no contiguous "
		         "vectors\"",
		         d->name, nvec);
		nvec = 1;
		r = msi_capability_init(g, d, nvec, aff, (uint16_t)flags);
	}
	if (r < 0) {
		gk_fail(g, r, "%s: cannot enable MSI with %u vectors (error %d)", d->name, nvec, r);
		return r;
	}
	return (int)nvec;
}

static int restore_msi_block(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	if (!d->msi_enabled)
		return 0;
	/* __pci_restore_msi_state(): INTx off, MSI off, the cached message
	 * and mask bits written back, then MSI on with its message count.
	 * Config space: the host sees these writes, but they create no
	 * remapping entries. */
	if ((r = config_update(g, d, PCI_COMMAND, 2, 0, PCI_COMMAND_INTX_DISABLE)) < 0 ||
	    (r = msi_flags_update(g, d, PCI_MSI_FLAGS_ENABLE, 0)) < 0)
		return r;
	msi_write_msg(g, d, &d->desc[0].msg);
	if (d->msi_maskbit &&
	    (r = pci_write_config(g, d, d->msi_cap + PCI_MSI_MASK_64, 4, d->msi_mask)) < 0)
		return r;
	if ((r = msi_flags_update(g, d, PCI_MSI_FLAGS_QSIZE,
	                          PCI_MSI_FLAGS_ENABLE | (uint16_t)(d->msi_multiple << 4))) < 0)
		return r;
	GK_TRACE(g, "msi-restored", "\"dev\":\"%s\"", d->name);
	return 0;
}

int pci_alloc_irq_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec)
{
	return alloc_vectors(g, d, nvec, NULL);
}

int pci_alloc_irq_vectors_affinity(struct gk *g, struct gk_pci_dev *d, unsigned nvec, unsigned pre)
{
	g_autofree struct irq_affinity_desc *aff = NULL;

	if (nvec == 0 || nvec > GK_MAX_VECS)
		return alloc_vectors(g, d, nvec, NULL); /* refused there */
	aff = g_new(struct irq_affinity_desc, nvec);    /* up to 2048: not on a task's stack */
	irq_create_affinity_masks(g->k.ncpus, nvec, pre, aff);
	return alloc_vectors(g, d, nvec, aff);
}

static int alloc_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec,
                         const struct irq_affinity_desc *aff)
{
	unsigned dev = (unsigned)(d - g->k.dev);
	unsigned domain = g->k.pbus[d->bus].msi_domain;
	unsigned v = 0;
	int r;

	might_sleep(g->e, "pci_alloc_irq_vectors");
	if (!d->msix_cap && d->msi_cap)
		return msi_alloc(g, d, nvec, aff);
	if (!d->msix_cap || d->msix_enabled) {
		gk_fail(g, -EINVAL, "%s: %s", d->name,
		        d->msix_cap ? "MSI-X is already enabled" : "the device has no MSI-X");
		return -EINVAL;
	}
	if (nvec == 0 || nvec > d->msix_table_size || nvec > GK_MAX_VECS) {
		gk_fail(g, -ENOSPC, "%s: cannot allocate %u MSI-X vectors (table size %u)", d->name,
		        nvec, d->msix_table_size);
		return -ENOSPC;
	}
	if (!d->msix_table_gpa) {
		gk_fail(g, -ENOMEM,
		        "%s: the MSI-X table (BAR %u offset %#x) is not in an assigned memory BAR",
		        d->name, d->msix_table_bir, d->msix_table_offset);
		return -ENOMEM;
	}
	if ((r = msix_flags_update(g, d, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)) < 0)
		return r;
	for (v = 0; v < nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		int irq = irq_domain_alloc_irq(g, domain, v, dev, aff ? &aff[v] : NULL);

		if (irq < 0) {
			r = irq;
			goto fail;
		}
		memset(desc, 0, sizeof(*desc));
		desc->in_use = true;
		desc->irq = (unsigned)irq;
		desc->msix_ctrl =
		    gabi_mmio_read(g->vm, entry_gpa(d, v) + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
		/* PCI/MSI domains activate early, in reservation mode: a message
		 * for the shutdown vector now, the real one at request_irq(). */
		if ((r = irq_domain_activate_irq(g, (unsigned)irq, true)) < 0) {
			v++;
			goto fail;
		}
		msi_init_virq(g, (unsigned)irq);
	}
	d->nvec = nvec;
	d->msix_enabled = true;
	if ((r = msix_flags_update(g, d, PCI_MSIX_FLAGS_MASKALL, 0)) < 0)
		goto fail;
	GK_TRACE(g, "msix-enabled", "\"dev\":\"%s\",\"vectors\":%u", d->name, nvec);
	return (int)nvec;
fail:
	msix_teardown(g, d, v);
	return r;
}

void pci_free_irq_vectors(struct gk *g, struct gk_pci_dev *d)
{
	might_sleep(g->e, "pci_free_irq_vectors");
	if (d->is_msi) {
		msi_teardown(g, d, d->nvec);
		GK_TRACE(g, "msi-disabled", "\"dev\":\"%s\"", d->name);
		return;
	}
	msix_teardown(g, d, d->nvec);
	GK_TRACE(g, "msix-disabled", "\"dev\":\"%s\"", d->name);
}

unsigned pci_irq_vector(const struct gk_pci_dev *d, unsigned nr)
{
	return d->desc[nr].irq;
}

/* ---- save and restore ---- */

int pci_save_state(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	for (unsigned i = 0; i < 16; i++)
		if ((r = pci_read_config(g, d, i * 4, 4, &d->saved_config[i])) < 0)
			return r;
	d->state_saved = true;
	return 0;
}

/* pci_restore_msi_state() for MSI-X: cached messages and vector control
 * words go straight to the device, not through the irq chip. */
static int restore_msix_state(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	if (!d->msix_enabled)
		return 0;
	if ((r = config_update(g, d, PCI_COMMAND, 2, 0, PCI_COMMAND_INTX_DISABLE)) < 0 ||
	    (r = msix_flags_update(g, d, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)) < 0)
		return r;
	for (unsigned v = 0; v < d->nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use)
			continue;
		pci_write_msi_msg(g, d, v, &desc->msg);
		msix_write_vector_ctrl(g, d, v, desc->msix_ctrl);
	}
	if ((r = msix_flags_update(g, d, PCI_MSIX_FLAGS_MASKALL, 0)) < 0)
		return r;
	GK_TRACE(g, "msix-restored", "\"dev\":\"%s\"", d->name);
	return 0;
}

int pci_restore_state(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	if (!d->state_saved)
		return 0;
	/* Highest dword first, and only what differs, as the PCI core does. */
	for (int i = 15; i >= 0; i--) {
		uint32_t now;
		if ((r = pci_read_config(g, d, (unsigned)i * 4, 4, &now)) < 0)
			return r;
		if (now != d->saved_config[i] &&
		    (r = pci_write_config(g, d, (unsigned)i * 4, 4, d->saved_config[i])) < 0)
			return r;
	}
	r = d->is_msi ? restore_msi_block(g, d) : restore_msix_state(g, d);
	d->state_saved = false;
	return r;
}

/* ---- the PCI side of the hibernation phases ---- */

int pci_pm_freeze_noirq(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	if (!d->present)
		return 0;
	if (!d->state_saved && (r = pci_save_state(g, d)) < 0)
		return r;
	d->current_state = PCI_UNKNOWN;
	return 0;
}

int pci_pm_resume_noirq(struct gk *g, struct gk_pci_dev *d)
{
	int r;

	if (!d->present)
		return 0;
	/* pci_set_power_state(D0); without PM the function is always in D0 */
	if (d->pm_cap) {
		uint32_t pmcsr;
		if ((r = pci_read_config(g, d, d->pm_cap + PCI_PM_CTRL, 2, &pmcsr)) < 0)
			return r;
		if ((pmcsr & PCI_PM_CTRL_STATE_MASK) &&
		    (r = pci_write_config(g, d, d->pm_cap + PCI_PM_CTRL, 2,
		                          pmcsr & ~PCI_PM_CTRL_STATE_MASK)) < 0)
			return r;
	}
	d->current_state = PCI_D0;
	return pci_restore_state(g, d);
}
