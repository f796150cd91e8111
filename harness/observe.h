/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The observation API: one read-only view of the world, host and guest,
 * for oracles, reports and anything else above the backends. A backend
 * fills it from whatever evidence it has (the embedded simulator from its
 * own state; a real VM from what the guest and the hypervisor report).
 * Nothing above this header reaches into a structure of the guest or the
 * host. Every call copies into the caller's structure.
 *
 * Devices are numbered as the scenario lists them; the guest's view of
 * device i is the function on the i-th vPCI bus it was offered.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define OBS_NEVER UINT64_MAX

/* A set of CPUs, bit c of word c / 64 for CPU c. */
#define OBS_CPUMASK_WORDS 4
struct obs_cpumask {
	uint64_t bits[OBS_CPUMASK_WORDS];
};

static inline bool obs_cpumask_test(const struct obs_cpumask *m, unsigned cpu)
{
	return cpu < 64 * OBS_CPUMASK_WORDS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

struct obs_vm {
	bool powered;
	uint64_t last_power_off; /* virtual ns, OBS_NEVER if it never powered off */
	unsigned vcpus;
};

/* One passed-through function: the device's registers (host side) and what
 * the guest believes of it. */
struct obs_device {
	const char *name;
	uint64_t logical_id; /* the id HVCALL_RETARGET_INTERRUPT names */
	/* the device */
	unsigned pm_state; /* 0 = D0 .. 3 = D3hot */
	uint16_t command;
	bool msix_enabled;
	bool msix_function_masked;
	bool msi_enabled;
	unsigned msix_table_size; /* for a function without MSI-X: its MSI vectors */
	/* MSI: msi_only for a function without MSI-X (a scenario's
	 * interrupts "msi"); Multiple Message Capable and Enable as counts, whether it
	 * has per-vector mask bits, the message in the capability and the
	 * mask and pending bits. */
	bool msi_only;
	unsigned msi_capable;
	unsigned msi_enabled_count;
	bool msi_maskbits;
	uint64_t msi_address;
	uint32_t msi_data;
	uint32_t msi_mask;
	uint32_t msi_pending;
	uint64_t host_rejected; /* guest packets the host refused on its bus */
	/* the guest */
	bool guest_present;       /* the guest found and scanned it */
	bool guest_bound;         /* a driver is bound */
	bool guest_bus_installed; /* its bridge is up */
	bool guest_d0;            /* the guest's PCI core believes it in D0 */
	uint32_t protocol_version;
	uint64_t guest_rejected; /* host packets the guest refused on its bus */
	bool guest_msix_enabled;
	unsigned guest_nvec;
	bool guest_msi_enabled; /* the guest enabled MSI (guest_nvec vectors) */
};

/* One MSI-X table entry as the device holds it; for a function without
 * MSI-X, MSI vector i as the function would send it (the capability's
 * address, the data with the message number in its low bits, the mask
 * and pending bits of that message). */
struct obs_msix_entry {
	uint64_t address;
	uint32_t data;
	bool masked;
	bool pending;
};

/* The guest's irq behind one vector of a device. */
struct obs_irq {
	unsigned irq;
	bool activated;
	bool requested;
	unsigned disable_depth;
	bool masked; /* the IRQ core's view */
	bool pending;
	unsigned cpu;
	uint8_t vector;
	uint64_t count;
	bool has_chip_data;
	uint64_t msg_address; /* cached in the guest's msi descriptor */
	uint32_t msg_data;
	bool cached_masked; /* the guest's cached Vector Control MASKBIT */
	/* Affinity, when the backend knows it (else all below are zero). */
	bool affinity_known;
	struct obs_cpumask affinity;  /* what was asked for (smp_affinity) */
	struct obs_cpumask effective; /* where its vector is; empty if not activated */
	bool managed;                 /* the kernel spread it; fixed mask */
	bool managed_shutdown;        /* shut down because none of its CPUs is online */
	bool suspended; /* disabled by the PM core for the noirq phases (IRQS_SUSPENDED) */
};

/* An interrupt remapping entry. */
struct obs_remap {
	uint64_t device_id;
	uint64_t address;
	uint32_t data;
	unsigned count; /* data .. data + count - 1 */
	unsigned vcpu;
	uint32_t vector;
	uint64_t created_at;
};

enum obs_fire_outcome {
	OBS_FIRE_PENDING,   /* masked in the device: its pending bit is set */
	OBS_FIRE_IN_FLIGHT, /* remapped, on its way */
	OBS_FIRE_DELIVERED, /* the guest's interrupt entry ran for it */
	OBS_FIRE_LOST,      /* dropped; reason says where and why */
	/* A backend that cannot follow single interrupts (a real VM) made the
	 * device raise the vector, possibly many times, and read the guest's
	 * own count of it before and after (count_before, count_after): it
	 * was delivered if the count rose. reason says what was done and
	 * what the counts are. */
	OBS_FIRE_COUNTED,
	OBS_FIRE_DMA_WRITE, /* the message's address is memory: the device wrote data
	                       to guest RAM at address, and no interrupt was raised */
};

/* What became of one interrupt a device raised. */
struct obs_fire {
	unsigned id;
	unsigned dev;
	unsigned vector;
	uint64_t time;
	enum obs_fire_outcome outcome;
	uint64_t address;
	uint32_t data;
	unsigned vcpu;
	uint32_t guest_vector;
	uint64_t done_time;
	const char *reason; /* valid until the next call into the observation */
	/* OBS_FIRE_COUNTED only: the guest's count of the vector */
	uint64_t count_before, count_after;
};

struct obs_guest_error {
	uint64_t time;
	const char *phase;
	const char *task;
	int err;
	const char *message;
	/* The kernel gave up a hibernation and returned err; the VM runs on. */
	bool hibernation_aborted;
	/* Met during a hibernation that then aborted (its cause, or what
	 * bringing the devices back met): part of that abort. */
	bool in_aborted_hibernation;
};

typedef void (*obs_task_fn)(void *ctx, const char *task, const char *waiting_on);

/* A task of the world as it stands, also mid-way through a step. */
struct obs_task {
	const char *name;
	const char *state;      /* "ready", "running", "blocked" or "done" */
	const char *waiting_on; /* what a blocked task waits on, else NULL */
	bool daemon;            /* allowed to wait forever (an idle worker) */
};
typedef void (*obs_task_state_fn)(void *ctx, const struct obs_task *t);

/* A fault rule, in the order rules are checked, with the scenario's names. */
struct obs_fault {
	const char *name;
	const char *point;
	const char *mode;
	unsigned n;         /* mode "nth" */
	double probability; /* mode "probability" */
	const char *phase;  /* NULL: any phase */
	bool enabled;
	bool status_set;
	uint64_t status;
	unsigned hits;       /* hits of its point it saw while enabled and in its phase */
	unsigned fired;      /* how often it made the point fail */
	unsigned point_hits; /* hits of its point in all, whatever the rules */
};

/* The VMBus channel of a device's vPCI bus. */
struct obs_channel {
	bool offered;
	bool open;
	bool rescinded;
	uint64_t packets_to_host;
	uint64_t packets_to_guest;
};

struct observation_ops {
	void (*vm)(void *b, struct obs_vm *out);
	bool (*vcpu_online)(void *b, unsigned vcpu);
	unsigned (*device_count)(void *b);
	bool (*device)(void *b, unsigned dev, struct obs_device *out);
	bool (*msix_entry)(void *b, unsigned dev, unsigned i, struct obs_msix_entry *out);
	bool (*irq)(void *b, unsigned dev, unsigned vector, struct obs_irq *out);
	/* The irq the guest maps (cpu, vector) to, or -1. */
	int (*vector_owner)(void *b, unsigned cpu, unsigned vector);
	/* How often the guest's handler ran for a vector. NULL when handler
	 * runs cannot be matched one for one with the interrupts the steps
	 * caused (a real guest also takes interrupts no step caused): then
	 * nothing checks for duplicates. */
	uint64_t (*handled)(void *b, unsigned dev, unsigned vector);
	bool (*remap_lookup)(void *b, unsigned dev, uint64_t address, uint32_t data,
	                     struct obs_remap *out);
	unsigned (*remap_count)(void *b);
	bool (*remap_get)(void *b, unsigned i, struct obs_remap *out);
	/* Fire records are numbered from 0; the backend may forget those
	 * released (then fire() returns false for them). */
	unsigned (*fire_count)(void *b);
	bool (*fire)(void *b, unsigned id, struct obs_fire *out);
	void (*fire_release)(void *b, unsigned below, const unsigned *keep, unsigned nkeep);
	unsigned (*guest_error_count)(void *b);
	bool (*guest_error)(void *b, unsigned i, struct obs_guest_error *out);
	/* Tasks that wait and that nothing left in the world can wake. */
	void (*blocked_tasks)(void *b, obs_task_fn fn, void *ctx);
	/* For people looking at a world (the console); a backend that cannot
	 * tell leaves them NULL and the wrappers below report nothing. */
	/* Every task, in the order they were started. */
	void (*tasks)(void *b, obs_task_state_fn fn, void *ctx);
	unsigned (*fault_count)(void *b);
	bool (*fault)(void *b, unsigned i, struct obs_fault *out);
	bool (*channel)(void *b, unsigned dev, struct obs_channel *out);
};

struct observation {
	const struct observation_ops *ops;
	void *b;
};

static inline void obs_vm(const struct observation *o, struct obs_vm *out)
{
	o->ops->vm(o->b, out);
}
static inline bool obs_vcpu_online(const struct observation *o, unsigned vcpu)
{
	return o->ops->vcpu_online(o->b, vcpu);
}
static inline unsigned obs_device_count(const struct observation *o)
{
	return o->ops->device_count(o->b);
}
static inline bool obs_device(const struct observation *o, unsigned dev, struct obs_device *out)
{
	return o->ops->device(o->b, dev, out);
}
static inline bool obs_msix_entry(const struct observation *o, unsigned dev, unsigned i,
                                  struct obs_msix_entry *out)
{
	return o->ops->msix_entry(o->b, dev, i, out);
}
static inline bool obs_irq(const struct observation *o, unsigned dev, unsigned vector,
                           struct obs_irq *out)
{
	return o->ops->irq(o->b, dev, vector, out);
}
static inline int obs_vector_owner(const struct observation *o, unsigned cpu, unsigned vector)
{
	return o->ops->vector_owner(o->b, cpu, vector);
}
static inline bool obs_has_handled(const struct observation *o)
{
	return o->ops->handled != NULL;
}
static inline uint64_t obs_handled(const struct observation *o, unsigned dev, unsigned vector)
{
	return o->ops->handled ? o->ops->handled(o->b, dev, vector) : 0;
}
static inline bool obs_remap_lookup(const struct observation *o, unsigned dev, uint64_t address,
                                    uint32_t data, struct obs_remap *out)
{
	return o->ops->remap_lookup(o->b, dev, address, data, out);
}
static inline unsigned obs_remap_count(const struct observation *o)
{
	return o->ops->remap_count(o->b);
}
static inline bool obs_remap_get(const struct observation *o, unsigned i, struct obs_remap *out)
{
	return o->ops->remap_get(o->b, i, out);
}
static inline unsigned obs_fire_count(const struct observation *o)
{
	return o->ops->fire_count(o->b);
}
static inline bool obs_fire(const struct observation *o, unsigned id, struct obs_fire *out)
{
	return o->ops->fire(o->b, id, out);
}
static inline void obs_fire_release(const struct observation *o, unsigned below,
                                    const unsigned *keep, unsigned nkeep)
{
	o->ops->fire_release(o->b, below, keep, nkeep);
}
static inline unsigned obs_guest_error_count(const struct observation *o)
{
	return o->ops->guest_error_count(o->b);
}
static inline bool obs_guest_error(const struct observation *o, unsigned i,
                                   struct obs_guest_error *out)
{
	return o->ops->guest_error(o->b, i, out);
}
static inline void obs_tasks(const struct observation *o, obs_task_state_fn fn, void *ctx)
{
	if (o->ops->tasks)
		o->ops->tasks(o->b, fn, ctx);
}
static inline unsigned obs_fault_count(const struct observation *o)
{
	return o->ops->fault_count ? o->ops->fault_count(o->b) : 0;
}
static inline bool obs_fault(const struct observation *o, unsigned i, struct obs_fault *out)
{
	return o->ops->fault && o->ops->fault(o->b, i, out);
}
static inline bool obs_channel(const struct observation *o, unsigned dev, struct obs_channel *out)
{
	return o->ops->channel && o->ops->channel(o->b, dev, out);
}
static inline void obs_blocked_tasks(const struct observation *o, obs_task_fn fn, void *ctx)
{
	o->ops->blocked_tasks(o->b, fn, ctx);
}
