/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The embedded simulator as a backend: the host model (vmbus-sim/) and the
 * guest model (pcifront/) in this process, on one engine. This file is the
 * only place in the harness that knows both models' headers; it turns
 * their state into the observation API.
 */
#include "backend.h"

#include <errno.h>
#include <string.h>

#include "../pcifront/pcifront.h"
#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/fault.h"
#include "../vmbus-sim/trace.h"
#include "../vmbus-sim/vm.h"
#include "../vmbus-sim/vmbus.h"

/* A guest operation under way: its task and what it returns. */
struct guest_call_arg {
	struct gk *g;
	struct backend_guest_call c;
	int result;
};

struct sim {
	struct engine *e;
	struct faults *f;
	struct hv_vm *vm;
	struct gk *g;
	unsigned ndevices;
	char **names;
	struct observation obs;
	struct task *op_task; /* the guest operation under way, or NULL */
	struct guest_call_arg op;
	/* Where the last remap_get found its entry, while the table has not
	 * changed: reading entries 0, 1, 2, ... is one walk, not one each. */
	uint64_t remap_changes;
	unsigned remap_i, remap_slot;
	bool remap_cursor;
};

static const struct observation_ops sim_observation;

static uint8_t class_of(enum driver_model m, unsigned i)
{
	/* display controller for GPU-like drivers, NVMe otherwise */
	return m == DRIVER_KEEP_VECTORS ? (i == 2 ? 0x03 : 0x00)
	                                : (i == 2 ? 0x01 : (i == 1 ? 0x08 : 0x02));
}

static void sim_destroy(void *b)
{
	struct sim *s = b;

	if (!s)
		return;
	gk_free(s->g);
	hv_vm_free(s->vm);
	faults_free(s->f);
	engine_free(s->e);
	g_strfreev(s->names);
	g_free(s);
}

static void *sim_create(const struct scenario *sc, const struct backend_config *cfg, GError **error)
{
	struct sim *s = g_new0(struct sim, 1);
	struct hv_vm_config vc = {
	    .vcpus = sc->vcpus, .max_protocol = sc->protocol, .host = sc->host};

	s->e = engine_new(cfg->seed);
	if (cfg->trace)
		engine_set_trace(s->e, cfg->trace);
	s->f = faults_new(s->e);
	for (unsigned i = 0; i < sc->nfaults; i++)
		faults_add(s->f, &sc->faults[i].rule);
	s->vm = hv_vm_new(s->e, s->f, &vc);
	s->g = gk_new(s->e, s->vm, sc->behaviours);
	s->names = g_new0(char *, sc->ndevices + 1);
	for (unsigned i = 0; i < sc->ndevices; i++) {
		const struct scn_device *d = &sc->devices[i];
		struct pcidev_config pc = {
		    .name = d->name,
		    .vendor_id = d->vendor_id,
		    .device_id = d->device_id,
		    .class_code = {class_of(d->driver, 0), class_of(d->driver, 1),
		                   class_of(d->driver, 2)},
		    .msix_vectors = d->vectors,
		    .serial = i + 1,
		    .layout = d->layout,
		    .msi_vectors = d->msi ? d->vectors : 1,
		    .msi_no_maskbits = d->msi_no_maskbits,
		};
		int r = hv_vm_add_device(s->vm, &pc);
		if (r >= 0)
			r = gk_set_driver(s->g, i, d->name, d->driver, d->vectors);
		if (r < 0) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA,
			            "%s: device %s cannot be built: %s", sc->file, d->name,
			            g_strerror(-r));
			sim_destroy(s);
			return NULL;
		}
		s->names[i] = g_strdup(d->name);
	}
	s->ndevices = sc->ndevices;
	s->obs = (struct observation){&sim_observation, s};
	return s;
}

static bool sim_supports(const struct scenario *sc, const struct scn_step *st, char **why)
{
	(void)sc;
	(void)st;
	(void)why;
	return true; /* the simulator does every step */
}

static struct engine *sim_engine(void *b)
{
	return ((struct sim *)b)->e;
}

/* ---- guest operations as tasks ---- */

