/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest IRQ core: the x86 vector domain (least-loaded CPU, lowest free
 * vector), irq descriptors, PCI/MSI domains whose chip operations a bridge
 * installs, request/free, the mask and unmask flow, CPU offline migration
 * (mask, set affinity, unmask) and the interrupt entry. Everything that
 * touches a device or the host goes through the irq's chip.
 */
#include "irq.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <string.h>

#define GK_TRACE(g, ev, ...) TRACE((g)->e, "guest", ev, __VA_ARGS__)

/* ---- the x86 vector domain ---- */

static struct gk_cpumask online_mask(const struct gk *g)
{
	return g->k.online;
}

static void set_online(struct gk *g, unsigned cpu, bool on)
{
	g->k.cpu_online[cpu] = on;
	if (on)
		cpumask_set_cpu(cpu, &g->k.online);
	else
		cpumask_clear_cpu(cpu, &g->k.online);
}

void gk_boot_cpu_online(struct gk *g)
{
	set_online(g, 0, true);
}

/* The flag and the count of irqs that have it, so that bringing a CPU up
 * walks the irqs only when one may start again. */
static void set_managed_shutdown(struct gk *g, struct gk_irq *i, bool on)
{
	if (i->managed_shutdown != on)
		g->k.managed_down += on ? 1 : -1;
	i->managed_shutdown = on;
}

static unsigned irq_nr(const struct gk *g, const struct gk_irq *irq)
{
	return (unsigned)(irq - g->k.irq);
}

static void free_vector(struct gk *g, struct gk_irq *irq)
{
	if (g->k.vector_irq[irq->cpu][irq->vector] == irq_nr(g, irq) + 1) {
		g->k.vector_irq[irq->cpu][irq->vector] = 0;
		g->k.vector_map[irq->cpu][irq->vector / 64] &= ~(UINT64_C(1) << (irq->vector % 64));
		g->k.vectors_used[irq->cpu]--;
		if (irq->vector < g->k.vector_hint[irq->cpu])
			g->k.vector_hint[irq->cpu] = irq->vector;
	}
	irq->vector = 0;
}

static int assign_vector(struct gk *g, struct gk_irq *irq, const struct gk_cpumask *want)
{
	struct gk_cpumask online = online_mask(g), mask;
	int best = -1;
	unsigned best_load = ~0u;

	cpumask_and(&mask, want, &online);
	for (unsigned c = cpumask_first(&mask); c < g->k.ncpus; c = cpumask_next(c, &mask)) {
		if (g->k.vectors_used[c] < best_load) {
			best = (int)c;
			best_load = g->k.vectors_used[c];
		}
	}
	if (best < 0)
		return -EINVAL;
	/* the lowest free vector, from the hint up: no free one below it */
	for (unsigned v = MAX(g->k.vector_hint[best], GK_FIRST_VECTOR); v <= GK_LAST_VECTOR; v++) {
		if (!g->k.vector_irq[best][v]) {
			g->k.vector_irq[best][v] = irq_nr(g, irq) + 1;
			g->k.vector_map[best][v / 64] |= UINT64_C(1) << (v % 64);
			g->k.vectors_used[best]++;
			g->k.vector_hint[best] = (uint8_t)(v + 1);
			irq->cpu = (unsigned)best;
			irq->vector = (uint8_t)v;
			return 0;
		}
	}
	return -ENOSPC;
}

int irq_vector_domain_check(unsigned nvec, unsigned flags)
{
	return (flags & GK_IRQ_ALLOC_CONTIGUOUS) && nvec > 1 ? -ENOSYS : 0;
}

/* ---- domains, activation ---- */

static void mask_irq(struct gk *g, unsigned irq);
static void unmask_irq(struct gk *g, unsigned irq);

static const struct irq_chip *chip_of(const struct gk *g, unsigned irq)
{
	return g->k.domain[irq / GK_MAX_VECS].chip;
}

