/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "steps.h"
#include "loader.h"

#include <string.h>

static enum step_after after_guest(bool finished, enum step_after quiet)
{
	return finished ? quiet : STEP_STUCK;
}

static enum step_after run_boot(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)st;
	return after_guest(w->ops->boot(w->b, r), STEP_REBASED);
}

static enum step_after run_hibernate(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)st;
	return after_guest(w->ops->hibernate(w->b, r), STEP_MOVING);
}

static enum step_after run_resume(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)st;
	return after_guest(w->ops->resume(w->b, r), STEP_REBASED);
}

static enum step_after run_cpu_offline(const struct step_world *w, const struct scn_step *st,
                                       int *r)
{
	return after_guest(w->ops->cpu_offline(w->b, st->cpu, r), STEP_QUIET);
}

static enum step_after run_cpu_online(const struct step_world *w, const struct scn_step *st, int *r)
{
	return after_guest(w->ops->cpu_online(w->b, st->cpu, r), STEP_QUIET);
}

static enum step_after run_set_affinity(const struct step_world *w, const struct scn_step *st,
                                        int *r)
{
	return after_guest(w->ops->set_affinity(w->b, st->device, st->vector, &st->cpus, r),
	                   STEP_QUIET);
}

static enum step_after run_fire(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)r; /* nothing the guest does */
	if (st->all_vectors) {
		for (unsigned v = 0; v < w->s->devices[st->device].vectors; v++)
			w->ops->fire(w->b, st->device, v);
	} else {
		for (unsigned k = 0; k < st->nvectors; k++)
			w->ops->fire(w->b, st->device, st->vectors[k]);
	}
	w->ops->settle(w->b);
	return STEP_QUIET_DEVICE;
}

static enum step_after run_fault(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)r; /* nothing the guest does */
	/* The loader checked the name against the scenario's rules. */
	bool known = w->ops->set_fault(w->b, w->s->faults[st->fault].name, st->enabled);

	g_assert(known);
	return STEP_MOVING;
}

static enum step_after run_advance(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)r; /* nothing the guest does */
	w->ops->advance(w->b, st->ns);
	return STEP_MOVING;
}

static enum step_after run_check(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)r; /* nothing the guest does */
	(void)w;
	(void)st;
	return STEP_QUIET;
}

/* ---- the same in parts ---- */

static bool begin_guest(const struct step_world *w, enum backend_guest_op op, unsigned cpu,
                        uint64_t *limit)
{
	struct backend_guest_call c = {.op = op, .cpu = cpu};

	w->ops->guest_begin(w->b, &c);
	*limit = ENGINE_NO_LIMIT;
	return true;
}

static bool begin_boot(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	(void)st;
	return begin_guest(w, BACKEND_BOOT, 0, limit);
}

static bool begin_hibernate(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	(void)st;
	return begin_guest(w, BACKEND_HIBERNATE, 0, limit);
}

static bool begin_resume(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	(void)st;
	return begin_guest(w, BACKEND_RESUME, 0, limit);
}

static bool begin_cpu_offline(const struct step_world *w, const struct scn_step *st,
                              uint64_t *limit)
{
	return begin_guest(w, BACKEND_CPU_OFFLINE, st->cpu, limit);
}

static bool begin_cpu_online(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	return begin_guest(w, BACKEND_CPU_ONLINE, st->cpu, limit);
}

static bool begin_set_affinity(const struct step_world *w, const struct scn_step *st,
                               uint64_t *limit)
{
	struct backend_guest_call c = {
	    .op = BACKEND_SET_AFFINITY, .dev = st->device, .vector = st->vector, .cpus = st->cpus};

	w->ops->guest_begin(w->b, &c);
	*limit = ENGINE_NO_LIMIT;
	return true;
}

static enum step_after end_guest(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)st;
	return after_guest(w->ops->guest_end(w->b, r), STEP_QUIET);
}

static enum step_after end_guest_rebased(const struct step_world *w, const struct scn_step *st,
                                         int *r)
{
	(void)st;
	return after_guest(w->ops->guest_end(w->b, r), STEP_REBASED);
}

static enum step_after end_guest_moving(const struct step_world *w, const struct scn_step *st,
                                        int *r)
{
	(void)st;
	return after_guest(w->ops->guest_end(w->b, r), STEP_MOVING);
}