static void guest_task(void *arg)
{
	struct guest_call_arg *a = arg;

	switch (a->c.op) {
	case BACKEND_BOOT:
		a->result = gk_boot(a->g);
		break;
	case BACKEND_HIBERNATE:
		a->result = gk_hibernate(a->g);
		break;
	case BACKEND_RESUME:
		a->result = gk_resume(a->g);
		break;
	case BACKEND_CPU_OFFLINE:
		a->result = gk_cpu_offline(a->g, a->c.cpu);
		break;
	case BACKEND_CPU_ONLINE:
		a->result = gk_cpu_online(a->g, a->c.cpu);
		break;
	case BACKEND_SET_AFFINITY: {
		struct gk_cpumask m;

		G_STATIC_ASSERT(OBS_CPUMASK_WORDS == GK_CPUMASK_WORDS);
		for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
			m.bits[w] = a->c.cpus.bits[w];
		a->result = gk_irq_set_affinity(a->g, a->c.dev, a->c.vector, &m);
		break;
	}
	}
}

/* Starts a guest operation as a task (boot and resume power on first). */
static void sim_guest_begin(void *b, const struct backend_guest_call *c)
{
	static const char *const names[] = {
	    [BACKEND_BOOT] = "boot",
	    [BACKEND_HIBERNATE] = "hibernate",
	    [BACKEND_RESUME] = "resume",
	    [BACKEND_CPU_OFFLINE] = "cpu-offline",
	    [BACKEND_CPU_ONLINE] = "cpu-online",
	    [BACKEND_SET_AFFINITY] = "set-affinity",
	};
	struct sim *s = b;
	enum backend_guest_op op = c->op;

	g_assert(!s->op_task);
	/* After an aborted hibernation the VM is still running: nothing to
	 * power on, and the guest finds no image. */
	if ((op == BACKEND_BOOT || op == BACKEND_RESUME) && !hv_vm_powered(s->vm))
		hv_vm_power_on(s->vm);
	s->op = (struct guest_call_arg){.g = s->g, .c = *c, .result = -EINPROGRESS};
	s->op_task = task_spawn(s->e, names[op], guest_task, &s->op);
}

static bool sim_run_one(void *b, uint64_t limit)
{
	return engine_step(((struct sim *)b)->e, limit);
}

/* Once the world is quiet: false if the task could not finish. */
static bool sim_guest_end(void *b, int *result)
{
	struct sim *s = b;
	struct task *t = s->op_task;
	bool done;

	g_assert(t);
	done = task_done(t);
	if (done)
		task_reap(s->e, t);
	s->op_task = NULL;
	*result = s->op.result;
	return done;
}

/* Runs a guest operation as a task until the world is quiet. */
static bool run_guest(struct sim *s, enum backend_guest_op op, unsigned cpu, int *result)
{
	struct backend_guest_call c = {.op = op, .cpu = cpu};

	sim_guest_begin(s, &c);
	engine_run(s->e);
	return sim_guest_end(s, result);
}

static bool sim_boot(void *b, int *result)
{
	return run_guest(b, BACKEND_BOOT, 0, result);
}

static bool sim_hibernate(void *b, int *result)
{
	return run_guest(b, BACKEND_HIBERNATE, 0, result);
}

static bool sim_resume(void *b, int *result)
{
	return run_guest(b, BACKEND_RESUME, 0, result);
}

static bool sim_cpu_offline(void *b, unsigned cpu, int *result)
{
	return run_guest(b, BACKEND_CPU_OFFLINE, cpu, result);
}

static bool sim_cpu_online(void *b, unsigned cpu, int *result)
{
	return run_guest(b, BACKEND_CPU_ONLINE, cpu, result);
}

static bool sim_set_affinity(void *b, unsigned dev, unsigned vector, const struct obs_cpumask *cpus,
                             int *result)
{
	struct sim *s = b;
	struct backend_guest_call c = {
	    .op = BACKEND_SET_AFFINITY, .dev = dev, .vector = vector, .cpus = *cpus};

	sim_guest_begin(s, &c);
	engine_run(s->e);
	return sim_guest_end(s, result);
}

static void sim_fire(void *b, unsigned dev, unsigned vector)
{
	struct sim *s = b;

	if (dev < s->ndevices)
		hv_vm_fire(s->vm, dev, vector);
}

static void sim_settle(void *b)
{
	engine_run(((struct sim *)b)->e);
}

static void sim_advance(void *b, uint64_t ns)
{
	engine_run_for(((struct sim *)b)->e, ns);
}

static bool sim_set_fault(void *b, const char *name, bool enabled)
{
	return faults_set_enabled(((struct sim *)b)->f, name, enabled);
}

static bool sim_add_fault(void *b, const struct fault_rule *rule)
{
	faults_add(((struct sim *)b)->f, rule);
	return true;
}

static const struct observation *sim_observe(void *b)
{
	return &((struct sim *)b)->obs;
}

