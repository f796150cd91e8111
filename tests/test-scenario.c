/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scenario loader: every kind of mistake in a scenario file is rejected
 * with FILE:LINE:COL, the field's path and a message that says what is
 * wrong; --set overrides land where they say and errors in them name the
 * --set; defaults are what doc/scenario-format.md promises.
 */
#include "harness/catalog.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/violations.h"
#include "vmbus-sim/trace.h"
#include "vmbus-sim/vpci-proto.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The smallest valid scenario, as the start of many malformed ones. */
#define OK_HEAD "{\n  \"devices\": [{\"name\": \"nvme0\", \"driver\": \"recreate-vectors\"}],\n"
#define OK_TAIL "  \"steps\": [{\"op\": \"boot\"}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n"

static struct scenario *load(const char *text, const char *const *sets, GError **error)
{
	return scenario_load_data("t.json", text, strlen(text), sets, error);
}

struct bad {
	const char *what;
	const char *text;
	const char *where; /* "t.json:L:C:" */
	const char *says;  /* a piece of the message */
	int code;
};

static const struct bad bad_files[] = {
    {"empty file", "", "t.json:1:1:", "unexpected end of file", SCENARIO_ERROR_SYNTAX},
    {"truncated", "{\n  \"name\": \"x\",\n", "t.json:3:1:", "unexpected end of file",
     SCENARIO_ERROR_SYNTAX},
    {"trailing comma", "{\n  \"vm\": {\"vcpus\": 4,}\n}\n", "t.json:2:21:", "not valid JSON",
     SCENARIO_ERROR_SYNTAX},
    {"comment", "{\n  // a comment\n  \"name\": \"x\"\n}\n", "t.json:2:3:", "not valid JSON",
     SCENARIO_ERROR_SYNTAX},
    {"single quotes", "{\n  'name': \"x\"\n}\n", "t.json:2:3:", "double quotes",
     SCENARIO_ERROR_SYNTAX},
    {"NaN", "{\n  \"vm\": {\"vcpus\": NaN}\n}\n", "t.json:2:19:", "\"NaN\" is not a JSON value",
     SCENARIO_ERROR_SYNTAX},
    {"leading zero", "{\n  \"vm\": {\"vcpus\": 04}\n}\n", "t.json:2:21:", "not valid JSON",
     SCENARIO_ERROR_SYNTAX},
    {"text after the object", "{\"name\": \"x\"}\n}", "t.json:2:1:", "not valid JSON",
     SCENARIO_ERROR_SYNTAX},
    {"invalid UTF-8", "{\n  \"name\": \"\xff\"\n}\n", "t.json:2:12:", "utf-8",
     SCENARIO_ERROR_SYNTAX},
    {"duplicate key", "{\n  \"name\": \"a\",\n  \"name\": \"b\"\n}\n",
     "t.json:3:3:", "duplicate key \"name\"", SCENARIO_ERROR_SYNTAX},
    /* json-c sees one key "name" and would keep the last value silently */
    {"duplicate key spelled with an escape", "{\n  \"name\": \"a\",\n  \"n\\u0061me\": \"b\"\n}\n",
     "t.json:3:3:", "duplicate key \"name\"", SCENARIO_ERROR_SYNTAX},
    {"position of a key spelled with an escape",
     OK_HEAD "  \"vm\": {\"vc\\u0070us\": 241},\n" OK_TAIL,
     "t.json:3:24:", "vm.vcpus: must be between 1 and 240, got 241", SCENARIO_ERROR_SCHEMA},
    {"not an object", "[1, 2]\n", "t.json:1:1:", "a scenario is a JSON object",
     SCENARIO_ERROR_SCHEMA},
    {"null document", "\n  null\n", "t.json:2:3:", "a scenario is a JSON object, not null",
     SCENARIO_ERROR_SCHEMA},
    {"unknown top-level field", OK_HEAD "  \"stpes\": [],\n" OK_TAIL,
     "t.json:3:3:", "stpes: unknown field \"stpes\"", SCENARIO_ERROR_SCHEMA},
    {"unknown nested field", OK_HEAD "  \"vm\": {\"cpus\": 4},\n" OK_TAIL, "t.json:3:10:",
     "vm.cpus: unknown field \"cpus\" (expected one of: vcpus, protocol)", SCENARIO_ERROR_SCHEMA},
    {"wrong type", OK_HEAD "  \"vm\": {\"vcpus\": \"4\"},\n" OK_TAIL,
     "t.json:3:19:", "vm.vcpus: expected an integer, got a string", SCENARIO_ERROR_SCHEMA},
    {"fraction for an integer", OK_HEAD "  \"vm\": {\"vcpus\": 2.5},\n" OK_TAIL,
     "t.json:3:19:", "expected an integer", SCENARIO_ERROR_SCHEMA},
    {"out of range", OK_HEAD "  \"vm\": {\"vcpus\": 0},\n" OK_TAIL,
     "t.json:3:19:", "vm.vcpus: must be between 1 and 240, got 0", SCENARIO_ERROR_SCHEMA},
    {"negative", OK_HEAD "  \"seed\": -1,\n" OK_TAIL,
     "t.json:3:11:", "seed: must be a decimal integer from 0 to 18446744073709551615, got -1",
     SCENARIO_ERROR_SCHEMA},
    /* json-c saturates these to 2^64-1; the loader reads them as written */
    {"seed past 2^64-1", OK_HEAD "  \"seed\": 18446744073709551616,\n" OK_TAIL, "t.json:3:11:",
     "seed: must be a decimal integer from 0 to 18446744073709551615, got 18446744073709551616",
     SCENARIO_ERROR_SCHEMA},
    {"seed far past 2^64-1", OK_HEAD "  \"seed\": 100000000000000000000000000000,\n" OK_TAIL,
     "t.json:3:11:", "got 100000000000000000000000000000", SCENARIO_ERROR_SCHEMA},
    {"integer far out of range", OK_HEAD "  \"vm\": {\"vcpus\": 99999999999999999999},\n" OK_TAIL,
     "t.json:3:19:", "vm.vcpus: must be between 1 and 240, got 99999999999999999999",
     SCENARIO_ERROR_SCHEMA},
    /* a bare number is for --set only */
    {"protocol as a number", OK_HEAD "  \"vm\": {\"protocol\": 1.3},\n" OK_TAIL, "t.json:3:22:",
     "vm.protocol: expected a string like \"1.4\", got a fractional number", SCENARIO_ERROR_SCHEMA},
    {"unknown protocol", OK_HEAD "  \"vm\": {\"protocol\": \"1.5\"},\n" OK_TAIL,
     "t.json:3:22:", "unknown vPCI protocol version \"1.5\"", SCENARIO_ERROR_SCHEMA},
    {"unknown host assumption", OK_HEAD "  \"host\": {\"irte\": \"power-off\"},\n" OK_TAIL,
     "t.json:3:12:", "host.irte: unknown field \"irte\" (expected one of: retarget-after-d0-exit, ",
     SCENARIO_ERROR_SCHEMA},
    {"unknown host assumption value",
     OK_HEAD "  \"host\": {\"irte-lifetime\": \"forever\"},\n" OK_TAIL, "t.json:3:29:",
     "host.irte-lifetime: unknown value \"forever\" (one of: \"release-resources\", "
     "\"power-off\")",
     SCENARIO_ERROR_SCHEMA},
    {"host assumption not a string", OK_HEAD "  \"host\": {\"reoffer-relids\": true},\n" OK_TAIL,
     "t.json:3:30:", "host.reoffer-relids: expected a string, got a boolean",
     SCENARIO_ERROR_SCHEMA},
    {"unknown profile", OK_HEAD "  \"guest\": {\"profile\": \"linux-4.19\"},\n" OK_TAIL,
     "t.json:3:24:", "unknown profile \"linux-4.19\" (one of: ", SCENARIO_ERROR_SCHEMA},
    {"unknown behaviour",
     OK_HEAD "  \"guest\": {\"behaviours\": {\"restore-msi\": false}},\n" OK_TAIL,
     "t.json:3:28:", "guest.behaviours.restore-msi: unknown behaviour", SCENARIO_ERROR_SCHEMA},
    {"behaviour not a boolean",
     OK_HEAD "  \"guest\": {\"behaviours\": {\"restore-msi-on-resume\": 0}},\n" OK_TAIL,
     "t.json:3:53:", "expected true or false, got an integer", SCENARIO_ERROR_SCHEMA},
    {"no devices", "{\n  \"steps\": [{\"op\": \"boot\"}]\n}\n",
     "t.json:1:1:", "missing required field \"devices\"", SCENARIO_ERROR_SCHEMA},
    {"empty devices", "{\n  \"devices\": [],\n" OK_TAIL,
     "t.json:2:14:", "devices: must hold 1 to 32 devices, has 0", SCENARIO_ERROR_SCHEMA},
    {"device without a name", "{\n  \"devices\": [{\"driver\": \"keep-vectors\"}],\n" OK_TAIL,
     "t.json:2:15:", "devices[0]: missing required field \"name\"", SCENARIO_ERROR_SCHEMA},
    {"duplicate device",
     "{\n  \"devices\": [{\"name\": \"a\", \"driver\": \"keep-vectors\"},\n"
     "              {\"name\": \"a\", \"driver\": \"keep-vectors\"}],\n" OK_TAIL,
     "t.json:3:24:", "device \"a\" is already defined as devices[0]", SCENARIO_ERROR_SCHEMA},
    {"unknown driver", "{\n  \"devices\": [{\"name\": \"a\", \"driver\": \"nvidia\"}],\n" OK_TAIL,
     "t.json:2:39:", "unknown driver model \"nvidia\"", SCENARIO_ERROR_SCHEMA},
    {"too many vectors",
     "{\n  \"devices\": [{\"name\": \"a\", \"driver\": \"keep-vectors\", \"vectors\": "
     "2049}],\n" OK_TAIL,
     "t.json:2:66:", "devices[0].vectors: must be between 1 and 2048, got 2049",
     SCENARIO_ERROR_SCHEMA},
    {"bad hex id",
     "{\n  \"devices\": [{\"name\": \"a\", \"driver\": \"keep-vectors\", \"vendor\": "
     "\"10de\"}],\n" OK_TAIL,
     "t.json:2:65:", "is not a hex number", SCENARIO_ERROR_SCHEMA},
    {"unknown fault point",
     OK_HEAD
     "  \"faults\": [{\"name\": \"f\", \"point\": \"hypercall.retarget-interrupt\"}],\n" OK_TAIL,
     "t.json:3:37:", "unknown fault point \"hypercall.retarget-interrupt\"", SCENARIO_ERROR_SCHEMA},
    {"nth without n",
     OK_HEAD
     "  \"faults\": [{\"name\": \"f\", \"point\": \"vmbus.send\", \"mode\": \"nth\"}],\n" OK_TAIL,
     "t.json:3:14:", "faults[0]: missing required field \"n\"", SCENARIO_ERROR_SCHEMA},
    {"n without nth",
     OK_HEAD "  \"faults\": [{\"name\": \"f\", \"point\": \"vmbus.send\", \"n\": 2}],\n" OK_TAIL,
     "t.json:3:51:", "\"n\" applies only to mode \"nth\"", SCENARIO_ERROR_SCHEMA},
    {"probability out of range",
     OK_HEAD
     "  \"faults\": [{\"name\": \"f\", \"point\": \"vmbus.send\", \"mode\": \"probability\", "
     "\"probability\": 1.5}],\n" OK_TAIL,
     "t.json:3:89:", "must be between 0 and 1, got 1.5", SCENARIO_ERROR_SCHEMA},
    {"status on vmbus.send",
     OK_HEAD
     "  \"faults\": [{\"name\": \"f\", \"point\": \"vmbus.send\", \"status\": 1}],\n" OK_TAIL,
     "t.json:3:51:", "no status", SCENARIO_ERROR_SCHEMA},
    {"fault that cannot fail",
     OK_HEAD "  \"faults\": [{\"name\": \"f\", \"point\": \"hypercall.retarget\", \"status\": "
             "0}],\n" OK_TAIL,
     "t.json:3:69:", "faults[0].status: a fault must fail: status 0 is success",
     SCENARIO_ERROR_SCHEMA},
    {"fault that cannot fail, in hex",
     OK_HEAD "  \"faults\": [{\"name\": \"f\", \"point\": \"vsp.d0-entry\", \"status\": "
             "\"0x00000000\"}],\n" OK_TAIL,
     "t.json:3:63:", "faults[0].status: a fault must fail: status 0 is success",
     SCENARIO_ERROR_SCHEMA},
    {"fault with a success NTSTATUS",
     OK_HEAD "  \"faults\": [{\"name\": \"f\", \"point\": \"vsp.create-interrupt\", \"status\": "
             "\"0x103\"}],\n" OK_TAIL,
     "t.json:3:71:", "faults[0].status: a fault must fail: 0x103 is a success NTSTATUS",
     SCENARIO_ERROR_SCHEMA},
    {"unknown phase",
     OK_HEAD
     "  \"faults\": [{\"name\": \"f\", \"point\": \"vmbus.send\", \"phase\": \"thaw\"}],\n" OK_TAIL,
     "t.json:3:60:", "unknown phase \"thaw\" (one of: boot, hibernate, cpu-offline, resume)",
     SCENARIO_ERROR_SCHEMA},
    {"first step not boot",
     OK_HEAD "  \"steps\": [{\"op\": \"hibernate\"}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:13:", "the first step must be \"boot\"", SCENARIO_ERROR_SCHEMA},
    {"unknown op",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"suspend\"}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:36:", "steps[1].op: unknown op \"suspend\"", SCENARIO_ERROR_SCHEMA},
    {"field for another op",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"hibernate\", \"cpu\": 1}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:49:", "field \"cpu\" does not apply to op \"hibernate\"", SCENARIO_ERROR_SCHEMA},
    {"fire at an unknown device",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"fire\", \"device\": \"gpu0\"}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:54:", "no device named \"gpu0\"", SCENARIO_ERROR_SCHEMA},
    {"vector past the device's",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"fire\", \"device\": \"nvme0\", "
             "\"vectors\": [0, 8]}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:78:", "vector 8 does not exist: \"nvme0\" has vectors 0 to 7",
     SCENARIO_ERROR_SCHEMA},
    {"offline the boot CPU",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"cpu-offline\", \"cpu\": 0}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:58:", "CPU 0 is the boot CPU", SCENARIO_ERROR_SCHEMA},
    {"CPU beyond the VM",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"cpu-offline\", \"cpu\": 4}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:58:", "steps[1].cpu: must be between 0 and 3, got 4", SCENARIO_ERROR_SCHEMA},
    {"resume while running",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"resume\"}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:29:", "\"resume\" must follow \"hibernate\"", SCENARIO_ERROR_SCHEMA},
    {"allow-abort not a boolean",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"hibernate\", \"allow-abort\": 1}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:", "steps[1].allow-abort", SCENARIO_ERROR_SCHEMA},
    {"set-affinity to a CPU beyond the VM",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"set-affinity\", \"device\": "
             "\"nvme0\", \"vector\": 1, \"cpus\": [4]}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:", "CPU 4 does not exist: the VM has CPUs 0 to 3", SCENARIO_ERROR_SCHEMA},
    {"set-affinity to offline CPUs only",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"cpu-offline\", \"cpu\": 2}, "
             "{\"op\": \"set-affinity\", \"device\": \"nvme0\", \"vector\": 1, \"cpus\": [2]}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:", "none of these CPUs is online", SCENARIO_ERROR_SCHEMA},
    {"set-affinity without cpus",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"set-affinity\", \"device\": "
             "\"nvme0\", \"vector\": 1}],\n"
             "  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:", "steps[1].cpus", SCENARIO_ERROR_SCHEMA},
    {"fire while off",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"hibernate\"}, {\"op\": \"fire\", "
             "\"device\": \"nvme0\"}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:50:", "the VM is off", SCENARIO_ERROR_SCHEMA},
    {"fault step naming no fault",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"fault\", \"name\": \"x\", "
             "\"enabled\": true}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n",
     "t.json:3:53:", "no fault named \"x\"", SCENARIO_ERROR_SCHEMA},
    {"unknown reach event", OK_HEAD "  \"reach\": [\"retarget-fail\"],\n" OK_TAIL,
     "t.json:3:13:", "reach[0]: unknown event \"retarget-fail\"", SCENARIO_ERROR_SCHEMA},
    {"no expect", OK_HEAD "  \"steps\": [{\"op\": \"boot\"}]\n}\n",
     "t.json:1:1:", "missing required field \"expect\"", SCENARIO_ERROR_SCHEMA},
    {"bad verdict",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}],\n  \"expect\": {\"verdict\": \"ok\"}\n}\n",
     "t.json:4:25:", "must be \"pass\" or \"fail\", got \"ok\"", SCENARIO_ERROR_SCHEMA},
    {"violations with pass",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}],\n"
             "  \"expect\": {\"verdict\": \"pass\", \"violations\": [\"delivery.lost\"]}\n}\n",
     "t.json:4:33:", "cannot list violations", SCENARIO_ERROR_SCHEMA},
    {"unknown violation",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}],\n"
             "  \"expect\": {\"verdict\": \"fail\", \"violations\": [\"delivery.late\"]}\n}\n",
     "t.json:4:48:", "unknown violation \"delivery.late\"", SCENARIO_ERROR_SCHEMA},
    /* the names copied before the bad one are freed (LeakSanitizer watches) */
    {"unknown violation after a known one",
     OK_HEAD "  \"steps\": [{\"op\": \"boot\"}],\n"
             "  \"expect\": {\"verdict\": \"fail\", \"violations\": [\"mask.stuck-masked\", "
             "\"x\"]}\n}\n",
     "t.json:4:69:", "expect.violations[1]: unknown violation \"x\"", SCENARIO_ERROR_SCHEMA},
};

