/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest kernel model: what a Linux guest does with a Hyper-V vPCI bus.
 * It reaches the host only through vmbus-sim/guest-abi.h and runs on the
 * engine's tasks.
 *
 * All state a hibernation image would hold lives in struct gk_kernel, a flat
 * value with no pointers to the heap: taking the snapshot is a copy, and
 * jumping into the image after resume is a copy back.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <stdint.h>

#include "behaviours.h"
#include "drivers.h"
#include "pcifront.h"
#include "vmbus-sim/engine.h"
#include "vmbus-sim/guest-abi.h"
#include "vmbus-sim/tracepoint.h"
#include "vmbus-sim/vpci-proto.h"

#define GK_MAX_CPUS        32
#define GK_MAX_BUSES       8
#define GK_MAX_VECS        64
#define GK_MAX_IRQS        (GK_MAX_BUSES * GK_MAX_VECS)
#define GK_FIRST_VECTOR    0x31
#define GK_LAST_VECTOR     0xeb
#define HV_PCI_RQSTOR_SIZE 64

enum pci_power { PCI_D0, PCI_D3HOT, PCI_UNKNOWN };

struct msi_msg {
	uint32_t address_lo;
	uint32_t address_hi;
	uint32_t data;
};

/* struct msi_desc: the cached message and mask of one MSI-X entry. */
struct gk_msi_desc {
	bool in_use;
	unsigned irq;
	struct msi_msg msg;
	uint32_t msix_ctrl;
};

/* struct irq_desc + irq_data + the Hyper-V chip data. */
struct gk_irq {
	bool allocated;
	unsigned dev;
	unsigned msi_index;
	bool activated; /* a vector is assigned and a message composed */
	bool requested; /* request_irq() done: started, with an action */
	unsigned disable_depth;
	bool masked;       /* irqd_irq_masked(): the core's view */
	bool pending;      /* IRQS_PENDING: fired while disabled */
	uint32_t affinity; /* CPU mask */
	unsigned cpu;      /* effective affinity */
	uint8_t vector;
	bool has_chip_data;
	struct tran_int_desc chip_data; /* what CREATE_INTERRUPT returned */
	uint64_t count;                 /* /proc/interrupts */
};

struct gk_pci_dev {
	bool present;
	unsigned bus;
	char name[32];
	uint16_t vendor_id;
	uint16_t device_id;
	uint32_t wslot;
	enum pci_power current_state;
	uint64_t bar0_gpa;
	uint64_t bar0_size;
	bool msix_enabled;
	unsigned nvec;
	struct gk_msi_desc desc[GK_MAX_VECS];
	bool state_saved;
	uint32_t saved_config[16];
	/* the bound driver */
	bool bound;
	enum driver_model driver;
	unsigned driver_nvec;
	uint64_t handled[GK_MAX_VECS]; /* interrupts the driver's handler saw */
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
	unsigned pci_dev; /* index into gk_kernel.dev */
	struct completion survey;
	struct gk_request rqstor[HV_PCI_RQSTOR_SIZE];
	uint64_t invalid_packets; /* host packets rejected as malformed */
};

struct gk_kernel {
	unsigned ncpus;
	bool cpu_online[GK_MAX_CPUS];
	uint16_t vector_irq[GK_MAX_CPUS][256]; /* irq + 1, 0 = free */
	uint16_t vectors_used[GK_MAX_CPUS];    /* non-zero entries in vector_irq[cpu] */
	struct gk_irq irq[GK_MAX_IRQS];
	unsigned nbuses;
	struct gk_hbus hbus[GK_MAX_BUSES];
	struct gk_pci_dev dev[GK_MAX_BUSES];
	uint64_t spurious;
	bool is_image_kernel; /* runs the image (restored) rather than a fresh boot */
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
	struct gk_kernel k;
	struct gk_kernel image;
	bool have_image;
};

/* ---- internal to pcifront/ ---- */

/* core.c. Records an error: err is the negative errno the failing call met
 * (or 0), with the time, the innermost PM phase and the task. */
void gk_fail(struct gk *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The PM core marks its phases through here (a tracepoint, and the phase
 * recorded with each error). */
void gk_phase(struct gk *g, enum phase p, bool enter);

/* irq.c: the IRQ core, the x86 vector domain and the PCI/MSI primitives */
uint32_t pci_cfg_read(struct gk *g, struct gk_pci_dev *d, unsigned off, unsigned size);
void pci_cfg_write(struct gk *g, struct gk_pci_dev *d, unsigned off, uint32_t val, unsigned size);
int pci_alloc_irq_vectors(struct gk *g, struct gk_pci_dev *d, unsigned nvec);
void pci_free_irq_vectors(struct gk *g, struct gk_pci_dev *d);
/* __pci_write_msi_msg(): the cache always, the device only in D0. */
void pci_write_msi_msg(struct gk *g, struct gk_pci_dev *d, unsigned i, const struct msi_msg *msg);
void pci_msi_mask_irq(struct gk *g, unsigned irq);
void pci_msi_unmask_irq(struct gk *g, unsigned irq);
int request_irq(struct gk *g, unsigned irq);
void free_irq(struct gk *g, unsigned irq);
void pci_save_state(struct gk *g, struct gk_pci_dev *d);
void pci_restore_state(struct gk *g, struct gk_pci_dev *d);
void gk_cpu_down(struct gk *g, unsigned cpu);
void gk_cpu_up(struct gk *g, unsigned cpu);
void gk_interrupt(void *ctx, unsigned vcpu, uint8_t vector);
unsigned gk_dev_irq(const struct gk *g, unsigned dev, unsigned msi_index);

/* hv-bridge.c: the para-virtual front driver */
int hv_pci_probe(struct gk *g, unsigned bus, bool bind_drivers);
int hv_pci_suspend(struct gk *g, unsigned bus);
int hv_pci_resume(struct gk *g, unsigned bus);
int hv_compose_msi_msg(struct gk *g, unsigned irq, struct msi_msg *msg);
void hv_irq_mask(struct gk *g, unsigned irq);
void hv_irq_unmask(struct gk *g, unsigned irq);
void hv_msi_free(struct gk *g, unsigned irq);

/* drivers.c */
int driver_probe(struct gk *g, struct gk_pci_dev *d);
int driver_pm(struct gk *g, struct gk_pci_dev *d, const char *callback);
