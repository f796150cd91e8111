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

struct run_result *run_scenario(const struct scenario *s, const struct run_options *opt)
{
	struct run_result *r = g_new0(struct run_result, 1);
	const struct backend_ops *ops = opt && opt->backend ? opt->backend : &backend_sim;
	struct backend_config cfg = {.seed = opt && opt->seed_set ? opt->seed : s->seed};
	g_autoptr(GError) error = NULL;
	struct trace *trace = NULL;
	struct step_world w = {.ops = ops, .s = s};
	struct engine *e;
	struct oracle o;
	bool stuck = false;

	r->name = g_strdup(s->name);
	r->file = g_strdup(s->file);
	r->seed = cfg.seed;
	r->expect_pass = s->expect_pass;
	r->expect_violations = g_strdupv(s->expect_violations);
	r->violations = g_ptr_array_new_with_free_func(run_violation_free);

	if (opt && opt->trace_sink)
		cfg.trace = opt->trace_sink;
	else if (opt && opt->trace)
		cfg.trace = trace = trace_new_file(opt->trace);
	if (backend_check_scenario(ops, s, &error))
		w.b = ops->create(s, &cfg, &error);
	if (!w.b) {
		struct run_violation *rv = g_new0(struct run_violation, 1);
		rv->name = g_strdup(violation_kind_of(V_GUEST_ERROR)->name);
		rv->message = g_strdup_printf("the %s backend cannot run this scenario: %s",
		                              ops->name, error->message);
		g_ptr_array_add(r->violations, rv);
		judge(r);
		trace_free(trace);
		return r;
	}
	e = ops->engine(w.b);
	TRACE(e, "run", "scenario", "\"name\":\"%s\",\"seed\":%" G_GUINT64_FORMAT, s->name,
	      cfg.seed);
	oracle_init(&o, e, ops->observe(w.b));
	for (unsigned i = 0; i < TP__COUNT; i++)
		o.required[i] = s->reach[i];

	for (unsigned i = 0; i < s->nsteps && !stuck; i++) {
		const struct scn_step *st = &s->steps[i];
		enum step_after after;
		int result = 0;

		TRACE(e, "run", "step", "\"index\":%u,\"op\":\"%s\",\"line\":%u", i,
		      scn_op_name(st->op), st->line);
		after = step_desc(st->op)->run(&w, st, &result);
		if (result < 0 && after != STEP_STUCK) { /* stuck: tasks.blocked-forever says why */
			char subject[32];
			snprintf(subject, sizeof(subject), "step %u", i);
			violation_report(
			    o.vl, V_GUEST_ERROR, subject,
			    "step %u (\"%s\", line %u): the guest's operation failed with "
			    "%d (%s)",
			    i, scn_op_name(st->op), st->line, result, g_strerror(-result));
		}
		stuck = after == STEP_STUCK;
		if (after == STEP_REBASED)
			oracle_rebaseline(&o);
		r->steps_run = i + 1;
		oracle_check_progress(&o);
		oracle_check_delivery(&o);
		if (after == STEP_QUIET || after == STEP_REBASED)
			oracle_check_quiescent(&o);
	}
	if (!stuck) {
		ops->settle(w.b);
		oracle_check_delivery(&o);
		oracle_check_quiescent(&o);
	}
	oracle_check_progress(&o);
	oracle_check_end(&o);
	r->end_time = engine_now(e);

	for (unsigned i = 0; i < violation_list_count(o.vl); i++) {
		const struct violation *v = violation_list_get(o.vl, i);
		struct run_violation *rv = g_new0(struct run_violation, 1);
		rv->name = g_strdup(violation_kind_of(v->id)->name);
		rv->message = g_strdup(v->message);
		rv->time = v->time;
		g_ptr_array_add(r->violations, rv);
	}
	judge(r);
	TRACE(e, "run", "verdict", "\"verdict\":\"%s\",\"violations\":%u",
	      r->pass ? "pass" : "fail", r->violations->len);

	oracle_fini(&o);
	ops->destroy(w.b);
	trace_free(trace);
	return r;
}
