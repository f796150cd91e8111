/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the deterministic engine and the fault rules: the virtual
 * clock only moves through the event queue and events run in (time, seq)
 * order; tasks sleep, busy-wait, yield, wait on completions and are woken;
 * stale timeouts do not move the clock; blocked tasks are reported; sleeping
 * in atomic context hits a tracepoint; the
 * seeded PRNG and the choice points are pure functions of the seed; reach
 * events and their names; the JSON-lines trace is byte-identical between
 * runs and absent when off; fault rules fire once, on the nth hit, on every
 * hit, with a seeded probability, only inside their phase, only while
 * enabled, with the rule's or the point's default status.
 */
#include "vmbus-sim/engine.h"
#include "vmbus-sim/tracepoint.h"
#include "vmbus-sim/fault.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

struct log {
	struct engine *e;
	GString *s;
};

static void log_add(struct log *l, const char *what)
{
	g_string_append_printf(l->s, "%s@%" G_GUINT64_FORMAT ";", what, engine_now(l->e));
}

struct tagged {
	struct log *l;
	const char *name;
};

static void ev_log(struct engine *e, void *arg)
{
	struct tagged *t = arg;

	g_assert_true(task_current(e) == NULL);
	log_add(t->l, t->name);
}

/* ---- the clock and the event queue ---- */

static void test_clock_event_order(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct tagged a = {&l, "a"}, b = {&l, "b"}, c = {&l, "c"}, d = {&l, "d"}, z = {&l, "z"};

	g_assert_cmpuint(engine_now(e), ==, 0);
	engine_schedule(e, 300, ev_log, &c);
	engine_schedule(e, 100, ev_log, &a);
	engine_schedule(e, 300, ev_log, &d);
	engine_schedule(e, 100, ev_log, &b);
	engine_schedule(e, 0, ev_log, &z);
	/* Scheduling is not running: the clock stays where it is. */
	g_assert_cmpuint(engine_now(e), ==, 0);
	g_assert_cmpstr(l.s->str, ==, "");
	engine_run(e);
	g_assert_cmpstr(l.s->str, ==, "z@0;a@100;b@100;c@300;d@300;");
	/* The clock stops at the last event, not beyond. */
	g_assert_cmpuint(engine_now(e), ==, 300);
	/* Running an empty world changes nothing. */
	engine_run(e);
	g_assert_cmpuint(engine_now(e), ==, 300);
	g_string_free(l.s, TRUE);
	engine_free(e);
}

/* Many events at the same instant, pushed in an order that exercises the
 * heap: they must come out strictly in scheduling order. */
struct seqrec {
	GArray *out;
	unsigned id;
};

static void ev_seq(struct engine *e, void *arg)
{
	struct seqrec *r = arg;

	(void)e;
	g_array_append_val(r->out, r->id);
}

static void test_clock_same_time_fifo(void)
{
	struct engine *e = engine_new(7);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(unsigned));
	struct seqrec recs[200];

	for (unsigned i = 0; i < G_N_ELEMENTS(recs); i++) {
		recs[i].out = out;
		recs[i].id = i;
		/* Two instants interleaved: even ids at 50, odd ids at 20. */
		engine_schedule(e, i % 2 ? 20 : 50, ev_seq, &recs[i]);
	}
	engine_run(e);
	g_assert_cmpuint(out->len, ==, G_N_ELEMENTS(recs));
	for (unsigned i = 0; i < 100; i++) {
		g_assert_cmpuint(g_array_index(out, unsigned, i), ==, 2 * i + 1);
		g_assert_cmpuint(g_array_index(out, unsigned, 100 + i), ==, 2 * i);
	}
	g_assert_cmpuint(engine_now(e), ==, 50);
	g_array_free(out, TRUE);
	engine_free(e);
}

/* Events scheduled from events, at random delays with many ties: they run
 * in order of time, then of scheduling, whatever shape the heap takes. */
#define CHURN_MAX 5000

struct churn;

struct churn_ev {
	struct churn *c;
	unsigned id; /* scheduling order */
	uint64_t due;
};

struct churn {
	struct engine *e;
	uint64_t rng;
	struct churn_ev ev[CHURN_MAX];
	unsigned scheduled;
	GArray *ran; /* ids, in the order they ran */
};

static void ev_churn(struct engine *e, void *arg);

static void churn_schedule(struct churn *c, uint64_t delay)
{
	struct churn_ev *v = &c->ev[c->scheduled];

	*v = (struct churn_ev){c, c->scheduled++, engine_now(c->e) + delay};
	engine_schedule(c->e, delay, ev_churn, v);
}

static void ev_churn(struct engine *e, void *arg)
{
	struct churn_ev *v = arg;
	struct churn *c = v->c;

	g_assert_cmpuint(engine_now(e), ==, v->due);
	g_array_append_val(c->ran, v->id);
	for (unsigned k = 0; k < 3 && c->scheduled < CHURN_MAX; k++) {
		c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
		churn_schedule(c, (c->rng >> 33) % 4 * 10); /* 0, 10, 20, 30: many ties */
	}
}

static void test_clock_heap_churn(void)
{
	struct churn *c = g_new0(struct churn, 1);

	c->e = engine_new(3);
	c->rng = 42;
	c->ran = g_array_new(FALSE, FALSE, sizeof(unsigned));
	for (unsigned i = 0; i < 20; i++)
		churn_schedule(c, i % 3 * 10);
	engine_run(c->e);
	g_assert_cmpuint(c->ran->len, ==, CHURN_MAX);
	for (unsigned i = 1; i < c->ran->len; i++) {
		const struct churn_ev *a = &c->ev[g_array_index(c->ran, unsigned, i - 1)];
		const struct churn_ev *b = &c->ev[g_array_index(c->ran, unsigned, i)];
		g_assert_true(a->due < b->due || (a->due == b->due && a->id < b->id));
	}
	g_array_free(c->ran, TRUE);
	engine_free(c->e);
	g_free(c);
}

/* An event scheduled from an event for "now" runs after the events already
 * queued for the same instant (it has a later seq). */
struct nested {
	struct log *l;
	struct tagged inner;
};

static void ev_nested(struct engine *e, void *arg)
{
	struct nested *n = arg;

	log_add(n->l, "outer");
	engine_schedule(e, 0, ev_log, &n->inner);
	engine_schedule(e, 5, ev_log, &n->inner);
}

static void test_clock_nested_schedule(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct nested n = {&l, {&l, "inner"}};
	struct tagged same = {&l, "same"};

	engine_schedule(e, 10, ev_nested, &n);
	engine_schedule(e, 10, ev_log, &same);
	engine_run(e);
	g_assert_cmpstr(l.s->str, ==, "outer@10;same@10;inner@10;inner@15;");
	g_string_free(l.s, TRUE);
	engine_free(e);
}

static void test_clock_run_for(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct tagged a = {&l, "a"}, b = {&l, "b"}, c = {&l, "c"};

	engine_schedule(e, 1 * NSEC_PER_MSEC, ev_log, &a);
	engine_schedule(e, 2 * NSEC_PER_MSEC, ev_log, &b);
	engine_schedule(e, 3 * NSEC_PER_MSEC, ev_log, &c);
	/* An event exactly at the limit runs; the one after does not. */
	engine_run_for(e, 2 * NSEC_PER_MSEC);
	g_assert_cmpstr(l.s->str, ==, "a@1000000;b@2000000;");
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC);
	/* A quiet interval still advances the clock to its end. */
	engine_run_for(e, NSEC_PER_MSEC / 2);
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC + NSEC_PER_MSEC / 2);
	g_assert_cmpstr(l.s->str, ==, "a@1000000;b@2000000;");
	engine_run_for(e, 0);
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC + NSEC_PER_MSEC / 2);
	engine_run(e);
	g_assert_cmpstr(l.s->str, ==, "a@1000000;b@2000000;c@3000000;");
	g_assert_cmpuint(engine_now(e), ==, 3 * NSEC_PER_MSEC);
	g_string_free(l.s, TRUE);
	engine_free(e);
}

/* A run_for long enough to reach "forever" from a non-zero time must not
 * wrap around and stop before events that are due. */
static void test_clock_run_for_huge(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct tagged a = {&l, "a"}, b = {&l, "b"};

	engine_schedule(e, 5, ev_log, &a);
	engine_run(e);
	g_assert_cmpuint(engine_now(e), ==, 5);
	engine_schedule(e, 10, ev_log, &b);
	engine_run_for(e, UINT64_MAX - 1);
	/* now + ns saturates instead of wrapping */
	g_assert_cmpstr(l.s->str, ==, "a@5;b@15;");
	g_string_free(l.s, TRUE);
	engine_free(e);
}

/* engine_step with a limit: one event at a time, nothing past the limit,
 * and the clock left at the limit as engine_run_for leaves it. */
static void test_clock_step(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct tagged a = {&l, "a"}, b = {&l, "b"}, c = {&l, "c"};
	uint64_t limit;

	engine_schedule(e, 1 * NSEC_PER_MSEC, ev_log, &a);
	engine_schedule(e, 2 * NSEC_PER_MSEC, ev_log, &b);
	engine_schedule(e, 3 * NSEC_PER_MSEC, ev_log, &c);
	limit = engine_limit(e, 2 * NSEC_PER_MSEC + 1);
	g_assert_true(engine_step(e, limit));
	g_assert_cmpstr(l.s->str, ==, "a@1000000;");
	g_assert_true(engine_step(e, limit));
	g_assert_cmpstr(l.s->str, ==, "a@1000000;b@2000000;");
	g_assert_false(engine_step(e, limit));
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC + 1);
	g_assert_cmpuint(engine_limit(e, UINT64_MAX - 1), ==, UINT64_MAX);
	g_assert_true(engine_step(e, ENGINE_NO_LIMIT));
	g_assert_false(engine_step(e, ENGINE_NO_LIMIT));
	g_assert_cmpuint(engine_now(e), ==, 3 * NSEC_PER_MSEC);
	g_string_free(l.s, TRUE);
	engine_free(e);
}

/* ---- tasks ---- */

