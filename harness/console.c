/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console's interpreter. A session is one run (runner.h) of a scenario
 * that grows as the user types: the scenario's own steps are the program
 * that step, next and continue play, and every step op typed is a step
 * like them. Every step is validated by the scenario loader itself, as the
 * last step of a scenario that puts the VM in the state it is in now, so a
 * command is refused exactly when the same step in a file would be.
 *
 * Every step that starts is remembered as it would stand in a scenario
 * file, on the line it gets in that file, and the run is traced with that
 * line: `record` writes the file, and `hvpci-sim run --trace` of it gives
 * the trace this session gave, byte for byte.
 */
#include "console.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/fault.h"
#include "../vmbus-sim/trace.h"
#include "../vmbus-sim/tracepoint.h"
#include "backend.h"
#include "catalog.h"
#include "observe.h"
#include "report.h"
#include "runner.h"
#include "scenario.h"
#include "steps.h"
#include "violations.h"

#define CAPTURE_MAX_LINES 64

static volatile sig_atomic_t interrupted;

void console_interrupt(void)
{
	interrupted = 1;
}

struct breakpoint {
	unsigned id;
	char *event;
	int tp; /* a tracepoint, or -1: a trace event "comp.ev" */
	unsigned hits;
	bool temporary; /* until's */
};

/* A step as it stands in the scenario file record writes. */
struct recorded {
	char *json;
	unsigned line;
};

/* A fault rule armed or disarmed while a step was under way: the scenario
 * does it with a `fault` step once that step has ended. */
struct change {
	unsigned fault;
	bool enabled;
	unsigned hits; /* the rule's hits (armed) or its point's (disarmed) then */
	unsigned step; /* the step it happened in */
};

struct console {
	struct scenario *s; /* the session's scenario: its faults grow */
	bool default_vm;
	unsigned next; /* the scenario's next step to play */
	uint64_t seed;
	struct trace *trace;
	struct run *run;
	bool started;      /* a step has started */
	GString *prologue; /* the trace before the first step */
	FILE *trace_file;
	char *trace_path;
	GPtrArray *recorded; /* struct recorded */
	unsigned header_lines;
	unsigned last_line;
	/* the VM's state as the loader follows it through the steps */
	bool running;
	bool online[SCN_MAX_VCPUS];
	GArray *removed;  /* bool per fault rule */
	GArray *changes;  /* struct change, until the step under way ends */
	GPtrArray *notes; /* why a recording would not replay exactly */
	GPtrArray *bps;   /* struct breakpoint */
	unsigned next_bp;
	unsigned auto_fault;
	/* stopping */
	bool stop;
	char *stop_why;
	unsigned stop_bp;
	char *stop_event;
	bool capturing;
	GString *capture;
	unsigned captured;
	GHashTable *seen_events; /* "comp.ev" seen in the trace, for completion */
	unsigned violations_seen;
	console_event_fn ev_fn;
	void *ev_ctx;
	console_output_fn out_fn;
	void *out_ctx;
};

void console_reply_init(struct console_reply *r)
{
	r->output = g_string_new(NULL);
	r->data = NULL;
	r->error = NULL;
}

void console_reply_clear(struct console_reply *r)
{
	if (r->output)
		g_string_free(r->output, TRUE);
	json_object_put(r->data);
	g_free(r->error);
	r->output = NULL;
	r->data = NULL;
	r->error = NULL;
}

static enum console_status G_GNUC_PRINTF(2, 3) fail(struct console_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(r->error);
	r->error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return CONSOLE_ERROR;
}

static const char *fmt_time(uint64_t ns, char *buf, size_t len)
{
	return engine_fmt_time(ns, buf, len);
}

static uint64_t now(struct console *c)
{
	return engine_now(run_engine(c->run));
}

static const struct observation *obs(struct console *c)
{
	return run_observation(c->run);
}

static void emit(struct console *c, json_object *ev)
{
	if (c->ev_fn)
		c->ev_fn(c->ev_ctx, ev);
	json_object_put(ev);
}

/* ---- tables: aligned text and the same rows as JSON ------------------- */

struct table {
	const char *const *heads;
	const char *const *keys;
	unsigned ncols;
	GPtrArray *cells;
	json_object *rows;
	json_object *row;
};

static void t_init(struct table *t, const char *const *heads, const char *const *keys)
{
	t->heads = heads;
	t->keys = keys;
	for (t->ncols = 0; heads[t->ncols]; t->ncols++)
		;
	t->cells = g_ptr_array_new_with_free_func(g_free);
	t->rows = json_object_new_array();
	t->row = NULL;
}

static void t_row(struct table *t)
{
	t->row = json_object_new_object();
	json_object_array_add(t->rows, t->row);
}

static void G_GNUC_PRINTF(3, 4) t_cell(struct table *t, json_object *v, const char *fmt, ...)
{
	unsigned col = t->cells->len % t->ncols;
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(t->cells, g_strdup_vprintf(fmt, ap));
	va_end(ap);
	json_object_object_add(t->row, t->keys[col], v);
}

static void t_str(struct table *t, const char *s)
{
	t_cell(t, s ? json_object_new_string(s) : NULL, "%s", s ? s : "-");
}

static void t_uint(struct table *t, uint64_t u)
{
	t_cell(t, json_object_new_uint64(u), "%" G_GUINT64_FORMAT, u);
}

static void t_hex(struct table *t, uint64_t u)
{
	char buf[24];

	g_snprintf(buf, sizeof(buf), "%#" G_GINT64_MODIFIER "x", u);
	t_cell(t, json_object_new_string(buf), "%s", buf);
}

static void t_bool(struct table *t, bool b)
{
	t_cell(t, json_object_new_boolean(b), "%s", b ? "yes" : "no");
}

static void t_time(struct table *t, uint64_t ns)
{
	char buf[32];

	if (ns == OBS_NEVER) {
		t_cell(t, NULL, "-");
		return;
	}
	t_cell(t, json_object_new_uint64(ns), "%s", fmt_time(ns, buf, sizeof(buf)));
}

/* Prints the table and returns its rows (the caller's). */
static json_object *t_end(struct table *t, GString *out)
{
	g_autofree unsigned *w = g_new0(unsigned, t->ncols);
	unsigned nrows = t->cells->len / t->ncols;

	for (unsigned c = 0; c < t->ncols; c++)
		w[c] = (unsigned)g_utf8_strlen(t->heads[c], -1);
	for (unsigned i = 0; i < t->cells->len; i++)
		w[i % t->ncols] = MAX(w[i % t->ncols],
		                      (unsigned)g_utf8_strlen(g_ptr_array_index(t->cells, i), -1));
	for (int r = -1; r < (int)nrows; r++) {
		GString *line = g_string_new(NULL);
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s =
			    r < 0 ? t->heads[c]
			          : g_ptr_array_index(t->cells, (unsigned)r * t->ncols + c);
			g_string_append(line, s);
			if (c + 1 < t->ncols)
				for (unsigned k = (unsigned)g_utf8_strlen(s, -1); k < w[c] + 2; k++)
					g_string_append_c(line, ' ');
		}
		g_string_append_printf(out, "%s\n", line->str);
		g_string_free(line, TRUE);
	}
	if (!nrows)
		g_string_append(out, "(none)\n");
	g_ptr_array_free(t->cells, TRUE);
	return t->rows;
}

/* ---- the scenario as JSON -------------------------------------------- */

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static char *hex(uint64_t u)
{
	return g_strdup_printf("0x%" G_GINT64_MODIFIER "X", u);
}

static json_object *device_json(const struct scn_device *d)
{
	json_object *o = json_object_new_object();
	g_autofree char *vendor = hex(d->vendor_id), *device = hex(d->device_id);

	json_object_object_add(o, "name", jstr(d->name));
	json_object_object_add(o, "driver",
	                       jstr(catalog_get(CAT_DRIVERS)->name((unsigned)d->driver)));
	json_object_object_add(o, "vectors", json_object_new_int(d->vectors));
	json_object_object_add(o, "vendor", jstr(vendor));
	json_object_object_add(o, "device", jstr(device));
	return o;
}

static json_object *rule_json(const struct fault_rule *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", jstr(r->name));
	json_object_object_add(o, "point", jstr(fault_point_name(r->point)));
	json_object_object_add(o, "mode", jstr(fault_mode_name(r->mode)));
	if (r->mode == FAULT_NTH)
		json_object_object_add(o, "n", json_object_new_int64(r->n));
	if (r->mode == FAULT_PROBABILITY)
		json_object_object_add(o, "probability", json_object_new_double(r->probability));
	if (r->phase >= 0)
		json_object_object_add(o, "phase", jstr(phase_name((enum phase)r->phase)));
	if (r->status_set) {
		g_autofree char *st = hex(r->status);
		json_object_object_add(o, "status", jstr(st));
	}
	json_object_object_add(o, "enabled", json_object_new_boolean(r->enabled));
	return o;
}

static json_object *step_json(const struct scenario *s, const struct scn_step *st)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "op", jstr(scn_op_name(st->op)));
	switch (st->op) {
	case OP_FIRE:
		json_object_object_add(o, "device", jstr(s->devices[st->device].name));
		if (!st->all_vectors) {
			json_object *a = json_object_new_array();
			for (unsigned k = 0; k < st->nvectors; k++)
				json_object_array_add(a, json_object_new_int(st->vectors[k]));
			json_object_object_add(o, "vectors", a);
		}
		break;
	case OP_CPU_OFFLINE:
	case OP_CPU_ONLINE:
		json_object_object_add(o, "cpu", json_object_new_int(st->cpu));
		break;
	case OP_FAULT:
		json_object_object_add(o, "name", jstr(s->faults[st->fault].name));
		json_object_object_add(o, "enabled", json_object_new_boolean(st->enabled));
		break;
	case OP_ADVANCE:
		json_object_object_add(o, "ns", json_object_new_uint64(st->ns));
		break;
	case OP_HIBERNATE:
		if (st->allow_abort)
			json_object_object_add(o, "allow-abort", json_object_new_boolean(true));
		break;
	case OP_SET_AFFINITY: {
		json_object *a = json_object_new_array();
		json_object_object_add(o, "device", jstr(s->devices[st->device].name));
		json_object_object_add(o, "vector", json_object_new_int(st->vector));
		for (unsigned c = 0; c < 64 * OBS_CPUMASK_WORDS; c++)
			if (obs_cpumask_test(&st->cpus, c))
				json_object_array_add(a, json_object_new_int(c));
		json_object_object_add(o, "cpus", a);
		break;
	}
	default:
		break;
	}
	return o;
}

static const char *plain(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
}

static json_object *guest_json(const struct scenario *s)
{
	const struct catalog *beh = catalog_get(CAT_BEHAVIOURS);
	json_object *g = json_object_new_object(), *b = json_object_new_object();

	json_object_object_add(g, "profile", jstr(s->profile->name));
	for (unsigned i = 0; i < beh->count(); i++)
		json_object_object_add(b, beh->name(i),
		                       json_object_new_boolean(s->behaviours & BEH_BIT(i)));
	json_object_object_add(g, "behaviours", b);
	return g;
}

static json_object *vm_json(const struct scenario *s)
{
	json_object *vm = json_object_new_object();
	char proto[16];

	g_snprintf(proto, sizeof(proto), "%u.%u", s->protocol >> 16, s->protocol & 0xFFFF);
	json_object_object_add(vm, "vcpus", json_object_new_int(s->vcpus));
	json_object_object_add(vm, "protocol", jstr(proto));
	return vm;
}

static json_object *faults_json(const struct scenario *s, unsigned n)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, rule_json(&s->faults[i].rule));
	return a;
}