static void test_bad_file(gconstpointer data)
{
	const struct bad *b = data;
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(b->text, NULL, &error);

	g_assert_null(s);
	g_assert_nonnull(error);
	g_test_message("%s -> %s", b->what, error->message);
	g_assert_error(error, SCENARIO_ERROR, b->code);
	g_assert_true(g_str_has_prefix(error->message, b->where));
	g_assert_nonnull(strstr(error->message, b->says));
}

static void test_defaults(void)
{
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(OK_HEAD OK_TAIL, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(s->name, ==, "t"); /* the file's name without .json */
	scenario_free(s);
	/* only .json goes: "dir/v1.2" is "v1.2", ".json" is ".json" */
	s = scenario_load_data("dir/v1.2", OK_HEAD OK_TAIL, strlen(OK_HEAD OK_TAIL), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(s->name, ==, "v1.2");
	scenario_free(s);
	s = scenario_load_data(".json", OK_HEAD OK_TAIL, strlen(OK_HEAD OK_TAIL), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(s->name, ==, ".json");
	scenario_free(s);
	s = load(OK_HEAD OK_TAIL, NULL, &error);
	g_assert_cmpuint(s->seed, ==, 1);
	g_assert_cmpuint(s->vcpus, ==, 4);
	g_assert_cmpuint(s->protocol, ==, PCI_PROTOCOL_VERSION_1_4);
	g_assert_true(s->profile == profile_default());
	g_assert_cmpuint(s->behaviours, ==, profile_default()->behaviours);
	g_assert_cmpuint(s->ndevices, ==, 1);
	g_assert_cmpuint(s->devices[0].vectors, ==, 8);
	g_assert_cmpuint(s->devices[0].vendor_id, ==, 0x1414);
	g_assert_cmpuint(s->devices[0].device_id, ==, 0x0001);
	g_assert_cmpuint(s->nsteps, ==, 1);
	g_assert_cmpuint(s->steps[0].op, ==, OP_BOOT);
	g_assert_cmpuint(s->steps[0].line, ==, 3);
	g_assert_cmpuint(s->steps[0].col, ==, 13);
	g_assert_true(s->expect_pass);
	g_assert_null(s->expect_violations[0]);
	scenario_free(s);
}

static const char full_text[] =
    "{\n"
    "  \"$schema\": \"../schema.json\",\n"
    "  \"name\": \"full\", \"description\": \"every field\", \"seed\": "
    "18446744073709551615,\n"
    "  \"vm\": {\"vcpus\": 3, \"protocol\": \"1.2\"},\n"
    "  \"guest\": {\"profile\": \"linux-5.9\", \"behaviours\": "
    "{\"restore-msi-on-resume\": true}},\n"
    "  \"devices\": [{\"name\": \"g\", \"driver\": \"keep-vectors\", \"vectors\": 2, "
    "\"vendor\": \"0x10DE\", \"device\": 7}],\n"
    "  \"faults\": [{\"name\": \"r\", \"point\": \"hypercall.retarget\", \"mode\": "
    "\"nth\", "
    "\"n\": 2, \"phase\": \"cpu-offline\", \"status\": \"0x5\", \"enabled\": false},\n"
    "             {\"name\": \"p\", \"point\": \"vsp.create-interrupt\", \"mode\": "
    "\"probability\", \"probability\": 0.25}],\n"
    "  \"steps\": [{\"op\": \"boot\"}, {\"op\": \"fault\", \"name\": \"r\", \"enabled\": "
    "true},\n"
    "            {\"op\": \"cpu-offline\", \"cpu\": 2}, {\"op\": \"fire\", \"device\": "
    "\"g\", "
    "\"vectors\": [1]},\n"
    "            {\"op\": \"cpu-online\", \"cpu\": 2}, {\"op\": \"hibernate\", "
    "\"allow-abort\": true}, {\"op\": "
    "\"advance\", \"ns\": 1000},\n"
    "            {\"op\": \"resume\"}, {\"op\": \"check\"}],\n"
    "  \"reach\": [\"retarget-failed\", \"migrate-irq\"],\n"
    "  \"expect\": {\"verdict\": \"fail\", \"violations\": [\"mask.stuck-masked\"]}\n"
    "}\n";

static void test_full(void)
{
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(full_text, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(s->name, ==, "full");
	g_assert_cmpuint(s->seed, ==, G_MAXUINT64);
	g_assert_cmpuint(s->vcpus, ==, 3);
	g_assert_cmpuint(s->protocol, ==, PCI_PROTOCOL_VERSION_1_2);
	g_assert_cmpstr(s->profile->name, ==, "linux-5.9");
	g_assert_cmpuint(s->behaviours, ==,
	                 profile_lookup("linux-5.9")->behaviours |
	                     BEH_BIT(BEH_RESTORE_MSI_ON_RESUME));
	g_assert_cmpuint(s->devices[0].driver, ==, DRIVER_KEEP_VECTORS);
	g_assert_cmpuint(s->devices[0].vendor_id, ==, 0x10de);
	g_assert_cmpuint(s->devices[0].device_id, ==, 7);
	g_assert_cmpuint(s->nfaults, ==, 2);
	g_assert_cmpuint(s->faults[0].rule.point, ==, FP_HYPERCALL_RETARGET);
	g_assert_cmpuint(s->faults[0].rule.mode, ==, FAULT_NTH);
	g_assert_cmpuint(s->faults[0].rule.n, ==, 2);
	g_assert_cmpint(s->faults[0].rule.phase, ==, PHASE_CPU_OFFLINE);
	g_assert_true(s->faults[0].rule.status_set);
	g_assert_cmpuint(s->faults[0].rule.status, ==, 5);
	g_assert_false(s->faults[0].rule.enabled);
	g_assert_cmpstr(s->faults[0].rule.name, ==, "r");
	g_assert_cmpuint(s->faults[1].rule.mode, ==, FAULT_PROBABILITY);
	g_assert_cmpfloat(s->faults[1].rule.probability, ==, 0.25);
	g_assert_cmpint(s->faults[1].rule.phase, ==, -1);
	g_assert_true(s->faults[1].rule.enabled);
	g_assert_cmpuint(s->nsteps, ==, 9);
	g_assert_cmpuint(s->steps[1].op, ==, OP_FAULT);
	g_assert_cmpuint(s->steps[1].fault, ==, 0);
	g_assert_true(s->steps[1].enabled);
	g_assert_cmpuint(s->steps[2].cpu, ==, 2);
	g_assert_false(s->steps[3].all_vectors);
	g_assert_cmpuint(s->steps[3].nvectors, ==, 1);
	g_assert_cmpuint(s->steps[3].vectors[0], ==, 1);
	g_assert_cmpuint(s->steps[6].ns, ==, 1000);
	g_assert_true(s->steps[5].allow_abort);
	g_assert_false(s->steps[4].allow_abort);
	g_assert_cmpuint(s->steps[8].op, ==, OP_CHECK);
	g_assert_cmpuint(s->steps[5].line, ==, 11);
	g_assert_true(s->reach[TP_RETARGET_FAILED]);
	g_assert_true(s->reach[TP_MIGRATE_IRQ]);
	g_assert_false(s->reach[TP_RETARGET_OK]);
	g_assert_false(s->expect_pass);
	g_assert_cmpstr(s->expect_violations[0], ==, "mask.stuck-masked");
	g_assert_null(s->expect_violations[1]);
	scenario_free(s);
}

static void test_set(void)
{
	g_autoptr(GError) error = NULL;
	const char *sets[] = {"vm.vcpus=2",
	                      "vm.protocol=1.3",         /* a bare number is accepted */
	                      "guest.profile=linux-5.9", /* a bare word is a string */
	                      "guest.behaviours.unmask-despite-retarget-failure=true",
	                      "devices[0].vectors=3",
	                      "devices.0.name=\"nv\"",
	                      "steps[1]={\"op\": \"fire\", \"device\": \"nv\"}", /* appends */
	                      "reach=[\"interrupt-delivered\"]",
	                      "host.irte-lifetime=power-off",
	                      "host.create-any-cpu-target=first-vp",
	                      NULL};
	struct scenario *s = load(OK_HEAD OK_TAIL, sets, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(s->vcpus, ==, 2);
	g_assert_cmpuint(s->protocol, ==, PCI_PROTOCOL_VERSION_1_3);
	g_assert_cmpstr(s->profile->name, ==, "linux-5.9");
	g_assert_cmpuint(s->behaviours, ==,
	                 profile_lookup("linux-5.9")->behaviours |
	                     BEH_BIT(BEH_UNMASK_DESPITE_RETARGET_FAILURE));
	g_assert_cmpuint(s->devices[0].vectors, ==, 3);
	g_assert_cmpstr(s->devices[0].name, ==, "nv");
	g_assert_cmpuint(s->nsteps, ==, 2);
	g_assert_cmpuint(s->steps[1].op, ==, OP_FIRE);
	g_assert_true(s->steps[1].all_vectors);
	g_assert_true(s->reach[TP_INTERRUPT_DELIVERED]);
	g_assert_cmpint(s->host.irte_lifetime, ==, HOST_IRTE_LIFETIME_POWER_OFF);
	g_assert_cmpint(s->host.create_any_cpu_target, ==, HOST_CREATE_ANY_CPU_FIRST);
	g_assert_cmpint(s->host.reoffer_relids, ==, HOST_REOFFER_RELIDS_CHANGED); /* default */
	scenario_free(s);
}

/* Every field and element of full_text, each in turn replaced by null. */
static const char *const typed_paths[] = {
    "$schema",
    "name",
    "description",
    "seed",
    "vm",
    "vm.vcpus",
    "vm.protocol",
    "guest",
    "guest.profile",
    "guest.behaviours",
    "guest.behaviours.restore-msi-on-resume",
    "devices",
    "devices[0]",
    "devices[0].name",
    "devices[0].driver",
    "devices[0].vectors",
    "devices[0].vendor",
    "devices[0].device",
    "faults",
    "faults[0]",
    "faults[0].name",
    "faults[0].point",
    "faults[0].mode",
    "faults[0].n",
    "faults[0].phase",
    "faults[0].status",
    "faults[0].enabled",
    "faults[1].probability",
    "steps",
    "steps[0]",
    "steps[0].op",
    "steps[1].name",
    "steps[1].enabled",
    "steps[2].cpu",
    "steps[3].device",
    "steps[3].vectors",
    "steps[3].vectors[0]",
    "steps[4].cpu",
    "steps[6].ns",
    "reach",
    "reach[0]",
    "expect",
    "expect.verdict",
    "expect.violations",
    "expect.violations[0]",
};

/* Replaces the value at path ("a.b[2].c") in root. */
static void put_at(json_object *root, const char *path, json_object *value)
{
	g_auto(GStrv) parts = g_strsplit_set(path, ".[", -1);
	json_object *cur = root;

	for (char **p = parts; *p; p++) {
		bool index = g_str_has_suffix(*p, "]");
		size_t i = index ? (size_t)g_ascii_strtoull(*p, NULL, 10) : 0;

		if (!p[1] && index)
			json_object_array_put_idx(cur, i, value);
		else if (!p[1])
			json_object_object_add(cur, *p, value);
		else if (index)
			cur = json_object_array_get_idx(cur, i);
		else
			g_assert_true(json_object_object_get_ex(cur, *p, &cur));
		g_assert_nonnull(cur);
	}
}

/* null is never taken for an absent field: wherever a value is typed (or
 * required), a null is a type error at the null's line:col, naming the
 * field's path. */
static void test_null_in_typed_fields(void)
{
	for (unsigned k = 0; k < G_N_ELEMENTS(typed_paths); k++) {
		const char *path = typed_paths[k];
		json_object *root = json_tokener_parse(full_text);
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL, *where = NULL;
		char *mark;

		g_assert_nonnull(root);
		put_at(root, path, json_object_new_string("NULL-HERE"));
		text = g_strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		json_object_put(root);
		mark = strstr(text, "\"NULL-HERE\"");
		g_assert_nonnull(mark);
		memcpy(mark, "null       ", strlen("\"NULL-HERE\""));
		where = g_strdup_printf("t.json:1:%zu: %s: ", (size_t)(mark - text) + 1, path);

		g_assert_null(load(text, NULL, &error));
		g_assert_nonnull(error);
		g_test_message("%s: null -> %s", path, error->message);
		g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA);
		g_assert_true(g_str_has_prefix(error->message, where));
		g_assert_true(g_str_has_suffix(error->message, "got null"));
	}
}

/* A --set VALUE of null is JSON null and rejected like one in the file; a
 * --set PATH does not create objects in place of a null on its way. */
static void test_null_by_set(void)
{
	const char *to_null[] = {"vm.vcpus=null", NULL};
	const char *through[] = {"guest.profile=linux-5.9", NULL};
	const char *through_elem[] = {"devices[0].name=a", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_null(load(OK_HEAD OK_TAIL, to_null, &error));
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA);
	g_assert_cmpstr(error->message, ==,
	                "t.json: vm.vcpus: expected an integer, got null (set by --set "
	                "vm.vcpus=null)");
	g_clear_error(&error);
	g_assert_null(load(OK_HEAD "  \"guest\": null,\n" OK_TAIL, through, &error));
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SET);
	g_assert_cmpstr(error->message, ==,
	                "t.json: --set guest.profile=linux-5.9: guest is null, not an object");
	g_clear_error(&error);
	g_assert_null(load("{\"devices\": [null],\n" OK_TAIL, through_elem, &error));
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SET);
	g_assert_cmpstr(error->message, ==,
	                "t.json: --set devices[0].name=a: devices[0] is null, not an object");
}

/* One rule for a seed: scenario_parse_seed() (what --seed uses), a file's
 * "seed" and --set seed=N accept and reject the same numbers. */
static void test_seed_one_rule(void)
{
	static const struct {
		const char *text;
		bool ok;
		uint64_t value;
	} cases[] = {
	    {"0", true, 0},
	    {"1", true, 1},
	    {"18446744073709551615", true, G_MAXUINT64},
	    {"18446744073709551616", false, 0},
	    {"36893488147419103232", false, 0},
	    {"-1", false, 0},
	    {"-0", false, 0},
	    {"1.0", false, 0},
	    {"1e3", false, 0},
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *file =
		    g_strdup_printf(OK_HEAD "  \"seed\": %s,\n" OK_TAIL, cases[i].text);
		g_autofree char *set = g_strdup_printf("seed=%s", cases[i].text);
		const char *sets[] = {set, NULL};
		uint64_t seed = 12345;
		bool ok = scenario_parse_seed(cases[i].text, &seed);

		g_test_message("seed %s", cases[i].text);
		g_assert_cmpint(ok, ==, cases[i].ok);
		if (ok)
			g_assert_cmpuint(seed, ==, cases[i].value);
		for (unsigned way = 0; way < 2; way++) {
			g_autoptr(GError) error = NULL;
			struct scenario *s =
			    way ? load(OK_HEAD OK_TAIL, sets, &error) : load(file, NULL, &error);
			g_assert_cmpint(s != NULL, ==, cases[i].ok);
			if (s)
				g_assert_cmpuint(s->seed, ==, cases[i].value);
			else
				g_assert_nonnull(strstr(error->message, "seed: "));
			scenario_free(s);
		}
	}
	/* no sign, no hex, no spaces: only what a JSON integer can say */
	g_assert_false(scenario_parse_seed("", &(uint64_t){0}));
	g_assert_false(scenario_parse_seed("+1", &(uint64_t){0}));
	g_assert_false(scenario_parse_seed("0x10", &(uint64_t){0}));
	g_assert_false(scenario_parse_seed(" 1", &(uint64_t){0}));
	g_assert_false(scenario_parse_seed("1 ", &(uint64_t){0}));
}

struct bad_set {
	const char *set;
	const char *says;
	int code;
};

static const struct bad_set bad_sets[] = {
    {"vm.vcpus", "expected PATH=VALUE", SCENARIO_ERROR_SET},
    {"=3", "expected PATH=VALUE", SCENARIO_ERROR_SET},
    {"vm..vcpus=3", "expected PATH=VALUE", SCENARIO_ERROR_SET},
    {"vm.=1", "expected PATH=VALUE", SCENARIO_ERROR_SET}, /* frees "vm" (LeakSanitizer) */
    {"devices[x].vectors=3", "expected PATH=VALUE", SCENARIO_ERROR_SET},
    {"devices[5].vectors=3", "devices has 1 element; index 5 is past its end (index 1 appends)",
     SCENARIO_ERROR_SET},
    {"steps.op=boot", "steps is an array, not an object", SCENARIO_ERROR_SET},
    {"steps[0].op.x=1", "steps[0].op is a string, not an object", SCENARIO_ERROR_SET},
    {"name.first=x", "t.json: name: expected a string, got an object (set by --set name.first=x)",
     SCENARIO_ERROR_SCHEMA},
    /* a value that validation rejects names the --set, not a line */
    {"vm.vcpus=0", "t.json: vm.vcpus: must be between 1 and 240, got 0 (set by --set vm.vcpus=0)",
     SCENARIO_ERROR_SCHEMA},
    {"vm.cpus=2",
     "t.json: vm.cpus: unknown field \"cpus\" (expected one of: vcpus, protocol) "
     "(set by --set vm.cpus=2)",
     SCENARIO_ERROR_SCHEMA},
    {"guest.profile=linux-9", "unknown profile \"linux-9\"", SCENARIO_ERROR_SCHEMA},
    {"host.irte-lifetime=forever",
     "t.json: host.irte-lifetime: unknown value \"forever\" (one of: \"release-resources\", "
     "\"power-off\") (set by --set host.irte-lifetime=forever)",
     SCENARIO_ERROR_SCHEMA},
    /* a bare version is matched as written, not as the nearest number */
    {"vm.protocol=1.21", "unknown vPCI protocol version 1.21", SCENARIO_ERROR_SCHEMA},
    {"vm.protocol=1.30", "unknown vPCI protocol version 1.30", SCENARIO_ERROR_SCHEMA},
    {"devices.0.vectors=\"8\"", "expected an integer, got a string (set by --set",
     SCENARIO_ERROR_SCHEMA},
};

static void test_bad_set(gconstpointer data)
{
	const struct bad_set *b = data;
	const char *sets[] = {b->set, NULL};
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(OK_HEAD OK_TAIL, sets, &error);

	g_assert_null(s);
	g_assert_nonnull(error);
	g_test_message("--set %s -> %s", b->set, error->message);
	g_assert_error(error, SCENARIO_ERROR, b->code);
	g_assert_true(g_str_has_prefix(error->message, "t.json: "));
	g_assert_nonnull(strstr(error->message, b->says));
}

static void test_missing_file(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(scenario_load("/nonexistent/x.json", NULL, &error));
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, "/nonexistent/x.json: cannot read"));
}