static void task_sleeper(void *arg)
{
	struct log *l = arg;

	g_assert_nonnull(task_current(l->e));
	g_assert_cmpstr(task_name(task_current(l->e)), ==, "sleeper");
	g_assert_false(task_in_atomic(l->e));
	log_add(l, "start");
	task_sleep(l->e, 5 * NSEC_PER_MSEC);
	log_add(l, "slept");
	task_udelay(l->e, 7 * NSEC_PER_USEC);
	log_add(l, "udelayed");
	task_sleep(l->e, 0);
	log_add(l, "slept0");
}

static void test_task_sleep_udelay(void)
{
	struct engine *e = engine_new(3);
	struct log l = {e, g_string_new("")};
	struct task *t;

	t = task_spawn(e, "sleeper", task_sleeper, &l);
	g_assert_cmpstr(task_name(t), ==, "sleeper");
	g_assert_false(task_done(t));
	/* Spawning does not run anything. */
	g_assert_cmpstr(l.s->str, ==, "");
	g_assert_null(task_current(e));
	engine_run(e);
	g_assert_true(task_done(t));
	g_assert_cmpstr(l.s->str, ==, "start@0;slept@5000000;udelayed@5007000;slept0@5007000;");
	g_assert_cmpuint(engine_now(e), ==, 5 * NSEC_PER_MSEC + 7 * NSEC_PER_USEC);
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 0);
	g_assert_null(task_current(e));
	g_assert_cmpstr(task_name(NULL), ==, "-");
	g_string_free(l.s, TRUE);
	engine_free(e);
}

static void task_no_wait(void *arg)
{
	struct log *l = arg;

	log_add(l, "ran");
}

static void test_task_runs_without_moving_clock(void)
{
	struct engine *e = engine_new(3);
	struct log l = {e, g_string_new("")};

	task_spawn(e, "t", task_no_wait, &l);
	engine_run_for(e, 0);
	g_assert_cmpstr(l.s->str, ==, "ran@0;");
	g_assert_cmpuint(engine_now(e), ==, 0);
	g_string_free(l.s, TRUE);
	engine_free(e);
}

struct yielder {
	struct engine *e;
	GString *s;
	char id;
	unsigned steps;
};

static void task_yielder(void *arg)
{
	struct yielder *y = arg;

	for (unsigned i = 0; i < y->steps; i++) {
		g_string_append_c(y->s, y->id);
		task_yield(y->e);
		g_assert_cmpuint(engine_now(y->e), ==, 0);
	}
}

static void test_task_yield(void)
{
	struct engine *e = engine_new(11);
	GString *s = g_string_new("");
	struct yielder a = {e, s, 'a', 20}, b = {e, s, 'b', 20};
	struct task *ta, *tb;
	unsigned na = 0, nb = 0;

	ta = task_spawn(e, "a", task_yielder, &a);
	tb = task_spawn(e, "b", task_yielder, &b);
	engine_run(e);
	g_assert_true(task_done(ta));
	g_assert_true(task_done(tb));
	g_assert_cmpuint(s->len, ==, 40);
	for (gsize i = 0; i < s->len; i++) {
		if (s->str[i] == 'a')
			na++;
		else if (s->str[i] == 'b')
			nb++;
	}
	g_assert_cmpuint(na, ==, 20);
	g_assert_cmpuint(nb, ==, 20);
	/* Yielding is no wait: no virtual time passed. */
	g_assert_cmpuint(engine_now(e), ==, 0);
	g_string_free(s, TRUE);
	engine_free(e);
}

/* A yield with nothing else ready returns to the same task at once. */
static void test_task_yield_alone(void)
{
	struct engine *e = engine_new(11);
	GString *s = g_string_new("");
	struct yielder a = {e, s, 'a', 5};

	task_spawn(e, "a", task_yielder, &a);
	engine_run(e);
	g_assert_cmpstr(s->str, ==, "aaaaa");
	g_string_free(s, TRUE);
	engine_free(e);
}

static void test_task_reap_reuse(void)
{
	struct engine *e = engine_new(5);
	struct log l = {e, g_string_new("")};

	for (unsigned i = 0; i < 8; i++) {
		struct task *t = task_spawn(e, "sleeper", task_sleeper, &l);
		engine_run(e);
		g_assert_true(task_done(t));
		task_reap(e, t);
	}
	/* The sleeper checks its name; it ran to the end each time. */
	{
		gchar **parts = g_strsplit(l.s->str, ";", -1);
		g_assert_cmpuint(g_strv_length(parts), ==, 8 * 4 + 1);
		g_strfreev(parts);
	}
	g_string_free(l.s, TRUE);
	engine_free(e);
}

static void task_nothing(void *arg)
{
	(void)arg;
}

/* Names of any length survive reuse of the task behind them. */
static void test_task_names(void)
{
	struct engine *e = engine_new(2);
	static const char *const names[] = {
	    "", "a", "exactly-thirty-one-bytes-long-x", "exactly-thirty-two-bytes-long-xx",
	    "a name well beyond any inline buffer a task might have"};

	for (unsigned round = 0; round < 3; round++) {
		struct task *t[G_N_ELEMENTS(names)];
		for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
			g_autofree char *copy = g_strdup(names[i]);
			t[i] = task_spawn(e, copy, task_nothing, NULL);
		}
		for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
			g_assert_cmpstr(task_name(t[i]), ==, names[i]);
		engine_run(e);
		for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
			g_assert_true(task_done(t[i]));
			g_assert_cmpstr(task_name(t[i]), ==, names[i]);
			task_reap(e, t[i]);
		}
	}
	engine_free(e);
}

struct parked {
	struct engine *e;
	struct completion *c;
	unsigned *woke;
};

static void task_parked(void *arg)
{
	struct parked *p = arg;

	completion_wait(p->e, p->c, 0);
	(*p->woke)++;
}

/* Stacks outlive their engine: the next engine's tasks run on them, each
 * returning to its own scheduler, while another engine keeps tasks blocked
 * in the middle of their functions on stacks of their own. */
static void test_task_stacks_across_engines(void)
{
	GString *s = g_string_new("");
	struct engine *kept = engine_new(3);
	struct completion go;
	struct parked p[6];
	unsigned woke = 0;

	completion_init(&go, "go");
	for (unsigned round = 0; round < 6; round++) {
		struct engine *e = engine_new(11 + round);
		struct yielder a = {e, s, 'a', 3}, b = {e, s, 'b', 3};
		struct completion never;
		unsigned never_woke = 0;
		struct parked blocked = {e, &never, &never_woke};

		g_string_truncate(s, 0);
		task_spawn(e, "a", task_yielder, &a);
		task_spawn(e, "b", task_yielder, &b);
		engine_run(e);
		g_assert_cmpuint(s->len, ==, 6);
		p[round] = (struct parked){kept, &go, &woke};
		task_spawn(kept, "parked", task_parked, &p[round]);
		engine_run(kept);
		/* an engine freed with a task blocked: that stack is not reused */
		completion_init(&never, "never");
		if (round % 2)
			task_spawn(e, "blocked", task_parked, &blocked);
		engine_run(e);
		engine_free(e);
		g_assert_cmpuint(never_woke, ==, 0);
	}
	g_assert_cmpuint(woke, ==, 0);
	complete(kept, &go);
	engine_run(kept);
	g_assert_cmpuint(woke, ==, 6);
	engine_free(kept);
	g_string_free(s, TRUE);
}

/* ---- completions ---- */

struct waiter {
	struct engine *e;
	struct completion *c;
	uint64_t timeout;
	int ret;
	uint64_t woke_at;
	bool returned;
	bool poll;
	bool atomic;
	uint64_t step;
};

static void task_waiter(void *arg)
{
	struct waiter *w = arg;

	if (w->atomic)
		task_atomic_enter(w->e);
	if (w->poll)
		w->ret = completion_poll(w->e, w->c, w->step, w->timeout);
	else
		w->ret = completion_wait(w->e, w->c, w->timeout);
	if (w->atomic)
		task_atomic_exit(w->e);
	w->woke_at = engine_now(w->e);
	w->returned = true;
}

static void ev_complete(struct engine *e, void *arg)
{
	complete(e, arg);
}

static void test_completion_wake(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e, .c = &c};
	struct task *t;

	completion_init(&c, "reply");
	g_assert_false(c.done);
	t = task_spawn(e, "waiter", task_waiter, &w);
	engine_schedule(e, 3 * NSEC_PER_MSEC, ev_complete, &c);
	engine_run_for(e, NSEC_PER_MSEC);
	/* Blocked, not done, nothing returned yet. */
	g_assert_false(w.returned);
	g_assert_false(task_done(t));
	engine_run(e);
	g_assert_true(w.returned);
	g_assert_cmpint(w.ret, ==, 0);
	g_assert_cmpuint(w.woke_at, ==, 3 * NSEC_PER_MSEC);
	g_assert_true(c.done);
	g_assert_null(c.waiter);
	g_assert_true(task_done(t));
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 0);
	engine_free(e);
}

static void test_completion_already_done(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e, .c = &c, .timeout = NSEC_PER_SEC};

	completion_init(&c, "done-before");
	complete(e, &c);
	task_spawn(e, "waiter", task_waiter, &w);
	engine_run(e);
	g_assert_true(w.returned);
	g_assert_cmpint(w.ret, ==, 0);
	g_assert_cmpuint(w.woke_at, ==, 0);
	/* The timeout that was never armed cannot move the clock either. */
	g_assert_cmpuint(engine_now(e), ==, 0);
	engine_free(e);
}

static void test_completion_timeout(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e, .c = &c, .timeout = 2 * NSEC_PER_MSEC};

	completion_init(&c, "never");
	task_spawn(e, "waiter", task_waiter, &w);
	engine_run(e);
	g_assert_true(w.returned);
	g_assert_cmpint(w.ret, ==, -ETIMEDOUT);
	g_assert_cmpuint(w.woke_at, ==, 2 * NSEC_PER_MSEC);
	g_assert_null(c.waiter);
	/* A late complete() after the timeout wakes no one and does not crash. */
	complete(e, &c);
	engine_run(e);
	g_assert_true(c.done);
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC);
	engine_free(e);
}

