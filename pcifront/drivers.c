/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device-driver models: probe enables the device, turns on bus
 * mastering and requests every MSI-X vector; the hibernation callbacks
 * either give the vectors back and ask again (most drivers) or keep them
 * (GPU drivers).
 */
#include "gk.h"
#include "vmbus-sim/pcidev.h"
#include "vmbus-sim/trace.h"

#include <string.h>

static int request_vectors(struct gk *g, struct gk_pci_dev *d)
{
	unsigned dev = (unsigned)(d - g->k.dev);
	int r = pci_alloc_irq_vectors(g, d, d->driver_nvec);

	if (r < 0)
		return r;
	for (unsigned v = 0; v < d->nvec; v++) {
		r = request_irq(g, gk_dev_irq(g, dev, v));
		if (r < 0)
			return r;
	}
	return 0;
}

static void release_vectors(struct gk *g, struct gk_pci_dev *d)
{
	unsigned dev = (unsigned)(d - g->k.dev);

	for (unsigned v = 0; v < d->nvec; v++)
		free_irq(g, gk_dev_irq(g, dev, v));
	pci_free_irq_vectors(g, d);
}

int driver_probe(struct gk *g, struct gk_pci_dev *d)
{
	const struct gk_driver_cfg *cfg = &g->drv[d->bus];
	uint16_t cmd = (uint16_t)pci_cfg_read(g, d, PCI_COMMAND, 2);

	/* pci_enable_device() + pci_set_master() */
	pci_cfg_write(g, d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	d->bound = true;
	d->driver = cfg->model;
	d->driver_nvec = cfg->nvec;
	TRACE(g->e, "driver", "probe", "\"dev\":\"%s\",\"model\":\"%s\",\"vectors\":%u", d->name,
	      driver_model_name(cfg->model), cfg->nvec);
	return request_vectors(g, d);
}

int driver_pm(struct gk *g, struct gk_pci_dev *d, const char *callback)
{
	bool give_back = strcmp(callback, "freeze") == 0 || strcmp(callback, "poweroff") == 0;

	if (!d->present || !d->bound || d->driver != DRIVER_RECREATE_VECTORS)
		return 0;
	TRACE(g->e, "driver", callback, "\"dev\":\"%s\"", d->name);
	if (give_back) {
		release_vectors(g, d);
		return 0;
	}
	return request_vectors(g, d);
}