static void assert_io_error(const char *path, const char *says)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *want = g_strdup_printf("%s: %s", path, says);

	g_assert_null(scenario_load(path, NULL, &error));
	g_assert_nonnull(error);
	g_test_message("%s -> %s", path, error->message);
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, want));
}

/* A file of exactly 16 MiB loads; one byte more is refused before it is
 * read (the extra byte is a sparse hole, a NUL the parser would otherwise
 * report); scenario_load_data() has the same limit. */
static void test_size_limit(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "big.json", NULL);
	g_autofree char *text = g_malloc(SCN_MAX_FILE_SIZE + 1);
	g_autoptr(GError) error = NULL;
	struct scenario *s;

	memset(text, ' ', SCN_MAX_FILE_SIZE + 1);
	memcpy(text, OK_HEAD OK_TAIL, strlen(OK_HEAD OK_TAIL));
	g_assert_true(g_file_set_contents(path, text, SCN_MAX_FILE_SIZE, NULL));
	s = scenario_load(path, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(s);
	scenario_free(s);
	g_assert_cmpint(truncate(path, SCN_MAX_FILE_SIZE + 1), ==, 0);
	assert_io_error(path, "too large: 16777217 bytes, over the 16 MiB");
	g_assert_null(scenario_load_data("t.json", text, SCN_MAX_FILE_SIZE + 1, NULL, &error));
	g_assert_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, "t.json: too large: 16777217 bytes"));
	g_unlink(path);
	g_rmdir(dir);
}

