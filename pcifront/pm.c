/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PM core: boot, CPU hotplug at runtime, and the hibernation sequence
 * with both halves — image creation (freeze, freeze_noirq, CPUs off,
 * snapshot, CPUs on, thaw, image written, poweroff, CPUs off, S4) and
 * restore (a fresh boot kernel probes and quiesces, then the image kernel
 * brings CPUs back, restore_noirq, restore).
 *
 * Bridges are reached through the hv_driver each VMBus device is bound to,
 * function drivers through their pci_driver; the PCI core does the PCI side
 * of the noirq phases and the IRQ core the CPUs.
 */
#include "init.h"
#include "irq.h"
#include "pci.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <string.h>

#define IMAGE_WRITE_NS (2 * NSEC_PER_MSEC)

#define PM_STEP(g, step) TRACE((g)->e, "pm", "step", "\"step\":\"%s\"", step)

/* Keeps the first failure of a sequence that goes on after it. */
static void first_error(int *ret, int r)
{
	if (r < 0 && *ret == 0)
		*ret = r;
}

/* ---- function drivers ---- */

enum pm_callback { PM_FREEZE, PM_THAW, PM_POWEROFF, PM_RESTORE };

static const char *const callback_name[] = {
    [PM_FREEZE] = "freeze",
    [PM_THAW] = "thaw",
    [PM_POWEROFF] = "poweroff",
    [PM_RESTORE] = "restore",
};

/* dpm_run_callback(): the bound driver's callback, if it has one. A failure
 * the callback did not record itself is recorded here. */
static int driver_pm(struct gk *g, struct gk_pci_dev *d, enum pm_callback cb)
{
	const struct pci_driver *drv = d->driver;
	int (*fn)(struct gk *, struct gk_pci_dev *) = NULL;
	unsigned errors = g->errors->len;
	int r;

	if (!d->present || !d->bound || !drv)
		return 0;
	switch (cb) {
	case PM_FREEZE:
		fn = drv->freeze;
		break;
	case PM_THAW:
		fn = drv->thaw;
		break;
	case PM_POWEROFF:
		fn = drv->poweroff;
		break;
	case PM_RESTORE:
		fn = drv->restore;
		break;
	}
	if (!fn)
		return 0;
	r = fn(g, d);
	if (r < 0 && g->errors->len == errors)
		gk_fail(g, r, "%s: %s returned %d", d->name, callback_name[cb], r);
	return r;
}

/* Freeze stops at the first device that fails (the caller thaws the
 * *done before it); the other callbacks go on and return the first
 * failure. */
static int drivers_pm(struct gk *g, enum pm_callback cb, unsigned *done)
{
	int ret = 0;

	for (unsigned i = 0; i < g->k.nbuses; i++) {
		int r = driver_pm(g, &g->k.dev[i], cb);
		if (r < 0 && cb == PM_FREEZE) {
			*done = i;
			return r;
		}
		first_error(&ret, r);
	}
	*done = g->k.nbuses;
	return ret;
}

static int drivers_thaw(struct gk *g, unsigned n)
{
	int ret = 0;

	for (unsigned i = 0; i < n; i++)
		first_error(&ret, driver_pm(g, &g->k.dev[i], PM_THAW));
	return ret;
}

/* ---- the PCI side of the noirq phases ---- */

static int pci_freeze_noirq(struct gk *g)
{
	int r;

	for (unsigned i = 0; i < g->k.nbuses; i++)
		if ((r = pci_pm_freeze_noirq(g, &g->k.dev[i])) < 0)
			return r;
	return 0;
}

static int pci_resume_noirq(struct gk *g)
{
	int ret = 0;

	for (unsigned i = 0; i < g->k.nbuses; i++)
		first_error(&ret, pci_pm_resume_noirq(g, &g->k.dev[i]));
	return ret;
}

/*
 * The PM core runs the noirq callbacks of async-capable devices in parallel
 * (one async job per device) and waits for all of them before the next
 * phase. Each bridge's callback is a task of its own here, so when two
 * bridges' replies arrive at the same instant, which runs first is a choice
 * point decided by the seed. Bridges record their own failures.
 */