/* ---- the observation API over both models ---- */

static void obs_sim_vm(void *b, struct obs_vm *out)
{
	struct sim *s = b;

	out->powered = hv_vm_powered(s->vm);
	out->last_power_off = hv_vm_last_power_off(s->vm);
	out->vcpus = hv_vm_vcpu_count(s->vm);
}

static bool obs_sim_vcpu_online(void *b, unsigned vcpu)
{
	return hv_vm_vcpu_online(((struct sim *)b)->vm, vcpu);
}

static unsigned obs_sim_device_count(void *b)
{
	return ((struct sim *)b)->ndevices;
}

static bool obs_sim_device(void *b, unsigned dev, struct obs_device *out)
{
	struct sim *s = b;
	struct pcidev *d;
	struct gk_dev_view gv;

	if (dev >= s->ndevices)
		return false;
	d = hv_vm_device(s->vm, dev);
	memset(out, 0, sizeof(*out));
	out->name = s->names[dev];
	out->logical_id = hv_vm_device_logical_id(s->vm, dev);
	out->pm_state = pcidev_pm_state(d);
	out->command = pcidev_command(d);
	out->msix_enabled = pcidev_msix_enabled(d);
	out->msix_function_masked = pcidev_msix_function_masked(d);
	out->msi_enabled = pcidev_msi_enabled(d);
	out->msix_table_size = pcidev_has_msix(d) ? d->msix_n : pcidev_msi_capable(d);
	out->msi_only = !pcidev_has_msix(d);
	out->msi_capable = pcidev_msi_capable(d);
	out->msi_enabled_count = pcidev_msi_enabled_count(d);
	out->msi_maskbits = pcidev_msi_has_maskbits(d);
	if (out->msi_only || out->msi_enabled) {
		for (unsigned i = 0; i < out->msi_enabled_count; i++) {
			bool masked, pending;
			pcidev_msi_vector(d, i, i ? NULL : &out->msi_address,
			                  i ? NULL : &out->msi_data, &masked, &pending);
			out->msi_mask |= (uint32_t)masked << i;
			out->msi_pending |= (uint32_t)pending << i;
		}
	}
	out->host_rejected = hv_vm_bus_rejected(s->vm, dev);
	if (gk_view_device(s->g, dev, &gv)) {
		out->guest_present = gv.present;
		out->guest_bound = gv.bound;
		out->guest_bus_installed = gv.bus_installed;
		out->guest_d0 = gv.d0;
		out->protocol_version = gv.protocol_version;
		out->guest_rejected = gv.invalid_packets;
		out->guest_msix_enabled = gv.msix_enabled;
		out->guest_nvec = gv.nvec;
		out->guest_msi_enabled = gv.msi_enabled;
	}
	return true;
}

static bool obs_sim_msix_entry(void *b, unsigned dev, unsigned i, struct obs_msix_entry *out)
{
	struct sim *s = b;
	struct pcidev *d = dev < s->ndevices ? hv_vm_device(s->vm, dev) : NULL;

	if (d && !pcidev_has_msix(d)) {
		if (i >= pcidev_msi_capable(d))
			return false;
		pcidev_msi_vector(d, i, &out->address, &out->data, &out->masked, &out->pending);
		return true;
	}
	if (!d || i >= d->msix_n)
		return false;
	pcidev_msix_entry(d, i, &out->address, &out->data, &out->masked);
	out->pending = pcidev_msix_pending(d, i);
	return true;
}

static bool obs_sim_irq(void *b, unsigned dev, unsigned vector, struct obs_irq *out)
{
	struct sim *s = b;
	struct gk_irq_view v;

	if (!gk_view_irq(s->g, dev, vector, &v))
		return false;
	*out = (struct obs_irq){
	    .irq = v.irq,
	    .activated = v.activated,
	    .requested = v.requested,
	    .disable_depth = v.disable_depth,
	    .masked = v.masked,
	    .pending = v.pending,
	    .cpu = v.cpu,
	    .vector = v.vector,
	    .count = v.count,
	    .has_chip_data = v.has_chip_data,
	    .msg_address = v.msg_address,
	    .msg_data = v.msg_data,
	    .cached_masked = v.cached_masked,
	    .affinity_known = true,
	    .managed = v.managed,
	    .managed_shutdown = v.managed_shutdown,
	    .suspended = v.suspended,
	};
	G_STATIC_ASSERT(OBS_CPUMASK_WORDS == GK_CPUMASK_WORDS);
	for (unsigned w = 0; w < OBS_CPUMASK_WORDS; w++) {
		out->affinity.bits[w] = v.affinity.bits[w];
		out->effective.bits[w] = v.effective.bits[w];
	}
	return true;
}

