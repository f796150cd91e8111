/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Power management: boot, CPU hotplug at runtime, and the hibernation
 * sequence with both halves — image creation (freeze, freeze_noirq, CPUs
 * off, snapshot, CPUs on, thaw, image written, poweroff, CPUs off, S4) and
 * restore (a fresh boot kernel probes and quiesces, then the image kernel
 * brings CPUs back, restore_noirq, restore).
 */
#include "vmbus-sim/tracepoint.h"
#include "gk.h"
#include "vmbus-sim/pcidev.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define IMAGE_WRITE_NS (2 * NSEC_PER_MSEC)

static const uint8_t vpci_class[16] = {0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44,
                                       0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f};

/* ---- device PM phases ---- */

static void drivers_callback(struct gk *g, const char *cb)
{
	for (unsigned i = 0; i < g->k.nbuses; i++)
		driver_pm(g, &g->k.dev[i], cb);
}

/* pci_pm_freeze_noirq(): save config, and the PCI state becomes unknown. */
static void pci_freeze_noirq(struct gk *g)
{
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		struct gk_pci_dev *d = &g->k.dev[i];
		if (!d->present)
			continue;
		if (!d->state_saved)
			pci_save_state(g, d);
		d->current_state = PCI_UNKNOWN;
	}
}

/* pci_pm_thaw_noirq() / pci_pm_restore_noirq(): D0, then restore state. */
static void pci_resume_noirq(struct gk *g)
{
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		struct gk_pci_dev *d = &g->k.dev[i];
		if (!d->present)
			continue;
		unsigned pmcsr = pci_cfg_read(g, d, PCIDEV_PM_CAP + PCI_PM_CTRL, 2);
		if (pmcsr & PCI_PM_CTRL_STATE_MASK)
			pci_cfg_write(g, d, PCIDEV_PM_CAP + PCI_PM_CTRL,
			              pmcsr & ~PCI_PM_CTRL_STATE_MASK, 2);
		d->current_state = PCI_D0;
		pci_restore_state(g, d);
	}
}

/*
 * The PM core runs the noirq callbacks of async-capable devices in parallel
 * (one async job per device) and waits for all of them before the next
 * phase. Each bridge's callback is a task of its own here, so when two
 * bridges' replies arrive at the same instant, which runs first is a choice
 * point decided by the seed.
 */
struct bridge_job {
	struct gk *g;
	unsigned bus;
	bool resume;
	int ret;
	struct completion done;
};

static void bridge_job_fn(void *arg)
{
	struct bridge_job *j = arg;

	j->ret = j->resume ? hv_pci_resume(j->g, j->bus) : hv_pci_suspend(j->g, j->bus);
	complete(j->g->e, &j->done);
}

static int bridges_pm(struct gk *g, bool resume)
{
	struct bridge_job jobs[GK_MAX_BUSES];
	struct task *tasks[GK_MAX_BUSES] = {0};
	int ret = 0;

	for (unsigned i = 0; i < g->k.nbuses; i++) {
		if (!g->k.hbus[i].present)
			continue;
		jobs[i] = (struct bridge_job){.g = g, .bus = i, .resume = resume};
		completion_init(&jobs[i].done,
		                resume ? "async resume_noirq" : "async suspend_noirq");
		tasks[i] = task_spawn(g->e, resume ? "hv_pci resume" : "hv_pci suspend",
		                      bridge_job_fn, &jobs[i]);
	}
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		if (!tasks[i])
			continue;
		completion_wait(g->e, &jobs[i].done, 0);
		if (jobs[i].ret < 0 && !ret)
			ret = jobs[i].ret;
		if (task_done(tasks[i]))
			task_reap(g->e, tasks[i]);
	}
	return ret;
}

static int bridges_suspend(struct gk *g)
{
	return bridges_pm(g, false);
}

static int bridges_resume(struct gk *g)
{
	return bridges_pm(g, true);
}

/* Returns the CPUs it took down, for the matching enable. */
static uint32_t secondary_cpus_down(struct gk *g)
{
	uint32_t frozen = 0;

	for (unsigned c = 1; c < g->k.ncpus; c++) {
		if (!g->k.cpu_online[c])
			continue;
		gk_cpu_down(g, c);
		frozen |= 1u << c;
	}
	return frozen;
}

static void secondary_cpus_up(struct gk *g, uint32_t frozen)
{
	for (unsigned c = 1; c < g->k.ncpus; c++)
		if (frozen & (1u << c))
			gk_cpu_up(g, c);
}

/* ---- boot ---- */

