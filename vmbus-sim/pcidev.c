/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcidev.h"

#include <glib.h>
#include <string.h>

static uint32_t rd(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void wr(uint8_t *p, uint32_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void set_wmask(struct pcidev *d, unsigned off, uint32_t mask, unsigned size)
{
	wr(&d->wmask[off], mask, size);
}

void pcidev_init(struct pcidev *d, const struct pcidev_config *cfg, pcidev_msg_fn send, void *ctx)
{
	memset(d, 0, sizeof(*d));
	g_strlcpy(d->name, cfg->name ? cfg->name : "dev", sizeof(d->name));
	d->cfg = *cfg;
	d->cfg.name = d->name;
	d->msix_n = CLAMP(cfg->msix_vectors, 1, PCIDEV_MAX_VECTORS);
	d->send = send;
	d->send_ctx = ctx;
	pcidev_reset(d);
}

static uint64_t decode_bar0(const struct pcidev *d);

/* After anything that may move or hide the BAR. */
static void update_decode(struct pcidev *d)
{
	uint64_t base = decode_bar0(d);

	if (base != d->bar0_base) {
		d->bar0_base = base;
		if (d->decode_gen)
			(*d->decode_gen)++;
	}
}

void pcidev_reset(struct pcidev *d)
{
	uint8_t *c = d->config;

	/* Only these bytes can be written after pcidev_init() zeroed the whole
	 * function: the standard header (config writes stop at 256), the
	 * MSI-X table and the PBA bits of its vectors. */
	memset(d->config, 0, 256);
	memset(d->wmask, 0, sizeof(d->wmask));
	memset(d->bar0 + PCIDEV_TABLE_OFF, 0, d->msix_n * PCI_MSIX_ENTRY_SIZE);
	memset(d->bar0 + PCIDEV_PBA_OFF, 0, (d->msix_n + 7) / 8);

	wr(&c[PCI_VENDOR_ID], d->cfg.vendor_id, 2);
	wr(&c[PCI_DEVICE_ID], d->cfg.device_id, 2);
	wr(&c[PCI_STATUS], PCI_STATUS_CAP_LIST, 2);
	c[PCI_CLASS_REVISION] = 1;
	c[PCI_CLASS_REVISION + 1] = d->cfg.class_code[0];
	c[PCI_CLASS_REVISION + 2] = d->cfg.class_code[1];
	c[PCI_CLASS_REVISION + 3] = d->cfg.class_code[2];
	wr(&c[PCI_BASE_ADDRESS_0], PCI_BASE_ADDRESS_MEM_TYPE_64, 4);
	wr(&c[PCI_SUBSYSTEM_VENDOR_ID], d->cfg.vendor_id, 2);
	wr(&c[PCI_SUBSYSTEM_ID], d->cfg.device_id, 2);
	c[PCI_CAPABILITY_LIST] = PCIDEV_PM_CAP;
	c[PCI_INTERRUPT_PIN] = 1; /* INTA */
	set_wmask(d, PCI_COMMAND,
	          PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
	set_wmask(d, PCI_BASE_ADDRESS_0, ~(uint32_t)(PCIDEV_BAR0_SIZE - 1) & ~0xfu, 4);
	set_wmask(d, PCI_BASE_ADDRESS_1, 0xffffffffu, 4);
	set_wmask(d, PCI_INTERRUPT_LINE, 0xff, 1);

	/* Power management, version 3. */
	c[PCIDEV_PM_CAP] = PCI_CAP_ID_PM;
	c[PCIDEV_PM_CAP + 1] = PCIDEV_MSI_CAP;
	wr(&c[PCIDEV_PM_CAP + 2], 0x0003, 2);
	set_wmask(d, PCIDEV_PM_CAP + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK, 2);

	/* MSI: 64-bit, per-vector masking, one vector. */
	c[PCIDEV_MSI_CAP] = PCI_CAP_ID_MSI;
	c[PCIDEV_MSI_CAP + 1] = PCIDEV_MSIX_CAP;
	wr(&c[PCIDEV_MSI_CAP + PCI_MSI_FLAGS], PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT, 2);
	set_wmask(d, PCIDEV_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 2);
	set_wmask(d, PCIDEV_MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfffffffc, 4);
	set_wmask(d, PCIDEV_MSI_CAP + PCI_MSI_ADDRESS_HI, 0xffffffff, 4);
	set_wmask(d, PCIDEV_MSI_CAP + PCI_MSI_DATA_64, 0xffff, 2);
	set_wmask(d, PCIDEV_MSI_CAP + PCI_MSI_MASK_64, 0x1, 4);

	/* MSI-X: table at BAR0 + 0, PBA at BAR0 + 0x2000. */
	c[PCIDEV_MSIX_CAP] = PCI_CAP_ID_MSIX;
	c[PCIDEV_MSIX_CAP + 1] = 0;
	wr(&c[PCIDEV_MSIX_CAP + PCI_MSIX_FLAGS], (d->msix_n - 1) & PCI_MSIX_FLAGS_QSIZE, 2);
	wr(&c[PCIDEV_MSIX_CAP + PCI_MSIX_TABLE], PCIDEV_TABLE_OFF | 0, 4);
	wr(&c[PCIDEV_MSIX_CAP + PCI_MSIX_PBA], PCIDEV_PBA_OFF | 0, 4);
	set_wmask(d, PCIDEV_MSIX_CAP + PCI_MSIX_FLAGS,
	          PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE, 2);

	/* Every MSI-X vector comes out of reset masked. */
	for (unsigned i = 0; i < d->msix_n; i++)
		d->bar0[PCIDEV_TABLE_OFF + i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] =
		    PCI_MSIX_ENTRY_CTRL_MASKBIT;
	update_decode(d);
}

unsigned pcidev_pm_state(const struct pcidev *d)
{
	return rd(&d->config[PCIDEV_PM_CAP + PCI_PM_CTRL], 2) & PCI_PM_CTRL_STATE_MASK;
}

uint16_t pcidev_command(const struct pcidev *d)
{
	return (uint16_t)rd(&d->config[PCI_COMMAND], 2);
}

static uint16_t msix_ctrl(const struct pcidev *d)
{
	return (uint16_t)rd(&d->config[PCIDEV_MSIX_CAP + PCI_MSIX_FLAGS], 2);
}

static uint16_t msi_flags(const struct pcidev *d)
{
	return (uint16_t)rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_FLAGS], 2);
}

bool pcidev_msix_enabled(const struct pcidev *d)
{
	return msix_ctrl(d) & PCI_MSIX_FLAGS_ENABLE;
}

bool pcidev_msix_function_masked(const struct pcidev *d)
{
	return msix_ctrl(d) & PCI_MSIX_FLAGS_MASKALL;
}

bool pcidev_msi_enabled(const struct pcidev *d)
{
	return msi_flags(d) & PCI_MSI_FLAGS_ENABLE;
}

void pcidev_msix_entry(const struct pcidev *d, unsigned i, uint64_t *address, uint32_t *data,
                       bool *masked)
{
	const uint8_t *e = &d->bar0[PCIDEV_TABLE_OFF + i * PCI_MSIX_ENTRY_SIZE];

	if (address)
		*address = rd(e + PCI_MSIX_ENTRY_LOWER_ADDR, 4) |
		           ((uint64_t)rd(e + PCI_MSIX_ENTRY_UPPER_ADDR, 4) << 32);
	if (data)
		*data = rd(e + PCI_MSIX_ENTRY_DATA, 4);
	if (masked)
		*masked = rd(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

bool pcidev_msix_pending(const struct pcidev *d, unsigned i)
{
	return d->bar0[PCIDEV_PBA_OFF + i / 8] & (1u << (i % 8));
}

_Static_assert(PCIDEV_MAX_VECTORS <= 64, "the pending bits fit in a uint64_t");

/* The pending bits of every vector. */
static uint64_t pba_bits(const struct pcidev *d)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < (d->msix_n + 7) / 8; k++)
		v |= (uint64_t)d->bar0[PCIDEV_PBA_OFF + k] << (8 * k);
	return v;
}

static void set_pending(struct pcidev *d, unsigned i, bool on)
{
	uint8_t *b = &d->bar0[PCIDEV_PBA_OFF + i / 8];

	if (on)
		*b |= (uint8_t)(1u << (i % 8));
	else
		*b &= (uint8_t) ~(1u << (i % 8));
}

static bool msi_masked(const struct pcidev *d, unsigned i)
{
	return rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_MASK_64], 4) & (1u << i);
}

