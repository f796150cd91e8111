/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "init.h"
#include "hv-bridge.h"
#include "pci-drivers.h"

#include <string.h>

static const struct hv_driver *const vmbus_drivers[] = {&hv_pci_drv};

static const struct pci_driver *const pci_drivers[DRIVER__COUNT] = {
    [DRIVER_RECREATE_VECTORS] = &recreate_vectors_driver,
    [DRIVER_KEEP_VECTORS] = &keep_vectors_driver,
};

const struct hv_driver *gk_vmbus_driver_for(const uint8_t class_guid[16])
{
	for (unsigned i = 0; i < G_N_ELEMENTS(vmbus_drivers); i++)
		if (memcmp(vmbus_drivers[i]->class_guid, class_guid, 16) == 0)
			return vmbus_drivers[i];
	return NULL;
}

const struct pci_driver *gk_pci_driver_for(enum driver_model model)
{
	return (unsigned)model < DRIVER__COUNT ? pci_drivers[model] : NULL;
}