int irq_domain_create(struct gk *g, unsigned domain, const struct irq_chip *chip)
{
	if (domain >= GK_MAX_BUSES || !chip || !chip->irq_compose_msi_msg ||
	    !chip->irq_write_msi_msg || !chip->irq_mask || !chip->irq_unmask) {
		gk_fail(g, -EINVAL, "irq domain %u: no domain or an incomplete chip", domain);
		return -EINVAL;
	}
	gk_note_bus(g, domain);
	g->k.domain[domain].chip = chip;
	return 0;
}

void irq_create_affinity_masks(unsigned ncpus, unsigned nvec, unsigned pre,
                               struct irq_affinity_desc *out)
{
	unsigned n = nvec > pre ? nvec - pre : 0;

	for (unsigned v = 0; v < nvec; v++) {
		cpumask_clear(&out[v].mask);
		out[v].is_managed = v >= pre;
		if (v < pre) {
			cpumask_setall(&out[v].mask, ncpus);
			continue;
		}
		if (n <= ncpus) {
			/* fewer vectors than CPUs: consecutive groups of CPUs */
			unsigned k = v - pre;
			for (unsigned c = k * ncpus / n; c < (k + 1) * ncpus / n; c++)
				cpumask_set_cpu(c, &out[v].mask);
		} else {
			cpumask_set_cpu((v - pre) % ncpus, &out[v].mask);
		}
	}
}

int irq_domain_alloc_irq(struct gk *g, unsigned domain, unsigned hwirq, unsigned owner,
                         const struct irq_affinity_desc *aff)
{
	unsigned irq = gk_irq_nr(domain, hwirq);
	struct gk_irq *i;

	if (domain >= GK_MAX_BUSES || hwirq >= GK_MAX_VECS || !g->k.domain[domain].chip) {
		gk_fail(g, -ENODEV, "irq domain %u: cannot allocate hwirq %u: no such domain",
		        domain, hwirq);
		return -ENODEV;
	}
	i = &g->k.irq[irq];
	if (i->allocated) {
		gk_fail(g, -EBUSY, "irq domain %u: hwirq %u is already irq %u", domain, hwirq, irq);
		return -EBUSY;
	}
	set_managed_shutdown(g, i, false);
	memset(i, 0, sizeof(*i));
	if (hwirq >= g->k.vec_hi[domain])
		g->k.vec_hi[domain] = (uint16_t)(hwirq + 1);
	if (owner < GK_MAX_BUSES && hwirq >= g->k.vec_hi[owner])
		g->k.vec_hi[owner] = (uint16_t)(hwirq + 1);
	i->allocated = true;
	i->dev = owner;
	i->msi_index = hwirq;
	i->masked = true;
	if (aff) {
		i->affinity = aff->mask;
		i->managed = aff->is_managed;
	} else {
		cpumask_setall(&i->affinity, g->k.ncpus);
	}
	return (int)irq;
}

const struct irq_chip *irq_get_chip(const struct gk *g, unsigned irq)
{
	return irq < GK_MAX_IRQS && g->k.irq[irq].allocated ? chip_of(g, irq) : NULL;
}

/* irq_domain_activate_irq(): the vector, then the message, with the
 * descriptor locked, so composing may not sleep. In reservation mode
 * (reserve) a non-managed irq gets no vector of its own yet: it is
 * composed for the shutdown vector on the first online CPU. A managed irq
 * keeps a vector it already has on an online CPU of its mask. */