/* Everything but the steps, as the loader reads it. */
static json_object *header_json(struct console *c, json_object *faults)
{
	const struct scenario *s = c->s;
	json_object *o = json_object_new_object(), *devs = json_object_new_array(), *ex;

	json_object_object_add(o, "name", jstr(s->name));
	json_object_object_add(o, "seed", json_object_new_uint64(c->seed));
	json_object_object_add(o, "vm", vm_json(s));
	json_object_object_add(o, "guest", guest_json(s));
	for (unsigned i = 0; i < s->ndevices; i++)
		json_object_array_add(devs, device_json(&s->devices[i]));
	json_object_object_add(o, "devices", devs);
	json_object_object_add(o, "faults", faults ? faults : faults_json(s, s->nfaults));
	ex = json_object_new_object();
	json_object_object_add(ex, "verdict", jstr("pass"));
	json_object_object_add(o, "expect", ex);
	return o;
}

/* Strips the loader's "label:line:col: steps[N]." from an error about the
 * step or rule being validated, leaving "cpu: CPU 0 is ...". */
static char *loader_message(const char *msg, const char *array)
{
	g_autofree char *key = g_strdup_printf("%s[", array);
	const char *p = strstr(msg, key);

	if (!p)
		return g_strdup(msg);
	p = strchr(p, ']');
	if (!p)
		return g_strdup(msg);
	p++;
	if (*p == '.')
		p++;
	else if (*p == ':')
		p += *(p + 1) == ' ' ? 2 : 1;
	return g_strdup(p);
}

/* Loads header + steps; the last step or rule is the one asked about. */
static struct scenario *load_json(json_object *root, GError **error)
{
	const char *text = plain(root);

	return scenario_load_data("console", text, strlen(text), NULL, error);
}

/* The steps that put a fresh VM in the state this one is in. */
static void state_prefix(struct console *c, json_object *steps)
{
	json_object *o;

	if (!c->recorded->len)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "op", jstr("boot"));
	json_object_array_add(steps, o);
	for (unsigned cpu = 1; cpu < c->s->vcpus; cpu++) {
		if (c->online[cpu])
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "op", jstr("cpu-offline"));
		json_object_object_add(o, "cpu", json_object_new_int(cpu));
		json_object_array_add(steps, o);
	}
	if (!c->running) {
		o = json_object_new_object();
		json_object_object_add(o, "op", jstr("hibernate"));
		json_object_array_add(steps, o);
	}
}

/* Validates step (a JSON object; consumed) as the next step of the session:
 * *out is the step as the loader reads it. */
static bool validate_step(struct console *c, json_object *step, struct scn_step *out, char **error)
{
	json_object *root = header_json(c, NULL), *steps = json_object_new_array();
	g_autoptr(GError) err = NULL;
	struct scenario *v;

	state_prefix(c, steps);
	json_object_array_add(steps, step);
	json_object_object_add(root, "steps", steps);
	v = load_json(root, &err);
	json_object_put(root);
	if (!v) {
		*error = loader_message(err->message, "steps");
		return false;
	}
	*out = v->steps[v->nsteps - 1];
	scenario_free(v);
	return true;
}

/* ---- the trace, tracepoints and breakpoints --------------------------- */

static void want_stop(struct console *c, struct breakpoint *bp, const char *event)
{
	bp->hits++;
	if (c->stop)
		return;
	c->stop = true;
	c->stop_bp = bp->temporary ? 0 : bp->id;
	g_free(c->stop_event);
	c->stop_event = g_strdup(event);
}

static void on_line(void *ctx, const char *comp, const char *ev, const char *line, size_t len)
{
	struct console *c = ctx;
	g_autofree char *name = g_strdup_printf("%s.%s", comp, ev);

	if (!c->started)
		g_string_append_len(c->prologue, line, (gssize)len);
	if (c->trace_file)
		fwrite(line, 1, len, c->trace_file);
	if (c->capturing && c->captured++ < CAPTURE_MAX_LINES)
		g_string_append_len(c->capture, line, (gssize)len);
	if (!g_hash_table_contains(c->seen_events, name))
		g_hash_table_add(c->seen_events, g_strdup(name));
	for (guint i = 0; i < c->bps->len; i++) {
		struct breakpoint *bp = g_ptr_array_index(c->bps, i);
		if (bp->tp < 0 && strcmp(bp->event, name) == 0)
			want_stop(c, bp, name);
	}
}

static void on_tp(void *ctx, struct engine *e, enum tracepoint tp, const struct tp_args *args)
{
	struct console *c = ctx;

	(void)e;
	(void)args;
	for (guint i = 0; i < c->bps->len; i++) {
		struct breakpoint *bp = g_ptr_array_index(c->bps, i);
		if (bp->tp == (int)tp)
			want_stop(c, bp, tracepoint_name(tp));
	}
}

static void breakpoint_free(gpointer p)
{
	struct breakpoint *bp = p;

	g_free(bp->event);
	g_free(bp);
}

/* A tracepoint name, or a trace event "comp.ev"; -2 if neither. */
static int event_kind(const char *name)
{
	int tp = tracepoint_lookup(name);
	const char *dot = strchr(name, '.');

	if (tp >= 0)
		return tp;
	if (dot && dot != name && dot[1] && !strchr(dot + 1, '.') && !strpbrk(name, " \t\"\\"))
		return -1;
	return -2;
}

/* ---- the world ------------------------------------------------------- */

static void recorded_free(gpointer p)
{
	struct recorded *r = p;

	g_free(r->json);
	g_free(r);
}

static bool world_begin(struct console *c, GError **error)
{
	struct run_options opt = {
	    .seed_set = true, .seed = c->seed, .trace_sink = c->trace, .keep_fire_records = true};

	c->run = run_begin(c->s, &opt, error);
	if (!c->run)
		return false;
	if (!run_can_step(c->run)) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA,
		            "the backend cannot stop a world mid-way");
		run_result_free(run_end(c->run));
		c->run = NULL;
		return false;
	}
	tp_register(run_engine(c->run), on_tp, c);
	return true;
}

static const char default_vm[] =
    "{\"name\": \"shell\", \"description\": \"a console session over the default VM\","
    " \"vm\": {\"vcpus\": 4},"
    " \"devices\": [{\"name\": \"gpu0\", \"driver\": \"keep-vectors\", \"vectors\": 8},"
    " {\"name\": \"nvme0\", \"driver\": \"recreate-vectors\", \"vectors\": 8}],"
    " \"steps\": [{\"op\": \"boot\"}], \"expect\": {\"verdict\": \"pass\"}}";

static bool trace_open(struct console *c, const char *path, char **error);

struct console *console_new(const struct console_options *opt, GError **error)
{
	struct console *c = g_new0(struct console, 1);
	unsigned pretty;

	if (opt->scenario)
		c->s = scenario_load(opt->scenario, opt->sets, error);
	else
		c->s = scenario_load_data("(default VM)", default_vm, strlen(default_vm), opt->sets,
		                          error);
	if (!c->s) {
		g_free(c);
		return NULL;
	}
	c->default_vm = !opt->scenario;
	c->seed = opt->seed_set ? opt->seed : c->s->seed;
	c->prologue = g_string_new(NULL);
	c->capture = g_string_new(NULL);
	c->recorded = g_ptr_array_new_with_free_func(recorded_free);
	c->removed = g_array_new(FALSE, TRUE, sizeof(bool));
	g_array_set_size(c->removed, c->s->nfaults);
	c->changes = g_array_new(FALSE, TRUE, sizeof(struct change));
	c->notes = g_ptr_array_new_with_free_func(g_free);
	c->bps = g_ptr_array_new_with_free_func(breakpoint_free);
	c->next_bp = 1;
	c->seen_events = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (unsigned i = 0; i < SCN_MAX_VCPUS; i++)
		c->online[i] = true;
	/* The file record writes: one header field a line, then the steps
	 * from line 9 + ndevices; all on line 1 if a scenario's own first
	 * step stands there or earlier, so that it keeps its line. */
	pretty = 9 + c->s->ndevices;
	c->header_lines = !c->default_vm && c->s->steps[0].line <= pretty ? 1 : pretty;
	c->last_line = c->header_lines;
	c->trace = trace_new_callback(on_line, c);
	if (!world_begin(c, error)) {
		console_free(c);
		return NULL;
	}
	if (opt->trace) {
		g_autofree char *why = NULL;
		if (!trace_open(c, opt->trace, &why)) {
			g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO, "--trace %s", why);
			console_free(c);
			return NULL;
		}
	}
	return c;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->run)
		run_result_free(run_end(c->run));
	if (c->trace_file)
		fclose(c->trace_file);
	g_free(c->trace_path);
	trace_free(c->trace);
	scenario_free(c->s);
	g_string_free(c->prologue, TRUE);
	g_string_free(c->capture, TRUE);
	g_ptr_array_free(c->recorded, TRUE);
	g_array_free(c->removed, TRUE);
	g_array_free(c->changes, TRUE);
	g_ptr_array_free(c->notes, TRUE);
	g_ptr_array_free(c->bps, TRUE);
	g_hash_table_destroy(c->seen_events);
	g_free(c->stop_why);
	g_free(c->stop_event);
	g_free(c);
}

void console_set_output_handler(struct console *c, console_output_fn fn, void *ctx)
{
	c->out_fn = fn;
	c->out_ctx = ctx;
}

void console_set_event_handler(struct console *c, console_event_fn fn, void *ctx)
{
	c->ev_fn = fn;
	c->ev_ctx = ctx;
}

/* New violations: printed, and an event each. */
static void report_violations(struct console *c, GString *out)
{
	const struct violation_list *vl = run_violations(c->run);

	for (; c->violations_seen < violation_list_count(vl); c->violations_seen++) {
		const struct violation *v = violation_list_get(vl, c->violations_seen);
		const char *name = violation_kind_of(v->id)->name;
		json_object *ev = json_object_new_object();
		char t[32];

		g_string_append_printf(out, "violation [%s] t=%s: %s\n", name,
		                       fmt_time(v->time, t, sizeof(t)), v->message);
		json_object_object_add(ev, "event", jstr("violation"));
		json_object_object_add(ev, "name", jstr(name));
		json_object_object_add(ev, "t", json_object_new_uint64(v->time));
		json_object_object_add(ev, "message", jstr(v->message));
		emit(c, ev);
	}
}

/* Starts a validated step, remembering it as the scenario file has it. */
static bool start_step(struct console *c, const struct scn_step *st, unsigned file_line)
{
	struct scn_step s = *st;
	struct recorded *rec = g_new0(struct recorded, 1);
	json_object *j = step_json(c->s, st);

	/* a scenario's own step keeps its line if it can; a typed one gets the next */
	s.line = file_line ? MAX(file_line, c->last_line) : c->last_line + 1;
	c->last_line = s.line;
	rec->json = g_strdup(plain(j));
	rec->line = s.line;
	json_object_put(j);
	g_ptr_array_add(c->recorded, rec);
	c->started = true;
	switch (s.op) {
	case OP_BOOT:
	case OP_RESUME:
		c->running = true;
		break;
	case OP_HIBERNATE:
		c->running = false;
		break;
	case OP_CPU_OFFLINE:
	case OP_CPU_ONLINE:
		c->online[s.cpu] = s.op == OP_CPU_ONLINE;
		break;
	default:
		break;
	}
	return run_step_start(c->run, &s);
}

static bool fault_step(struct console *c, unsigned fault, bool enabled, GString *out);

