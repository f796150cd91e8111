/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oracle.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "../vmbus-sim/engine.h"

/* Code that may sleep ran where it must not: the tracepoint says what. */
static void on_tracepoint(void *ctx, struct engine *e, enum tracepoint tp, const struct tp_args *a)
{
	struct oracle *o = ctx;
	struct task *t = task_current(e);

	if (tp != TP_SLEEP_IN_ATOMIC)
		return;
	if (!t)
		violation_report(o->vl, V_ATOMIC_SLEEP_IN_ATOMIC, a->what,
		                 "%s called from event (interrupt/tasklet) context, which may not "
		                 "sleep",
		                 a->what);
	else
		violation_report(
		    o->vl, V_ATOMIC_SLEEP_IN_ATOMIC, a->what,
		    "task %s called %s with a spinlock held or interrupts off (depth %u)",
		    task_name(t), a->what, task_atomic_depth(e));
}

void oracle_init(struct oracle *o, struct engine *e, const struct observation *obs)
{
	memset(o, 0, sizeof(*o));
	o->e = e;
	o->obs = obs;
	o->watch = g_array_new(FALSE, FALSE, sizeof(unsigned));
	o->vl = violation_list_new(e);
	o->ndev = obs_device_count(obs);
	o->nvec = g_new0(unsigned, o->ndev);
	o->handled = g_new0(uint64_t *, o->ndev);
	o->delivered = g_new0(unsigned *, o->ndev);
	for (unsigned d = 0; d < o->ndev; d++) {
		struct obs_device dv;
		if (obs_device(obs, d, &dv))
			o->nvec[d] = dv.msix_table_size;
		o->handled[d] = g_new0(uint64_t, o->nvec[d]);
		o->delivered[d] = g_new0(unsigned, o->nvec[d]);
	}
	g_assert(tp_register(e, on_tracepoint, o) == 0);
}

void oracle_fini(struct oracle *o)
{
	tp_unregister(o->e, on_tracepoint, o);
	for (unsigned d = 0; d < o->ndev; d++) {
		g_free(o->handled[d]);
		g_free(o->delivered[d]);
	}
	g_free(o->handled);
	g_free(o->delivered);
	g_free(o->nvec);
	violation_list_free(o->vl);
	g_array_free(o->watch, TRUE);
}

void oracle_rebaseline(struct oracle *o)
{
	if (!obs_has_handled(o->obs))
		return;
	for (unsigned d = 0; d < o->ndev; d++)
		for (unsigned v = 0; v < o->nvec[d]; v++)
			o->handled[d][v] = obs_handled(o->obs, d, v);
}

static const char *dev_name(struct oracle *o, unsigned dev)
{
	struct obs_device d;

	return obs_device(o->obs, dev, &d) && d.name ? d.name : "device";
}

/* Requested, enabled and started: a managed irq none of whose CPUs is
 * online is shut down and legitimately masked. */
static bool wants_interrupts(const struct obs_irq *i)
{
	return i->requested && !i->disable_depth && !i->managed_shutdown;
}

/* Judges one record; returns true if it must be looked at again later. */
/* "dev/vector": what a delivery violation is about. */
static const char *subject_of(struct oracle *o, const struct obs_fire *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u", dev_name(o, r->dev), r->vector);
	return buf;
}

