/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Hyper-V vPCI front driver (pci-hyperv): the VMBus driver it registers,
 * and the operations it installs on each bus it probes — config access for
 * the PCI core and the MSI irq chip for the IRQ core.
 */
#pragma once

#include "gk.h"

extern const struct hv_driver hv_pci_drv;
/* hv_pci as kernels before ac82fc832708 had it: no suspend, no resume. */
extern const struct hv_driver hv_pci_drv_no_pm;
extern const struct pci_ops hv_pcifront_ops;

/* The channel callback: every packet the host sends on a bus's channel
 * (ctx is what the bridge opened the channel with: &g->bus_ctx[bus]). */
void hv_pci_onchannelcallback(void *ctx, const void *pkt, size_t len);
extern const struct irq_chip hv_msi_irq_chip;
/* cpumask_to_vpset(): the sparse 4K VP set of m (VP number = CPU number):
 * every bank from 0 to the highest holding a VP is valid, one word each
 * in banks[]. Returns the number of banks, 1 for an empty mask. */
unsigned hv_cpumask_to_vpset(const struct gk_cpumask *m, uint64_t *valid_bank_mask,
                             uint64_t *banks);
