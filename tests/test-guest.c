/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the guest model. Against the real host: boot, discovery of
 * the device's layout, the bridge's chip and config ops, compose,
 * mask/unmask, the D0 gate on message writes, CPU-offline migration,
 * save/restore of MSI-X state, the interrupt entry, atomic-context checks,
 * the snapshot taken by hibernation, and every error kept. Against fake
 * config space and a fake chip, with no host: the capability walk, BAR
 * sizing, MSI-X location, and the IRQ core calling only through its chip.
 */
#include "pcifront/gk.h"
#include "pcifront/hv-bridge.h"
#include "pcifront/init.h"
#include "pcifront/irq.h"
#include "pcifront/pci-drivers.h"
#include "pcifront/pci.h"
#include "vmbus-sim/hv-abi.h"
#include "vmbus-sim/pcidev.h"
#include "vmbus-sim/vm.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct world {
	struct engine *e;
	struct faults *f;
	struct hv_vm *vm;
	struct gk *g;
};

/* The host assumptions the next world_init() uses (then the strictest). */
static struct host_assumptions next_assumptions;

static void world_init(struct world *w, unsigned vcpus, uint32_t proto, enum driver_model model,
                       unsigned nvec, behaviour_set beh)
{
	struct hv_vm_config vc = {.vcpus = vcpus, .max_protocol = proto, .host = next_assumptions};
	struct pcidev_config pc = {.name = "dev0",
	                           .vendor_id = 0x10de,
	                           .device_id = 0x1234,
	                           .msix_vectors = nvec,
	                           .serial = 1};

	w->e = engine_new(1);
	w->f = faults_new(w->e);
	w->vm = hv_vm_new(w->e, w->f, &vc);
	memset(&next_assumptions, 0, sizeof(next_assumptions));
	hv_vm_add_device(w->vm, &pc);
	w->g = gk_new(w->e, w->vm, beh);
	gk_set_driver(w->g, 0, "dev0", model, nvec);
}

static void world_fini(struct world *w)
{
	gk_free(w->g);
	hv_vm_free(w->vm);
	faults_free(w->f);
	engine_free(w->e);
}

struct call {
	struct world *w;
	int (*fn)(struct world *w, void *arg);
	void *arg;
	int ret;
};

static void call_task(void *p)
{
	struct call *c = p;

	c->ret = c->fn(c->w, c->arg);
}

/* Runs fn in a task until the world is quiet. */
static int in_task(struct world *w, int (*fn)(struct world *, void *), void *arg)
{
	struct call c = {w, fn, arg, -999};
	struct task *t = task_spawn(w->e, "test", call_task, &c);

	engine_run(w->e);
	g_assert_true(task_done(t));
	return c.ret;
}

static int do_boot(struct world *w, void *arg)
{
	(void)arg;
	return gk_boot(w->g);
}

static int do_offline(struct world *w, void *arg)
{
	return gk_cpu_offline(w->g, GPOINTER_TO_UINT(arg));
}

static int do_online(struct world *w, void *arg)
{
	return gk_cpu_online(w->g, GPOINTER_TO_UINT(arg));
}

static int do_hibernate(struct world *w, void *arg)
{
	(void)arg;
	return gk_hibernate(w->g);
}

static int do_resume(struct world *w, void *arg)
{
	(void)arg;
	return gk_resume(w->g);
}

static void boot(struct world *w)
{
	hv_vm_power_on(w->vm);
	g_assert_cmpint(in_task(w, do_boot, NULL), ==, 0);
	g_assert_cmpuint(gk_error_count(w->g), ==, 0);
}

static unsigned irq_nr(struct world *w, unsigned v)
{
	return pci_irq_vector(&w->g->k.dev[0], v);
}

static struct gk_irq *irq_of(struct world *w, unsigned v)
{
	return &w->g->k.irq[irq_nr(w, v)];
}

static struct irte *irte_of(struct world *w, unsigned v)
{
	uint64_t address;
	uint32_t data;

	pcidev_msix_entry(hv_vm_device(w->vm, 0), v, &address, &data, NULL);
	return irte_lookup(hv_vm_irte(w->vm), hv_vm_device_logical_id(w->vm, 0), address, data);
}

/* A world whose one device is an MSI function without MSI-X. */
static void world_init_msi(struct world *w, unsigned vcpus, enum driver_model model, unsigned nvec,
                           bool maskbits, behaviour_set beh)
{
	struct hv_vm_config vc = {.vcpus = vcpus, .max_protocol = PCI_PROTOCOL_VERSION_1_4};
	struct pcidev_config pc = {.name = "dev0",
	                           .vendor_id = 0x10de,
	                           .device_id = 0x1234,
	                           .msix_vectors = nvec,
	                           .serial = 1,
	                           .msi_vectors = nvec,
	                           .msi_no_maskbits = !maskbits};

	pc.layout.caps[0] = PCIDEV_CAP_PM;
	pc.layout.caps[1] = PCIDEV_CAP_MSI;
	w->e = engine_new(1);
	w->f = faults_new(w->e);
	w->vm = hv_vm_new(w->e, w->f, &vc);
	hv_vm_add_device(w->vm, &pc);
	w->g = gk_new(w->e, w->vm, beh);
	gk_set_driver(w->g, 0, "dev0", model, nvec);
}

/* The remapping entry MSI vector v of device 0 reaches. */
static struct irte *msi_irte_of(struct world *w, unsigned v)
{
	uint64_t address;
	uint32_t data;

	pcidev_msi_vector(hv_vm_device(w->vm, 0), v, &address, &data, NULL, NULL);
	return irte_lookup(hv_vm_irte(w->vm), hv_vm_device_logical_id(w->vm, 0), address, data);
}

/* Multi-MSI: the guest finds MSI by walking the list, enables the whole
 * block, composes it once (vector_count 8, one entry per message), derives
 * the other vectors' messages and retargets each on its own. */
static void test_msi_multi_block(void)
{
	struct world w;
	struct pcidev *hw;
	const struct gk_pci_dev *d;
	uint32_t first;

	world_init_msi(&w, 4, DRIVER_KEEP_VECTORS, 8, true, profile_default()->behaviours);
	boot(&w);
	hw = hv_vm_device(w.vm, 0);
	d = &w.g->k.dev[0];
	g_assert_cmphex(d->msix_cap, ==, 0);
	g_assert_true(d->is_msi && d->msi_enabled && !d->msix_enabled);
	g_assert_cmpuint(d->nvec, ==, 8);
	g_assert_true(pcidev_msi_enabled(hw));
	g_assert_cmpuint(pcidev_msi_enabled_count(hw), ==, 8);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 8);
	g_assert_cmpuint(msi_irte_of(&w, 0)->block, ==, 8);
	first = irq_of(&w, 0)->chip_data.data;
	g_assert_cmpuint(first % 8, ==, 0); /* aligned: data | i == data + i */
	for (unsigned v = 0; v < 8; v++) {
		struct gk_irq *i = irq_of(&w, v);
		struct irte *e = msi_irte_of(&w, v);
		g_assert_true(i->has_chip_data);
		g_assert_cmphex(i->chip_data.data, ==, first + v);
		g_assert_cmpuint(i->chip_data.vector_count, ==, v ? 0 : 8);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->vcpu, ==, i->cpu);
		g_assert_cmphex(e->vector, ==, i->vector);
		g_assert_false(irq_of(&w, v)->masked);
	}
	for (unsigned v = 0; v < 8; v++) {
		unsigned id = hv_vm_fire(w.vm, 0, v);
		engine_run(w.e);
		g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_DELIVERED);
		g_assert_cmpuint(w.g->k.dev[0].handled[v], ==, 1);
	}
	/* freeing the block deletes it on the host, all eight messages */
	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, 0);
	world_fini(&w);
}

static int do_free_vectors(struct world *w, void *arg)
{
	struct gk_pci_dev *d = &w->g->k.dev[0];

	(void)arg;
	for (unsigned v = 0; v < d->nvec; v++)
		free_irq(w->g, pci_irq_vector(d, v));
	pci_free_irq_vectors(w->g, d);
	return 0;
}

/* Freeing a multi-MSI block sends one DELETE_INTERRUPT, for its first
 * message, and the host drops every message's entry. */
static void test_msi_free_block(void)
{
	struct world w;

	world_init_msi(&w, 2, DRIVER_KEEP_VECTORS, 4, true, profile_default()->behaviours);
	boot(&w);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 4);
	g_assert_cmpint(in_task(&w, do_free_vectors, NULL), ==, 0);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 0);
	g_assert_false(pcidev_msi_enabled(hv_vm_device(w.vm, 0)));
	g_assert_false(w.g->k.dev[0].is_msi);
	world_fini(&w);
}

/* Without the multi-MSI fix the vector domain refuses the block and the
 * PCI core falls back to one vector: the driver gets 1 of 8. */
static void test_msi_fallback(void)
{
	struct world w;

	world_init_msi(&w, 4, DRIVER_KEEP_VECTORS, 8, true,
	               profile_default()->behaviours & ~BEH_BIT(BEH_MULTI_MSI));
	boot(&w);
	g_assert_cmpuint(w.g->k.dev[0].nvec, ==, 1);
	g_assert_cmpuint(pcidev_msi_enabled_count(hv_vm_device(w.vm, 0)), ==, 1);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 1);
	g_assert_cmpuint(msi_irte_of(&w, 0)->block, ==, 1);
	g_assert_cmpuint(irq_vector_domain_check(8, GK_IRQ_ALLOC_CONTIGUOUS), ==, -ENOSYS);
	g_assert_cmpuint(irq_vector_domain_check(1, GK_IRQ_ALLOC_CONTIGUOUS), ==, 0);
	g_assert_cmpuint(irq_vector_domain_check(8, 0), ==, 0);
	world_fini(&w);
}

static int do_mask_unmask(struct world *w, void *arg)
{
	unsigned v = GPOINTER_TO_UINT(arg);

	pci_msi_mask_irq(w->g, irq_nr(w, v));
	return 0;
}

/* Masking an MSI vector sets its mask bit in the device, if the
 * capability has them; without them nothing can be masked. */
static void test_msi_mask_bits(void)
{
	struct world w;
	bool masked;

	for (unsigned mb = 0; mb < 2; mb++) {
		world_init_msi(&w, 2, DRIVER_KEEP_VECTORS, 4, mb, profile_default()->behaviours);
		boot(&w);
		g_assert_cmpint(w.g->k.dev[0].msi_maskbit, ==, mb);
		g_assert_cmpint(in_task(&w, do_mask_unmask, GUINT_TO_POINTER(2)), ==, 0);
		pcidev_msi_vector(hv_vm_device(w.vm, 0), 2, NULL, NULL, &masked, NULL);
		g_assert_cmpint(masked, ==, mb);
		g_assert_cmphex(w.g->k.dev[0].msi_mask, ==, mb ? 1u << 2 : 0);
		pcidev_msi_vector(hv_vm_device(w.vm, 0), 1, NULL, NULL, &masked, NULL);
		g_assert_false(masked);
		world_fini(&w);
	}
}

/* Hibernation of a single-MSI function whose driver keeps its vector: the
 * PCI core writes the capability back (config space) and the bridge's
 * resume re-composes, so the host has an entry for what the device sends. */