static bool judge(struct oracle *o, const struct obs_fire *r)
{
/* Formatted only for a violation: most records are judged fine. */
#define SUBJECT subject_of(o, r, subject, sizeof(subject))
	char subject[64], t[32];
	struct obs_irq want;
	bool have = obs_irq(o->obs, r->dev, r->vector, &want);

	switch (r->outcome) {
	case OBS_FIRE_LOST:
	case OBS_FIRE_IN_FLIGHT: {
		char msg[64] = "";
		if (r->address || r->data)
			snprintf(msg, sizeof(msg), " as address %#" PRIx64 " data %#x", r->address,
			         r->data);
		violation_report(o->vl, V_DELIVERY_LOST, SUBJECT,
		                 "vector %u of %s fired at t=%s%s: %s; interrupt lost", r->vector,
		                 dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)), msg,
		                 r->reason && r->reason[0] ? r->reason : "it never arrived");
		return false;
	}
	case OBS_FIRE_DMA_WRITE:
		if (r->address != 0) {
			violation_report(
			    o->vl, V_DELIVERY_LOST, SUBJECT,
			    "vector %u of %s fired at t=%s: %s; no interrupt was raised", r->vector,
			    dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)), r->reason);
			return false;
		}
		violation_report(
		    o->vl, V_DELIVERY_DMA_TO_ZERO, SUBJECT,
		    "vector %u of %s fired at t=%s with address 0 in its MSI-X entry: "
		    "the device wrote %#x to guest physical address 0 (memory the guest "
		    "owns) and raised no interrupt",
		    r->vector, dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)),
		    r->data);
		return false;
	case OBS_FIRE_PENDING:
		if (!have || !wants_interrupts(&want))
			return true; /* masked because nobody wants it now: legitimate */
		violation_report(
		    o->vl, V_DELIVERY_STUCK_PENDING, SUBJECT,
		    "vector %u of %s fired at t=%s and stays pending in the device (%s) "
		    "although the guest has irq %u requested and enabled; it will "
		    "never be delivered",
		    r->vector, dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)),
		    r->reason, want.irq);
		return false;
	case OBS_FIRE_DELIVERED: {
		int got = obs_vector_owner(o->obs, r->vcpu, r->guest_vector);
		if (!have || got < 0 || (unsigned)got != want.irq) {
			char to[64] = "nothing (spurious)";
			if (got >= 0)
				snprintf(to, sizeof(to), "irq %d", got);
			violation_report(o->vl, V_DELIVERY_MISROUTED, SUBJECT,
			                 "vector %u of %s fired at t=%s reached CPU %u vector %#x, "
			                 "which the guest maps to %s%s",
			                 r->vector, dev_name(o, r->dev),
			                 engine_fmt_time(r->time, t, sizeof(t)), r->vcpu,
			                 r->guest_vector, to,
			                 have ? "" : "; the guest has no irq for it");
			return false;
		}
		if (r->dev < o->ndev && r->vector < o->nvec[r->dev])
			o->delivered[r->dev][r->vector]++;
		if (want.affinity_known && !obs_cpumask_test(&want.effective, r->vcpu))
			violation_report(o->vl, V_AFFINITY_OUTSIDE_EFFECTIVE, subject,
			                 "vector %u of %s fired at t=%s and was handled on CPU %u, "
			                 "outside the effective affinity of irq %u (CPU %u%s)",
			                 r->vector, dev_name(o, r->dev),
			                 engine_fmt_time(r->time, t, sizeof(t)), r->vcpu, want.irq,
			                 want.cpu, want.activated ? "" : ", not activated");
		return false;
	}
	case OBS_FIRE_COUNTED:
		/* Evidence from counts alone: the vector was raised and the
		 * guest's count of it either rose or did not. */
		if (r->count_after > r->count_before)
			return false;
		violation_report(
		    o->vl, V_DELIVERY_LOST, SUBJECT,
		    "vector %u of %s was made to fire at t=%s but the guest's count of "
		    "it did not rise: %s; interrupt lost",
		    r->vector, dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)),
		    r->reason && r->reason[0] ? r->reason : "no reason recorded");
		return false;
	}
	return false;
#undef SUBJECT
}

