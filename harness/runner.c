/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runner.h"
#include "oracle.h"
#include "pcifront/gk.h"
#include "vmbus-sim/trace.h"
#include "vmbus-sim/vm.h"

#include <string.h>

struct guest_op {
	struct gk *g;
	enum scn_op op;
	unsigned cpu;
	int result;
};

static void guest_task(void *arg)
{
	struct guest_op *op = arg;

	switch (op->op) {
	case OP_BOOT:
		op->result = gk_boot(op->g);
		break;
	case OP_HIBERNATE:
		op->result = gk_hibernate(op->g);
		break;
	case OP_RESUME:
		op->result = gk_resume(op->g);
		break;
	case OP_CPU_OFFLINE:
		op->result = gk_cpu_offline(op->g, op->cpu);
		break;
	case OP_CPU_ONLINE:
		op->result = gk_cpu_online(op->g, op->cpu);
		break;
	default:
		break;
	}
}

/* Runs a guest operation as a task until the world is quiet; false if the
 * task could not finish. */
static bool run_guest(struct engine *e, struct gk *g, enum scn_op op, unsigned cpu)
{
	struct guest_op arg = {.g = g, .op = op, .cpu = cpu};
	struct task *t = task_spawn(e, scn_op_name(op), guest_task, &arg);
	bool done;

	engine_run(e);
	done = task_done(t);
	if (done)
		task_reap(e, t);
	return done;
}

static void run_violation_free(gpointer p)
{
	struct run_violation *v = p;

	g_free(v->name);
	g_free(v->message);
	g_free(v);
}

void run_result_free(struct run_result *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->file);
	g_strfreev(r->expect_violations);
	g_free(r->mismatch);
	g_ptr_array_free(r->violations, TRUE);
	g_free(r);
}

bool run_result_has(const struct run_result *r, const char *violation)
{
	for (guint i = 0; i < r->violations->len; i++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, i);
		if (strcmp(v->name, violation) == 0)
			return true;
	}
	return false;
}

static void judge(struct run_result *r)
{
	r->pass = r->violations->len == 0;
	if (r->expect_pass) {
		r->matches = r->pass;
		if (!r->matches)
			r->mismatch = g_strdup_printf("expected pass, got %u violation(s)",
			                              r->violations->len);
		return;
	}
	if (r->pass) {
		r->matches = false;
		r->mismatch = g_strdup("expected fail, but no oracle reported a violation");
		return;
	}
	r->matches = true;
	for (char **v = r->expect_violations; v && *v; v++) {
		if (!run_result_has(r, *v)) {
			r->matches = false;
			r->mismatch = g_strdup_printf("expected violation %s did not occur", *v);
			return;
		}
	}
}

static uint8_t class_of(enum driver_model m, unsigned i)
{
	/* display controller for GPU-like drivers, NVMe otherwise */
	return m == DRIVER_KEEP_VECTORS ? (i == 2 ? 0x03 : 0x00)
	                                : (i == 2 ? 0x01 : (i == 1 ? 0x08 : 0x02));
}

struct run_result *run_scenario(const struct scenario *s, const struct run_options *opt)
{
	struct run_result *r = g_new0(struct run_result, 1);
	uint64_t seed = opt && opt->seed_set ? opt->seed : s->seed;
	struct engine *e = engine_new(seed);
	struct trace *trace = NULL;
	struct faults *f = faults_new(e);
	struct hv_vm_config vc = {.vcpus = s->vcpus, .max_protocol = s->protocol};
	struct hv_vm *vm;
	struct gk *g;
	struct oracle o;
	bool stuck = false;

	r->name = g_strdup(s->name);
	r->file = g_strdup(s->file);
	r->seed = seed;
	r->expect_pass = s->expect_pass;
	r->expect_violations = g_strdupv(s->expect_violations);
	r->violations = g_ptr_array_new_with_free_func(run_violation_free);