static void test_msi_restore(void)
{
	struct world w;
	unsigned id;

	world_init_msi(&w, 2, DRIVER_KEEP_VECTORS, 1, true, profile_default()->behaviours);
	boot(&w);
	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, 0);
	hv_vm_power_on(w.vm);
	g_assert_cmpint(in_task(&w, do_resume, NULL), ==, 0);
	g_assert_cmpuint(gk_error_count(w.g), ==, 0);
	g_assert_true(pcidev_msi_enabled(hv_vm_device(w.vm, 0)));
	g_assert_nonnull(msi_irte_of(&w, 0));
	g_assert_cmphex(msi_irte_of(&w, 0)->data, ==, irq_of(&w, 0)->chip_data.data);
	id = hv_vm_fire(w.vm, 0, 0);
	engine_run(w.e);
	g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_DELIVERED);
	world_fini(&w);
}

/* The CPU set reaches past 64 and 32 bits, and prints as a CPU list. */
static void test_cpumask(void)
{
	struct gk_cpumask a, b, c;
	char buf[64];

	cpumask_clear(&a);
	g_assert_true(cpumask_empty(&a));
	g_assert_cmpuint(cpumask_first(&a), ==, GK_NO_CPU);
	cpumask_set_cpu(239, &a);
	cpumask_set_cpu(40, &a);
	g_assert_true(cpumask_test_cpu(239, &a) && cpumask_test_cpu(40, &a));
	g_assert_false(cpumask_test_cpu(41, &a));
	g_assert_cmpuint(cpumask_first(&a), ==, 40);
	cpumask_setall(&b, 64);
	g_assert_true(cpumask_and(&c, &a, &b));
	g_assert_cmpuint(cpumask_first(&c), ==, 40);
	g_assert_false(cpumask_test_cpu(239, &c));
	cpumask_clear_cpu(40, &a);
	g_assert_false(cpumask_intersects(&a, &b));
	g_assert_false(cpumask_and(&c, &a, &b));
	cpumask_setall(&b, 3);
	cpumask_set_cpu(5, &b);
	cpumask_set_cpu(239, &b);
	cpumask_format_list(&b, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "0-2,5,239");
	cpumask_set_cpu(GK_CPUMASK_BITS, &b); /* out of range: ignored */
	g_assert_false(cpumask_test_cpu(GK_CPUMASK_BITS, &b));
	c = b;
	g_assert_true(cpumask_equal(&b, &c));
	/* the longest list, every other CPU, fits GK_CPULIST_MAX whole */
	{
		char list[GK_CPULIST_MAX];
		cpumask_clear(&a);
		for (unsigned cpu = 0; cpu < GK_CPUMASK_BITS; cpu += 2)
			cpumask_set_cpu(cpu, &a);
		cpumask_format_list(&a, list, sizeof(list));
		g_assert_cmpuint(strlen(list), ==, 456);
		g_assert_true(g_str_has_suffix(list, ",252,254"));
	}
}

static void test_boot_programs_every_vector(void)
{
	uint32_t protos[] = {PCI_PROTOCOL_VERSION_1_1, PCI_PROTOCOL_VERSION_1_2,
	                     PCI_PROTOCOL_VERSION_1_3, PCI_PROTOCOL_VERSION_1_4};

	for (unsigned p = 0; p < G_N_ELEMENTS(protos); p++) {
		struct world w;
		unsigned cpus_used = 0;

		world_init(&w, 4, protos[p], DRIVER_KEEP_VECTORS, 8, profile_default()->behaviours);
		boot(&w);
		g_assert_cmphex(w.g->k.hbus[0].protocol_version, ==, protos[p]);
		g_assert_true(pcidev_msix_enabled(hv_vm_device(w.vm, 0)));
		g_assert_false(pcidev_msix_function_masked(hv_vm_device(w.vm, 0)));
		for (unsigned v = 0; v < 8; v++) {
			struct gk_irq *i = irq_of(&w, v);
			struct irte *e = irte_of(&w, v);
			bool masked;

			g_assert_true(i->requested && i->activated && i->has_chip_data);
			g_assert_false(i->masked);
			pcidev_msix_entry(hv_vm_device(w.vm, 0), v, NULL, NULL, &masked);
			g_assert_false(masked);
			g_assert_nonnull(e);
			/* the unmask's retarget points the entry at the irq's CPU/vector */
			g_assert_cmpuint(e->vcpu, ==, i->cpu);
			g_assert_cmpuint(e->vector, ==, i->vector);
			g_assert_cmpuint(w.g->k.vector_irq[i->cpu][i->vector], ==,
			                 irq_nr(&w, v) + 1);
			cpus_used |= 1u << i->cpu;
		}
		/* the vector domain spreads over the least loaded CPUs */
		g_assert_cmphex(cpus_used, ==, 0xf);
		g_assert_cmpuint(tp_count(w.e, TP_RETARGET_OK), >=, 8);
		world_fini(&w);
	}
}

struct msg_arg {
	unsigned v;
	struct msi_msg msg;
};

static int do_write(struct world *w, void *arg)
{
	struct msg_arg *a = arg;

	pci_write_msi_msg(w->g, &w->g->k.dev[0], a->v, &a->msg);
	return 0;
}

/* The negative control of reference D.10: outside D0 a message write
 * reaches only the cache. */
static void test_msi_write_d0_gate(void)
{
	struct world w;
	struct msg_arg a = {.v = 1, .msg = {.address_lo = 0xfee0f000, .data = 0x1234}};
	uint64_t before, after;
	uint32_t data;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, &before, NULL, NULL);
	w.g->k.dev[0].current_state = PCI_UNKNOWN;
	in_task(&w, do_write, &a);
	pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, &after, &data, NULL);
	g_assert_cmphex(after, ==, before);
	g_assert_cmphex(w.g->k.dev[0].desc[1].msg.data, ==, 0x1234);
	w.g->k.dev[0].current_state = PCI_D0;
	in_task(&w, do_write, &a);
	pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, &after, &data, NULL);
	g_assert_cmphex(after, ==, 0xfee0f000);
	g_assert_cmphex(data, ==, 0x1234);
	world_fini(&w);
}

static void test_runtime_offline_migrates(void)
{
	struct world w;
	unsigned moved = 0;

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_3, DRIVER_KEEP_VECTORS, 8,
	           profile_default()->behaviours);
	boot(&w);
	for (unsigned v = 0; v < 8; v++)
		moved += irq_of(&w, v)->cpu == 2;
	g_assert_cmpuint(moved, >, 0);
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(2)), ==, 0);
	g_assert_false(hv_vm_vcpu_online(w.vm, 2));
	g_assert_cmpuint(tp_count(w.e, TP_MIGRATE_IRQ), ==, moved);
	for (unsigned v = 0; v < 8; v++) {
		struct gk_irq *i = irq_of(&w, v);
		struct irte *e = irte_of(&w, v);
		bool masked;

		g_assert_cmpuint(i->cpu, !=, 2);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->vcpu, ==, i->cpu);
		g_assert_cmpuint(e->vector, ==, i->vector);
		pcidev_msix_entry(hv_vm_device(w.vm, 0), v, NULL, NULL, &masked);
		g_assert_false(masked);
	}
	g_assert_cmpuint(tp_count(w.e, TP_RETARGET_FAILED), ==, 0);
	world_fini(&w);
}

static int do_suspend_then_unmask(struct world *w, void *arg)
{
	unsigned irq = GPOINTER_TO_UINT(arg);

	/* D0 exit: the retarget must fail now */
	g_assert_cmpint(hv_pci_drv.suspend(w->g, 0), ==, 0);
	pci_msi_mask_irq(w->g, irq);
	irq_get_chip(w->g, irq)->irq_unmask(w->g, irq);
	return 0;
}

/* The heart of the second 2020 bug, at unit level. On the reference host
 * the bridge's suspend released the function (memory decoding off), so the
 * guest's mask and unmask reach only its cache, which resume restores into
 * the device; with a host that keeps the BARs they reach the device too. */
static void test_unmask_after_failed_retarget(void)
{
	for (int k = 0; k < 4; k++) {
		bool fixed = k & 1, keep = k & 2;
		struct world w;
		unsigned irq;
		bool masked;

		if (keep)
			next_assumptions.irte_lifetime = HOST_IRTE_LIFETIME_POWER_OFF;
		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           fixed ? BEH_BIT(BEH_UNMASK_DESPITE_RETARGET_FAILURE) : 0);
		boot(&w);
		irq = irq_nr(&w, 1);
		in_task(&w, do_suspend_then_unmask, GUINT_TO_POINTER(irq));
		g_assert_cmpuint(tp_count(w.e, TP_RETARGET_FAILED), ==, 1);
		pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, NULL, NULL, &masked);
		g_assert_cmpint(masked, ==, keep && !fixed);
		g_assert_cmpint(!!(pcidev_command(hv_vm_device(w.vm, 0)) & PCI_COMMAND_MEMORY), ==,
		                keep);
		g_assert_cmpint(!!(w.g->k.dev[0].desc[1].msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT),
		                ==, !fixed);
		world_fini(&w);
	}
}

/* The window between thaw and power-off, at unit level (no scenario step
 * can fire inside a hibernation): freeze_noirq and the bridge's suspend,
 * then its resume and the PCI core's thaw. On the reference host the
 * suspend released the function's entries; only a bridge that composes
 * every message again on resume gets them back, and a host that keeps
 * entries until power-off hides the difference. */
static int do_freeze_thaw(struct world *w, void *arg)
{
	struct gk_pci_dev *d = &w->g->k.dev[0];

	(void)arg;
	g_assert_cmpint(pci_pm_freeze_noirq(w->g, d), ==, 0);
	g_assert_cmpint(hv_pci_drv.suspend(w->g, 0), ==, 0);
	g_assert_cmpint(hv_pci_drv.resume(w->g, 0), ==, 0);
	return pci_pm_resume_noirq(w->g, d);
}

static void test_thaw_window(void)
{
	for (int k = 0; k < 4; k++) {
		bool restore = k & 1, keep = k & 2;
		behaviour_set beh = profile_default()->behaviours;
		struct world w;

		if (!restore)
			beh &= ~BEH_BIT(BEH_RESTORE_MSI_ON_RESUME);
		if (keep)
			next_assumptions.irte_lifetime = HOST_IRTE_LIFETIME_POWER_OFF;
		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 4, beh);
		boot(&w);
		g_assert_cmpint(in_task(&w, do_freeze_thaw, NULL), ==, 0);
		/* BARs and memory decoding are back whatever the host did */
		g_assert_true(pcidev_command(hv_vm_device(w.vm, 0)) & PCI_COMMAND_MEMORY);
		for (unsigned v = 0; v < 4; v++) {
			unsigned id = hv_vm_fire(w.vm, 0, v);
			engine_run(w.e);
			const struct fire_record *r = hv_vm_fire_record(w.vm, id);
			g_assert_cmpint(r->outcome, ==,
			                restore || keep ? FIRE_OUT_DELIVERED : FIRE_OUT_LOST);
			if (r->outcome == FIRE_OUT_LOST)
				g_assert_nonnull(strstr(r->reason, "released every entry"));
		}
		world_fini(&w);
	}
}

/* The VMBus bus around the bridges: UNLOAD after their suspend (three
 * times: freeze, poweroff, the boot kernel's quiesce), contact and offers
 * before their resume (thaw, restore). The guest follows a changed relation
 * id by instance GUID and the bridge reopens under it; interrupts arrive
 * after resume either way. */
