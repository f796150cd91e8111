/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark: the canonical VM (4 vCPUs; a GPU that keeps its 8 MSI-X
 * vectors and an NVMe controller that re-requests its 8) through N
 * hibernate/resume cycles, every vector fired after each resume, oracles
 * on. Prints one JSON object. Wall-clock time is measured here and only
 * here; nothing of it reaches a trace or a verdict.
 *
 * Three runs of the same N cycles, each timed separately:
 *
 *   cycles_per_second            hibernate, resume, fire every vector; no trace
 *   cycles_per_second_traced     the same, with the trace written to /dev/null
 *   cycles_per_second_migrating  the same, untraced, but before each hibernation
 *                                every vector's affinity is spread over CPUs
 *                                1..3, as irqbalance would
 *
 * The migrating cycle exists so that every cycle moves irqs and fails
 * retargets. In the plain cycle only the first hibernation migrates
 * anything: the NVMe driver frees its vectors in freeze before the CPUs go
 * down, and the GPU's kept vectors all end up on CPU 0 (the only CPU never
 * taken offline), where the image keeps them; nothing moves an irq back to a
 * CPU that comes online. The migrating cycle writes each vector's
 * smp_affinity (the set-affinity step: vector v of every device to CPU
 * 1 + v % 3) before hibernating. That moves the GPU's vectors off CPU 0 at
 * run time (new vector, HVCALL_RETARGET_INTERRUPT, which succeeds: the
 * bridge is in D0), and the hibernation's CPU offlining then migrates them
 * back to CPU 0 after the bridge has left D0, where every retarget fails.
 * The NVMe vectors, requested again in ->restore, move the same way.
 *
 * Devices alternate between the two driver models: device 0 is gpu0
 * (keep-vectors), device 1 nvme0 (recreate-vectors), device 2 gpu1, ...
 * (--driver picks one model for every device instead).
 *
 * --scaling runs the plain cycle at 1..64 vectors per device (2 devices,
 * alternating) and at 1..8 devices, and prints a JSON array: per point the
 * time of one cycle, that time per vector and per device, and the marginal
 * cost of each vector or device added since the previous point (constant if
 * cost is linear). The device axis is run once per driver model, every
 * device of a series with the same model: with alternating models the
 * first device would be a GPU alone and the second an NVMe controller,
 * which re-requests its vectors every cycle and costs more, so the
 * "per device" figure would compare different work.
 *
 * Each figure comes as wall time and as the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, the cpu_* fields): CPU time leaves out the
 * time other processes held the CPU, though not what they do to caches and
 * shared cores, so compare builds side by side either way. With --repeat N
 * each is the best of N runs.
 */
#include "harness/runner.h"
#include "vmbus-sim/trace.h"
#include "vmbus-sim/vpci-proto.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_CYCLES  10000000UL
#define MAX_REPEAT  100UL
#define VCPUS       4
#define SPREAD_CPUS 3 /* the migrating cycle spreads vectors over CPUs 1..SPREAD_CPUS */

enum mode { MODE_PLAIN, MODE_TRACED, MODE_MIGRATING, MODE__COUNT };

static const char *const mode_names[MODE__COUNT] = {"plain", "traced", "migrating"};

/* Which driver model each device gets. */
enum drivers { DRIVERS_ALTERNATE, DRIVERS_KEEP, DRIVERS_RECREATE, DRIVERS__COUNT };

static const char *const driver_names[DRIVERS__COUNT] = {"alternate", "keep-vectors",
                                                         "recreate-vectors"};

struct config {
	unsigned long cycles;
	enum drivers drivers;
	unsigned devices;
	unsigned vectors;
	unsigned repeat;
};

static void add_device(struct scenario *s, unsigned i, unsigned vectors, enum drivers drivers)
{
	bool gpu = drivers == DRIVERS_ALTERNATE ? i % 2 == 0 : drivers == DRIVERS_KEEP;
	unsigned k = drivers == DRIVERS_ALTERNATE ? i / 2 : i;

	/* the default layout */
	s->devices[i] = (struct scn_device){
	    .name = g_strdup_printf("%s%u", gpu ? "gpu" : "nvme", k),
	    .driver = gpu ? DRIVER_KEEP_VECTORS : DRIVER_RECREATE_VECTORS,
	    .vectors = vectors,
	    .vendor_id = gpu ? 0x10de : 0x1414,
	    .device_id = gpu ? 0x1eb8 : 0xb111,
	};
}