struct bridge_job {
	struct gk *g;
	unsigned dev;
	bool resume;
	int ret;
	struct completion done;
};

static void bridge_job_fn(void *arg)
{
	struct bridge_job *j = arg;
	const struct hv_driver *drv = j->g->k.hv_dev[j->dev].drv;
	int (*fn)(struct gk *, unsigned) = j->resume ? drv->resume : drv->suspend;

	if (fn) {
		j->ret = fn(j->g, j->dev);
	} else {
		j->ret = -EOPNOTSUPP;
		gk_fail(j->g, j->ret, "vmbus: %s has no %s callback", drv->name,
		        j->resume ? "resume" : "suspend");
	}
	complete(j->g->e, &j->done);
}

#define ALL_BRIDGES UINT32_MAX
_Static_assert(GK_MAX_BUSES <= 32, "a set of bridges is a 32-bit mask");

/* Runs the bridges of `which` (a bit per bus); returns the first failure
 * and, in *ok if given, the bridges whose callback succeeded. */
static int bridges_pm_some(struct gk *g, bool resume, uint32_t which, uint32_t *ok)
{
	struct bridge_job jobs[GK_MAX_BUSES];
	struct task *tasks[GK_MAX_BUSES] = {0};
	int ret = 0;

	if (ok)
		*ok = 0;
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		if (!g->k.hv_dev[i].drv || !(which & (1u << i)))
			continue;
		jobs[i] = (struct bridge_job){.g = g, .dev = i, .resume = resume};
		completion_init(&jobs[i].done,
		                resume ? "async resume_noirq" : "async suspend_noirq");
		tasks[i] = task_spawn(g->e, resume ? "hv_pci resume" : "hv_pci suspend",
		                      bridge_job_fn, &jobs[i]);
	}
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		if (!tasks[i])
			continue;
		/* No timeout: the wait ends only when the job completes. */
		first_error(&ret, completion_wait(g->e, &jobs[i].done, 0));
		first_error(&ret, jobs[i].ret);
		if (ok && jobs[i].ret == 0)
			*ok |= 1u << i;
		if (task_done(tasks[i]))
			task_reap(g->e, tasks[i]);
	}
	return ret;
}

static int bridges_pm(struct gk *g, bool resume)
{
	return bridges_pm_some(g, resume, ALL_BRIDGES, NULL);
}

/* ---- the VMBus bus itself ---- */

/*
 * vmbus_bus_suspend() and vmbus_bus_resume(): the VMBus root device's noirq
 * callbacks, which run after every VMBus device's suspend (the bridges are
 * its children) and before their resume. Suspend posts UNLOAD and waits for
 * the host's answer (the host closes what is still open and takes its offers
 * back); resume makes contact again, asks for the offers and matches each to
 * the device it was by instance GUID: the relation id may have changed.
 */
struct vmbus_conn_wait {
	struct gk *g;
	uint32_t want; /* the message that ends the wait */
	struct completion done;
	bool version_supported;
	bool matched[GK_MAX_BUSES];
};

static void vmbus_on_message(void *ctx, const struct gabi_vmbus_msg *m)
{
	struct vmbus_conn_wait *w = ctx;
	struct gk *g = w->g;

	if (m->type == GABI_CHANNELMSG_VERSION_RESPONSE)
		w->version_supported = m->version_supported;
	if (m->type == GABI_CHANNELMSG_OFFERCHANNEL) {
		for (unsigned i = 0; i < g->k.nbuses; i++) {
			struct gk_hv_dev *h = &g->k.hv_dev[i];
			if (memcmp(h->instance_guid, m->offer.instance_guid, 16) != 0)
				continue;
			TRACE(g->e, "hv_vmbus", "offer-matched",
			      "\"dev\":%u,\"channel\":%u,\"was\":%u", i, m->offer.channel,
			      h->channel);
			if (h->channel != m->offer.channel)
				tp_hit(g->e, TP_RELID_CHANGED, NULL);
			h->channel = m->offer.channel;
			w->matched[i] = true;
		}
	}
	if (m->type == w->want)
		complete(g->e, &w->done);
}