void oracle_check_delivery(struct oracle *o)
{
	unsigned n = obs_fire_count(o->obs);
	g_autoptr(GArray) still = g_array_new(FALSE, FALSE, sizeof(unsigned));
	struct obs_vm vm;
	struct obs_fire r;

	obs_vm(o->obs, &vm);
	for (guint k = 0; k < o->watch->len; k++) {
		unsigned id = g_array_index(o->watch, unsigned, k);
		if (!obs_fire(o->obs, id, &r))
			continue;
		if (r.outcome == OBS_FIRE_LOST && vm.last_power_off != OBS_NEVER &&
		    r.done_time == vm.last_power_off)
			continue; /* a legitimately pending vector dies with the VM */
		if (judge(o, &r))
			g_array_append_val(still, id);
	}
	for (unsigned id = o->next_record; id < n; id++)
		if (obs_fire(o->obs, id, &r) && judge(o, &r))
			g_array_append_val(still, id);
	o->next_record = n;
	g_array_set_size(o->watch, 0);
	g_array_append_vals(o->watch, still->data, still->len);
	/* Judged for good, apart from those still watched: the backend may free
	 * them (the simulator does: hv_vm_fire_records_release). */
	if (!o->keep_fires)
		obs_fire_release(o->obs, n, (const unsigned *)(void *)o->watch->data,
		                 o->watch->len);

	if (!obs_has_handled(o->obs))
		return; /* no one-for-one handler counts to compare with */
	for (unsigned d = 0; d < o->ndev; d++) {
		for (unsigned v = 0; v < o->nvec[d]; v++) {
			uint64_t now = obs_handled(o->obs, d, v);
			uint64_t delta = now - o->handled[d][v];
			if (now >= o->handled[d][v] && delta > o->delivered[d][v]) {
				char subject[64];
				snprintf(subject, sizeof(subject), "%s/%u", dev_name(o, d), v);
				violation_report(o->vl, V_DELIVERY_DUPLICATE, subject,
				                 "the handler of vector %u of %s ran %" PRIu64
				                 " times for %u delivered interrupts",
				                 v, dev_name(o, d), delta, o->delivered[d][v]);
			}
			o->handled[d][v] = now;
			o->delivered[d][v] = 0;
		}
	}
}

/* The dedup key of a per-vector violation; formatted only when one is
 * reported, since the checks run after every step. */
static const char *vector_subject(const char *dev, unsigned v, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u", dev, v);
	return buf;
}