static void test_vmbus_unload_and_reoffer(void)
{
	for (int same = 0; same <= 1; same++) {
		struct world w;
		unsigned first;

		if (same)
			next_assumptions.reoffer_relids = HOST_REOFFER_RELIDS_SAME;
		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           profile_default()->behaviours);
		boot(&w);
		first = w.g->k.hv_dev[0].channel;
		g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, 0);
		g_assert_cmpuint(tp_count(w.e, TP_VMBUS_UNLOADED), ==, 2);
		hv_vm_power_on(w.vm);
		g_assert_cmpint(in_task(&w, do_resume, NULL), ==, 0);
		g_assert_cmpuint(tp_count(w.e, TP_VMBUS_UNLOADED), ==, 3);
		g_assert_cmpuint(gk_error_count(w.g), ==, 0);
		g_assert_cmpuint(tp_count(w.e, TP_RELID_CHANGED), ==, same ? 0 : 2);
		g_assert_cmpint(w.g->k.hv_dev[0].channel == first, ==, same);
		g_assert_cmpuint(w.g->k.hbus[0].channel, ==, w.g->k.hv_dev[0].channel);
		g_assert_true(w.g->k.hbus[0].channel_open);
		for (unsigned v = 0; v < 2; v++) {
			unsigned id = hv_vm_fire(w.vm, 0, v);
			engine_run(w.e);
			g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==,
			                FIRE_OUT_DELIVERED);
		}
		world_fini(&w);
	}
}

static int do_restore(struct world *w, void *arg)
{
	(void)arg;
	g_assert_cmpint(pci_save_state(w->g, &w->g->k.dev[0]), ==, 0);
	/* the device forgets everything, as across a power cycle */
	pcidev_reset(hv_vm_device(w->vm, 0));
	return pci_restore_state(w->g, &w->g->k.dev[0]);
}

static void test_restore_writes_cache(void)
{
	struct world w;
	struct pcidev *hw;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 4,
	           profile_default()->behaviours);
	boot(&w);
	w.g->k.dev[0].desc[2].msix_ctrl |= PCI_MSIX_ENTRY_CTRL_MASKBIT; /* a cached mask */
	g_assert_cmpint(in_task(&w, do_restore, NULL), ==, 0);
	hw = hv_vm_device(w.vm, 0);
	g_assert_true(pcidev_msix_enabled(hw));
	g_assert_false(pcidev_msix_function_masked(hw));
	g_assert_true(pcidev_command(hw) & PCI_COMMAND_MEMORY);
	g_assert_true(pcidev_command(hw) & PCI_COMMAND_MASTER);
	for (unsigned v = 0; v < 4; v++) {
		const struct gk_msi_desc *d = &w.g->k.dev[0].desc[v];
		uint64_t address;
		uint32_t data;
		bool masked;

		pcidev_msix_entry(hw, v, &address, &data, &masked);
		g_assert_cmphex(address, ==,
		                d->msg.address_lo | ((uint64_t)d->msg.address_hi << 32));
		g_assert_cmphex(data, ==, d->msg.data);
		g_assert_cmpint(masked, ==, v == 2);
	}
	world_fini(&w);
}

static int do_recompose(struct world *w, void *arg)
{
	unsigned irq = irq_nr(w, 0);
	struct msi_msg m;
	int r;

	(void)arg;
	task_atomic_enter(w->e);
	r = irq_get_chip(w->g, irq)->irq_compose_msi_msg(w->g, irq, &m);
	task_atomic_exit(w->e);
	return r;
}

static int do_recompose_vec(struct world *w, void *arg)
{
	unsigned irq = irq_nr(w, GPOINTER_TO_UINT(arg));
	struct msi_msg m;
	int r;

	task_atomic_enter(w->e);
	r = irq_get_chip(w->g, irq)->irq_compose_msi_msg(w->g, irq, &m);
	task_atomic_exit(w->e);
	return r;
}

static void test_recompose_replaces_entry(void)
{
	struct world w;
	uint32_t old_data;
	unsigned n, deletes;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_2, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	deletes = tp_count(w.e, TP_DELETE_INTERRUPT);
	old_data = irq_of(&w, 0)->chip_data.data;
	n = irte_count(hv_vm_irte(w.vm));
	g_assert_cmpint(in_task(&w, do_recompose, NULL), ==, 0);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, n);
	g_assert_cmphex(irq_of(&w, 0)->chip_data.data, !=, old_data);
	g_assert_cmpuint(tp_count(w.e, TP_DELETE_INTERRUPT), ==, deletes + 1);
	/* compose polls, so doing it with the descriptor locked is fine */
	g_assert_cmpuint(tp_count(w.e, TP_SLEEP_IN_ATOMIC), ==, 0);
	world_fini(&w);
}

static int do_request_in_atomic(struct world *w, void *arg)
{
	(void)arg;
	task_atomic_enter(w->e);
	free_irq(w->g, irq_nr(w, 0));
	task_atomic_exit(w->e);
	return 0;
}

static void test_sleep_in_atomic_caught(void)
{
	struct world w;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_cmpuint(tp_count(w.e, TP_SLEEP_IN_ATOMIC), ==, 0);
	in_task(&w, do_request_in_atomic, NULL);
	g_assert_cmpuint(tp_count(w.e, TP_SLEEP_IN_ATOMIC), ==, 1);
	world_fini(&w);
}

static void test_interrupt_entry(void)
{
	struct world w;
	struct gk_irq *i;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	i = irq_of(&w, 1);
	gk_interrupt(w.g, i->cpu, i->vector);
	g_assert_cmpuint(i->count, ==, 1);
	g_assert_cmpuint(w.g->k.dev[0].handled[1], ==, 1);
	gk_interrupt(w.g, 1, 0xe0); /* nothing there */
	g_assert_cmpuint(w.g->k.spurious, ==, 1);
	i->disable_depth = 1; /* disabled: the edge is remembered and masked */
	gk_interrupt(w.g, i->cpu, i->vector);
	g_assert_true(i->pending);
	g_assert_true(i->masked);
	g_assert_cmpuint(i->count, ==, 1);
	world_fini(&w);
}

/* Hibernation: the image kernel is exactly the snapshot; the host keeps
 * nothing; with the fixes every vector is remapped after resume. */
static void test_hibernate_resume_image(void)
{
	struct world w;

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 8,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, 0);
	g_assert_false(hv_vm_powered(w.vm));
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 0);
	g_assert_true(w.g->have_image);
	/* the snapshot was taken with only the boot CPU online */
	g_assert_true(w.g->image.cpu_online[0]);
	g_assert_false(w.g->image.cpu_online[3]);
	g_assert_cmpuint(tp_count(w.e, TP_RETARGET_FAILED), >, 0);
	hv_vm_power_on(w.vm);
	g_assert_cmpint(in_task(&w, do_resume, NULL), ==, 0);
	g_assert_true(w.g->k.is_image_kernel);
	g_assert_true(w.g->k.cpu_online[3]);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 8);
	for (unsigned v = 0; v < 8; v++) {
		struct irte *e = irte_of(&w, v);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->vcpu, ==, irq_of(&w, v)->cpu);
	}
	g_assert_cmpuint(tp_count(w.e, TP_MSI_RESTORED), ==, 2); /* thaw and restore */
	g_assert_cmpuint(tp_count(w.e, TP_SLEEP_IN_ATOMIC), ==, 0);
	world_fini(&w);
}

/* ---- discovery against the real host ---- */

/* The guest finds the host's layout by itself: the caps, the one 64-bit
 * BAR, the table and PBA in it; and the bridge placed the BAR naturally
 * aligned in the high range, one window per bus. */
/* Host layouts the guest must discover without being told. */
static const struct pcidev_layout layouts[] = {
    {{0}, 0, 0}, /* the default */
    {{PCIDEV_CAP_MSIX, PCIDEV_CAP_PM, PCIDEV_CAP_MSI}, 0, 0},
    {{PCIDEV_CAP_MSI, PCIDEV_CAP_MSIX, PCIDEV_CAP_PM}, 2, 0x800},
    {{0}, 5, 0x1000},
    {{PCIDEV_CAP_PM, PCIDEV_CAP_MSIX, PCIDEV_CAP_MSI}, 3, 0xff8},
};

static void test_scan_discovers_host_layout(gconstpointer data)
{
	const struct pcidev_layout *layout = data;
	struct world w;
	struct pcidev_config pc = {.name = "dev1",
	                           .vendor_id = 0x1414,
	                           .device_id = 0xb111,
	                           .msix_vectors = 4,
	                           .serial = 2,
	                           .layout = *layout};

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 4,
	           profile_default()->behaviours);
	g_assert_cmpint(hv_vm_add_device(w.vm, &pc), ==, 1);
	gk_set_driver(w.g, 1, "dev1", DRIVER_RECREATE_VECTORS, 4);
	boot(&w);
	for (unsigned b = 0; b < 2; b++) {
		const struct gk_pci_dev *d = &w.g->k.dev[b];
		const struct pcidev *hw = hv_vm_device(w.vm, b);
		const struct pcidev_placement *at = &hw->at;
		unsigned bar = at->msix_bar;

		g_assert_true(d->present && d->bound);
		g_assert_cmpuint(d->pm_cap, ==, at->cap[PCIDEV_CAP_PM]);
		g_assert_cmpuint(d->msi_cap, ==, at->cap[PCIDEV_CAP_MSI]);
		g_assert_cmpuint(d->msix_cap, ==, at->cap[PCIDEV_CAP_MSIX]);
		g_assert_cmpuint(d->msix_table_size, ==, 4);
		g_assert_cmpint(d->bar[bar].kind, ==, at->bar64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32);
		g_assert_cmphex(d->bar[bar].size, ==, at->bar_size);
		for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++)
			if (i != bar)
				g_assert_cmpint(d->bar[i].kind, ==, PCI_BAR_NONE);
		if (at->bar64)
			g_assert_cmphex(d->bar[bar].start, >=, UINT64_C(1) << 32);
		else
			g_assert_cmphex(d->bar[bar].start + d->bar[bar].size, <=,
			                UINT64_C(1) << 32);
		g_assert_cmphex(d->bar[bar].start % d->bar[bar].size, ==, 0);
		/* what the scan read back is where the device decodes */
		g_assert_cmphex(d->bar[bar].start, ==, pcidev_bar_base(hw, bar));
		g_assert_cmphex(d->msix_table_gpa, ==, d->bar[bar].start + at->table_off);
		g_assert_cmphex(d->msix_pba_gpa, ==, d->bar[bar].start + at->pba_off);
	}
	/* and its vectors work: each fire reaches its handler */
	for (unsigned v = 0; v < 4; v++)
		hv_vm_fire(w.vm, 1, v);
	engine_run(w.e);
	for (unsigned v = 0; v < 4; v++)
		g_assert_cmpuint(w.g->k.dev[1].handled[v], ==, 1);
	world_fini(&w);
}

/* The bridge installs its operations on what it probes: config access on
 * the root bus, its MSI chip on the domain and so on every irq. */
static void test_bridge_installs_chip(void)
{
	struct world w;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_3, DRIVER_KEEP_VECTORS, 4,
	           profile_default()->behaviours);
	g_assert_null(irq_get_chip(w.g, 0));
	g_assert_null(w.g->k.pbus[0].ops);
	boot(&w);
	g_assert_true(w.g->k.pbus[0].ops == &hv_pcifront_ops);
	g_assert_true(w.g->k.domain[w.g->k.pbus[0].msi_domain].chip == &hv_msi_irq_chip);
	for (unsigned v = 0; v < 4; v++)
		g_assert_true(irq_get_chip(w.g, irq_nr(&w, v)) == &hv_msi_irq_chip);
	g_assert_true(w.g->k.dev[0].driver == &keep_vectors_driver);
	/* the names the trace shows are the models' */
	g_assert_cmpstr(keep_vectors_driver.name, ==, driver_model_name(DRIVER_KEEP_VECTORS));
	g_assert_cmpstr(recreate_vectors_driver.name, ==,
	                driver_model_name(DRIVER_RECREATE_VECTORS));
	world_fini(&w);
}

/* ---- the public entry points refuse what is out of range ---- */

