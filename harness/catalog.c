/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "catalog.h"

#include <glib.h>
#include <string.h>

#include "../pcifront/behaviours.h"
#include "../pcifront/drivers.h"
#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/fault.h"
#include "../vmbus-sim/host-assumptions.h"
#include "../vmbus-sim/tracepoint.h"
#include "../vmbus-sim/pcidev.h"
#include "scenario.h"
#include "steps.h"
#include "violations.h"

/* Adapters from the modules' enum-typed accessors to one signature. */
static unsigned n_profiles(void)
{
	return profile_count();
}
static const char *profile_at(unsigned i)
{
	return profile_get(i)->name;
}
static const char *profile_about(unsigned i)
{
	return profile_get(i)->description;
}
static unsigned n_behaviours(void)
{
	return BEH__COUNT;
}
static const char *behaviour_at(unsigned i)
{
	return behaviour_name(i);
}
static const char *behaviour_about(unsigned i)
{
	return behaviour_description(i);
}
static unsigned n_drivers(void)
{
	return DRIVER__COUNT;
}
static const char *driver_at(unsigned i)
{
	return driver_model_name(i);
}
static const char *driver_about(unsigned i)
{
	return driver_model_description(i);
}
static unsigned n_caps(void)
{
	return PCIDEV_NCAPS;
}
static const char *cap_at(unsigned i)
{
	return pcidev_cap_name((enum pcidev_cap)(PCIDEV_CAP_NONE + 1 + i));
}
static const char *cap_about(unsigned i)
{
	static const char *const about[PCIDEV_NCAPS] = {
	    "power management (PMCSR: D0 and D3hot), 8 bytes",
	    "MSI, 64-bit with per-vector masking, one vector, 24 bytes",
	    "MSI-X: table size, and where the table and the PBA are (BAR and offset), 12 bytes",
	};
	return about[i];
}
static unsigned n_points(void)
{
	return FP__COUNT;
}
static const char *point_at(unsigned i)
{
	return fault_point_name(i);
}
static const char *point_about(unsigned i)
{
	return fault_point_description(i);
}
static unsigned n_modes(void)
{
	return FAULT_PROBABILITY + 1;
}
static const char *mode_at(unsigned i)
{
	return fault_mode_name(i);
}
static const char *mode_about(unsigned i)
{
	static const char *const about[] = {
	    [FAULT_ONCE] = "fails the first hit only",
	    [FAULT_NTH] = "fails hit n (\"n\", from 1) only",
	    [FAULT_EVERY] = "fails every hit (the default)",
	    [FAULT_PROBABILITY] = "fails each hit with \"probability\", drawn from the seeded PRNG",
	};
	return about[i];
}
static unsigned n_phases(void)
{
	return PHASE__COUNT;
}
static const char *phase_at(unsigned i)
{
	return phase_name(i);
}
static unsigned n_ops(void)
{
	return OP__COUNT;
}
static const char *op_at(unsigned i)
{
	return step_desc(i)->name;
}
static const char *op_about(unsigned i)
{
	return step_desc(i)->about;
}
/* Reach events are the tracepoints flagged as such, in tracepoint order. */
static int reach_tp(unsigned i)
{
	for (int tp = 0; tp < TP__COUNT; tp++)
		if (tracepoint_is_reach_event(tp) && i-- == 0)
			return tp;
	return -1;
}
static unsigned n_reach(void)
{
	unsigned n = 0;

	while (reach_tp(n) >= 0)
		n++;
	return n;
}
static const char *reach_at(unsigned i)
{
	return tracepoint_name(reach_tp(i));
}
static const char *violation_at(unsigned i)
{
	return violation_kind_get(i)->name;
}
static const char *violation_about(unsigned i)
{
	return violation_kind_get(i)->description;
}

static unsigned n_host(void)
{
	return HOST_A__COUNT;
}
static const char *host_at(unsigned i)
{
	return host_assumption_name(i);
}
/* "what it decides; values: a (default), b" (made once, kept). */
static const char *host_about(unsigned i)
{
	static char *about[HOST_A__COUNT];

	if (i >= HOST_A__COUNT)
		return NULL;
	if (!about[i]) {
		GString *s = g_string_new(host_assumption_description(i));
		for (unsigned v = 0; v < host_assumption_value_count(i); v++)
			g_string_append_printf(
			    s, "%s%s%s", v ? ", " : "; values: ", host_assumption_value_name(i, v),
			    v ? "" : " (default)");
		about[i] = g_string_free(s, FALSE);
	}
	return about[i];
}

static const struct catalog catalogs[CAT__COUNT] = {
    [CAT_PROFILES] = {"profiles", "profiles", "profile", n_profiles, profile_at, profile_about},
    [CAT_BEHAVIOURS] = {"behaviours", "behaviours", "behaviour", n_behaviours, behaviour_at,
                        behaviour_about},
    [CAT_DRIVERS] = {"drivers", "driver models", "driver model", n_drivers, driver_at,
                     driver_about},
    [CAT_CAPABILITIES] = {"capabilities", "PCI capabilities (devices[].layout.capabilities)",
                          "capability", n_caps, cap_at, cap_about},
    [CAT_FAULT_POINTS] = {"faults", "fault points", "fault point", n_points, point_at, point_about},
    [CAT_FAULT_MODES] = {"modes", "fault modes", "fault mode", n_modes, mode_at, mode_about},
    [CAT_PHASES] = {"phases", "phases", "phase", n_phases, phase_at, NULL},
    [CAT_OPS] = {"ops", "step ops", "op", n_ops, op_at, op_about},
    [CAT_REACH] = {"reach", "reach events", "event", n_reach, reach_at, NULL},
    [CAT_HOST] = {"host", "host assumptions (\"host\" in a scenario)", "host assumption", n_host,
                  host_at, host_about},
    [CAT_VIOLATIONS] = {"violations", "violations", "violation", violation_kind_count, violation_at,
                        violation_about},
};

const struct catalog *catalog_get(enum catalog_id id)
{
	return id < CAT__COUNT ? &catalogs[id] : NULL;
}

int catalog_lookup(enum catalog_id id, const char *name)
{
	const struct catalog *c = catalog_get(id);

	for (unsigned i = 0; i < c->count(); i++)
		if (strcmp(c->name(i), name) == 0)
			return (int)i;
	return -1;
}

char *catalog_names(enum catalog_id id)
{
	const struct catalog *c = catalog_get(id);
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < c->count(); i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", c->name(i));
	return g_string_free(s, FALSE);
}