static void msi_set_pending(struct pcidev *d, unsigned i, bool on)
{
	uint8_t *p = &d->config[PCIDEV_MSI_CAP + PCI_MSI_PENDING_64];
	uint32_t v = rd(p, 4);

	wr(p, on ? v | (1u << i) : v & ~(1u << i), 4);
}

static void send_msix(struct pcidev *d, unsigned i)
{
	uint64_t address;
	uint32_t data;

	pcidev_msix_entry(d, i, &address, &data, NULL);
	d->send(d->send_ctx, d, address, data, i);
}

static void send_msi(struct pcidev *d, unsigned i)
{
	uint64_t address = rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_ADDRESS_LO], 4) |
	                   ((uint64_t)rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_ADDRESS_HI], 4) << 32);
	uint32_t data = rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_DATA_64], 2) | i;

	d->send(d->send_ctx, d, address, data, i);
}

/* After anything that can unmask: a pending vector whose mask went away is
 * sent now (PCIe: the function sends the message once unmasked). */
static void deliver_unmasked_pending(struct pcidev *d)
{
	if (!(pcidev_command(d) & PCI_COMMAND_MASTER))
		return;
	if (pcidev_msix_enabled(d) && !pcidev_msix_function_masked(d)) {
		/* Lowest pending vector first, visiting only pending ones: this
		 * runs after every Vector Control write. */
		for (uint64_t pend = pba_bits(d); pend;) {
			unsigned i = (unsigned)__builtin_ctzll(pend);
			bool masked;
			pcidev_msix_entry(d, i, NULL, NULL, &masked);
			if (!masked) {
				set_pending(d, i, false);
				send_msix(d, i);
			}
			pend = i == 63 ? 0 : pba_bits(d) & (~UINT64_C(0) << (i + 1));
		}
	} else if (pcidev_msi_enabled(d)) {
		uint32_t pend = rd(&d->config[PCIDEV_MSI_CAP + PCI_MSI_PENDING_64], 4);
		if ((pend & 1) && !msi_masked(d, 0)) {
			msi_set_pending(d, 0, false);
			send_msi(d, 0);
		}
	}
}