static void step_ended(struct console *c, const struct scn_step *st, bool ok, GString *out)
{
	char t[32];

	g_string_append_printf(out, "%s done at t=%s\n", scn_op_name(st->op),
	                       fmt_time(now(c), t, sizeof(t)));
	if (!ok)
		g_string_append(out, "the guest is stuck: no further step can run (show tasks)\n");
}

/* Why a rule armed or disarmed mid-step may replay differently (the
 * recording does it after the step), or NULL when it cannot. */
static char *change_note(struct console *c, const struct change *ch, const char *op)
{
	struct obs_fault f;

	if (!obs_fault(obs(c), ch->fault, &f) || (ch->enabled ? f.hits : f.point_hits) == ch->hits)
		return NULL;
	return g_strdup_printf("fault rule %s was %s in the middle of step %u (%s) and its point "
	                       "was hit before that step ended; the recording %s it only after "
	                       "the step, so its replay may differ from this session from there on",
	                       f.name, ch->enabled ? "armed" : "disarmed", ch->step, op,
	                       ch->enabled ? "arms" : "disarms");
}

/* Finishes the step under way, then does as `fault` steps what was armed
 * or disarmed while it ran. */
static bool finish_step(struct console *c, GString *out)
{
	const struct scn_step *cur = run_step_current(c->run);
	struct scn_step st = *cur;
	bool ok = run_step_finish(c->run);
	GArray *changes = c->changes;

	step_ended(c, &st, ok, out);
	report_violations(c, out);
	c->changes = g_array_new(FALSE, TRUE, sizeof(struct change));
	for (guint i = 0; ok && i < changes->len; i++) {
		struct change ch = g_array_index(changes, struct change, i);
		char *note = change_note(c, &ch, scn_op_name(st.op));

		if (note)
			g_ptr_array_add(c->notes, note);
		ok = fault_step(c, ch.fault, ch.enabled, out);
	}
	g_array_free(changes, TRUE);
	return ok;
}

/* Runs a `fault` step (a whole step, between two others). */
static bool fault_step(struct console *c, unsigned fault, bool enabled, GString *out)
{
	struct scn_step st = {.op = OP_FAULT, .fault = fault, .enabled = enabled};

	if (!start_step(c, &st, 0))
		return false;
	return finish_step(c, out);
}

static const char *step_where(struct console *c, char *buf, size_t len)
{
	const struct scn_step *cur = run_step_current(c->run);

	if (!cur)
		g_snprintf(buf, len, "between steps");
	else
		g_snprintf(buf, len, "in %s (step %u, line %u)", scn_op_name(cur->op),
		           run_steps_run(c->run), cur->line);
	return buf;
}

/* The scenario's next step, if it can run now. */
static bool start_scenario_step(struct console *c, struct console_reply *r, bool *started)
{
	const struct scn_step *st;
	struct scn_step v;
	g_autofree char *why = NULL;

	*started = false;
	if (c->next >= (c->default_vm ? 0 : c->s->nsteps))
		return true;
	st = &c->s->steps[c->next];
	if (!validate_step(c, step_json(c->s, st), &v, &why)) {
		fail(r, "the scenario's step %u (%s, line %u) cannot run now: %s", c->next,
		     scn_op_name(st->op), st->line, why);
		return false;
	}
	c->next++;
	*started = start_step(c, &v, st->line);
	return true;
}

enum drive { DRIVE_STEP, DRIVE_NEXT, DRIVE_CONTINUE };

static void stopped_event(struct console *c, const char *reason, GString *out)
{
	json_object *ev = json_object_new_object();
	const struct scn_step *cur = run_step_current(c->run);
	char t[32], where[96];

	step_where(c, where, sizeof(where));
	if (strcmp(reason, "breakpoint") == 0 && c->stop_bp)
		g_string_append_printf(out, "stopped at %s (breakpoint %u), t=%s, %s\n",
		                       c->stop_event, c->stop_bp, fmt_time(now(c), t, sizeof(t)),
		                       where);
	else if (strcmp(reason, "breakpoint") == 0)
		g_string_append_printf(out, "stopped at %s, t=%s, %s\n", c->stop_event,
		                       fmt_time(now(c), t, sizeof(t)), where);
	else if (strcmp(reason, "interrupted") == 0)
		g_string_append_printf(out, "interrupted at t=%s, %s\n",
		                       fmt_time(now(c), t, sizeof(t)), where);
	else
		g_string_append_printf(out, "t=%s, %s\n", fmt_time(now(c), t, sizeof(t)), where);
	json_object_object_add(ev, "event", jstr("stopped"));
	json_object_object_add(ev, "reason", jstr(reason));
	if (strcmp(reason, "breakpoint") == 0) {
		json_object_object_add(ev, "at", jstr(c->stop_event));
		if (c->stop_bp)
			json_object_object_add(ev, "breakpoint", json_object_new_int(c->stop_bp));
	}
	json_object_object_add(ev, "t", json_object_new_uint64(now(c)));
	if (cur) {
		json_object_object_add(ev, "op", jstr(scn_op_name(cur->op)));
		json_object_object_add(ev, "step", json_object_new_int(run_steps_run(c->run)));
	}
	emit(c, ev);
}

/* Runs the world: one event (step), to the end of a step (next) or of the
 * scenario (continue), stopping early at a breakpoint or Ctrl-C. */
static enum console_status drive(struct console *c, enum drive how, struct console_reply *r)
{
	bool progressed = false, ok = true;
	const char *reason = NULL;

	c->stop = false;
	interrupted = 0;
	for (;;) {
		if (!run_step_current(c->run)) {
			bool started;
			if (progressed && how != DRIVE_CONTINUE)
				break;
			if (run_stuck(c->run)) {
				if (!progressed)
					return fail(r,
					            "the guest is stuck: no further step can run");
				break;
			}
			if (!start_scenario_step(c, r, &started))
				return CONSOLE_ERROR;
			if (!started) {
				if (!progressed)
					return fail(
					    r, c->default_vm
					           ? "nothing to run: no step is under way; type a "
					             "step (boot, fire gpu0, hibernate, ...)"
					           : "nothing to run: the scenario's steps are "
					             "done; type a step (fire, hibernate, ...)");
				break;
			}
		}
		progressed = true;
		if (how == DRIVE_STEP) {
			c->capturing = true;
			c->captured = 0;
			g_string_truncate(c->capture, 0);
		}
		if (!run_step_advance(c->run)) {
			c->capturing = false;
			ok = finish_step(c, r->output);
			if (c->out_fn && r->output->len) {
				c->out_fn(c->out_ctx, r->output->str);
				g_string_truncate(r->output, 0);
			}
			if (!ok || how == DRIVE_STEP)
				break;
		} else if (how == DRIVE_STEP) {
			c->capturing = false;
			g_string_append(r->output, c->capture->str);
			if (c->captured > CAPTURE_MAX_LINES)
				g_string_append_printf(r->output, "(%u more trace lines)\n",
				                       c->captured - CAPTURE_MAX_LINES);
			reason = c->stop ? "breakpoint" : "step";
			break;
		}
		if (c->stop) {
			reason = "breakpoint";
			break;
		}
		if (interrupted) {
			reason = "interrupted";
			break;
		}
	}
	c->capturing = false;
	if (reason)
		stopped_event(c, reason, r->output);
	interrupted = 0;
	return CONSOLE_OK;
}

/* ---- commands -------------------------------------------------------- */

typedef enum console_status (*cmd_fn)(struct console *c, int argc, char **argv, const char *rest,
                                      struct console_reply *r);

struct command {
	const char *name;
	const char *usage;
	const char *summary;
	const char *details;
	cmd_fn fn;
};

static const struct command *command_lookup(const char *name);

static bool no_step_under_way(struct console *c, struct console_reply *r, const char *what)
{
	const struct scn_step *cur = run_step_current(c->run);

	if (!cur)
		return true;
	fail(r,
	     "%s is under way (step %u, stopped at t=%" G_GUINT64_FORMAT "ns): finish it first "
	     "with next or continue, then %s",
	     scn_op_name(cur->op), run_steps_run(c->run), now(c), what);
	return false;
}

/* "0,3" is a list; anything JSON is JSON; anything else is a string. */
static json_object *parse_value(const char *field, const char *value)
{
	json_tokener *tok;
	json_object *v;
	size_t len = strlen(value);

	if (strcmp(field, "enabled") == 0 && (!strcmp(value, "on") || !strcmp(value, "off")))
		return json_object_new_boolean(value[1] == 'n');
	if (value[0] != '[' && value[0] != '{' && value[0] != '"' && strchr(value, ',')) {
		g_auto(GStrv) parts = g_strsplit(value, ",", -1);
		json_object *a = json_object_new_array();
		for (char **p = parts; *p; p++)
			json_object_array_add(a, parse_value("", *p));
		return a;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, value, (int)len + 1);
	if (v && (json_tokener_get_error(tok) != json_tokener_success ||
	          json_tokener_get_parse_end(tok) < len)) {
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	if (!v)
		v = json_object_new_string(value);
	if (strcmp(field, "vectors") == 0 && !json_object_is_type(v, json_type_array)) {
		json_object *a = json_object_new_array();
		json_object_array_add(a, v);
		v = a;
	}
	return v;
}

/* NAME VALUE... and key=value words into a JSON object, positional words
 * filling fields in order. */
static json_object *words_to_object(int argc, char **argv, const char *const *fields,
                                    const char *what, char **error)
{
	json_object *o = json_object_new_object();
	unsigned pos = 0;

	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		g_autofree char *key = NULL;
		const char *value;

		if (eq && eq != argv[i]) {
			key = g_strndup(argv[i], (gsize)(eq - argv[i]));
			value = eq + 1;
		} else {
			while (fields[pos] && json_object_object_get_ex(o, fields[pos], NULL))
				pos++;
			if (!fields[pos]) {
				*error = g_strdup_printf(
				    "%s: too many values (\"%s\"); it takes %s", what, argv[i],
				    fields[0] ? "field=value for its fields" : "no value");
				json_object_put(o);
				return NULL;
			}
			key = g_strdup(fields[pos++]);
			value = argv[i];
		}
		if (json_object_object_get_ex(o, key, NULL)) {
			*error = g_strdup_printf("%s: \"%s\" is given twice", what, key);
			json_object_put(o);
			return NULL;
		}
		json_object_object_add(o, key, parse_value(key, value));
	}
	return o;
}

static void check_data(struct console *c, struct console_reply *r);

static enum console_status cmd_op(struct console *c, int argc, char **argv, const char *rest,
                                  struct console_reply *r)
{
	int op = step_lookup(argv[0]);
	const struct step_desc *d = step_desc((enum scn_op)op);
	g_autofree char *why = NULL;
	json_object *o;
	struct scn_step st;
	enum console_status ret;

	(void)rest;
	if (!no_step_under_way(c, r, argv[0]))
		return CONSOLE_ERROR;
	if (run_stuck(c->run))
		return fail(r, "the guest is stuck: no further step can run");
	o = words_to_object(argc - 1, argv + 1, d->fields, argv[0], &why);
	if (!o)
		return fail(r, "%s", why);
	json_object_object_add(o, "op", jstr(d->name));
	if (!validate_step(c, o, &st, &why))
		return fail(r, "%s: %s", argv[0], why);
	start_step(c, &st, 0);
	ret = drive(c, DRIVE_NEXT, r);
	if (ret == CONSOLE_OK && op == OP_CHECK)
		check_data(c, r);
	return ret;
}