int irq_domain_activate_irq(struct gk *g, unsigned irq, bool reserve)
{
	struct gk_irq *i = &g->k.irq[irq];
	const struct irq_chip *chip = chip_of(g, irq);
	struct msi_msg msg;
	struct gk_cpumask online = online_mask(g);
	int r;

	if (i->managed && !cpumask_intersects(&i->affinity, &online)) {
		/* nothing to run on: shut down until a CPU of it comes up */
		set_managed_shutdown(g, i, true);
		return 0;
	}
	if (reserve && !i->managed) {
		free_vector(g, i);
		i->cpu = cpumask_first(&online);
		i->vector = GK_SHUTDOWN_VECTOR;
		i->reserved = true;
		r = 0;
	} else if (i->managed && i->vector && !i->reserved && g->k.cpu_online[i->cpu] &&
	           cpumask_test_cpu(i->cpu, &i->affinity) &&
	           g->k.vector_irq[i->cpu][i->vector] == irq + 1) {
		r = 0;
	} else {
		free_vector(g, i);
		i->reserved = false;
		r = assign_vector(g, i, &i->affinity);
	}
	if (r < 0) {
		char cpus[GK_CPULIST_MAX];

		cpumask_format_list(&i->affinity, cpus, sizeof(cpus));
		gk_fail(g, r, "irq %u: no vector on CPUs %s", irq, cpus);
		return r;
	}
	task_atomic_enter(g->e);
	/* In the kernel composing cannot fail: a chip that could not compose
	 * has recorded why and left the message zeroed, and the zeroed
	 * message is written to the device all the same. */
	memset(&msg, 0, sizeof(msg));
	(void)chip->irq_compose_msi_msg(g, irq, &msg);
	chip->irq_write_msi_msg(g, irq, &msg);
	task_atomic_exit(g->e);
	i->activated = true;
	set_managed_shutdown(g, i, false);
	return 0;
}

/* Also for an irq whose activated state msi_init_virq() cleared: its
 * vector goes. */
static void deactivate(struct gk *g, struct gk_irq *i)
{
	if (i->vector)
		free_vector(g, i);
	i->activated = false;
	i->reserved = false;
}

void msi_init_virq(struct gk *g, unsigned irq)
{
	g->k.irq[irq].activated = false;
}

/* irq_shutdown_and_deactivate() of a managed irq whose CPUs all went: it
 * is masked, its vector freed and the MSI domain writes a zeroed message
 * (msi_domain_deactivate()). It stays requested. */
static void managed_shutdown(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];
	struct msi_msg zero = {0};
	unsigned old_cpu = i->cpu;
	uint8_t old_vector = i->vector;

	mask_irq(g, irq);
	deactivate(g, i);
	chip_of(g, irq)->irq_write_msi_msg(g, irq, &zero);
	set_managed_shutdown(g, i, true);
	GK_TRACE(g, "managed-shutdown", "\"irq\":%u,\"from\":\"%u/%#x\"", irq, old_cpu, old_vector);
}

/* irq_startup() of a managed irq that was shut down: activate (a vector on
 * an online CPU of its mask, a composed message), then unmask. */
static void managed_startup(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	if (irq_domain_activate_irq(g, irq, false) < 0 || !i->activated)
		return;
	task_atomic_enter(g->e);
	unmask_irq(g, irq);
	task_atomic_exit(g->e);
	GK_TRACE(g, "managed-startup", "\"irq\":%u,\"cpu\":%u,\"vector\":\"%#x\"", irq, i->cpu,
	         i->vector);
}

void irq_domain_free_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];

	if (!i->allocated)
		return;
	deactivate(g, i);
	if (chip_of(g, irq)->irq_free)
		chip_of(g, irq)->irq_free(g, irq);
	i->allocated = false;
}

/* ---- request, free, mask ---- */

/* unmask_irq()/mask_irq(): the chip, then the core's flag. */
static void unmask_irq(struct gk *g, unsigned irq)
{
	chip_of(g, irq)->irq_unmask(g, irq);
	g->k.irq[irq].masked = false;
}

static void mask_irq(struct gk *g, unsigned irq)
{
	chip_of(g, irq)->irq_mask(g, irq);
	g->k.irq[irq].masked = true;
}

