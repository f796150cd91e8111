/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's views for the harness: copies of what the kernel believes,
 * as /proc/interrupts, lspci and debugfs would show it.
 */
#include "gk.h"
#include "vmbus-sim/pci-regs.h"

#include <string.h>

unsigned gk_view_device_count(const struct gk *g)
{
	return g ? g->k.nbuses : 0;
}

bool gk_view_device(const struct gk *g, unsigned dev, struct gk_dev_view *out)
{
	const struct gk_pci_dev *d;
	const struct gk_hbus *hb;

	if (!g || dev >= g->k.nbuses || !out)
		return false;
	d = &g->k.dev[dev];
	hb = &g->k.hbus[dev];
	memset(out, 0, sizeof(*out));
	out->present = d->present;
	g_strlcpy(out->name, d->name, sizeof(out->name));
	out->bound = d->bound;
	out->bus_installed = hb->present && hb->state == HV_PCIBUS_INSTALLED;
	out->d0 = d->current_state == PCI_D0;
	out->protocol_version = hb->protocol_version;
	out->invalid_packets = hb->invalid_packets;
	out->msix_enabled = d->msix_enabled;
	out->nvec = d->nvec;
	out->msi_enabled = d->msi_enabled;
	out->msi_maskbit = d->msi_maskbit;
	out->msi_messages = d->msi_enabled ? 1u << d->msi_multiple : 0;
	return true;
}

bool gk_view_irq(const struct gk *g, unsigned dev, unsigned vector, struct gk_irq_view *out)
{
	const struct gk_pci_dev *d;
	const struct gk_msi_desc *desc;
	const struct gk_irq *i;

	if (!g || dev >= g->k.nbuses || vector >= GK_MAX_VECS || !out)
		return false;
	d = &g->k.dev[dev];
	if (!d->present || !(d->msix_enabled || d->msi_enabled) || vector >= d->nvec ||
	    !d->desc[vector].in_use)
		return false;
	desc = &d->desc[vector];
	/* MSI: one message for the block, vector v's is its data + v. */
	const struct gk_msi_desc *block = d->msi_enabled ? &d->desc[0] : desc;
	uint32_t add = d->msi_enabled ? vector : 0;
	i = &g->k.irq[desc->irq];
	*out = (struct gk_irq_view){
	    .affinity = i->affinity,
	    .managed = i->managed,
	    .managed_shutdown = i->managed_shutdown,
	    .suspended = i->suspended,
	    .irq = desc->irq,
	    .dev = i->dev,
	    .msi_index = i->msi_index,
	    .activated = i->activated,
	    .requested = i->requested,
	    .disable_depth = i->disable_depth,
	    .masked = i->masked,
	    .pending = i->pending,
	    .cpu = i->cpu,
	    .vector = i->vector,
	    .count = i->count,
	    .has_chip_data = i->has_chip_data,
	    .chip_address = i->chip_data.address,
	    .chip_data = i->chip_data.data,
	    .msg_address = ((uint64_t)block->msg.address_hi << 32) | block->msg.address_lo,
	    .msg_data = block->msg.data + add,
	    .cached_masked = d->msi_enabled ? d->msi_maskbit && (d->msi_mask & (1u << vector))
	                                    : desc->msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT,
	};
	cpumask_clear(&out->effective);
	if (i->activated)
		cpumask_set_cpu(i->cpu, &out->effective);
	return true;
}

int gk_view_vector_owner(const struct gk *g, unsigned cpu, unsigned vector)
{
	uint16_t slot;

	if (!g || cpu >= g->k.ncpus || vector > 0xff)
		return GK_NO_IRQ;
	slot = g->k.vector_irq[cpu][vector];
	return slot ? slot - 1 : GK_NO_IRQ;
}

uint64_t gk_view_handled(const struct gk *g, unsigned dev, unsigned vector)
{
	return g && dev < g->k.nbuses && vector < GK_MAX_VECS ? g->k.dev[dev].handled[vector] : 0;
}

uint64_t gk_view_spurious(const struct gk *g)
{
	return g ? g->k.spurious : 0;
}
