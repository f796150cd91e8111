/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "behaviours.h"

#include <string.h>

static const struct {
	const char *name;
	const char *description;
	const char *commit;
} behaviours[BEH__COUNT] = {
    [BEH_PROTOCOL_1_3] = {"protocol-1.3",
                          "the version negotiation offers vPCI protocol 1.3 (0x10003), whose "
                          "host answers relations with BUS_RELATIONS2",
                          "999dd956d838 PCI: hv: Add support for protocol 1.3 and support "
                          "PCI_BUS_RELATIONS2 (2020)"},
    [BEH_PROTOCOL_1_4] = {"protocol-1.4",
                          "the version negotiation offers vPCI protocol 1.4 (0x10004) and "
                          "composes with CREATE_INTERRUPT3 on it",
                          "PCI: hv: Support for create interrupt v3 (2021; hash not verified)"},
    [BEH_HIBERNATION] = {"hibernation",
                         "hv_pci has suspend and resume callbacks; without them vmbus_suspend() "
                         "answers -EOPNOTSUPP and the PM core aborts the hibernation",
                         "ac82fc832708 PCI: hv: Add hibernation support (2019)"},
    [BEH_RESTORE_MSI_ON_RESUME] = {"restore-msi-on-resume",
                                   "hv_pci_resume() re-composes every MSI/MSI-X message so the "
                                   "host re-creates its interrupt remapping entries",
                                   "915cff7f38c5 PCI: hv: Fix hibernation in case interrupts are "
                                   "not re-created (2020)"},
    [BEH_UNMASK_DESPITE_RETARGET_FAILURE] = {"unmask-despite-retarget-failure",
                                             "hv_irq_unmask() unmasks the vector at the PCI level "
                                             "even when HVCALL_RETARGET_INTERRUPT failed, and "
                                             "logs no error while the bus is removing",
                                             "915cff7f38c5 PCI: hv: Fix hibernation in case "
                                             "interrupts are not re-created (2020)"},
    [BEH_D0_ENTRY_RETRY_PROBE] = {"d0-entry-retry-probe",
                                  "a failed BUS_D0ENTRY at probe is retried once after "
                                  "RESOURCES_RELEASED for every slot and BUS_D0EXIT",
                                  "d6af2ed29c7c (2020; the probe-only retry)"},
    [BEH_D0_ENTRY_RETRY_RESUME] = {"d0-entry-retry-resume",
                                   "a failed BUS_D0ENTRY at resume is retried the same way "
                                   "(the retry lives in hv_pci_enter_d0())",
                                   "a847234e24d0 Revert \"PCI: hv: Fix a timing issue which "
                                   "causes kdump to fail occasionally\" (2023)"},
    [BEH_COMPOSE_EFFECTIVE_AFFINITY] = {"compose-effective-affinity",
                                        "CREATE_INTERRUPT names the first online CPU of the "
                                        "irq's effective affinity (where its vector is), not "
                                        "of the affinity it asked for",
                                        "genirq effective-affinity conversion (2017, before "
                                        "v4.14; hash not verified)"},
    [BEH_REQUESTOR_IDS] = {"requestor-ids",
                           "transaction ids come from the VMBus requestor (1..64, checked when "
                           "a completion comes back), not from the request's address",
                           "PCI: hv: Use vmbus_requestor to generate transaction IDs for VMbus "
                           "hardening (2022; hash not verified)"},
    [BEH_VALIDATE_HOST_VALUES] = {"validate-host-values",
                                  "every host packet is checked to be as long as what its "
                                  "handler reads; a short completion counts as a failure",
                                  "PCI: hv: Add validation for untrusted Hyper-V values (2022; "
                                  "hash not verified)"},
    [BEH_MULTI_MSI] = {"multi-msi",
                       "the bridge lets the x86 vector domain allocate a multi-MSI block's "
                       "vectors one by one (they need not be contiguous behind Hyper-V's "
                       "remapping); without it the block is refused and the PCI core falls "
                       "back to a single MSI vector",
                       "PCI: hv: Fix multi-MSI to allow more than one MSI vector (2022; hash "
                       "not verified)"},
    [BEH_RETARGET_FROM_CHIP_DATA] = {"retarget-from-chip-data",
                                     "the retarget hypercall names the interrupt by the "
                                     "address/data CREATE_INTERRUPT returned (chip_data), not "
                                     "by the message cached in the MSI descriptor",
                                     "PCI: hv: Fix hv_arch_irq_unmask() for multi-MSI (2022; "
                                     "hash not verified)"},
    [BEH_IRTE_REUSE] = {"irte-reuse",
                        "compose returns the message of the existing remapping entry instead "
                        "of deleting it and creating a new one",
                        "PCI: hv: Reuse existing IRTE allocation in compose_msi_msg() (2022; "
                        "hash not verified)"},
    [BEH_IRTE_REUSE_MULTI_MSI_ONLY] = {"irte-reuse-multi-msi-only",
                                       "the reuse applies to multi-MSI only; single MSI and "
                                       "MSI-X delete and re-create",
                                       "PCI: hv: Only reuse existing IRTE allocation for "
                                       "Multi-MSI (2022; hash not verified)"},
    [BEH_NULL_CHIP_DATA_CHECK] = {"null-chip-data-check",
                                  "hv_arch_irq_unmask() warns and returns for an irq without "
                                  "chip data (no host descriptor) instead of dereferencing NULL",
                                  "PCI: hv: Fix a race condition in hv_irq_unmask() that can "
                                  "cause panic (2023; hash not verified)"},
};