static enum console_status cmd_step(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	unsigned long n = 1;
	enum console_status ret = CONSOLE_OK;

	(void)rest;
	if (argc > 2 || (argc == 2 && (!(n = strtoul(argv[1], NULL, 10)) || n > 1000000)))
		return fail(r, "usage: step [N] (N from 1 to 1000000 events)");
	for (unsigned long i = 0; i < n && ret == CONSOLE_OK; i++) {
		ret = drive(c, DRIVE_STEP, r);
		if (c->stop || !run_step_current(c->run))
			break;
	}
	return ret;
}

static enum console_status cmd_next(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	(void)rest;
	(void)argv;
	if (argc > 1)
		return fail(r, "usage: next");
	return drive(c, DRIVE_NEXT, r);
}

static enum console_status cmd_continue(struct console *c, int argc, char **argv, const char *rest,
                                        struct console_reply *r)
{
	(void)rest;
	(void)argv;
	if (argc > 1)
		return fail(r, "usage: continue");
	return drive(c, DRIVE_CONTINUE, r);
}

static bool check_event(const char *name, struct console_reply *r)
{
	if (event_kind(name) >= -1)
		return true;
	fail(r,
	     "unknown event \"%s\": a reach event or tracepoint (%s, ...) or a trace event "
	     "\"component.event\" (vsp.create-interrupt, oracle.violation, ...)",
	     name, tracepoint_name(TP_RETARGET_FAILED));
	return false;
}

static enum console_status cmd_until(struct console *c, int argc, char **argv, const char *rest,
                                     struct console_reply *r)
{
	struct breakpoint *bp;
	enum console_status ret;

	(void)rest;
	if (argc != 2)
		return fail(r, "usage: until EVENT");
	if (!check_event(argv[1], r))
		return CONSOLE_ERROR;
	bp = g_new0(struct breakpoint, 1);
	bp->event = g_strdup(argv[1]);
	bp->tp = event_kind(argv[1]);
	bp->temporary = true;
	g_ptr_array_add(c->bps, bp);
	ret = drive(c, DRIVE_CONTINUE, r);
	g_ptr_array_remove(c->bps, bp);
	return ret;
}

static json_object *break_list(struct console *c, GString *out)
{
	static const char *const heads[] = {"#", "event", "kind", "hits", NULL};
	static const char *const keys[] = {"id", "event", "kind", "hits", NULL};
	struct table t;

	t_init(&t, heads, keys);
	for (guint i = 0; i < c->bps->len; i++) {
		struct breakpoint *bp = g_ptr_array_index(c->bps, i);
		t_row(&t);
		t_uint(&t, bp->id);
		t_str(&t, bp->event);
		t_str(&t, bp->tp >= 0 ? "tracepoint" : "trace event");
		t_uint(&t, bp->hits);
	}
	return t_end(&t, out);
}

static enum console_status cmd_break(struct console *c, int argc, char **argv, const char *rest,
                                     struct console_reply *r)
{
	struct breakpoint *bp;

	(void)rest;
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		r->data = json_object_new_object();
		json_object_object_add(r->data, "breakpoints", break_list(c, r->output));
		return CONSOLE_OK;
	}
	if (argc == 3 && strcmp(argv[1], "delete") == 0) {
		char *end;
		unsigned long id = strtoul(argv[2], &end, 10);
		for (guint i = 0; !*end && i < c->bps->len; i++) {
			bp = g_ptr_array_index(c->bps, i);
			if (bp->id == id) {
				g_string_append_printf(r->output, "deleted breakpoint %u (%s)\n",
				                       bp->id, bp->event);
				g_ptr_array_remove_index(c->bps, i);
				return CONSOLE_OK;
			}
		}
		return fail(r, "no breakpoint %s (break list shows them)", argv[2]);
	}
	if (argc != 2 || strcmp(argv[1], "delete") == 0)
		return fail(r, "usage: break EVENT | break list | break delete N");
	if (!check_event(argv[1], r))
		return CONSOLE_ERROR;
	bp = g_new0(struct breakpoint, 1);
	bp->id = c->next_bp++;
	bp->event = g_strdup(argv[1]);
	bp->tp = event_kind(argv[1]);
	g_ptr_array_add(c->bps, bp);
	g_string_append_printf(r->output, "breakpoint %u at %s\n", bp->id, bp->event);
	r->data = json_object_new_object();
	json_object_object_add(r->data, "breakpoint", json_object_new_int(bp->id));
	return CONSOLE_OK;
}

/* ---- show ------------------------------------------------------------ */

static const char *dev_name(struct console *c, unsigned dev)
{
	return dev < c->s->ndevices ? c->s->devices[dev].name : "?";
}

static json_object *show_irqs(struct console *c, GString *out)
{
	static const char *const heads[] = {"device", "vec",   "irq",     "cpu",    "apic",
	                                    "req",    "on",    "core",    "cached", "address",
	                                    "data",   "count", "handled", NULL};
	static const char *const keys[] = {
	    "device", "vector",        "irq",     "cpu",  "apic_vector", "requested", "enabled",
	    "masked", "cached_masked", "address", "data", "count",       "handled",   NULL};
	struct table t;

	t_init(&t, heads, keys);
	for (unsigned d = 0; d < c->s->ndevices; d++) {
		for (unsigned v = 0; v < c->s->devices[d].vectors; v++) {
			struct obs_irq q;
			if (!obs_irq(obs(c), d, v, &q))
				continue;
			t_row(&t);
			t_str(&t, dev_name(c, d));
			t_uint(&t, v);
			t_uint(&t, q.irq);
			t_uint(&t, q.cpu);
			t_hex(&t, q.vector);
			t_bool(&t, q.requested);
			t_bool(&t, q.disable_depth == 0);
			t_cell(&t, json_object_new_boolean(q.masked), "%s",
			       q.masked ? "masked" : "-");
			t_cell(&t, json_object_new_boolean(q.cached_masked), "%s",
			       q.cached_masked ? "masked" : "-");
			t_hex(&t, q.msg_address);
			t_hex(&t, q.msg_data);
			t_uint(&t, q.count);
			t_uint(&t, obs_handled(obs(c), d, v));
		}
	}
	g_string_append(out, "irqs (the guest's view: core = the IRQ core's mask, cached = its "
	                     "copy of Vector Control)\n");
	return t_end(&t, out);
}

static json_object *show_vectors(struct console *c, GString *out)
{
	static const char *const heads[] = {"cpu",    "online", "vector", "irq",
	                                    "device", "vec",    NULL};
	static const char *const keys[] = {"cpu",    "online",        "vector", "irq",
	                                   "device", "device_vector", NULL};
	struct obs_vm vm;
	struct table t;

	obs_vm(obs(c), &vm);
	t_init(&t, heads, keys);
	for (unsigned cpu = 0; cpu < vm.vcpus; cpu++) {
		bool online = obs_vcpu_online(obs(c), cpu);
		for (unsigned vec = 0; vec < 256; vec++) {
			int irq = obs_vector_owner(obs(c), cpu, vec);
			const char *dn = NULL;
			int dv = -1;
			if (irq < 0)
				continue;
			for (unsigned d = 0; d < c->s->ndevices && !dn; d++)
				for (unsigned v = 0; v < c->s->devices[d].vectors && !dn; v++) {
					struct obs_irq q;
					if (obs_irq(obs(c), d, v, &q) && (int)q.irq == irq) {
						dn = dev_name(c, d);
						dv = (int)v;
					}
				}
			t_row(&t);
			t_uint(&t, cpu);
			t_bool(&t, online);
			t_hex(&t, vec);
			t_uint(&t, (unsigned)irq);
			t_str(&t, dn);
			if (dv >= 0)
				t_uint(&t, (unsigned)dv);
			else
				t_cell(&t, NULL, "-");
		}
	}
	g_string_append(out, "vectors (each CPU's vector table in the guest)\n");
	return t_end(&t, out);
}

static const char *dev_of_id(struct console *c, uint64_t id)
{
	for (unsigned d = 0; d < c->s->ndevices; d++) {
		struct obs_device od;
		if (obs_device(obs(c), d, &od) && od.logical_id == id)
			return dev_name(c, d);
	}
	return "?";
}

static json_object *show_remap(struct console *c, GString *out)
{
	static const char *const heads[] = {"device", "address", "data",    "count",
	                                    "vcpu",   "vector",  "created", NULL};
	static const char *const keys[] = {"device", "address", "data",    "count",
	                                   "vcpu",   "vector",  "created", NULL};
	unsigned n = obs_remap_count(obs(c));
	struct obs_vm vm;
	struct table t;
	char buf[32];

	obs_vm(obs(c), &vm);
	t_init(&t, heads, keys);
	for (unsigned i = 0; i < n; i++) {
		struct obs_remap e;
		if (!obs_remap_get(obs(c), i, &e))
			continue;
		t_row(&t);
		t_str(&t, dev_of_id(c, e.device_id));
		t_hex(&t, e.address);
		t_hex(&t, e.data);
		t_uint(&t, e.count);
		t_uint(&t, e.vcpu);
		t_hex(&t, e.vector);
		t_time(&t, e.created_at);
	}
	g_string_append_printf(out, "interrupt remapping table (host), %u entr%s", n,
	                       n == 1 ? "y" : "ies");
	if (vm.last_power_off != OBS_NEVER)
		g_string_append_printf(out, "; all dropped at power-off at t=%s",
		                       fmt_time(vm.last_power_off, buf, sizeof(buf)));
	g_string_append(out, "\n");
	return t_end(&t, out);
}

static int device_lookup(struct console *c, const char *name)
{
	for (unsigned d = 0; d < c->s->ndevices; d++)
		if (strcmp(c->s->devices[d].name, name) == 0)
			return (int)d;
	return -1;
}

static json_object *show_msix(struct console *c, int argc, char **argv, GString *out, char **error)
{
	static const char *const heads[] = {"entry", "address", "data", "masked", "pending", NULL};
	static const char *const keys[] = {"entry", "address", "data", "masked", "pending", NULL};
	json_object *devs = json_object_new_array();

	for (int i = 0; i < argc; i++) {
		if (device_lookup(c, argv[i]) < 0) {
			*error = g_strdup_printf("no device named \"%s\"", argv[i]);
			json_object_put(devs);
			return NULL;
		}
	}
	for (unsigned d = 0; d < c->s->ndevices; d++) {
		struct obs_device od;
		json_object *o;
		struct table t;
		bool want = !argc;

		for (int i = 0; i < argc; i++)
			want = want || strcmp(argv[i], dev_name(c, d)) == 0;
		if (!want || !obs_device(obs(c), d, &od))
			continue;
		if (od.msi_only)
			g_string_append_printf(
			    out,
			    "%s: no MSI-X; MSI %s, %u of %u messages enabled, %s, address %#" PRIx64
			    " data %#x; its MSI vectors as the function sends them\n",
			    od.name, od.msi_enabled ? "enabled" : "disabled", od.msi_enabled_count,
			    od.msi_capable, od.msi_maskbits ? "mask bits" : "no mask bits",
			    od.msi_address, od.msi_data);
		else
			g_string_append_printf(
			    out,
			    "%s: MSI-X %s, function mask %s, MSI %s; its MSI-X table "
			    "as the device holds it\n",
			    od.name, od.msix_enabled ? "enabled" : "disabled",
			    od.msix_function_masked ? "set" : "clear",
			    od.msi_enabled ? "enabled" : "disabled");
		t_init(&t, heads, keys);
		for (unsigned i = 0; i < od.msix_table_size; i++) {
			struct obs_msix_entry m;
			if (!obs_msix_entry(obs(c), d, i, &m))
				continue;
			t_row(&t);
			t_uint(&t, i);
			t_hex(&t, m.address);
			t_hex(&t, m.data);
			t_bool(&t, m.masked);
			t_bool(&t, m.pending);
		}
		o = json_object_new_object();
		json_object_object_add(o, "device", jstr(od.name));
		json_object_object_add(o, "msix_enabled", json_object_new_boolean(od.msix_enabled));
		json_object_object_add(o, "function_masked",
		                       json_object_new_boolean(od.msix_function_masked));
		json_object_object_add(o, "msi_enabled", json_object_new_boolean(od.msi_enabled));
		if (od.msi_only) {
			/* a function without MSI-X: its MSI capability */
			json_object_object_add(o, "msi_only", json_object_new_boolean(true));
			json_object_object_add(o, "msi_capable",
			                       json_object_new_int(od.msi_capable));
			json_object_object_add(o, "msi_messages",
			                       json_object_new_int(od.msi_enabled_count));
			json_object_object_add(o, "msi_mask_bits",
			                       json_object_new_boolean(od.msi_maskbits));
			json_object_object_add(o, "msi_mask", json_object_new_int64(od.msi_mask));
			json_object_object_add(o, "msi_pending",
			                       json_object_new_int64(od.msi_pending));
		}
		json_object_object_add(o, "entries", t_end(&t, out));
		json_object_array_add(devs, o);
	}
	return devs;
}

