/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device-driver models as PCI drivers. Both enable the device, turn on
 * bus mastering and request every MSI-X vector at probe, with a handler that
 * counts what it sees. Across hibernation most drivers give their vectors
 * back in freeze/poweroff and request them again in thaw/restore (NVMe,
 * mlx5); GPU drivers keep them (nouveau, NVIDIA) and have no callbacks here.
 */
#include "pci-drivers.h"
#include "irq.h"
#include "pci.h"
#include "vmbus-sim/trace.h"

static void vector_handler(struct gk *g, unsigned irq)
{
	const struct gk_irq *i = &g->k.irq[irq];
	struct gk_pci_dev *d = &g->k.dev[i->dev];

	d->handled[i->msi_index]++;
	TRACE(g->e, "guest", "irq-handled", "\"irq\":%u,\"dev\":\"%s\",\"entry\":%u", irq, d->name,
	      i->msi_index);
}

/* Frees the first nreq requested irqs and every vector. */
static void release_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nreq)
{
	for (unsigned v = 0; v < nreq; v++)
		free_irq(g, pci_irq_vector(d, v));
	pci_free_irq_vectors(g, d);
}

static int request_vectors(struct gk *g, struct gk_pci_dev *d)
{
	int r = d->driver == &managed_vectors_driver
	            ? pci_alloc_irq_vectors_affinity(g, d, d->driver_nvec, 1)
	            : pci_alloc_irq_vectors(g, d, d->driver_nvec);

	if (r < 0)
		return r;
	for (unsigned v = 0; v < d->nvec; v++) {
		r = request_irq(g, pci_irq_vector(d, v), vector_handler);
		if (r < 0) {
			release_vectors(g, d, v);
			return r;
		}
	}
	return 0;
}

static int common_probe(struct gk *g, struct gk_pci_dev *d)
{
	const struct gk_driver_cfg *cfg = &g->drv[d->bus];
	int r;

	if ((r = pci_enable_device(g, d)) < 0 || (r = pci_set_master(g, d)) < 0)
		return r;
	d->driver_nvec = cfg->nvec;
	TRACE(g->e, "driver", "probe", "\"dev\":\"%s\",\"model\":\"%s\",\"vectors\":%u", d->name,
	      d->driver->name, cfg->nvec);
	return request_vectors(g, d);
}

static int give_back(struct gk *g, struct gk_pci_dev *d, const char *callback)
{
	TRACE(g->e, "driver", callback, "\"dev\":\"%s\"", d->name);
	release_vectors(g, d, d->nvec);
	return 0;
}

static int ask_again(struct gk *g, struct gk_pci_dev *d, const char *callback)
{
	TRACE(g->e, "driver", callback, "\"dev\":\"%s\"", d->name);
	return request_vectors(g, d);
}

static int recreate_freeze(struct gk *g, struct gk_pci_dev *d)
{
	return give_back(g, d, "freeze");
}

static int recreate_poweroff(struct gk *g, struct gk_pci_dev *d)
{
	return give_back(g, d, "poweroff");
}

static int recreate_thaw(struct gk *g, struct gk_pci_dev *d)
{
	return ask_again(g, d, "thaw");
}

static int recreate_restore(struct gk *g, struct gk_pci_dev *d)
{
	return ask_again(g, d, "restore");
}

const struct pci_driver recreate_vectors_driver = {
    .name = "recreate-vectors",
    .probe = common_probe,
    .freeze = recreate_freeze,
    .thaw = recreate_thaw,
    .poweroff = recreate_poweroff,
    .restore = recreate_restore,
};

const struct pci_driver keep_vectors_driver = {
    .name = "keep-vectors",
    .probe = common_probe,
};

const struct pci_driver managed_vectors_driver = {
    .name = "managed-vectors",
    .probe = common_probe,
};