static void test_argument_checks(void)
{
	struct world w;
	struct gk_dev_view dv;
	struct gk_irq_view iv;

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	g_assert_null(gk_new(NULL, w.vm, 0));
	g_assert_null(gk_new(w.e, NULL, 0));
	g_assert_cmpint(gk_set_driver(NULL, 0, "x", DRIVER_KEEP_VECTORS, 1), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, GK_MAX_BUSES, "x", DRIVER_KEEP_VECTORS, 1), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, 0, NULL, DRIVER_KEEP_VECTORS, 1), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, 0, "x", DRIVER__COUNT, 1), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, 0, "x", (enum driver_model) - 1, 1), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, 0, "x", DRIVER_KEEP_VECTORS, 0), ==, -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, 0, "x", DRIVER_KEEP_VECTORS, GK_MAX_VECS + 1), ==,
	                -EINVAL);
	g_assert_cmpint(gk_set_driver(w.g, GK_MAX_BUSES - 1, "x", DRIVER_KEEP_VECTORS, GK_MAX_VECS),
	                ==, 0);
	/* none of the refused calls changed bus 0's driver */
	g_assert_cmpstr(w.g->drv[0].name, ==, "dev0");
	g_assert_cmpuint(w.g->drv[0].nvec, ==, 2);

	/* before boot no CPU exists for the guest */
	g_assert_cmpint(gk_cpu_offline(w.g, 1), ==, -EINVAL);
	g_assert_cmpint(gk_cpu_online(w.g, 1), ==, -EINVAL);
	g_assert_cmpint(gk_cpu_offline(NULL, 1), ==, -EINVAL);
	g_assert_cmpint(gk_cpu_online(NULL, 1), ==, -EINVAL);
	g_assert_cmpint(gk_boot(NULL), ==, -EINVAL);
	g_assert_cmpint(gk_hibernate(NULL), ==, -EINVAL);
	g_assert_cmpint(gk_resume(NULL), ==, -EINVAL);
	boot(&w);
	g_assert_cmpint(gk_cpu_offline(w.g, 0), ==, -EINVAL); /* the boot CPU stays */
	g_assert_cmpint(gk_cpu_offline(w.g, 4), ==, -EINVAL);
	g_assert_cmpint(gk_cpu_offline(w.g, ~0u), ==, -EINVAL);
	g_assert_cmpint(gk_cpu_online(w.g, 4), ==, -EINVAL);
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(3)), ==, 0);
	g_assert_false(w.g->k.cpu_online[3]);

	g_assert_false(gk_behaviour(NULL, BEH_RESTORE_MSI_ON_RESUME));
	g_assert_false(gk_behaviour(w.g, BEH__COUNT));
	g_assert_cmpuint(gk_error_count(NULL), ==, 0);
	g_assert_null(gk_error_get(NULL, 0));
	g_assert_null(gk_error_get(w.g, 0));
	g_assert_cmpuint(gk_view_device_count(NULL), ==, 0);
	g_assert_false(gk_view_device(NULL, 0, &dv));
	g_assert_false(gk_view_device(w.g, 1, &dv));
	g_assert_false(gk_view_device(w.g, 0, NULL));
	g_assert_true(gk_view_device(w.g, 0, &dv));
	g_assert_false(gk_view_irq(NULL, 0, 0, &iv));
	g_assert_false(gk_view_irq(w.g, 0, 2, &iv));
	g_assert_false(gk_view_irq(w.g, 0, GK_MAX_VECS, &iv));
	g_assert_true(gk_view_irq(w.g, 0, 1, &iv));
	g_assert_cmpint(gk_view_vector_owner(NULL, 0, GK_FIRST_VECTOR), ==, GK_NO_IRQ);
	g_assert_cmpint(gk_view_vector_owner(w.g, 4, GK_FIRST_VECTOR), ==, GK_NO_IRQ);
	g_assert_cmpint(gk_view_vector_owner(w.g, iv.cpu, iv.vector), ==, (int)iv.irq);
	g_assert_cmpuint(gk_view_handled(NULL, 0, 0), ==, 0);
	g_assert_cmpuint(gk_view_handled(w.g, 1, 0), ==, 0);
	g_assert_cmpuint(gk_view_spurious(NULL), ==, 0);
	g_assert_cmpuint(gk_error_count(w.g), ==, 0);
	world_fini(&w);
}

/* ---- every error is kept ---- */

/* The host refuses every CREATE_INTERRUPT: each of the 8 composes at boot
 * (reservation mode: 4 at allocation, 4 more at request_irq) is an error
 * of its own, with its errno, phase and task, and the guest
 * goes on as the kernel does (no message, vectors still requested). */
static void test_errors_all_kept(void)
{
	struct world w;
	struct fault_rule rule = {.name = "refuse",
	                          .point = FP_VSP_CREATE_INTERRUPT,
	                          .mode = FAULT_EVERY,
	                          .phase = -1,
	                          .enabled = true};
	uint64_t last = 0;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 4,
	           profile_default()->behaviours);
	faults_add(w.f, &rule);
	hv_vm_power_on(w.vm);
	g_assert_cmpint(in_task(&w, do_boot, NULL), ==, 0);
	g_assert_cmpuint(gk_error_count(w.g), ==, 8);
	for (unsigned i = 0; i < 8; i++) {
		const struct gk_error *e = gk_error_get(w.g, i);
		char want[64];

		g_assert_nonnull(e);
		g_assert_cmpint(e->err, ==, -EPROTO);
		g_assert_cmpstr(e->phase, ==, "boot");
		g_assert_cmpstr(e->task, ==, "test");
		g_snprintf(want, sizeof(want), "irq %u: Request for interrupt failed",
		           irq_nr(&w, i % 4));
		g_assert_nonnull(strstr(e->message, want));
		g_assert_cmpuint(e->time, >=, last);
		last = e->time;
		g_assert_true(irq_of(&w, i % 4)->requested);
		g_assert_false(irq_of(&w, i % 4)->has_chip_data);
	}
	g_assert_null(gk_error_get(w.g, 8));
	world_fini(&w);
}

/* Three buses whose drivers ask for more vectors than the table has: three
 * errors; each driver stays unbound, each bridge is up. */
static void test_failed_driver_probes_all_kept(void)
{
	struct world w;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_RECREATE_VECTORS, 2,
	           profile_default()->behaviours);
	for (unsigned b = 1; b < 3; b++) {
		struct pcidev_config pc = {.name = "devN",
		                           .vendor_id = 0x1af4,
		                           .device_id = 0x1000,
		                           .msix_vectors = 2,
		                           .serial = 10 + b};
		hv_vm_add_device(w.vm, &pc);
	}
	for (unsigned b = 0; b < 3; b++)
		g_assert_cmpint(gk_set_driver(w.g, b, "devN", DRIVER_RECREATE_VECTORS, 3), ==, 0);
	hv_vm_power_on(w.vm);
	g_assert_cmpint(in_task(&w, do_boot, NULL), ==, 0);
	g_assert_cmpuint(gk_error_count(w.g), ==, 3);
	for (unsigned b = 0; b < 3; b++) {
		const struct gk_error *e = gk_error_get(w.g, b);
		struct gk_dev_view dv;

		g_assert_cmpint(e->err, ==, -ENOSPC);
		g_assert_cmpstr(e->phase, ==, "boot");
		g_assert_cmpstr(e->task, ==, "test");
		g_assert_true(gk_view_device(w.g, b, &dv));
		g_assert_true(dv.present && dv.bus_installed);
		g_assert_false(dv.bound);
		g_assert_false(dv.msix_enabled);
	}
	world_fini(&w);
}

/* D0EXIT is lost while the bridges suspend for the image: the wait ends
 * after 10 s with an error of its own, and hibernation is abandoned with
 * the machine still running. */
static void test_lost_d0_exit_aborts_hibernation(void)
{
	struct world w;
	struct fault_rule rule = {.name = "lose-d0-exit",
	                          .point = FP_VMBUS_SEND,
	                          .mode = FAULT_NTH,
	                          .n = 2, /* RESOURCES_RELEASED, then D0EXIT */
	                          .phase = PHASE_HIBERNATE,
	                          .enabled = true};
	const struct gk_error *e;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	faults_add(w.f, &rule);
	boot(&w);
	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, -ETIMEDOUT);
	g_assert_true(hv_vm_powered(w.vm));
	g_assert_false(w.g->have_image);
	g_assert_cmpuint(gk_error_count(w.g), >=, 1);
	e = gk_error_get(w.g, 0);
	g_assert_cmpint(e->err, ==, -ETIMEDOUT);
	g_assert_nonnull(strstr(e->message, "BUS_D0EXIT"));
	g_assert_cmpstr(e->phase, ==, "hibernate");
	g_assert_cmpstr(e->task, ==, "hv_pci suspend");
	g_assert_cmpuint(e->time, >=, 10 * NSEC_PER_SEC);
	/* what the abort meets after it (the host never left D0) is kept too,
	 * all of it marked as that hibernation's; the abort comes last and
	 * names the error the PM core returned */
	for (unsigned k = 0; k < gk_error_count(w.g); k++) {
		const struct gk_error *x = gk_error_get(w.g, k);
		bool last = k + 1 == gk_error_count(w.g);

		g_assert_cmpstr(x->phase, ==, "hibernate");
		g_assert_cmpint(x->hibernation_aborted, ==, last);
		g_assert_cmpint(x->in_aborted_hibernation, ==, !last);
	}
	e = gk_error_get(w.g, gk_error_count(w.g) - 1);
	g_assert_cmpint(e->err, ==, -ETIMEDOUT);
	g_assert_nonnull(strstr(e->message, "ETIMEDOUT"));
	/* the kernel's abort: the failed bridge keeps its channel and stays
	 * removing, is not resumed, and the PM core says it gave up */
	g_assert_true(w.g->k.hbus[0].channel_open);
	g_assert_cmpint(w.g->k.hbus[0].state, ==, HV_PCIBUS_REMOVING);
	g_assert_cmpuint(tp_count(w.e, TP_HIBERNATION_ABORTED), ==, 1);
	g_assert_cmpuint(tp_count(w.e, TP_POWER_OFF), ==, 0);
	/* the VM runs on, but the reference host released the function's
	 * entries at the RESOURCES_RELEASED before the lost D0EXIT, and no
	 * kernel step re-creates them for a bridge that was not resumed (with
	 * irte-lifetime=power-off they would still be delivered: see
	 * scenarios/host/d0-exit-lost-abort-loses-interrupts.json) */
	for (unsigned v = 0; v < 2; v++) {
		unsigned id = hv_vm_fire(w.vm, 0, v);
		engine_run(w.e);
		g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_LOST);
		g_assert_nonnull(strstr(hv_vm_fire_record(w.vm, id)->reason, "resources-released"));
		g_assert_cmpuint(w.g->k.dev[0].handled[v], ==, 0);
	}
	/* a resume now finds the VM running and no image: nothing happens */
	{
		unsigned errors = gk_error_count(w.g);

		g_assert_cmpint(in_task(&w, do_resume, NULL), ==, 0);
		g_assert_cmpuint(gk_error_count(w.g), ==, errors);
		g_assert_true(hv_vm_powered(w.vm));
		g_assert_true(irq_of(&w, 0)->requested);
	}
	/* the bus is left removing: the next attempt fails at once */
	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, -EINVAL);
	g_assert_true(hv_vm_powered(w.vm));
	g_assert_cmpuint(tp_count(w.e, TP_HIBERNATION_ABORTED), ==, 2);
	world_fini(&w);
}

/* A CPU whose vectors fit nowhere else is refused, at run time and in
 * hibernation, and nothing moves; the hibernation aborts cleanly. */