static json_object *show_bus(struct console *c, GString *out)
{
	static const char *const heads[] = {
	    "device", "id",       "power",    "command",       "msix",           "bus", "found",
	    "bound",  "guest-D0", "protocol", "host-rejected", "guest-rejected", NULL};
	static const char *const keys[] = {
	    "device",        "logical_id",     "power", "command",  "msix_enabled",
	    "bus_installed", "present",        "bound", "guest_d0", "protocol",
	    "host_rejected", "guest_rejected", NULL};
	struct obs_vm vm;
	struct table t;
	char buf[32];

	obs_vm(obs(c), &vm);
	t_init(&t, heads, keys);
	for (unsigned d = 0; d < c->s->ndevices; d++) {
		struct obs_device od;
		char pm[3] = {'D', '0', 0};
		if (!obs_device(obs(c), d, &od))
			continue;
		pm[1] = (char)('0' + MIN(od.pm_state, 3u));
		t_row(&t);
		t_str(&t, od.name);
		t_hex(&t, od.logical_id);
		t_str(&t, pm);
		t_hex(&t, od.command);
		t_bool(&t, od.msix_enabled);
		t_cell(&t, json_object_new_boolean(od.guest_bus_installed), "%s",
		       od.guest_bus_installed ? "up" : "down");
		t_bool(&t, od.guest_present);
		t_bool(&t, od.guest_bound);
		t_bool(&t, od.guest_d0);
		if (od.protocol_version) {
			g_snprintf(buf, sizeof(buf), "%u.%u", od.protocol_version >> 16,
			           od.protocol_version & 0xFFFF);
			t_str(&t, buf);
		} else {
			t_cell(&t, NULL, "-");
		}
		t_uint(&t, od.host_rejected);
		t_uint(&t, od.guest_rejected);
	}
	g_string_append_printf(out, "VM %s, %u vCPUs", vm.powered ? "running" : "powered off",
	                       vm.vcpus);
	if (vm.last_power_off != OBS_NEVER)
		g_string_append_printf(out, ", last power-off at t=%s",
		                       fmt_time(vm.last_power_off, buf, sizeof(buf)));
	g_string_append(out, "; one vPCI bus per device (power and command: the device; bus "
	                     "to protocol: the guest)\n");
	return t_end(&t, out);
}

static json_object *show_channels(struct console *c, GString *out)
{
	static const char *const heads[] = {"device",    "channel", "offered",  "open",
	                                    "rescinded", "to-host", "to-guest", NULL};
	static const char *const keys[] = {
	    "device",    "channel",         "offered",          "open",
	    "rescinded", "packets_to_host", "packets_to_guest", NULL};
	struct table t;

	t_init(&t, heads, keys);
	for (unsigned d = 0; d < c->s->ndevices; d++) {
		struct obs_channel ch;
		if (!obs_channel(obs(c), d, &ch))
			continue;
		t_row(&t);
		t_str(&t, dev_name(c, d));
		t_uint(&t, d);
		t_bool(&t, ch.offered);
		t_bool(&t, ch.open);
		t_bool(&t, ch.rescinded);
		t_uint(&t, ch.packets_to_host);
		t_uint(&t, ch.packets_to_guest);
	}
	g_string_append(out, "VMBus channels (packets counted since the session began)\n");
	return t_end(&t, out);
}

static void task_row(void *ctx, const struct obs_task *tk)
{
	struct table *t = ctx;

	t_row(t);
	t_str(t, tk->name);
	t_str(t, tk->state);
	t_str(t, tk->waiting_on);
	t_bool(t, tk->daemon);
}

static json_object *show_tasks(struct console *c, GString *out)
{
	static const char *const heads[] = {"task", "state", "waiting on", "daemon", NULL};
	static const char *const keys[] = {"task", "state", "waiting_on", "daemon", NULL};
	struct table t;

	t_init(&t, heads, keys);
	obs_tasks(obs(c), task_row, &t);
	g_string_append(out, "tasks (guest and host work not yet finished)\n");
	return t_end(&t, out);
}

static json_object *show_faults(struct console *c, GString *out)
{
	static const char *const heads[] = {"#",      "name",    "point", "mode",  "phase",
	                                    "status", "enabled", "hits",  "fired", NULL};
	static const char *const keys[] = {"index",  "name",    "point", "mode",  "phase",
	                                   "status", "enabled", "hits",  "fired", NULL};
	unsigned n = obs_fault_count(obs(c));
	struct table t;

	t_init(&t, heads, keys);
	for (unsigned i = 0; i < n; i++) {
		struct obs_fault f;
		if (!obs_fault(obs(c), i, &f) ||
		    (i < c->removed->len && g_array_index(c->removed, bool, i)))
			continue;
		t_row(&t);
		t_uint(&t, i);
		t_str(&t, f.name);
		t_str(&t, f.point);
		if (strcmp(f.mode, "nth") == 0)
			t_cell(&t, jstr(f.mode), "nth n=%u", f.n);
		else if (strcmp(f.mode, "probability") == 0)
			t_cell(&t, jstr(f.mode), "probability %g", f.probability);
		else
			t_str(&t, f.mode);
		t_str(&t, f.phase ? f.phase : "any");
		if (strcmp(f.point, "vmbus.send") == 0)
			t_cell(&t, NULL, "-");
		else
			t_hex(&t, f.status);
		t_bool(&t, f.enabled);
		t_uint(&t, f.hits);
		t_uint(&t, f.fired);
	}
	g_string_append(out, "fault rules, checked in this order; hits: its point's hits while "
	                     "it was enabled and in its phase\n");
	return t_end(&t, out);
}

static json_object *show_violations(struct console *c, GString *out)
{
	static const char *const heads[] = {"#", "violation", "t", "what", NULL};
	static const char *const keys[] = {"index", "name", "t", "message", NULL};
	const struct violation_list *vl = run_violations(c->run);
	struct table t;

	t_init(&t, heads, keys);
	for (unsigned i = 0; i < violation_list_count(vl); i++) {
		const struct violation *v = violation_list_get(vl, i);
		t_row(&t);
		t_uint(&t, i);
		t_str(&t, violation_kind_of(v->id)->name);
		t_time(&t, v->time);
		t_str(&t, v->message);
	}
	return t_end(&t, out);
}

static json_object *show_fires(struct console *c, GString *out)
{
	static const char *const heads[] = {"#", "device", "vec", "t", "outcome", "where", NULL};
	static const char *const keys[] = {"id",      "device", "vector", "t",
	                                   "outcome", "detail", NULL};
	static const char *const outcomes[] = {
	    [OBS_FIRE_PENDING] = "pending",     [OBS_FIRE_IN_FLIGHT] = "in flight",
	    [OBS_FIRE_DELIVERED] = "delivered", [OBS_FIRE_LOST] = "lost",
	    [OBS_FIRE_COUNTED] = "counted",     [OBS_FIRE_DMA_WRITE] = "DMA write",
	};
	unsigned n = obs_fire_count(obs(c));
	struct table t;

	t_init(&t, heads, keys);
	for (unsigned i = 0; i < n; i++) {
		struct obs_fire f;
		if (!obs_fire(obs(c), i, &f))
			continue;
		t_row(&t);
		t_uint(&t, f.id);
		t_str(&t, dev_name(c, f.dev));
		t_uint(&t, f.vector);
		t_time(&t, f.time);
		t_str(&t, (unsigned)f.outcome < G_N_ELEMENTS(outcomes) && outcomes[f.outcome]
		              ? outcomes[f.outcome]
		              : "?");
		if (f.outcome == OBS_FIRE_DELIVERED)
			t_cell(&t, NULL, "vcpu %u vector %#x", f.vcpu, f.guest_vector);
		else
			t_str(&t, f.reason);
	}
	g_string_append(out, "interrupts the devices raised\n");
	return t_end(&t, out);
}

static json_object *show_status(struct console *c, GString *out)
{
	json_object *o = json_object_new_object();
	const struct scn_step *cur = run_step_current(c->run);
	const struct violation_list *vl = run_violations(c->run);
	unsigned left = c->default_vm ? 0 : c->s->nsteps - c->next;
	struct obs_vm vm;
	char t[32];

	obs_vm(obs(c), &vm);
	g_string_append_printf(out, "%s, seed %" G_GUINT64_FORMAT ", t=%s, VM %s\n",
	                       c->default_vm ? "default VM" : c->s->file, c->seed,
	                       fmt_time(now(c), t, sizeof(t)), vm.powered ? "running" : "off");
	g_string_append_printf(out, "%u step(s) run", run_steps_run(c->run));
	if (cur)
		g_string_append_printf(out, "; %s under way (step %u)", scn_op_name(cur->op),
		                       run_steps_run(c->run));
	if (run_stuck(c->run))
		g_string_append(out, "; the guest is stuck");
	g_string_append(out, "\n");
	if (left) {
		const struct scn_step *st = &c->s->steps[c->next];
		json_object *jo = step_json(c->s, st);
		g_autofree char *j = g_strdup(plain(jo));
		json_object_put(jo);
		g_string_append_printf(out, "the scenario's next step: %u of %u, line %u: %s\n",
		                       c->next, c->s->nsteps, st->line, j);
	} else if (!c->default_vm) {
		g_string_append(out, "the scenario's steps are done\n");
	}
	g_string_append_printf(out, "%u violation(s), %u breakpoint(s), trace %s\n",
	                       violation_list_count(vl), c->bps->len,
	                       c->trace_path ? c->trace_path : "off");
	json_object_object_add(o, "t", json_object_new_uint64(now(c)));
	json_object_object_add(o, "seed", json_object_new_uint64(c->seed));
	json_object_object_add(o, "powered", json_object_new_boolean(vm.powered));
	json_object_object_add(o, "steps_run", json_object_new_int(run_steps_run(c->run)));
	json_object_object_add(o, "under_way", cur ? jstr(scn_op_name(cur->op)) : NULL);
	json_object_object_add(o, "stuck", json_object_new_boolean(run_stuck(c->run)));
	json_object_object_add(o, "scenario_steps_left", json_object_new_int(left));
	json_object_object_add(o, "violations", json_object_new_int(violation_list_count(vl)));
	json_object_object_add(o, "trace", c->trace_path ? jstr(c->trace_path) : NULL);
	return o;
}