static int boot_kernel(struct gk *g, bool bind_drivers)
{
	unsigned n = gabi_vmbus_offer_count(g->vm);
	int ret = 0;

	memset(&g->k, 0, sizeof(g->k));
	g->k.ncpus = MIN(gabi_vcpu_count(g->vm), GK_MAX_CPUS);
	g->k.cpu_online[0] = true;
	gabi_set_interrupt_entry(g->vm, gk_interrupt, g);
	for (unsigned c = 1; c < g->k.ncpus; c++)
		gk_cpu_up(g, c);
	for (unsigned i = 0; i < n && g->k.nbuses < GK_MAX_BUSES; i++) {
		struct gabi_offer o;
		if (gabi_vmbus_offer(g->vm, i, &o) < 0 || memcmp(o.class_guid, vpci_class, 16))
			continue;
		struct gk_hbus *hb = &g->k.hbus[g->k.nbuses++];
		hb->present = true;
		hb->channel = o.channel;
		memcpy(hb->instance_guid, o.instance_guid, 16);
	}
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		int r = hv_pci_probe(g, i, bind_drivers);
		if (r < 0) {
			g->k.hbus[i].present = false;
			if (!ret)
				ret = r;
		}
	}
	TRACE(g->e, "guest", "booted", "\"cpus\":%u,\"buses\":%u,\"drivers\":%s", g->k.ncpus,
	      g->k.nbuses, bind_drivers ? "true" : "false");
	return ret;
}

int gk_boot(struct gk *g)
{
	int r;

	if (!g)
		return -EINVAL;
	gk_phase(g, PHASE_BOOT, true);
	r = boot_kernel(g, true);
	gk_phase(g, PHASE_BOOT, false);
	return r;
}

int gk_cpu_offline(struct gk *g, unsigned cpu)
{
	if (!g || cpu == 0 || cpu >= g->k.ncpus)
		return -EINVAL;
	gk_cpu_down(g, cpu);
	return 0;
}

int gk_cpu_online(struct gk *g, unsigned cpu)
{
	if (!g || cpu >= g->k.ncpus)
		return -EINVAL;
	gk_cpu_up(g, cpu);
	return 0;
}

/* ---- hibernation ---- */

int gk_hibernate(struct gk *g)
{
	uint32_t frozen;
	int ret = 0, r;

	if (!g)
		return -EINVAL;
	gk_phase(g, PHASE_HIBERNATE, true);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "freeze");
	drivers_callback(g, "freeze");
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "freeze_noirq");
	pci_freeze_noirq(g);
	r = bridges_suspend(g);
	if (r < 0) {
		/* hibernation aborts: thaw what was frozen */
		bridges_resume(g);
		pci_resume_noirq(g);
		drivers_callback(g, "thaw");
		gk_phase(g, PHASE_HIBERNATE, false);
		return r;
	}
	frozen = secondary_cpus_down(g);

	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "snapshot");
	g->image = g->k;
	g->have_image = true;

	secondary_cpus_up(g, frozen);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "thaw_noirq");
	if ((r = bridges_resume(g)) < 0)
		ret = r;
	pci_resume_noirq(g);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "thaw");
	drivers_callback(g, "thaw");

	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "write-image");
	task_sleep(g->e, IMAGE_WRITE_NS);

	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "poweroff");
	drivers_callback(g, "poweroff");
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "poweroff_noirq");
	if ((r = bridges_suspend(g)) < 0 && !ret)
		ret = r;
	secondary_cpus_down(g);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "S4");
	gabi_power_off(g->vm);
	gk_phase(g, PHASE_HIBERNATE, false);
	return ret;
}

int gk_resume(struct gk *g)
{
	uint32_t frozen = 0;
	int ret = 0, r;

	if (!g)
		return -EINVAL;
	if (!g->have_image) {
		gk_fail(g, -ENOENT, "resume: there is no hibernation image");
		return -ENOENT;
	}
	gk_phase(g, PHASE_RESUME, true);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "boot-kernel");
	if ((r = boot_kernel(g, false)) < 0)
		ret = r;
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "quiesce");
	pci_freeze_noirq(g);
	bridges_suspend(g);
	secondary_cpus_down(g);

	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "jump-to-image");
	g->k = g->image;
	g->k.is_image_kernel = true;
	for (unsigned c = 1; c < g->k.ncpus; c++)
		if (!g->k.cpu_online[c])
			frozen |= 1u << c;
	secondary_cpus_up(g, frozen);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "restore_noirq");
	if ((r = bridges_resume(g)) < 0 && !ret)
		ret = r;
	pci_resume_noirq(g);
	TRACE(g->e, "pm", "step", "\"step\":\"%s\"", "restore");
	drivers_callback(g, "restore");
	gk_phase(g, PHASE_RESUME, false);
	return ret;
}
