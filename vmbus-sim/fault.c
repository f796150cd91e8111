/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tracepoint.h"
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

/* Each fault point once: its name, what a hit does, the status it reports
 * unless the rule names one. */
static const struct {
	const char *name;
	const char *description;
	uint64_t default_status;
} points[FP__COUNT] = {
    [FP_HYPERCALL_RETARGET] = {"hypercall.retarget",
                               "HVCALL_RETARGET_INTERRUPT returns the status (default 0x5 "
                               "HV_STATUS_INVALID_PARAMETER)",
                               HV_STATUS_INVALID_PARAMETER},
    [FP_VSP_CREATE_INTERRUPT] = {"vsp.create-interrupt",
                                 "the host completes CREATE_INTERRUPT with the status (default "
                                 "0xC0000001 STATUS_UNSUCCESSFUL)",
                                 STATUS_UNSUCCESSFUL},
    [FP_VSP_D0_ENTRY] = {"vsp.d0-entry",
                         "the host completes BUS_D0ENTRY with the status (default 0xC0000184 "
                         "STATUS_INVALID_DEVICE_STATE)",
                         STATUS_INVALID_DEVICE_STATE},
    [FP_VMBUS_SEND] = {"vmbus.send", "a packet the guest sends is lost before the host reads it",
                       0},
};

static const char *const mode_names[] = {
    [FAULT_ONCE] = "once",
    [FAULT_NTH] = "nth",
    [FAULT_EVERY] = "every",
    [FAULT_PROBABILITY] = "probability",
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
	return (unsigned)p < FP__COUNT ? points[p].name : "?";
}

int fault_point_lookup(const char *name)
{
	for (int i = 0; i < FP__COUNT; i++)
		if (strcmp(points[i].name, name) == 0)
			return i;
	return -1;
}

const char *fault_mode_name(enum fault_mode m)
{
	return mode_names[m];
}

int fault_mode_lookup(const char *name)
{
	return lookup(mode_names, G_N_ELEMENTS(mode_names), name);
}

const char *fault_point_description(enum fault_point p)
{
	return (unsigned)p < FP__COUNT ? points[p].description : "";
}

uint64_t fault_point_default_status(enum fault_point p)
{
	return (unsigned)p < FP__COUNT ? points[p].default_status : 0;
}

static void rule_state_free(gpointer p)
{
	struct rule_state *rs = p;

	g_free(rs->name);
	g_free(rs);
}

static void on_phase(void *ctx, struct engine *e, enum tracepoint tp, const struct tp_args *a)
{
	(void)e;
	if (tp == TP_PHASE_ENTER)
		faults_phase_enter(ctx, a->phase);
	else if (tp == TP_PHASE_EXIT)
		faults_phase_exit(ctx, a->phase);
}

struct faults *faults_new(struct engine *e)
{
	struct faults *f = g_new0(struct faults, 1);

	f->e = e;
	f->rules = g_ptr_array_new_with_free_func(rule_state_free);
	g_assert(tp_register(e, on_phase, f) == 0);
	return f;
}

/* Before the engine it was made with. */
void faults_free(struct faults *f)
{
	if (!f)
		return;
	tp_unregister(f->e, on_phase, f);
	g_ptr_array_free(f->rules, TRUE);
	g_free(f);
}

void faults_add(struct faults *f, const struct fault_rule *rule)
{
	struct rule_state *rs = g_new0(struct rule_state, 1);

	rs->r = *rule;
	rs->name = g_strdup(rule->name ? rule->name : points[rule->point].name);
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

unsigned faults_rule_count(const struct faults *f)
{
	return f->rules->len;
}

bool faults_rule_get(const struct faults *f, unsigned i, struct fault_rule *rule, unsigned *hits,
                     unsigned *fired)
{
	const struct rule_state *rs;

	if (i >= f->rules->len)
		return false;
	rs = g_ptr_array_index(f->rules, i);
	if (rule)
		*rule = rs->r;
	if (hits)
		*hits = rs->hits;
	if (fired)
		*fired = rs->fired;
	return true;
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
		tp_hit(f->e, TP_FAULT_INJECTED, NULL);
		TRACE(f->e, "fault", "inject", "\"point\":\"%s\",\"rule\":\"%s\",\"hit\":%u",
		      points[p].name, rs->name, rs->hits);
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