/* What is not a regular file is refused at once: reading /dev/zero would
 * never end, opening a FIFO would wait for a writer forever. */
static void test_not_regular(void)
{
	g_autofree char *dir = g_dir_make_tmp("hvpci-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename(dir, "fifo.json", NULL);

	if (g_file_test("/dev/zero", G_FILE_TEST_EXISTS))
		assert_io_error("/dev/zero", "not a regular file (a character device)");
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	assert_io_error(fifo, "not a regular file (a FIFO)");
	assert_io_error(dir, "not a regular file (a directory)");
	g_unlink(fifo);
	g_rmdir(dir);
}

/* scenario_load_data() takes len bytes with no NUL after them: a buffer of
 * exactly the text's size is not read past (AddressSanitizer watches; json-c
 * copies the byte after an unterminated string with an instrumented memcpy,
 * which is how the fuzzer found it). */
static void test_data_without_nul(void)
{
	static const char *const texts[] = {OK_HEAD OK_TAIL, "{\"name\": \"abc", "7"};
	static const char *const says[] = {
	    NULL, "t.json:1:14: not valid JSON: unexpected end of file",
	    "t.json:1:1: a scenario is a JSON object, not an integer"};

	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++) {
		size_t len = strlen(texts[i]);
		g_autofree char *exact = g_memdup2(texts[i], len);
		g_autoptr(GError) error = NULL;
		struct scenario *s = scenario_load_data("t.json", exact, len, NULL, &error);

		if (!says[i]) {
			g_assert_no_error(error);
			g_assert_nonnull(s);
		} else {
			g_assert_null(s);
			g_assert_cmpstr(error->message, ==, says[i]);
		}
		scenario_free(s);
	}
}

