/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest model's public face, for the harness: make a guest, give it
 * its drivers, run its operations (each inside an engine task), read every
 * error it met, and look at what it believes — what a kernel shows in
 * /proc/interrupts, lspci and debugfs. Nothing here exposes the guest's
 * internal structures; the views are copies.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "behaviours.h"
#include "cpumask.h"
#include "drivers.h"

struct engine;
struct hv_vm; /* the guest-ABI handle of the machine the guest runs on */
struct gk;

struct gk *gk_new(struct engine *e, struct hv_vm *vm, behaviour_set beh);
void gk_free(struct gk *g);
/* The driver that binds to the function on vPCI bus `bus` (in offer
 * order). 0, or -EINVAL for a bus, name or vector count out of range. */
int gk_set_driver(struct gk *g, unsigned bus, const char *name, enum driver_model model,
                  unsigned nvec);

/* Guest operations; each must run in an engine task. 0 or a negative
 * errno; every failure on the way is also recorded as a gk_error. */
int gk_boot(struct gk *g);
int gk_hibernate(struct gk *g);
int gk_resume(struct gk *g);
int gk_cpu_offline(struct gk *g, unsigned cpu);
int gk_cpu_online(struct gk *g, unsigned cpu);
/* Writes mask to /proc/irq/N/smp_affinity for vector `vector` of the
 * function on bus `dev`: 0, -EIO for a managed irq, -EINVAL for no such
 * irq or a mask without an online CPU. */
int gk_irq_set_affinity(struct gk *g, unsigned dev, unsigned vector, const struct gk_cpumask *mask);

bool gk_behaviour(const struct gk *g, enum behaviour b);

/* ---- errors: every one is kept, in the order met ---- */

struct gk_error {
	uint64_t time; /* virtual ns */
	const char
	    *phase;    /* innermost PM phase open then ("boot", "hibernate", ...) or "runtime" */
	char task[32]; /* the engine task that met it, or "-" in event context */
	int err;       /* negative errno the failing call returned, or 0 */
	char message[224];
	/* The PM core gave up a hibernation: err is the error it returned,
	 * and the VM runs on. */
	bool hibernation_aborted;
	/* Met during a hibernation that then aborted: its cause, or what
	 * bringing the devices back met. */
	bool in_aborted_hibernation;
};
unsigned gk_error_count(const struct gk *g);
const struct gk_error *gk_error_get(const struct gk *g, unsigned i); /* NULL past the end */

/* ---- views: read-only copies of what the guest believes ---- */

#define GK_NO_IRQ (-1)

/* One PCI function the guest found, indexed by its vPCI bus (offer order). */
struct gk_dev_view {
	bool present;              /* the function was found and scanned */
	char name[32];             /* the name its driver was given */
	bool bound;                /* a driver is bound */
	bool bus_installed;        /* the bridge is up (hv_pcibus_installed) */
	bool d0;                   /* the PCI core believes it in D0 */
	uint32_t protocol_version; /* negotiated on its bus, 0 before */
	uint64_t invalid_packets;  /* host packets the bridge refused */
	bool msix_enabled;         /* the PCI core enabled MSI-X */
	unsigned nvec;             /* MSI-X (or MSI) vectors allocated */
	bool msi_enabled;          /* the PCI core enabled MSI (a function without MSI-X) */
	bool msi_maskbit;          /* its MSI capability has per-vector mask bits */
	unsigned msi_messages;     /* Multiple Message Enable, as a count */
};

/* The irq behind one MSI-X vector: descriptor, cached message and mask. */
struct gk_irq_view {
	unsigned irq;
	unsigned dev;
	unsigned msi_index;
	bool activated; /* a vector is assigned and a message composed */
	bool requested; /* request_irq() done */
	unsigned disable_depth;
	bool masked;    /* the IRQ core's view (irqd_irq_masked) */
	bool pending;   /* fired while disabled */
	bool suspended; /* disabled by the PM core's suspend_device_irqs() */
	unsigned cpu;   /* effective affinity */
	uint8_t vector;
	struct gk_cpumask affinity;  /* /proc/irq/N/smp_affinity */
	struct gk_cpumask effective; /* /proc/irq/N/effective_affinity: empty if not activated */
	bool managed;                /* a managed (kernel-spread) irq */
	bool managed_shutdown;       /* shut down: none of its CPUs is online */
	uint64_t count;              /* /proc/interrupts */
	bool has_chip_data;
	uint64_t chip_address; /* what CREATE_INTERRUPT returned */
	uint32_t chip_data;
	uint64_t msg_address; /* the message cached in the msi descriptor */
	uint32_t msg_data;
	bool cached_masked; /* the cached Vector Control MASKBIT */
};

unsigned gk_view_device_count(const struct gk *g);
bool gk_view_device(const struct gk *g, unsigned dev, struct gk_dev_view *out);
/* False when the guest has no irq for that vector of that device. */
bool gk_view_irq(const struct gk *g, unsigned dev, unsigned vector, struct gk_irq_view *out);
/* The irq the guest's per-CPU vector table maps (cpu, vector) to, or
 * GK_NO_IRQ. */
int gk_view_vector_owner(const struct gk *g, unsigned cpu, unsigned vector);
/* Interrupts the device driver's handler saw for that vector. */
uint64_t gk_view_handled(const struct gk *g, unsigned dev, unsigned vector);
uint64_t gk_view_spurious(const struct gk *g);