/* Posts m and waits for the host's message `want`. */
static int vmbus_exchange(struct gk *g, struct vmbus_conn_wait *w, uint32_t type, uint32_t want)
{
	struct gabi_vmbus_msg m = {.type = type, .version = GABI_VMBUS_VERSION_WIN10_V5_3};
	int r;

	w->want = want;
	completion_init(&w->done, "vmbus message");
	gabi_vmbus_set_message_handler(g->vm, vmbus_on_message, w);
	r = gabi_vmbus_post_message(g->vm, &m);
	/* No timeout: the kernel waits for the host's answer. */
	if (r == 0)
		r = completion_wait(g->e, &w->done, 0);
	gabi_vmbus_set_message_handler(g->vm, NULL, NULL);
	return r;
}

static int vmbus_bus_suspend(struct gk *g)
{
	struct vmbus_conn_wait w = {.g = g};
	int r = vmbus_exchange(g, &w, GABI_CHANNELMSG_UNLOAD, GABI_CHANNELMSG_UNLOAD_RESPONSE);

	if (r < 0)
		gk_fail(g, r, "vmbus: UNLOAD failed (%d)", r);
	else
		TRACE(g->e, "hv_vmbus", "unloaded", "\"devices\":%u", g->k.nbuses);
	return r;
}

#define VMBUS_RESUME_WAIT_NS (10 * NSEC_PER_SEC)

static int vmbus_bus_resume(struct gk *g)
{
	struct vmbus_conn_wait w = {.g = g};
	unsigned missing = 0;
	int r;

	r = vmbus_exchange(g, &w, GABI_CHANNELMSG_INITIATE_CONTACT,
	                   GABI_CHANNELMSG_VERSION_RESPONSE);
	if (r == 0 && !w.version_supported)
		r = -EPROTO;
	if (r < 0) {
		gk_fail(g, r, "vmbus: cannot make contact again (%d)", r);
		return r;
	}
	if ((r = vmbus_exchange(g, &w, GABI_CHANNELMSG_REQUESTOFFERS,
	                        GABI_CHANNELMSG_ALLOFFERS_DELIVERED)) < 0) {
		gk_fail(g, r, "vmbus: requesting offers failed (%d)", r);
		return r;
	}
	for (unsigned i = 0; i < g->k.nbuses; i++)
		missing += !w.matched[i];
	if (missing) {
		/* the kernel waits 10 s for the rest, then says so and goes on */
		task_sleep(g->e, VMBUS_RESUME_WAIT_NS);
		TRACE(g->e, "hv_vmbus", "missing",
		      "\"msg\":\"Some vmbus device is missing after suspending?\",\"devices\":%u",
		      missing);
	}
	TRACE(g->e, "hv_vmbus", "resumed", "\"devices\":%u", g->k.nbuses - missing);
	return 0;
}

/* freeze_secondary_cpus(): sets *frozen to the CPUs it took down, for the
 * matching enable; stops at the first CPU that refuses to go. */
static int secondary_cpus_down(struct gk *g, struct gk_cpumask *frozen)
{
	cpumask_clear(frozen);
	for (unsigned c = 1; c < g->k.ncpus; c++) {
		int r;

		if (!g->k.cpu_online[c])
			continue;
		if ((r = gk_cpu_down(g, c)) < 0) {
			TRACE(g->e, "pm", "cpus-not-disabled",
			      "\"msg\":\"Error taking CPU%u down: %d\"", c, r);
			return r;
		}
		cpumask_set_cpu(c, frozen);
	}
	return 0;
}

static void secondary_cpus_up(struct gk *g, const struct gk_cpumask *frozen)
{
	for (unsigned c = 1; c < g->k.ncpus; c++)
		if (cpumask_test_cpu(c, frozen))
			gk_cpu_up(g, c);
}

/* ---- boot ---- */

/* A fresh kernel: CPUs up, every VMBus offer a driver claims probed. The
 * boot kernel of a resume loads the image before PCI drivers register. */