#define B(x) BEH_BIT(BEH_##x)

/* What every profile from v5.9 on has; v5.4 had none of these. */
#define SINCE_5_9  (B(PROTOCOL_1_3) | B(HIBERNATION) | B(D0_ENTRY_RETRY_PROBE))
#define SINCE_5_10 (SINCE_5_9 | B(RESTORE_MSI_ON_RESUME) | B(UNMASK_DESPITE_RETARGET_FAILURE))
#define SINCE_6_1                                                                                  \
	(SINCE_5_10 | B(PROTOCOL_1_4) | B(REQUESTOR_IDS) | B(VALIDATE_HOST_VALUES) |               \
	 B(MULTI_MSI) | B(RETARGET_FROM_CHIP_DATA) | B(IRTE_REUSE) | B(IRTE_REUSE_MULTI_MSI_ONLY))
#define SINCE_6_6 (SINCE_6_1 | B(D0_ENTRY_RETRY_RESUME) | B(NULL_CHIP_DATA_CHECK))

/* Release tags in order; the last is the default. */
static const struct profile profiles[] = {
    {"linux-5.4", "v5.4 (Nov 2019): protocol up to 1.2, no hibernation support in hv_pci",
     B(COMPOSE_EFFECTIVE_AFFINITY)},
    {"linux-5.9", "v5.9 (Oct 2020): protocol 1.3, hibernation, before the 2020 fixes",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_5_9},
    {"linux-5.10", "v5.10 (Dec 2020): with the Oct 2020 hibernation fixes (915cff7f38c5)",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_5_10},
    {"linux-5.15", "v5.15 (Oct 2021): as v5.10 for everything modelled",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_5_10},
    {"linux-6.1",
     "v6.1 (Dec 2022): protocol 1.4, requestor ids, host values validated, the 2022 "
     "multi-MSI series",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_6_1},
    {"linux-6.6", "v6.6 (Oct 2023): D0 entry retried on resume too, the NULL chip_data check",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_6_6},
    {"linux-6.12", "v6.12 (Nov 2024): as v6.6 for everything modelled",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_6_6},
    {"linux-6.18", "v6.18: the newest release, every behaviour on",
     B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_6_6},
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

_Static_assert((B(COMPOSE_EFFECTIVE_AFFINITY) | SINCE_6_6) == (BEH_BIT(BEH__COUNT) - 1),
               "the newest profile has every behaviour");

const char *behaviour_name(enum behaviour b)
{
	return behaviours[b].name;
}

const char *behaviour_description(enum behaviour b)
{
	return behaviours[b].description;
}

const char *behaviour_commit(enum behaviour b)
{
	return behaviours[b].commit;
}

int behaviour_lookup(const char *name)
{
	for (int i = 0; i < BEH__COUNT; i++)
		if (strcmp(behaviours[i].name, name) == 0)
			return i;
	return -1;
}

const struct profile *profile_lookup(const char *name)
{
	for (unsigned i = 0; i < NPROFILES; i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const struct profile *profile_default(void)
{
	return &profiles[NPROFILES - 1];
}

unsigned profile_count(void)
{
	return NPROFILES;
}

const struct profile *profile_get(unsigned i)
{
	return i < profile_count() ? &profiles[i] : NULL;
}
