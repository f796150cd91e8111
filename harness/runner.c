/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runner.h"
#include "backend.h"
#include "oracle.h"
#include "steps.h"

#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/trace.h"

#include <string.h>

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

struct run {
	const struct scenario *s;
	const struct backend_ops *ops;
	struct step_world w;
	struct engine *e;
	struct trace *trace; /* ours to free, or NULL */
	struct oracle o;
	uint64_t seed;
	unsigned steps_run;
	bool stuck;
	/* every device was checked after the last step, and nothing but the
	 * steps' own devices changed since (see STEP_QUIET_DEVICE) */
	bool checked_all;
	/* a step under way (run_step_start) */
	bool active;
	bool running;   /* the world still has to run for it */
	uint64_t limit; /* ... until nothing is due at or before this */
	struct scn_step cur;
};

struct run *run_begin(const struct scenario *s, const struct run_options *opt, GError **error)
{
	const struct backend_ops *ops = opt && opt->backend ? opt->backend : &backend_sim;
	struct backend_config cfg = {.seed = opt && opt->seed_set ? opt->seed : s->seed};
	struct run *run;
	void *b;

	g_return_val_if_fail(s != NULL, NULL);
	if (!backend_check_scenario(ops, s, error))
		return NULL;
	run = g_new0(struct run, 1);
	if (opt) {
		cfg.connect = opt->connect;
		cfg.domain = opt->domain;
	}
	if (opt && opt->trace_sink)
		cfg.trace = opt->trace_sink;
	else if (opt && opt->trace)
		cfg.trace = run->trace = trace_new_file(opt->trace);
	b = ops->create(s, &cfg, error);
	if (!b) {
		trace_free(run->trace);
		g_free(run);
		return NULL;
	}
	run->s = s;
	run->ops = ops;
	run->w = (struct step_world){.ops = ops, .b = b, .s = s};
	run->e = ops->engine(b);
	run->seed = cfg.seed;
	TRACE(run->e, "run", "scenario", "\"name\":\"%s\",\"seed\":%" G_GUINT64_FORMAT, s->name,
	      cfg.seed);
	oracle_init(&run->o, run->e, ops->observe(b));
	run->o.keep_fires = opt && opt->keep_fire_records;
	for (unsigned i = 0; i < TP__COUNT; i++)
		run->o.required[i] = s->reach[i];
	return run;
}

static void step_trace(struct run *run, const struct scn_step *st)
{
	TRACE(run->e, "run", "step", "\"index\":%u,\"op\":\"%s\",\"line\":%u", run->steps_run,
	      scn_op_name(st->op), st->line);
}

/* After a step: its error, the oracles. */
static bool step_done(struct run *run, const struct scn_step *st, enum step_after after, int result)
{
	unsigned i = run->steps_run;
	bool aborted;

	run->stuck = after == STEP_STUCK;
	/* The errors the step met first: a hibernation that aborted is
	 * reported as such (or allowed), and its result is that abort. */
	run->o.allow_abort = st->op == OP_HIBERNATE && st->allow_abort;
	aborted = oracle_check_progress(&run->o);
	run->o.allow_abort = false;
	if (result < 0 && !run->stuck && !aborted) { /* stuck: tasks.blocked-forever says why */
		char subject[32];
		snprintf(subject, sizeof(subject), "step %u", i);
		violation_report(
		    run->o.vl, V_GUEST_ERROR, subject,
		    "step %u (\"%s\", line %u): the guest's operation failed with %d (%s)", i,
		    scn_op_name(st->op), st->line, result, g_strerror(-result));
	}
	if (after == STEP_REBASED)
		oracle_rebaseline(&run->o);
	run->steps_run = i + 1;
	oracle_check_delivery(&run->o);
	/* A fire step after a checked quiet world can only have changed its own
	 * device; violations are reported once per subject, so looking at the
	 * others again could find nothing new. Without this every fire step
	 * would check every device, and a cycle that fires each of n devices
	 * would cost n^2. */
	if (after == STEP_QUIET_DEVICE && run->checked_all) {
		oracle_check_quiescent_device(&run->o, st->device);
	} else if (after == STEP_QUIET || after == STEP_REBASED || after == STEP_QUIET_DEVICE) {
		oracle_check_quiescent(&run->o);
		run->checked_all = true;
	} else {
		run->checked_all = false;
	}
	return !run->stuck;
}

bool run_step(struct run *run, const struct scn_step *st)
{
	enum step_after after;
	int result = 0;

	if (run->stuck)
		return false;
	g_assert(!run->active);
	step_trace(run, st);
	after = step_desc(st->op)->run(&run->w, st, &result);
	return step_done(run, st, after, result);
}

