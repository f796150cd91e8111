/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IRQ core: irq descriptors, the x86 vector domain, PCI/MSI irq domains
 * whose chip a bridge installs, request/free, mask/unmask, migration off a
 * dying CPU and the interrupt entry. It reaches hardware only through the
 * chip's operations, and knows no bridge.
 */
#pragma once

#include "gk.h"

/* struct irq_chip: what a bridge's MSI domain does for each of its irqs. */
struct irq_chip {
	const char *name;
	/* Composes the message for the irq's current CPU and vector. Called
	 * with the descriptor locked (atomic). A failure is recorded by the
	 * chip and leaves the message zeroed; it is written as it is. */
	int (*irq_compose_msi_msg)(struct gk *g, unsigned irq, struct msi_msg *msg);
	/* Writes a composed message where the device reads it. */
	void (*irq_write_msi_msg)(struct gk *g, unsigned irq, const struct msi_msg *msg);
	void (*irq_mask)(struct gk *g, unsigned irq);
	void (*irq_unmask)(struct gk *g, unsigned irq);
	/* The domain frees the irq: the chip lets go of what it holds for it. */
	void (*irq_free)(struct gk *g, unsigned irq);
	/* msi_domain_ops.msi_prepare, optional: before a block of nvec MSI
	 * irqs is allocated, returns the allocation flags (GK_IRQ_ALLOC_*)
	 * the parent domain is asked with. */
	unsigned (*msi_prepare)(struct gk *g, unsigned nvec, unsigned flags);
};

/* X86_IRQ_ALLOC_CONTIGUOUS_VECTORS: a multi-MSI block wants its vectors
 * contiguous, which the x86 vector domain cannot give for more than one. */
#define GK_IRQ_ALLOC_CONTIGUOUS 0x1u

/* The x86 vector domain's answer to a block of nvec irqs with flags: 0, or
 * -ENOSYS for contiguous vectors beyond one. */
int irq_vector_domain_check(unsigned nvec, unsigned flags);

/* struct irq_affinity_desc: where an irq may run, and whether the kernel
 * manages that (a managed irq's mask is fixed for its lifetime; it is shut
 * down while no CPU of it is online and started when one comes back). */
struct irq_affinity_desc {
	struct gk_cpumask mask;
	bool is_managed;
};

/* irq_create_affinity_masks(): the first `pre` vectors are affine to every
 * CPU and not managed; the others are managed and spread evenly over the
 * ncpus possible CPUs. */
void irq_create_affinity_masks(unsigned ncpus, unsigned nvec, unsigned pre,
                               struct irq_affinity_desc *out);

/* At boot: CPU 0 is online (before any irq exists). */
void gk_boot_cpu_online(struct gk *g);
/* Creates (or replaces the chip of) MSI domain `domain` (< GK_MAX_BUSES). */
int irq_domain_create(struct gk *g, unsigned domain, const struct irq_chip *chip);
/* Allocates the irq for `hwirq` of the domain for device `owner`: masked,
 * with the affinity `aff` (NULL: every CPU, not managed), not yet
 * activated. Returns the irq or -errno. */
int irq_domain_alloc_irq(struct gk *g, unsigned domain, unsigned hwirq, unsigned owner,
                         const struct irq_affinity_desc *aff);
/* A vector, then the composed message. 0 or -errno. A managed irq none of
 * whose CPUs is online gets neither: it stays shut down (0). With reserve
 * (x86 reservation mode, at allocation) a non-managed irq is composed for
 * the shutdown vector and gets its own vector only when activated again. */
int irq_domain_activate_irq(struct gk *g, unsigned irq, bool reserve);
/* The MSI core clears the activated state after the early activation, so
 * that request_irq() activates (and composes) again. */
void msi_init_virq(struct gk *g, unsigned irq);
/* Deactivates, lets the chip free its part, forgets the irq. */
void irq_domain_free_irq(struct gk *g, unsigned irq);
const struct irq_chip *irq_get_chip(const struct gk *g, unsigned irq);

/* May sleep. Activates if needed, installs the handler, unmasks. */
int request_irq(struct gk *g, unsigned irq, irq_handler_t handler);
void free_irq(struct gk *g, unsigned irq);

/* Around the noirq phases: every requested irq is disabled lazily (not
 * masked until one fires: then the entry masks it and marks it pending),
 * then enabled again, unmasked, and what fired meanwhile is resent. */
void suspend_device_irqs(struct gk *g);
void resume_device_irqs(struct gk *g);

/* CPU hotplug: the vCPU goes away after its irqs moved, or comes back.
 * -ENOSPC, and nothing changes, when its irqs' vectors fit nowhere else. */
int gk_cpu_down(struct gk *g, unsigned cpu);
void gk_cpu_up(struct gk *g, unsigned cpu);

/* The guest's interrupt entry (event context), for gabi_set_interrupt_entry. */
void gk_interrupt(void *ctx, unsigned vcpu, uint8_t vector);