/* The wait ended early: its timeout event is stale and must not drag the
 * clock to its deadline. */
static void test_stale_timeout_keeps_clock(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e, .c = &c, .timeout = 10 * NSEC_PER_MSEC};

	completion_init(&c, "early");
	task_spawn(e, "waiter", task_waiter, &w);
	engine_schedule(e, NSEC_PER_MSEC, ev_complete, &c);
	engine_run(e);
	g_assert_cmpint(w.ret, ==, 0);
	g_assert_cmpuint(w.woke_at, ==, NSEC_PER_MSEC);
	g_assert_cmpuint(engine_now(e), ==, NSEC_PER_MSEC);
	engine_free(e);
}

/* A stale timeout does not fire into a later wait of the same task. */
struct two_waits {
	struct engine *e;
	struct completion a, b;
	int ra, rb;
	uint64_t ta, tb;
};

static void task_two_waits(void *arg)
{
	struct two_waits *w = arg;

	w->ra = completion_wait(w->e, &w->a, 10 * NSEC_PER_MSEC);
	w->ta = engine_now(w->e);
	/* The first wait's 10 ms deadline passes during this one. */
	w->rb = completion_wait(w->e, &w->b, 0);
	w->tb = engine_now(w->e);
}

static void test_stale_timeout_not_delivered(void)
{
	struct engine *e = engine_new(1);
	struct two_waits w = {.e = e};

	completion_init(&w.a, "a");
	completion_init(&w.b, "b");
	task_spawn(e, "w", task_two_waits, &w);
	engine_schedule(e, 1 * NSEC_PER_MSEC, ev_complete, &w.a);
	engine_schedule(e, 20 * NSEC_PER_MSEC, ev_complete, &w.b);
	engine_run(e);
	g_assert_cmpint(w.ra, ==, 0);
	g_assert_cmpuint(w.ta, ==, 1 * NSEC_PER_MSEC);
	g_assert_cmpint(w.rb, ==, 0);
	g_assert_cmpuint(w.tb, ==, 20 * NSEC_PER_MSEC);
	engine_free(e);
}

/* completion_poll busy-waits: allowed with interrupts off. */
static void test_completion_poll_atomic(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e,
	                   .c = &c,
	                   .poll = true,
	                   .atomic = true,
	                   .step = 10 * NSEC_PER_USEC,
	                   .timeout = 100 * NSEC_PER_USEC};
	struct completion c2;
	struct waiter w2 = {.e = e,
	                    .c = &c2,
	                    .poll = true,
	                    .atomic = true,
	                    .step = 10 * NSEC_PER_USEC,
	                    .timeout = 100 * NSEC_PER_USEC};

	completion_init(&c, "poll-done");
	completion_init(&c2, "poll-never");
	task_spawn(e, "poller", task_waiter, &w);
	task_spawn(e, "poller2", task_waiter, &w2);
	engine_schedule(e, 40 * NSEC_PER_USEC, ev_complete, &c);
	engine_run(e);
	g_assert_cmpint(w.ret, ==, 0);
	g_assert_cmpuint(w.woke_at, >=, 40 * NSEC_PER_USEC);
	g_assert_cmpint(w2.ret, ==, -ETIMEDOUT);
	g_assert_cmpuint(w2.woke_at, >=, 100 * NSEC_PER_USEC);
	/* No sleep-in-atomic: polling never sleeps. */
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 0);
	engine_free(e);
}

/* engine.c documents completion_poll's elapsed time as "rounded up to the
 * polling step" and engine.h as polling "with udelay(step_ns) between
 * tries": a completion at 15 us seen by a 10 us poll loop is noticed at
 * 20 us. */
static void test_completion_poll_step(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e,
	                   .c = &c,
	                   .poll = true,
	                   .step = 10 * NSEC_PER_USEC,
	                   .timeout = 100 * NSEC_PER_USEC};

	completion_init(&c, "poll-step");
	task_spawn(e, "poller", task_waiter, &w);
	engine_schedule(e, 15 * NSEC_PER_USEC, ev_complete, &c);
	engine_run(e);
	g_assert_cmpint(w.ret, ==, 0);
	g_assert_cmpuint(w.woke_at, ==, 20 * NSEC_PER_USEC);
	engine_free(e);
}

/* Two tasks wait on the same completion; both wake (the first complete()
 * wakes every waiter, as complete_all() does). */
static void test_completion_two_waiters(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w1 = {.e = e, .c = &c}, w2 = {.e = e, .c = &c};
	unsigned blocked = 0;

	completion_init(&c, "shared");
	task_spawn(e, "w1", task_waiter, &w1);
	task_spawn(e, "w2", task_waiter, &w2);
	engine_schedule(e, NSEC_PER_MSEC, ev_complete, &c);
	engine_schedule(e, 2 * NSEC_PER_MSEC, ev_complete, &c);
	engine_run(e);
	blocked = !w1.returned + !w2.returned;
	g_assert_cmpuint(blocked, ==, 0);
	engine_free(e);
}

/* ---- blocked tasks ---- */

struct blocked_seen {
	GString *s;
	unsigned n;
};

static void collect_blocked(struct task *t, const char *waiting_on, void *arg)
{
	struct blocked_seen *b = arg;

	g_string_append_printf(b->s, "%s:%s;", task_name(t), waiting_on);
	b->n++;
}

static void test_blocked_reported(void)
{
	struct engine *e = engine_new(1);
	struct completion never, daemon_c, done_c;
	struct waiter w1 = {.e = e, .c = &never};
	struct waiter w2 = {.e = e, .c = &daemon_c};
	struct waiter w3 = {.e = e, .c = &done_c};
	struct blocked_seen b = {g_string_new(""), 0};
	struct task *td;

	completion_init(&never, "reply-that-never-comes");
	completion_init(&daemon_c, "work");
	completion_init(&done_c, "done");
	task_spawn(e, "stuck", task_waiter, &w1);
	td = task_spawn(e, "worker", task_waiter, &w2);
	task_set_daemon(td, true);
	task_spawn(e, "finishes", task_waiter, &w3);
	engine_schedule(e, 5, ev_complete, &done_c);
	engine_run(e);
	g_assert_false(w1.returned);
	g_assert_false(w2.returned);
	g_assert_true(w3.returned);
	engine_for_each_blocked(e, collect_blocked, &b);
	/* Only the non-daemon blocked task, with what it waits on. */
	g_assert_cmpuint(b.n, ==, 1);
	g_assert_cmpstr(b.s->str, ==, "stuck:reply-that-never-comes;");
	/* A daemon is reported again once it is no longer a daemon. */
	task_set_daemon(td, false);
	g_string_truncate(b.s, 0);
	b.n = 0;
	engine_for_each_blocked(e, collect_blocked, &b);
	g_assert_cmpuint(b.n, ==, 2);
	g_assert_cmpstr(b.s->str, ==, "stuck:reply-that-never-comes;worker:work;");
	g_string_free(b.s, TRUE);
	engine_free(e);
}

static void collect_task(struct task *t, const char *state, const char *waiting_on, bool daemon,
                         void *arg)
{
	g_string_append_printf(arg, "%s:%s:%s%s;", task_name(t), state,
	                       waiting_on ? waiting_on : "-", daemon ? ":daemon" : "");
}

/* Every task with its state, also one that is ready but has not run. */
static void test_tasks_listed(void)
{
	struct engine *e = engine_new(1);
	struct completion never, done_c;
	struct waiter w1 = {.e = e, .c = &never};
	struct waiter w2 = {.e = e, .c = &done_c};
	g_autoptr(GString) s = g_string_new("");
	struct task *td;

	completion_init(&never, "reply");
	completion_init(&done_c, "done");
	task_spawn(e, "stuck", task_waiter, &w1);
	td = task_spawn(e, "finishes", task_waiter, &w2);
	task_set_daemon(td, true);
	engine_for_each_task(e, collect_task, s);
	g_assert_cmpstr(s->str, ==, "stuck:ready:-;finishes:ready:-:daemon;");
	engine_schedule(e, 5, ev_complete, &done_c);
	engine_run(e);
	g_string_truncate(s, 0);
	engine_for_each_task(e, collect_task, s);
	g_assert_cmpstr(s->str, ==, "stuck:blocked:reply;finishes:done:-:daemon;");
	engine_free(e);
}

static void task_long_sleep(void *arg)
{
	struct engine *e = arg;

	task_sleep(e, NSEC_PER_SEC);
}

/* A task whose wake-up is still queued is reported as blocked while the
 * world is stopped early, with what it waits on. */
static void test_blocked_sleeping(void)
{
	struct engine *e = engine_new(1);
	struct blocked_seen b = {g_string_new(""), 0};

	task_spawn(e, "napper", task_long_sleep, e);
	engine_run_for(e, NSEC_PER_MSEC);
	engine_for_each_blocked(e, collect_blocked, &b);
	g_assert_cmpstr(b.s->str, ==, "napper:sleep;");
	engine_run(e);
	g_string_truncate(b.s, 0);
	b.n = 0;
	engine_for_each_blocked(e, collect_blocked, &b);
	g_assert_cmpuint(b.n, ==, 0);
	g_assert_cmpuint(engine_now(e), ==, NSEC_PER_SEC);
	g_string_free(b.s, TRUE);
	engine_free(e);
}

/* ---- atomic context ---- */

static void task_sleep_in_atomic(void *arg)
{
	struct engine *e = arg;

	g_assert_false(task_in_atomic(e));
	task_atomic_enter(e);
	task_atomic_enter(e);
	g_assert_true(task_in_atomic(e));
	/* udelay is a busy-wait: fine under a spinlock. */
	task_udelay(e, 10);
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 0);
	task_atomic_exit(e);
	g_assert_true(task_in_atomic(e));
	task_sleep(e, 100);
	task_atomic_exit(e);
	g_assert_false(task_in_atomic(e));
	/* Outside atomic context sleeping is fine. */
	might_sleep(e, "mutex_lock");
	task_sleep(e, 100);
}