/* Columns count characters, not bytes: a multi-byte name before the error
 * does not shift it. */
static void test_columns_are_characters(void)
{
	g_autoptr(GError) error = NULL;
	const char *text = "{\"name\": \"\xc3\xa9t\xc3\xa9\", \"vm\": {\"vcpus\": 999}}";

	g_assert_null(load(text, NULL, &error));
	g_assert_true(g_str_has_prefix(error->message, "t.json:1:33:"));
}

/* scenarios/schema.json names the same values the loader accepts: a new
 * profile, behaviour, fault point, op, event or violation must reach both. */
static json_object *schema_at(json_object *root, const char *const *path)
{
	json_object *cur = root;

	for (; *path; path++)
		g_assert_true(json_object_object_get_ex(cur, *path, &cur));
	return cur;
}

static void assert_enum(json_object *root, const char *const *path, enum catalog_id id)
{
	const struct catalog *c = catalog_get(id);
	json_object *e = schema_at(root, path);

	g_assert_cmpuint(json_object_array_length(e), ==, c->count());
	for (unsigned i = 0; i < c->count(); i++)
		g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(e, i)), ==,
		                c->name(i));
}

static void test_schema_matches_loader(void)
{
	g_autofree char *path = g_build_filename(SOURCE_ROOT, "scenarios", "schema.json", NULL);
	json_object *root = json_object_from_file(path);
	const struct catalog *beh = catalog_get(CAT_BEHAVIOURS), *ops = catalog_get(CAT_OPS);
	json_object *props;
	const char *const *forms;
	unsigned n = 0;

	g_assert_nonnull(root);
	assert_enum(
	    root,
	    (const char *const[]){"properties", "guest", "properties", "profile", "enum", NULL},
	    CAT_PROFILES);
	/* "host": every assumption, its values in order, the first the default */
	props = schema_at(root, (const char *const[]){"properties", "host", "properties", NULL});
	g_assert_cmpuint(json_object_object_length(props), ==, HOST_A__COUNT);
	for (unsigned a = 0; a < HOST_A__COUNT; a++) {
		json_object *f, *e, *d;

		g_assert_true(json_object_object_get_ex(props, host_assumption_name(a), &f));
		g_assert_true(json_object_object_get_ex(f, "enum", &e));
		g_assert_true(json_object_object_get_ex(f, "default", &d));
		g_assert_cmpuint(json_object_array_length(e), ==, host_assumption_value_count(a));
		for (unsigned v = 0; v < host_assumption_value_count(a); v++)
			g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(e, v)), ==,
			                host_assumption_value_name(a, v));
		g_assert_cmpstr(json_object_get_string(d), ==, host_assumption_value_name(a, 0));
	}
	props = schema_at(root, (const char *const[]){"properties", "guest", "properties",
	                                              "behaviours", "properties", NULL});
	g_assert_cmpuint(json_object_object_length(props), ==, beh->count());
	for (unsigned i = 0; i < beh->count(); i++)
		g_assert_true(json_object_object_get_ex(props, beh->name(i), NULL));
	assert_enum(root,
	            (const char *const[]){"properties", "devices", "items", "properties", "driver",
	                                  "enum", NULL},
	            CAT_DRIVERS);
	assert_enum(root,
	            (const char *const[]){"properties", "faults", "items", "properties", "point",
	                                  "enum", NULL},
	            CAT_FAULT_POINTS);
	assert_enum(root,
	            (const char *const[]){"properties", "faults", "items", "properties", "mode",
	                                  "enum", NULL},
	            CAT_FAULT_MODES);
	assert_enum(root,
	            (const char *const[]){"properties", "faults", "items", "properties", "phase",
	                                  "enum", NULL},
	            CAT_PHASES);
	assert_enum(root, (const char *const[]){"properties", "reach", "items", "enum", NULL},
	            CAT_REACH);
	assert_enum(root,
	            (const char *const[]){"properties", "expect", "properties", "violations",
	                                  "items", "enum", NULL},
	            CAT_VIOLATIONS);
	/* every op appears in exactly one step form */
	forms = (const char *const[]){"plainStep", "hibernateStep", "fireStep",        "cpuStep",
	                              "faultStep", "advanceStep",   "setAffinityStep", NULL};
	for (; *forms; forms++) {
		json_object *op = schema_at(
		    root, (const char *const[]){"$defs", *forms, "properties", "op", NULL});
		json_object *e;
		if (json_object_object_get_ex(op, "enum", &e)) {
			for (size_t i = 0; i < json_object_array_length(e); i++, n++)
				g_assert_cmpint(
				    catalog_lookup(CAT_OPS, json_object_get_string(
				                                json_object_array_get_idx(e, i))),
				    >=, 0);
		} else {
			g_assert_true(json_object_object_get_ex(op, "const", &e));
			g_assert_cmpint(catalog_lookup(CAT_OPS, json_object_get_string(e)), >=, 0);
			n++;
		}
	}
	g_assert_cmpuint(n, ==, ops->count());
	json_object_put(root);
}

/* Mutated copies of a shipped scenario never crash the loader, never read
 * past the text (ASan watches), and always end in a scenario or an error
 * that starts with the file's name. Seeded, so a failure reproduces. */