static int obs_sim_vector_owner(void *b, unsigned cpu, unsigned vector)
{
	return gk_view_vector_owner(((struct sim *)b)->g, cpu, vector);
}

static uint64_t obs_sim_handled(void *b, unsigned dev, unsigned vector)
{
	return gk_view_handled(((struct sim *)b)->g, dev, vector);
}

static void remap_from(const struct irte *e, struct obs_remap *out)
{
	*out = (struct obs_remap){
	    .device_id = e->device_id,
	    .address = e->address,
	    .data = e->data,
	    .count = e->count,
	    .vcpu = e->vcpu,
	    .vector = e->vector,
	    .created_at = e->created_at,
	};
}

static bool obs_sim_remap_lookup(void *b, unsigned dev, uint64_t address, uint32_t data,
                                 struct obs_remap *out)
{
	struct sim *s = b;
	struct irte *e;

	if (dev >= s->ndevices)
		return false;
	e = irte_lookup(hv_vm_irte(s->vm), hv_vm_device_logical_id(s->vm, dev), address, data);
	if (!e)
		return false;
	remap_from(e, out);
	return true;
}

static unsigned obs_sim_remap_count(void *b)
{
	return irte_count(hv_vm_irte(((struct sim *)b)->vm));
}

/* The i-th live entry in table order. */
static bool obs_sim_remap_get(void *b, unsigned i, struct obs_remap *out)
{
	struct sim *s = b;
	const struct irte_table *t = hv_vm_irte(s->vm);
	unsigned k = 0, want = i;

	if (s->remap_cursor && s->remap_changes == t->changes && i >= s->remap_i) {
		k = s->remap_slot; /* entry remap_i is in slot remap_slot */
		i -= s->remap_i;
	}
	for (; k < t->top; k++) {
		const struct irte *e = irte_used(t, k);
		if (!e || i-- != 0)
			continue;
		remap_from(e, out);
		s->remap_cursor = true;
		s->remap_changes = t->changes;
		s->remap_i = want;
		s->remap_slot = k;
		return true;
	}
	return false;
}

static unsigned obs_sim_fire_count(void *b)
{
	return hv_vm_fire_count(((struct sim *)b)->vm);
}

static bool obs_sim_fire(void *b, unsigned id, struct obs_fire *out)
{
	const struct fire_record *r = hv_vm_fire_record(((struct sim *)b)->vm, id);
	static const enum obs_fire_outcome outcome[] = {
	    [FIRE_OUT_PENDING] = OBS_FIRE_PENDING,     /* masked in the device */
	    [FIRE_OUT_IN_FLIGHT] = OBS_FIRE_IN_FLIGHT, /* remapped */
	    [FIRE_OUT_DELIVERED] = OBS_FIRE_DELIVERED, /* the guest's entry ran */
	    [FIRE_OUT_LOST] = OBS_FIRE_LOST,           /* dropped */
	    [FIRE_OUT_DMA_WRITE] = OBS_FIRE_DMA_WRITE, /* memory, not an interrupt */
	};

	if (!r)
		return false;
	*out = (struct obs_fire){
	    .id = r->id,
	    .dev = r->dev,
	    .vector = r->vector,
	    .time = r->time,
	    .outcome = outcome[r->outcome],
	    .address = r->address,
	    .data = r->data,
	    .vcpu = r->vcpu,
	    .guest_vector = r->guest_vector,
	    .done_time = r->done_time,
	    .reason = r->reason,
	};
	return true;
}

/* The oracle is done with them: the host frees what it does not need
 * itself, so that fire records stay bounded over long runs. */
static void obs_sim_fire_release(void *b, unsigned below, const unsigned *keep, unsigned nkeep)
{
	hv_vm_fire_records_release(((struct sim *)b)->vm, below, keep, nkeep);
}

static unsigned obs_sim_guest_error_count(void *b)
{
	return gk_error_count(((struct sim *)b)->g);
}

static bool obs_sim_guest_error(void *b, unsigned i, struct obs_guest_error *out)
{
	const struct gk_error *err = gk_error_get(((struct sim *)b)->g, i);

	if (!err)
		return false;
	*out = (struct obs_guest_error){err->time,
	                                err->phase,
	                                err->task,
	                                err->err,
	                                err->message,
	                                err->hibernation_aborted,
	                                err->in_aborted_hibernation};
	return true;
}

