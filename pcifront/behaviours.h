/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named guest behaviours, one per upstream change to pci-hyperv, and the
 * profiles that bundle them as tagged kernel releases had them. A behaviour
 * only changes what the guest does; nothing reads it to judge a run. Every
 * behaviour is on in the default profile (the newest release).
 * doc/profiles.md has the table release x behaviour and each commit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum behaviour {
	/* The negotiation offers 1.3 (BUS_RELATIONS2; 999dd956d838). */
	BEH_PROTOCOL_1_3,
	/* The negotiation offers 1.4, composed with CREATE_INTERRUPT3
	 * ("PCI: hv: Support for create interrupt v3", 2021). */
	BEH_PROTOCOL_1_4,
	/* hv_pci has suspend/resume callbacks (ac82fc832708); without them
	 * vmbus_suspend() refuses and hibernation aborts. */
	BEH_HIBERNATION,
	/* hv_pci_resume() re-composes every MSI so the host re-creates its
	 * remapping entries (915cff7f38c5, part 1). */
	BEH_RESTORE_MSI_ON_RESUME,
	/* hv_irq_unmask() unmasks at the PCI level even when the retarget
	 * hypercall failed, and keeps quiet about it while the bus is
	 * removing (915cff7f38c5, part 2). */
	BEH_UNMASK_DESPITE_RETARGET_FAILURE,
	/* A failed D0 entry at probe is retried once after a bus exit
	 * (d6af2ed29c7c). */
	BEH_D0_ENTRY_RETRY_PROBE,
	/* ... and at resume too: the retry lives in hv_pci_enter_d0()
	 * (a847234e24d0). */
	BEH_D0_ENTRY_RETRY_RESUME,
	/* Compose targets the first online CPU of the effective affinity,
	 * where the vector is, not of the requested affinity. */
	BEH_COMPOSE_EFFECTIVE_AFFINITY,
	/* Transaction ids come from the VMBus requestor (small integers
	 * checked on receipt), not the request's address. */
	BEH_REQUESTOR_IDS,
	/* Every host packet's size is checked against what its handler
	 * reads ("Add validation for untrusted Hyper-V values"). */
	BEH_VALIDATE_HOST_VALUES,
	/* The bridge's msi_prepare clears the x86 contiguous-vectors flag, so
	 * a multi-MSI block gets its vectors one by one instead of the PCI
	 * core falling back to a single vector ("Fix multi-MSI to allow more
	 * than one MSI vector"). */
	BEH_MULTI_MSI,
	/* The retarget hypercall names the interrupt by what CREATE_INTERRUPT
	 * returned (chip_data), not by the cached msi_desc message ("Fix
	 * hv_arch_irq_unmask() for multi-MSI"). */
	BEH_RETARGET_FROM_CHIP_DATA,
	/* Compose returns the existing remapping entry instead of deleting
	 * and re-creating it ("Reuse existing IRTE allocation in
	 * compose_msi_msg()"). */
	BEH_IRTE_REUSE,
	/* ... but only for multi-MSI ("Only reuse existing IRTE allocation
	 * for Multi-MSI"). */
	BEH_IRTE_REUSE_MULTI_MSI_ONLY,
	/* hv_arch_irq_unmask() warns and returns when the irq has no chip
	 * data instead of dereferencing NULL ("Fix a race condition in
	 * hv_irq_unmask() that can cause panic"). */
	BEH_NULL_CHIP_DATA_CHECK,
	BEH__COUNT
};

typedef uint32_t behaviour_set;

#define BEH_BIT(b) ((behaviour_set)1u << (b))

const char *behaviour_name(enum behaviour b);
const char *behaviour_description(enum behaviour b);
/* The change that introduced it: subject, hash where known, year. */
const char *behaviour_commit(enum behaviour b);
int behaviour_lookup(const char *name);

struct profile {
	const char *name;
	const char *description;
	behaviour_set behaviours;
};

const struct profile *profile_lookup(const char *name);
const struct profile *profile_default(void);
unsigned profile_count(void);
const struct profile *profile_get(unsigned i);
