/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the guest model's IRQ core and front driver against the
 * real host: boot, compose, mask/unmask, the D0 gate on message writes,
 * CPU-offline migration, save/restore of MSI-X state, the interrupt entry,
 * atomic-context checks, the snapshot taken by hibernation, the checks of
 * the public entry points, and every error kept.
 */
#include "pcifront/gk.h"
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

static void world_init(struct world *w, unsigned vcpus, uint32_t proto, enum driver_model model,
                       unsigned nvec, behaviour_set beh)
{
	struct hv_vm_config vc = {.vcpus = vcpus, .max_protocol = proto};
	struct pcidev_config pc = {.name = "dev0",
	                           .vendor_id = 0x10de,
	                           .device_id = 0x1234,
	                           .msix_vectors = nvec,
	                           .serial = 1};

	w->e = engine_new(1);
	w->f = faults_new(w->e);
	w->vm = hv_vm_new(w->e, w->f, &vc);
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

static struct gk_irq *irq_of(struct world *w, unsigned v)
{
	return &w->g->k.irq[gk_dev_irq(w->g, 0, v)];
}

static struct irte *irte_of(struct world *w, unsigned v)
{
	uint64_t address;
	uint32_t data;

	pcidev_msix_entry(hv_vm_device(w->vm, 0), v, &address, &data, NULL);
	return irte_lookup(hv_vm_irte(w->vm), hv_vm_device_logical_id(w->vm, 0), address, data);
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
			                 gk_dev_irq(w.g, 0, v) + 1);
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

	hv_pci_suspend(w->g, 0); /* D0 exit: the retarget must fail now */
	pci_msi_mask_irq(w->g, irq);
	hv_irq_unmask(w->g, irq);
	return 0;
}

/* The heart of the second 2020 bug, at unit level. */
static void test_unmask_after_failed_retarget(void)
{
	for (int fixed = 0; fixed <= 1; fixed++) {
		struct world w;
		unsigned irq;
		bool masked;

		world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 2,
		           fixed ? BEH_BIT(BEH_UNMASK_DESPITE_RETARGET_FAILURE) : 0);
		boot(&w);
		irq = gk_dev_irq(w.g, 0, 1);
		in_task(&w, do_suspend_then_unmask, GUINT_TO_POINTER(irq));
		g_assert_cmpuint(tp_count(w.e, TP_RETARGET_FAILED), ==, 1);
		pcidev_msix_entry(hv_vm_device(w.vm, 0), 1, NULL, NULL, &masked);
		g_assert_cmpint(masked, ==, !fixed);
		g_assert_cmpint(!!(w.g->k.dev[0].desc[1].msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT),
		                ==, !fixed);
		world_fini(&w);
	}
}

static int do_restore(struct world *w, void *arg)
{
	(void)arg;
	pci_save_state(w->g, &w->g->k.dev[0]);
	/* the device forgets everything, as across a power cycle */
	pcidev_reset(hv_vm_device(w->vm, 0));
	pci_restore_state(w->g, &w->g->k.dev[0]);
	return 0;
}

static void test_restore_writes_cache(void)
{
	struct world w;
	struct pcidev *hw;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_4, DRIVER_KEEP_VECTORS, 4,
	           profile_default()->behaviours);
	boot(&w);
	w.g->k.dev[0].desc[2].msix_ctrl |= PCI_MSIX_ENTRY_CTRL_MASKBIT; /* a cached mask */
	in_task(&w, do_restore, NULL);
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
	struct msi_msg m;
	(void)arg;
	task_atomic_enter(w->e);
	int r = hv_compose_msi_msg(w->g, gk_dev_irq(w->g, 0, 0), &m);
	task_atomic_exit(w->e);
	return r;
}

static void test_recompose_replaces_entry(void)
{
	struct world w;
	uint32_t old_data;
	unsigned n;

	world_init(&w, 2, PCI_PROTOCOL_VERSION_1_2, DRIVER_KEEP_VECTORS, 2,
	           profile_default()->behaviours);
	boot(&w);
	old_data = irq_of(&w, 0)->chip_data.data;
	n = irte_count(hv_vm_irte(w.vm));
	g_assert_cmpint(in_task(&w, do_recompose, NULL), ==, 0);
	g_assert_cmpuint(irte_count(hv_vm_irte(w.vm)), ==, n);
	g_assert_cmphex(irq_of(&w, 0)->chip_data.data, !=, old_data);
	g_assert_cmpuint(tp_count(w.e, TP_DELETE_INTERRUPT), ==, 1);
	/* compose polls, so doing it with the descriptor locked is fine */
	g_assert_cmpuint(tp_count(w.e, TP_SLEEP_IN_ATOMIC), ==, 0);
	world_fini(&w);
}

static int do_request_in_atomic(struct world *w, void *arg)
{
	(void)arg;
	task_atomic_enter(w->e);
	free_irq(w->g, gk_dev_irq(w->g, 0, 0));
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

/* The host refuses every CREATE_INTERRUPT: each of the 4 composes at boot
 * is an error of its own, with its errno, phase and task, and the guest
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
	g_assert_cmpuint(gk_error_count(w.g), ==, 4);
	for (unsigned i = 0; i < 4; i++) {
		const struct gk_error *e = gk_error_get(w.g, i);
		char want[64];

		g_assert_nonnull(e);
		g_assert_cmpint(e->err, ==, -EPROTO);
		g_assert_cmpstr(e->phase, ==, "boot");
		g_assert_cmpstr(e->task, ==, "test");
		g_snprintf(want, sizeof(want), "irq %u: Request for interrupt failed",
		           gk_dev_irq(w.g, 0, i));
		g_assert_nonnull(strstr(e->message, want));
		g_assert_cmpuint(e->time, >=, last);
		last = e->time;
		g_assert_true(irq_of(&w, i)->requested);
		g_assert_false(irq_of(&w, i)->has_chip_data);
	}
	g_assert_null(gk_error_get(w.g, 4));
	world_fini(&w);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/boot-programs-every-vector", test_boot_programs_every_vector);
	g_test_add_func("/guest/msi-write-d0-gate", test_msi_write_d0_gate);
	g_test_add_func("/guest/runtime-offline-migrates", test_runtime_offline_migrates);
	g_test_add_func("/guest/unmask-after-failed-retarget", test_unmask_after_failed_retarget);
	g_test_add_func("/guest/restore-writes-cache", test_restore_writes_cache);
	g_test_add_func("/guest/recompose-replaces-entry", test_recompose_replaces_entry);
	g_test_add_func("/guest/sleep-in-atomic-caught", test_sleep_in_atomic_caught);
	g_test_add_func("/guest/interrupt-entry", test_interrupt_entry);
	g_test_add_func("/guest/hibernate-resume-image", test_hibernate_resume_image);
	g_test_add_func("/guest/argument-checks", test_argument_checks);
	g_test_add_func("/guest/errors-all-kept", test_errors_all_kept);
	return g_test_run();
}