uint32_t pcidev_cfg_read(struct pcidev *d, unsigned off, unsigned size)
{
	if (off >= PCI_CFG_SPACE_SIZE || size > PCI_CFG_SPACE_SIZE - off)
		return 0xffffffffu;
	return rd(&d->config[off], size);
}

void pcidev_cfg_write(struct pcidev *d, unsigned off, uint32_t val, unsigned size)
{
	unsigned old_pm = pcidev_pm_state(d);

	if (off >= 256 || size > 256 - off)
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = d->wmask[off + i];
		uint8_t v = (uint8_t)(val >> (8 * i));
		d->config[off + i] = (uint8_t)((d->config[off + i] & ~m) | (v & m));
	}
	/* D1 and D2 are not advertised in PMC: such a write is discarded. */
	if (pcidev_pm_state(d) == 1 || pcidev_pm_state(d) == 2) {
		uint8_t *pm = &d->config[PCIDEV_PM_CAP + PCI_PM_CTRL];
		wr(pm, (rd(pm, 2) & ~PCI_PM_CTRL_STATE_MASK) | old_pm, 2);
	}
	/* D3hot -> D0 resets a function without No_Soft_Reset. */
	if (old_pm == 3 && pcidev_pm_state(d) == 0)
		pcidev_reset(d);
	update_decode(d);
	deliver_unmasked_pending(d);
}

