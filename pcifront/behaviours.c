/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "behaviours.h"

#include <string.h>

static const struct {
	const char *name;
	const char *description;
} behaviours[BEH__COUNT] = {
    [BEH_RESTORE_MSI_ON_RESUME] = {"restore-msi-on-resume",
                                   "hv_pci_resume() re-composes every MSI/MSI-X message so the "
                                   "host re-creates its interrupt remapping entries"},
    [BEH_UNMASK_DESPITE_RETARGET_FAILURE] = {"unmask-despite-retarget-failure",
                                             "hv_irq_unmask() unmasks the vector at the PCI level "
                                             "even when HVCALL_RETARGET_INTERRUPT failed"},
};

#define ALL_BEHAVIOURS ((behaviour_set)((1u << BEH__COUNT) - 1))

static const struct profile profiles[] = {
    {"linux-5.10", "pci-hyperv with the Oct 2020 hibernation fixes (915cff7f38c5)", ALL_BEHAVIOURS},
    {"linux-5.9", "pci-hyperv before the Oct 2020 hibernation fixes", 0},
};

const char *behaviour_name(enum behaviour b)
{
	return behaviours[b].name;
}

const char *behaviour_description(enum behaviour b)
{
	return behaviours[b].description;
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
	for (unsigned i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const struct profile *profile_default(void)
{
	return &profiles[0];
}

unsigned profile_count(void)
{
	return sizeof(profiles) / sizeof(profiles[0]);
}

const struct profile *profile_get(unsigned i)
{
	return i < profile_count() ? &profiles[i] : NULL;
}
