/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend seam: the runner drives whatever backend it is given and
 * asks it first whether it can do every step; the oracles judge from the
 * observation API alone. A recording backend that forwards to the embedded
 * simulator proves the runner has no other way into the world.
 */
#include "harness/backend.h"
#include "harness/observe.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/steps.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static GString *calls;

struct rec {
	void *inner;
	struct observation obs;
	unsigned observed;
};

static void *rec_create(const struct scenario *s, const struct backend_config *cfg, GError **error)
{
	struct rec *r = g_new0(struct rec, 1);

	r->inner = backend_sim.create(s, cfg, error);
	if (!r->inner) {
		g_free(r);
		return NULL;
	}
	g_string_append(calls, "create ");
	return r;
}

static void rec_destroy(void *b)
{
	struct rec *r = b;

	backend_sim.destroy(r->inner);
	g_string_append(calls, "destroy");
	g_free(r);
}

/* Refuses "advance", as a real VM cannot skip time at will. */
static bool rec_supports(const struct scenario *s, const struct scn_step *st, char **why)
{
	(void)s;
	if (st->op == OP_ADVANCE) {
		*why = g_strdup("time cannot be skipped here");
		return false;
	}
	return true;
}

static struct engine *rec_engine(void *b)
{
	return backend_sim.engine(((struct rec *)b)->inner);
}

#define FORWARD_OP(fn)                                                                             \
	static bool rec_##fn(void *b, int *result)                                                 \
	{                                                                                          \
		g_string_append(calls, #fn " ");                                                   \
		return backend_sim.fn(((struct rec *)b)->inner, result);                           \
	}
FORWARD_OP(boot)
FORWARD_OP(resume)

static int hibernate_result; /* what the recorder says the guest returned */

static bool rec_hibernate(void *b, int *result)
{
	bool done;

	g_string_append(calls, "hibernate ");
	done = backend_sim.hibernate(((struct rec *)b)->inner, result);
	if (hibernate_result)
		*result = hibernate_result;
	return done;
}

static bool rec_cpu_offline(void *b, unsigned cpu, int *result)
{
	g_string_append_printf(calls, "cpu-offline:%u ", cpu);
	return backend_sim.cpu_offline(((struct rec *)b)->inner, cpu, result);
}

static bool rec_cpu_online(void *b, unsigned cpu, int *result)
{
	g_string_append_printf(calls, "cpu-online:%u ", cpu);
	return backend_sim.cpu_online(((struct rec *)b)->inner, cpu, result);
}

static void rec_fire(void *b, unsigned dev, unsigned vector)
{
	g_string_append_printf(calls, "fire:%u/%u ", dev, vector);
	backend_sim.fire(((struct rec *)b)->inner, dev, vector);
}

static void rec_settle(void *b)
{
	g_string_append(calls, "settle ");
	backend_sim.settle(((struct rec *)b)->inner);
}

static void rec_advance(void *b, uint64_t ns)
{
	backend_sim.advance(((struct rec *)b)->inner, ns);
}

static bool rec_set_fault(void *b, const char *name, bool enabled)
{
	g_string_append_printf(calls, "fault:%s=%d ", name, enabled);
	return backend_sim.set_fault(((struct rec *)b)->inner, name, enabled);
}

static const struct observation *rec_observe(void *b)
{
	struct rec *r = b;

	r->observed++;
	return backend_sim.observe(r->inner);
}

static const struct backend_ops recorder = {
    .name = "recorder",
    .create = rec_create,
    .destroy = rec_destroy,
    .supports = rec_supports,
    .engine = rec_engine,
    .boot = rec_boot,
    .hibernate = rec_hibernate,
    .resume = rec_resume,
    .cpu_offline = rec_cpu_offline,
    .cpu_online = rec_cpu_online,
    .fire = rec_fire,
    .settle = rec_settle,
    .advance = rec_advance,
    .set_fault = rec_set_fault,
    .observe = rec_observe,
};

static struct scenario *load(const char *text)
{
	g_autoptr(GError) error = NULL;
	struct scenario *s = scenario_load_data("inline.json", text, strlen(text), NULL, &error);

	g_assert_no_error(error);
	return s;
}

static const char *const cycle =
    "{\"name\":\"seam\",\"vm\":{\"vcpus\":2},\"guest\":{\"profile\":\"linux-5.9\"},\n"
    "\"devices\":[{\"name\":\"gpu0\",\"driver\":\"keep-vectors\",\"vectors\":2}],\n"
    "\"steps\":[{\"op\":\"boot\"},{\"op\":\"cpu-offline\",\"cpu\":1},{\"op\":\"cpu-online\","
    "\"cpu\":1},\n"
    "{\"op\":\"hibernate\"},{\"op\":\"resume\"},{\"op\":\"fire\",\"device\":\"gpu0\"}],\n"
    "\"expect\":{\"verdict\":\"fail\",\"violations\":[\"remap.no-entry\"]}}";

/* The runner reaches the world only through the backend, in step order,
 * and the oracles find the 2020 bug through the observation API. */
static void test_runner_drives_backend(void)
{
	struct scenario *s = load(cycle);
	struct run_options opt = {.backend = &recorder};
	struct run_result *r;

	calls = g_string_new(NULL);
	r = run_scenario(s, &opt);
	g_assert_cmpstr(calls->str, ==,
	                "create boot cpu-offline:1 cpu-online:1 hibernate resume fire:0/0 "
	                "fire:0/1 settle settle destroy");
	g_assert_true(r->matches);
	g_assert_true(run_result_has(r, "remap.no-entry"));
	run_result_free(r);
	scenario_free(s);
	g_string_free(calls, TRUE);
}

/* A guest operation that returns an error is reported as such, with the
 * step that ran it, even when the guest recorded nothing. */
static void test_operation_error_reported(void)
{
	struct scenario *s = load(cycle);
	struct run_options opt = {.backend = &recorder};
	struct run_result *r;
	bool found = false;

	calls = g_string_new(NULL);
	hibernate_result = -EBUSY;
	r = run_scenario(s, &opt);
	hibernate_result = 0;
	for (guint i = 0; i < r->violations->len; i++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, i);
		if (strcmp(v->name, "guest.error") == 0 &&
		    strstr(v->message, "step 3 (\"hibernate\", line 4)") &&
		    strstr(v->message, "-16"))
			found = true;
	}
	g_assert_true(found);
	run_result_free(r);
	scenario_free(s);
	g_string_free(calls, TRUE);
}

