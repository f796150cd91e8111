/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest IRQ core: the x86 vector domain (least-loaded CPU, lowest free
 * vector), irq descriptors with a cached MSI message and mask separate from
 * the device's registers, the PCI/MSI-X primitives (a D0 gate on message
 * writes, none on masking), save/restore of config and MSI-X state, CPU
 * offline migration (mask, set affinity, unmask) and the interrupt entry.
 */
#include "vmbus-sim/tracepoint.h"
#include "gk.h"
#include "vmbus-sim/pcidev.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define GK_TRACE(g, ev, ...) TRACE((g)->e, "guest", ev, __VA_ARGS__)

/* ---- config space through the bus's config window ---- */

uint32_t pci_cfg_read(struct gk *g, struct gk_pci_dev *d, unsigned off, unsigned size)
{
	struct gk_hbus *hb = &g->k.hbus[d->bus];
	uint32_t v;

	task_atomic_enter(g->e); /* config_lock, irqsave */
	gabi_mmio_write(g->vm, hb->cfg_gpa, d->wslot, 4);
	v = gabi_mmio_read(g->vm, hb->cfg_gpa + CFG_PAGE_OFFSET + off, size);
	task_atomic_exit(g->e);
	return v;
}

void pci_cfg_write(struct gk *g, struct gk_pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
	struct gk_hbus *hb = &g->k.hbus[d->bus];

	task_atomic_enter(g->e);
	gabi_mmio_write(g->vm, hb->cfg_gpa, d->wslot, 4);
	gabi_mmio_write(g->vm, hb->cfg_gpa + CFG_PAGE_OFFSET + off, val, size);
	task_atomic_exit(g->e);
}

/* ---- the x86 vector domain ---- */

static unsigned vectors_on(const struct gk *g, unsigned cpu)
{
	return g->k.vectors_used[cpu];
}

static uint32_t online_mask(const struct gk *g)
{
	uint32_t m = 0;

	for (unsigned c = 0; c < g->k.ncpus; c++)
		if (g->k.cpu_online[c])
			m |= 1u << c;
	return m;
}

static void free_vector(struct gk *g, struct gk_irq *irq)
{
	if (g->k.vector_irq[irq->cpu][irq->vector] == (uint16_t)((irq - g->k.irq) + 1)) {
		g->k.vector_irq[irq->cpu][irq->vector] = 0;
		g->k.vectors_used[irq->cpu]--;
	}
	irq->vector = 0;
}

static int assign_vector(struct gk *g, struct gk_irq *irq, uint32_t mask)
{
	int best = -1;
	unsigned best_load = ~0u;

	mask &= online_mask(g);
	for (unsigned c = 0; c < g->k.ncpus; c++) {
		if (!(mask & (1u << c)))
			continue;
		unsigned load = vectors_on(g, c);
		if (load < best_load) {
			best = (int)c;
			best_load = load;
		}
	}
	if (best < 0)
		return -EINVAL;
	for (unsigned v = GK_FIRST_VECTOR; v <= GK_LAST_VECTOR; v++) {
		if (!g->k.vector_irq[best][v]) {
			g->k.vector_irq[best][v] = (uint16_t)((irq - g->k.irq) + 1);
			g->k.vectors_used[best]++;
			irq->cpu = (unsigned)best;
			irq->vector = (uint8_t)v;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- MSI-X primitives ---- */

static struct gk_pci_dev *irq_dev(struct gk *g, struct gk_irq *irq)
{
	return &g->k.dev[irq->dev];
}

static uint64_t entry_gpa(struct gk_pci_dev *d, unsigned i)
{
	return d->bar0_gpa + PCIDEV_TABLE_OFF + (uint64_t)i * PCI_MSIX_ENTRY_SIZE;
}

static void msix_write_vector_ctrl(struct gk *g, struct gk_pci_dev *d, unsigned i, uint32_t ctrl)
{
	gabi_mmio_write(g->vm, entry_gpa(d, i) + PCI_MSIX_ENTRY_VECTOR_CTRL, ctrl, 4);
}

static void pci_msix_mask(struct gk *g, struct gk_pci_dev *d, unsigned i)
{
	struct gk_msi_desc *desc = &d->desc[i];

	desc->msix_ctrl |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	msix_write_vector_ctrl(g, d, i, desc->msix_ctrl);
	(void)gabi_mmio_read(g->vm, d->bar0_gpa, 4); /* flush */
}

static void pci_msix_unmask(struct gk *g, struct gk_pci_dev *d, unsigned i)
{
	struct gk_msi_desc *desc = &d->desc[i];

	desc->msix_ctrl &= ~(uint32_t)PCI_MSIX_ENTRY_CTRL_MASKBIT;
	msix_write_vector_ctrl(g, d, i, desc->msix_ctrl);
}

void pci_msi_mask_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	pci_msix_mask(g, irq_dev(g, i), i->msi_index);
}

void pci_msi_unmask_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	pci_msix_unmask(g, irq_dev(g, i), i->msi_index);
}

/* __pci_write_msi_msg(): the cache always, the device only in D0. */
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
	(void)gabi_mmio_read(g->vm, d->bar0_gpa, 4);
	GK_TRACE(g, "msi-write", "\"dev\":\"%s\",\"entry\":%u,\"address\":\"%#x\",\"data\":\"%#x\"",
	         d->name, i, msg->address_lo, msg->data);
}