bool run_can_step(const struct run *run)
{
	return run->ops->run_one && run->ops->guest_begin && run->ops->guest_end;
}

bool run_step_start(struct run *run, const struct scn_step *st)
{
	if (run->stuck || run->active || !run_can_step(run))
		return false;
	run->cur = *st;
	run->active = true;
	step_trace(run, &run->cur);
	run->running = step_desc(st->op)->begin(&run->w, &run->cur, &run->limit);
	return true;
}

bool run_step_advance(struct run *run)
{
	if (!run->active || !run->running)
		return false;
	run->running = run->ops->run_one(run->w.b, run->limit);
	return run->running;
}

bool run_step_finish(struct run *run)
{
	enum step_after after;
	int result = 0;

	g_assert(run->active);
	while (run_step_advance(run))
		;
	after = step_desc(run->cur.op)->end(&run->w, &run->cur, &result);
	run->active = false;
	return step_done(run, &run->cur, after, result);
}

const struct scn_step *run_step_current(const struct run *run)
{
	return run->active ? &run->cur : NULL;
}

bool run_stuck(const struct run *run)
{
	return run->stuck;
}

unsigned run_steps_run(const struct run *run)
{
	return run->steps_run;
}

struct engine *run_engine(struct run *run)
{
	return run->e;
}

const struct observation *run_observation(struct run *run)
{
	return run->o.obs;
}

const struct backend_ops *run_backend(struct run *run, void **handle)
{
	if (handle)
		*handle = run->w.b;
	return run->ops;
}

const struct violation_list *run_violations(struct run *run)
{
	return run->o.vl;
}

void run_check_now(struct run *run)
{
	oracle_check_progress(&run->o);
	oracle_check_delivery(&run->o);
	if (!run->stuck)
		oracle_check_quiescent(&run->o);
}

static struct run_result *result_new(const struct scenario *s, uint64_t seed)
{
	struct run_result *r = g_new0(struct run_result, 1);

	r->name = g_strdup(s->name);
	r->file = g_strdup(s->file);
	r->seed = seed;
	r->expect_pass = s->expect_pass;
	r->expect_violations = g_strdupv(s->expect_violations);
	r->violations = g_ptr_array_new_with_free_func(run_violation_free);
	return r;
}

struct run_result *run_end(struct run *run)
{
	struct run_result *r = result_new(run->s, run->seed);
	struct oracle *o = &run->o;

	if (run->active) /* the console quit mid-way: the step ends first */
		run_step_finish(run);
	if (!run->stuck) {
		run->ops->settle(run->w.b);
		oracle_check_delivery(o);
		oracle_check_quiescent(o);
	}
	oracle_check_progress(o);
	oracle_check_end(o);
	r->end_time = engine_now(run->e);
	r->steps_run = run->steps_run;
	for (unsigned i = 0; i < violation_list_count(o->vl); i++) {
		const struct violation *v = violation_list_get(o->vl, i);
		struct run_violation *rv = g_new0(struct run_violation, 1);
		rv->name = g_strdup(violation_kind_of(v->id)->name);
		rv->message = g_strdup(v->message);
		rv->time = v->time;
		g_ptr_array_add(r->violations, rv);
	}
	judge(r);
	TRACE(run->e, "run", "verdict", "\"verdict\":\"%s\",\"violations\":%u",
	      r->pass ? "pass" : "fail", r->violations->len);
	oracle_fini(o);
	run->ops->destroy(run->w.b);
	trace_free(run->trace);
	g_free(run);
	return r;
}

struct run_result *run_scenario(const struct scenario *s, const struct run_options *opt)
{
	g_autoptr(GError) error = NULL;
	struct run *run = run_begin(s, opt, &error);
	struct run_result *r;

	if (!run) {
		struct run_violation *rv = g_new0(struct run_violation, 1);
		const struct backend_ops *ops = opt && opt->backend ? opt->backend : &backend_sim;

		r = result_new(s, opt && opt->seed_set ? opt->seed : s->seed);
		rv->name = g_strdup(violation_kind_of(V_GUEST_ERROR)->name);
		rv->message = g_strdup_printf("the %s backend cannot run this scenario: %s",
		                              ops->name, error->message);
		g_ptr_array_add(r->violations, rv);
		judge(r);
		return r;
	}
	for (unsigned i = 0; i < s->nsteps && run_step(run, &s->steps[i]); i++)
		;
	return run_end(run);
}