/* What the last TP_SLEEP_IN_ATOMIC said, as a probe sees it. */
struct sleep_probe {
	unsigned hits;
	char what[64];
	char task[32];
	unsigned depth;
	uint64_t time;
};

static void on_sleep(void *ctx, struct engine *e, enum tracepoint tp, const struct tp_args *a)
{
	struct sleep_probe *p = ctx;
	struct task *t = task_current(e);

	if (tp != TP_SLEEP_IN_ATOMIC)
		return;
	p->hits++;
	g_strlcpy(p->what, a->what, sizeof(p->what));
	g_strlcpy(p->task, t ? task_name(t) : "-", sizeof(p->task));
	p->depth = task_atomic_depth(e);
	p->time = engine_now(e);
}

static void test_sleep_in_atomic(void)
{
	struct engine *e = engine_new(1);
	struct sleep_probe p = {0};

	g_assert_cmpint(tp_register(e, on_sleep, &p), ==, 0);
	task_spawn(e, "locker", task_sleep_in_atomic, e);
	engine_run(e);
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 1);
	g_assert_cmpuint(p.hits, ==, 1);
	g_assert_cmpstr(p.what, ==, "msleep");
	g_assert_cmpstr(p.task, ==, "locker");
	g_assert_cmpuint(p.depth, ==, 1);
	g_assert_cmpuint(p.time, ==, 10);
	engine_free(e);
}

static void ev_might_sleep(struct engine *e, void *arg)
{
	(void)arg;
	/* Event context is interrupt context: atomic. */
	g_assert_true(task_in_atomic(e));
	might_sleep(e, "kmalloc(GFP_KERNEL)");
}

static void test_sleep_in_event_context(void)
{
	struct engine *e = engine_new(1);
	struct sleep_probe p = {0};

	g_assert_cmpint(tp_register(e, on_sleep, &p), ==, 0);
	engine_schedule(e, 42, ev_might_sleep, NULL);
	engine_run(e);
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 1);
	g_assert_cmpstr(p.what, ==, "kmalloc(GFP_KERNEL)");
	g_assert_cmpstr(p.task, ==, "-");
	g_assert_cmpuint(p.time, ==, 42);
	engine_free(e);
}

static void task_wait_in_atomic(void *arg)
{
	struct waiter *w = arg;

	task_atomic_enter(w->e);
	w->ret = completion_wait(w->e, w->c, 5);
	task_atomic_exit(w->e);
	w->returned = true;
}

static void test_wait_in_atomic(void)
{
	struct engine *e = engine_new(1);
	struct completion c;
	struct waiter w = {.e = e, .c = &c};
	struct sleep_probe p = {0};

	g_assert_cmpint(tp_register(e, on_sleep, &p), ==, 0);
	completion_init(&c, "wait_for_completion");
	task_spawn(e, "irqoff", task_wait_in_atomic, &w);
	engine_run(e);
	g_assert_true(w.returned);
	g_assert_cmpint(w.ret, ==, -ETIMEDOUT);
	g_assert_cmpuint(tp_count(e, TP_SLEEP_IN_ATOMIC), ==, 1);
	g_assert_cmpstr(p.what, ==, "wait_for_completion");
	engine_free(e);
}

/* ---- tracepoint probes ---- */

static void count_probe(void *ctx, struct engine *e, enum tracepoint tp, const struct tp_args *a)
{
	unsigned *n = ctx;

	(void)e;
	(void)a;
	if (tp == TP_POWER_OFF)
		(*n)++;
}

static void test_tracepoint_probes(void)
{
	struct engine *e = engine_new(1);
	unsigned a = 0, b = 0;

	g_assert_cmpint(tp_register(e, count_probe, &a), ==, 0);
	g_assert_cmpint(tp_register(e, count_probe, &b), ==, 0);
	tp_hit(e, TP_POWER_OFF, NULL);
	tp_hit(e, TP_MIGRATE_IRQ, NULL);
	g_assert_cmpuint(a, ==, 1);
	g_assert_cmpuint(b, ==, 1);
	tp_unregister(e, count_probe, &a);
	tp_hit(e, TP_POWER_OFF, NULL);
	g_assert_cmpuint(a, ==, 1);
	g_assert_cmpuint(b, ==, 2);
	g_assert_cmpuint(tp_count(e, TP_POWER_OFF), ==, 2);
	g_assert_cmpuint(tp_count(e, TP_MIGRATE_IRQ), ==, 1);
	/* A full probe table says so instead of dropping a probe silently. */
	for (unsigned i = 0; i < 7; i++) /* b is registered: 8 in all */
		g_assert_cmpint(tp_register(e, count_probe, &a), ==, 0);
	g_assert_cmpint(tp_register(e, count_probe, &a), ==, -ENOSPC);
	engine_free(e);
}

/* ---- PRNG and choice points ---- */

/* The documented generator: xoshiro256** seeded through splitmix64. */
static uint64_t ref_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t ref_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t ref_next(uint64_t s[4])
{
	uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ref_rotl(s[3], 45);
	return result;
}

static void test_prng_seeded(void)
{
	static const uint64_t seeds[] = {0, 1, 2, 42, 0xdeadbeef, UINT64_MAX};

	for (unsigned k = 0; k < G_N_ELEMENTS(seeds); k++) {
		struct engine *a = engine_new(seeds[k]);
		struct engine *b = engine_new(seeds[k]);
		struct engine *c = engine_new(seeds[k] + 1);
		uint64_t ref[4], x = seeds[k];
		unsigned differ = 0;

		for (int i = 0; i < 4; i++)
			ref[i] = ref_splitmix64(&x);
		g_assert_cmpuint(engine_seed(a), ==, seeds[k]);
		for (unsigned i = 0; i < 256; i++) {
			uint64_t va = engine_rand(a), vb = engine_rand(b), vc = engine_rand(c);
			g_assert_cmpuint(va, ==, vb);
			g_assert_cmpuint(va, ==, ref_next(ref));
			differ += va != vc;
		}
		/* Another seed gives another sequence (not a shifted copy either). */
		g_assert_cmpuint(differ, >, 250);
		engine_free(a);
		engine_free(b);
		engine_free(c);
	}
}

static void test_prng_sequences_differ(void)
{
	GHashTable *firsts = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

	for (uint64_t seed = 0; seed < 64; seed++) {
		struct engine *e = engine_new(seed);
		gint64 *v = g_new(gint64, 1);

		*v = (gint64)engine_rand(e);
		g_hash_table_add(firsts, v);
		engine_free(e);
	}
	g_assert_cmpuint(g_hash_table_size(firsts), ==, 64);
	g_hash_table_destroy(firsts);
}

static void test_choose_direct(void)
{
	struct engine *a = engine_new(9), *b = engine_new(9);
	unsigned hist[5] = {0};

	for (unsigned i = 0; i < 1000; i++) {
		unsigned pa = engine_choose(a, 5, "test"), pb = engine_choose(b, 5, "test");
		g_assert_cmpuint(pa, <, 5);
		g_assert_cmpuint(pa, ==, pb);
		hist[pa]++;
	}
	/* Every alternative is reachable. */
	for (unsigned i = 0; i < 5; i++)
		g_assert_cmpuint(hist[i], >, 100);
	/* A single alternative is no choice: it consumes no randomness. */
	g_assert_cmpuint(engine_choose(a, 1, "one"), ==, 0);
	g_assert_cmpuint(engine_rand(a), ==, engine_rand(b));
	engine_free(a);
	engine_free(b);
}

struct order {
	struct engine *e;
	GString *s;
	char id;
};

static void task_order(void *arg)
{
	struct order *o = arg;

	g_string_append_c(o->s, o->id);
	task_yield(o->e);
	g_string_append_c(o->s, (char)(o->id - 'a' + 'A'));
}

static char *run_ready_order(uint64_t seed)
{
	struct engine *e = engine_new(seed);
	GString *s = g_string_new("");
	struct order o[4];

	for (unsigned i = 0; i < 4; i++) {
		char name[2] = {(char)('a' + i), 0};
		o[i] = (struct order){e, s, (char)('a' + i)};
		task_spawn(e, name, task_order, &o[i]);
	}
	engine_run(e);
	g_assert_cmpuint(s->len, ==, 8);
	engine_free(e);
	return g_string_free(s, FALSE);
}

static void test_choose_ready_tasks(void)
{
	GHashTable *orders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (uint64_t seed = 1; seed <= 16; seed++) {
		char *a = run_ready_order(seed);
		char *b = run_ready_order(seed);

		g_assert_cmpstr(a, ==, b);
		g_free(b);
		g_hash_table_add(orders, a);
	}
	/* The order of ready tasks is the seed's choice, not spawn order. */
	g_test_message("%u distinct orders over 16 seeds", g_hash_table_size(orders));
	g_assert_cmpuint(g_hash_table_size(orders), >, 1);
	g_hash_table_destroy(orders);
}

/* ---- reach events ---- */

static void test_reach(void)
{
	struct engine *e = engine_new(1);
	GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);

	for (int r = 0; r < TP__COUNT; r++) {
		const char *name = tracepoint_name((enum tracepoint)r);

		g_assert_nonnull(name);
		g_assert_cmpstr(name, !=, "?");
		g_assert_cmpint(tracepoint_lookup(name), ==, r);
		g_assert_false(g_hash_table_contains(names, name));
		g_hash_table_add(names, (gpointer)name);
		g_assert_cmpuint(tp_count(e, (enum tracepoint)r), ==, 0);
	}
	g_assert_cmpint(tracepoint_lookup("no-such-event"), ==, -1);
	g_assert_cmpint(tracepoint_lookup(""), ==, -1);
	g_assert_cmpstr(tracepoint_name(TP__COUNT), ==, "?");
	g_assert_cmpint(tracepoint_lookup("power-off"), ==, TP_POWER_OFF);
	g_assert_cmpstr(tracepoint_name(TP_INTERRUPT_LOST), ==, "interrupt-lost");

	tp_hit(e, TP_POWER_OFF, NULL);
	tp_hit(e, TP_POWER_OFF, NULL);
	tp_hit(e, TP_MIGRATE_IRQ, NULL);
	g_assert_true(tracepoint_is_reach_event(TP_POWER_OFF));
	g_assert_false(tracepoint_is_reach_event(TP_PHASE_ENTER));
	g_assert_cmpuint(tp_count(e, TP_POWER_OFF), ==, 2);
	g_assert_cmpuint(tp_count(e, TP_MIGRATE_IRQ), ==, 1);
	g_assert_cmpuint(tp_count(e, TP_RETARGET_OK), ==, 0);
	g_hash_table_destroy(names);
	engine_free(e);
}