static void test_mutations(void)
{
	g_autofree char *path =
	    g_build_filename(SOURCE_ROOT, "scenarios", "hibernate", "retarget-failure.json", NULL);
	g_autofree char *text = NULL;
	static const char alphabet[] = "{}[]\",:0123456789.-eE tfnu\\\n\xc3\xff";
	g_autoptr(GRand) rand = g_rand_new_with_seed(4);
	gsize len;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	for (unsigned i = 0; i < 3000; i++) {
		g_autofree char *m = g_malloc(len + 8);
		g_autoptr(GError) error = NULL;
		gsize mlen = len, at = (gsize)g_rand_int_range(rand, 0, (gint32)len);
		char c = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
		struct scenario *sc;

		memcpy(m, text, len);
		switch (g_rand_int_range(rand, 0, 3)) {
		case 0: /* replace */
			m[at] = c;
			break;
		case 1: /* delete */
			memmove(m + at, m + at + 1, len - at - 1);
			mlen--;
			break;
		default: /* insert */
			memmove(m + at + 1, m + at, len - at);
			m[at] = c;
			mlen++;
			break;
		}
		sc = scenario_load_data("t.json", m, mlen, NULL, &error);
		if (sc) {
			g_assert_no_error(error);
			scenario_free(sc);
		} else {
			g_assert_nonnull(error);
			g_assert_true(error->domain == SCENARIO_ERROR);
			g_assert_true(g_str_has_prefix(error->message, "t.json:"));
		}
	}
}

/* ---- the violation list ---- */

static void test_violation_dedup(void)
{
	struct engine *e = engine_new(1);
	struct violation_list *l = violation_list_new(e);
	const struct violation *v;

	g_assert_cmpuint(violation_list_count(l), ==, 0);
	violation_report(l, V_DELIVERY_LOST, "dev0/3", "vector %u lost", 3u);
	violation_report(l, V_DELIVERY_LOST, "dev0/3", "vector %u lost again", 3u);
	g_assert_cmpuint(violation_list_count(l), ==, 1);
	violation_report(l, V_DELIVERY_LOST, "dev0/4", "vector %u lost", 4u);
	violation_report(l, V_DELIVERY_STUCK_PENDING, "dev0/3", "stuck");
	violation_report(l, V_MASK_STUCK_MASKED, "dev0/3", "other oracle");
	violation_report(l, V_REMAP_NO_ENTRY, NULL, "no subject");
	violation_report(l, V_REMAP_NO_ENTRY, "", "empty subject is the same as none");
	violation_report(l, V_REMAP_NO_ENTRY, NULL, "again");
	g_assert_cmpuint(violation_list_count(l), ==, 5);

	v = violation_list_get(l, 0);
	g_assert_cmpint(v->id, ==, V_DELIVERY_LOST);
	g_assert_cmpstr(violation_kind_of(v->id)->name, ==, "delivery.lost");
	g_assert_cmpstr(violation_kind_of(v->id)->oracle, ==, "delivery");
	g_assert_cmpstr(violation_kind_of(v->id)->kind, ==, "lost");
	g_assert_cmpstr(v->subject, ==, "dev0/3");
	/* The first report is kept, not the duplicate. */
	g_assert_cmpstr(v->message, ==, "vector 3 lost");
	g_assert_cmpuint(v->time, ==, 0);
	g_assert_cmpstr(violation_list_get(l, 1)->subject, ==, "dev0/4");
	g_assert_cmpint(violation_list_get(l, 2)->id, ==, V_DELIVERY_STUCK_PENDING);
	g_assert_cmpint(violation_list_get(l, 3)->id, ==, V_MASK_STUCK_MASKED);
	g_assert_cmpstr(violation_list_get(l, 4)->subject, ==, "");
	g_assert_cmpstr(violation_list_get(l, 4)->message, ==, "no subject");
	g_assert_null(violation_list_get(l, 5));
	violation_list_free(l);
	engine_free(e);
}

static void ev_violate(struct engine *e, void *arg)
{
	violation_report(arg, V_REMAP_WRONG_VECTOR, "x", "at %" G_GUINT64_FORMAT, engine_now(e));
}

static void test_violation_time(void)
{
	struct engine *e = engine_new(1);
	struct violation_list *l = violation_list_new(e);

	engine_schedule(e, 77, ev_violate, l);
	engine_schedule(e, 99, ev_violate, l);
	engine_run(e);
	g_assert_cmpuint(violation_list_count(l), ==, 1);
	g_assert_cmpuint(violation_list_get(l, 0)->time, ==, 77);
	g_assert_cmpstr(violation_list_get(l, 0)->message, ==, "at 77");
	violation_list_free(l);
	engine_free(e);
}

/* Every kind is declared once, with a unique "oracle.kind" name. */
static void test_violation_table(void)
{
	for (unsigned i = 0; i < violation_kind_count(); i++) {
		const struct violation_kind *k = violation_kind_get(i);
		g_autofree char *joined = g_strdup_printf("%s.%s", k->oracle, k->kind);

		g_assert_cmpstr(k->name, ==, joined);
		g_assert_cmpint(violation_lookup(k->name), ==, (int)i);
		g_assert_true(k->description && k->description[0]);
	}
	g_assert_cmpint(violation_lookup("delivery.nope"), ==, -1);
	g_assert_null(violation_kind_get(violation_kind_count()));
}

/* ---- devices[].layout ---- */

/* A device whose "layout" value starts at line 3, column 26. */
#define LAYOUT(x)                                                                                  \
	"{\n  \"devices\": [{\"name\": \"g\", \"driver\": \"keep-vectors\",\n"                     \
	"               \"layout\": " x "}],\n" OK_TAIL

static const struct bad bad_layouts[] = {
    {"not an object", LAYOUT("3"), "t.json:3:26:",
     "devices[0].layout: expected an object, got an integer", SCENARIO_ERROR_SCHEMA},
    {"unknown field", LAYOUT("{\"caps\": []}"), "t.json:3:27:",
     "devices[0].layout.caps: unknown field \"caps\" (expected one of: capabilities, msix-bar, "
     "msix-table-offset)",
     SCENARIO_ERROR_SCHEMA},
    {"capabilities not an array", LAYOUT("{\"capabilities\": \"pm\"}"), "t.json:3:43:",
     "devices[0].layout.capabilities: expected an array of capability names, got a string",
     SCENARIO_ERROR_SCHEMA},
    {"capability not a string", LAYOUT("{\"capabilities\": [\"pm\", 2, \"msix\"]}"), "t.json:3:50:",
     "devices[0].layout.capabilities[1]: expected a capability name, got an integer",
     SCENARIO_ERROR_SCHEMA},
    {"unknown capability", LAYOUT("{\"capabilities\": [\"pm\", \"msi\", \"msi-x\"]}"),
     "t.json:3:57:",
     "devices[0].layout.capabilities[2]: unknown capability \"msi-x\" (one of: pm, msi, msix)",
     SCENARIO_ERROR_SCHEMA},
    {"capability twice", LAYOUT("{\"capabilities\": [\"msi\", \"pm\", \"msi\"]}"), "t.json:3:57:",
     "devices[0].layout.capabilities[2]: capability \"msi\" is already listed as "
     "capabilities[0]",
     SCENARIO_ERROR_SCHEMA},
    {"capability missing", LAYOUT("{\"capabilities\": [\"msix\", \"pm\"]}"), "t.json:3:43:",
     "devices[0].layout.capabilities: must list each of pm, msi and msix once; \"msi\" is "
     "missing",
     SCENARIO_ERROR_SCHEMA},
    {"no capabilities", LAYOUT("{\"capabilities\": []}"), "t.json:3:43:",
     "devices[0].layout.capabilities: must list each of pm, msi and msix once; \"pm\" is missing",
     SCENARIO_ERROR_SCHEMA},
    {"bar 6", LAYOUT("{\"msix-bar\": 6}"), "t.json:3:39:",
     "devices[0].layout.msix-bar: must be between 0 and 5, got 6", SCENARIO_ERROR_SCHEMA},
    {"negative bar", LAYOUT("{\"msix-bar\": -1}"), "t.json:3:39:",
     "devices[0].layout.msix-bar: must be between 0 and 5, got -1", SCENARIO_ERROR_SCHEMA},
    {"bar as a string", LAYOUT("{\"msix-bar\": \"2\"}"), "t.json:3:39:",
     "devices[0].layout.msix-bar: expected an integer, got a string", SCENARIO_ERROR_SCHEMA},
    {"offset not 8-aligned", LAYOUT("{\"msix-bar\": 2, \"msix-table-offset\": 2052}"),
     "t.json:3:63:",
     "devices[0].layout.msix-table-offset: 0x804 is not a multiple of 8 (the low 3 bits of "
     "Table Offset/BIR hold the BAR index)",
     SCENARIO_ERROR_SCHEMA},
    {"hex offset not 8-aligned", LAYOUT("{\"msix-table-offset\": \"0x7ff\"}"), "t.json:3:48:",
     "devices[0].layout.msix-table-offset: 0x7ff is not a multiple of 8", SCENARIO_ERROR_SCHEMA},
    {"offset at 1 MiB", LAYOUT("{\"msix-table-offset\": 1048576}"), "t.json:3:48:",
     "devices[0].layout.msix-table-offset: 0x100000 is too far: the MSI-X table must start "
     "below 1 MiB (0x100000)",
     SCENARIO_ERROR_SCHEMA},
    {"offset beyond 32 bits", LAYOUT("{\"msix-table-offset\": \"0x100000000\"}"),
     "t.json:3:48:", "devices[0].layout.msix-table-offset: 0x100000000 is larger than 0xFFFFFFFF",
     SCENARIO_ERROR_SCHEMA},
    {"offset fraction", LAYOUT("{\"msix-table-offset\": 8.5}"), "t.json:3:48:",
     "devices[0].layout.msix-table-offset: expected a hex string", SCENARIO_ERROR_SCHEMA},
    {"offset bad hex", LAYOUT("{\"msix-table-offset\": \"800\"}"), "t.json:3:48:",
     "devices[0].layout.msix-table-offset: \"800\" is not a hex number", SCENARIO_ERROR_SCHEMA},
    {"second device's layout",
     "{\n  \"devices\": [{\"name\": \"a\", \"driver\": \"keep-vectors\"},\n"
     "              {\"name\": \"b\", \"driver\": \"keep-vectors\", \"layout\": "
     "{\"msix-bar\": 9}}],\n" OK_TAIL,
     "t.json:3:78:", "devices[1].layout.msix-bar: must be between 0 and 5, got 9",
     SCENARIO_ERROR_SCHEMA},
};

