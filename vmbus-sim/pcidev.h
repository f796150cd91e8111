/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An emulated PCI function: type-0 config space with PM, MSI and MSI-X
 * capabilities, one 64-bit memory BAR holding the MSI-X table and PBA,
 * per-vector mask and pending bits, an INTx pin, D-states.
 *
 * Config space is reached through the host (trapped); the BAR is device
 * memory the guest writes directly (untrapped): nothing but the device's
 * own logic sees those writes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-regs.h"

/* Where this model puts things. */
#define PCIDEV_PM_CAP      0x40
#define PCIDEV_MSI_CAP     0x50
#define PCIDEV_MSIX_CAP    0x70
#define PCIDEV_BAR0_SIZE   0x4000
#define PCIDEV_TABLE_OFF   0x0000
#define PCIDEV_PBA_OFF     0x2000
#define PCIDEV_MAX_VECTORS 64

struct pcidev;
/* The device writes a message (address, data) on the bus; vector is the
 * MSI-X entry or MSI vector it came from. */
typedef void (*pcidev_msg_fn)(void *ctx, struct pcidev *d, uint64_t address, uint32_t data,
                              unsigned vector);

struct pcidev_config {
	const char *name;
	uint16_t vendor_id;
	uint16_t device_id;
	uint8_t class_code[3]; /* prog-if, subclass, base class */
	unsigned msix_vectors; /* 1..64 */
	uint32_t serial;
};

struct pcidev {
	char name[32];
	struct pcidev_config cfg;
	uint8_t config[PCI_CFG_SPACE_SIZE];
	uint8_t wmask[256];
	uint8_t bar0[PCIDEV_BAR0_SIZE];
	unsigned msix_n;
	pcidev_msg_fn send;
	void *send_ctx;
	uint64_t bar0_base;   /* decoded, as pcidev_bar0_base() returns it */
	uint64_t *decode_gen; /* if set, bumped whenever bar0_base changes */
};

enum pcidev_fire_result { FIRE_SENT, FIRE_PENDING, FIRE_DROPPED };

void pcidev_init(struct pcidev *d, const struct pcidev_config *cfg, pcidev_msg_fn send, void *ctx);
/* Power-on reset: config space to defaults, MSI-X entries masked, nothing
 * pending. */
void pcidev_reset(struct pcidev *d);

uint32_t pcidev_cfg_read(struct pcidev *d, unsigned off, unsigned size);
void pcidev_cfg_write(struct pcidev *d, unsigned off, uint32_t val, unsigned size);

/* The BAR's decoded base, or 0 if memory decoding is off or the device is
 * not in D0 (then the BAR claims no address). Kept current by every config
 * write and reset, so that the MMIO router can ask on every access. */
static inline uint64_t pcidev_bar0_base(const struct pcidev *d)
{
	return d->bar0_base;
}
uint32_t pcidev_bar_read(struct pcidev *d, unsigned off, unsigned size);
void pcidev_bar_write(struct pcidev *d, unsigned off, uint32_t val, unsigned size);

/* Raises vector i; *why explains FIRE_PENDING and FIRE_DROPPED. */
enum pcidev_fire_result pcidev_fire(struct pcidev *d, unsigned i, const char **why);

/* Inspection for oracles and tests (no side effects). */
unsigned pcidev_pm_state(const struct pcidev *d); /* 0 = D0 .. 3 = D3hot */
uint16_t pcidev_command(const struct pcidev *d);
bool pcidev_msix_enabled(const struct pcidev *d);
bool pcidev_msix_function_masked(const struct pcidev *d);
void pcidev_msix_entry(const struct pcidev *d, unsigned i, uint64_t *address, uint32_t *data,
                       bool *masked);
bool pcidev_msix_pending(const struct pcidev *d, unsigned i);
bool pcidev_msi_enabled(const struct pcidev *d);