static uint64_t decode_bar0(const struct pcidev *d)
{
	if (!(pcidev_command(d) & PCI_COMMAND_MEMORY) || pcidev_pm_state(d) != 0)
		return 0;
	return (rd(&d->config[PCI_BASE_ADDRESS_0], 4) & ~0xfu) |
	       ((uint64_t)rd(&d->config[PCI_BASE_ADDRESS_1], 4) << 32);
}

uint32_t pcidev_bar_read(struct pcidev *d, unsigned off, unsigned size)
{
	if (off >= PCIDEV_BAR0_SIZE || size > PCIDEV_BAR0_SIZE - off)
		return 0xffffffffu;
	return rd(&d->bar0[off], size);
}

void pcidev_bar_write(struct pcidev *d, unsigned off, uint32_t val, unsigned size)
{
	unsigned table_end = PCIDEV_TABLE_OFF + d->msix_n * PCI_MSIX_ENTRY_SIZE;

	if (off >= PCIDEV_BAR0_SIZE || size > PCIDEV_BAR0_SIZE - off)
		return;
	/* The PBA is read-only; so is the rest of the BAR beyond the table. */
	if (off >= table_end || size > table_end - off)
		return;
	wr(&d->bar0[off], val, size);
	if ((off - PCIDEV_TABLE_OFF) % PCI_MSIX_ENTRY_SIZE == PCI_MSIX_ENTRY_VECTOR_CTRL)
		deliver_unmasked_pending(d);
}

enum pcidev_fire_result pcidev_fire(struct pcidev *d, unsigned i, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (pcidev_pm_state(d) != 0) {
		*why = "the device is not in D0";
		return FIRE_DROPPED;
	}
	if (pcidev_msix_enabled(d)) {
		bool masked;
		if (i >= d->msix_n) {
			*why = "no such MSI-X vector";
			return FIRE_DROPPED;
		}
		pcidev_msix_entry(d, i, NULL, NULL, &masked);
		if (masked || pcidev_msix_function_masked(d)) {
			set_pending(d, i, true);
			*why = masked ? "its MSI-X Vector Control MASKBIT is set"
			              : "MSI-X Function Mask is set";
			return FIRE_PENDING;
		}
		if (!(pcidev_command(d) & PCI_COMMAND_MASTER)) {
			*why = "bus mastering is off (PCI_COMMAND.MASTER clear), so no MSI-X write";
			return FIRE_DROPPED;
		}
		send_msix(d, i);
		return FIRE_SENT;
	}
	if (pcidev_msi_enabled(d)) {
		/* Multiple Message Enable beyond Multiple Message Capable is
		 * undefined; the function uses what it is capable of. */
		unsigned mme = (msi_flags(d) & PCI_MSI_FLAGS_QSIZE) >> 4;
		unsigned mmc = (msi_flags(d) & PCI_MSI_FLAGS_QMASK) >> 1;
		unsigned n = 1u << MIN(mme, mmc);
		if (i >= n) {
			*why = "no such MSI vector";
			return FIRE_DROPPED;
		}
		if (msi_masked(d, i)) {
			msi_set_pending(d, i, true);
			*why = "the MSI vector is masked";
			return FIRE_PENDING;
		}
		if (!(pcidev_command(d) & PCI_COMMAND_MASTER)) {
			*why = "bus mastering is off (PCI_COMMAND.MASTER clear), so no MSI write";
			return FIRE_DROPPED;
		}
		send_msi(d, i);
		return FIRE_SENT;
	}
	if (pcidev_command(d) & PCI_COMMAND_INTX_DISABLE) {
		*why = "MSI-X, MSI and INTx are all disabled";
		return FIRE_DROPPED;
	}
	wr(&d->config[PCI_STATUS], rd(&d->config[PCI_STATUS], 2) | PCI_STATUS_INTERRUPT, 2);
	*why = "MSI-X and MSI are disabled and Hyper-V vPCI routes no INTx";
	return FIRE_DROPPED;
}
