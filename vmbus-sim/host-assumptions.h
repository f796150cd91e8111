/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host assumptions: what the host does where no public source says what
 * Hyper-V does (or where the model used to be kinder than the reference
 * host). Each is a switch; the zero value of every field is the strictest
 * choice and the default. doc/host-assumptions.md says what each rests on.
 */
#pragma once

#include <stdint.h>

/* (a) The status of HVCALL_RETARGET_INTERRUPT for a function that left D0
 * or whose resources were released. */
enum host_retarget_inactive {
	HOST_RETARGET_INACTIVE_INVALID_PARAMETER, /* HV_STATUS_INVALID_PARAMETER (default) */
	HOST_RETARGET_INACTIVE_OPERATION_DENIED,  /* HV_STATUS_OPERATION_DENIED */
	HOST_RETARGET_INACTIVE_NOT_FOUND,         /* HV_STATUS_NOT_FOUND */
	HOST_RETARGET_INACTIVE_SUCCESS,           /* accepted and ignored: nothing moves */
	HOST_RETARGET_INACTIVE__COUNT
};

/* (b) The VP a protocol-1.1 CREATE_INTERRUPT targets when its cpu_mask
 * has every bit set. */
enum host_create_any_cpu {
	HOST_CREATE_ANY_CPU_HIGHEST_ONLINE, /* the highest online VP (default) */
	HOST_CREATE_ANY_CPU_FIRST,          /* the first VP of the mask (VP 0) */
	HOST_CREATE_ANY_CPU__COUNT
};

/* (c) A retarget naming only VPs the guest reported offline. */
enum host_retarget_offline {
	HOST_RETARGET_OFFLINE_REJECT, /* HV_STATUS_INVALID_PARAMETER (default) */
	HOST_RETARGET_OFFLINE_ACCEPT, /* the entry moves; its interrupts reach no running VP */
	HOST_RETARGET_OFFLINE__COUNT
};

/* (d) How long interrupt remapping entries, BARs and memory enable last. */
enum host_irte_lifetime {
	HOST_IRTE_LIFETIME_RELEASE_RESOURCES, /* released with RESOURCES_RELEASED and channel
	                                         close, as the reference host (default) */
	HOST_IRTE_LIFETIME_POWER_OFF,         /* kept until power-off (the older model) */
	HOST_IRTE_LIFETIME__COUNT
};

/* (e) The channel relation ids the host gives on a re-offer after UNLOAD. */
enum host_reoffer_relids {
	HOST_REOFFER_RELIDS_CHANGED, /* new ids, never used before in this power cycle (default) */
	HOST_REOFFER_RELIDS_SAME,    /* the ids of the first offer */
	HOST_REOFFER_RELIDS__COUNT
};

struct host_assumptions {
	enum host_retarget_inactive retarget_after_d0_exit;
	enum host_create_any_cpu create_any_cpu_target;
	enum host_retarget_offline retarget_offline_vp;
	enum host_irte_lifetime irte_lifetime;
	enum host_reoffer_relids reoffer_relids;
};

enum host_assumption_id {
	HOST_A_RETARGET_AFTER_D0_EXIT,
	HOST_A_CREATE_ANY_CPU_TARGET,
	HOST_A_RETARGET_OFFLINE_VP,
	HOST_A_IRTE_LIFETIME,
	HOST_A_REOFFER_RELIDS,
	HOST_A__COUNT
};

/* The scenario field's name ("retarget-after-d0-exit"), what it decides,
 * and its values (value 0 is the default). */
const char *host_assumption_name(enum host_assumption_id a);
const char *host_assumption_description(enum host_assumption_id a);
unsigned host_assumption_value_count(enum host_assumption_id a);
const char *host_assumption_value_name(enum host_assumption_id a, unsigned v);
/* -1 for an unknown name. */
int host_assumption_lookup(const char *name);
int host_assumption_value_lookup(enum host_assumption_id a, const char *name);
/* Sets assumption a of *h to value v. */
void host_assumption_set(struct host_assumptions *h, enum host_assumption_id a, unsigned v);
unsigned host_assumption_get(const struct host_assumptions *h, enum host_assumption_id a);