	if (opt && opt->trace_sink)
		engine_set_trace(e, opt->trace_sink);
	else if (opt && opt->trace)
		engine_set_trace(e, trace = trace_new_file(opt->trace));
	TRACE(e, "run", "scenario", "\"name\":\"%s\",\"seed\":%" G_GUINT64_FORMAT, s->name, seed);

	for (unsigned i = 0; i < s->nfaults; i++)
		faults_add(f, &s->faults[i].rule);
	vm = hv_vm_new(e, f, &vc);
	g = gk_new(e, vm, s->behaviours);
	for (unsigned i = 0; i < s->ndevices; i++) {
		const struct scn_device *d = &s->devices[i];
		struct pcidev_config pc = {
		    .name = d->name,
		    .vendor_id = d->vendor_id,
		    .device_id = d->device_id,
		    .class_code = {class_of(d->driver, 0), class_of(d->driver, 1),
		                   class_of(d->driver, 2)},
		    .msix_vectors = d->vectors,
		    .serial = i + 1,
		    .layout = d->layout,
		};
		hv_vm_add_device(vm, &pc);
		gk_set_driver(g, i, d->name, d->driver, d->vectors);
	}
	oracle_init(&o, e, vm, g);
	for (unsigned i = 0; i < REACH__COUNT; i++)
		o.required[i] = s->reach[i];

	for (unsigned i = 0; i < s->nsteps && !stuck; i++) {
		const struct scn_step *st = &s->steps[i];
		bool quiescent = true;

		TRACE(e, "run", "step", "\"index\":%u,\"op\":\"%s\",\"line\":%u", i,
		      scn_op_name(st->op), st->line);
		switch (st->op) {
		case OP_BOOT:
			hv_vm_power_on(vm);
			stuck = !run_guest(e, g, st->op, 0);
			oracle_rebaseline(&o);
			break;
		case OP_RESUME:
			hv_vm_power_on(vm);
			stuck = !run_guest(e, g, st->op, 0);
			oracle_rebaseline(&o);
			break;
		case OP_HIBERNATE:
			stuck = !run_guest(e, g, st->op, 0);
			quiescent = false;
			break;
		case OP_CPU_OFFLINE:
		case OP_CPU_ONLINE:
			stuck = !run_guest(e, g, st->op, st->cpu);
			break;
		case OP_FIRE:
			if (st->all_vectors) {
				for (unsigned v = 0; v < s->devices[st->device].vectors; v++)
					hv_vm_fire(vm, st->device, v);
			} else {
				for (unsigned k = 0; k < st->nvectors; k++)
					hv_vm_fire(vm, st->device, st->vectors[k]);
			}
			engine_run(e);
			break;
		case OP_FAULT:
			faults_set_enabled(f, s->faults[st->fault].name, st->enabled);
			quiescent = false;
			break;
		case OP_ADVANCE:
			engine_run_for(e, st->ns);
			quiescent = false;
			break;
		case OP_CHECK:
		case OP__COUNT:
			break;
		}
		r->steps_run = i + 1;
		oracle_check_progress(&o);
		oracle_check_delivery(&o);
		if (quiescent && !stuck)
			oracle_check_quiescent(&o);
	}
	if (!stuck) {
		engine_run(e);
		oracle_check_delivery(&o);
		oracle_check_quiescent(&o);
	}
	oracle_check_progress(&o);
	oracle_check_end(&o);
	r->end_time = engine_now(e);

	for (unsigned i = 0; i < engine_violation_count(e); i++) {
		const struct violation *v = engine_violation_get(e, i);
		struct run_violation *rv = g_new0(struct run_violation, 1);
		rv->name = g_strdup_printf("%s.%s", v->oracle, v->kind);
		rv->message = g_strdup(v->message);
		rv->time = v->time;
		g_ptr_array_add(r->violations, rv);
	}
	judge(r);
	TRACE(e, "run", "verdict", "\"verdict\":\"%s\",\"violations\":%u",
	      r->pass ? "pass" : "fail", r->violations->len);

	oracle_fini(&o);
	gk_free(g);
	hv_vm_free(vm);
	faults_free(f);
	engine_free(e);
	trace_free(trace);
	return r;
}