static const char *const show_subjects[] = {
    "status", "bus",    "channels", "irqs",       "vectors",     "remap", "msix",
    "tasks",  "faults", "fires",    "violations", "breakpoints", NULL};

static enum console_status cmd_show(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	const char *what = argc > 1 ? argv[1] : "status";
	g_autofree char *why = NULL;
	json_object *d = NULL;

	(void)rest;
	if (strcmp(what, "remapping") == 0)
		what = "remap";
	if (strcmp(what, "msix") && argc > 2)
		return fail(r, "usage: show %s", what);
	if (!strcmp(what, "status"))
		d = show_status(c, r->output);
	else if (!strcmp(what, "bus"))
		d = show_bus(c, r->output);
	else if (!strcmp(what, "channels"))
		d = show_channels(c, r->output);
	else if (!strcmp(what, "irqs"))
		d = show_irqs(c, r->output);
	else if (!strcmp(what, "vectors"))
		d = show_vectors(c, r->output);
	else if (!strcmp(what, "remap"))
		d = show_remap(c, r->output);
	else if (!strcmp(what, "msix") && !(d = show_msix(c, argc - 2, argv + 2, r->output, &why)))
		return fail(r, "show msix: %s", why);
	else if (!strcmp(what, "tasks"))
		d = show_tasks(c, r->output);
	else if (!strcmp(what, "faults"))
		d = show_faults(c, r->output);
	else if (!strcmp(what, "fires"))
		d = show_fires(c, r->output);
	else if (!strcmp(what, "violations"))
		d = show_violations(c, r->output);
	else if (!strcmp(what, "breakpoints"))
		d = break_list(c, r->output);
	else if (!d) {
		g_autofree char *list = g_strjoinv(", ", (char **)show_subjects);
		return fail(r, "show: unknown subject \"%s\" (one of: %s)", what, list);
	}
	r->data = json_object_new_object();
	json_object_object_add(r->data, "subject", jstr(what));
	json_object_object_add(r->data, strcmp(what, "status") ? "rows" : "status", d);
	return CONSOLE_OK;
}

/* ---- faults ---------------------------------------------------------- */

static int fault_lookup(struct console *c, const char *name)
{
	for (unsigned i = 0; i < c->s->nfaults; i++)
		if (strcmp(c->s->faults[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Arms or disarms rule i now: between steps as a `fault` step, in the
 * middle of one at once (the step after it records it). */
static bool set_rule(struct console *c, unsigned i, bool enabled, GString *out)
{
	struct obs_fault f;
	void *b;

	if (!run_step_current(c->run))
		return fault_step(c, i, enabled, out);
	run_backend(c->run, &b)->set_fault(b, c->s->faults[i].name, enabled);
	obs_fault(obs(c), i, &f);
	g_array_append_val(c->changes, ((struct change){
	                                   .fault = i,
	                                   .enabled = enabled,
	                                   .hits = enabled ? f.hits : f.point_hits,
	                                   .step = run_steps_run(c->run),
	                               }));
	g_string_append_printf(out,
	                       "rule %s %s from its point's next hit; the recording %s it after "
	                       "this %s\n",
	                       c->s->faults[i].name, enabled ? "armed" : "disarmed",
	                       enabled ? "arms" : "disarms",
	                       scn_op_name(run_step_current(c->run)->op));
	return true;
}

static enum console_status fault_add(struct console *c, int argc, char **argv, const char *json,
                                     struct console_reply *r)
{
	static const char *const fields[] = {"name", NULL};
	g_autoptr(GError) err = NULL;
	g_autofree char *why = NULL;
	json_object *rule, *root, *faults, *steps, *boot, *name;
	bool armed = true;
	struct scenario *v;
	struct scn_fault *sf;
	const struct backend_ops *ops;
	void *b;

	if (json) {
		rule = json_tokener_parse(json);
		if (!rule || !json_object_is_type(rule, json_type_object)) {
			json_object_put(rule);
			return fail(r, "fault add: not a JSON object: %s", json);
		}
	} else if (!(rule = words_to_object(argc, argv, fields, "fault add", &why))) {
		return fail(r, "%s", why);
	}
	if (!json_object_object_get_ex(rule, "name", &name)) {
		char auto_name[32];
		do
			g_snprintf(auto_name, sizeof(auto_name), "rule%u", ++c->auto_fault);
		while (fault_lookup(c, auto_name) >= 0);
		json_object_object_add(rule, "name", jstr(auto_name));
	}
	/* declared disarmed: a `fault` step arms it, unless asked not to */
	if (json_object_object_get_ex(rule, "enabled", &name) &&
	    json_object_is_type(name, json_type_boolean))
		armed = json_object_get_boolean(name);
	json_object_object_add(rule, "enabled", json_object_new_boolean(false));
	faults = faults_json(c->s, c->s->nfaults);
	json_object_array_add(faults, rule);
	root = header_json(c, faults);
	steps = json_object_new_array();
	boot = json_object_new_object();
	json_object_object_add(boot, "op", jstr("boot"));
	json_object_array_add(steps, boot);
	json_object_object_add(root, "steps", steps);
	v = load_json(root, &err);
	json_object_put(root);
	if (!v) {
		g_autofree char *msg = loader_message(err->message, "faults");
		return fail(r, "fault add: %s", msg);
	}
	ops = run_backend(c->run, &b);
	if (!ops->add_fault) {
		scenario_free(v);
		return fail(r, "fault add: the %s backend cannot add a rule to a running world",
		            ops->name);
	}
	c->s->faults = g_renew(struct scn_fault, c->s->faults, c->s->nfaults + 1);
	sf = &c->s->faults[c->s->nfaults];
	sf->name = g_strdup(v->faults[v->nfaults - 1].name);
	sf->rule = v->faults[v->nfaults - 1].rule;
	sf->rule.name = sf->name;
	scenario_free(v);
	ops->add_fault(b, &sf->rule);
	c->s->nfaults++;
	g_array_set_size(c->removed, c->s->nfaults);
	{
		json_object *jo = rule_json(&sf->rule);
		g_string_append_printf(r->output, "rule %u: %s\n", c->s->nfaults - 1, plain(jo));
		json_object_put(jo);
	}
	r->data = json_object_new_object();
	json_object_object_add(r->data, "index", json_object_new_int(c->s->nfaults - 1));
	json_object_object_add(r->data, "name", jstr(sf->name));
	if (armed && !set_rule(c, c->s->nfaults - 1, true, r->output))
		return fail(r, "the guest is stuck");
	return CONSOLE_OK;
}

static enum console_status cmd_fault(struct console *c, int argc, char **argv, const char *rest,
                                     struct console_reply *r)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		const char *json = NULL;
		if (rest) {
			rest = strstr(rest, "add") + 3;
			rest += strspn(rest, " \t");
			if (*rest == '{')
				json = rest;
		}
		if (argc == 2 && !json)
			return fail(r, "usage: fault add [NAME] point=POINT [mode=MODE] [n=N] "
			               "[probability=P] [phase=PHASE] [status=0x...] (or a JSON "
			               "object as in \"faults\")");
		return fault_add(c, argc - 2, argv + 2, json, r);
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		r->data = json_object_new_object();
		json_object_object_add(r->data, "subject", jstr("faults"));
		json_object_object_add(r->data, "rows", show_faults(c, r->output));
		return CONSOLE_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "remove") == 0) {
		char *end = NULL;
		unsigned long i = argc == 3 ? strtoul(argv[2], &end, 10) : 0;
		if (argc != 3 || *end || !*argv[2])
			return fail(r, "usage: fault remove N (N from fault list)");
		if (i >= c->s->nfaults || g_array_index(c->removed, bool, i))
			return fail(r, "fault remove: no rule %s (fault list shows them)", argv[2]);
		if (run_stuck(c->run))
			return fail(r, "the guest is stuck: no further step can run");
		g_array_index(c->removed, bool, i) = true;
		if (!set_rule(c, (unsigned)i, false, r->output))
			return fail(r, "the guest is stuck");
		g_string_append_printf(r->output, "rule %lu (%s) removed\n", i,
		                       c->s->faults[i].name);
		return CONSOLE_OK;
	}
	/* the step: fault NAME enabled */
	if (run_step_current(c->run) && argc >= 2) {
		json_object *o;
		g_autofree char *why = NULL;
		struct scn_step st;
		o = words_to_object(argc - 1, argv + 1, step_desc(OP_FAULT)->fields, "fault", &why);
		if (!o)
			return fail(r, "%s", why);
		json_object_object_add(o, "op", jstr("fault"));
		if (!validate_step(c, o, &st, &why))
			return fail(r, "fault: %s", why);
		set_rule(c, st.fault, st.enabled, r->output);
		return CONSOLE_OK;
	}
	if (argc >= 2 && fault_lookup(c, argv[1]) >= 0 &&
	    g_array_index(c->removed, bool, fault_lookup(c, argv[1])))
		return fail(r, "fault: rule %s was removed", argv[1]);
	return cmd_op(c, argc, argv, rest, r);
}

/* ---- check, seed, trace, record -------------------------------------- */

static void check_data(struct console *c, struct console_reply *r)
{
	const struct violation_list *vl = run_violations(c->run);
	GString *ignore = g_string_new(NULL);

	r->data = json_object_new_object();
	json_object_object_add(r->data, "verdict",
	                       jstr(violation_list_count(vl) ? "fail" : "pass"));
	json_object_object_add(r->data, "violations", show_violations(c, ignore));
	g_string_free(ignore, TRUE);
	g_string_append_printf(r->output, "%u violation(s) so far\n", violation_list_count(vl));
}

static enum console_status cmd_check(struct console *c, int argc, char **argv, const char *rest,
                                     struct console_reply *r)
{
	if (run_step_current(c->run))
		return fail(r, "check: the oracles judge a quiet world; finish %s first (next)",
		            scn_op_name(run_step_current(c->run)->op));
	return cmd_op(c, argc, argv, rest, r);
}

static enum console_status cmd_seed(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	g_autoptr(GError) err = NULL;
	uint64_t seed;
	char *end;

	(void)rest;
	if (argc == 1) {
		g_string_append_printf(r->output, "seed %" G_GUINT64_FORMAT "\n", c->seed);
		r->data = json_object_new_object();
		json_object_object_add(r->data, "seed", json_object_new_uint64(c->seed));
		return CONSOLE_OK;
	}
	errno = 0;
	seed = g_ascii_strtoull(argv[1], &end, 0);
	if (argc != 2 || errno || *end || argv[1][0] == '-' || !argv[1][0])
		return fail(r, "usage: seed N (a non-negative integer)");
	if (c->started)
		return fail(r,
		            "seed: the world has run %u step(s) with seed %" G_GUINT64_FORMAT
		            "; the seed can only change before the first step",
		            run_steps_run(c->run), c->seed);
	run_result_free(run_end(c->run));
	c->run = NULL;
	g_string_truncate(c->prologue, 0);
	c->seed = seed;
	if (!world_begin(c, &err))
		g_error("the world cannot be built again: %s", err->message);
	if (c->trace_file) {
		if (ftruncate(fileno(c->trace_file), 0) < 0 ||
		    fseek(c->trace_file, 0, SEEK_SET) < 0)
			return fail(r, "seed: cannot rewrite the trace %s", c->trace_path);
		fwrite(c->prologue->str, 1, c->prologue->len, c->trace_file);
	}
	g_string_append_printf(r->output, "seed %" G_GUINT64_FORMAT "\n", seed);
	return CONSOLE_OK;
}

static bool trace_open(struct console *c, const char *path, char **error)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		*error = g_strdup_printf("%s: %s", path, g_strerror(errno));
		return false;
	}
	if (c->trace_file)
		fclose(c->trace_file);
	g_free(c->trace_path);
	c->trace_file = f;
	c->trace_path = g_strdup(path);
	if (!c->started)
		fwrite(c->prologue->str, 1, c->prologue->len, f);
	return true;
}