/* The boot step and the steps of one cycle: run_once() plays the cycle's
 * steps c->cycles times, so that memory does not grow with the number of
 * cycles (a step is some 300 bytes: 60 MB for 50,000 cycles). NULL if the
 * steps do not fit in memory. */
static struct scenario *build(const struct config *c, bool migrating)
{
	size_t per_cycle = 2 + c->devices + (migrating ? (size_t)c->devices * c->vectors : 0);
	struct scn_step *steps = g_try_new0(struct scn_step, 1 + per_cycle);
	struct scenario *s;
	unsigned n = 0;

	if (!steps)
		return NULL;
	s = g_new0(struct scenario, 1);
	s->file = g_strdup("(built in)");
	s->name = g_strdup(migrating ? "canonical-vm-migrating" : "canonical-vm");
	s->seed = 1;
	s->vcpus = VCPUS;
	s->protocol = PCI_PROTOCOL_VERSION_1_4;
	s->profile = profile_default();
	s->behaviours = profile_default()->behaviours;
	s->ndevices = c->devices;
	s->devices = g_new0(struct scn_device, c->devices);
	for (unsigned i = 0; i < c->devices; i++)
		add_device(s, i, c->vectors, c->drivers);
	s->steps = steps;
	s->steps[n++].op = OP_BOOT;
	if (migrating) {
		for (unsigned d = 0; d < c->devices; d++)
			for (unsigned v = 0; v < c->vectors; v++) {
				struct scn_step *st = &s->steps[n++];
				unsigned cpu = 1 + v % SPREAD_CPUS;
				*st = (struct scn_step){
				    .op = OP_SET_AFFINITY, .device = d, .vector = v};
				st->cpus.bits[cpu / 64] |= 1ull << (cpu % 64);
			}
	}
	s->steps[n++].op = OP_HIBERNATE;
	s->steps[n++].op = OP_RESUME;
	for (unsigned d = 0; d < c->devices; d++)
		s->steps[n++] = (struct scn_step){.op = OP_FIRE, .device = d, .all_vectors = true};
	s->nsteps = n;
	s->expect_pass = true;
	return s;
}

/* Seconds of a run: wall-clock and the process's CPU time. */
struct timing {
	double wall, cpu;
};

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run of s; adds its violations to *violations. */
/* As run_scenario() would run the boot step and then the cycle's steps
 * cycles times over. */
static struct timing run_once(const struct scenario *s, unsigned long cycles, FILE *trace,
                              unsigned *violations)
{
	struct run_options opt = {.trace = trace};
	double wall = now(CLOCK_MONOTONIC), cpu = now(CLOCK_PROCESS_CPUTIME_ID);
	g_autoptr(GError) error = NULL;
	struct run *run = run_begin(s, &opt, &error);
	struct run_result *r;
	struct timing t;
	bool going;

	if (!run)
		g_error("hibernate-cycles: cannot run the canonical VM: %s", error->message);
	going = run_step(run, &s->steps[0]);
	for (unsigned long k = 0; going && k < cycles; k++)
		for (unsigned i = 1; going && i < s->nsteps; i++)
			going = run_step(run, &s->steps[i]);
	r = run_end(run);
	t = (struct timing){now(CLOCK_MONOTONIC) - wall, now(CLOCK_PROCESS_CPUTIME_ID) - cpu};

	*violations += r->violations->len;
	run_result_free(r);
	/* never report an infinite rate */
	t.wall = MAX(t.wall, 1e-9);
	t.cpu = MAX(t.cpu, 1e-9);
	return t;
}

/* The best (shortest) of c->repeat runs, wall and CPU time each; wall < 0 if
 * out of memory. */
static struct timing run_mode(const struct config *c, enum mode m, unsigned *violations)
{
	struct scenario *s = build(c, m == MODE_MIGRATING);
	FILE *devnull = NULL;
	char *devnull_buf = NULL;
	struct timing best = {-1, -1};

