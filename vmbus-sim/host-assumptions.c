/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "host-assumptions.h"

#include <glib.h>
#include <string.h>

#define MAX_VALUES 4

static const struct {
	const char *name;
	const char *description;
	unsigned nvalues;
	const char *values[MAX_VALUES];
} table[HOST_A__COUNT] = {
    [HOST_A_RETARGET_AFTER_D0_EXIT] =
        {"retarget-after-d0-exit",
         "the status HVCALL_RETARGET_INTERRUPT returns for a function after D0 exit or "
         "RESOURCES_RELEASED (no public source)",
         HOST_RETARGET_INACTIVE__COUNT,
         {"invalid-parameter", "operation-denied", "not-found", "success"}},
    [HOST_A_CREATE_ANY_CPU_TARGET] =
        {"create-any-cpu-target",
         "the VP a protocol-1.1 CREATE_INTERRUPT with every bit of cpu_mask set targets (no "
         "public source)",
         HOST_CREATE_ANY_CPU__COUNT,
         {"highest-online-vp", "first-vp"}},
    [HOST_A_RETARGET_OFFLINE_VP] =
        {"retarget-offline-vp",
         "whether a retarget to VPs the guest took offline is refused (Hyper-V has no such "
         "notification)",
         HOST_RETARGET_OFFLINE__COUNT,
         {"reject", "accept"}},
    [HOST_A_IRTE_LIFETIME] =
        {"irte-lifetime",
         "when remapping entries, BARs and memory enable of a function are released "
         "(OpenVMM vPCI: on release-resources and channel close)",
         HOST_IRTE_LIFETIME__COUNT,
         {"release-resources", "power-off"}},
    [HOST_A_REOFFER_RELIDS] =
        {"reoffer-relids",
         "the channel relation ids the host gives when it offers again after UNLOAD (no "
         "public source)",
         HOST_REOFFER_RELIDS__COUNT,
         {"changed", "same"}},
};

const char *host_assumption_name(enum host_assumption_id a)
{
	return (unsigned)a < HOST_A__COUNT ? table[a].name : NULL;
}

const char *host_assumption_description(enum host_assumption_id a)
{
	return (unsigned)a < HOST_A__COUNT ? table[a].description : NULL;
}

unsigned host_assumption_value_count(enum host_assumption_id a)
{
	return (unsigned)a < HOST_A__COUNT ? table[a].nvalues : 0;
}

const char *host_assumption_value_name(enum host_assumption_id a, unsigned v)
{
	return v < host_assumption_value_count(a) ? table[a].values[v] : NULL;
}

int host_assumption_lookup(const char *name)
{
	for (unsigned a = 0; a < HOST_A__COUNT; a++)
		if (strcmp(table[a].name, name) == 0)
			return (int)a;
	return -1;
}

int host_assumption_value_lookup(enum host_assumption_id a, const char *name)
{
	for (unsigned v = 0; v < host_assumption_value_count(a); v++)
		if (strcmp(table[a].values[v], name) == 0)
			return (int)v;
	return -1;
}

void host_assumption_set(struct host_assumptions *h, enum host_assumption_id a, unsigned v)
{
	switch (a) {
	case HOST_A_RETARGET_AFTER_D0_EXIT:
		h->retarget_after_d0_exit = (enum host_retarget_inactive)v;
		break;
	case HOST_A_CREATE_ANY_CPU_TARGET:
		h->create_any_cpu_target = (enum host_create_any_cpu)v;
		break;
	case HOST_A_RETARGET_OFFLINE_VP:
		h->retarget_offline_vp = (enum host_retarget_offline)v;
		break;
	case HOST_A_IRTE_LIFETIME:
		h->irte_lifetime = (enum host_irte_lifetime)v;
		break;
	case HOST_A_REOFFER_RELIDS:
		h->reoffer_relids = (enum host_reoffer_relids)v;
		break;
	case HOST_A__COUNT:
		break;
	}
}

unsigned host_assumption_get(const struct host_assumptions *h, enum host_assumption_id a)
{
	switch (a) {
	case HOST_A_RETARGET_AFTER_D0_EXIT:
		return h->retarget_after_d0_exit;
	case HOST_A_CREATE_ANY_CPU_TARGET:
		return h->create_any_cpu_target;
	case HOST_A_RETARGET_OFFLINE_VP:
		return h->retarget_offline_vp;
	case HOST_A_IRTE_LIFETIME:
		return h->irte_lifetime;
	case HOST_A_REOFFER_RELIDS:
		return h->reoffer_relids;
	case HOST_A__COUNT:
		break;
	}
	return 0;
}
