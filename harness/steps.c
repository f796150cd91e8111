/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "steps.h"

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
	return STEP_QUIET;
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

static const char *const no_fields[] = {NULL};
static const char *const fire_fields[] = {"device", "vectors", NULL};
static const char *const cpu_fields[] = {"cpu", NULL};
static const char *const fault_fields[] = {"name", "enabled", NULL};
static const char *const advance_fields[] = {"ns", NULL};

static const struct step_desc steps[OP__COUNT] = {
    [OP_BOOT] = {"boot", no_fields,
                 "power on, probe every vPCI bus, bind the drivers (the first step)", run_boot},
    [OP_FIRE] = {"fire", fire_fields,
                 "the device raises its vectors (\"device\", optional \"vectors\")", run_fire},
    [OP_HIBERNATE] = {"hibernate", no_fields, "the whole hibernation sequence down to power-off",
                      run_hibernate},
    [OP_RESUME] = {"resume", no_fields, "power on, boot kernel hands over to the image, restore",
                   run_resume},
    [OP_CPU_OFFLINE] = {"cpu-offline", cpu_fields, "take \"cpu\" offline; its irqs migrate",
                        run_cpu_offline},
    [OP_CPU_ONLINE] = {"cpu-online", cpu_fields, "bring \"cpu\" back online", run_cpu_online},
    [OP_FAULT] = {"fault", fault_fields, "arm or disarm fault rule \"name\" (\"enabled\")",
                  run_fault},
    [OP_ADVANCE] = {"advance", advance_fields, "let \"ns\" nanoseconds of virtual time pass",
                    run_advance},
    [OP_CHECK] = {"check", no_fields, "nothing happens; the oracles check the quiet VM", run_check},
};

const struct step_desc *step_desc(enum scn_op op)
{
	return (unsigned)op < OP__COUNT ? &steps[op] : NULL;
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