static enum console_status cmd_trace(struct console *c, int argc, char **argv, const char *rest,
                                     struct console_reply *r)
{
	g_autofree char *why = NULL;

	(void)rest;
	if (argc == 3 && strcmp(argv[1], "on") == 0) {
		bool from_start = !c->started;
		if (!trace_open(c, argv[2], &why))
			return fail(r, "trace on: %s", why);
		if (from_start)
			g_string_append_printf(r->output, "tracing to %s from the start\n",
			                       argv[2]);
		else
			g_string_append_printf(r->output,
			                       "tracing to %s from step %u on (turn tracing on "
			                       "before the first step for "
			                       "a trace that the recorded scenario reproduces)\n",
			                       argv[2], run_steps_run(c->run));
		return CONSOLE_OK;
	}
	if (argc == 2 && strcmp(argv[1], "off") == 0) {
		bool ok;
		if (!c->trace_file)
			return fail(r, "trace off: tracing is off");
		ok = fflush(c->trace_file) == 0 && !ferror(c->trace_file);
		ok = fclose(c->trace_file) == 0 && ok;
		c->trace_file = NULL;
		g_string_append_printf(r->output, "trace %s closed\n", c->trace_path);
		g_clear_pointer(&c->trace_path, g_free);
		if (!ok)
			return fail(r, "trace off: writing the trace failed");
		return CONSOLE_OK;
	}
	return fail(r, "usage: trace on FILE | trace off");
}

/* The expectation that the run so far fulfils: pass, or fail with each
 * violation seen and the reach events still missing. */
static json_object *expect_json(struct console *c)
{
	const struct violation_list *vl = run_violations(c->run);
	json_object *ex = json_object_new_object(), *names = json_object_new_array();
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (unsigned i = 0; i < violation_list_count(vl); i++) {
		const char *n = violation_kind_of(violation_list_get(vl, i)->id)->name;
		if (g_hash_table_add(seen, (gpointer)n))
			json_object_array_add(names, jstr(n));
	}
	for (unsigned tp = 0; tp < TP__COUNT; tp++) {
		const char *n = violation_kind_of(V_REACH_MISSED)->name;
		if (c->s->reach[tp] && !tp_count(run_engine(c->run), tp) &&
		    g_hash_table_add(seen, (gpointer)n))
			json_object_array_add(names, jstr(n));
	}
	g_hash_table_destroy(seen);
	json_object_object_add(ex, "verdict",
	                       jstr(json_object_array_length(names) ? "fail" : "pass"));
	if (json_object_array_length(names))
		json_object_object_add(ex, "violations", names);
	else
		json_object_put(names);
	return ex;
}

/* The session as a scenario file: each step on the line it was traced with. */
static char *record_text(struct console *c)
{
	const struct scenario *s = c->s;
	GString *out = g_string_new(NULL);
	json_object *reach = json_object_new_array(), *ex = expect_json(c), *o;
	g_autofree char *desc = NULL;
	GPtrArray *steps = g_ptr_array_new_with_free_func(recorded_free);
	unsigned line = 1, last = c->last_line;
	bool compact = c->header_lines == 1;
	const char *sep = compact ? " " : "\n  ";

	for (guint i = 0; i < c->recorded->len; i++) {
		const struct recorded *r = g_ptr_array_index(c->recorded, i);
		struct recorded *copy = g_new(struct recorded, 1);
		*copy = (struct recorded){g_strdup(r->json), r->line};
		g_ptr_array_add(steps, copy);
	}
	/* what is armed or disarmed mid-step follows the step */
	for (guint i = 0; i < c->changes->len; i++) {
		const struct change *ch = &g_array_index(c->changes, struct change, i);
		struct scn_step st = {.op = OP_FAULT, .fault = ch->fault, .enabled = ch->enabled};
		struct recorded *rec = g_new(struct recorded, 1);
		o = step_json(s, &st);
		*rec = (struct recorded){g_strdup(plain(o)), ++last};
		json_object_put(o);
		g_ptr_array_add(steps, rec);
	}
	for (unsigned tp = 0; tp < TP__COUNT; tp++)
		if (s->reach[tp])
			json_object_array_add(reach, jstr(tracepoint_name(tp)));
	desc = c->default_vm ? g_strdup("recorded by hvpci-sim shell over its default VM")
	                     : g_strdup_printf("recorded by hvpci-sim shell from %s", s->file);
	g_string_append(out, "{");
	g_string_append_printf(out, "%s\"name\": %s,", sep, plain(o = jstr(s->name)));
	json_object_put(o);
	g_string_append_printf(out, "%s\"description\": %s,", sep, plain(o = jstr(desc)));
	json_object_put(o);
	g_string_append_printf(out, "%s\"seed\": %" G_GUINT64_FORMAT ",", sep, c->seed);
	g_string_append_printf(out, "%s\"vm\": %s,", sep, plain(o = vm_json(s)));
	json_object_put(o);
	g_string_append_printf(out, "%s\"guest\": %s,", sep, plain(o = guest_json(s)));
	json_object_put(o);
	g_string_append_printf(out, "%s\"devices\": [", sep);
	for (unsigned i = 0; i < s->ndevices; i++) {
		g_string_append_printf(out, "%s%s%s", compact ? (i ? " " : "") : "\n    ",
		                       plain(o = device_json(&s->devices[i])),
		                       i + 1 < s->ndevices ? "," : "");
		json_object_put(o);
	}
	g_string_append_printf(out, "%s],%s\"steps\": [", compact ? "" : "\n  ", sep);
	line = compact ? 1 : c->header_lines;
	for (guint i = 0; i < steps->len; i++) {
		const struct recorded *r = g_ptr_array_index(steps, i);
		if (i)
			g_string_append_c(out, ',');
		if (r->line > line) {
			for (; line < r->line; line++)
				g_string_append_c(out, '\n');
			g_string_append(out, "    ");
		} else {
			g_string_append_c(out, ' ');
		}
		g_string_append(out, r->json);
	}
	g_string_append(out, "\n  ],\n  \"faults\": [");
	for (unsigned i = 0; i < s->nfaults; i++) {
		g_string_append_printf(out, "\n    %s%s", plain(o = rule_json(&s->faults[i].rule)),
		                       i + 1 < s->nfaults ? "," : "\n  ");
		json_object_put(o);
	}
	g_string_append_printf(out, "],\n  \"reach\": %s,\n", plain(reach));
	g_string_append_printf(out, "  \"expect\": %s\n}\n", plain(ex));
	json_object_put(reach);
	json_object_put(ex);
	g_ptr_array_free(steps, TRUE);
	return g_string_free(out, FALSE);
}

static enum console_status cmd_record(struct console *c, int argc, char **argv, const char *rest,
                                      struct console_reply *r)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	struct scenario *check;

	(void)rest;
	if (argc != 2)
		return fail(r, "usage: record FILE");
	if (!c->recorded->len)
		return fail(r, "record: nothing to record yet: no step has run (a scenario starts "
		               "with boot)");
	text = record_text(c);
	/* what it writes must load as it is */
	check = scenario_load_data(argv[1], text, strlen(text), NULL, &err);
	if (!check)
		return fail(r, "record: internal error, the scenario does not load: %s",
		            err->message);
	scenario_free(check);
	if (!g_file_set_contents(argv[1], text, -1, &err))
		return fail(r, "record: %s", err->message);
	g_string_append_printf(r->output, "recorded %u step(s) to %s",
	                       c->recorded->len + c->changes->len, argv[1]);
	if (run_step_current(c->run))
		g_string_append_printf(r->output, " (with all of %s, which is under way)",
		                       scn_op_name(run_step_current(c->run)->op));
	g_string_append(r->output, "\n");
	r->data = json_object_new_object();
	json_object_object_add(r->data, "file", jstr(argv[1]));
	json_object_object_add(r->data, "steps",
	                       json_object_new_int(c->recorded->len + c->changes->len));
	{
		g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
		json_object *jn = json_object_new_array();
		for (guint i = 0; i < c->notes->len; i++)
			g_ptr_array_add(notes, g_strdup(g_ptr_array_index(c->notes, i)));
		for (guint i = 0; i < c->changes->len; i++) {
			char *note = change_note(c, &g_array_index(c->changes, struct change, i),
			                         scn_op_name(run_step_current(c->run)->op));
			if (note)
				g_ptr_array_add(notes, note);
		}
		for (guint i = 0; i < notes->len; i++) {
			json_object_array_add(jn, jstr(g_ptr_array_index(notes, i)));
			g_string_append_printf(r->output, "note: %s\n",
			                       (const char *)g_ptr_array_index(notes, i));
		}
		json_object_object_add(r->data, "notes", jn);
	}
	return CONSOLE_OK;
}

static enum console_status cmd_quit(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	(void)c;
	(void)argv;
	(void)rest;
	if (argc > 1)
		return fail(r, "usage: quit");
	return CONSOLE_QUIT;
}

static enum console_status cmd_help(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r);

static const struct command commands[] = {
    {"help", "help [COMMAND]", "what each command does",
     "Without an argument lists every command; with one, explains it.", cmd_help},
    {"step", "step [N]", "run one engine event (N events) of the step under way",
     "Runs one event or task switch of the step under way and prints the trace lines it "
     "produced. Between steps it starts the scenario's next step first. A step whose work "
     "is done ends (the oracles look) at the next step command.",
     cmd_step},
    {"next", "next", "run to the end of the step under way (or the scenario's next step)",
     "Runs the step under way to its end; between steps, runs the scenario's next step "
     "whole. A breakpoint or Ctrl-C stops it early.",
     cmd_next},
    {"continue", "continue", "run the scenario's remaining steps",
     "Finishes the step under way and runs the scenario's steps that are left, until a "
     "breakpoint, Ctrl-C, or the end.",
     cmd_continue},
    {"until", "until EVENT", "continue until EVENT happens",
     "As continue, stopping at the first EVENT: a reach event or tracepoint "
     "(retarget-failed, power-off, phase-enter, ...) or a trace event "
     "\"component.event\" (hypercall.call, vsp.create-interrupt, oracle.violation, ...). "
     "It stops at the event boundary after the event.",
     cmd_until},
    {"break", "break EVENT | break list | break delete N", "stop whenever EVENT happens",
     "break EVENT stops step, next, continue and typed steps at the event boundary after "
     "each EVENT (a reach event or tracepoint, or a trace event \"component.event\"); "
     "break list shows the breakpoints with their hits; break delete N removes one.",
     cmd_break},
    {"show", "show [SUBJECT]", "look at the world: status, bus, irqs, remap, msix, ...",
     "Subjects: status (default), bus (each device and its vPCI bus), channels (VMBus), "
     "irqs (the guest's irq behind each vector), vectors (each CPU's vector table), remap "
     "(the host's interrupt remapping table), msix [DEVICE...] (the device's MSI-X table), "
     "tasks (every task and what it waits on), faults (the fault rules), fires (every "
     "interrupt raised and what became of it), violations (so far), breakpoints.",
     cmd_show},
    {"fault", "fault add RULE | fault list | fault remove N | fault NAME ENABLED",
     "add, list, remove, arm or disarm fault rules",
     "fault add [NAME] point=POINT [mode=MODE] [n=N] [probability=P] [phase=PHASE] "
     "[status=0x...] adds a rule with the fields of a scenario's \"faults\" entry (or give "
     "that JSON object), checked after the others and armed from its point's next hit. "
     "fault list shows the rules; fault remove N disarms rule N for good. fault NAME "
     "true|false is the scenario's \"fault\" step. In the middle of a step a rule is armed "
     "or disarmed at once; the recording does it as a \"fault\" step after that step.",
     cmd_fault},
    {"check", "check", "run the oracles now (the scenario's check step)",
     "The scenario's \"check\" step: the oracles look at the quiet, running VM. Its data "
     "lists every violation so far.",
     cmd_check},
    {"seed", "seed [N]", "show or set the PRNG seed (before the first step)",
     "The seed decides choice points and probabilistic faults; the same steps and seed give "
     "the same trace. It can change only before the first step.",
     cmd_seed},
    {"trace", "trace on FILE | trace off", "write the trace (JSON lines) to FILE",
     "Turned on before the first step, FILE gets the whole trace, exactly what `hvpci-sim "
     "run --trace` gives for the recorded scenario; later, from that point on. The file is "
     "complete once tracing is turned off or the session ends.",
     cmd_trace},
    {"record", "record FILE", "write everything done so far as a scenario file",
     "Writes (atomically) a scenario with this VM, guest, devices, every fault rule (those "
     "added live too), the seed and every step started so far, whole, each on the line "
     "this session traced it with; `hvpci-sim run` of it gives the same trace. Its expect "
     "is the verdict so far.",
     cmd_record},
    {"quit", "quit", "end the session (so does end of input)",
     "Finishes a step under way, lets the world settle, runs the oracles a last time and "
     "prints the verdict.",
     cmd_quit},
};

