/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Hyper-V vPCI front driver (pci-hyperv): the VMBus driver it registers,
 * and the operations it installs on each bus it probes — config access for
 * the PCI core and the MSI irq chip for the IRQ core.
 */
#pragma once

#include "gk.h"

extern const struct hv_driver hv_pci_drv;
extern const struct pci_ops hv_pcifront_ops;
extern const struct irq_chip hv_msi_irq_chip;