static void test_vector_space_refuses_cpu_down(void)
{
	const uint16_t per_cpu = GK_LAST_VECTOR - GK_FIRST_VECTOR + 1;
	struct world w;
	const struct gk_error *e;
	uint16_t used0;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_cmpuint(irq_of(&w, 1)->cpu, ==, 1);
	used0 = w.g->k.vectors_used[0];
	w.g->k.vectors_used[0] = per_cpu; /* as if CPU 0 had no vector left */
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(1)), ==, -ENOSPC);
	g_assert_true(w.g->k.cpu_online[1]);
	g_assert_cmpuint(irq_of(&w, 1)->cpu, ==, 1);
	g_assert_cmpuint(gk_error_count(w.g), ==, 1);
	e = gk_error_get(w.g, 0);
	g_assert_cmpint(e->err, ==, -ENOSPC);
	g_assert_nonnull(strstr(e->message, "Cannot disable CPU"));
	g_assert_false(e->hibernation_aborted);

	g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, -ENOSPC);
	g_assert_true(hv_vm_powered(w.vm));
	g_assert_false(w.g->have_image);
	g_assert_true(w.g->k.cpu_online[1]);
	g_assert_cmpint(w.g->k.hbus[0].state, ==, HV_PCIBUS_INSTALLED);
	e = gk_error_get(w.g, gk_error_count(w.g) - 1);
	g_assert_true(e->hibernation_aborted);
	g_assert_cmpint(e->err, ==, -ENOSPC);
	g_assert_true(gk_error_get(w.g, 1)->in_aborted_hibernation);
	g_assert_cmpuint(tp_count(w.e, TP_HIBERNATION_ABORTED), ==, 1);
	/* the bridge came back: both vectors still arrive */
	w.g->k.vectors_used[0] = used0;
	for (unsigned v = 0; v < 2; v++) {
		unsigned id = hv_vm_fire(w.vm, 0, v);
		engine_run(w.e);
		g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_DELIVERED);
	}
	/* with room, the CPU goes */
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(1)), ==, 0);
	g_assert_false(w.g->k.cpu_online[1]);
	g_assert_cmpuint(irq_of(&w, 1)->cpu, ==, 0);
	world_fini(&w);
}

/* Spreading: pre vectors anywhere, the rest managed over the CPUs. */
static void test_affinity_spread(void)
{
	struct irq_affinity_desc aff[8];
	char buf[32];

	irq_create_affinity_masks(4, 5, 1, aff);
	g_assert_false(aff[0].is_managed);
	cpumask_format_list(&aff[0].mask, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "0-3");
	for (unsigned v = 1; v < 5; v++) {
		g_assert_true(aff[v].is_managed);
		g_assert_cmpuint(cpumask_first(&aff[v].mask), ==, v - 1);
	}
	irq_create_affinity_masks(4, 3, 1, aff); /* 2 managed: 2 CPUs each */
	cpumask_format_list(&aff[1].mask, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "0-1");
	cpumask_format_list(&aff[2].mask, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "2-3");
	irq_create_affinity_masks(2, 5, 1, aff); /* more vectors than CPUs */
	g_assert_cmpuint(cpumask_first(&aff[3].mask), ==, 0);
	g_assert_cmpuint(cpumask_first(&aff[4].mask), ==, 1);
}

/* A managed irq shuts down with its last CPU and starts when it returns. */
static void test_managed_shutdown_and_startup(void)
{
	struct world w;
	uint64_t address;
	uint32_t data;
	bool masked;

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_4, DRIVER_MANAGED_VECTORS, 5,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_false(irq_of(&w, 0)->managed);
	for (unsigned v = 1; v < 5; v++) {
		g_assert_true(irq_of(&w, v)->managed);
		g_assert_cmpuint(irq_of(&w, v)->cpu, ==, v - 1);
	}
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(2)), ==, 0);
	g_assert_true(irq_of(&w, 3)->managed_shutdown);
	g_assert_false(irq_of(&w, 3)->activated);
	g_assert_true(irq_of(&w, 3)->requested);
	g_assert_true(irq_of(&w, 3)->masked);
	pcidev_msix_entry(hv_vm_device(w.vm, 0), 3, &address, &data, &masked);
	g_assert_cmpuint(address, ==, 0);
	g_assert_true(masked);
	g_assert_cmpuint(tp_count(w.e, TP_MIGRATE_IRQ), ==, 0); /* shut down, not moved */
	/* a fire meanwhile waits in the device */
	{
		unsigned id = hv_vm_fire(w.vm, 0, 3);
		engine_run(w.e);
		g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_PENDING);
	}
	g_assert_cmpint(in_task(&w, do_online, GUINT_TO_POINTER(2)), ==, 0);
	g_assert_false(irq_of(&w, 3)->managed_shutdown);
	g_assert_true(irq_of(&w, 3)->activated);
	g_assert_cmpuint(irq_of(&w, 3)->cpu, ==, 2);
	g_assert_false(irq_of(&w, 3)->masked);
	g_assert_cmpuint(w.g->k.dev[0].handled[3], ==, 1); /* the pending one */
	g_assert_cmpuint(gk_error_count(w.g), ==, 0);
	world_fini(&w);
}

static int do_suspend_irqs(struct world *w, void *arg)
{
	(void)arg;
	suspend_device_irqs(w->g);
	return 0;
}

static int do_resume_irqs(struct world *w, void *arg)
{
	(void)arg;
	resume_device_irqs(w->g);
	return 0;
}

/* Lazy disable: a fire while suspended masks and marks pending; the
 * resume unmasks and resends it, so the handler runs once. */
static void test_suspend_resume_device_irqs(void)
{
	struct world w;
	unsigned id;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	in_task(&w, do_suspend_irqs, NULL);
	g_assert_true(irq_of(&w, 0)->suspended);
	g_assert_cmpuint(irq_of(&w, 0)->disable_depth, ==, 1);
	g_assert_false(irq_of(&w, 0)->masked); /* lazy */
	id = hv_vm_fire(w.vm, 0, 0);
	engine_run(w.e);
	g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_DELIVERED);
	g_assert_true(irq_of(&w, 0)->pending);
	g_assert_true(irq_of(&w, 0)->masked);
	g_assert_cmpuint(w.g->k.dev[0].handled[0], ==, 0);
	/* a second fire waits in the device */
	id = hv_vm_fire(w.vm, 0, 0);
	engine_run(w.e);
	g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==, FIRE_OUT_PENDING);
	in_task(&w, do_resume_irqs, NULL);
	g_assert_false(irq_of(&w, 0)->suspended);
	g_assert_cmpuint(irq_of(&w, 0)->disable_depth, ==, 0);
	g_assert_false(irq_of(&w, 0)->pending);
	g_assert_false(irq_of(&w, 0)->masked);
	/* the resend, then the one the unmask released from the device */
	g_assert_cmpuint(w.g->k.dev[0].handled[0], ==, 2);
	g_assert_cmpuint(w.g->k.dev[0].handled[1], ==, 0);
	g_assert_cmpuint(gk_error_count(w.g), ==, 0);
	world_fini(&w);
}

/* Reservation mode: the allocation composes each vector for the shutdown
 * vector and clears the activated state; request_irq() assigns the real
 * vector and composes again. Each boot vector is a DELETE and two
 * CREATEs, and the host ends with one entry per vector, on its real
 * vector. */
static void test_reservation_mode(void)
{
	struct world w;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 3,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_cmpuint(tp_count(w.e, TP_CREATE_INTERRUPT), ==, 6);
	g_assert_cmpuint(tp_count(w.e, TP_DELETE_INTERRUPT), ==, 3);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, 3);
	for (unsigned v = 0; v < 3; v++) {
		const struct irte *e = irte_of(&w, v);

		g_assert_true(irq_of(&w, v)->activated);
		g_assert_false(irq_of(&w, v)->reserved);
		g_assert_cmpuint(irq_of(&w, v)->vector, !=, GK_SHUTDOWN_VECTOR);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->vector, ==, irq_of(&w, v)->vector);
	}
	g_assert_cmpuint(gk_error_count(w.g), ==, 0);
	world_fini(&w);
}

struct aff_call {
	unsigned vector;
	struct gk_cpumask mask;
};

static int do_set_affinity(struct world *w, void *arg)
{
	struct aff_call *a = arg;

	return gk_irq_set_affinity(w->g, 0, a->vector, &a->mask);
}

/* /proc/irq/N/smp_affinity: managed irqs refuse, a mask needs an online
 * CPU, a started irq outside its new mask moves there. */
static void test_set_affinity(void)
{
	struct world w;
	struct aff_call a = {0};

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_4, DRIVER_MANAGED_VECTORS, 3,
	           profile_default()->behaviours);
	boot(&w);
	cpumask_set_cpu(3, &a.mask);
	a.vector = 1; /* managed */
	g_assert_cmpint(in_task(&w, do_set_affinity, &a), ==, -EIO);
	a.vector = 0; /* the pre-vector: not managed, not on CPU 3 */
	g_assert_cmpuint(irq_of(&w, 0)->cpu, !=, 3);
	g_assert_cmpint(in_task(&w, do_set_affinity, &a), ==, 0);
	g_assert_cmpuint(irq_of(&w, 0)->cpu, ==, 3);
	g_assert_true(cpumask_equal(&irq_of(&w, 0)->affinity, &a.mask));
	g_assert_cmphex(irte_of(&w, 0)->vcpu, ==, 3); /* retargeted */
	g_assert_cmpint(in_task(&w, do_offline, GUINT_TO_POINTER(3)), ==, 0);
	g_assert_cmpint(in_task(&w, do_set_affinity, &a), ==, -EINVAL);
	/* broken affinity: the mask became the online CPUs */
	g_assert_false(cpumask_test_cpu(3, &irq_of(&w, 0)->affinity));
	g_assert_true(cpumask_test_cpu(0, &irq_of(&w, 0)->affinity));
	g_assert_cmpuint(gk_error_count(w.g), ==, 2);
	world_fini(&w);
}

/* ---- behaviours, each both ways ---- */

static behaviour_set all_but(enum behaviour b)
{
	return profile_default()->behaviours & ~BEH_BIT(b);
}

/* The highest version each release offers; a 1.4 host accepts any. */
static void test_protocol_per_release(void)
{
	static const uint32_t want[] = {PCI_PROTOCOL_VERSION_1_2, PCI_PROTOCOL_VERSION_1_3,
	                                PCI_PROTOCOL_VERSION_1_3, PCI_PROTOCOL_VERSION_1_3,
	                                PCI_PROTOCOL_VERSION_1_4, PCI_PROTOCOL_VERSION_1_4,
	                                PCI_PROTOCOL_VERSION_1_4, PCI_PROTOCOL_VERSION_1_4};

	g_assert_cmpuint(profile_count(), ==, G_N_ELEMENTS(want));
	for (unsigned p = 0; p < profile_count(); p++) {
		struct world w;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           profile_get(p)->behaviours);
		boot(&w);
		g_assert_cmphex(w.g->k.hbus[0].protocol_version, ==, want[p]);
		/* the host refuses a create form that does not match the version */
		g_assert_true(irq_of(&w, 0)->has_chip_data && irq_of(&w, 1)->has_chip_data);
		g_assert_cmpuint(hv_vm_bus_rejected(w.vm, 0), ==, 0);
		world_fini(&w);
	}
	/* one switch at a time */
	for (int b = 0; b < 2; b++) {
		struct world w;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           all_but(b ? BEH_PROTOCOL_1_4 : BEH_PROTOCOL_1_3));
		boot(&w);
		/* without 1.4 a 1.4 host is met at 1.3; without 1.3, still 1.4 */
		g_assert_cmphex(w.g->k.hbus[0].protocol_version, ==,
		                b ? PCI_PROTOCOL_VERSION_1_3 : PCI_PROTOCOL_VERSION_1_4);
		world_fini(&w);
	}
}