static bool begin_fire(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	if (st->all_vectors) {
		for (unsigned v = 0; v < w->s->devices[st->device].vectors; v++)
			w->ops->fire(w->b, st->device, v);
	} else {
		for (unsigned k = 0; k < st->nvectors; k++)
			w->ops->fire(w->b, st->device, st->vectors[k]);
	}
	*limit = ENGINE_NO_LIMIT; /* settle */
	return true;
}

static bool begin_fault(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	int r;

	(void)limit;
	run_fault(w, st, &r);
	return false;
}

static bool begin_advance(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	*limit = engine_limit(w->ops->engine(w->b), st->ns);
	return true;
}

static bool begin_nothing(const struct step_world *w, const struct scn_step *st, uint64_t *limit)
{
	(void)w;
	(void)st;
	(void)limit;
	return false;
}

static enum step_after end_quiet(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)w;
	(void)st;
	(void)r;
	return STEP_QUIET;
}

static enum step_after end_moving(const struct step_world *w, const struct scn_step *st, int *r)
{
	(void)w;
	(void)st;
	(void)r;
	return STEP_MOVING;
}

/* ---- loading each op's own fields (the loader has checked "op" and that
 * no field of another op is present; state follows power and CPUs) ---- */

#define LOAD_ARGS                                                                                  \
	struct loader *ld, const char *p, json_object *st, struct scenario *s,                     \
	    struct scn_step *step, struct step_state *state

static bool need_running(struct loader *ld, const char *p, const struct step_state *state)
{
	return state->running || loader_error(ld, p, false, "the VM is off; \"resume\" it first");
}

/* The step's "device", which a running VM must have: its index in step. */
static bool load_device(LOAD_ARGS)
{
	const char *dev = NULL;
	int d;

	if (!need_running(ld, p, state) || !loader_string(ld, p, st, "device", true, &dev))
		return false;
	d = scenario_device_index(s, dev);
	if (d < 0) {
		g_autofree char *dp = loader_child_path(p, "device");
		return loader_error(ld, dp, false, "no device named \"%s\"", dev);
	}
	step->device = (unsigned)d;
	return true;
}

static bool load_boot(LOAD_ARGS)
{
	(void)st, (void)s, (void)step;
	if (state->index != 0)
		return loader_error(ld, p, false, "\"boot\" can only be the first step");
	state->running = true;
	return true;
}

/* Whether a hibernation aborts is known only when it runs: the loader
 * takes every "hibernate" to power the VM off, and a "resume" after one
 * that aborted finds the VM running and no image, and does nothing. */
static bool load_hibernate(LOAD_ARGS)
{
	(void)s;
	if (!state->running)
		return loader_error(ld, p, false, "the VM is already off (hibernated)");
	step->allow_abort = false;
	if (!loader_bool(ld, p, st, "allow-abort", false, &step->allow_abort))
		return false;
	state->running = false;
	return true;
}

static bool load_resume(LOAD_ARGS)
{
	(void)st, (void)s, (void)step;
	if (state->running)
		return loader_error(ld, p, false,
		                    "the VM is running; \"resume\" must follow \"hibernate\"");
	state->running = true;
	return true;
}

static bool load_fire(LOAD_ARGS)
{
	g_autofree char *vp = loader_child_path(p, "vectors");
	json_object *vecs;
	unsigned d;
	size_t n;

	if (!load_device(ld, p, st, s, step, state))
		return false;
	d = step->device;
	if (!loader_has(st, "vectors")) {
		step->all_vectors = true;
		return true;
	}
	vecs = loader_member(st, "vectors");
	if (!loader_want_type(ld, vp, vecs, json_type_array, "an array of vector indices"))
		return false;
	n = json_object_array_length(vecs);
	if (n < 1 || n > SCN_MAX_VECTORS)
		return loader_error(ld, vp, false, "must list 1 to %d vectors, has %zu",
		                    SCN_MAX_VECTORS, n);
	g_autofree unsigned *list = g_new(unsigned, n);
	for (size_t k = 0; k < n; k++) {
		g_autofree char *ep = g_strdup_printf("%s[%zu]", vp, k);
		json_object *v = json_object_array_get_idx(vecs, k);
		int64_t x;

		if (!loader_want_type(ld, ep, v, json_type_int, "an integer"))
			return false;
		x = json_object_get_int64(v);
		if (x < 0 || x >= s->devices[d].vectors)
			return loader_error(ld, ep, false,
			                    "vector %" G_GINT64_FORMAT
			                    " does not exist: \"%s\" has vectors 0 to %u",
			                    x, s->devices[d].name, s->devices[d].vectors - 1);
		list[k] = (unsigned)x;
	}
	step->vectors = scn_intern_vectors(list, (unsigned)n);
	step->nvectors = (unsigned)n;
	return true;
}