static unsigned msix_cap(void)
{
	return PCIDEV_MSIX_CAP;
}

static void msix_flags_update(struct gk *g, struct gk_pci_dev *d, uint16_t clear, uint16_t set)
{
	uint16_t f = (uint16_t)pci_cfg_read(g, d, msix_cap() + PCI_MSIX_FLAGS, 2);

	f = (uint16_t)((f & ~clear) | set);
	pci_cfg_write(g, d, msix_cap() + PCI_MSIX_FLAGS, f, 2);
}

/* ---- activation, request, free ---- */

/* irq_domain_activate_irq(): vector, then the message (with the desc lock
 * held, so composing may not sleep). */
static int activate(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];
	struct gk_pci_dev *d = irq_dev(g, i);
	struct msi_msg msg;
	int r;

	r = assign_vector(g, i, i->affinity);
	if (r < 0) {
		gk_fail(g, r, "%s: no vector for irq %u on CPUs %#x", d->name, irq, i->affinity);
		return r;
	}
	task_atomic_enter(g->e);
	r = hv_compose_msi_msg(g, irq, &msg);
	if (r == 0)
		pci_write_msi_msg(g, d, i->msi_index, &msg);
	task_atomic_exit(g->e);
	i->activated = true;
	return r;
}

static void deactivate(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	if (!i->activated)
		return;
	free_vector(g, i);
	i->activated = false;
}

unsigned gk_dev_irq(const struct gk *g, unsigned dev, unsigned msi_index)
{
	return g->k.dev[dev].desc[msi_index].irq;
}