/* A step the backend cannot do stops the scenario before anything runs,
 * with the file, line and column of the step. */
static void test_unsupported_before_anything_runs(void)
{
	struct scenario *s =
	    load("{\"name\":\"adv\",\"devices\":[{\"name\":\"d\",\"driver\":\"keep-vectors\","
	         "\"vectors\":1}],\n"
	         "\"steps\":[{\"op\":\"boot\"},\n  {\"op\":\"advance\",\"ns\":5}],\n"
	         "\"expect\":{\"verdict\":\"pass\"}}");
	g_autoptr(GError) error = NULL;
	struct run_options opt = {.backend = &recorder};
	struct run_result *r;

	g_assert_false(backend_check_scenario(&recorder, s, &error));
	g_assert_nonnull(error);
	g_assert_cmpstr(error->message, ==,
	                "inline.json:3:3: steps[1]: \"advance\" is unsupported by the recorder "
	                "backend: time cannot be skipped here");
	g_assert_true(backend_check_scenario(&backend_sim, s, NULL));

	calls = g_string_new(NULL);
	r = run_scenario(s, &opt);
	g_assert_cmpstr(calls->str, ==, ""); /* not even created */
	g_assert_false(r->pass);
	g_assert_nonnull(
	    strstr(((struct run_violation *)g_ptr_array_index(r->violations, 0))->message,
	           "unsupported by the recorder backend"));
	run_result_free(r);
	scenario_free(s);
	g_string_free(calls, TRUE);
}

/* The observation API shows the guest's irqs, the device's table and the
 * remapping entries of a booted VM consistently. */
static void test_observation_consistent(void)
{
	struct scenario *s = load(cycle);
	struct backend_config cfg = {.seed = 1};
	void *b = backend_sim.create(s, &cfg, NULL);
	const struct observation *o = backend_sim.observe(b);
	struct obs_device d;
	struct obs_vm vm;
	int res;

	obs_vm(o, &vm);
	g_assert_false(vm.powered);
	g_assert_cmpuint(vm.last_power_off, ==, OBS_NEVER);
	g_assert_true(backend_sim.boot(b, &res));
	g_assert_cmpint(res, ==, 0);
	obs_vm(o, &vm);
	g_assert_true(vm.powered);
	g_assert_cmpuint(vm.vcpus, ==, 2);
	g_assert_cmpuint(obs_device_count(o), ==, 1);
	g_assert_true(obs_device(o, 0, &d));
	g_assert_false(obs_device(o, 1, &d));
	g_assert_true(obs_device(o, 0, &d));
	g_assert_cmpstr(d.name, ==, "gpu0");
	g_assert_true(d.guest_present && d.guest_bound && d.guest_bus_installed && d.guest_d0);
	g_assert_true(d.msix_enabled && !d.msix_function_masked);
	g_assert_cmpuint(d.guest_nvec, ==, 2);
	g_assert_cmpuint(obs_remap_count(o), ==, 2);
	for (unsigned v = 0; v < 2; v++) {
		struct obs_irq i;
		struct obs_msix_entry ent;
		struct obs_remap e, e2;

		g_assert_true(obs_irq(o, 0, v, &i));
		g_assert_true(i.requested && !i.masked && i.has_chip_data);
		g_assert_true(obs_msix_entry(o, 0, v, &ent));
		g_assert_false(ent.masked);
		g_assert_cmphex(ent.address, ==, i.msg_address);
		g_assert_cmphex(ent.data, ==, i.msg_data);
		g_assert_true(obs_remap_lookup(o, 0, ent.address, ent.data, &e));
		g_assert_cmpuint(e.vcpu, ==, i.cpu);
		g_assert_cmpint(obs_vector_owner(o, e.vcpu, e.vector), ==, (int)i.irq);
		g_assert_true(obs_remap_get(o, v, &e2));
		g_assert_cmpuint(e2.vcpu, <, 2);
	}
	{
		struct obs_irq none;
		g_assert_false(obs_irq(o, 0, 2, &none));
	}
	g_assert_cmpuint(obs_guest_error_count(o), ==, 0);
	backend_sim.destroy(b);
	scenario_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/backend/runner-drives-backend", test_runner_drives_backend);
	g_test_add_func("/backend/unsupported-before-anything-runs",
	                test_unsupported_before_anything_runs);
	g_test_add_func("/backend/operation-error-reported", test_operation_error_reported);
	g_test_add_func("/backend/observation-consistent", test_observation_consistent);
	return g_test_run();
}
