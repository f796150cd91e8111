/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fault.h"
#include "hv-abi.h"
#include "trace.h"
#include "vpci-proto.h"

#include <glib.h>
#include <string.h>

struct rule_state {
	struct fault_rule r;
	char *name;
	unsigned hits; /* hits of the point seen by this rule (while enabled and in phase) */
	unsigned fired;
};

struct faults {
	struct engine *e;
	GPtrArray *rules;                /* in declaration order */
	unsigned point_rules[FP__COUNT]; /* rules on each point, enabled or not */
	unsigned hits[FP__COUNT];
	unsigned phase_depth[PHASE__COUNT];
};

static const char *const point_names[FP__COUNT] = {
    [FP_HYPERCALL_RETARGET] = "hypercall.retarget",
    [FP_VSP_CREATE_INTERRUPT] = "vsp.create-interrupt",
    [FP_VSP_D0_ENTRY] = "vsp.d0-entry",
    [FP_VMBUS_SEND] = "vmbus.send",
};

static const char *const mode_names[] = {
    [FAULT_ONCE] = "once",
    [FAULT_NTH] = "nth",
    [FAULT_EVERY] = "every",
    [FAULT_PROBABILITY] = "probability",
};

static const char *const phase_names[PHASE__COUNT] = {
    [PHASE_BOOT] = "boot",
    [PHASE_HIBERNATE] = "hibernate",
    [PHASE_CPU_OFFLINE] = "cpu-offline",
    [PHASE_RESUME] = "resume",
};

static int lookup(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *fault_point_name(enum fault_point p)
{
	return point_names[p];
}

int fault_point_lookup(const char *name)
{
	return lookup(point_names, FP__COUNT, name);
}

const char *fault_mode_name(enum fault_mode m)
{
	return mode_names[m];
}

int fault_mode_lookup(const char *name)
{
	return lookup(mode_names, G_N_ELEMENTS(mode_names), name);
}

const char *phase_name(enum phase p)
{
	return phase_names[p];
}

int phase_lookup(const char *name)
{
	return lookup(phase_names, PHASE__COUNT, name);
}

const char *fault_point_description(enum fault_point p)
{
	switch (p) {
	case FP_HYPERCALL_RETARGET:
		return "HVCALL_RETARGET_INTERRUPT returns the status (default 0x5 "
		       "HV_STATUS_INVALID_PARAMETER)";
	case FP_VSP_CREATE_INTERRUPT:
		return "the host completes CREATE_INTERRUPT with the status (default 0xC0000001 "
		       "STATUS_UNSUCCESSFUL)";
	case FP_VSP_D0_ENTRY:
		return "the host completes BUS_D0ENTRY with the status (default 0xC0000184 "
		       "STATUS_INVALID_DEVICE_STATE)";
	case FP_VMBUS_SEND:
		return "a packet the guest sends is lost before the host reads it";
	case FP__COUNT:
		break;
	}
	return "";
}

uint64_t fault_point_default_status(enum fault_point p)
{
	switch (p) {
	case FP_HYPERCALL_RETARGET:
		return HV_STATUS_INVALID_PARAMETER;
	case FP_VSP_CREATE_INTERRUPT:
		return STATUS_UNSUCCESSFUL;
	case FP_VSP_D0_ENTRY:
		return STATUS_INVALID_DEVICE_STATE;
	default:
		return 0;
	}
}

static void rule_state_free(gpointer p)
{
	struct rule_state *rs = p;

	g_free(rs->name);
	g_free(rs);
}

struct faults *faults_new(struct engine *e)
{
	struct faults *f = g_new0(struct faults, 1);

	f->e = e;
	f->rules = g_ptr_array_new_with_free_func(rule_state_free);
	return f;
}

void faults_free(struct faults *f)
{
	if (!f)
		return;
	g_ptr_array_free(f->rules, TRUE);
	g_free(f);
}

void faults_add(struct faults *f, const struct fault_rule *rule)
{
	struct rule_state *rs = g_new0(struct rule_state, 1);

	rs->r = *rule;
	rs->name = g_strdup(rule->name ? rule->name : point_names[rule->point]);
	rs->r.name = rs->name;
	g_ptr_array_add(f->rules, rs);
	f->point_rules[rule->point]++;
}

bool faults_set_enabled(struct faults *f, const char *name, bool enabled)
{
	bool found = false;

	for (guint i = 0; i < f->rules->len; i++) {
		struct rule_state *rs = g_ptr_array_index(f->rules, i);
		if (strcmp(rs->name, name) == 0) {
			rs->r.enabled = enabled;
			found = true;
		}
	}
	return found;
}

static bool rule_fires(struct faults *f, struct rule_state *rs)
{
	rs->hits++;
	switch (rs->r.mode) {
	case FAULT_ONCE:
		return rs->fired == 0;
	case FAULT_NTH:
		return rs->hits == rs->r.n;
	case FAULT_EVERY:
		return true;
	case FAULT_PROBABILITY:
		return (double)(engine_rand(f->e) >> 11) * 0x1.0p-53 < rs->r.probability;
	}
	return false;
}

static bool check_rules(struct faults *f, enum fault_point p, uint64_t *status)
{
	for (guint i = 0; i < f->rules->len; i++) {
		struct rule_state *rs = g_ptr_array_index(f->rules, i);
		if (rs->r.point != p || !rs->r.enabled)
			continue;
		if (rs->r.phase >= 0 && !f->phase_depth[rs->r.phase])
			continue;
		if (!rule_fires(f, rs))
			continue;
		rs->fired++;
		if (status)
			*status = rs->r.status_set ? rs->r.status : fault_point_default_status(p);
		engine_reach(f->e, REACH_FAULT_INJECTED);
		TRACE(f->e, "fault", "inject", "\"point\":\"%s\",\"rule\":\"%s\",\"hit\":%u",
		      point_names[p], rs->name, rs->hits);
		return true;
	}
	return false;
}

bool fault_check(struct faults *f, enum fault_point p, uint64_t *status)
{
	f->hits[p]++;
	/* most points of most runs have no rule at all */
	return f->point_rules[p] && check_rules(f, p, status);
}

unsigned fault_hits(const struct faults *f, enum fault_point p)
{
	return f->hits[p];
}

void faults_phase_enter(struct faults *f, enum phase p)
{
	f->phase_depth[p]++;
}

void faults_phase_exit(struct faults *f, enum phase p)
{
	g_assert(f->phase_depth[p] > 0);
	f->phase_depth[p]--;
}

bool faults_in_phase(const struct faults *f, enum phase p)
{
	return f->phase_depth[p] > 0;
}
