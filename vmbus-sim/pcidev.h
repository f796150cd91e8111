/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An emulated PCI function: type-0 config space with PM, MSI and MSI-X
 * capabilities, one memory BAR holding the MSI-X table and PBA, per-vector
 * mask and pending bits, an INTx pin, D-states.
 *
 * Where things sit is the function's layout (struct pcidev_layout): the
 * order of the capability list, which BAR holds the MSI-X table and at what
 * offset. A guest finds them as on real hardware, by walking the capability
 * list, sizing the BARs with all ones and reading Table Offset/BIR; nothing
 * here tells it where they are.
 *
 * Config space is reached through the host (trapped); the BAR is device
 * memory the guest writes directly (untrapped): nothing but the device's
 * own logic sees those writes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-regs.h"

/* The MSI-X capability's Table Size field holds N - 1 in 11 bits. */
#define PCIDEV_MAX_VECTORS 2048
#define PCIDEV_NUM_BARS    6
/* msix_table_offset must be below this (so a BAR is at most 2 MiB). */
#define PCIDEV_MAX_TABLE_OFFSET 0x100000u

/* The capabilities a function carries, each exactly once. */
enum pcidev_cap {
	PCIDEV_CAP_NONE, /* an all-NONE list means the default order */
	PCIDEV_CAP_PM,
	PCIDEV_CAP_MSI,
	PCIDEV_CAP_MSIX,
	PCIDEV_CAP__END
};
#define PCIDEV_NCAPS (PCIDEV_CAP__END - 1)

/*
 * The function's layout. All zero is the default: PM at 0x40, MSI at 0x50,
 * MSI-X at 0x70; the table at offset 0 of BAR0 (64-bit, BARs 0 and 1), the
 * PBA at 0x2000, a 16 KiB BAR.
 *
 * The rules (pcidev_layout_place):
 * - capabilities in list order; the first at 0x40, each next one at the
 *   first 16-byte boundary after the end of the one before (PM is 8 bytes,
 *   MSI 24, MSI-X 12);
 * - the PBA at the first 8 KiB boundary at or after the end of the table,
 *   so it never shares a 4 KiB page with the table;
 * - the BAR's size is the smallest power of two, at least 16 KiB, that
 *   holds the PBA;
 * - the BAR is 64-bit memory (msix_bar and msix_bar + 1) unless msix_bar is
 *   5, where it is 32-bit; every other BAR is unimplemented (reads 0,
 *   ignores writes, sizes to 0).
 */
struct pcidev_layout {
	/* list order; all NONE = pm, msi, msix. A list of pm and msi alone
	 * (then NONE) is a function without MSI-X: its BAR holds no table and
	 * msix_table_offset must be 0. */
	enum pcidev_cap caps[PCIDEV_NCAPS];
	unsigned msix_bar;          /* 0..5 */
	uint32_t msix_table_offset; /* bytes, 8-aligned, < PCIDEV_MAX_TABLE_OFFSET */
};

/* Where a layout puts everything, for a function with nvectors vectors. */
struct pcidev_placement {
	enum pcidev_cap order[PCIDEV_NCAPS]; /* the capability list, first to last */
	uint8_t cap[PCIDEV_CAP__END];        /* config offset of each; cap[NONE] unused */
	unsigned msix_bar;
	bool bar64;
	uint32_t bar_size;
	uint32_t table_off; /* in the BAR */
	uint32_t pba_off;   /* in the BAR */
};

/* "pm", "msi", "msix"; NULL for anything else. */
const char *pcidev_cap_name(enum pcidev_cap c);
/* The capability called name, or PCIDEV_CAP_NONE. */
enum pcidev_cap pcidev_cap_lookup(const char *name);

/* False, with *why (g_free it; why may be NULL) saying what is wrong, for a
 * layout no function can have: a capability unknown, listed twice or
 * missing; msix_bar beyond 5; an offset not 8-aligned or not below
 * PCIDEV_MAX_TABLE_OFFSET. It also places the layout for PCIDEV_MAX_VECTORS vectors and
 * refuses a table or PBA outside the BAR or overlapping each other, which
 * the rules above make impossible today: a backstop, not a field check. */
bool pcidev_layout_validate(const struct pcidev_layout *l, char **why);
/* Validates, then computes where everything goes for nvectors (1..PCIDEV_MAX_VECTORS). */
bool pcidev_layout_place(const struct pcidev_layout *l, unsigned nvectors,
                         struct pcidev_placement *out, char **why);

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
	unsigned msix_vectors; /* 1..PCIDEV_MAX_VECTORS */
	uint32_t serial;
	struct pcidev_layout layout; /* all zero: the default */
	/* MSI's Multiple Message Capable: 0 or 1 is one message, else a power
	 * of two up to 32 (more is clamped to 32, a non-power of two rounded
	 * down). Each of that many interrupt sources is a vector to fire. */
	unsigned msi_vectors;
	bool msi_no_maskbits; /* MSI without Per-vector Masking (no mask/pending bits) */
};