static void test_fmt_time(void)
{
	char buf[32], tiny[4];

	g_assert_cmpstr(engine_fmt_time(0, buf, sizeof(buf)), ==, "0ns");
	g_assert_cmpstr(engine_fmt_time(999, buf, sizeof(buf)), ==, "999ns");
	g_assert_cmpstr(engine_fmt_time(1000, buf, sizeof(buf)), ==, "1.000us");
	g_assert_cmpstr(engine_fmt_time(18500, buf, sizeof(buf)), ==, "18.500us");
	g_assert_cmpstr(engine_fmt_time(999999, buf, sizeof(buf)), ==, "999.999us");
	g_assert_cmpstr(engine_fmt_time(NSEC_PER_MSEC, buf, sizeof(buf)), ==, "1.000ms");
	g_assert_cmpstr(engine_fmt_time(2058000, buf, sizeof(buf)), ==, "2.058ms");
	/* Sub-microsecond digits are dropped in milliseconds. */
	g_assert_cmpstr(engine_fmt_time(2058999, buf, sizeof(buf)), ==, "2.058ms");
	g_assert_cmpstr(engine_fmt_time(3 * NSEC_PER_SEC, buf, sizeof(buf)), ==, "3000.000ms");
	g_assert_true(engine_fmt_time(5, buf, sizeof(buf)) == buf);
	/* A short buffer is truncated, still terminated. */
	g_assert_cmpstr(engine_fmt_time(2058000, tiny, sizeof(tiny)), ==, "2.0");
}

/* ---- trace ---- */

struct scen {
	struct engine *e;
	struct faults *f;
	struct completion *c; /* one per task; task 0 completes them all */
	unsigned id;
};

static void task_scen(void *arg)
{
	struct scen *s = arg;
	uint64_t status;

	task_yield(s->e);
	task_sleep(s->e, s->id * NSEC_PER_USEC);
	fault_check(s->f, FP_VMBUS_SEND, &status);
	task_yield(s->e);
	if (s->id == 0) {
		for (unsigned i = 1; i < 4; i++)
			complete(s->e, &s->c[i]);
	} else {
		completion_wait(s->e, &s->c[s->id], 0);
	}
	if (s->id == 2) {
		task_atomic_enter(s->e);
		task_sleep(s->e, 1);
		task_atomic_exit(s->e);
	}
}

static void ev_scen(struct engine *e, void *arg)
{
	(void)arg;
	tp_hit(e, TP_INTERRUPT_LOST, NULL);
}

/* ---- running on without a context switch ---- */

/* A request: the event completes it, as a host's answer would. */
struct pingpong {
	struct engine *e;
	struct completion c;
	struct log *l;
	const char *name;
	unsigned rounds;
	uint64_t gap_ns;
};

static void ev_answer(struct engine *e, void *arg)
{
	struct pingpong *p = arg;

	g_assert_null(task_current(e));
	complete(e, &p->c);
}

static void task_pingpong(void *arg)
{
	struct pingpong *p = arg;

	for (unsigned i = 0; i < p->rounds; i++) {
		completion_init(&p->c, "answer");
		engine_schedule(p->e, p->gap_ns, ev_answer, p);
		g_assert_cmpint(completion_wait(p->e, &p->c, 0), ==, 0);
		/* running again, as itself */
		g_assert_true(task_current(p->e) != NULL);
		g_assert_cmpstr(task_name(task_current(p->e)), ==, p->name);
		log_add(p->l, p->name);
	}
}

/* A task alone that waits 100 times for an event's answer is entered once
 * by engine_run: it runs the loop itself and goes on. engine_step enters it
 * once per answer, and both give the same log. */
static void test_task_runs_on_without_switch(void)
{
	GString *logs[2];

	for (int stepped = 0; stepped < 2; stepped++) {
		struct engine *e = engine_new(1);
		struct log l = {e, g_string_new("")};
		struct pingpong p = {.e = e, .l = &l, .name = "req", .rounds = 100, .gap_ns = 10};
		struct task *t = task_spawn(e, "req", task_pingpong, &p);

		if (stepped)
			while (engine_step(e, ENGINE_NO_LIMIT))
				;
		else
			engine_run(e);
		g_assert_true(task_done(t));
		g_assert_cmpuint(engine_now(e), ==, 1000);
		g_assert_cmpuint(engine_context_switches(e), ==, stepped ? 101 : 1);
		logs[stepped] = l.s;
		engine_free(e);
	}
	g_assert_cmpstr(logs[0]->str, ==, logs[1]->str);
	g_string_free(logs[0], TRUE);
	g_string_free(logs[1], TRUE);
}

/* Two such tasks at different paces: a waiting task that finds the other
 * one picked hands it to the main context, which runs it next without a
 * second choice; the log is engine_step's. */
static void test_task_hands_over_the_pick(void)
{
	GString *logs[2];
	uint64_t switches[2];

	for (int stepped = 0; stepped < 2; stepped++) {
		struct engine *e = engine_new(3);
		struct log l = {e, g_string_new("")};
		struct pingpong a = {.e = e, .l = &l, .name = "a", .rounds = 30, .gap_ns = 7};
		struct pingpong b = {.e = e, .l = &l, .name = "b", .rounds = 20, .gap_ns = 11};
		struct task *ta = task_spawn(e, "a", task_pingpong, &a);
		struct task *tb = task_spawn(e, "b", task_pingpong, &b);

		if (stepped)
			while (engine_step(e, ENGINE_NO_LIMIT))
				;
		else
			engine_run(e);
		g_assert_true(task_done(ta) && task_done(tb));
		switches[stepped] = engine_context_switches(e);
		logs[stepped] = l.s;
		engine_free(e);
	}
	g_assert_cmpstr(logs[0]->str, ==, logs[1]->str);
	g_assert_cmpuint(switches[1], ==, 52); /* each answer and each start */
	g_assert_cmpuint(switches[0], <, switches[1]);
	g_assert_cmpuint(switches[0], >, 2); /* they alternate */
	g_string_free(logs[0], TRUE);
	g_string_free(logs[1], TRUE);
}

/* A waiting task that runs the loop stops at engine_run_for's limit as the
 * main context would: the answer after the limit waits for the next run. */
static void test_task_runs_on_within_limit(void)
{
	struct engine *e = engine_new(1);
	struct log l = {e, g_string_new("")};
	struct pingpong p = {.e = e, .l = &l, .name = "req", .rounds = 3, .gap_ns = 100};
	struct task *t = task_spawn(e, "req", task_pingpong, &p);

	engine_run_for(e, 250);
	g_assert_cmpstr(l.s->str, ==, "req@100;req@200;");
	g_assert_cmpuint(engine_now(e), ==, 250);
	g_assert_false(task_done(t));
	engine_run_for(e, 49);
	g_assert_cmpstr(l.s->str, ==, "req@100;req@200;");
	g_assert_cmpuint(engine_now(e), ==, 299);
	engine_run_for(e, 1);
	g_assert_cmpstr(l.s->str, ==, "req@100;req@200;req@300;");
	g_assert_true(task_done(t));
	g_string_free(l.s, TRUE);
	engine_free(e);
}

/* A small world with choice points, faults, sleeps, completions and
 * violations; returns its trace (or NULL when untraced). */
static char *run_traced_how(uint64_t seed, bool traced, bool stepped)
{
	struct engine *e = engine_new(seed);
	struct trace *t = traced ? trace_new_memory() : NULL;
	struct faults *f = faults_new(e);
	struct fault_rule r = {.point = FP_VMBUS_SEND,
	                       .mode = FAULT_PROBABILITY,
	                       .probability = 0.5,
	                       .phase = -1,
	                       .enabled = true};
	struct scen s[4];
	struct completion c[4];
	char *out = NULL;

	engine_set_trace(e, t);
	g_assert_true(engine_trace(e) == t);
	faults_add(f, &r);
	for (unsigned i = 0; i < 4; i++) {
		char name[8];

		s[i] = (struct scen){.e = e, .f = f, .c = c, .id = i};
		completion_init(&c[i], "scen");
		g_snprintf(name, sizeof(name), "t%u", i);
		task_spawn(e, name, task_scen, &s[i]);
	}
	engine_schedule(e, 2 * NSEC_PER_USEC, ev_scen, NULL);
	if (stepped) {
		unsigned steps = 0;
		while (engine_step(e, ENGINE_NO_LIMIT))
			steps++;
		g_assert_cmpuint(steps, >, 4);
		g_assert_false(engine_step(e, ENGINE_NO_LIMIT));
	} else {
		engine_run(e);
	}
	if (t) {
		out = g_strdup(trace_contents(t));
		engine_set_trace(e, NULL);
		trace_free(t);
	}
	faults_free(f);
	engine_free(e);
	return out;
}

static char *run_traced(uint64_t seed, bool traced)
{
	return run_traced_how(seed, traced, false);
}

/* engine_run is engine_step until it returns false: same trace, same
 * choices, for every seed. */
static void test_step_same_as_run(void)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		g_autofree char *a = run_traced_how(seed, true, false);
		g_autofree char *b = run_traced_how(seed, true, true);
		g_assert_cmpstr(a, ==, b);
	}
}

static void check_trace_line(const char *line)
{
	struct json_object *o = json_tokener_parse(line), *v;

	g_assert_nonnull(o);
	g_assert_true(json_object_is_type(o, json_type_object));
	g_assert_true(json_object_object_get_ex(o, "t", &v));
	g_assert_true(json_object_is_type(v, json_type_int));
	g_assert_cmpint(json_object_get_int64(v), >=, 0);
	g_assert_true(json_object_object_get_ex(o, "task", &v));
	g_assert_true(json_object_is_type(v, json_type_string));
	g_assert_true(json_object_object_get_ex(o, "comp", &v));
	g_assert_true(json_object_is_type(v, json_type_string));
	g_assert_true(json_object_object_get_ex(o, "ev", &v));
	g_assert_true(json_object_is_type(v, json_type_string));
	json_object_put(o);
}