struct blocked_ctx {
	obs_task_fn fn;
	void *ctx;
};

static void blocked_one(struct task *t, const char *waiting_on, void *arg)
{
	struct blocked_ctx *c = arg;

	c->fn(c->ctx, task_name(t), waiting_on);
}

static void obs_sim_blocked_tasks(void *b, obs_task_fn fn, void *ctx)
{
	struct blocked_ctx c = {fn, ctx};

	engine_for_each_blocked(((struct sim *)b)->e, blocked_one, &c);
}

struct tasks_ctx {
	obs_task_state_fn fn;
	void *ctx;
};

static void task_one(struct task *t, const char *state, const char *waiting_on, bool daemon,
                     void *arg)
{
	struct tasks_ctx *c = arg;
	struct obs_task ot = {task_name(t), state, waiting_on, daemon};

	c->fn(c->ctx, &ot);
}

static void obs_sim_tasks(void *b, obs_task_state_fn fn, void *ctx)
{
	struct tasks_ctx c = {fn, ctx};

	engine_for_each_task(((struct sim *)b)->e, task_one, &c);
}

static unsigned obs_sim_fault_count(void *b)
{
	return faults_rule_count(((struct sim *)b)->f);
}

static bool obs_sim_fault(void *b, unsigned i, struct obs_fault *out)
{
	struct fault_rule r;
	unsigned hits, fired;

	if (!faults_rule_get(((struct sim *)b)->f, i, &r, &hits, &fired))
		return false;
	*out = (struct obs_fault){
	    .name = r.name,
	    .point = fault_point_name(r.point),
	    .mode = fault_mode_name(r.mode),
	    .n = r.n,
	    .probability = r.probability,
	    .phase = r.phase >= 0 ? phase_name((enum phase)r.phase) : NULL,
	    .enabled = r.enabled,
	    .status_set = r.status_set,
	    .status = r.status_set ? r.status : fault_point_default_status(r.point),
	    .hits = hits,
	    .fired = fired,
	    .point_hits = fault_hits(((struct sim *)b)->f, r.point),
	};
	return true;
}

static bool obs_sim_channel(void *b, unsigned dev, struct obs_channel *out)
{
	struct sim *s = b;
	const struct vmbus_channel *ch;

	if (dev >= s->ndevices)
		return false;
	ch = hv_vm_channel(s->vm, dev);
	*out = (struct obs_channel){
	    .offered = ch->offered,
	    .open = ch->open,
	    .rescinded = ch->rescinded,
	    .packets_to_host = ch->packets_to_host,
	    .packets_to_guest = ch->packets_to_guest,
	};
	return true;
}

static const struct observation_ops sim_observation = {
    .vm = obs_sim_vm,
    .vcpu_online = obs_sim_vcpu_online,
    .device_count = obs_sim_device_count,
    .device = obs_sim_device,
    .msix_entry = obs_sim_msix_entry,
    .irq = obs_sim_irq,
    .vector_owner = obs_sim_vector_owner,
    .handled = obs_sim_handled,
    .remap_lookup = obs_sim_remap_lookup,
    .remap_count = obs_sim_remap_count,
    .remap_get = obs_sim_remap_get,
    .fire_count = obs_sim_fire_count,
    .fire = obs_sim_fire,
    .fire_release = obs_sim_fire_release,
    .guest_error_count = obs_sim_guest_error_count,
    .guest_error = obs_sim_guest_error,
    .blocked_tasks = obs_sim_blocked_tasks,
    .tasks = obs_sim_tasks,
    .fault_count = obs_sim_fault_count,
    .fault = obs_sim_fault,
    .channel = obs_sim_channel,
};

const struct backend_ops backend_sim = {
    .name = "sim",
    .create = sim_create,
    .destroy = sim_destroy,
    .supports = sim_supports,
    .engine = sim_engine,
    .boot = sim_boot,
    .hibernate = sim_hibernate,
    .resume = sim_resume,
    .cpu_offline = sim_cpu_offline,
    .set_affinity = sim_set_affinity,
    .cpu_online = sim_cpu_online,
    .fire = sim_fire,
    .settle = sim_settle,
    .advance = sim_advance,
    .set_fault = sim_set_fault,
    .observe = sim_observe,
    .add_fault = sim_add_fault,
    .guest_begin = sim_guest_begin,
    .run_one = sim_run_one,
    .guest_end = sim_guest_end,
};