/* Without hv_pci's PM callbacks the PM core aborts and the VM runs on. */
static void test_hibernation_behaviour(void)
{
	for (int on = 0; on <= 1; on++) {
		struct world w;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_RECREATE_VECTORS, 2,
		           on ? profile_default()->behaviours : all_but(BEH_HIBERNATION));
		boot(&w);
		g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, on ? 0 : -EOPNOTSUPP);
		g_assert_cmpint(hv_vm_powered(w.vm), ==, !on);
		g_assert_cmpint(w.g->have_image, ==, on);
		g_assert_cmpuint(tp_count(w.e, TP_HIBERNATION_ABORTED), ==, !on);
		if (!on) {
			/* thawed: the driver has its vectors again, and they work */
			unsigned id = hv_vm_fire(w.vm, 0, 1);
			engine_run(w.e);
			g_assert_true(irq_of(&w, 1)->requested);
			g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==,
			                FIRE_OUT_DELIVERED);
		}
		world_fini(&w);
	}
}

/* A refused D0 entry at probe (or at resume): a retry through bus exit
 * where the behaviour says so, a failed probe (resume) where not. */
static void test_d0_entry_retry(void)
{
	for (int resume = 0; resume <= 1; resume++) {
		for (int on = 0; on <= 1; on++) {
			enum behaviour b =
			    resume ? BEH_D0_ENTRY_RETRY_RESUME : BEH_D0_ENTRY_RETRY_PROBE;
			struct fault_rule rule = {
			    .name = "refuse-d0-entry",
			    .point = FP_VSP_D0_ENTRY,
			    .mode = resume ? FAULT_NTH : FAULT_ONCE,
			    .n = 2, /* the image kernel's, not the boot kernel's */
			    .phase = resume ? PHASE_RESUME : PHASE_BOOT,
			    .enabled = true};
			struct world w;
			int r;

			world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
			           on ? profile_default()->behaviours : all_but(b));
			faults_add(w.f, &rule);
			hv_vm_power_on(w.vm);
			r = in_task(&w, do_boot, NULL);
			if (resume) {
				g_assert_cmpint(r, ==, 0);
				g_assert_cmpint(in_task(&w, do_hibernate, NULL), ==, 0);
				hv_vm_power_on(w.vm);
				r = in_task(&w, do_resume, NULL);
			}
			g_assert_cmpint(r, ==, on ? 0 : -EPROTO);
			g_assert_cmpuint(tp_count(w.e, TP_D0_ENTRY_FAILED), ==, 1);
			g_assert_cmpuint(tp_count(w.e, TP_D0_ENTRY_RETRIED), ==, on);
			g_assert_cmpint(w.g->k.hbus[0].state == HV_PCIBUS_INSTALLED, ==, on);
			if (on) {
				unsigned id = hv_vm_fire(w.vm, 0, 1);
				engine_run(w.e);
				g_assert_cmpint(hv_vm_fire_record(w.vm, id)->outcome, ==,
				                FIRE_OUT_DELIVERED);
			} else {
				g_assert_nonnull(strstr(gk_error_get(w.g, 0)->message, "D0 Entry"));
			}
			world_fini(&w);
		}
	}
}

/* The CPU CREATE_INTERRUPT names, before any retarget moves the entry. */
static void test_compose_effective_affinity(void)
{
	for (int on = 0; on <= 1; on++) {
		struct world w;
		struct gk_irq *i;
		struct irte *e;
		unsigned v = 0;

		world_init(&w, 4, PCI_PROTOCOL_VERSION_1_3, DRIVER_KEEP_VECTORS, 4,
		           on ? profile_default()->behaviours
		              : all_but(BEH_COMPOSE_EFFECTIVE_AFFINITY));
		boot(&w);
		while (irq_of(&w, v)->cpu == 0)
			v++;
		i = irq_of(&w, v);
		g_assert_cmpint(in_task(&w, do_recompose_vec, GUINT_TO_POINTER(v)), ==, 0);
		e = irte_lookup(hv_vm_irte(w.vm), hv_vm_device_logical_id(w.vm, 0),
		                i->chip_data.address, i->chip_data.data);
		g_assert_nonnull(e);
		g_assert_cmpuint(e->vcpu, ==, on ? i->cpu : 0);
		world_fini(&w);
	}
}

static void feed(struct world *w, const void *pkt, size_t len)
{
	hv_pci_onchannelcallback(&w->g->bus_ctx[0], pkt, len);
}

/* Transaction ids: the requestor's, or the request's address taken back
 * as a pointer. */
static void test_requestor_ids(void)
{
	for (int on = 0; on <= 1; on++) {
		struct world w;
		struct {
			struct vmbus_pkt_hdr hdr;
			int32_t status;
			uint32_t pad;
		} late = {.hdr = {.type = VM_PKT_COMP}};
		struct gk_hbus *hb;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           on ? profile_default()->behaviours : all_but(BEH_REQUESTOR_IDS));
		boot(&w);
		hb = &w.g->k.hbus[0];
		if (on)
			g_assert_cmphex(hb->rqstor[0].trans_id, ==, 1);
		else
			g_assert_cmphex(hb->rqstor[0].trans_id, >=, UINT64_C(0xffff800000000000));
		/* a completion for a request nobody waits for any more */
		late.hdr.trans_id = hb->rqstor[0].trans_id;
		feed(&w, &late, sizeof(late));
		if (on) {
			g_assert_cmpuint(hb->invalid_packets, ==, 1);
			g_assert_cmpuint(gk_error_count(w.g), ==, 0);
		} else {
			g_assert_cmpuint(gk_error_count(w.g), ==, 1);
			g_assert_cmpint(gk_error_get(w.g, 0)->err, ==, -EFAULT);
		}
		world_fini(&w);
	}
}

/* A BUS_RELATIONS that claims a device it does not carry. */
static void test_validate_host_values(void)
{
	for (int on = 0; on <= 1; on++) {
		struct world w;
		uint8_t pkt[sizeof(struct vmbus_pkt_hdr) + 8] = {0};
		struct vmbus_pkt_hdr hdr = {.type = VM_PKT_DATA_INBAND};
		uint32_t type = PCI_BUS_RELATIONS, count = 1;
		struct gk_hbus *hb;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_2, DRIVER_KEEP_VECTORS, 2,
		           on ? profile_default()->behaviours : all_but(BEH_VALIDATE_HOST_VALUES));
		boot(&w);
		hb = &w.g->k.hbus[0];
		hb->state = HV_PCIBUS_PROBED; /* so that relations are taken */
		memcpy(pkt, &hdr, sizeof(hdr));
		memcpy(pkt + sizeof(hdr), &type, 4);
		memcpy(pkt + sizeof(hdr) + 4, &count, 4);
		hb->relations_seen = false;
		feed(&w, pkt, sizeof(pkt));
		/* on: refused as too small; off: the description is read from
		 * whatever the receive buffer held after the packet */
		g_assert_cmpuint(hb->invalid_packets, ==, on ? 1 : 0);
		g_assert_cmpint(hb->relations_seen, ==, !on);
		world_fini(&w);
	}
}

static int do_unmask(struct world *w, void *arg)
{
	unsigned irq = GPOINTER_TO_UINT(arg);

	task_atomic_enter(w->e);
	pci_msi_mask_irq(w->g, irq);
	irq_get_chip(w->g, irq)->irq_unmask(w->g, irq);
	task_atomic_exit(w->e);
	return 0;
}

/* An irq whose compose failed (no chip data, a zeroed message) unmasked on
 * each release: what the retarget names, whether the kernel oopses, and
 * whether the vector ends unmasked. */
static void test_unmask_without_chip_data(void)
{
	for (unsigned p = 0; p < profile_count(); p++) {
		behaviour_set beh = profile_get(p)->behaviours;
		bool from_chip = beh & BEH_BIT(BEH_RETARGET_FROM_CHIP_DATA);
		bool check = beh & BEH_BIT(BEH_NULL_CHIP_DATA_CHECK);
		bool despite = beh & BEH_BIT(BEH_UNMASK_DESPITE_RETARGET_FAILURE);
		struct world w;
		struct gk_irq *i;
		unsigned irq, failed;
		bool masked;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2, beh);
		boot(&w);
		irq = irq_nr(&w, 1);
		i = irq_of(&w, 1);
		/* what a refused compose leaves */
		i->has_chip_data = false;
		w.g->k.dev[0].desc[1].msg = (struct msi_msg){0};
		failed = tp_count(w.e, TP_RETARGET_FAILED);
		in_task(&w, do_unmask, GUINT_TO_POINTER(irq));
		/* the retarget is made (and fails) only with the cached message */
		g_assert_cmpuint(tp_count(w.e, TP_RETARGET_FAILED) - failed, ==, !from_chip);
		/* the oops: 6.1 */
		g_assert_cmpuint(gk_error_count(w.g), ==, from_chip && !check);
		pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, NULL, NULL, &masked);
		g_assert_cmpint(masked, ==, !despite || (from_chip && !check));
		world_fini(&w);
	}
}

/* Re-composing an MSI-X vector that has an entry. */
static void test_irte_reuse(void)
{
	static const struct {
		bool reuse, multi_only, creates;
	} cases[] = {{false, false, true}, {true, false, false}, {true, true, true}};

	for (unsigned c = 0; c < G_N_ELEMENTS(cases); c++) {
		behaviour_set beh =
		    all_but(BEH_IRTE_REUSE) & ~BEH_BIT(BEH_IRTE_REUSE_MULTI_MSI_ONLY);
		struct world w;
		unsigned creates, deletes;

		if (cases[c].reuse)
			beh |= BEH_BIT(BEH_IRTE_REUSE);
		if (cases[c].multi_only)
			beh |= BEH_BIT(BEH_IRTE_REUSE_MULTI_MSI_ONLY);
		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2, beh);
		boot(&w);
		creates = tp_count(w.e, TP_CREATE_INTERRUPT);
		deletes = tp_count(w.e, TP_DELETE_INTERRUPT);
		g_assert_cmpint(in_task(&w, do_recompose_vec, GUINT_TO_POINTER(0)), ==, 0);
		g_assert_cmpuint(tp_count(w.e, TP_CREATE_INTERRUPT) - creates, ==,
		                 cases[c].creates);
		g_assert_cmpuint(tp_count(w.e, TP_DELETE_INTERRUPT) - deletes, ==,
		                 cases[c].creates);
		g_assert_true(irq_of(&w, 0)->has_chip_data);
		world_fini(&w);
	}
}

/* ---- a fake config space, no host ---- */

static struct {
	uint8_t cfg[256];
	uint8_t wmask[256];
	unsigned reads;
	bool probed_while_decoding; /* a BAR got all ones with decoding on */
} fake;

static uint32_t fake_get(unsigned where, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)fake.cfg[where + i] << (8 * i);
	return v;
}

static void fake_put(unsigned where, uint32_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		fake.cfg[where + i] = (uint8_t)(v >> (8 * i));
}

static int fake_read(struct gk *g, unsigned bus, unsigned devfn, unsigned where, unsigned size,
                     uint32_t *val)
{
	(void)g;
	if (bus != 0 || devfn != 0 || where + size > sizeof(fake.cfg)) {
		*val = ~0u;
		return -ENODEV;
	}
	fake.reads++;
	*val = fake_get(where, size);
	return 0;
}