static void check_vector(struct oracle *o, unsigned dev, const struct obs_device *hw, unsigned v)
{
	struct obs_msix_entry ent;
	struct obs_irq i;
	struct obs_remap e;
	const char *name = hw->name;
	char subject[64], t[32];

	if (!obs_irq(o->obs, dev, v, &i) || !obs_msix_entry(o->obs, dev, v, &ent))
		return;
	if (ent.masked != i.cached_masked)
		violation_report(o->vl, V_MASK_CACHE_MISMATCH,
		                 vector_subject(name, v, subject, sizeof(subject)),
		                 "vector %u of %s: the guest's cached Vector Control says %s, the "
		                 "device says %s",
		                 v, name, i.cached_masked ? "masked" : "unmasked",
		                 ent.masked ? "masked" : "unmasked");
	if (i.affinity_known && i.managed && i.requested && (i.managed_shutdown || !i.activated)) {
		unsigned online = ~0u;
		for (unsigned c = 0; c < 64 * OBS_CPUMASK_WORDS && online == ~0u; c++)
			if (obs_cpumask_test(&i.affinity, c) && obs_vcpu_online(o->obs, c))
				online = c;
		if (online != ~0u)
			violation_report(
			    o->vl, V_AFFINITY_MANAGED_NOT_STARTED,
			    vector_subject(name, v, subject, sizeof(subject)),
			    "vector %u of %s (irq %u) is managed and requested, and CPU "
			    "%u of its affinity is online, but it is %s; its interrupts "
			    "stay pending",
			    v, name, i.irq, online,
			    i.managed_shutdown ? "shut down" : "not activated");
	}
	if (i.affinity_known && i.requested && i.activated && !i.managed_shutdown &&
	    !obs_cpumask_test(&i.affinity, i.cpu)) {
		unsigned online = ~0u;
		for (unsigned c = 0; c < 64 * OBS_CPUMASK_WORDS && online == ~0u; c++)
			if (obs_cpumask_test(&i.affinity, c) && obs_vcpu_online(o->obs, c))
				online = c;
		if (online != ~0u)
			violation_report(
			    o->vl, V_AFFINITY_EFFECTIVE_OUTSIDE_MASK,
			    vector_subject(name, v, subject, sizeof(subject)),
			    "vector %u of %s (irq %u) has its vector on CPU %u, outside "
			    "its affinity, although CPU %u of that affinity is online",
			    v, name, i.irq, i.cpu, online);
	}
	if (i.requested && i.suspended)
		violation_report(
		    o->vl, V_PM_IRQ_STILL_SUSPENDED,
		    vector_subject(name, v, subject, sizeof(subject)),
		    "vector %u of %s (irq %u) was disabled by suspend_device_irqs() and "
		    "is still disabled (depth %u) while the VM runs; its handler will "
		    "not run",
		    v, name, i.irq, i.disable_depth);
	if (!wants_interrupts(&i) || i.masked)
		return;
	bool enabled = hw->msi_only ? hw->msi_enabled : hw->msix_enabled;
	if (ent.masked || i.cached_masked || hw->msix_function_masked || !enabled) {
		violation_report(
		    o->vl, V_MASK_STUCK_MASKED, vector_subject(name, v, subject, sizeof(subject)),
		    "vector %u of %s (irq %u) is requested and enabled and the IRQ core believes "
		    "it unmasked, but %s; its interrupts will stay pending forever",
		    v, name, i.irq,
		    !enabled                   ? (hw->msi_only ? "MSI is disabled in the device"
		                                               : "MSI-X is disabled in the device")
		    : hw->msix_function_masked ? "MSI-X Function Mask is set in the device"
		    : ent.masked   ? (hw->msi_only ? "its MSI mask bit is set in the device"
		                                   : "Vector Control MASKBIT is set in the device")
		    : hw->msi_only ? "the guest's cached MSI mask bit is set"
		                   : "the guest's cached Vector Control has MASKBIT set");
		return;
	}
	if (!obs_remap_lookup(o->obs, dev, ent.address, ent.data, &e)) {
		struct obs_vm vm;
		char why[96] = "";
		obs_vm(o->obs, &vm);
		if (vm.last_power_off != OBS_NEVER)
			snprintf(why, sizeof(why),
			         " (all entries were dropped at power-off at t=%s)",
			         engine_fmt_time(vm.last_power_off, t, sizeof(t)));
		violation_report(o->vl, V_REMAP_NO_ENTRY,
		                 vector_subject(name, v, subject, sizeof(subject)),
		                 "vector %u of %s is unmasked and programmed with address %#" PRIx64
		                 " data %#x, but no interrupt remapping entry exists for it%s; "
		                 "its interrupts will be lost",
		                 v, name, ent.address, ent.data, why);
		return;
	}
	if (!obs_vcpu_online(o->obs, e.vcpu)) {
		violation_report(o->vl, V_REMAP_OFFLINE_TARGET,
		                 vector_subject(name, v, subject, sizeof(subject)),
		                 "vector %u of %s is remapped to vCPU %u, which is offline", v,
		                 name, e.vcpu);
		return;
	}
	uint32_t gv = e.vector + (ent.data - e.data);
	int owner = gv > 0xff ? -1 : obs_vector_owner(o->obs, e.vcpu, gv);
	if (owner < 0 || (unsigned)owner != i.irq)
		violation_report(o->vl, V_REMAP_WRONG_VECTOR,
		                 vector_subject(name, v, subject, sizeof(subject)),
		                 "vector %u of %s is remapped to CPU %u vector %#x, but the guest "
		                 "handles irq %u on CPU %u vector %#x",
		                 v, name, e.vcpu, gv, i.irq, i.cpu, i.vector);
}

static void check_device(struct oracle *o, unsigned dev)
{
	struct obs_device d;

	if (!obs_device(o->obs, dev, &d) || !d.guest_present ||
	    !(d.guest_msix_enabled || d.guest_msi_enabled) || !d.guest_d0 || !d.guest_bus_installed)
		return;
	for (unsigned v = 0; v < d.guest_nvec; v++)
		check_vector(o, dev, &d, v);
}

