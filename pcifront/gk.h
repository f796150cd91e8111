/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest kernel model's state, internal to pcifront/: what a Linux guest
 * keeps about its CPUs, irqs, vPCI buses and PCI functions, and the core
 * services every module uses (errors, phases).
 *
 * All state a hibernation image would hold lives in struct gk_kernel, a flat
 * value with no pointers to the heap (pointers to static const operation
 * tables are fine): taking the snapshot is a copy, and jumping into the image
 * after resume is a copy back.
 *
 * Each module's functions are declared in its own header: irq.h (IRQ core),
 * pci.h (PCI core), hv-bridge.h (the front driver), pci-drivers.h (driver
 * models), init.h (what the kernel was built with).
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <stdint.h>

#include "behaviours.h"
#include "cpumask.h"
#include "drivers.h"
#include "pcifront.h"
#include "vmbus-sim/engine.h"
#include "vmbus-sim/guest-abi.h"
#include "vmbus-sim/tracepoint.h"
#include "vmbus-sim/vpci-proto.h"

/* Capacities: the largest VM the model runs (Hyper-V: 240 vCPUs; 256 costs
 * nothing more, the cpumask is 256 bits), 32 vPCI buses, and as many MSI-X
 * vectors per function as the capability can describe (2048). The tables
 * are sized for them, but every walk and every copy covers only the rows in
 * use: the CPUs the VM has, the buses found, and per bus the entries up to
 * its high-water mark (gk_kernel.vec_hi). */
#define GK_MAX_CPUS        256
#define GK_MAX_BUSES       32
#define GK_MAX_VECS        2048
#define GK_MAX_IRQS        (GK_MAX_BUSES * GK_MAX_VECS)
#define GK_FIRST_VECTOR    0x31
#define GK_LAST_VECTOR     0xeb
#define GK_SHUTDOWN_VECTOR 0xef /* MANAGED_IRQ_SHUTDOWN_VECTOR: never delivered to an irq */
#define HV_PCI_RQSTOR_SIZE 64
#define GK_RX_BUF          0x100 /* the channel callback's receive buffer */

struct gk;
struct irq_chip;
struct pci_ops;
struct pci_driver;
struct hv_driver;

enum pci_power { PCI_D0, PCI_D3HOT, PCI_UNKNOWN };

struct msi_msg {
	uint32_t address_lo;
	uint32_t address_hi;
	uint32_t data;
};

/* An irqaction's handler: runs in event context for each interrupt. */
typedef void (*irq_handler_t)(struct gk *g, unsigned irq);

/* ---- the IRQ core's state (irq.c) ---- */

/* struct irq_desc + irq_data, with room for the chip's data. */
struct gk_irq {
	bool allocated;
	bool activated; /* a vector is assigned and a message composed */
	bool requested; /* request_irq() done: started, with an action */
	bool masked;    /* irqd_irq_masked(): the core's view */
	bool pending;   /* IRQS_PENDING: fired while disabled */
	bool suspended; /* IRQS_SUSPENDED: disabled by suspend_device_irqs() */
	bool reserved;  /* reservation mode: composed with the shutdown vector only */
	bool has_chip_data;
	uint8_t vector;
	unsigned dev;       /* the owner: index of the PCI device in gk_kernel.dev */
	unsigned msi_index; /* hwirq in its domain: the MSI-X entry */
	unsigned disable_depth;
	struct gk_cpumask affinity; /* what was asked for (/proc/irq/N/smp_affinity) */
	unsigned cpu;               /* effective affinity: the CPU its vector is on */
	bool managed;               /* the kernel spread it; its mask never changes */
	bool managed_shutdown;      /* shut down: no CPU of its mask is online */
	irq_handler_t handler;
	struct tran_int_desc chip_data; /* the Hyper-V chip's: what CREATE_INTERRUPT returned */
	uint64_t count;                 /* /proc/interrupts */
};

/* A PCI/MSI irq domain: irqs [index * GK_MAX_VECS, +GK_MAX_VECS), all with
 * its chip (so the snapshot holds one chip pointer per domain, not per irq). */
struct gk_irq_domain {
	const struct irq_chip *chip; /* NULL: no such domain */
};

/* ---- the PCI core's state (pci.c) ---- */

/* struct msi_desc: the cached message and mask of one MSI-X entry. */
struct gk_msi_desc {
	bool in_use;
	unsigned irq;
	struct msi_msg msg;
	uint32_t msix_ctrl;
};

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM32, PCI_BAR_MEM64, PCI_BAR_IO };