static int fake_write(struct gk *g, unsigned bus, unsigned devfn, unsigned where, unsigned size,
                      uint32_t val)
{
	(void)g;
	if (bus != 0 || devfn != 0 || where + size > sizeof(fake.cfg))
		return -ENODEV;
	if (where >= PCI_BASE_ADDRESS_0 && where <= PCI_BASE_ADDRESS_5 && val == 0xffffffffu &&
	    (fake_get(PCI_COMMAND, 2) & 0x3))
		fake.probed_while_decoding = true;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = fake.wmask[where + i];
		fake.cfg[where + i] =
		    (uint8_t)((fake.cfg[where + i] & ~m) | ((val >> (8 * i)) & m));
	}
	return 0;
}

static const struct pci_ops fake_ops = {.read = fake_read, .write = fake_write};

static void fake_cap(unsigned at, uint8_t id, uint8_t next)
{
	fake.cfg[at] = id;
	fake.cfg[at + 1] = next;
}

static void fake_bar(unsigned i, uint32_t value, uint32_t wmask)
{
	fake_put(PCI_BASE_ADDRESS_0 + 4 * i, value, 4);
	for (unsigned b = 0; b < 4; b++)
		fake.wmask[PCI_BASE_ADDRESS_0 + 4 * i + b] = (uint8_t)(wmask >> (8 * b));
}

/* A guest with no machine under it: bus 0 reads the fake config space. */
struct bare {
	struct engine *e;
	struct faults *f;
	struct hv_vm *vm;
	struct gk *g;
	struct gk_pci_dev *d;
};

static void bare_init(struct bare *b)
{
	struct hv_vm_config vc = {.vcpus = 2};

	memset(&fake, 0, sizeof(fake));
	b->e = engine_new(1);
	b->f = faults_new(b->e);
	b->vm = hv_vm_new(b->e, b->f, &vc);
	b->g = gk_new(b->e, b->vm, profile_default()->behaviours);
	g_assert_cmpint(pci_create_root_bus(b->g, 0, &fake_ops, 0), ==, 0);
	b->d = &b->g->k.dev[0];
	b->d->bus = 0;
	b->d->devfn = 0;
}

static void bare_fini(struct bare *b)
{
	gk_free(b->g);
	hv_vm_free(b->vm);
	faults_free(b->f);
	engine_free(b->e);
}

static void test_capability_walk(void)
{
	struct bare b;

	bare_init(&b);
	/* any order: MSI-X first, then PM, then MSI */
	fake_put(PCI_STATUS, PCI_STATUS_CAP_LIST, 2);
	fake.cfg[PCI_CAPABILITY_LIST] = 0x48;
	fake_cap(0x48, PCI_CAP_ID_MSIX, 0xa0);
	fake_cap(0xa0, PCI_CAP_ID_PM, 0x64);
	fake_cap(0x64, PCI_CAP_ID_MSI, 0);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSIX), ==, 0x48);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_PM), ==, 0xa0);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSI), ==, 0x64);
	g_assert_cmpint(pci_find_capability(b.g, b.d, 0x10), ==, 0);
	/* the low two bits of a pointer are reserved */
	fake_cap(0xa0, PCI_CAP_ID_PM, 0x66);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSI), ==, 0x64);
	/* a pointer into the header ends the list */
	fake_cap(0xa0, PCI_CAP_ID_PM, 0x3c);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSI), ==, 0);
	/* no list without the status bit */
	fake_put(PCI_STATUS, 0, 2);
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSIX), ==, 0);

	/* a list that loops is walked a bounded number of times */
	fake_put(PCI_STATUS, PCI_STATUS_CAP_LIST, 2);
	fake_cap(0x48, PCI_CAP_ID_MSIX, 0xa0);
	fake_cap(0xa0, PCI_CAP_ID_PM, 0x48);
	fake.reads = 0;
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSI), ==, 0);
	g_assert_cmpuint(fake.reads, ==, 2 + PCI_FIND_CAP_TTL);
	fake_cap(0x48, PCI_CAP_ID_MSIX, 0x48); /* pointing at itself */
	fake.reads = 0;
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_PM), ==, 0);
	g_assert_cmpuint(fake.reads, ==, 2 + PCI_FIND_CAP_TTL);
	/* ... and still finds what is in the loop */
	g_assert_cmpint(pci_find_capability(b.g, b.d, PCI_CAP_ID_MSIX), ==, 0x48);
	g_assert_cmpuint(gk_error_count(b.g), ==, 0);
	bare_fini(&b);
}

/* BAR0 I/O (256 ports), BAR1 unimplemented, BAR2+3 64-bit prefetchable
 * 1 MiB above 4 GiB, BAR4 unimplemented, BAR5 32-bit 8 KiB. */
static void fake_bars(void)
{
	fake_bar(0, 0x0000e001, 0xffffff00);
	fake_bar(1, 0, 0);
	fake_bar(2, 0x0020000c, 0xfff00000);
	fake_bar(3, 0x10, 0xffffffff);
	fake_bar(4, 0, 0);
	fake_bar(5, 0xf8012000, 0xffffe000);
	fake_put(PCI_COMMAND, PCI_COMMAND_MEMORY | 0x1 | PCI_COMMAND_MASTER, 2);
	fake.wmask[PCI_COMMAND] = 0xff;
	fake.wmask[PCI_COMMAND + 1] = 0xff;
}

static void test_bar_sizing(void)
{
	struct bare b;
	const struct gk_pci_bar *bar;
	uint8_t before[256];

	bare_init(&b);
	fake_bars();
	memcpy(before, fake.cfg, sizeof(before));
	g_assert_cmpint(pci_read_bases(b.g, b.d, PCI_STD_NUM_BARS), ==, 0);
	bar = b.d->bar;
	g_assert_cmpint(bar[0].kind, ==, PCI_BAR_IO);
	g_assert_cmphex(bar[0].size, ==, 0x100);
	g_assert_cmphex(bar[0].start, ==, 0xe000);
	g_assert_cmpint(bar[1].kind, ==, PCI_BAR_NONE);
	g_assert_cmpint(bar[2].kind, ==, PCI_BAR_MEM64);
	g_assert_true(bar[2].prefetch);
	g_assert_cmphex(bar[2].size, ==, 0x100000);
	g_assert_cmphex(bar[2].start, ==, UINT64_C(0x1000200000));
	g_assert_cmpint(bar[3].kind, ==, PCI_BAR_NONE); /* BAR2's upper half */
	g_assert_cmpint(bar[4].kind, ==, PCI_BAR_NONE);
	g_assert_cmpint(bar[5].kind, ==, PCI_BAR_MEM32);
	g_assert_false(bar[5].prefetch);
	g_assert_cmphex(bar[5].size, ==, 0x2000);
	g_assert_cmphex(bar[5].start, ==, 0xf8012000);
	/* decoding was off while the BARs held all ones, and everything is
	 * as it was afterwards */
	g_assert_false(fake.probed_while_decoding);
	g_assert_cmpmem(fake.cfg, sizeof(fake.cfg), before, sizeof(before));

	/* a 64-bit BAR in the last register has no upper half: an error */
	fake_bar(5, 0xf8012004, 0xffffe000);
	g_assert_cmpint(pci_read_bases(b.g, b.d, PCI_STD_NUM_BARS), ==, 0);
	g_assert_cmpint(b.d->bar[5].kind, ==, PCI_BAR_NONE);
	g_assert_cmpuint(gk_error_count(b.g), ==, 1);
	g_assert_cmpint(gk_error_get(b.g, 0)->err, ==, -EINVAL);
	bare_fini(&b);
}

/* The MSI-X table and PBA are found through BIR and offset, wherever they
 * are; a table that does not fit its BAR is refused when MSI-X is asked
 * for. */
static void test_msix_table_location(void)
{
	struct bare b;
	unsigned errors;

	bare_init(&b);
	fake_put(PCI_VENDOR_ID, 0x1af4, 2);
	fake_put(PCI_DEVICE_ID, 0x1042, 2);
	fake_put(PCI_STATUS, PCI_STATUS_CAP_LIST, 2);
	fake.cfg[PCI_CAPABILITY_LIST] = 0x80;
	fake_cap(0x80, PCI_CAP_ID_MSIX, 0x90);
	fake_put(0x80 + PCI_MSIX_FLAGS, 15, 2); /* 16 entries */
	fake_put(0x80 + PCI_MSIX_TABLE, 0x1000 | 5, 4);
	fake_put(0x80 + PCI_MSIX_PBA, 0x80008 | 2, 4);
	fake_cap(0x90, PCI_CAP_ID_PM, 0);
	fake_bars();
	g_assert_cmpint(pci_scan_device(b.g, 0, 0, b.d), ==, 0);
	g_assert_true(b.d->present);
	g_assert_cmphex(b.d->vendor_id, ==, 0x1af4);
	g_assert_cmpuint(b.d->msix_cap, ==, 0x80);
	g_assert_cmpuint(b.d->pm_cap, ==, 0x90);
	g_assert_cmpuint(b.d->msi_cap, ==, 0);
	g_assert_cmpuint(b.d->msix_table_size, ==, 16);
	g_assert_cmpuint(b.d->msix_table_bir, ==, 5);
	g_assert_cmphex(b.d->msix_table_gpa, ==, 0xf8012000 + 0x1000);
	g_assert_cmpuint(b.d->msix_pba_bir, ==, 2);
	g_assert_cmphex(b.d->msix_pba_gpa, ==, UINT64_C(0x1000200000) + 0x80008);

	/* 16 entries at 0x1f08 overrun the 8 KiB BAR */
	fake_put(0x80 + PCI_MSIX_TABLE, 0x1f08 | 5, 4);
	g_assert_cmpint(pci_scan_device(b.g, 0, 0, b.d), ==, 0);
	g_assert_cmphex(b.d->msix_table_gpa, ==, 0);
	/* a BIR naming the I/O BAR holds nothing either */
	fake_put(0x80 + PCI_MSIX_TABLE, 0x0 | 0, 4);
	g_assert_cmpint(pci_scan_device(b.g, 0, 0, b.d), ==, 0);
	g_assert_cmphex(b.d->msix_table_gpa, ==, 0);
	errors = gk_error_count(b.g);
	g_assert_cmpint(pci_alloc_irq_vectors(b.g, b.d, 2), ==, -ENOMEM);
	g_assert_cmpuint(gk_error_count(b.g), ==, errors + 1);
	g_assert_cmpint(gk_error_get(b.g, errors)->err, ==, -ENOMEM);
	g_assert_false(b.d->msix_enabled);

	/* nothing answers at all */
	fake_put(PCI_VENDOR_ID, 0xffff, 2);
	g_assert_cmpint(pci_scan_device(b.g, 0, 0, b.d), ==, -ENODEV);
	g_assert_false(b.d->present);
	bare_fini(&b);
}

/* ---- the IRQ core through a fake chip ---- */

static struct {
	unsigned compose, write, mask, unmask, free, handled;
	int compose_ret;
	struct msi_msg written;
} chip_calls;

static int fake_compose(struct gk *g, unsigned irq, struct msi_msg *msg)
{
	g_assert_true(task_in_atomic(g->e)); /* with the descriptor locked */
	chip_calls.compose++;
	if (chip_calls.compose_ret)
		return chip_calls.compose_ret; /* the message as it was given */
	*msg = (struct msi_msg){.address_lo = 0xfee00000, .data = 0x4000 + irq};
	return 0;
}

static void fake_write_msg(struct gk *g, unsigned irq, const struct msi_msg *msg)
{
	(void)g;
	(void)irq;
	chip_calls.write++;
	chip_calls.written = *msg;
}

static void fake_mask(struct gk *g, unsigned irq)
{
	(void)g;
	(void)irq;
	chip_calls.mask++;
}