int pci_alloc_irq_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec)
{
	unsigned dev = (unsigned)(d - g->k.dev);
	uint16_t qsize;

	might_sleep(g->e, "pci_alloc_irq_vectors");
	qsize =
	    (uint16_t)(pci_cfg_read(g, d, msix_cap() + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE);
	if (nvec == 0 || nvec > (unsigned)qsize + 1 || nvec > GK_MAX_VECS) {
		gk_fail(g, -ENOSPC, "%s: cannot allocate %u MSI-X vectors (table size %u)", d->name,
		        nvec, qsize + 1);
		return -ENOSPC;
	}
	msix_flags_update(g, d, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned v = 0; v < nvec; v++) {
		unsigned irq = dev * GK_MAX_VECS + v;
		struct gk_irq *i = &g->k.irq[irq];
		struct gk_msi_desc *desc = &d->desc[v];

		memset(i, 0, sizeof(*i));
		i->allocated = true;
		i->dev = dev;
		i->msi_index = v;
		i->masked = true;
		i->affinity = (uint32_t)((1ull << g->k.ncpus) - 1);
		memset(desc, 0, sizeof(*desc));
		desc->in_use = true;
		desc->irq = irq;
		desc->msix_ctrl =
		    gabi_mmio_read(g->vm, entry_gpa(d, v) + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
		/* PCI/MSI domains activate early: vector and message now. */
		activate(g, irq);
	}
	d->nvec = nvec;
	d->msix_enabled = true;
	msix_flags_update(g, d, PCI_MSIX_FLAGS_MASKALL, 0);
	GK_TRACE(g, "msix-enabled", "\"dev\":\"%s\",\"vectors\":%u", d->name, nvec);
	return (int)nvec;
}

void pci_free_irq_vectors(struct gk *g, struct gk_pci_dev *d)
{
	might_sleep(g->e, "pci_free_irq_vectors");
	for (unsigned v = 0; v < d->nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use)
			continue;
		if (g->k.irq[desc->irq].requested)
			free_irq(g, desc->irq);
		deactivate(g, desc->irq);
		hv_msi_free(g, desc->irq);
		g->k.irq[desc->irq].allocated = false;
		desc->in_use = false;
	}
	msix_flags_update(g, d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	d->msix_enabled = false;
	d->nvec = 0;
	GK_TRACE(g, "msix-disabled", "\"dev\":\"%s\"", d->name);
}

/* unmask_irq()/mask_irq(): the chip callback, then the core's flag. */
static void unmask_irq(struct gk *g, unsigned irq)
{
	hv_irq_unmask(g, irq);
	g->k.irq[irq].masked = false;
}

static void mask_irq(struct gk *g, unsigned irq)
{
	hv_irq_mask(g, irq);
	g->k.irq[irq].masked = true;
}

int request_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];
	int r = 0;

	might_sleep(g->e, "request_irq");
	if (!i->allocated)
		return -EINVAL;
	if (!i->activated)
		r = activate(g, irq);
	i->requested = true;
	i->disable_depth = 0;
	i->pending = false;
	task_atomic_enter(g->e); /* desc lock */
	unmask_irq(g, irq);      /* irq_startup() */
	task_atomic_exit(g->e);
	GK_TRACE(g, "request-irq", "\"irq\":%u,\"cpu\":%u,\"vector\":\"%#x\"", irq, i->cpu,
	         i->vector);
	return r;
}

void free_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	might_sleep(g->e, "free_irq");
	if (!i->requested)
		return;
	task_atomic_enter(g->e);
	mask_irq(g, irq); /* irq_shutdown() */
	task_atomic_exit(g->e);
	i->requested = false;
	deactivate(g, irq);
	GK_TRACE(g, "free-irq", "\"irq\":%u", irq);
}

/* ---- save and restore ---- */

void pci_save_state(struct gk *g, struct gk_pci_dev *d)
{
	for (unsigned i = 0; i < 16; i++)
		d->saved_config[i] = pci_cfg_read(g, d, i * 4, 4);
	d->state_saved = true;
}

/* pci_restore_msi_state() for MSI-X: cached messages and vector control
 * words go straight to the device, not through the irq chip. */
static void restore_msix_state(struct gk *g, struct gk_pci_dev *d)
{
	if (!d->msix_enabled)
		return;
	pci_cfg_write(g, d, PCI_COMMAND,
	              pci_cfg_read(g, d, PCI_COMMAND, 2) | PCI_COMMAND_INTX_DISABLE, 2);
	msix_flags_update(g, d, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned v = 0; v < d->nvec; v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use)
			continue;
		pci_write_msi_msg(g, d, v, &desc->msg);
		msix_write_vector_ctrl(g, d, v, desc->msix_ctrl);
	}
	msix_flags_update(g, d, PCI_MSIX_FLAGS_MASKALL, 0);
	GK_TRACE(g, "msix-restored", "\"dev\":\"%s\"", d->name);
}

