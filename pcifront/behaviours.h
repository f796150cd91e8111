/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named guest behaviours, one per upstream fix, and the profiles that bundle
 * them as historical kernels had them. Every behaviour is on in the default
 * profile (the current kernel).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum behaviour {
	/* hv_pci_resume() re-composes every MSI so the host re-creates its
	 * remapping entries (915cff7f38c5, part 1). */
	BEH_RESTORE_MSI_ON_RESUME,
	/* hv_irq_unmask() unmasks at the PCI level even when the retarget
	 * hypercall failed (915cff7f38c5, part 2). */
	BEH_UNMASK_DESPITE_RETARGET_FAILURE,
	BEH__COUNT
};

typedef uint32_t behaviour_set;

#define BEH_BIT(b) ((behaviour_set)1u << (b))

const char *behaviour_name(enum behaviour b);
const char *behaviour_description(enum behaviour b);
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