/* A BAR as the scan sized it; the upper half of a 64-bit BAR is NONE. */
struct gk_pci_bar {
	enum pci_bar_kind kind;
	bool prefetch;
	uint64_t start;
	uint64_t size;
};

struct gk_pci_dev {
	bool present;
	unsigned bus;
	unsigned devfn;
	char name[32];
	uint16_t vendor_id;
	uint16_t device_id;
	enum pci_power current_state;
	struct gk_pci_bar bar[PCI_STD_NUM_BARS];
	/* capabilities, 0 when absent */
	uint8_t pm_cap;
	uint8_t msi_cap;
	uint8_t msix_cap;
	/* MSI-X as the capability describes it; table_gpa 0 when unusable */
	unsigned msix_table_size;
	uint8_t msix_table_bir;
	uint8_t msix_pba_bir;
	uint32_t msix_table_offset;
	uint32_t msix_pba_offset;
	uint64_t msix_table_gpa;
	uint64_t msix_pba_gpa;
	bool msix_enabled;
	unsigned nvec;
	/* MSI (when the function has no MSI-X): one descriptor for the block,
	 * desc[0], whose msg is what the capability holds; the others only
	 * name their irqs. */
	bool is_msi;          /* nvec vectors are MSI, allocated as one block */
	bool msi_enabled;     /* the PCI core enabled MSI */
	bool msi_maskbit;     /* Per-vector Masking Capable */
	uint8_t msi_multiple; /* log2 of the messages enabled (Multiple Message Enable) */
	uint32_t msi_mask;    /* the cached mask bits */
	bool state_saved;
	uint32_t saved_config[16];
	/* the bound driver */
	bool bound;
	const struct pci_driver *driver;
	unsigned driver_nvec;
	/* Per MSI-X entry, last: only the entries below the bus's vec_hi are
	 * ever written, and only they are copied. */
	struct gk_msi_desc desc[GK_MAX_VECS];
	uint64_t handled[GK_MAX_VECS]; /* interrupts the driver's handler saw */
};

/* struct pci_bus: config access and MSI domain of one root bus. */
struct gk_pci_bus {
	const struct pci_ops *ops; /* NULL: no such bus */
	unsigned msi_domain;
};

/* ---- the VMBus devices and the front driver's state (hv-bridge.c) ---- */

/* struct hv_device: one VMBus offer a driver claimed. */
struct gk_hv_dev {
	unsigned channel;
	uint8_t instance_guid[16];
	const struct hv_driver *drv; /* NULL once its probe failed */
};

enum hv_pcibus_state {
	HV_PCIBUS_INIT,
	HV_PCIBUS_PROBED,
	HV_PCIBUS_INSTALLED,
	HV_PCIBUS_REMOVING,
};

struct gk_request {
	bool in_use;
	struct completion *done;
	void *resp;
	size_t resp_cap;
	size_t resp_len;
	uint64_t trans_id; /* what the request was sent with */
};

struct gk_hbus {
	bool present;
	unsigned channel;
	uint8_t instance_guid[16];
	enum hv_pcibus_state state;
	uint32_t protocol_version;
	uint64_t cfg_gpa;
	bool channel_open;
	/* what the last BUS_RELATIONS said: one function per bus */
	bool relations_seen;
	bool child_present;
	struct pci_function_description child;
	bool child_has_requirements;
	uint32_t probed_bar[PCI_STD_NUM_BARS];
	bool child_resourced;
	/* the bridge windows its BARs are placed in (0 size: none) */
	uint64_t low_mmio_base;
	uint64_t low_mmio_size;
	uint64_t high_mmio_base;
	uint64_t high_mmio_size;
	bool windows_allocated;
	unsigned pci_dev; /* index into gk_kernel.dev */
	struct completion survey;
	/* One past the highest request slot ever taken (slots are taken
	 * lowest first): every slot above it is zero. */
	unsigned rqstor_hi;
	struct gk_request rqstor[HV_PCI_RQSTOR_SIZE];
	uint64_t invalid_packets; /* host packets rejected as malformed */
};

/* irqs are numbered domain * GK_MAX_VECS + entry. */
#define gk_irq_nr(domain, hwirq) ((domain)*GK_MAX_VECS + (hwirq))
/* Every irq that may be allocated: of each bus found, the entries below its
 * high-water mark. Visits irq numbers in ascending order. */