static void test_trace_deterministic(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		char *a = run_traced(seed, true);
		char *b = run_traced(seed, true);
		gchar **lines;
		guint n;
		bool saw_choice = false, saw_fault_or_violation = false;

		g_assert_nonnull(a);
		g_assert_cmpuint(strlen(a), >, 0);
		g_assert_cmpstr(a, ==, b);
		/* One JSON object per line, every line ended by a newline. */
		g_assert_true(g_str_has_suffix(a, "\n"));
		lines = g_strsplit(a, "\n", -1);
		n = g_strv_length(lines);
		g_assert_cmpuint(n, >=, 2);
		g_assert_cmpstr(lines[n - 1], ==, "");
		for (guint i = 0; i + 1 < n; i++) {
			check_trace_line(lines[i]);
			if (strstr(lines[i], "\"ev\":\"choice\""))
				saw_choice = true;
			if (strstr(lines[i], "\"ev\":\"inject\"") ||
			    strstr(lines[i], "\"ev\":\"violation\""))
				saw_fault_or_violation = true;
		}
		g_assert_true(saw_choice);
		g_assert_true(saw_fault_or_violation);
		g_strfreev(lines);
		g_free(a);
		g_free(b);
	}
}

static void test_trace_fields(void)
{
	struct engine *e = engine_new(1);
	struct trace *t = trace_new_memory();
	struct json_object *o, *v;
	gchar **lines;

	g_assert_cmpstr(trace_contents(t), ==, "");
	engine_set_trace(e, t);
	tp_phase(e, PHASE_RESUME, true);
	/* trace.h: fields_fmt may be "" for no fields. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-zero-length"
	TRACE(e, "test", "plain", "");
#pragma GCC diagnostic pop
	TRACE(e, "test", "fields", "\"n\":%d,\"s\":\"%s\"", 5, "x");
	lines = g_strsplit(trace_contents(t), "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 4);
	g_assert_cmpstr(lines[0], ==,
	                "{\"t\":0,\"task\":\"-\",\"comp\":\"phase\",\"ev\":\"enter\","
	                "\"phase\":\"resume\"}");
	g_assert_cmpstr(lines[1], ==,
	                "{\"t\":0,\"task\":\"-\",\"comp\":\"test\",\"ev\":\"plain\"}");
	o = json_tokener_parse(lines[2]);
	g_assert_nonnull(o);
	g_assert_true(json_object_object_get_ex(o, "n", &v));
	g_assert_cmpint(json_object_get_int(v), ==, 5);
	g_assert_true(json_object_object_get_ex(o, "s", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "x");
	json_object_put(o);
	g_strfreev(lines);
	engine_set_trace(e, NULL);
	trace_free(t);
	engine_free(e);
}

/* The trace's own formatter writes what printf writes, for the specifiers
 * it knows and (through its fallback) for those it does not. */
#define CHECK_FIELDS(...)                                                                          \
	do {                                                                                       \
		g_autofree char *want_ = g_strdup_printf(                                          \
		    "{\"t\":0,\"task\":\"-\",\"comp\":\"c\",\"ev\":\"e\"," __VA_ARGS__);           \
		g_autofree char *line_ = g_strconcat(want_, "}\n", NULL);                          \
		size_t before_ = strlen(trace_contents(t));                                        \
		TRACE(e, "c", "e", __VA_ARGS__);                                                   \
		g_assert_cmpstr(trace_contents(t) + before_, ==, line_);                           \
	} while (0)

static void test_trace_formats(void)
{
	struct engine *e = engine_new(1);
	struct trace *t = trace_new_memory();
	const char *null_str = NULL;
	char long_str[3000];

	memset(long_str, 'a', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = 0;
	engine_set_trace(e, t);
	CHECK_FIELDS("\"u\":%u,\"u0\":%u,\"umax\":%u", 42u, 0u, UINT32_MAX);
	CHECK_FIELDS("\"d\":%d,\"neg\":%d,\"min\":%d,\"i\":%i", 7, -7, INT32_MIN, 0);
	CHECK_FIELDS("\"x\":\"%#x\",\"x0\":\"%#x\",\"X\":\"%#X\",\"h\":\"%x\"", 0xc0000059u, 0u,
	             0xabcu, 0xdeadu);
	CHECK_FIELDS("\"a\":\"%#" G_GINT64_MODIFIER "x\",\"b\":%" G_GUINT64_FORMAT
	             ",\"c\":%" G_GINT64_FORMAT,
	             (guint64)0xfee00000ull, G_MAXUINT64, G_MININT64);
	CHECK_FIELDS("\"z\":%zu,\"lu\":%lu,\"llu\":%llu,\"hhu\":%hhu,\"hu\":%hu", (size_t)12,
	             123456789012ul, 1ull << 63, 300u, 70000u);
	CHECK_FIELDS("\"s\":\"%s\",\"empty\":\"%s\",\"c\":\"%c\",\"pct\":\"%%\"", "str", "", 'q');
	CHECK_FIELDS("\"long\":\"%s\",\"n\":%u", long_str, 3u);
	CHECK_FIELDS("\"a\":%u,\"b\":%u,\"c\":%u,\"d\":%u,\"e\":%u,\"f\":%u", 0u, 9u, 10u, 99u,
	             100u, UINT32_MAX);
	CHECK_FIELDS("\"a\":%" G_GUINT64_FORMAT ",\"b\":%" G_GUINT64_FORMAT
	             ",\"c\":%" G_GUINT64_FORMAT ",\"d\":%" G_GUINT64_FORMAT,
	             (guint64)UINT32_MAX + 1, (guint64)1000000007, (guint64)12345678901234ull,
	             (guint64)10000000000000000000ull);
#define X16  "xxxxxxxxxxxxxxxx"
#define X256 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16
	CHECK_FIELDS("\"lit\":\"" X256 X256 X256 X256 X256 "\",\"n\":%u,\"s\":\"%s\"", 5u,
	             long_str);
#undef X256
#undef X16
	/* beyond the fast path: width, precision, flags */
	CHECK_FIELDS("\"w\":\"%5u\",\"p\":\"%.2s\",\"z\":\"%08x\",\"m\":\"%-3d\"", 4u, "abc", 0x1fu,
	             -1);
	CHECK_FIELDS("\"after-fallback\":\"%s\",\"w\":%3u,\"long\":\"%s\"", "x", 1u, long_str);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
	CHECK_FIELDS("\"null\":\"%s\"", null_str);
#pragma GCC diagnostic pop
	engine_set_trace(e, NULL);
	trace_free(t);
	engine_free(e);
}

static void task_trace_in_task(void *arg)
{
	struct engine *e = arg;

	task_sleep(e, 123);
	TRACE(e, "test", "in-task", "\"x\":%d", 1);
}

/* The "task" key names the running task; "t" is the virtual time. */
static void test_trace_task_and_time(void)
{
	struct engine *e = engine_new(1);
	struct trace *t = trace_new_memory();

	engine_set_trace(e, t);
	task_spawn(e, "tracer", task_trace_in_task, e);
	engine_run(e);
	g_assert_cmpstr(
	    trace_contents(t), ==,
	    "{\"t\":123,\"task\":\"tracer\",\"comp\":\"test\",\"ev\":\"in-task\",\"x\":1}\n");
	engine_set_trace(e, NULL);
	trace_free(t);
	engine_free(e);
}

static void test_trace_off(void)
{
	struct engine *e = engine_new(1);
	struct trace *t = trace_new_memory();
	char *none;

	/* No trace: nothing to write to, and running still works. */
	g_assert_null(engine_trace(e));
	none = run_traced(3, false);
	g_assert_null(none);

	/* Tracing switched off mid-run: nothing more is collected. */
	engine_set_trace(e, t);
	engine_choose(e, 3, "on");
	g_assert_cmpuint(strlen(trace_contents(t)), >, 0);
	{
		char *before = g_strdup(trace_contents(t));

		engine_set_trace(e, NULL);
		g_assert_null(engine_trace(e));
		engine_choose(e, 3, "off");
		tp_phase(e, PHASE_BOOT, true);
		TRACE(e, "test", "off", "\"x\":%d", 1);
		g_assert_cmpstr(trace_contents(t), ==, before);
		g_free(before);
	}
	trace_free(t);
	trace_free(NULL);
	engine_free(e);
}

/* The file trace writes the same lines the memory trace collects. */
static void test_trace_file(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct engine *e1 = engine_new(5), *e2 = engine_new(5);
	struct trace *tf = trace_new_file(f), *tm = trace_new_memory();

	g_assert_nonnull(f);
	engine_set_trace(e1, tf);
	engine_set_trace(e2, tm);
	for (unsigned i = 0; i < 10; i++) {
		engine_choose(e1, 4, "p");
		engine_choose(e2, 4, "p");
	}
	g_assert_cmpstr(trace_contents(tf), ==, "");
	fclose(f);
	g_assert_cmpstr(buf, ==, trace_contents(tm));
	g_assert_cmpuint(len, >, 0);
	free(buf);
	trace_free(tf);
	trace_free(tm);
	engine_free(e1);
	engine_free(e2);
}

struct cb_seen {
	GString *lines;
	GString *events;
};

static void on_line(void *ctx, const char *comp, const char *ev, const char *line, size_t len)
{
	struct cb_seen *s = ctx;

	g_assert_cmpuint(strlen(line), ==, len);
	g_assert_true(line[len - 1] == '\n');
	g_string_append_len(s->lines, line, (gssize)len);
	g_string_append_printf(s->events, "%s.%s;", comp, ev);
}

/* A callback sink sees each line as it is emitted, the same bytes as a
 * memory trace, with its component and event. */
static void test_trace_callback(void)
{
	struct engine *e1 = engine_new(5), *e2 = engine_new(5);
	struct cb_seen seen = {g_string_new(""), g_string_new("")};
	struct trace *tc = trace_new_callback(on_line, &seen), *tm = trace_new_memory();

	engine_set_trace(e1, tc);
	engine_set_trace(e2, tm);
	for (unsigned i = 0; i < 3; i++) {
		engine_choose(e1, 4, "p");
		engine_choose(e2, 4, "p");
	}
	g_assert_cmpstr(seen.lines->str, ==, trace_contents(tm));
	g_assert_cmpstr(seen.events->str, ==, "engine.choice;engine.choice;engine.choice;");
	g_assert_cmpstr(trace_contents(tc), ==, "");
	g_string_free(seen.lines, TRUE);
	g_string_free(seen.events, TRUE);
	trace_free(tc);
	trace_free(tm);
	engine_free(e1);
	engine_free(e2);
}

/* ---- fault rules ---- */

static struct fault_rule rule(const char *name, enum fault_point p, enum fault_mode m)
{
	return (struct fault_rule){
	    .name = name, .point = p, .mode = m, .phase = -1, .enabled = true};
}

/* Hits point p n times; returns a string of 1 (fired) and 0. */
static char *pattern(struct faults *f, enum fault_point p, unsigned n)
{
	GString *s = g_string_new("");

	for (unsigned i = 0; i < n; i++)
		g_string_append_c(s, fault_check(f, p, NULL) ? '1' : '0');
	return g_string_free(s, FALSE);
}

static void check_pattern(struct faults *f, enum fault_point p, const char *want)
{
	char *got = pattern(f, p, (unsigned)strlen(want));

	g_assert_cmpstr(got, ==, want);
	g_free(got);
}

static void test_fault_none(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	uint64_t status = 0x1234;

	g_assert_false(fault_check(f, FP_VSP_D0_ENTRY, &status));
	g_assert_cmpuint(status, ==, 0x1234);
	g_assert_cmpuint(fault_hits(f, FP_VSP_D0_ENTRY), ==, 1);
	g_assert_cmpuint(fault_hits(f, FP_VMBUS_SEND), ==, 0);
	g_assert_cmpuint(tp_count(e, TP_FAULT_INJECTED), ==, 0);
	faults_free(f);
	faults_free(NULL);
	engine_free(e);
}

static void test_fault_once(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("once", FP_VSP_CREATE_INTERRUPT, FAULT_ONCE);

	faults_add(f, &r);
	check_pattern(f, FP_VSP_CREATE_INTERRUPT, "1000000000");
	/* Other points are not affected. */
	check_pattern(f, FP_VSP_D0_ENTRY, "00000");
	g_assert_cmpuint(fault_hits(f, FP_VSP_CREATE_INTERRUPT), ==, 10);
	g_assert_cmpuint(fault_hits(f, FP_VSP_D0_ENTRY), ==, 5);
	g_assert_cmpuint(tp_count(e, TP_FAULT_INJECTED), ==, 1);
	faults_free(f);
	engine_free(e);
}

static void test_fault_nth(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("third", FP_HYPERCALL_RETARGET, FAULT_NTH);

	r.n = 3;
	faults_add(f, &r);
	check_pattern(f, FP_HYPERCALL_RETARGET, "0010000000");
	g_assert_cmpuint(tp_count(e, TP_FAULT_INJECTED), ==, 1);
	faults_free(f);

	/* n = 1 is the first hit. */
	f = faults_new(e);
	r.n = 1;
	faults_add(f, &r);
	check_pattern(f, FP_HYPERCALL_RETARGET, "1000");
	faults_free(f);
	engine_free(e);
}

static void test_fault_every(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("all", FP_VMBUS_SEND, FAULT_EVERY);

	faults_add(f, &r);
	check_pattern(f, FP_VMBUS_SEND, "11111111");
	check_pattern(f, FP_VSP_D0_ENTRY, "000");
	g_assert_cmpuint(tp_count(e, TP_FAULT_INJECTED), ==, 8);
	faults_free(f);
	engine_free(e);
}

static char *probability_pattern(uint64_t seed, double p, unsigned n)
{
	struct engine *e = engine_new(seed);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("p", FP_VMBUS_SEND, FAULT_PROBABILITY);
	char *s;

	r.probability = p;
	faults_add(f, &r);
	s = pattern(f, FP_VMBUS_SEND, n);
	faults_free(f);
	engine_free(e);
	return s;
}

static void test_fault_probability(void)
{
	char *zero = probability_pattern(1, 0.0, 200);
	char *one = probability_pattern(1, 1.0, 200);
	char *a = probability_pattern(17, 0.5, 200);
	char *b = probability_pattern(17, 0.5, 200);
	char *c = probability_pattern(18, 0.5, 200);
	unsigned ones = 0;

	g_assert_null(strchr(zero, '1'));
	g_assert_null(strchr(one, '0'));
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	for (const char *p = a; *p; p++)
		ones += *p == '1';
	/* Roughly half (far outside any plausible binomial tail otherwise). */
	g_assert_cmpuint(ones, >, 60);
	g_assert_cmpuint(ones, <, 140);
	g_free(zero);
	g_free(one);
	g_free(a);
	g_free(b);
	g_free(c);
}

static void test_fault_phase(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("hib", FP_VSP_D0_ENTRY, FAULT_EVERY);

	r.phase = PHASE_HIBERNATE;
	faults_add(f, &r);
	g_assert_false(faults_in_phase(f, PHASE_HIBERNATE));
	check_pattern(f, FP_VSP_D0_ENTRY, "000");
	/* Another phase does not open this one. */
	faults_phase_enter(f, PHASE_RESUME);
	check_pattern(f, FP_VSP_D0_ENTRY, "00");
	faults_phase_enter(f, PHASE_HIBERNATE);
	g_assert_true(faults_in_phase(f, PHASE_HIBERNATE));
	check_pattern(f, FP_VSP_D0_ENTRY, "111");
	/* Phases nest: still open after one of two exits. */
	faults_phase_enter(f, PHASE_HIBERNATE);
	faults_phase_exit(f, PHASE_HIBERNATE);
	g_assert_true(faults_in_phase(f, PHASE_HIBERNATE));
	check_pattern(f, FP_VSP_D0_ENTRY, "1");
	faults_phase_exit(f, PHASE_HIBERNATE);
	g_assert_false(faults_in_phase(f, PHASE_HIBERNATE));
	check_pattern(f, FP_VSP_D0_ENTRY, "000");
	faults_phase_exit(f, PHASE_RESUME);
	g_assert_false(faults_in_phase(f, PHASE_RESUME));
	faults_free(f);
	engine_free(e);
}

/* An nth rule counts only the hits seen inside its phase. */
static void test_fault_phase_nth(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("boot2", FP_VSP_CREATE_INTERRUPT, FAULT_NTH);

	r.n = 2;
	r.phase = PHASE_BOOT;
	faults_add(f, &r);
	check_pattern(f, FP_VSP_CREATE_INTERRUPT, "0000");
	faults_phase_enter(f, PHASE_BOOT);
	check_pattern(f, FP_VSP_CREATE_INTERRUPT, "0100");
	faults_phase_exit(f, PHASE_BOOT);
	faults_free(f);
	engine_free(e);
}

static void test_fault_set_enabled(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule r = rule("toggle", FP_VMBUS_SEND, FAULT_EVERY);
	struct fault_rule unnamed = rule(NULL, FP_VSP_D0_ENTRY, FAULT_EVERY);

	r.enabled = false;
	faults_add(f, &r);
	/* A disabled rule does not fire. */
	check_pattern(f, FP_VMBUS_SEND, "000");
	g_assert_true(faults_set_enabled(f, "toggle", true));
	check_pattern(f, FP_VMBUS_SEND, "11");
	g_assert_true(faults_set_enabled(f, "toggle", false));
	check_pattern(f, FP_VMBUS_SEND, "00");
	g_assert_false(faults_set_enabled(f, "no-such-rule", true));
	check_pattern(f, FP_VMBUS_SEND, "0");
	/* A rule without a name is named after its point. */
	faults_add(f, &unnamed);
	check_pattern(f, FP_VSP_D0_ENTRY, "1");
	g_assert_true(faults_set_enabled(f, "vsp.d0-entry", false));
	check_pattern(f, FP_VSP_D0_ENTRY, "0");
	faults_free(f);
	engine_free(e);
}

/* The rules can be read back in order, with what each saw. */
static void test_fault_rules_listed(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule a = rule("a", FP_VMBUS_SEND, FAULT_NTH),
	                  b = rule("b", FP_VSP_D0_ENTRY, FAULT_ONCE);
	struct fault_rule out;
	unsigned hits, fired;

	a.n = 2;
	b.enabled = false;
	faults_add(f, &a);
	faults_add(f, &b);
	check_pattern(f, FP_VMBUS_SEND, "010");
	g_assert_cmpuint(faults_rule_count(f), ==, 2);
	g_assert_true(faults_rule_get(f, 0, &out, &hits, &fired));
	g_assert_cmpstr(out.name, ==, "a");
	g_assert_cmpuint(out.n, ==, 2);
	g_assert_cmpuint(hits, ==, 3);
	g_assert_cmpuint(fired, ==, 1);
	g_assert_true(faults_rule_get(f, 1, &out, &hits, &fired));
	g_assert_cmpstr(out.name, ==, "b");
	g_assert_false(out.enabled);
	g_assert_cmpuint(hits, ==, 0);
	g_assert_false(faults_rule_get(f, 2, &out, NULL, NULL));
	faults_free(f);
	engine_free(e);
}

/* The rule's name is copied: the caller's buffer may go away. */
static void test_fault_name_copied(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	char *name = g_strdup("temp-name");
	struct fault_rule r = rule(name, FP_VMBUS_SEND, FAULT_EVERY);

	faults_add(f, &r);
	g_free(name);
	g_assert_true(faults_set_enabled(f, "temp-name", false));
	check_pattern(f, FP_VMBUS_SEND, "0");
	faults_free(f);
	engine_free(e);
}

static void test_fault_status(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule with = rule("with", FP_HYPERCALL_RETARGET, FAULT_EVERY);
	struct fault_rule without = rule("without", FP_VSP_CREATE_INTERRUPT, FAULT_EVERY);
	uint64_t status = 0;

	with.status_set = true;
	with.status = 0x1d;
	faults_add(f, &with);
	faults_add(f, &without);
	g_assert_true(fault_check(f, FP_HYPERCALL_RETARGET, &status));
	g_assert_cmpuint(status, ==, 0x1d);
	g_assert_true(fault_check(f, FP_VSP_CREATE_INTERRUPT, &status));
	g_assert_cmpuint(status, ==, fault_point_default_status(FP_VSP_CREATE_INTERRUPT));
	/* A NULL status pointer is allowed. */
	g_assert_true(fault_check(f, FP_HYPERCALL_RETARGET, NULL));
	/* Default statuses are failures where a status is reported. */
	g_assert_cmpuint(fault_point_default_status(FP_HYPERCALL_RETARGET), !=, 0);
	g_assert_cmpuint(fault_point_default_status(FP_VSP_CREATE_INTERRUPT), !=, 0);
	g_assert_cmpuint(fault_point_default_status(FP_VSP_D0_ENTRY), !=, 0);
	g_assert_cmpuint(fault_point_default_status(FP_VMBUS_SEND), ==, 0);
	faults_free(f);
	engine_free(e);
}

/* Rules are tried in declaration order; the first that fires decides. */
static void test_fault_rule_order(void)
{
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct fault_rule first = rule("first", FP_HYPERCALL_RETARGET, FAULT_NTH);
	struct fault_rule second = rule("second", FP_HYPERCALL_RETARGET, FAULT_EVERY);
	uint64_t status = 0;

	first.n = 2;
	first.status_set = true;
	first.status = 1;
	second.status_set = true;
	second.status = 2;
	faults_add(f, &first);
	faults_add(f, &second);
	g_assert_true(fault_check(f, FP_HYPERCALL_RETARGET, &status));
	g_assert_cmpuint(status, ==, 2);
	g_assert_true(fault_check(f, FP_HYPERCALL_RETARGET, &status));
	g_assert_cmpuint(status, ==, 1);
	g_assert_true(fault_check(f, FP_HYPERCALL_RETARGET, &status));
	g_assert_cmpuint(status, ==, 2);
	faults_free(f);
	engine_free(e);
}

static void test_fault_names(void)
{
	for (int p = 0; p < FP__COUNT; p++) {
		const char *n = fault_point_name((enum fault_point)p);

		g_assert_nonnull(n);
		g_assert_cmpint(fault_point_lookup(n), ==, p);
	}
	for (int m = FAULT_ONCE; m <= FAULT_PROBABILITY; m++) {
		const char *n = fault_mode_name((enum fault_mode)m);

		g_assert_nonnull(n);
		g_assert_cmpint(fault_mode_lookup(n), ==, m);
	}
	for (int p = 0; p < PHASE__COUNT; p++) {
		const char *n = phase_name((enum phase)p);

		g_assert_nonnull(n);
		g_assert_cmpint(phase_lookup(n), ==, p);
	}
	g_assert_cmpint(fault_point_lookup("vsp.nothing"), ==, -1);
	g_assert_cmpint(fault_mode_lookup("sometimes"), ==, -1);
	g_assert_cmpint(phase_lookup("suspend-to-ram"), ==, -1);
	g_assert_cmpint(fault_point_lookup(""), ==, -1);
	g_assert_cmpint(fault_mode_lookup(""), ==, -1);
	g_assert_cmpint(phase_lookup(""), ==, -1);
	g_assert_cmpint(fault_point_lookup("vmbus.send"), ==, FP_VMBUS_SEND);
	g_assert_cmpint(fault_mode_lookup("nth"), ==, FAULT_NTH);
	g_assert_cmpint(phase_lookup("hibernate"), ==, PHASE_HIBERNATE);
}

/* A task reaped while its timeout is still queued: the stale timer pops
 * later without touching freed memory (ASan watches) and without moving the
 * clock; one still queued when the engine is freed is released too. */
static void test_reap_with_pending_timer(void)
{
	struct engine *e = engine_new(1);
	struct completion c, c2;
	struct waiter w = {.e = e, .c = &c, .timeout = NSEC_PER_MSEC};
	struct waiter w2 = {.e = e, .c = &c2, .timeout = NSEC_PER_SEC};
	struct task *t = task_spawn(e, "waiter", task_waiter, &w);
	struct task *t2 = task_spawn(e, "waiter2", task_waiter, &w2);

	completion_init(&c, "reap");
	completion_init(&c2, "reap2");
	engine_schedule(e, 10 * NSEC_PER_USEC, ev_complete, &c);
	engine_schedule(e, 10 * NSEC_PER_USEC, ev_complete, &c2);
	engine_run_for(e, 20 * NSEC_PER_USEC);
	g_assert_true(w.returned && w2.returned);
	g_assert_true(task_done(t) && task_done(t2));
	task_reap(e, t);
	task_reap(e, t2);
	engine_run_for(e, 2 * NSEC_PER_MSEC); /* t's stale timer pops here */
	g_assert_cmpuint(engine_now(e), ==, 2 * NSEC_PER_MSEC + 20 * NSEC_PER_USEC);
	engine_free(e); /* t2's timer is still queued */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/clock/event-order", test_clock_event_order);
	g_test_add_func("/engine/clock/same-time-fifo", test_clock_same_time_fifo);
	g_test_add_func("/engine/clock/heap-churn", test_clock_heap_churn);
	g_test_add_func("/engine/clock/nested-schedule", test_clock_nested_schedule);
	g_test_add_func("/engine/clock/run-for", test_clock_run_for);
	g_test_add_func("/engine/clock/run-for-huge", test_clock_run_for_huge);
	g_test_add_func("/engine/task/sleep-udelay", test_task_sleep_udelay);
	g_test_add_func("/engine/task/runs-without-moving-clock",
	                test_task_runs_without_moving_clock);
	g_test_add_func("/engine/task/yield", test_task_yield);
	g_test_add_func("/engine/task/yield-alone", test_task_yield_alone);
	g_test_add_func("/engine/task/reap-reuse", test_task_reap_reuse);
	g_test_add_func("/engine/task/names", test_task_names);
	g_test_add_func("/engine/task/stacks-across-engines", test_task_stacks_across_engines);
	g_test_add_func("/engine/completion/wake", test_completion_wake);
	g_test_add_func("/engine/completion/already-done", test_completion_already_done);
	g_test_add_func("/engine/completion/timeout", test_completion_timeout);
	g_test_add_func("/engine/completion/stale-timeout-keeps-clock",
	                test_stale_timeout_keeps_clock);
	g_test_add_func("/engine/completion/stale-timeout-not-delivered",
	                test_stale_timeout_not_delivered);
	g_test_add_func("/engine/completion/poll-atomic", test_completion_poll_atomic);
	g_test_add_func("/engine/completion/poll-step", test_completion_poll_step);
	g_test_add_func("/engine/completion/reap-with-pending-timer", test_reap_with_pending_timer);
	g_test_add_func("/engine/completion/two-waiters", test_completion_two_waiters);
	g_test_add_func("/engine/blocked/reported", test_blocked_reported);
	g_test_add_func("/engine/tasks-listed", test_tasks_listed);
	g_test_add_func("/engine/blocked/sleeping", test_blocked_sleeping);
	g_test_add_func("/engine/atomic/sleep-in-atomic", test_sleep_in_atomic);
	g_test_add_func("/engine/atomic/sleep-in-event", test_sleep_in_event_context);
	g_test_add_func("/engine/atomic/wait-in-atomic", test_wait_in_atomic);
	g_test_add_func("/engine/tracepoint/probes", test_tracepoint_probes);
	g_test_add_func("/engine/prng/seeded", test_prng_seeded);
	g_test_add_func("/engine/prng/sequences-differ", test_prng_sequences_differ);
	g_test_add_func("/engine/choose/direct", test_choose_direct);
	g_test_add_func("/engine/choose/ready-tasks", test_choose_ready_tasks);
	g_test_add_func("/engine/reach", test_reach);
	g_test_add_func("/engine/fmt-time", test_fmt_time);
	g_test_add_func("/engine/trace/deterministic", test_trace_deterministic);
	g_test_add_func("/engine/step/same-as-run", test_step_same_as_run);
	g_test_add_func("/engine/step/limit", test_clock_step);
	g_test_add_func("/engine/task/runs-on-without-switch", test_task_runs_on_without_switch);
	g_test_add_func("/engine/task/hands-over-the-pick", test_task_hands_over_the_pick);
	g_test_add_func("/engine/task/runs-on-within-limit", test_task_runs_on_within_limit);
	g_test_add_func("/engine/trace/fields", test_trace_fields);
	g_test_add_func("/engine/trace/formats", test_trace_formats);
	g_test_add_func("/engine/trace/task-and-time", test_trace_task_and_time);
	g_test_add_func("/engine/trace/off", test_trace_off);
	g_test_add_func("/engine/trace/file", test_trace_file);
	g_test_add_func("/engine/trace/callback", test_trace_callback);
	g_test_add_func("/fault/none", test_fault_none);
	g_test_add_func("/fault/once", test_fault_once);
	g_test_add_func("/fault/nth", test_fault_nth);
	g_test_add_func("/fault/every", test_fault_every);
	g_test_add_func("/fault/probability", test_fault_probability);
	g_test_add_func("/fault/phase", test_fault_phase);
	g_test_add_func("/fault/phase-nth", test_fault_phase_nth);
	g_test_add_func("/fault/set-enabled", test_fault_set_enabled);
	g_test_add_func("/fault/rules-listed", test_fault_rules_listed);
	g_test_add_func("/fault/name-copied", test_fault_name_copied);
	g_test_add_func("/fault/status", test_fault_status);
	g_test_add_func("/fault/rule-order", test_fault_rule_order);
	g_test_add_func("/fault/names", test_fault_names);
	return g_test_run();
}