	if (!s) {
		fprintf(stderr, "hibernate-cycles: not enough memory for the steps of %lu cycles\n",
		        c->cycles);
		return best;
	}
	if (m == MODE_TRACED) {
		devnull = fopen("/dev/null", "w");
		if (!devnull) {
			perror("hibernate-cycles: /dev/null");
			exit(1);
		}
		/* as hvpci-sim run --trace buffers its file */
		devnull_buf = g_malloc(TRACE_FILE_BUFFER);
		setvbuf(devnull, devnull_buf, _IOFBF, TRACE_FILE_BUFFER);
	}
	for (unsigned i = 0; i < c->repeat; i++) {
		struct timing t = run_once(s, c->cycles, devnull, violations);
		if (best.wall < 0 || t.wall < best.wall)
			best.wall = t.wall;
		if (best.cpu < 0 || t.cpu < best.cpu)
			best.cpu = t.cpu;
	}
	if (devnull)
		fclose(devnull);
	g_free(devnull_buf);
	scenario_free(s);
	return best;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* A whole decimal number in [min, max]: no sign, no blanks, no suffix. */
static bool parse_number(const char *opt, const char *arg, unsigned long min, unsigned long max,
                         unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = arg[0] >= '0' && arg[0] <= '9' ? strtoul(arg, &end, 10) : 0;
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || v < min || v > max) {
		fprintf(stderr,
		        "hibernate-cycles: %s must be a whole number from %lu to %lu, not '%s'\n",
		        opt, min, max, arg);
		return false;
	}
	*out = v;
	return true;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: hibernate-cycles [--cycles N] [--devices N] [--vectors N] [--repeat N]\n"
	    "                        [--driver MODEL] [--only plain|traced|migrating] [--scaling]\n"
	    "Runs a VM with 4 vCPUs through N hibernate/resume cycles and prints one JSON\n"
	    "object with cycles per second (plain, traced to /dev/null, and with every\n"
	    "vector's affinity re-spread before each hibernation, as irqbalance would) and\n"
	    "the peak resident set size.\n"
	    "  --cycles N   cycles per run, 1..%lu (default 2000)\n"
	    "  --devices N  passed-through devices, 1..8, alternating keep-vectors (gpuK) and\n"
	    "               recreate-vectors (nvmeK) drivers (default 2)\n"
	    "  --driver M   alternate (default), keep-vectors or recreate-vectors: the\n"
	    "               driver model of every device\n"
	    "  --vectors N  MSI-X vectors per device, 1..64 (default 8)\n"
	    "  --repeat N   run each measurement N times and keep the best, 1..%lu (default 1)\n"
	    "  --only MODE  run only that measurement (for profilers)\n"
	    "  --scaling    print a JSON array: cost per vector (1..64) and per device (1..8,\n"
	    "               once with every device keep-vectors, once recreate-vectors)\n",
	    MAX_CYCLES, MAX_REPEAT);
}