static int boot_kernel(struct gk *g, bool pci_drivers)
{
	unsigned n = gabi_vmbus_offer_count(g->vm);
	int ret = 0;

	gk_kernel_assign(&g->k, NULL);
	g->powered_off = false;
	g->k.ncpus = MIN(gabi_vcpu_count(g->vm), GK_MAX_CPUS);
	gk_boot_cpu_online(g);
	g->k.pci_drivers_loaded = pci_drivers;
	gabi_set_interrupt_entry(g->vm, gk_interrupt, g);
	for (unsigned c = 1; c < g->k.ncpus; c++)
		gk_cpu_up(g, c);
	for (unsigned i = 0; i < n && g->k.nbuses < GK_MAX_BUSES; i++) {
		struct gabi_offer o;
		const struct hv_driver *drv;
		int r = gabi_vmbus_offer(g->vm, i, &o);

		if (r < 0) {
			gk_fail(g, r, "vmbus: offer %u of %u cannot be read (%d)", i, n, r);
			first_error(&ret, r);
			continue;
		}
		if (!(drv = gk_vmbus_driver_for(g, o.class_guid)))
			continue;
		g->k.hv_dev[g->k.nbuses].channel = o.channel;
		memcpy(g->k.hv_dev[g->k.nbuses].instance_guid, o.instance_guid, 16);
		g->k.hv_dev[g->k.nbuses++].drv = drv;
	}
	for (unsigned i = 0; i < g->k.nbuses; i++) {
		const struct hv_driver *drv = g->k.hv_dev[i].drv;
		unsigned errors = g->errors->len;
		int r = drv->probe(g, i);

		if (r < 0) {
			g->k.hv_dev[i].drv = NULL;
			if (g->errors->len == errors)
				gk_fail(g, r,
				        "vmbus: probe of device %u with %s failed with error %d", i,
				        drv->name, r);
			first_error(&ret, r);
		}
	}
	TRACE(g->e, "guest", "booted", "\"cpus\":%u,\"buses\":%u,\"drivers\":%s", g->k.ncpus,
	      g->k.nbuses, pci_drivers ? "true" : "false");
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
	return gk_cpu_down(g, cpu);
}

int gk_cpu_online(struct gk *g, unsigned cpu)
{
	if (!g || cpu >= g->k.ncpus)
		return -EINVAL;
	gk_cpu_up(g, cpu);
	return 0;
}

/* ---- hibernation ---- */

/* freeze_noirq failed ("Some devices failed to power down, aborting"): the
 * PM core brings back what it had suspended, with the thaw callbacks
 * (PMSG_RECOVER): the bridges whose suspend succeeded, the PCI side, the
 * drivers. A bridge whose suspend failed is left as its failure left it.
 * The VM keeps running. */
static int hibernation_abort(struct gk *g, const char *why, uint32_t suspended, bool bus_suspended)
{
	int ret = 0;

	TRACE(g->e, "pm", "abort", "\"msg\":\"%s\",\"resume\":\"%#x\"", why, suspended);
	if (bus_suspended)
		first_error(&ret, vmbus_bus_resume(g));
	first_error(&ret, bridges_pm_some(g, true, suspended, NULL));
	first_error(&ret, pci_resume_noirq(g));
	resume_device_irqs(g);
	first_error(&ret, drivers_thaw(g, g->k.nbuses));
	return ret;
}

