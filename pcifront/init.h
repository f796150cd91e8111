/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What this guest kernel was built with, as its initcalls would register
 * it: the VMBus driver for each device class, and the PCI driver for each
 * driver model. Tables only: nothing here calls a driver.
 */
#pragma once

#include "gk.h"

/* struct hv_driver: a VMBus device driver. probe and the noirq PM callbacks
 * (suspend for freeze/poweroff, resume for thaw/restore); 0 or -errno. */
struct hv_driver {
	const char *name;
	uint8_t class_guid[16];
	int (*probe)(struct gk *g, unsigned dev);
	int (*suspend)(struct gk *g, unsigned dev);
	int (*resume)(struct gk *g, unsigned dev);
};

/* The driver this kernel (its behaviours) has for offers of that class, or
 * NULL. */
const struct hv_driver *gk_vmbus_driver_for(const struct gk *g, const uint8_t class_guid[16]);
/* The PCI driver of a model, or NULL. */
const struct pci_driver *gk_pci_driver_for(enum driver_model model);
