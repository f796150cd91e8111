/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark: the canonical VM (4 vCPUs; a GPU that keeps its 8 MSI-X
 * vectors and an NVMe controller that re-requests its 8) through N
 * hibernate/resume cycles, every vector fired after each resume, oracles
 * on. Prints one JSON object. Wall-clock time is measured here and only
 * here; nothing of it reaches a trace or a verdict.
 */
#include "harness/runner.h"
#include "vmbus-sim/vpci-proto.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct scenario *canonical(unsigned cycles)
{
	struct scenario *s = g_new0(struct scenario, 1);
	unsigned n = 0;

	s->file = g_strdup("(built in)");
	s->name = g_strdup("canonical-vm");
	s->seed = 1;
	s->vcpus = 4;
	s->protocol = PCI_PROTOCOL_VERSION_1_4;
	s->profile = profile_default();
	s->behaviours = profile_default()->behaviours;
	s->ndevices = 2;
	s->devices = g_new0(struct scn_device, 2);
	/* default layouts */
	s->devices[0] = (struct scn_device){.name = g_strdup("gpu0"),
	                                    .driver = DRIVER_KEEP_VECTORS,
	                                    .vectors = 8,
	                                    .vendor_id = 0x10de,
	                                    .device_id = 0x1eb8};
	s->devices[1] = (struct scn_device){.name = g_strdup("nvme0"),
	                                    .driver = DRIVER_RECREATE_VECTORS,
	                                    .vectors = 8,
	                                    .vendor_id = 0x1414,
	                                    .device_id = 0xb111};
	s->steps = g_new0(struct scn_step, 1 + 4 * (size_t)cycles);
	s->steps[n++].op = OP_BOOT;
	for (unsigned c = 0; c < cycles; c++) {
		s->steps[n++].op = OP_HIBERNATE;
		s->steps[n++].op = OP_RESUME;
		s->steps[n] = (struct scn_step){.op = OP_FIRE, .device = 0, .all_vectors = true};
		n++;
		s->steps[n] = (struct scn_step){.op = OP_FIRE, .device = 1, .all_vectors = true};
		n++;
	}
	s->nsteps = n;
	s->expect_pass = true;
	return s;
}

static double run(struct scenario *s, FILE *trace, unsigned *violations)
{
	struct run_options opt = {.trace = trace};
	gint64 start = g_get_monotonic_time();
	struct run_result *r = run_scenario(s, &opt);
	gint64 end = g_get_monotonic_time();

	*violations = r->violations->len;
	run_result_free(r);
	return (double)(end - start) / 1e6;
}

int main(int argc, char **argv)
{
	unsigned cycles = 2000, v_plain, v_traced;
	struct scenario *s;
	FILE *devnull;
	double t_plain, t_traced;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) {
			cycles = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("Usage: hibernate-cycles [--cycles N]\n"
			       "Runs the canonical VM through N hibernate/resume cycles (default "
			       "2000)\nand prints one JSON object with cycles per second.\n");
			return 0;
		} else {
			fprintf(stderr, "hibernate-cycles: unknown argument %s (try --help)\n",
			        argv[i]);
			return 2;
		}
	}
	if (cycles == 0)
		cycles = 1;
	s = canonical(cycles);
	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		perror("hibernate-cycles: /dev/null");
		return 1;
	}
	t_plain = run(s, NULL, &v_plain);
	t_traced = run(s, devnull, &v_traced);
	fclose(devnull);
	printf("{\"benchmark\": \"hibernate-resume-cycles\", \"vcpus\": 4, \"devices\": 2, "
	       "\"vectors_per_device\": 8, \"cycles\": %u, \"seconds\": %.4f, "
	       "\"cycles_per_second\": %.0f, \"seconds_traced\": %.4f, "
	       "\"cycles_per_second_traced\": %.0f, \"violations\": %u}\n",
	       cycles, t_plain, cycles / t_plain, t_traced, cycles / t_traced, v_plain + v_traced);
	scenario_free(s);
	return v_plain + v_traced ? 1 : 0;
}