int gk_hibernate(struct gk *g)
{
	struct gk_cpumask frozen;
	uint32_t suspended = 0;
	unsigned done, errors_before;
	int ret = 0, r;

	if (!g)
		return -EINVAL;
	errors_before = g->errors->len;
	g->have_image = false; /* a new attempt overwrites the image signature */
	gk_phase(g, PHASE_HIBERNATE, true);
	PM_STEP(g, "freeze");
	if ((r = drivers_pm(g, PM_FREEZE, &done)) < 0) {
		/* hibernation aborts: the devices frozen before come back; their
		 * failures were recorded, the freeze failure is the result */
		(void)drivers_thaw(g, done);
		gk_hibernation_aborted(g, r, errors_before);
		ret = r;
		goto out;
	}
	PM_STEP(g, "freeze_noirq");
	suspend_device_irqs(g);
	r = pci_freeze_noirq(g);
	if (r == 0)
		r = bridges_pm_some(g, false, ALL_BRIDGES, &suspended);
	/* the VMBus bus is the bridges' parent: its suspend comes after theirs */
	if (r == 0)
		r = vmbus_bus_suspend(g);
	if (r < 0) {
		/* the abort's own failures were recorded where they arose; the
		 * hibernation returns the error that stopped it */
		(void)hibernation_abort(g, "Some devices failed to power down, aborting", suspended,
		                        false);
		gk_hibernation_aborted(g, r, errors_before);
		ret = r;
		goto out;
	}
	if ((r = secondary_cpus_down(g, &frozen)) < 0) {
		/* create_image() gives up: the CPUs that went come back, then
		 * every device is brought back as after a failed freeze */
		secondary_cpus_up(g, &frozen);
		(void)hibernation_abort(g, "Non-boot CPUs are not disabled", suspended, true);
		gk_hibernation_aborted(g, r, errors_before);
		ret = r;
		goto out;
	}

	PM_STEP(g, "snapshot");
	gk_kernel_assign(&g->image, &g->k);
	g->have_image = true;

	secondary_cpus_up(g, &frozen);
	PM_STEP(g, "thaw_noirq");
	first_error(&ret, vmbus_bus_resume(g));
	first_error(&ret, bridges_pm(g, true));
	first_error(&ret, pci_resume_noirq(g));
	resume_device_irqs(g);
	PM_STEP(g, "thaw");
	first_error(&ret, drivers_pm(g, PM_THAW, &done));

	PM_STEP(g, "write-image");
	task_sleep(g->e, IMAGE_WRITE_NS);

	/* Failures from here on do not stop the power-off, as in the kernel. */
	PM_STEP(g, "poweroff");
	first_error(&ret, drivers_pm(g, PM_POWEROFF, &done));
	PM_STEP(g, "poweroff_noirq");
	suspend_device_irqs(g);
	first_error(&ret, bridges_pm(g, false));
	first_error(&ret, vmbus_bus_suspend(g));
	/* power_down() stops the other CPUs whatever their vectors */
	(void)secondary_cpus_down(g, &frozen);
	PM_STEP(g, "S4");
	g->powered_off = true;
	gabi_power_off(g->vm);
out:
	gk_phase(g, PHASE_HIBERNATE, false);
	return ret;
}

int gk_resume(struct gk *g)
{
	struct gk_cpumask frozen;
	unsigned done;
	int ret = 0;

	if (!g)
		return -EINVAL;
	if (!g->powered_off && !g->have_image) {
		/* The hibernation before aborted and the VM never went down:
		 * no boot, no image, the running kernel simply goes on. */
		TRACE(g->e, "pm", "no-image", "\"msg\":\"the VM is running: nothing to resume\"");
		return 0;
	}
	if (!g->have_image) {
		gk_fail(g, -ENOENT, "resume: there is no hibernation image");
		return -ENOENT;
	}
	gk_phase(g, PHASE_RESUME, true);
	PM_STEP(g, "boot-kernel");
	first_error(&ret, boot_kernel(g, false));
	PM_STEP(g, "quiesce");
	suspend_device_irqs(g);
	/* A kernel whose quiesce failed would give up the image and run on;
	 * the model records the failure and jumps anyway, so that the image
	 * kernel can still be judged. */
	first_error(&ret, pci_freeze_noirq(g));
	first_error(&ret, bridges_pm(g, false));
	first_error(&ret, vmbus_bus_suspend(g));
	first_error(&ret, secondary_cpus_down(g, &frozen));

	PM_STEP(g, "jump-to-image");
	g->have_image = false; /* the signature is reset once the image is read */
	gk_kernel_assign(&g->k, &g->image);
	g->k.is_image_kernel = true;
	cpumask_clear(&frozen);
	for (unsigned c = 1; c < g->k.ncpus; c++)
		if (!g->k.cpu_online[c])
			cpumask_set_cpu(c, &frozen);
	secondary_cpus_up(g, &frozen);
	PM_STEP(g, "restore_noirq");
	first_error(&ret, vmbus_bus_resume(g));
	first_error(&ret, bridges_pm(g, true));
	first_error(&ret, pci_resume_noirq(g));
	resume_device_irqs(g);
	PM_STEP(g, "restore");
	first_error(&ret, drivers_pm(g, PM_RESTORE, &done));
	gk_phase(g, PHASE_RESUME, false);
	return ret;
}