void pci_restore_state(struct gk *g, struct gk_pci_dev *d)
{
	if (!d->state_saved)
		return;
	/* Highest dword first, and only what differs, as the PCI core does. */
	for (int i = 15; i >= 0; i--) {
		uint32_t now = pci_cfg_read(g, d, (unsigned)i * 4, 4);
		if (now != d->saved_config[i])
			pci_cfg_write(g, d, (unsigned)i * 4, d->saved_config[i], 4);
	}
	restore_msix_state(g, d);
	d->state_saved = false;
}

/* ---- CPU hotplug ---- */

/* migrate_one_irq(): the Hyper-V MSI chip cannot move an irq from process
 * context, so a started, unmasked irq is masked around the move. */
static void migrate_one_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];
	bool maskchip = !i->masked;
	uint32_t affinity = i->affinity & online_mask(g);
	unsigned old_cpu = i->cpu;
	uint8_t old_vector = i->vector;
	int r;

	tp_hit(g->e, TP_MIGRATE_IRQ, NULL);
	if (maskchip)
		hv_irq_mask(g, irq);
	if (!affinity)
		affinity = online_mask(g); /* no longer affine */
	free_vector(g, i);
	if ((r = assign_vector(g, i, affinity)) < 0)
		gk_fail(g, r, "IRQ%u: set affinity failed", irq);
	GK_TRACE(g, "migrate-irq", "\"irq\":%u,\"from\":\"%u/%#x\",\"to\":\"%u/%#x\"", irq, old_cpu,
	         old_vector, i->cpu, i->vector);
	if (maskchip)
		hv_irq_unmask(g, irq);
}

void gk_cpu_down(struct gk *g, unsigned cpu)
{
	if (!g->k.cpu_online[cpu])
		return;
	gk_phase(g, PHASE_CPU_OFFLINE, true);
	task_atomic_enter(g->e); /* stop_machine: interrupts off on the dying CPU */
	g->k.cpu_online[cpu] = false;
	/* Like fixup_irqs(): walk the dying CPU's vector table. */
	for (unsigned v = GK_FIRST_VECTOR; v <= GK_LAST_VECTOR && g->k.vectors_used[cpu]; v++) {
		unsigned slot = g->k.vector_irq[cpu][v];
		struct gk_irq *i = slot ? &g->k.irq[slot - 1] : NULL;
		if (i && i->allocated && i->activated && i->requested && i->cpu == cpu)
			migrate_one_irq(g, slot - 1);
	}
	task_atomic_exit(g->e);
	gabi_vcpu_set_online(g->vm, cpu, false);
	GK_TRACE(g, "cpu-down", "\"cpu\":%u", cpu);
	gk_phase(g, PHASE_CPU_OFFLINE, false);
}

void gk_cpu_up(struct gk *g, unsigned cpu)
{
	if (g->k.cpu_online[cpu])
		return;
	gabi_vcpu_set_online(g->vm, cpu, true);
	g->k.cpu_online[cpu] = true;
	GK_TRACE(g, "cpu-up", "\"cpu\":%u", cpu);
}

/* ---- the interrupt entry (event context) ---- */

void gk_interrupt(void *ctx, unsigned vcpu, uint8_t vector)
{
	struct gk *g = ctx;
	uint16_t slot = vcpu < GK_MAX_CPUS ? g->k.vector_irq[vcpu][vector] : 0;
	struct gk_irq *i;

	if (!slot || vcpu >= g->k.ncpus || !g->k.cpu_online[vcpu]) {
		g->k.spurious++;
		GK_TRACE(g, "spurious", "\"cpu\":%u,\"vector\":\"%#x\"", vcpu, vector);
		return;
	}
	i = &g->k.irq[slot - 1];
	/* handle_edge_irq() */
	if (!i->requested || i->disable_depth) {
		i->pending = true;
		hv_irq_mask(g, slot - 1);
		i->masked = true;
		GK_TRACE(g, "irq-pending", "\"irq\":%u", slot - 1);
		return;
	}
	i->count++;
	g->k.dev[i->dev].handled[i->msi_index]++;
	GK_TRACE(g, "irq-handled", "\"irq\":%u,\"dev\":\"%s\",\"entry\":%u", slot - 1,
	         g->k.dev[i->dev].name, i->msi_index);
}
