/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "init.h"
#include "hv-bridge.h"
#include "pci-drivers.h"

#include <string.h>

/* Each VMBus driver, and the form it has in a kernel without a behaviour
 * (BEH__COUNT: it has one form). */
static const struct {
	const struct hv_driver *drv;
	enum behaviour needs;
	const struct hv_driver *without;
} vmbus_drivers[] = {
    {&hv_pci_drv, BEH_HIBERNATION, &hv_pci_drv_no_pm},
};

static const struct pci_driver *const pci_drivers[DRIVER__COUNT] = {
    [DRIVER_RECREATE_VECTORS] = &recreate_vectors_driver,
    [DRIVER_KEEP_VECTORS] = &keep_vectors_driver,
    [DRIVER_MANAGED_VECTORS] = &managed_vectors_driver,
};

const struct hv_driver *gk_vmbus_driver_for(const struct gk *g, const uint8_t class_guid[16])
{
	for (unsigned i = 0; i < G_N_ELEMENTS(vmbus_drivers); i++) {
		if (memcmp(vmbus_drivers[i].drv->class_guid, class_guid, 16) != 0)
			continue;
		if (vmbus_drivers[i].needs < BEH__COUNT && !gk_behaviour(g, vmbus_drivers[i].needs))
			return vmbus_drivers[i].without;
		return vmbus_drivers[i].drv;
	}
	return NULL;
}

const struct pci_driver *gk_pci_driver_for(enum driver_model model)
{
	return (unsigned)model < DRIVER__COUNT ? pci_drivers[model] : NULL;
}