#define gk_for_each_irq(k, irq)                                                                    \
	for (unsigned _d = 0; _d < (k)->nbuses; _d++)                                              \
		for (unsigned irq = gk_irq_nr(_d, 0); irq < gk_irq_nr(_d, (k)->vec_hi[_d]); irq++)

struct gk_kernel {
	unsigned ncpus;
	bool cpu_online[GK_MAX_CPUS];
	struct gk_cpumask online;           /* the same, as a mask */
	uint16_t vectors_used[GK_MAX_CPUS]; /* non-zero entries in vector_irq[cpu] */
	uint8_t vector_hint[GK_MAX_CPUS];   /* no free vector of the CPU below it (0: none known) */
	/* Per bus: one past the highest MSI-X entry (= hwirq) ever allocated,
	 * enabled or counted since boot; every per-entry row above it is zero. */
	uint16_t vec_hi[GK_MAX_BUSES];
	unsigned managed_down;                 /* irqs with managed_shutdown set */
	uint32_t vector_irq[GK_MAX_CPUS][256]; /* irq + 1, 0 = free */
	uint64_t vector_map[GK_MAX_CPUS][4];   /* bit v set iff vector_irq[cpu][v] is not 0 */
	struct gk_irq irq[GK_MAX_IRQS];
	struct gk_irq_domain domain[GK_MAX_BUSES];
	unsigned nbuses; /* VMBus offers a driver claimed: vPCI buses */
	struct gk_hv_dev hv_dev[GK_MAX_BUSES];
	struct gk_hbus hbus[GK_MAX_BUSES];
	struct gk_pci_bus pbus[GK_MAX_BUSES];
	struct gk_pci_dev dev[GK_MAX_BUSES];
	/* the VMBus MMIO allocator: bytes handed out above each range's base */
	uint64_t mmio_low_used;
	uint64_t mmio_high_used;
	bool pci_drivers_loaded; /* false in the boot kernel of a resume */
	uint64_t spurious;
	bool is_image_kernel; /* runs the image (restored) rather than a fresh boot */
	unsigned msi_rr_cpu;  /* the bridge's round robin for multi-MSI blocks */
};

struct gk_driver_cfg {
	char name[32];
	enum driver_model model;
	unsigned nvec;
};

struct gk_bus_ctx {
	struct gk *g;
	unsigned bus;
};

struct gk {
	struct engine *e;
	struct hv_vm *vm;
	behaviour_set beh;
	struct gk_driver_cfg drv[GK_MAX_BUSES];
	unsigned ndrv;
	GArray *errors; /* of struct gk_error, every one met */
	int phase_depth[PHASE__COUNT];
	struct gk_bus_ctx bus_ctx[GK_MAX_BUSES];
	uint8_t rxbuf[GK_MAX_BUSES][GK_RX_BUF]; /* per channel, reused packet to packet */
	uint64_t hypercall_page[512];           /* the per-CPU hypercall input page (4 KiB) */
	struct gk_kernel k;
	struct gk_kernel image;
	bool have_image;
	bool powered_off;  /* the last hibernation went down to S4 */
	unsigned bus_rows; /* one past the highest bus index any kernel row was written for */
};

/* ---- core.c: errors and phases ---- */

/* A bus row (domain, root bus, ...) is about to be written: what freeing
 * the guest clears covers it. */
static inline void gk_note_bus(struct gk *g, unsigned bus)
{
	if (bus >= g->bus_rows)
		g->bus_rows = bus + 1;
}

/* Records an error: err is the negative errno the failing call met (or 0),
 * with the time, the innermost PM phase and the task. */
void gk_fail(struct gk *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The PM core marks its phases through here (a tracepoint, and the phase
 * recorded with each error). */
void gk_phase(struct gk *g, enum phase p, bool enter);
/* What a hibernation image holds is the live part of struct gk_kernel: the
 * rows of its CPUs and buses. dst = src (src NULL: all zero), copying only
 * the rows either side uses; rows beyond both are zero in both. */
void gk_kernel_assign(struct gk_kernel *dst, const struct gk_kernel *src);
/* The PM core gave up a hibernation with err: the errors met since
 * first_error are marked as this hibernation's, and the abort is recorded
 * after them. */
void gk_hibernation_aborted(struct gk *g, int err, unsigned first_error);