struct pcidev {
	char name[32];
	struct pcidev_config cfg;
	struct pcidev_placement at; /* where cfg.layout put everything */
	uint8_t config[PCI_CFG_SPACE_SIZE];
	uint8_t wmask[256];
	/* The BAR's memory: only the table and the PBA hold anything; the rest
	 * of the BAR reads 0 and ignores writes. */
	uint8_t msix_table[PCIDEV_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE];
	uint8_t msix_pba[PCIDEV_MAX_VECTORS / 8];
	unsigned msix_n;
	unsigned msi_n; /* Multiple Message Capable, as a count */
	pcidev_msg_fn send;
	void *send_ctx;
	uint64_t bar_base;    /* the MSI-X BAR's, as pcidev_bar_base() returns it */
	uint64_t *decode_gen; /* if set, bumped whenever bar_base changes */
};

enum pcidev_fire_result { FIRE_SENT, FIRE_PENDING, FIRE_DROPPED };

/* False if cfg->layout is invalid (pcidev_layout_validate); the function
 * then has the default layout, so it is still safe to use. */
bool pcidev_init(struct pcidev *d, const struct pcidev_config *cfg, pcidev_msg_fn send, void *ctx);
/* Power-on reset: config space to defaults, MSI-X entries masked, nothing
 * pending. */
void pcidev_reset(struct pcidev *d);

/* The host releases the function's resources (the reference host's
 * release_all): memory decoding off, every BAR register zero. */
void pcidev_release_resources(struct pcidev *d);

uint32_t pcidev_cfg_read(struct pcidev *d, unsigned off, unsigned size);
void pcidev_cfg_write(struct pcidev *d, unsigned off, uint32_t val, unsigned size);

/* BAR bar's size in bytes, 0 if the function does not implement it (the
 * upper half of a 64-bit BAR is not a BAR of its own: 0 too). */
uint64_t pcidev_bar_size(const struct pcidev *d, unsigned bar);
/* What config space reads back from BAR bar after all ones were written to
 * it (size mask and type bits; all ones for the upper half of a 64-bit
 * BAR; 0 if unimplemented), without writing anything. */
uint32_t pcidev_bar_probe(const struct pcidev *d, unsigned bar);
/* BAR bar's decoded base, or 0 if it is unimplemented, memory decoding is
 * off or the device is not in D0 (then the BAR claims no address). Kept
 * current by every config write and reset (d->bar_base), so that the MMIO
 * router can ask on every access. */
uint64_t pcidev_bar_base(const struct pcidev *d, unsigned bar);
/* Whether one of the function's BARs claims [gpa, gpa + size): then *bar
 * and *off say which BAR and where in it. */
bool pcidev_bar_claims(const struct pcidev *d, uint64_t gpa, unsigned size, unsigned *bar,
                       unsigned *off);
/* Memory accesses to BAR bar at offset off. Outside the BAR (or to an
 * unimplemented BAR) reads return all ones and writes are ignored. */
uint32_t pcidev_bar_read(struct pcidev *d, unsigned bar, unsigned off, unsigned size);
void pcidev_bar_write(struct pcidev *d, unsigned bar, unsigned off, uint32_t val, unsigned size);

/* Raises vector i; *why explains FIRE_PENDING and FIRE_DROPPED. */
enum pcidev_fire_result pcidev_fire(struct pcidev *d, unsigned i, const char **why);

/* Inspection for oracles and tests (no side effects), for any layout. */
unsigned pcidev_pm_state(const struct pcidev *d); /* 0 = D0 .. 3 = D3hot */
uint16_t pcidev_command(const struct pcidev *d);
bool pcidev_msix_enabled(const struct pcidev *d);
bool pcidev_msix_function_masked(const struct pcidev *d);
void pcidev_msix_entry(const struct pcidev *d, unsigned i, uint64_t *address, uint32_t *data,
                       bool *masked);
bool pcidev_msix_pending(const struct pcidev *d, unsigned i);
bool pcidev_msi_enabled(const struct pcidev *d);
/* Whether the function has an MSI-X capability at all. */
bool pcidev_has_msix(const struct pcidev *d);
/* MSI as config space holds it: the messages the function may send
 * (Multiple Message Capable) and those it was given (Multiple Message
 * Enable, at most the capable count), whether it has mask bits. */
unsigned pcidev_msi_capable(const struct pcidev *d);
unsigned pcidev_msi_enabled_count(const struct pcidev *d);
bool pcidev_msi_has_maskbits(const struct pcidev *d);
/* What vector i sends (address, data with its low bits replaced by the
 * message number, as the function sends it), its mask and pending bits
 * (false without per-vector masking). A vector beyond the enabled count
 * shares the last enabled message. */
void pcidev_msi_vector(const struct pcidev *d, unsigned i, uint64_t *address, uint32_t *data,
                       bool *masked, bool *pending);
