/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files: JSON (strict) loaded with json-c, every field validated
 * before anything runs; errors carry file:line:col and the field's path.
 * --set PATH=VALUE overrides any field before validation.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "../pcifront/behaviours.h"
#include "../pcifront/drivers.h"
#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/fault.h"
#include "../vmbus-sim/host-assumptions.h"
#include "../vmbus-sim/tracepoint.h"
#include "../vmbus-sim/pcidev.h"
#include "observe.h"

/* The largest VM a scenario describes: Hyper-V's 240 vCPUs, 32 devices (a
 * vPCI bus each), and per device the MSI-X capability's limit. */
#define SCN_MAX_VCPUS   240
#define SCN_MAX_VECTORS 2048
#define SCN_MAX_DEVICES 32
/* The largest scenario: a file, or the text given to scenario_load_data(). */
#define SCN_MAX_FILE_SIZE (16 * 1024 * 1024)

#define SCENARIO_ERROR (scenario_error_quark())
GQuark scenario_error_quark(void);
enum scenario_error_code {
	SCENARIO_ERROR_IO,     /* cannot read the file; not a regular file; over 16 MiB */
	SCENARIO_ERROR_SYNTAX, /* not strict JSON */
	SCENARIO_ERROR_SCHEMA, /* unknown field, wrong type, bad value */
	SCENARIO_ERROR_SET,    /* a --set override is malformed or does not apply */
};

struct scn_device {
	char *name;
	enum driver_model driver;
	unsigned vectors;
	uint16_t vendor_id;
	uint16_t device_id;
	struct pcidev_layout layout; /* all zero: the default */
	bool msi;                    /* interrupts "msi": an MSI function, no MSI-X */
	bool msi_no_maskbits;        /* "msi-masking": false */
};

struct scn_fault {
	char *name;
	struct fault_rule rule; /* rule.name points at name */
};

enum scn_op {
	OP_BOOT,
	OP_FIRE,
	OP_HIBERNATE,
	OP_RESUME,
	OP_CPU_OFFLINE,
	OP_CPU_ONLINE,
	OP_FAULT,
	OP_ADVANCE,
	OP_CHECK,
	OP_SET_AFFINITY,
	OP__COUNT
};

struct scn_step {
	enum scn_op op;
	unsigned line; /* where the step's object starts in the file (1-based) */
	unsigned col;
	unsigned device;         /* OP_FIRE, OP_SET_AFFINITY: index into devices */
	unsigned vector;         /* OP_SET_AFFINITY */
	struct obs_cpumask cpus; /* OP_SET_AFFINITY */
	bool all_vectors;        /* OP_FIRE without "vectors" */
	unsigned nvectors;       /* OP_FIRE with "vectors" */
	/* The list, interned (scn_intern_vectors): steps are copied by value
	 * and outlive their scenario, and the list is never freed. */
	const unsigned *vectors;
	unsigned cpu;     /* OP_CPU_OFFLINE / OP_CPU_ONLINE */
	unsigned fault;   /* OP_FAULT: index into faults */
	bool enabled;     /* OP_FAULT */
	uint64_t ns;      /* OP_ADVANCE */
	bool allow_abort; /* OP_HIBERNATE: the kernel may refuse or abort it */
};

struct scenario {
	char *file; /* as given */
	char *name;
	char *description;
	uint64_t seed;
	unsigned vcpus;
	uint32_t protocol; /* highest version the host offers, PCI_MAKE_VERSION */
	const struct profile *profile;
	behaviour_set behaviours;     /* the profile's, with overrides applied */
	struct host_assumptions host; /* "host": zero is the strictest host */
	struct scn_device *devices;
	unsigned ndevices;
	struct scn_fault *faults;
	unsigned nfaults;
	struct scn_step *steps;
	unsigned nsteps;
	bool reach[TP__COUNT]; /* reach events (tracepoints) the run must hit */
	bool expect_pass;
	char **expect_violations; /* NULL-terminated; "oracle.kind" names */
};

const char *scn_op_name(enum scn_op op);
/* The one copy of the list v[0..n-1] for the process's lifetime: equal
 * lists share it, so memory grows with the distinct lists loaded. */
const unsigned *scn_intern_vectors(const unsigned *v, unsigned n);

/* The one rule for a seed, whether from a file's "seed", --set seed=N or
 * --seed N: decimal digits only (no sign, no "0x"), at most 2^64-1. */
#define SCN_SEED_RULE "a decimal integer from 0 to 18446744073709551615"
bool scenario_parse_seed(const char *text, uint64_t *seed);

/* sets: NULL-terminated "PATH=VALUE" strings, applied in order. data is
 * len bytes, with or without a NUL after them. */
struct scenario *scenario_load(const char *path, const char *const *sets, GError **error);
struct scenario *scenario_load_data(const char *label, const char *data, size_t len,
                                    const char *const *sets, GError **error);
void scenario_free(struct scenario *s);