int request_irq(struct gk *g, unsigned irq, irq_handler_t handler)
{
	struct gk_irq *i;
	int r;

	might_sleep(g->e, "request_irq");
	if (irq >= GK_MAX_IRQS || !g->k.irq[irq].allocated || !handler) {
		gk_fail(g, -EINVAL, "request_irq: irq %u is not allocated or has no handler", irq);
		return -EINVAL;
	}
	i = &g->k.irq[irq];
	if (i->requested) {
		gk_fail(g, -EBUSY, "request_irq: irq %u already has a handler", irq);
		return -EBUSY;
	}
	if (!i->activated && (r = irq_domain_activate_irq(g, irq, false)) < 0)
		return r;
	i->requested = true;
	i->handler = handler;
	i->disable_depth = 0;
	i->pending = false;
	if (!i->activated) {
		/* a managed irq with no online CPU: startup aborted, it stays
		 * shut down until a CPU of its mask comes up */
		GK_TRACE(g, "request-irq", "\"irq\":%u,\"managed-shutdown\":true", irq);
		return 0;
	}
	task_atomic_enter(g->e); /* desc lock */
	unmask_irq(g, irq);      /* irq_startup() */
	task_atomic_exit(g->e);
	GK_TRACE(g, "request-irq", "\"irq\":%u,\"cpu\":%u,\"vector\":\"%#x\"", irq, i->cpu,
	         i->vector);
	return 0;
}

void free_irq(struct gk *g, unsigned irq)
{
	struct gk_irq *i;

	might_sleep(g->e, "free_irq");
	if (irq >= GK_MAX_IRQS || !g->k.irq[irq].requested) {
		gk_fail(g, -EINVAL, "free_irq: trying to free irq %u, which has no handler", irq);
		return;
	}
	i = &g->k.irq[irq];
	task_atomic_enter(g->e);
	mask_irq(g, irq); /* irq_shutdown() */
	task_atomic_exit(g->e);
	i->requested = false;
	i->handler = NULL;
	set_managed_shutdown(g, i, false);
	deactivate(g, i);
	GK_TRACE(g, "free-irq", "\"irq\":%u", irq);
}

/* ---- PM: suspend_device_irqs() / resume_device_irqs() ---- */

void suspend_device_irqs(struct gk *g)
{
	gk_for_each_irq(&g->k, irq)
	{
		struct gk_irq *i = &g->k.irq[irq];
		if (!i->allocated || !i->requested || i->suspended)
			continue;
		i->suspended = true;
		i->disable_depth++; /* lazy: the chip is not touched */
	}
	GK_TRACE(g, "irqs-suspended", "\"pm\":true");
}

void resume_device_irqs(struct gk *g)
{
	gk_for_each_irq(&g->k, irq)
	{
		struct gk_irq *i = &g->k.irq[irq];
		if (!i->allocated || !i->suspended)
			continue;
		i->suspended = false;
		if (i->disable_depth && --i->disable_depth)
			continue;
		if (!i->requested || !i->activated)
			continue;        /* a shut-down managed irq starts with its CPU */
		task_atomic_enter(g->e); /* desc lock */
		if (i->masked)
			unmask_irq(g, irq); /* irq_enable() */
		if (i->pending) {
			/* check_irq_resend(): the vector is raised again on its CPU */
			i->pending = false;
			GK_TRACE(g, "irq-resend", "\"irq\":%u,\"cpu\":%u,\"vector\":\"%#x\"", irq,
			         i->cpu, i->vector);
			i->count++;
			i->handler(g, irq);
		}
		task_atomic_exit(g->e);
	}
	GK_TRACE(g, "irqs-resumed", "\"pm\":true");
}

/* ---- CPU hotplug ---- */

/* migrate_one_irq(): the chip cannot move an irq from process context, so a
 * started, unmasked irq is masked around the move. */
static void move_irq(struct gk *g, unsigned irq, const char *ev)
{
	struct gk_irq *i = &g->k.irq[irq];
	bool maskchip = !i->masked;
	struct gk_cpumask online = online_mask(g), affinity;
	bool affine = cpumask_and(&affinity, &i->affinity, &online);
	unsigned old_cpu = i->cpu;
	uint8_t old_vector = i->vector;
	int r;

	tp_hit(g->e, TP_MIGRATE_IRQ, NULL);
	if (maskchip)
		chip_of(g, irq)->irq_mask(g, irq);
	if (!affine) {
		/* no longer affine: the mask itself becomes the online CPUs */
		affinity = online;
		i->affinity = online;
	}
	free_vector(g, i);
	r = assign_vector(g, i, &affinity);
	if (r == -ENOSPC && affine) /* its own CPUs are full: anywhere online */
		r = assign_vector(g, i, &online);
	if (r < 0)
		gk_fail(g, r, "IRQ%u: set affinity failed(%d)", irq, r);
	GK_TRACE(g, ev, "\"irq\":%u,\"from\":\"%u/%#x\",\"to\":\"%u/%#x\"", irq, old_cpu,
	         old_vector, i->cpu, i->vector);
	if (maskchip)
		chip_of(g, irq)->irq_unmask(g, irq);
}