void oracle_check_quiescent(struct oracle *o)
{
	struct obs_vm vm;

	obs_vm(o->obs, &vm);
	if (!vm.powered)
		return;
	for (unsigned dev = 0; dev < o->ndev; dev++)
		check_device(o, dev);
}

void oracle_check_quiescent_device(struct oracle *o, unsigned dev)
{
	struct obs_vm vm;

	obs_vm(o->obs, &vm);
	if (vm.powered && dev < o->ndev)
		check_device(o, dev);
}

static void blocked(void *ctx, const char *task, const char *waiting_on)
{
	struct oracle *o = ctx;

	violation_report(o->vl, V_TASKS_BLOCKED_FOREVER, task,
	                 "task %s waits for %s and nothing left in the simulation can wake it",
	                 task, waiting_on);
}

/* A hibernation the kernel gave up: what it returned, and the first
 * error of that hibernation, which is usually why. */
static void report_abort(struct oracle *o, unsigned at, const struct obs_guest_error *abort,
                         unsigned first_cause)
{
	struct obs_guest_error cause;
	char subject[32], t[32];
	bool has_cause = first_cause < at && obs_guest_error(o->obs, first_cause, &cause);

	snprintf(subject, sizeof(subject), "%u", at + 1);
	violation_report(
	    o->vl, V_PM_HIBERNATE_ABORTED, subject,
	    "the kernel aborted the hibernation with %d (%s) at t=%s; the VM "
	    "kept running%s%s",
	    abort->err, g_strerror(-abort->err), engine_fmt_time(abort->time, t, sizeof(t)),
	    has_cause ? "; first error of that hibernation: " : "", has_cause ? cause.message : "");
}

bool oracle_check_progress(struct oracle *o)
{
	unsigned n = obs_guest_error_count(o->obs);
	unsigned first_cause = n;
	bool aborted = false;

	/* Every guest error is reported, each with where and when it arose;
	 * the errors of a hibernation that aborted belong to its abort. */
	for (; o->guest_errors < n; o->guest_errors++) {
		struct obs_guest_error err;
		char subject[32], t[32];
		if (!obs_guest_error(o->obs, o->guest_errors, &err))
			continue;
		if (err.hibernation_aborted) {
			aborted = true;
			if (!o->allow_abort)
				report_abort(o, o->guest_errors, &err, first_cause);
			first_cause = n;
			continue;
		}
		if (err.in_aborted_hibernation) {
			if (first_cause == n)
				first_cause = o->guest_errors;
			continue;
		}
		snprintf(subject, sizeof(subject), "%u", o->guest_errors + 1);
		violation_report(o->vl, V_GUEST_ERROR, subject, "%s (t=%s, %s, task %s)",
		                 err.message, engine_fmt_time(err.time, t, sizeof(t)), err.phase,
		                 err.task);
	}
	obs_blocked_tasks(o->obs, blocked, o);
	return aborted;
}

void oracle_check_end(struct oracle *o)
{
	for (unsigned r = 0; r < TP__COUNT; r++)
		if (o->required[r] && !tp_count(o->e, r))
			violation_report(
			    o->vl, V_REACH_MISSED, tracepoint_name(r),
			    "the run never reached \"%s\", which this scenario exists to "
			    "reach",
			    tracepoint_name(r));
	for (unsigned b = 0; b < o->ndev; b++) {
		struct obs_device d;
		if (!obs_device(o->obs, b, &d) || !(d.host_rejected || d.guest_rejected))
			continue;
		char subject[16];
		snprintf(subject, sizeof(subject), "bus%u", b);
		violation_report(o->vl, V_PROTOCOL_BAD_PACKET, subject,
		                 "bus %u: the host refused %" PRIu64
		                 " guest packet(s) and the guest refused %" PRIu64
		                 " host packet(s) as malformed or out of order",
		                 b, d.host_rejected, d.guest_rejected);
	}
}