static int scaling(const struct config *base)
{
	static const unsigned vector_points[] = {1, 2, 4, 8, 16, 32, 64};
	static const unsigned device_points[] = {1, 2, 4, 8};
	unsigned violations = 0;
	bool first = true;

	printf("[");
	/* axis 0: vectors, with the base's drivers; 1, 2: devices, one model each */
	for (unsigned axis = 0; axis < 3; axis++) {
		const unsigned *pts = axis == 0 ? vector_points : device_points;
		unsigned npts =
		    axis == 0 ? G_N_ELEMENTS(vector_points) : G_N_ELEMENTS(device_points);
		double prev_us = 0, prev_cpu_us = 0;
		unsigned prev_units = 0;

		for (unsigned p = 0; p < npts; p++) {
			struct config c = *base;
			unsigned units;
			struct timing t;
			double us, cpu_us;

			if (axis == 0) {
				c.vectors = pts[p];
			} else {
				c.devices = pts[p];
				c.drivers = axis == 1 ? DRIVERS_KEEP : DRIVERS_RECREATE;
			}
			units = axis == 0 ? c.devices * c.vectors : c.devices;
			t = run_mode(&c, MODE_PLAIN, &violations);
			if (t.wall < 0)
				return 1;
			us = t.wall * 1e6 / (double)c.cycles;
			cpu_us = t.cpu * 1e6 / (double)c.cycles;
			printf("%s\n  {\"vary\": \"%s\", \"drivers\": \"%s\", \"devices\": %u, "
			       "\"vectors_per_device\": %u, "
			       "\"cycles\": %lu, \"us_per_cycle\": %.3f, \"us_per_vector\": %.4f, "
			       "\"us_per_device\": %.4f, \"cpu_us_per_cycle\": %.3f, "
			       "\"cpu_us_per_vector\": %.4f, \"cpu_us_per_device\": %.4f",
			       first ? "" : ",", axis == 0 ? "vectors" : "devices",
			       driver_names[c.drivers], c.devices, c.vectors, c.cycles, us,
			       us / (c.devices * c.vectors), us / c.devices, cpu_us,
			       cpu_us / (c.devices * c.vectors), cpu_us / c.devices);
			if (p > 0)
				printf(", \"marginal_us_per_%s\": %.4f, "
				       "\"cpu_marginal_us_per_%s\": %.4f",
				       axis == 0 ? "vector" : "device",
				       (us - prev_us) / (units - prev_units),
				       axis == 0 ? "vector" : "device",
				       (cpu_us - prev_cpu_us) / (units - prev_units));
			printf("}");
			fflush(stdout);
			first = false;
			prev_us = us;
			prev_cpu_us = cpu_us;
			prev_units = units;
		}
	}
	printf("\n]\n");
	if (violations)
		fprintf(stderr, "hibernate-cycles: %u violation(s) during the scaling runs\n",
		        violations);
	return violations ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct config c = {.cycles = 2000, .devices = 2, .vectors = 8, .repeat = 1};
	bool run[MODE__COUNT] = {true, true, true}, scale = false;
	struct timing secs[MODE__COUNT] = {{0, 0}};
	unsigned violations = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long v;

		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--scaling") == 0) {
			scale = true;
			continue;
		}
		if (strcmp(a, "--cycles") && strcmp(a, "--devices") && strcmp(a, "--vectors") &&
		    strcmp(a, "--repeat") && strcmp(a, "--only") && strcmp(a, "--driver")) {
			fprintf(stderr, "hibernate-cycles: unknown argument '%s' (try --help)\n",
			        a);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "hibernate-cycles: %s needs a value (try --help)\n", a);
			return 2;
		}
		const char *val = argv[++i];
		if (strcmp(a, "--only") == 0) {
			int m = -1;
			for (int k = 0; k < MODE__COUNT; k++)
				if (strcmp(val, mode_names[k]) == 0)
					m = k;
			if (m < 0) {
				fprintf(
				    stderr,
				    "hibernate-cycles: --only takes plain, traced or migrating, "
				    "not '%s'\n",
				    val);
				return 2;
			}
			for (int k = 0; k < MODE__COUNT; k++)
				run[k] = k == m;
		} else if (strcmp(a, "--driver") == 0) {
			int m = -1;
			for (int k = 0; k < DRIVERS__COUNT; k++)
				if (strcmp(val, driver_names[k]) == 0)
					m = k;
			if (m < 0) {
				fprintf(
				    stderr,
				    "hibernate-cycles: --driver takes alternate, keep-vectors or "
				    "recreate-vectors, not '%s'\n",
				    val);
				return 2;
			}
			c.drivers = (enum drivers)m;
		} else if (strcmp(a, "--cycles") == 0) {
			if (!parse_number(a, val, 1, MAX_CYCLES, &v))
				return 2;
			c.cycles = v;
		} else if (strcmp(a, "--devices") == 0) {
			if (!parse_number(a, val, 1, SCN_MAX_DEVICES, &v))
				return 2;
			c.devices = (unsigned)v;
		} else if (strcmp(a, "--vectors") == 0) {
			if (!parse_number(a, val, 1, SCN_MAX_VECTORS, &v))
				return 2;
			c.vectors = (unsigned)v;
		} else {
			if (!parse_number(a, val, 1, MAX_REPEAT, &v))
				return 2;
			c.repeat = (unsigned)v;
		}
	}
	if (scale)
		return scaling(&c);

	for (int m = 0; m < MODE__COUNT; m++) {
		if (!run[m])
			continue;
		secs[m] = run_mode(&c, (enum mode)m, &violations);
		if (secs[m].wall < 0)
			return 1;
	}
	printf("{\"benchmark\": \"hibernate-resume-cycles\", \"vcpus\": %u, \"devices\": %u, "
	       "\"drivers\": \"%s\", \"vectors_per_device\": %u, \"cycles\": %lu, \"repeat\": %u",
	       VCPUS, c.devices, driver_names[c.drivers], c.vectors, c.cycles, c.repeat);
	for (int m = 0; m < MODE__COUNT; m++) {
		static const char *const suffix[MODE__COUNT] = {"", "_traced", "_migrating"};
		if (!run[m])
			continue;
		printf(", \"seconds%s\": %.4f, \"cycles_per_second%s\": %.0f, \"cpu_seconds%s\": "
		       "%.4f, "
		       "\"cpu_cycles_per_second%s\": %.0f",
		       suffix[m], secs[m].wall, suffix[m], c.cycles / secs[m].wall, suffix[m],
		       secs[m].cpu, suffix[m], c.cycles / secs[m].cpu);
	}
	printf(", \"max_rss_kib\": %ld, \"violations\": %u}\n", max_rss_kib(), violations);
	return violations ? 1 : 0;
}