static void migrate_one_irq(struct gk *g, unsigned irq)
{
	move_irq(g, irq, "migrate-irq");
}

/* A write to /proc/irq/N/smp_affinity. A managed irq's mask cannot be
 * changed (-EIO) and a mask without an online CPU is refused (-EINVAL).
 * A started irq whose CPU is outside the new mask moves at once, masked
 * around the move as in migrate_one_irq(); the kernel defers that move of
 * a Hyper-V MSI to its next interrupt (a simplification). */
int gk_irq_set_affinity(struct gk *g, unsigned dev, unsigned vector, const struct gk_cpumask *mask)
{
	struct gk_cpumask online, want;
	struct gk_irq *i;
	unsigned irq;
	char cpus[GK_CPULIST_MAX];

	if (!g || !mask || dev >= g->k.nbuses || vector >= GK_MAX_VECS || !g->k.dev[dev].present ||
	    !g->k.dev[dev].desc[vector].in_use)
		return -EINVAL;
	irq = g->k.dev[dev].desc[vector].irq;
	i = &g->k.irq[irq];
	cpumask_format_list(mask, cpus, sizeof(cpus));
	if (i->managed) {
		gk_fail(g, -EIO, "write %s to /proc/irq/%u/smp_affinity: the irq is managed", cpus,
		        irq);
		return -EIO;
	}
	online = online_mask(g);
	if (!cpumask_and(&want, mask, &online)) {
		gk_fail(g, -EINVAL, "write %s to /proc/irq/%u/smp_affinity: no online CPU in it",
		        cpus, irq);
		return -EINVAL;
	}
	i->affinity = *mask;
	GK_TRACE(g, "set-affinity", "\"irq\":%u,\"cpus\":\"%s\"", irq, cpus);
	if (!i->activated || !i->requested || i->reserved || cpumask_test_cpu(i->cpu, &want))
		return 0;        /* its vector may stay where it is */
	task_atomic_enter(g->e); /* desc lock */
	move_irq(g, irq, "set-affinity-moved");
	task_atomic_exit(g->e);
	return 0;
}

/* Whether the started irqs whose vectors are on `cpu` fit into the free
 * vectors of the CPUs that stay online: x86 refuses to take a CPU down
 * otherwise, before anything moves (lapic_can_unplug_cpu()). */
/* The lowest vector of cpu in use at or above v, or 256. */
static unsigned next_used_vector(const struct gk *g, unsigned cpu, unsigned v)
{
	for (unsigned w = v / 64; w < 4; w++) {
		uint64_t bits = g->k.vector_map[cpu][w];
		if (w == v / 64)
			bits &= ~UINT64_C(0) << (v % 64);
		if (bits)
			return 64 * w + (unsigned)__builtin_ctzll(bits);
	}
	return 256;
}

static int can_unplug_cpu(struct gk *g, unsigned cpu)
{
	const unsigned per_cpu = GK_LAST_VECTOR - GK_FIRST_VECTOR + 1;
	unsigned to_move = 0, available = 0;

	struct gk_cpumask stay = online_mask(g);

	cpumask_clear_cpu(cpu, &stay);
	for (unsigned v = next_used_vector(g, cpu, 0); v < 256;
	     v = next_used_vector(g, cpu, v + 1)) {
		unsigned slot = g->k.vector_irq[cpu][v];
		const struct gk_irq *i = slot ? &g->k.irq[slot - 1] : NULL;
		/* a managed irq with no other CPU shuts down instead */
		if (i && i->activated && i->requested &&
		    (!i->managed || cpumask_intersects(&i->affinity, &stay)))
			to_move++;
	}
	for (unsigned c = cpumask_first(&stay); c < g->k.ncpus; c = cpumask_next(c, &stay))
		available += per_cpu - g->k.vectors_used[c];
	if (to_move <= available)
		return 0;
	gk_fail(g, -ENOSPC, "CPU %u has %u vectors, %u available. Cannot disable CPU", cpu, to_move,
	        available);
	return -ENOSPC;
}

