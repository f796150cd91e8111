/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI core: config access through the bus's operations, the device scan
 * (capability walk, BAR sizing, MSI-X discovery), driver binding, MSI-X
 * enable/disable/mask/message writes, save/restore of config and MSI-X
 * state, and the PCI side of the hibernation phases. It knows no bridge: a
 * bridge creates the root bus with its pci_ops and MSI domain.
 */
#pragma once

#include "gk.h"

/* How far a capability walk goes before it gives up on a looping list. */
#define PCI_FIND_CAP_TTL 48

/* struct pci_ops: config space of function `devfn` on root bus `bus`.
 * 0 or -errno; a failed read leaves all ones in *val. */
struct pci_ops {
	int (*read)(struct gk *g, unsigned bus, unsigned devfn, unsigned where, unsigned size,
	            uint32_t *val);
	int (*write)(struct gk *g, unsigned bus, unsigned devfn, unsigned where, unsigned size,
	             uint32_t val);
};

/* struct pci_driver: a function driver's probe and hibernation callbacks
 * (NULL when it has none). 0 or -errno. */
struct pci_driver {
	const char *name;
	int (*probe)(struct gk *g, struct gk_pci_dev *d);
	int (*freeze)(struct gk *g, struct gk_pci_dev *d);
	int (*thaw)(struct gk *g, struct gk_pci_dev *d);
	int (*poweroff)(struct gk *g, struct gk_pci_dev *d);
	int (*restore)(struct gk *g, struct gk_pci_dev *d);
};

/* ---- buses and config space ---- */

/* pci_create_root_bus(): bus `bus` (< GK_MAX_BUSES) reads config through
 * ops and takes its MSI irqs from irq domain `msi_domain`. */
int pci_create_root_bus(struct gk *g, unsigned bus, const struct pci_ops *ops, unsigned msi_domain);
int pci_read_config(struct gk *g, const struct gk_pci_dev *d, unsigned where, unsigned size,
                    uint32_t *val);
int pci_write_config(struct gk *g, const struct gk_pci_dev *d, unsigned where, unsigned size,
                     uint32_t val);

/* ---- the scan ---- */

/* Offset of the first capability with that ID, 0 if there is none (or the
 * device has no list, or the list loops), or -errno. */
int pci_find_capability(struct gk *g, const struct gk_pci_dev *d, uint8_t cap_id);
/* Sizes BARs 0..nbars-1 by the all-ones probe, with decoding off around it. */
int pci_read_bases(struct gk *g, struct gk_pci_dev *d, unsigned nbars);
/* Reads the MSI-X capability the scan found (d->msix_cap) and locates the
 * table and PBA in their BARs (after pci_read_bases). */
int pci_msix_init(struct gk *g, struct gk_pci_dev *d);
/* Scans function devfn of the bus into d. 0, -ENODEV if nothing answers,
 * or -errno. */
int pci_scan_device(struct gk *g, unsigned bus, unsigned devfn, struct gk_pci_dev *d);
/* Binds the driver configured for the device's bus, if drivers are loaded.
 * A probe that fails leaves the device unbound; that is not an error of
 * the bus. */
void pci_bus_add_device(struct gk *g, struct gk_pci_dev *d);

/* ---- what a function driver calls ---- */

int pci_enable_device(struct gk *g, struct gk_pci_dev *d);
int pci_set_master(struct gk *g, struct gk_pci_dev *d);
/* MSI-X only: nvec vectors, each activated at once. nvec or -errno. */
int pci_alloc_irq_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec);
/* With PCI_IRQ_AFFINITY: the first `pre` vectors go anywhere, the rest are
 * managed and spread over the CPUs (irq_create_affinity_masks()). */
int pci_alloc_irq_vectors_affinity(struct gk *g, struct gk_pci_dev *d, unsigned nvec, unsigned pre);
void pci_free_irq_vectors(struct gk *g, struct gk_pci_dev *d);
unsigned pci_irq_vector(const struct gk_pci_dev *d, unsigned nr);

/* ---- MSI-X primitives (an MSI chip's building blocks) ---- */

/* __pci_write_msi_msg(): the cache always, the device only in D0. */
void pci_write_msi_msg(struct gk *g, struct gk_pci_dev *d, unsigned entry,
                       const struct msi_msg *msg);
/* The same for an irq of a PCI/MSI domain: an irq_chip's irq_write_msi_msg. */
void pci_msi_domain_write_msg(struct gk *g, unsigned irq, const struct msi_msg *msg);
void pci_msi_mask_irq(struct gk *g, unsigned irq);
void pci_msi_unmask_irq(struct gk *g, unsigned irq);

/* ---- power management ---- */

int pci_save_state(struct gk *g, struct gk_pci_dev *d);
int pci_restore_state(struct gk *g, struct gk_pci_dev *d);
/* pci_pm_freeze_noirq()/poweroff_noirq(): state saved, power state unknown. */
int pci_pm_freeze_noirq(struct gk *g, struct gk_pci_dev *d);
/* pci_pm_thaw_noirq()/restore_noirq(): back to D0, state restored. */
int pci_pm_resume_noirq(struct gk *g, struct gk_pci_dev *d);