static bool load_cpu(LOAD_ARGS)
{
	g_autofree char *cp = loader_child_path(p, "cpu");
	bool off = step->op == OP_CPU_OFFLINE;
	uint64_t v;

	if (!need_running(ld, p, state) ||
	    !loader_uint(ld, p, st, "cpu", true, 0, s->vcpus - 1, &v))
		return false;
	step->cpu = (unsigned)v;
	if (off && v == 0)
		return loader_error(ld, cp, false, "CPU 0 is the boot CPU and cannot go offline");
	if (off && !state->online[v])
		return loader_error(ld, cp, false, "CPU %" G_GUINT64_FORMAT " is already offline",
		                    v);
	if (!off && state->online[v])
		return loader_error(ld, cp, false, "CPU %" G_GUINT64_FORMAT " is already online",
		                    v);
	state->online[v] = !off;
	return true;
}

static bool load_fault(LOAD_ARGS)
{
	const char *name = NULL;
	int f;

	(void)state;
	if (!loader_string(ld, p, st, "name", true, &name))
		return false;
	f = scenario_fault_index(s, name);
	if (f < 0) {
		g_autofree char *np = loader_child_path(p, "name");
		return loader_error(ld, np, false, "no fault named \"%s\" in \"faults\"", name);
	}
	step->fault = (unsigned)f;
	return loader_bool(ld, p, st, "enabled", true, &step->enabled);
}

static bool load_advance(LOAD_ARGS)
{
	uint64_t v;

	(void)s, (void)state;
	if (!loader_uint(ld, p, st, "ns", true, 1, UINT64_C(1000000000000000), &v))
		return false;
	step->ns = v;
	return true;
}

/* /proc/irq/N/smp_affinity: a CPU list; one of them must be online
 * (statically known: the loader follows the CPUs), as the kernel refuses
 * a mask without one. */
static bool load_set_affinity(LOAD_ARGS)
{
	g_autofree char *cp = loader_child_path(p, "cpus");
	json_object *cpus;
	bool any_online = false;
	uint64_t v;
	unsigned d;
	size_t n;

	if (!load_device(ld, p, st, s, step, state))
		return false;
	d = step->device;
	if (!loader_uint(ld, p, st, "vector", true, 0, s->devices[d].vectors - 1, &v))
		return false;
	step->vector = (unsigned)v;
	if (!loader_has(st, "cpus"))
		return loader_error(ld, cp, false, "is required");
	cpus = loader_member(st, "cpus");
	if (!loader_want_type(ld, cp, cpus, json_type_array, "an array of CPU numbers"))
		return false;
	n = json_object_array_length(cpus);
	if (n < 1 || n > s->vcpus)
		return loader_error(ld, cp, false, "must list 1 to %u CPUs, has %zu", s->vcpus, n);
	memset(&step->cpus, 0, sizeof(step->cpus));
	for (size_t k = 0; k < n; k++) {
		g_autofree char *ep = g_strdup_printf("%s[%zu]", cp, k);
		json_object *c = json_object_array_get_idx(cpus, k);
		int64_t x;

		if (!loader_want_type(ld, ep, c, json_type_int, "an integer"))
			return false;
		x = json_object_get_int64(c);
		if (x < 0 || x >= s->vcpus)
			return loader_error(ld, ep, false,
			                    "CPU %" G_GINT64_FORMAT
			                    " does not exist: the VM has CPUs 0 "
			                    "to %u",
			                    x, s->vcpus - 1);
		step->cpus.bits[x / 64] |= UINT64_C(1) << (x % 64);
		any_online |= state->online[x];
	}
	if (!any_online)
		return loader_error(ld, cp, false,
		                    "none of these CPUs is online; the kernel refuses such a mask");
	return true;
}

static bool load_check(LOAD_ARGS)
{
	(void)st, (void)s, (void)step;
	return need_running(ld, p, state);
}

