/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend seam: what the runner asks of a world. The embedded
 * simulator (backend-sim.c) is one backend; a real VM driven through
 * libvirt can be another. The runner's step logic and the oracles see only
 * this interface and the observation API (observe.h).
 *
 * A backend says before anything runs which steps of a scenario it cannot
 * do; it never skips a step silently.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../vmbus-sim/tracepoint.h"
#include "observe.h"
#include "scenario.h"

struct engine;
struct trace;

struct backend_config {
	uint64_t seed;
	struct trace *trace; /* where the world traces, or NULL */
	/* A real VM's backend: the libvirt connection URI (NULL: libvirt's
	 * default) and the domain's name. The simulator ignores both. */
	const char *connect;
	const char *domain;
};

/* The guest operations a backend runs as a whole. */
enum backend_guest_op {
	BACKEND_BOOT,
	BACKEND_HIBERNATE,
	BACKEND_RESUME,
	BACKEND_CPU_OFFLINE,
	BACKEND_CPU_ONLINE,
	BACKEND_SET_AFFINITY,
};

/* One guest operation and its arguments. */
struct backend_guest_call {
	enum backend_guest_op op;
	unsigned cpu;            /* BACKEND_CPU_OFFLINE, BACKEND_CPU_ONLINE */
	unsigned dev, vector;    /* BACKEND_SET_AFFINITY */
	struct obs_cpumask cpus; /* BACKEND_SET_AFFINITY */
};

struct backend_ops {
	const char *name;
	/* Builds the world for s, powered off. NULL and *error when it cannot. */
	void *(*create)(const struct scenario *s, const struct backend_config *cfg, GError **error);
	void (*destroy)(void *b);
	/* False, with a reason (g_free it), for a step of s this backend
	 * cannot do; asked of every step before anything runs. */
	bool (*supports)(const struct scenario *s, const struct scn_step *st, char **why);
	/* Optional: the same for what s asks besides its steps (its fault
	 * rules, the events it must reach); asked first. */
	bool (*supports_scenario)(const struct scenario *s, char **why);

	/* The world's clock and trace (virtual time for the simulator). */
	struct engine *(*engine)(void *b);

	/* Power and CPU transitions: each runs the guest's side of it until
	 * the world is quiet. boot and resume power the VM on first. *result
	 * is the guest's 0 or negative errno; false when the guest could not
	 * finish (it is stuck). */
	bool (*boot)(void *b, int *result);
	bool (*hibernate)(void *b, int *result);
	bool (*resume)(void *b, int *result);
	bool (*cpu_offline)(void *b, unsigned cpu, int *result);
	bool (*cpu_online)(void *b, unsigned cpu, int *result);
	/* Writes cpus to /proc/irq/N/smp_affinity of a device's vector. NULL
	 * when the backend cannot (then supports() refuses the step). */
	bool (*set_affinity)(void *b, unsigned dev, unsigned vector, const struct obs_cpumask *cpus,
	                     int *result);

	/* The device raises a vector; delivery happens at the next settle. */
	void (*fire)(void *b, unsigned dev, unsigned vector);
	/* Runs until nothing more happens. */
	void (*settle)(void *b);
	/* Lets ns of time pass. */
	void (*advance)(void *b, uint64_t ns);
	/* Arms or disarms the scenario's fault rule `name`; false if unknown. */
	bool (*set_fault)(void *b, const char *name, bool enabled);

	const struct observation *(*observe)(void *b);

	/* Adds a rule after every rule there is (so it is checked last), armed
	 * or not as rule->enabled says, taking effect from the next hit of its
	 * point. The rule's name must be new. NULL when the backend cannot. */
	bool (*add_fault)(void *b, const struct fault_rule *rule);

	/* The world a step at a time (the console's step, next, until). NULL
	 * when the backend cannot stop a world mid-way.
	 * guest_begin starts what boot .. cpu_online start (boot and resume
	 * power the VM on first) and returns at once; run_one runs one event
	 * or task switch due no later than limit (ENGINE_NO_LIMIT: any) and
	 * returns false once nothing of that is left, the clock then standing
	 * at limit as after advance; guest_end, once run_one said so, returns
	 * what the synchronous call would have. */
	void (*guest_begin)(void *b, const struct backend_guest_call *c);
	bool (*run_one)(void *b, uint64_t limit);
	bool (*guest_end)(void *b, int *result);
};

extern const struct backend_ops backend_sim;
#ifdef HAVE_LIBVIRT
/* A real domain through libvirt and its guest agent (backend-libvirt.c). */
extern const struct backend_ops backend_libvirt;
#endif

/* Every step of s the backend can do; otherwise false and an error naming
 * the file, line and step. */
bool backend_check_scenario(const struct backend_ops *ops, const struct scenario *s,
                            GError **error);