static const struct command *command_lookup(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static char *op_usage(const struct step_desc *d)
{
	GString *s = g_string_new(d->name);

	for (const char *const *f = d->fields; *f; f++) {
		g_autofree char *up = g_ascii_strup(*f, -1);
		g_string_append_printf(s, " %s", up);
	}
	return g_string_free(s, FALSE);
}

static enum console_status cmd_help(struct console *c, int argc, char **argv, const char *rest,
                                    struct console_reply *r)
{
	(void)c;
	(void)rest;
	if (argc == 1) {
		g_string_append(r->output, "Steps (the scenario's ops; fields in order or as "
		                           "field=value, a list as 0,3):\n");
		for (int op = 0; op < OP__COUNT; op++) {
			const struct step_desc *d = step_desc((enum scn_op)op);
			g_autofree char *u = op_usage(d);
			if (op == OP_CHECK || op == OP_FAULT)
				continue;
			g_string_append_printf(r->output, "  %-24s %s\n", u, d->about);
		}
		g_string_append(r->output, "Console:\n");
		for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
			g_string_append_printf(r->output, "  %-24s %s\n", commands[i].name,
			                       commands[i].summary);
		g_string_append(r->output, "help COMMAND says more.\n");
		return CONSOLE_OK;
	}
	if (argc == 2) {
		const struct command *cmd = command_lookup(argv[1]);
		int op = step_lookup(argv[1]);
		if (cmd) {
			g_string_append_printf(r->output, "%s\n  %s\n", cmd->usage, cmd->details);
			return CONSOLE_OK;
		}
		if (op >= 0) {
			g_autofree char *u = op_usage(step_desc((enum scn_op)op));
			g_string_append_printf(
			    r->output,
			    "%s\n  The scenario's \"%s\" step: %s. Fields go in this order or as "
			    "field=value (a list as 0,3); it is refused when the same step in a "
			    "scenario file would be. It runs to its end unless a breakpoint or "
			    "Ctrl-C stops it.\n",
			    u, argv[1], step_desc((enum scn_op)op)->about);
			return CONSOLE_OK;
		}
		return fail(r, "help: no command \"%s\" (help lists them)", argv[1]);
	}
	return fail(r, "usage: help [COMMAND]");
}

const char *const *console_command_names(void)
{
	static const char *names[G_N_ELEMENTS(commands) + OP__COUNT + 1];

	if (!names[0]) {
		unsigned n = 0;
		for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
			names[n++] = commands[i].name;
		for (int op = 0; op < OP__COUNT; op++)
			if (!command_lookup(step_desc((enum scn_op)op)->name))
				names[n++] = step_desc((enum scn_op)op)->name;
	}
	return names;
}

enum console_status console_exec(struct console *c, const char *line, struct console_reply *r)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) argv = NULL;
	const struct command *cmd;
	const char *p = line + strspn(line, " \t");
	enum console_status ret;
	int argc;

	if (!*p || *p == '#' || *p == '\n')
		return CONSOLE_OK;
	if (g_str_has_prefix(p, "fault") && strstr(p, "{")) {
		/* fault add {JSON}: the JSON is not split into words */
		g_autofree char *head = g_strndup(p, (gsize)(strchr(p, '{') - p));
		if (!g_shell_parse_argv(head, &argc, &argv, &err))
			return fail(r, "%s", err->message);
		ret = cmd_fault(c, argc, argv, p, r);
	} else {
		if (!g_shell_parse_argv(p, &argc, &argv, &err))
			return fail(r, "cannot read the command: %s", err->message);
		cmd = command_lookup(argv[0]);
		if (cmd)
			ret = cmd->fn(c, argc, argv, p, r);
		else if (step_lookup(argv[0]) >= 0)
			ret = cmd_op(c, argc, argv, p, r);
		else
			ret = fail(r, "unknown command \"%s\" (help lists the commands)", argv[0]);
	}
	if (c->trace_file)
		fflush(c->trace_file);
	return ret;
}

/* ---- the end --------------------------------------------------------- */

int console_finish(struct console *c, FILE *out, bool color)
{
	g_autoptr(GPtrArray) results =
	    g_ptr_array_new_with_free_func((GDestroyNotify)run_result_free);
	GString *ignore = g_string_new(NULL);
	struct run_result *res;
	int ret;

	if (run_step_current(c->run))
		finish_step(c, ignore);
	g_string_free(ignore, TRUE);
	res = run_end(c->run);
	c->run = NULL;
	ret = res->matches ? 0 : 1;
	g_ptr_array_add(results, res);
	if (out)
		report_write(out, REPORT_HUMAN, results, color);
	if (c->trace_file) {
		bool ok = fflush(c->trace_file) == 0 && !ferror(c->trace_file);
		ok = fclose(c->trace_file) == 0 && ok;
		c->trace_file = NULL;
		if (!ok && out)
			fprintf(out, "cannot write the trace to %s\n", c->trace_path);
	}
	return ret;
}

/* ---- completion ------------------------------------------------------ */

static void add_names(GPtrArray *a, const char *prefix, const char *const *names)
{
	for (; *names; names++)
		g_ptr_array_add(a, g_strconcat(prefix, *names, NULL));
}

static void add_catalog(GPtrArray *a, enum catalog_id id)
{
	const struct catalog *cat = catalog_get(id);

	for (unsigned i = 0; i < cat->count(); i++)
		g_ptr_array_add(a, g_strdup(cat->name(i)));
}

static void add_devices(struct console *c, GPtrArray *a)
{
	for (unsigned d = 0; d < c->s->ndevices; d++)
		g_ptr_array_add(a, g_strdup(c->s->devices[d].name));
}

static void add_events(struct console *c, GPtrArray *a)
{
	GHashTableIter it;
	gpointer key;

	for (int tp = 0; tp < TP__COUNT; tp++)
		g_ptr_array_add(a, g_strdup(tracepoint_name((enum tracepoint)tp)));
	g_hash_table_iter_init(&it, c->seen_events);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(a, g_strdup(key));
}

static int by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **console_complete(struct console *c, const char *line, size_t start, const char *word)
{
	g_autofree char *before = g_strndup(line, start);
	g_auto(GStrv) all = g_strsplit_set(before, " \t", -1);
	GPtrArray *cand = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *out = g_ptr_array_new();
	const char *w[2] = {NULL, NULL};
	unsigned n = 0;
	const char *w0, *w1;
	bool value = start > 0 && line[start - 1] == '=';
	char *key = NULL;

	/* the words before the one being completed */
	for (char **p = all; *p; p++)
		if (**p && !(value && !p[1]) && n++ < 2)
			w[n - 1] = *p;
	w0 = w[0];
	w1 = w[1];
	if (value) {
		const char *k = before + start - 1;
		while (k > before && k[-1] != ' ' && k[-1] != '\t')
			k--;
		key = g_strndup(k, (gsize)(before + start - 1 - k));
	}
	if (!w0) {
		add_names(cand, "", console_command_names());
	} else if (value && !strcmp(key, "point")) {
		add_catalog(cand, CAT_FAULT_POINTS);
	} else if (value && !strcmp(key, "mode")) {
		add_catalog(cand, CAT_FAULT_MODES);
	} else if (value && !strcmp(key, "phase")) {
		add_catalog(cand, CAT_PHASES);
	} else if (value && (!strcmp(key, "device"))) {
		add_devices(c, cand);
	} else if (value && !strcmp(key, "enabled")) {
		static const char *const b[] = {"true", "false", NULL};
		add_names(cand, "", b);
	} else if (!strcmp(w0, "show") && n == 1) {
		add_names(cand, "", show_subjects);
	} else if (!strcmp(w0, "show") && !strcmp(w1, "msix")) {
		add_devices(c, cand);
	} else if (!strcmp(w0, "help") && n == 1) {
		add_names(cand, "", console_command_names());
	} else if (!strcmp(w0, "fire") && n == 1) {
		add_devices(c, cand);
	} else if (!strcmp(w0, "fire")) {
		static const char *const f[] = {"vectors=", NULL};
		add_names(cand, "", f);
	} else if ((!strcmp(w0, "break") && n == 1) || (!strcmp(w0, "until") && n == 1)) {
		static const char *const sub[] = {"list", "delete", NULL};
		if (!strcmp(w0, "break"))
			add_names(cand, "", sub);
		add_events(c, cand);
	} else if (!strcmp(w0, "fault") && n == 1) {
		static const char *const sub[] = {"add", "list", "remove", NULL};
		add_names(cand, "", sub);
		for (unsigned i = 0; i < c->s->nfaults; i++)
			g_ptr_array_add(cand, g_strdup(c->s->faults[i].name));
	} else if (!strcmp(w0, "fault") && !strcmp(w1, "add")) {
		static const char *const f[] = {
		    "point=", "mode=", "n=", "probability=", "phase=", "status=", NULL};
		add_names(cand, "", f);
	} else if (!strcmp(w0, "fault") && n == 2 && strcmp(w1, "list") && strcmp(w1, "remove")) {
		static const char *const b[] = {"true", "false", NULL};
		add_names(cand, "", b);
	} else if (!strcmp(w0, "trace") && n == 1) {
		static const char *const sub[] = {"on", "off", NULL};
		add_names(cand, "", sub);
	} else if ((!strcmp(w0, "trace") && n == 2) || (!strcmp(w0, "record") && n == 1)) {
		g_free(key);
		g_ptr_array_free(cand, TRUE);
		g_ptr_array_free(out, TRUE);
		return NULL; /* a file name */
	}
	g_ptr_array_sort(cand, by_str);
	for (guint i = 0; i < cand->len; i++) {
		const char *s = g_ptr_array_index(cand, i);
		if (g_str_has_prefix(s, word) &&
		    (!out->len || strcmp(g_ptr_array_index(out, out->len - 1), s)))
			g_ptr_array_add(out, g_strdup(s));
	}
	g_ptr_array_add(out, NULL);
	g_free(key);
	g_ptr_array_free(cand, TRUE);
	return (char **)g_ptr_array_free(out, FALSE);
}