int gk_cpu_down(struct gk *g, unsigned cpu)
{
	struct gk_cpumask online;
	int r;

	if (!g->k.cpu_online[cpu])
		return 0;
	gk_phase(g, PHASE_CPU_OFFLINE, true);
	if ((r = can_unplug_cpu(g, cpu)) < 0) {
		GK_TRACE(g, "cpu-down-refused", "\"cpu\":%u,\"err\":%d", cpu, r);
		gk_phase(g, PHASE_CPU_OFFLINE, false);
		return r;
	}
	task_atomic_enter(g->e); /* stop_machine: interrupts off on the dying CPU */
	set_online(g, cpu, false);
	online = online_mask(g);
	/* Like fixup_irqs(): walk the dying CPU's vector table (its vectors in
	 * use, in ascending order; a migration frees only the one it moves). */
	for (unsigned v = next_used_vector(g, cpu, 0); v < 256;
	     v = next_used_vector(g, cpu, v + 1)) {
		unsigned slot = g->k.vector_irq[cpu][v];
		struct gk_irq *i = slot ? &g->k.irq[slot - 1] : NULL;
		if (!i || !i->allocated || !i->activated || !i->requested || i->cpu != cpu)
			continue;
		if (i->managed && !cpumask_intersects(&i->affinity, &online))
			managed_shutdown(g, slot - 1);
		else
			migrate_one_irq(g, slot - 1);
	}
	task_atomic_exit(g->e);
	gabi_vcpu_set_online(g->vm, cpu, false);
	GK_TRACE(g, "cpu-down", "\"cpu\":%u", cpu);
	gk_phase(g, PHASE_CPU_OFFLINE, false);
	return 0;
}

void gk_cpu_up(struct gk *g, unsigned cpu)
{
	if (g->k.cpu_online[cpu])
		return;
	gabi_vcpu_set_online(g->vm, cpu, true);
	set_online(g, cpu, true);
	GK_TRACE(g, "cpu-up", "\"cpu\":%u", cpu);
	/* irq_affinity_online_cpu(): managed irqs of this CPU start again,
	 * whatever state their device's bridge is in */
	gk_for_each_irq(&g->k, irq)
	{
		const struct gk_irq *i = &g->k.irq[irq];
		if (!g->k.managed_down)
			break; /* none left to start (the walk stops early) */
		if (i->allocated && i->requested && i->managed && i->managed_shutdown &&
		    cpumask_test_cpu(cpu, &i->affinity))
			managed_startup(g, irq);
	}
}

/* ---- the interrupt entry (event context) ---- */

void gk_interrupt(void *ctx, unsigned vcpu, uint8_t vector)
{
	struct gk *g = ctx;
	uint32_t slot = vcpu < GK_MAX_CPUS ? g->k.vector_irq[vcpu][vector] : 0;
	struct gk_irq *i;

	if (!slot || vcpu >= g->k.ncpus || !g->k.cpu_online[vcpu]) {
		g->k.spurious++;
		GK_TRACE(g, "spurious", "\"cpu\":%u,\"vector\":\"%#x\"", vcpu, vector);
		return;
	}
	i = &g->k.irq[slot - 1];
	/* handle_edge_irq() */
	if (!i->requested || i->disable_depth) {
		i->pending = true;
		mask_irq(g, slot - 1);
		GK_TRACE(g, "irq-pending", "\"irq\":%u", slot - 1);
		return;
	}
	i->count++;
	i->handler(g, slot - 1);
}