/* A device with interrupts "msi" whose other fields x start at line 3,
 * column 16. */
#define MSIDEV(x)                                                                                  \
	"{\n  \"devices\": [{\"name\": \"g\", \"driver\": \"keep-vectors\", \"interrupts\": "      \
	"\"msi\",\n"                                                                               \
	"               " x "}],\n" OK_TAIL

static const struct bad bad_msi[] = {
    {"vectors not a power of two", MSIDEV("\"vectors\": 6"), "t.json:3:27:",
     "devices[0].vectors: MSI gives a function a power of two of vectors (1, 2, 4, 8, 16 or "
     "32), got 6",
     SCENARIO_ERROR_SCHEMA},
    {"vectors above 32", MSIDEV("\"vectors\": 64"),
     "t.json:3:27:", "devices[0].vectors: must be between 1 and 32, got 64", SCENARIO_ERROR_SCHEMA},
    {"msix listed", MSIDEV("\"layout\": {\"capabilities\": [\"pm\", \"msi\", \"msix\"]}"),
     "t.json:3:57:",
     "devices[0].layout.capabilities[2]: a device with interrupts \"msi\" has no MSI-X "
     "capability",
     SCENARIO_ERROR_SCHEMA},
    {"msi missing", MSIDEV("\"layout\": {\"capabilities\": [\"pm\"]}"), "t.json:3:43:",
     "devices[0].layout.capabilities: must list each of pm and msi once; \"msi\" is missing",
     SCENARIO_ERROR_SCHEMA},
    {"msix-bar", MSIDEV("\"layout\": {\"msix-bar\": 2}"), "t.json:3:39:",
     "devices[0].layout.msix-bar: a device with interrupts \"msi\" has no MSI-X table",
     SCENARIO_ERROR_SCHEMA},
    {"unknown interrupts",
     "{\n  \"devices\": [{\"name\": \"g\", \"driver\": \"keep-vectors\", \"interrupts\": "
     "\"intx\"}],\n" OK_TAIL,
     "t.json:2:69:", "devices[0].interrupts: unknown interrupts \"intx\" (one of: msix, msi)",
     SCENARIO_ERROR_SCHEMA},
    {"msi-masking without msi",
     "{\n  \"devices\": [{\"name\": \"g\", \"driver\": \"keep-vectors\", \"msi-masking\": "
     "false}],\n" OK_TAIL,
     "t.json:2:70:", "devices[0].msi-masking: only a device with interrupts \"msi\"",
     SCENARIO_ERROR_SCHEMA},
};

/* A device with interrupts "msi": no MSI-X in its capability list, the
 * mask bits as asked, and --set can turn a device into one. */
static void test_msi_device_fields(void)
{
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(MSIDEV("\"vectors\": 32, \"msi-masking\": false, \"layout\": "
	                                 "{\"capabilities\": [\"msi\", \"pm\"]}"),
	                          NULL, &error);

	g_assert_no_error(error);
	g_assert_true(s->devices[0].msi);
	g_assert_true(s->devices[0].msi_no_maskbits);
	g_assert_cmpuint(s->devices[0].vectors, ==, 32);
	g_assert_cmpint(s->devices[0].layout.caps[0], ==, PCIDEV_CAP_MSI);
	g_assert_cmpint(s->devices[0].layout.caps[1], ==, PCIDEV_CAP_PM);
	g_assert_cmpint(s->devices[0].layout.caps[2], ==, PCIDEV_CAP_NONE);
	scenario_free(s);
	s = load(OK_HEAD OK_TAIL,
	         (const char *const[]){"devices.0.interrupts=\"msi\"", "devices.0.vectors=4", NULL},
	         &error);
	g_assert_no_error(error);
	g_assert_true(s->devices[0].msi);
	g_assert_false(s->devices[0].msi_no_maskbits);
	g_assert_cmpint(s->devices[0].layout.caps[0], ==, PCIDEV_CAP_PM);
	g_assert_cmpint(s->devices[0].layout.caps[1], ==, PCIDEV_CAP_MSI);
	g_assert_cmpint(s->devices[0].layout.caps[2], ==, PCIDEV_CAP_NONE);
	scenario_free(s);
}

static void test_layout_fields(void)
{
	static const char text[] =
	    "{\n"
	    "  \"devices\": [\n"
	    "    {\"name\": \"a\", \"driver\": \"keep-vectors\"},\n"
	    "    {\"name\": \"b\", \"driver\": \"keep-vectors\", \"layout\": {}},\n"
	    "    {\"name\": \"c\", \"driver\": \"keep-vectors\", \"layout\": {\"capabilities\": "
	    "[\"msix\", \"pm\", \"msi\"], \"msix-bar\": 2, \"msix-table-offset\": 2048}},\n"
	    "    {\"name\": \"d\", \"driver\": \"recreate-vectors\", \"layout\": {\"msix-bar\": 5, "
	    "\"msix-table-offset\": \"0xFF000\"}},\n"
	    "    {\"name\": \"e\", \"driver\": \"recreate-vectors\", \"layout\": "
	    "{\"capabilities\": "
	    "[\"pm\", \"msi\", \"msix\"], \"msix-table-offset\": 1048568}}\n"
	    "  ],\n" OK_TAIL;
	static const struct pcidev_layout zero = {{PCIDEV_CAP_NONE}, 0, 0};
	g_autoptr(GError) error = NULL;
	struct scenario *s = load(text, NULL, &error);
	const struct pcidev_layout *l;

	g_assert_no_error(error);
	g_assert_cmpuint(s->ndevices, ==, 5);
	/* absent and empty: the default */
	g_assert_cmpmem(&s->devices[0].layout, sizeof(zero), &zero, sizeof(zero));
	g_assert_cmpmem(&s->devices[1].layout, sizeof(zero), &zero, sizeof(zero));
	l = &s->devices[2].layout;
	g_assert_cmpuint(l->caps[0], ==, PCIDEV_CAP_MSIX);
	g_assert_cmpuint(l->caps[1], ==, PCIDEV_CAP_PM);
	g_assert_cmpuint(l->caps[2], ==, PCIDEV_CAP_MSI);
	g_assert_cmpuint(l->msix_bar, ==, 2);
	g_assert_cmphex(l->msix_table_offset, ==, 0x800);
	l = &s->devices[3].layout;
	g_assert_cmpuint(l->caps[0], ==, PCIDEV_CAP_NONE); /* default order */
	g_assert_cmpuint(l->msix_bar, ==, 5);
	g_assert_cmphex(l->msix_table_offset, ==, 0xff000);
	l = &s->devices[4].layout;
	g_assert_cmpuint(l->caps[0], ==, PCIDEV_CAP_PM);
	g_assert_cmpuint(l->caps[1], ==, PCIDEV_CAP_MSI);
	g_assert_cmpuint(l->caps[2], ==, PCIDEV_CAP_MSIX);
	g_assert_cmpuint(l->msix_bar, ==, 0);
	g_assert_cmphex(l->msix_table_offset, ==, 0xffff8);
	for (unsigned i = 0; i < s->ndevices; i++)
		g_assert_true(pcidev_layout_validate(&s->devices[i].layout, NULL));
	scenario_free(s);
}