static const char *const no_fields[] = {NULL};
static const char *const fire_fields[] = {"device", "vectors", NULL};
static const char *const cpu_fields[] = {"cpu", NULL};
static const char *const fault_fields[] = {"name", "enabled", NULL};
static const char *const advance_fields[] = {"ns", NULL};
static const char *const hibernate_fields[] = {"allow-abort", NULL};
static const char *const set_affinity_fields[] = {"device", "vector", "cpus", NULL};

static const struct step_desc steps[OP__COUNT] = {
    [OP_BOOT] = {"boot", no_fields,
                 "power on, probe every vPCI bus, bind the drivers (the first step)", load_boot,
                 run_boot, begin_boot, end_guest_rebased},
    [OP_FIRE] = {"fire", fire_fields,
                 "the device raises its vectors (\"device\", optional \"vectors\")", load_fire,
                 run_fire, begin_fire, end_quiet},
    [OP_HIBERNATE] = {"hibernate", hibernate_fields,
                      "the whole hibernation sequence down to power-off (\"allow-abort\": "
                      "the kernel may give it up)",
                      load_hibernate, run_hibernate, begin_hibernate, end_guest_moving},
    [OP_RESUME] = {"resume", no_fields, "power on, boot kernel hands over to the image, restore",
                   load_resume, run_resume, begin_resume, end_guest_rebased},
    [OP_CPU_OFFLINE] = {"cpu-offline", cpu_fields, "take \"cpu\" offline; its irqs migrate",
                        load_cpu, run_cpu_offline, begin_cpu_offline, end_guest},
    [OP_CPU_ONLINE] = {"cpu-online", cpu_fields, "bring \"cpu\" back online", load_cpu,
                       run_cpu_online, begin_cpu_online, end_guest},
    [OP_FAULT] = {"fault", fault_fields, "arm or disarm fault rule \"name\" (\"enabled\")",
                  load_fault, run_fault, begin_fault, end_moving},
    [OP_ADVANCE] = {"advance", advance_fields, "let \"ns\" nanoseconds of virtual time pass",
                    load_advance, run_advance, begin_advance, end_moving},
    [OP_CHECK] = {"check", no_fields, "nothing happens; the oracles check the quiet VM", load_check,
                  run_check, begin_nothing, end_quiet},
    [OP_SET_AFFINITY] = {"set-affinity", set_affinity_fields,
                         "write \"cpus\" to /proc/irq/N/smp_affinity of \"vector\" of "
                         "\"device\"",
                         load_set_affinity, run_set_affinity, begin_set_affinity, end_guest},
};

const struct step_desc *step_desc(enum scn_op op)
{
	return (unsigned)op < OP__COUNT ? &steps[op] : NULL;
}

/* "op" and every field of every op, once each, in table order. */
const char *const *step_all_fields(void)
{
	static const char *all[32];

	if (!all[0]) {
		unsigned n = 0;
		all[n++] = "op";
		for (unsigned op = 0; op < OP__COUNT; op++) {
			for (const char *const *f = steps[op].fields; *f; f++) {
				bool seen = false;
				for (unsigned k = 0; k < n && !seen; k++)
					seen = strcmp(all[k], *f) == 0;
				if (!seen) {
					g_assert(n + 1 < G_N_ELEMENTS(all));
					all[n++] = *f;
				}
			}
		}
	}
	return all;
}

int step_lookup(const char *name)
{
	for (int i = 0; i < OP__COUNT; i++)
		if (strcmp(steps[i].name, name) == 0)
			return i;
	return -1;
}

bool backend_check_scenario(const struct backend_ops *ops, const struct scenario *s, GError **error)
{
	if (ops->supports_scenario) {
		g_autofree char *why = NULL;

		if (!ops->supports_scenario(s, &why)) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA,
			            "%s: unsupported by the %s backend: %s", s->file, ops->name,
			            why ? why : "it cannot run this scenario");
			return false;
		}
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		g_autofree char *why = NULL;

		if (ops->supports(s, &s->steps[i], &why))
			continue;
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA,
		            "%s:%u:%u: steps[%u]: \"%s\" is unsupported by the %s backend: %s",
		            s->file, s->steps[i].line, s->steps[i].col, i,
		            scn_op_name(s->steps[i].op), ops->name,
		            why ? why : "it cannot do this step");
		return false;
	}
	return true;
}
