/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcidev.h"

#include <glib.h>
#include <string.h>

/* Little-endian registers of 1, 2 or 4 bytes (config space, the MSI-X
 * table): one load or store each, not a loop over bytes. */
static inline uint32_t rd(const uint8_t *p, unsigned size)
{
	uint16_t v16;
	uint32_t v32;

	switch (size) {
	case 4:
		memcpy(&v32, p, 4);
		return GUINT32_FROM_LE(v32);
	case 2:
		memcpy(&v16, p, 2);
		return GUINT16_FROM_LE(v16);
	case 1:
		return p[0];
	default: {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)p[i] << (8 * i);
		return v;
	}
	}
}

static inline void wr(uint8_t *p, uint32_t v, unsigned size)
{
	uint16_t v16;
	uint32_t v32;

	switch (size) {
	case 4:
		v32 = GUINT32_TO_LE(v);
		memcpy(p, &v32, 4);
		return;
	case 2:
		v16 = GUINT16_TO_LE((uint16_t)v);
		memcpy(p, &v16, 2);
		return;
	case 1:
		p[0] = (uint8_t)v;
		return;
	default:
		for (unsigned i = 0; i < size; i++)
			p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void set_wmask(struct pcidev *d, unsigned off, uint32_t mask, unsigned size)
{
	wr(&d->wmask[off], mask, size);
}

/* ---- layouts ---- */

#define FIRST_CAP    0x40   /* right after the standard header */
#define CAP_ALIGN    0x10   /* each capability starts on a 16-byte boundary */
#define PBA_ALIGN    0x2000 /* the PBA on an 8 KiB boundary after the table */
#define MIN_BAR_SIZE 0x4000

static const char *const cap_names[PCIDEV_CAP__END] = {
    [PCIDEV_CAP_PM] = "pm",
    [PCIDEV_CAP_MSI] = "msi",
    [PCIDEV_CAP_MSIX] = "msix",
};

/* Bytes each capability structure takes in config space. */
static const uint8_t cap_len[PCIDEV_CAP__END] = {
    [PCIDEV_CAP_PM] = 8,    /* ID, next, PMC, PMCSR, BSE, Data */
    [PCIDEV_CAP_MSI] = 24,  /* 64-bit with per-vector masking */
    [PCIDEV_CAP_MSIX] = 12, /* ID, next, control, table, PBA */
};

static const enum pcidev_cap default_order[PCIDEV_NCAPS] = {PCIDEV_CAP_PM, PCIDEV_CAP_MSI,
                                                            PCIDEV_CAP_MSIX};

const char *pcidev_cap_name(enum pcidev_cap c)
{
	return c > PCIDEV_CAP_NONE && c < PCIDEV_CAP__END ? cap_names[c] : NULL;
}

enum pcidev_cap pcidev_cap_lookup(const char *name)
{
	for (unsigned c = PCIDEV_CAP_NONE + 1; name && c < PCIDEV_CAP__END; c++)
		if (strcmp(cap_names[c], name) == 0)
			return (enum pcidev_cap)c;
	return PCIDEV_CAP_NONE;
}

static bool G_GNUC_PRINTF(2, 3) invalid(char **why, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		*why = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool default_caps(const struct pcidev_layout *l)
{
	for (unsigned i = 0; i < PCIDEV_NCAPS; i++)
		if (l->caps[i] != PCIDEV_CAP_NONE)
			return false;
	return true;
}

/* A list of pm and msi alone: the function has no MSI-X capability. */
static bool no_msix(const struct pcidev_layout *l)
{
	if (default_caps(l))
		return false;
	for (unsigned i = 0; i < PCIDEV_NCAPS; i++)
		if (l->caps[i] == PCIDEV_CAP_MSIX)
			return false;
	return true;
}

/* How many capabilities the function has. */
static unsigned ncaps_of(const struct pcidev_layout *l)
{
	return no_msix(l) ? PCIDEV_NCAPS - 1 : PCIDEV_NCAPS;
}

/* What the layout says, field by field. */
static bool check_fields(const struct pcidev_layout *l, char **why)
{
	bool seen[PCIDEV_CAP__END] = {false};

	for (unsigned i = 0; i < PCIDEV_NCAPS && !default_caps(l); i++) {
		enum pcidev_cap c = l->caps[i];
		if (c == PCIDEV_CAP_NONE && i >= ncaps_of(l))
			continue; /* without MSI-X: pm and msi, then nothing */
		if (c == PCIDEV_CAP_NONE)
			return invalid(why,
			               "capability %u of the list is missing: %s must each be "
			               "listed once",
			               i, no_msix(l) ? "pm and msi" : "pm, msi and msix");
		if ((unsigned)c >= PCIDEV_CAP__END)
			return invalid(why, "capability %u of the list is unknown (%d)", i, (int)c);
		if (seen[c])
			return invalid(why, "capability \"%s\" is listed twice", cap_names[c]);
		seen[c] = true;
	}
	if (no_msix(l) && l->msix_table_offset)
		return invalid(why, "a function without MSI-X has no MSI-X table to place at %#x",
		               l->msix_table_offset);
	if (l->msix_bar >= PCIDEV_NUM_BARS)
		return invalid(why, "the MSI-X table's BAR must be 0 to %d, got %u",
		               PCIDEV_NUM_BARS - 1, l->msix_bar);
	if (l->msix_table_offset % 8)
		return invalid(why, "the MSI-X table offset %#x is not 8-byte aligned",
		               l->msix_table_offset);
	if (l->msix_table_offset >= PCIDEV_MAX_TABLE_OFFSET)
		return invalid(why, "the MSI-X table offset %#x is not below %#x (1 MiB)",
		               l->msix_table_offset, PCIDEV_MAX_TABLE_OFFSET);
	return true;
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Where everything goes, and a check that it fits: the rules in pcidev.h
 * make the last checks hold for every valid layout; they stay so that a
 * change of rules cannot make an overlapping layout quietly. */
static bool place(const struct pcidev_layout *l, unsigned n, struct pcidev_placement *at,
                  char **why)
{
	const enum pcidev_cap *order = default_caps(l) ? default_order : l->caps;
	uint32_t pos = FIRST_CAP, table_end, pba_end;

	memset(at, 0, sizeof(*at));
	for (unsigned i = 0, k = 0; i < PCIDEV_NCAPS && k < ncaps_of(l); i++) {
		if (order[i] == PCIDEV_CAP_NONE)
			continue;
		at->order[k++] = order[i];
		at->cap[order[i]] = (uint8_t)pos;
		pos = align_up(pos + cap_len[order[i]], CAP_ALIGN);
	}
	at->msix_bar = l->msix_bar;
	at->bar64 = l->msix_bar + 1 < PCIDEV_NUM_BARS;
	at->table_off = l->msix_table_offset;
	table_end = at->table_off + n * PCI_MSIX_ENTRY_SIZE;
	at->pba_off = align_up(table_end, PBA_ALIGN);
	pba_end = at->pba_off + (n + 63) / 64 * 8;
	at->bar_size = MIN_BAR_SIZE;
	while (at->bar_size < pba_end)
		at->bar_size <<= 1;
	if (pos > 0x100)
		return invalid(why, "the capabilities do not fit in the standard header");
	if (table_end > at->bar_size)
		return invalid(why, "the MSI-X table ends at %#x, outside its %#x-byte BAR",
		               table_end, at->bar_size);
	if (at->pba_off < table_end)
		return invalid(why, "the PBA at %#x overlaps the MSI-X table (%#x to %#x)",
		               at->pba_off, at->table_off, table_end);
	if (pba_end > at->bar_size)
		return invalid(why, "the PBA ends at %#x, outside its %#x-byte BAR", pba_end,
		               at->bar_size);
	if (!at->bar64 && at->bar_size > 0x80000000u)
		return invalid(why, "a %#x-byte BAR does not fit a 32-bit BAR", at->bar_size);
	return true;
}

bool pcidev_layout_validate(const struct pcidev_layout *l, char **why)
{
	struct pcidev_placement at;

	return check_fields(l, why) && place(l, PCIDEV_MAX_VECTORS, &at, why);
}

bool pcidev_layout_place(const struct pcidev_layout *l, unsigned nvectors,
                         struct pcidev_placement *out, char **why)
{
	if (nvectors < 1 || nvectors > PCIDEV_MAX_VECTORS)
		return invalid(why, "%u vectors: a function has 1 to %d", nvectors,
		               PCIDEV_MAX_VECTORS);
	return check_fields(l, why) && place(l, nvectors, out, why);
}

/* ---- the function ---- */

static unsigned bar_reg(unsigned bar)
{
	return PCI_BASE_ADDRESS_0 + 4 * bar;
}

bool pcidev_init(struct pcidev *d, const struct pcidev_config *cfg, pcidev_msg_fn send, void *ctx)
{
	bool ok;

	memset(d, 0, sizeof(*d));
	g_strlcpy(d->name, cfg->name ? cfg->name : "dev", sizeof(d->name));
	d->cfg = *cfg;
	d->cfg.name = d->name;
	d->msix_n = CLAMP(cfg->msix_vectors, 1, PCIDEV_MAX_VECTORS);
	d->msi_n = 1;
	while (d->msi_n * 2 <= MIN(cfg->msi_vectors, 32u))
		d->msi_n *= 2;
	ok = pcidev_layout_place(&d->cfg.layout, d->msix_n, &d->at, NULL);
	if (!ok) {
		memset(&d->cfg.layout, 0, sizeof(d->cfg.layout));
		pcidev_layout_place(&d->cfg.layout, d->msix_n, &d->at, NULL);
	}
	d->send = send;
	d->send_ctx = ctx;
	pcidev_reset(d);
	return ok;
}

static uint64_t decode_bar(const struct pcidev *d);

/* After anything that may move or hide the BAR. */
static void update_decode(struct pcidev *d)
{
	uint64_t base = decode_bar(d);

	if (base != d->bar_base) {
		d->bar_base = base;
		if (d->decode_gen)
			(*d->decode_gen)++;
	}
}

void pcidev_reset(struct pcidev *d)
{
	const struct pcidev_placement *at = &d->at;
	uint8_t *c = d->config;
	unsigned pm = at->cap[PCIDEV_CAP_PM], msi = at->cap[PCIDEV_CAP_MSI],
	         msix = at->cap[PCIDEV_CAP_MSIX], bar = bar_reg(at->msix_bar);

	/* Only these bytes can be written after pcidev_init() zeroed the whole
	 * function: the standard header (config writes stop at 256), the
	 * MSI-X table and the PBA bits of its vectors. */
	memset(d->config, 0, 256);
	memset(d->wmask, 0, sizeof(d->wmask));
	memset(d->msix_table, 0, d->msix_n * PCI_MSIX_ENTRY_SIZE);
	memset(d->msix_pba, 0, (d->msix_n + 7) / 8);

	wr(&c[PCI_VENDOR_ID], d->cfg.vendor_id, 2);
	wr(&c[PCI_DEVICE_ID], d->cfg.device_id, 2);
	wr(&c[PCI_STATUS], PCI_STATUS_CAP_LIST, 2);
	c[PCI_CLASS_REVISION] = 1;
	c[PCI_CLASS_REVISION + 1] = d->cfg.class_code[0];
	c[PCI_CLASS_REVISION + 2] = d->cfg.class_code[1];
	c[PCI_CLASS_REVISION + 3] = d->cfg.class_code[2];
	wr(&c[PCI_SUBSYSTEM_VENDOR_ID], d->cfg.vendor_id, 2);
	wr(&c[PCI_SUBSYSTEM_ID], d->cfg.device_id, 2);
	c[PCI_INTERRUPT_PIN] = 1; /* INTA */
	set_wmask(d, PCI_COMMAND,
	          PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
	set_wmask(d, PCI_INTERRUPT_LINE, 0xff, 1);

	/* The one implemented BAR: only the address bits above its size are
	 * writable, so all ones read back as the size mask with the type. */
	wr(&c[bar], at->bar64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0, 4);
	set_wmask(d, bar, ~(at->bar_size - 1) & PCI_BASE_ADDRESS_MEM_MASK, 4);
	if (at->bar64)
		set_wmask(d, bar + 4, 0xffffffffu, 4);

	/* The capability list, in the layout's order. */
	c[PCI_CAPABILITY_LIST] = at->cap[at->order[0]];
	for (unsigned i = 0; i < PCIDEV_NCAPS && at->order[i] != PCIDEV_CAP_NONE; i++) {
		unsigned pos = at->cap[at->order[i]];
		c[pos + PCI_CAP_LIST_NEXT] = i + 1 < PCIDEV_NCAPS ? at->cap[at->order[i + 1]] : 0;
	}

	/* Power management, version 3. */
	c[pm] = PCI_CAP_ID_PM;
	wr(&c[pm + 2], 0x0003, 2);
	set_wmask(d, pm + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK, 2);

	/* MSI: 64-bit, Multiple Message Capable as configured, per-vector
	 * masking unless configured without (then no mask or pending
	 * registers: the capability ends after the data). */
	c[msi] = PCI_CAP_ID_MSI;
	wr(&c[msi + PCI_MSI_FLAGS],
	   PCI_MSI_FLAGS_64BIT | (d->cfg.msi_no_maskbits ? 0 : PCI_MSI_FLAGS_MASKBIT) |
	       ((unsigned)__builtin_ctz(d->msi_n) << 1),
	   2);
	set_wmask(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 2);
	set_wmask(d, msi + PCI_MSI_ADDRESS_LO, 0xfffffffc, 4);
	set_wmask(d, msi + PCI_MSI_ADDRESS_HI, 0xffffffff, 4);
	set_wmask(d, msi + PCI_MSI_DATA_64, 0xffff, 2);
	if (!d->cfg.msi_no_maskbits)
		set_wmask(d, msi + PCI_MSI_MASK_64,
		          d->msi_n >= 32 ? 0xffffffffu : (1u << d->msi_n) - 1, 4);

	/* MSI-X: the table and the PBA in the layout's BAR. */
	if (msix) {
		c[msix] = PCI_CAP_ID_MSIX;
		wr(&c[msix + PCI_MSIX_FLAGS], (d->msix_n - 1) & PCI_MSIX_FLAGS_QSIZE, 2);
		wr(&c[msix + PCI_MSIX_TABLE], at->table_off | at->msix_bar, 4);
		wr(&c[msix + PCI_MSIX_PBA], at->pba_off | at->msix_bar, 4);
		set_wmask(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE,
		          2);
	}

	/* Every MSI-X vector comes out of reset masked. */
	for (unsigned i = 0; i < d->msix_n; i++)
		d->msix_table[i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] =
		    PCI_MSIX_ENTRY_CTRL_MASKBIT;
	update_decode(d);
}

/* Offset of a capability's register in config space. */
static unsigned pm_reg(const struct pcidev *d, unsigned reg)
{
	return d->at.cap[PCIDEV_CAP_PM] + reg;
}

static unsigned msi_reg(const struct pcidev *d, unsigned reg)
{
	return d->at.cap[PCIDEV_CAP_MSI] + reg;
}

static unsigned msix_reg(const struct pcidev *d, unsigned reg)
{
	return d->at.cap[PCIDEV_CAP_MSIX] + reg;
}

unsigned pcidev_pm_state(const struct pcidev *d)
{
	return rd(&d->config[pm_reg(d, PCI_PM_CTRL)], 2) & PCI_PM_CTRL_STATE_MASK;
}

uint16_t pcidev_command(const struct pcidev *d)
{
	return (uint16_t)rd(&d->config[PCI_COMMAND], 2);
}

static uint16_t msix_ctrl(const struct pcidev *d)
{
	if (!d->at.cap[PCIDEV_CAP_MSIX])
		return 0; /* no MSI-X capability */
	return (uint16_t)rd(&d->config[msix_reg(d, PCI_MSIX_FLAGS)], 2);
}

static uint16_t msi_flags(const struct pcidev *d)
{
	return (uint16_t)rd(&d->config[msi_reg(d, PCI_MSI_FLAGS)], 2);
}

bool pcidev_has_msix(const struct pcidev *d)
{
	return d->at.cap[PCIDEV_CAP_MSIX] != 0;
}

unsigned pcidev_msi_capable(const struct pcidev *d)
{
	return 1u << ((msi_flags(d) & PCI_MSI_FLAGS_QMASK) >> 1);
}

/* Multiple Message Enable beyond Multiple Message Capable is undefined; the
 * function uses what it is capable of. */
unsigned pcidev_msi_enabled_count(const struct pcidev *d)
{
	unsigned mme = (msi_flags(d) & PCI_MSI_FLAGS_QSIZE) >> 4;
	unsigned mmc = (msi_flags(d) & PCI_MSI_FLAGS_QMASK) >> 1;

	return 1u << MIN(mme, mmc);
}

bool pcidev_msi_has_maskbits(const struct pcidev *d)
{
	return msi_flags(d) & PCI_MSI_FLAGS_MASKBIT;
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
	static const uint8_t none[PCI_MSIX_ENTRY_SIZE];
	/* Entries past the table size read as zeros, as they always did. */
	const uint8_t *e = i < d->msix_n ? &d->msix_table[i * PCI_MSIX_ENTRY_SIZE] : none;

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
	return i < d->msix_n && (d->msix_pba[i / 8] & (1u << (i % 8)));
}

_Static_assert(PCIDEV_MAX_VECTORS % 64 == 0, "the PBA is whole 64-bit words");

/* The pending bits of vectors 64 * w to 64 * w + 63. */
static uint64_t pba_word(const struct pcidev *d, unsigned w)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < 8 && 8 * w + k < (d->msix_n + 7) / 8; k++)
		v |= (uint64_t)d->msix_pba[8 * w + k] << (8 * k);
	return v;
}

static void set_pending(struct pcidev *d, unsigned i, bool on)
{
	uint8_t *b = &d->msix_pba[i / 8];

	if (on)
		*b |= (uint8_t)(1u << (i % 8));
	else
		*b &= (uint8_t) ~(1u << (i % 8));
}

static bool msi_masked(const struct pcidev *d, unsigned i)
{
	return pcidev_msi_has_maskbits(d) &&
	       (rd(&d->config[msi_reg(d, PCI_MSI_MASK_64)], 4) & (1u << i));
}

static uint32_t msi_pending_bits(const struct pcidev *d)
{
	return pcidev_msi_has_maskbits(d) ? rd(&d->config[msi_reg(d, PCI_MSI_PENDING_64)], 4) : 0;
}

static void msi_set_pending(struct pcidev *d, unsigned i, bool on)
{
	uint8_t *p = &d->config[msi_reg(d, PCI_MSI_PENDING_64)];
	uint32_t v = rd(p, 4);

	wr(p, on ? v | (1u << i) : v & ~(1u << i), 4);
}

/* The message vector i goes out as: its own while MME gives it one, else
 * the last enabled message (the function's sources share it). */
static unsigned msi_message_of(const struct pcidev *d, unsigned i)
{
	unsigned n = pcidev_msi_enabled_count(d);

	return i < n ? i : n - 1;
}

static void msi_message(const struct pcidev *d, unsigned m, uint64_t *address, uint32_t *data)
{
	unsigned n = pcidev_msi_enabled_count(d);

	*address = rd(&d->config[msi_reg(d, PCI_MSI_ADDRESS_LO)], 4) |
	           ((uint64_t)rd(&d->config[msi_reg(d, PCI_MSI_ADDRESS_HI)], 4) << 32);
	/* The function puts the message number in the low log2(n) bits of
	 * Message Data, replacing what software wrote there. */
	*data = (rd(&d->config[msi_reg(d, PCI_MSI_DATA_64)], 2) & ~(n - 1)) | m;
}

void pcidev_msi_vector(const struct pcidev *d, unsigned i, uint64_t *address, uint32_t *data,
                       bool *masked, bool *pending)
{
	unsigned m = msi_message_of(d, i);
	uint64_t a;
	uint32_t v;

	msi_message(d, m, &a, &v);
	if (address)
		*address = a;
	if (data)
		*data = v;
	if (masked)
		*masked = msi_masked(d, m);
	if (pending)
		*pending = msi_pending_bits(d) & (1u << m);
}

static void send_msix(struct pcidev *d, unsigned i)
{
	uint64_t address;
	uint32_t data;

	pcidev_msix_entry(d, i, &address, &data, NULL);
	d->send(d->send_ctx, d, address, data, i);
}

/* Sends message m (already a message number, not a source). */
static void send_msi(struct pcidev *d, unsigned m)
{
	uint64_t address;
	uint32_t data;

	msi_message(d, m, &address, &data);
	d->send(d->send_ctx, d, address, data, m);
}

/* After anything that can unmask: a pending vector whose mask went away is
 * sent now (PCIe: the function sends the message once unmasked). */
static void deliver_unmasked_pending(struct pcidev *d)
{
	if (!(pcidev_command(d) & PCI_COMMAND_MASTER))
		return;
	if (pcidev_msix_enabled(d) && !pcidev_msix_function_masked(d)) {
		/* Lowest pending vector first, visiting only pending ones: this
		 * runs after every Vector Control write. A message sent may
		 * change the bits (the sender reacts), so each word is read
		 * again after each send. */
		for (unsigned w = 0; w < (d->msix_n + 63) / 64; w++) {
			for (uint64_t pend = pba_word(d, w); pend;) {
				unsigned b = (unsigned)__builtin_ctzll(pend), i = 64 * w + b;
				bool masked;
				pcidev_msix_entry(d, i, NULL, NULL, &masked);
				if (!masked) {
					set_pending(d, i, false);
					send_msix(d, i);
				}
				pend = b == 63 ? 0 : pba_word(d, w) & (~UINT64_C(0) << (b + 1));
			}
		}
	} else if (pcidev_msi_enabled(d)) {
		unsigned n = pcidev_msi_enabled_count(d);
		for (unsigned m = 0; m < n; m++) {
			if ((msi_pending_bits(d) & (1u << m)) && !msi_masked(d, m)) {
				msi_set_pending(d, m, false);
				send_msi(d, m);
			}
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
	if (size <= 4) {
		uint32_t m = rd(&d->wmask[off], size);
		wr(&d->config[off], (rd(&d->config[off], size) & ~m) | (val & m), size);
	} else {
		for (unsigned i = 0; i < size; i++) {
			uint8_t m = d->wmask[off + i];
			uint8_t v = (uint8_t)(val >> (8 * i));
			d->config[off + i] = (uint8_t)((d->config[off + i] & ~m) | (v & m));
		}
	}
	/* D1 and D2 are not advertised in PMC: such a write is discarded. */
	if (pcidev_pm_state(d) == 1 || pcidev_pm_state(d) == 2) {
		uint8_t *pm = &d->config[pm_reg(d, PCI_PM_CTRL)];
		wr(pm, (rd(pm, 2) & ~PCI_PM_CTRL_STATE_MASK) | old_pm, 2);
	}
	/* D3hot -> D0 resets a function without No_Soft_Reset. */
	if (old_pm == 3 && pcidev_pm_state(d) == 0)
		pcidev_reset(d);
	update_decode(d);
	deliver_unmasked_pending(d);
}

void pcidev_release_resources(struct pcidev *d)
{
	pcidev_cfg_write(d, PCI_COMMAND, pcidev_command(d) & ~PCI_COMMAND_MEMORY, 2);
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		pcidev_cfg_write(d, bar_reg(i), 0, 4);
}

uint64_t pcidev_bar_size(const struct pcidev *d, unsigned bar)
{
	return bar == d->at.msix_bar ? d->at.bar_size : 0;
}

uint32_t pcidev_bar_probe(const struct pcidev *d, unsigned bar)
{
	uint32_t v, m;

	if (bar >= PCIDEV_NUM_BARS)
		return 0;
	v = rd(&d->config[bar_reg(bar)], 4);
	m = rd(&d->wmask[bar_reg(bar)], 4);
	return (v & ~m) | m;
}

/* The MSI-X BAR's decoded base from config space, which update_decode()
 * keeps in d->bar_base. */
static uint64_t decode_bar(const struct pcidev *d)
{
	unsigned bar = d->at.msix_bar;
	uint64_t base;

	if (!(pcidev_command(d) & PCI_COMMAND_MEMORY) || pcidev_pm_state(d) != 0)
		return 0;
	base = rd(&d->config[bar_reg(bar)], 4) & PCI_BASE_ADDRESS_MEM_MASK;
	if (d->at.bar64)
		base |= (uint64_t)rd(&d->config[bar_reg(bar + 1)], 4) << 32;
	return base;
}

uint64_t pcidev_bar_base(const struct pcidev *d, unsigned bar)
{
	return bar == d->at.msix_bar ? d->bar_base : 0;
}

bool pcidev_bar_claims(const struct pcidev *d, uint64_t gpa, unsigned size, unsigned *bar,
                       unsigned *off)
{
	unsigned b = d->at.msix_bar;
	uint64_t base = d->bar_base;

	if (!base || gpa < base || size > d->at.bar_size || gpa - base > d->at.bar_size - size)
		return false;
	*bar = b;
	*off = (unsigned)(gpa - base);
	return true;
}

/* The byte at off in the MSI-X BAR: in the table, in the PBA, or NULL for
 * the rest (reads 0). */
static uint8_t *bar_byte(struct pcidev *d, unsigned off)
{
	unsigned t = off - d->at.table_off, p = off - d->at.pba_off;

	if (!pcidev_has_msix(d))
		return NULL; /* device memory with nothing in it */
	if (off >= d->at.table_off && t < d->msix_n * PCI_MSIX_ENTRY_SIZE)
		return &d->msix_table[t];
	if (off >= d->at.pba_off && p < (d->msix_n + 63) / 64 * 8)
		return &d->msix_pba[p];
	return NULL;
}

static bool in_bar(const struct pcidev *d, unsigned bar, unsigned off, unsigned size)
{
	uint64_t n = pcidev_bar_size(d, bar);

	return off < n && size <= n - off;
}

uint32_t pcidev_bar_read(struct pcidev *d, unsigned bar, unsigned off, unsigned size)
{
	uint32_t v = 0;

	unsigned t = off - d->at.table_off;

	if (!in_bar(d, bar, off, size))
		return 0xffffffffu;
	/* Wholly inside the table, as the guest's accesses are: no need to
	 * place each byte. */
	if (pcidev_has_msix(d) && off >= d->at.table_off && t < d->msix_n * PCI_MSIX_ENTRY_SIZE &&
	    size <= d->msix_n * PCI_MSIX_ENTRY_SIZE - t)
		return rd(&d->msix_table[t], size);
	for (unsigned i = 0; i < size; i++) {
		const uint8_t *p = bar_byte(d, off + i);
		v |= (uint32_t)(p ? *p : 0) << (8 * i);
	}
	return v;
}

void pcidev_bar_write(struct pcidev *d, unsigned bar, unsigned off, uint32_t val, unsigned size)
{
	unsigned table_len = d->msix_n * PCI_MSIX_ENTRY_SIZE, t = off - d->at.table_off;

	if (!in_bar(d, bar, off, size) || !pcidev_has_msix(d))
		return;
	/* Only the table is writable: the PBA and the rest are read-only. */
	if (off < d->at.table_off || t >= table_len || size > table_len - t)
		return;
	wr(&d->msix_table[t], val, size);
	if (t % PCI_MSIX_ENTRY_SIZE == PCI_MSIX_ENTRY_VECTOR_CTRL)
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
		unsigned m;
		/* Each interrupt source the function has (Multiple Message
		 * Capable) is a vector; with fewer messages enabled the sources
		 * beyond them share the last one. */
		if (i >= pcidev_msi_capable(d)) {
			*why = "no such MSI vector";
			return FIRE_DROPPED;
		}
		m = msi_message_of(d, i);
		if (msi_masked(d, m)) {
			msi_set_pending(d, m, true);
			*why = "the MSI vector's mask bit is set";
			return FIRE_PENDING;
		}
		if (!(pcidev_command(d) & PCI_COMMAND_MASTER)) {
			*why = "bus mastering is off (PCI_COMMAND.MASTER clear), so no MSI write";
			return FIRE_DROPPED;
		}
		send_msi(d, m);
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