static void test_layout_set(void)
{
	g_autoptr(GError) error = NULL;
	const char *sets[] = {"devices.0.layout.msix-bar=2",
	                      "devices[0].layout.msix-table-offset=0x800", /* a bare hex string */
	                      "devices.0.layout.capabilities=[\"msi\",\"msix\",\"pm\"]", NULL};
	const char *over[] = {"devices.0.layout.msix-bar=4", NULL};
	struct scenario *s = load(OK_HEAD OK_TAIL, sets, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(s->devices[0].layout.msix_bar, ==, 2);
	g_assert_cmphex(s->devices[0].layout.msix_table_offset, ==, 0x800);
	g_assert_cmpuint(s->devices[0].layout.caps[0], ==, PCIDEV_CAP_MSI);
	g_assert_cmpuint(s->devices[0].layout.caps[1], ==, PCIDEV_CAP_MSIX);
	g_assert_cmpuint(s->devices[0].layout.caps[2], ==, PCIDEV_CAP_PM);
	scenario_free(s);
	/* over a layout in the file: only the field set changes */
	s = load(LAYOUT("{\"msix-bar\": 2, \"msix-table-offset\": 4096}"), over, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(s->devices[0].layout.msix_bar, ==, 4);
	g_assert_cmphex(s->devices[0].layout.msix_table_offset, ==, 0x1000);
	scenario_free(s);
}

static const struct bad_set bad_layout_sets[] = {
    {"devices.0.layout.msix-bar=6",
     "t.json: devices[0].layout.msix-bar: must be between 0 and 5, got 6 (set by --set "
     "devices.0.layout.msix-bar=6)",
     SCENARIO_ERROR_SCHEMA},
    {"devices.0.layout.msix-table-offset=12",
     "t.json: devices[0].layout.msix-table-offset: 0xc is not a multiple of 8 (the low 3 bits "
     "of Table Offset/BIR hold the BAR index) (set by --set "
     "devices.0.layout.msix-table-offset=12)",
     SCENARIO_ERROR_SCHEMA},
    {"devices.0.layout.capabilities=[\"pm\",\"pm\",\"msi\"]",
     "t.json: devices[0].layout.capabilities[1]: capability \"pm\" is already listed as "
     "capabilities[0] (set by --set",
     SCENARIO_ERROR_SCHEMA},
    {"devices.0.layout.bar=1",
     "t.json: devices[0].layout.bar: unknown field \"bar\" (expected one of: capabilities, "
     "msix-bar, msix-table-offset) (set by --set devices.0.layout.bar=1)",
     SCENARIO_ERROR_SCHEMA},
};

/* The runner hands the layout to the host: the BAR the host reports is
 * the one the scenario asked for. */
static void test_layout_reaches_host(void)
{
	static const struct {
		const char *set;
		const char *bar;
	} cases[] = {
	    {"devices.0.vectors=8", "\"resource-requirements\",\"bus\":0,\"bar0\":\"0xffffc004\"}"},
	    {"devices.0.layout.msix-bar=2",
	     "\"resource-requirements\",\"bus\":0,\"bar2\":\"0xffffc004\"}"},
	    {"devices.0.layout.msix-bar=5",
	     "\"resource-requirements\",\"bus\":0,\"bar5\":\"0xffffc000\"}"},
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *sets[] = {cases[i].set, NULL};
		g_autoptr(GError) error = NULL;
		struct scenario *s = load(OK_HEAD OK_TAIL, sets, &error);
		struct trace *t = trace_new_memory();
		struct run_options opt = {.trace_sink = t};
		struct run_result *r;

		g_assert_no_error(error);
		r = run_scenario(s, &opt);
		g_test_message("--set %s", cases[i].set);
		g_assert_nonnull(strstr(trace_contents(t), cases[i].bar));
		run_result_free(r);
		trace_free(t);
		scenario_free(s);
	}
}

/* scenarios/schema.json describes the same layout fields the loader
 * accepts. */
static void test_schema_layout(void)
{
	g_autofree char *path = g_build_filename(SOURCE_ROOT, "scenarios", "schema.json", NULL);
	json_object *root = json_object_from_file(path);
	json_object *layout, *bar, *v;

	g_assert_nonnull(root);
	layout = schema_at(root, (const char *const[]){"properties", "devices", "items",
	                                               "properties", "layout", "properties", NULL});
	g_assert_cmpuint(json_object_object_length(layout), ==, 3);
	assert_enum(root,
	            (const char *const[]){"properties", "devices", "items", "properties", "layout",
	                                  "properties", "capabilities", "items", "enum", NULL},
	            CAT_CAPABILITIES);
	bar = schema_at(layout, (const char *const[]){"msix-bar", NULL});
	g_assert_true(json_object_object_get_ex(bar, "maximum", &v));
	g_assert_cmpint(json_object_get_int(v), ==, PCIDEV_NUM_BARS - 1);
	g_assert_true(json_object_object_get_ex(layout, "msix-table-offset", NULL));
	json_object_put(root);
}

/* The size limits at their edges: the largest VM loads, one more of
 * anything is refused at the value, with its position. */
static char *devices_json(unsigned n, unsigned vectors)
{
	GString *t = g_string_new("{\n  \"devices\": [");

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(
		    t, "%s{\"name\": \"d%u\", \"driver\": \"keep-vectors\", \"vectors\": %u}",
		    i ? ", " : "", i, vectors);
	g_string_append(t, "],\n");
	return g_string_free(t, FALSE);
}

static void test_size_edges(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *d32 = devices_json(32, 2048), *d33 = devices_json(33, 1);
	g_autofree char *ok = g_strconcat(d32, "  \"vm\": {\"vcpus\": 240},\n" OK_TAIL, NULL);
	g_autofree char *many = g_strconcat(d33, OK_TAIL, NULL);
	g_autofree char *cpus = g_strconcat(OK_HEAD, "  \"vm\": {\"vcpus\": 241},\n" OK_TAIL, NULL);
	GString *fire = g_string_new("{\n  \"devices\": [{\"name\": \"a\", \"driver\": "
	                             "\"keep-vectors\", \"vectors\": 2048}],\n  \"steps\": "
	                             "[{\"op\": \"boot\"}, {\"op\": \"fire\", \"device\": \"a\", "
	                             "\"vectors\": [");
	g_autofree char *fire_text = NULL;
	struct scenario *s = load(ok, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(s->vcpus, ==, 240);
	g_assert_cmpuint(s->ndevices, ==, 32);
	g_assert_cmpuint(s->devices[31].vectors, ==, 2048);
	scenario_free(s);
	g_assert_null(load(many, NULL, &error));
	g_assert_true(g_str_has_prefix(error->message, "t.json:2:14:"));
	g_assert_nonnull(strstr(error->message, "devices: must hold 1 to 32 devices, has 33"));
	g_clear_error(&error);
	g_assert_null(load(cpus, NULL, &error));
	g_assert_cmpstr(error->message, ==,
	                "t.json:3:19: vm.vcpus: must be between 1 and 240, got 241");
	g_clear_error(&error);
	/* A fire step lists up to 2048 vectors, 2047 the highest. */
	for (unsigned v = 0; v < 2048; v++)
		g_string_append_printf(fire, "%s%u", v ? ", " : "", 2047 - v);
	g_string_append(fire, "]}],\n  \"expect\": {\"verdict\": \"pass\"}\n}\n");
	fire_text = g_string_free(fire, FALSE);
	s = load(fire_text, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(s->steps[1].nvectors, ==, 2048);
	g_assert_cmpuint(s->steps[1].vectors[0], ==, 2047);
	g_assert_cmpuint(s->steps[1].vectors[2047], ==, 0);
	scenario_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_files); i++) {
		g_autofree char *name = g_strdup_printf("/scenario/bad-file/%s", bad_files[i].what);
		g_strdelimit(name + strlen("/scenario/bad-file/"), " '/", '-');
		g_test_add_data_func(name, &bad_files[i], test_bad_file);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_sets); i++) {
		g_autofree char *name = g_strdup_printf("/scenario/bad-set/%02u", i);
		g_test_add_data_func(name, &bad_sets[i], test_bad_set);
	}
	g_test_add_func("/scenario/defaults", test_defaults);
	g_test_add_func("/scenario/size-edges", test_size_edges);
	g_test_add_func("/scenario/every-field", test_full);
	g_test_add_func("/scenario/set", test_set);
	g_test_add_func("/scenario/null-in-typed-fields", test_null_in_typed_fields);
	g_test_add_func("/scenario/null-by-set", test_null_by_set);
	g_test_add_func("/scenario/seed-one-rule", test_seed_one_rule);
	g_test_add_func("/scenario/missing-file", test_missing_file);
	g_test_add_func("/scenario/limits/size", test_size_limit);
	g_test_add_func("/scenario/data-without-nul", test_data_without_nul);
	g_test_add_func("/scenario/limits/not-a-regular-file", test_not_regular);
	g_test_add_func("/scenario/columns-are-characters", test_columns_are_characters);
	g_test_add_func("/scenario/schema-matches-loader", test_schema_matches_loader);
	g_test_add_func("/scenario/mutations", test_mutations);
	g_test_add_func("/violations/dedup", test_violation_dedup);
	g_test_add_func("/violations/time", test_violation_time);
	g_test_add_func("/violations/table", test_violation_table);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_msi); i++) {
		g_autofree char *name = g_strdup_printf("/scenario/msi/bad/%s", bad_msi[i].what);
		g_test_add_data_func(name, &bad_msi[i], test_bad_file);
	}
	g_test_add_func("/scenario/msi/fields", test_msi_device_fields);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_layouts); i++) {
		g_autofree char *name =
		    g_strdup_printf("/scenario/layout/bad/%s", bad_layouts[i].what);
		g_strdelimit(name + strlen("/scenario/layout/bad/"), " '/", '-');
		g_test_add_data_func(name, &bad_layouts[i], test_bad_file);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_layout_sets); i++) {
		g_autofree char *name = g_strdup_printf("/scenario/layout/bad-set/%02u", i);
		g_test_add_data_func(name, &bad_layout_sets[i], test_bad_set);
	}
	g_test_add_func("/scenario/layout/fields", test_layout_fields);
	g_test_add_func("/scenario/layout/set", test_layout_set);
	g_test_add_func("/scenario/layout/reaches-host", test_layout_reaches_host);
	g_test_add_func("/scenario/layout/schema", test_schema_layout);
	return g_test_run();
}