static void fake_unmask(struct gk *g, unsigned irq)
{
	(void)g;
	(void)irq;
	chip_calls.unmask++;
}

static void fake_free(struct gk *g, unsigned irq)
{
	(void)g;
	(void)irq;
	chip_calls.free++;
}

static void fake_handler(struct gk *g, unsigned irq)
{
	(void)g;
	(void)irq;
	chip_calls.handled++;
}

static const struct irq_chip fake_chip = {
    .name = "fake",
    .irq_compose_msi_msg = fake_compose,
    .irq_write_msi_msg = fake_write_msg,
    .irq_mask = fake_mask,
    .irq_unmask = fake_unmask,
    .irq_free = fake_free,
};

static void irq_core_task(void *arg)
{
	struct gk *g = arg;
	int irq = irq_domain_alloc_irq(g, 1, 5, 1, NULL);
	struct gk_irq *i;

	g_assert_cmpint(irq, ==, GK_MAX_VECS + 5);
	g_assert_true(irq_get_chip(g, (unsigned)irq) == &fake_chip);
	g_assert_cmpint(irq_domain_alloc_irq(g, 1, 5, 1, NULL), ==, -EBUSY);
	i = &g->k.irq[irq];
	g_assert_cmpint(irq_domain_activate_irq(g, (unsigned)irq, false), ==, 0);
	g_assert_cmpuint(chip_calls.compose, ==, 1);
	g_assert_cmpuint(chip_calls.write, ==, 1);
	g_assert_cmphex(chip_calls.written.data, ==, 0x4000 + (unsigned)irq);
	g_assert_cmpint(request_irq(g, (unsigned)irq, fake_handler), ==, 0);
	g_assert_cmpuint(chip_calls.unmask, ==, 1);
	g_assert_false(i->masked);
	gk_interrupt(g, i->cpu, i->vector);
	g_assert_cmpuint(chip_calls.handled, ==, 1);
	free_irq(g, (unsigned)irq);
	g_assert_cmpuint(chip_calls.mask, ==, 1);
	g_assert_true(i->masked);
	/* a compose that fails leaves a zeroed message, written all the same */
	chip_calls.compose_ret = -EIO;
	g_assert_cmpint(request_irq(g, (unsigned)irq, fake_handler), ==, 0);
	g_assert_cmpuint(chip_calls.compose, ==, 2);
	g_assert_cmpuint(chip_calls.write, ==, 2);
	g_assert_cmphex(chip_calls.written.address_lo, ==, 0);
	g_assert_cmphex(chip_calls.written.data, ==, 0);
	free_irq(g, (unsigned)irq);
	irq_domain_free_irq(g, (unsigned)irq);
	g_assert_cmpuint(chip_calls.free, ==, 1);
	g_assert_null(irq_get_chip(g, (unsigned)irq));
}

static void test_irq_core_uses_chip(void)
{
	static const struct irq_chip half_chip = {.name = "half", .irq_mask = fake_mask};
	struct bare b;
	struct task *t;

	bare_init(&b);
	memset(&chip_calls, 0, sizeof(chip_calls));
	b.g->k.ncpus = 2;
	b.g->k.cpu_online[0] = b.g->k.cpu_online[1] = true;
	cpumask_setall(&b.g->k.online, 2);
	g_assert_cmpint(irq_domain_create(b.g, 1, &half_chip), ==, -EINVAL);
	g_assert_cmpint(irq_domain_alloc_irq(b.g, 1, 0, 1, NULL), ==, -ENODEV);
	g_assert_cmpuint(gk_error_count(b.g), ==, 2);
	g_assert_cmpint(irq_domain_create(b.g, 1, &fake_chip), ==, 0);
	t = task_spawn(b.e, "irq-core", irq_core_task, b.g);
	engine_run(b.e);
	g_assert_true(task_done(t));
	g_assert_cmpuint(gk_error_count(b.g), ==, 3); /* the second allocation of hwirq 5 */
	g_assert_cmpint(gk_error_get(b.g, 2)->err, ==, -EBUSY);
	bare_fini(&b);
}

/* The image holds the live rows only, and that is the whole state: a copy
 * into a zeroed kernel equals the source byte for byte, a copy over a used
 * one too, and clearing leaves all zero. */
static void test_kernel_assign_is_whole_copy(void)
{
	struct world w;
	struct gk_kernel *a = g_new0(struct gk_kernel, 1), *b = g_new0(struct gk_kernel, 1);
	struct gk_kernel *zero = g_new0(struct gk_kernel, 1);

	world_init(&w, 4, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 8,
	           profile_default()->behaviours);
	boot(&w);
	g_assert_cmpuint(w.g->k.nbuses, ==, 1);
	gk_kernel_assign(a, &w.g->k);
	g_assert_cmpmem(a, sizeof(*a), &w.g->k, sizeof(*a));
	memset(b, 0, sizeof(*b));
	b->ncpus = 2; /* a smaller kernel's rows are overwritten too */
	b->vector_irq[1][0x40] = 7;
	b->vector_map[1][1] = 1;
	b->nbuses = 1; /* and request slots above the source's high-water mark */
	b->hbus[0].rqstor_hi = 3;
	b->hbus[0].rqstor[2].in_use = true;
	b->hbus[0].rqstor[2].trans_id = 3;
	gk_kernel_assign(b, a);
	g_assert_cmpmem(b, sizeof(*b), a, sizeof(*a));
	gk_kernel_assign(a, NULL);
	g_assert_cmpmem(a, sizeof(*a), zero, sizeof(*zero));
	g_free(a);
	g_free(b);
	g_free(zero);
	world_fini(&w);
}

/* The retarget's sparse VP set: banks 0 up to the highest one holding a
 * VP, one word each (empty ones zero); an empty mask is one empty bank. */
static void test_cpumask_to_vpset(void)
{
	struct gk_cpumask m;
	uint64_t valid = 0, banks[GK_CPUMASK_WORDS + 1];

	cpumask_clear(&m);
	g_assert_cmpuint(hv_cpumask_to_vpset(&m, &valid, banks), ==, 1);
	g_assert_cmphex(valid, ==, 1);
	g_assert_cmphex(banks[0], ==, 0);
	cpumask_set_cpu(5, &m);
	g_assert_cmpuint(hv_cpumask_to_vpset(&m, &valid, banks), ==, 1);
	g_assert_cmphex(valid, ==, 1);
	g_assert_cmphex(banks[0], ==, 1u << 5);
	cpumask_clear(&m);
	cpumask_set_cpu(130, &m);
	g_assert_cmpuint(hv_cpumask_to_vpset(&m, &valid, banks), ==, 3);
	g_assert_cmphex(valid, ==, 0x7);
	g_assert_cmphex(banks[0], ==, 0);
	g_assert_cmphex(banks[1], ==, 0);
	g_assert_cmphex(banks[2], ==, 1u << 2);
	cpumask_set_cpu(1, &m);
	cpumask_set_cpu(239, &m);
	g_assert_cmpuint(hv_cpumask_to_vpset(&m, &valid, banks), ==, 4);
	g_assert_cmphex(valid, ==, 0xf);
	g_assert_cmphex(banks[0], ==, 1u << 1);
	g_assert_cmphex(banks[3], ==, UINT64_C(1) << (239 - 192));
	/* cpumask_next walks the set in order across words */
	g_assert_cmpuint(cpumask_first(&m), ==, 1);
	g_assert_cmpuint(cpumask_next(1, &m), ==, 130);
	g_assert_cmpuint(cpumask_next(130, &m), ==, 239);
	g_assert_cmpuint(cpumask_next(239, &m), ==, GK_NO_CPU);
	g_assert_cmpuint(cpumask_next(255, &m), ==, GK_NO_CPU);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/cpumask", test_cpumask);
	g_test_add_func("/guest/cpumask-to-vpset", test_cpumask_to_vpset);
	g_test_add_func("/guest/kernel-assign-is-whole-copy", test_kernel_assign_is_whole_copy);
	g_test_add_func("/guest/boot-programs-every-vector", test_boot_programs_every_vector);
	g_test_add_func("/guest/msi-write-d0-gate", test_msi_write_d0_gate);
	g_test_add_func("/guest/runtime-offline-migrates", test_runtime_offline_migrates);
	g_test_add_func("/guest/thaw-window", test_thaw_window);
	g_test_add_func("/guest/vmbus-unload-and-reoffer", test_vmbus_unload_and_reoffer);
	g_test_add_func("/guest/unmask-after-failed-retarget", test_unmask_after_failed_retarget);
	g_test_add_func("/guest/restore-writes-cache", test_restore_writes_cache);
	g_test_add_func("/guest/recompose-replaces-entry", test_recompose_replaces_entry);
	g_test_add_func("/guest/sleep-in-atomic-caught", test_sleep_in_atomic_caught);
	g_test_add_func("/guest/interrupt-entry", test_interrupt_entry);
	g_test_add_func("/guest/hibernate-resume-image", test_hibernate_resume_image);
	for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
		g_autofree char *name = g_strdup_printf("/guest/scan-discovers-host-layout/%u", i);
		g_test_add_data_func(name, &layouts[i], test_scan_discovers_host_layout);
	}
	g_test_add_func("/guest/bridge-installs-chip", test_bridge_installs_chip);
	g_test_add_func("/guest/argument-checks", test_argument_checks);
	g_test_add_func("/guest/errors-all-kept", test_errors_all_kept);
	g_test_add_func("/guest/failed-driver-probes-all-kept", test_failed_driver_probes_all_kept);
	g_test_add_func("/guest/vector-space-refuses-cpu-down", test_vector_space_refuses_cpu_down);
	g_test_add_func("/guest/affinity-spread", test_affinity_spread);
	g_test_add_func("/guest/set-affinity", test_set_affinity);
	g_test_add_func("/guest/reservation-mode", test_reservation_mode);
	g_test_add_func("/guest/suspend-resume-device-irqs", test_suspend_resume_device_irqs);
	g_test_add_func("/guest/managed-shutdown-and-startup", test_managed_shutdown_and_startup);
	g_test_add_func("/guest/lost-d0-exit-aborts-hibernation",
	                test_lost_d0_exit_aborts_hibernation);
	g_test_add_func("/guest/behaviour/protocol-per-release", test_protocol_per_release);
	g_test_add_func("/guest/behaviour/hibernation", test_hibernation_behaviour);
	g_test_add_func("/guest/behaviour/d0-entry-retry", test_d0_entry_retry);
	g_test_add_func("/guest/behaviour/compose-effective-affinity",
	                test_compose_effective_affinity);
	g_test_add_func("/guest/behaviour/requestor-ids", test_requestor_ids);
	g_test_add_func("/guest/behaviour/validate-host-values", test_validate_host_values);
	g_test_add_func("/guest/behaviour/unmask-without-chip-data", test_unmask_without_chip_data);
	g_test_add_func("/guest/behaviour/irte-reuse", test_irte_reuse);
	g_test_add_func("/guest/capability-walk", test_capability_walk);
	g_test_add_func("/guest/bar-sizing", test_bar_sizing);
	g_test_add_func("/guest/msix-table-location", test_msix_table_location);
	g_test_add_func("/guest/irq-core-uses-chip", test_irq_core_uses_chip);
	g_test_add_func("/guest/msi-multi-block", test_msi_multi_block);
	g_test_add_func("/guest/msi-free-block", test_msi_free_block);
	g_test_add_func("/guest/msi-fallback", test_msi_fallback);
	g_test_add_func("/guest/msi-mask-bits", test_msi_mask_bits);
	g_test_add_func("/guest/msi-restore", test_msi_restore);
	return g_test_run();
}
