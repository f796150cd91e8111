/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine.h"
#include "tracepoint.h"
#include "coro.h"
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>

/* A task's stack also runs the events it processes while it waits
 * (task_switch_away): host handlers on top of the deepest guest path. Every
 * test and shipped scenario passes with 16 KB; a guard page below each
 * stack turns an overflow into a fault. */
#if defined(__SANITIZE_ADDRESS__)
#define TASK_STACK_SIZE (512 * 1024)
#else
#define TASK_STACK_SIZE (128 * 1024)
#endif

enum task_state { TASK_READY, TASK_RUNNING, TASK_BLOCKED, TASK_DONE };

#define TASK_NAME_INLINE 32 /* names this long or shorter need no allocation */
#define SPARE_TASKS      16 /* finished tasks kept for the next spawn */
#define SPARE_COROS      8  /* and their coroutines, before the process pool */

struct task {
	struct engine *e;
	char *name; /* name_buf, or allocated if longer */
	char name_buf[TASK_NAME_INLINE];
	struct coro *co;
	task_fn fn;
	void *arg;
	enum task_state state;
	unsigned atomic;
	const char *waiting_on;
	uint64_t wait_gen;
	bool timed_out;
	bool daemon;
	struct task *next_waiter; /* on a completion's waiter list */
	unsigned timers;          /* timer events still queued for this task */
	bool reaped;              /* freed when its last timer event is gone */
};

typedef void (*tagged_fn)(struct engine *e, void *arg, uint64_t tag);

#define ENGINE_MAX_PROBES 8

struct event {
	uint64_t time;
	uint64_t seq;
	event_fn fn;
	tagged_fn tfn;
	void *arg;
	uint64_t tag;
};

struct engine {
	uint64_t now;
	uint64_t seed;
	uint64_t rng[4];
	uint64_t seq;
	struct event *heap; /* a binary min-heap on (time, seq) */
	unsigned nheap, heap_cap;
	struct task **ready; /* in the order they became ready */
	unsigned nready, ready_cap;
	GPtrArray *tasks;         /* in spawn order */
	struct task *spare_tasks; /* freed tasks, linked by next_waiter */
	unsigned nspare_tasks;
	struct coro *spare_coros[SPARE_COROS]; /* finished, ready for a new task */
	unsigned nspare_coros;
	struct task *current;
	struct task *next;  /* picked by a task that switched away: runs next */
	uint64_t run_limit; /* the limit of the engine_run_for in progress */
	bool in_run;        /* inside engine_run_for: tasks may schedule inline */
	uint64_t switches;  /* times the main context entered a task */
	struct coro_main main;
	struct trace *trace;
	uint64_t tp_counts[TP__COUNT];
	struct {
		tp_probe_fn fn;
		void *ctx;
	} probes[ENGINE_MAX_PROBES];
	unsigned nprobes;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void task_free(struct task *t)
{
	if (t->co)
		coro_pool_put(t->co); /* destroyed unless it can run another task */
	if (t->name != t->name_buf)
		g_free(t->name);
	g_free(t);
}

/* A task nothing refers to any more: kept for the next spawn. */
static void task_release(struct engine *e, struct task *t)
{
	if (e->nspare_tasks >= SPARE_TASKS) {
		task_free(t);
		return;
	}
	if (t->co)
		coro_pool_put(t->co);
	if (t->name != t->name_buf)
		g_free(t->name);
	t->next_waiter = e->spare_tasks;
	e->spare_tasks = t;
	e->nspare_tasks++;
}

static void ready_add(struct engine *e, struct task *t)
{
	if (e->nready == e->ready_cap) {
		e->ready_cap = e->ready_cap ? 2 * e->ready_cap : 16;
		e->ready = g_renew(struct task *, e->ready, e->ready_cap);
	}
	e->ready[e->nready++] = t;
}

/* Removes ready[i], keeping the others in order. */
static struct task *ready_take(struct engine *e, unsigned i)
{
	struct task *t = e->ready[i];

	/* most often the only one: no call for nothing */
	if (i + 1 < e->nready)
		memmove(&e->ready[i], &e->ready[i + 1], (e->nready - i - 1) * sizeof(e->ready[0]));
	e->nready--;
	return t;
}

/* Takes the ready task to run next: a choice point when there are several. */
static struct task *ready_pick(struct engine *e)
{
	return ready_take(e, e->nready > 1 ? engine_choose(e, e->nready, "ready") : 0);
}

struct engine *engine_new(uint64_t seed)
{
	struct engine *e = g_new0(struct engine, 1);
	uint64_t x = seed;

	e->seed = seed;
	for (int i = 0; i < 4; i++)
		e->rng[i] = splitmix64(&x);
	e->heap_cap = 64;
	e->heap = g_new(struct event, e->heap_cap);
	e->tasks = g_ptr_array_new();
	return e;
}

static void wake_timer(struct engine *e, void *arg, uint64_t gen);
static void timer_put(struct engine *e, struct task *t);

void engine_free(struct engine *e)
{
	if (!e)
		return;
	/* reaped tasks live on only through their queued timer events */
	for (unsigned i = 0; i < e->nheap; i++) {
		struct event *ev = &e->heap[i];
		if (ev->tfn == wake_timer)
			timer_put(e, ev->arg);
	}
	for (guint i = 0; i < e->tasks->len; i++)
		task_free(g_ptr_array_index(e->tasks, i));
	while (e->spare_tasks) {
		struct task *t = e->spare_tasks;
		e->spare_tasks = t->next_waiter;
		g_free(t);
	}
	for (unsigned i = 0; i < e->nspare_coros; i++)
		coro_pool_put(e->spare_coros[i]);
	g_ptr_array_free(e->tasks, TRUE);
	g_free(e->ready);
	g_free(e->heap);
	g_free(e);
}

uint64_t engine_now(const struct engine *e)
{
	return e->now;
}

uint64_t engine_seed(const struct engine *e)
{
	return e->seed;
}

struct trace *engine_trace(struct engine *e)
{
	return e->trace;
}

void engine_set_trace(struct engine *e, struct trace *t)
{
	e->trace = t;
}

/* ---- event heap ---- */

static bool ev_before(const struct event *a, const struct event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Sifts up through a hole, never swapping; a new event has the highest
 * sequence number, so it goes before exactly the events of later times. */
static void heap_push(struct engine *e, uint64_t time, event_fn fn, tagged_fn tfn, void *arg,
                      uint64_t tag)
{
	unsigned i = e->nheap++;
	struct event *h;

	if (e->nheap > e->heap_cap) {
		e->heap_cap *= 2;
		e->heap = g_renew(struct event, e->heap, e->heap_cap);
	}
	h = e->heap;
	while (i > 0) {
		unsigned p = (i - 1) / 2;
		if (h[p].time <= time)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = (struct event){
	    .time = time, .seq = e->seq++, .fn = fn, .tfn = tfn, .arg = arg, .tag = tag};
}

static void heap_pop(struct engine *e, struct event *top)
{
	struct event *h = e->heap;
	unsigned n = --e->nheap, i = 0;
	const struct event *last = &h[n];

	*top = h[0];
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&h[c + 1], &h[c]))
			c++;
		if (!ev_before(&h[c], last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = *last;
}

void engine_schedule(struct engine *e, uint64_t delay_ns, event_fn fn, void *arg)
{
	heap_push(e, e->now + delay_ns, fn, NULL, arg, 0);
}

static void schedule_tagged(struct engine *e, uint64_t delay_ns, tagged_fn fn, void *arg,
                            uint64_t tag)
{
	heap_push(e, e->now + delay_ns, NULL, fn, arg, tag);
}

/* ---- tasks ---- */

static void task_trampoline(void *arg)
{
	struct task *t = arg;
	t->fn(t->arg);
}

struct task *task_spawn(struct engine *e, const char *name, task_fn fn, void *arg)
{
	struct task *t = e->spare_tasks;
	size_t len = strlen(name);

	if (t) {
		e->spare_tasks = t->next_waiter;
		e->nspare_tasks--;
		memset(t, 0, sizeof(*t));
	} else {
		t = g_new0(struct task, 1);
	}
	t->e = e;
	t->name = len < sizeof(t->name_buf) ? memcpy(t->name_buf, name, len + 1) : g_strdup(name);
	t->fn = fn;
	t->arg = arg;
	if (e->nspare_coros) {
		t->co = e->spare_coros[--e->nspare_coros];
		coro_reset(t->co, &e->main, task_trampoline, t);
	} else {
		t->co = coro_pool_get(&e->main, TASK_STACK_SIZE, task_trampoline, t);
	}
	if (!t->co) {
		t->co = g_new0(struct coro, 1);
		if (coro_init(t->co, &e->main, TASK_STACK_SIZE, task_trampoline, t) < 0)
			g_error("cannot allocate a task stack for %s", name);
	}
	t->state = TASK_READY;
	g_ptr_array_add(e->tasks, t);
	ready_add(e, t);
	return t;
}

struct task *task_current(struct engine *e)
{
	return e->current;
}

const char *task_name(const struct task *t)
{
	return t ? t->name : "-";
}

bool task_done(const struct task *t)
{
	return t->state == TASK_DONE;
}

void task_set_daemon(struct task *t, bool daemon)
{
	t->daemon = daemon;
}

void task_reap(struct engine *e, struct task *t)
{
	g_assert(t->state == TASK_DONE);
	g_ptr_array_remove(e->tasks, t);
	if (t->co) {
		/* finished: it can run the next task spawned here */
		if (e->nspare_coros < SPARE_COROS)
			e->spare_coros[e->nspare_coros++] = t->co;
		else
			coro_pool_put(t->co);
		t->co = NULL;
	}
	/* a stale timeout may still be queued: it keeps the task until it pops */
	if (t->timers)
		t->reaped = true;
	else
		task_release(e, t);
}

static void task_wake(struct engine *e, struct task *t)
{
	if (t->state != TASK_BLOCKED)
		return;
	t->state = TASK_READY;
	t->waiting_on = NULL;
	t->wait_gen++;
	ready_add(e, t);
}

static bool run_due_event(struct engine *e, uint64_t limit);

/*
 * The current task t has stopped (blocked, or yielded with itself ready).
 * Inside engine_run_for the main loop would now run the loop body again and
 * again until it picks a task; t runs that same loop itself, on its own
 * stack, with no task current, so that every event, choice and trace line
 * comes in the same order. If the pick is t, t goes on without a context
 * switch: a request and its completion, the common case, cost none. If it
 * is another task, or nothing is due, t switches to the main context, which
 * runs the picked task (e->next) or ends the run. A context switch costs
 * far more than the loop: the return addresses the CPU predicts belong to
 * the other stack, so every return after it is mispredicted.
 */
static void task_switch_away(struct engine *e, struct task *t)
{
	if (e->in_run) {
		e->current = NULL;
		for (;;) {
			if (e->nready) {
				struct task *n = ready_pick(e);
				if (n == t) {
					e->current = t;
					t->state = TASK_RUNNING;
					return;
				}
				e->next = n;
				break;
			}
			if (!run_due_event(e, e->run_limit))
				break;
		}
	}
	coro_yield(&e->main, t->co);
}

static void task_block(struct engine *e, const char *what)
{
	struct task *t = e->current;

	if (!t)
		g_error("blocking outside task context (%s)", what);
	t->state = TASK_BLOCKED;
	t->waiting_on = what;
	task_switch_away(e, t);
}

static bool timer_live(void *arg, uint64_t gen)
{
	struct task *t = arg;

	return t->state == TASK_BLOCKED && t->wait_gen == gen;
}

/* A timer event leaves the queue: drop its hold on a reaped task. */
static void timer_put(struct engine *e, struct task *t)
{
	if (--t->timers == 0 && t->reaped)
		task_release(e, t);
}

static void wake_timer(struct engine *e, void *arg, uint64_t gen)
{
	struct task *t = arg;

	if (t->state == TASK_BLOCKED && t->wait_gen == gen) {
		t->timed_out = true;
		task_wake(e, t);
	}
}

static void block_for(struct engine *e, uint64_t ns, const char *what)
{
	struct task *t = e->current;

	if (!t)
		g_error("blocking outside task context (%s)", what);
	t->timed_out = false;
	t->timers++;
	schedule_tagged(e, ns, wake_timer, t, t->wait_gen);
	task_block(e, what);
}

void task_sleep(struct engine *e, uint64_t ns)
{
	might_sleep(e, "msleep");
	block_for(e, ns, "sleep");
}

void task_udelay(struct engine *e, uint64_t ns)
{
	block_for(e, ns, "udelay");
}

void task_yield(struct engine *e)
{
	struct task *t = e->current;

	g_assert(t);
	t->state = TASK_READY;
	ready_add(e, t);
	task_switch_away(e, t);
}

void task_atomic_enter(struct engine *e)
{
	if (e->current)
		e->current->atomic++;
}

void task_atomic_exit(struct engine *e)
{
	if (e->current) {
		g_assert(e->current->atomic > 0);
		e->current->atomic--;
	}
}

bool task_in_atomic(struct engine *e)
{
	return !e->current || e->current->atomic > 0;
}

unsigned task_atomic_depth(const struct engine *e)
{
	return e->current ? e->current->atomic : 0;
}

void might_sleep(struct engine *e, const char *what)
{
	struct tp_args a = {.what = what};

	if (!e->current || e->current->atomic)
		tp_hit(e, TP_SLEEP_IN_ATOMIC, &a);
}

/* ---- completions ---- */

void completion_init(struct completion *c, const char *what)
{
	c->done = false;
	c->waiter = NULL;
	c->what = what;
}

void complete(struct engine *e, struct completion *c)
{
	struct task *t = c->waiter;

	c->done = true;
	c->waiter = NULL;
	/* in the order the tasks started waiting */
	while (t) {
		struct task *next = t->next_waiter;
		t->next_waiter = NULL;
		task_wake(e, t);
		t = next;
	}
}

static void waiter_remove(struct completion *c, struct task *t)
{
	for (struct task **p = &c->waiter; *p; p = &(*p)->next_waiter) {
		if (*p == t) {
			*p = t->next_waiter;
			break;
		}
	}
	t->next_waiter = NULL;
}

static int wait_common(struct engine *e, struct completion *c, uint64_t timeout_ns)
{
	struct task *t = e->current, **tail = &c->waiter;

	if (c->done)
		return 0;
	while (*tail)
		tail = &(*tail)->next_waiter;
	t->next_waiter = NULL;
	*tail = t;
	if (timeout_ns)
		block_for(e, timeout_ns, c->what);
	else
		task_block(e, c->what);
	if (!c->done)
		waiter_remove(c, t);
	if (!c->done && t->timed_out)
		return -ETIMEDOUT;
	return 0;
}

int completion_wait(struct engine *e, struct completion *c, uint64_t timeout_ns)
{
	might_sleep(e, c->what);
	return wait_common(e, c, timeout_ns);
}

int completion_poll(struct engine *e, struct completion *c, uint64_t step_ns, uint64_t timeout_ns)
{
	uint64_t start = e->now, elapsed;
	int r;

	/* A busy-wait is observably a wait that cannot be interrupted: model it
	 * as a wait that wakes on completion, then round the time spent up to
	 * the polling step, when the loop would have seen it. */
	r = wait_common(e, c, timeout_ns);
	elapsed = e->now - start;
	if (r == 0 && step_ns && elapsed % step_ns)
		task_udelay(e, step_ns - elapsed % step_ns);
	return r;
}

/* ---- scheduler ---- */

static void run_task(struct engine *e, struct task *t)
{
	e->current = t;
	t->state = TASK_RUNNING;
	e->switches++;
	coro_enter(&e->main, t->co);
	e->current = NULL;
	if (t->co->finished)
		t->state = TASK_DONE;
}

uint64_t engine_context_switches(const struct engine *e)
{
	return e->switches;
}

uint64_t engine_limit(const struct engine *e, uint64_t ns)
{
	return ns > UINT64_MAX - e->now ? UINT64_MAX : e->now + ns;
}

/* Runs the next live event due no later than limit. A timeout whose wait
 * already ended is not an event: it must not move the clock, and is no step.
 * False when no event is due. */
static inline bool run_due_event(struct engine *e, uint64_t limit)
{
	while (e->nheap && e->heap[0].time <= limit) {
		struct event ev;
		heap_pop(e, &ev);
		if (ev.tfn == wake_timer) {
			bool live = timer_live(ev.arg, ev.tag);
			timer_put(e, ev.arg);
			if (!live)
				continue;
		}
		e->now = ev.time;
		if (ev.tfn)
			ev.tfn(e, ev.arg, ev.tag);
		else
			ev.fn(e, ev.arg);
		return true;
	}
	return false;
}

/* The one loop body of engine_step and engine_run_for: runs the task a
 * task picked as it switched away, or one ready task, or the next live
 * event due no later than limit. When there is nothing left, moves the
 * clock to limit and returns false. */
static inline bool engine_step_one(struct engine *e, uint64_t limit)
{
	if (e->next) {
		struct task *t = e->next;
		e->next = NULL;
		run_task(e, t);
		return true;
	}
	if (e->nready) {
		run_task(e, ready_pick(e));
		return true;
	}
	if (run_due_event(e, limit))
		return true;
	if (limit != UINT64_MAX && e->now < limit)
		e->now = limit;
	return false;
}

bool engine_step(struct engine *e, uint64_t limit)
{
	bool saved_in_run = e->in_run, r;

	/* one step: the caller gets control back after each */
	e->in_run = false;
	r = engine_step_one(e, limit);
	e->in_run = saved_in_run;
	return r;
}

void engine_run_for(struct engine *e, uint64_t ns)
{
	uint64_t limit = engine_limit(e, ns), saved_limit = e->run_limit;
	bool saved_in_run = e->in_run;

	e->run_limit = limit;
	e->in_run = true;
	while (engine_step_one(e, limit))
		;
	e->run_limit = saved_limit;
	e->in_run = saved_in_run;
}

void engine_run(struct engine *e)
{
	engine_run_for(e, UINT64_MAX);
}

/* ---- PRNG and choice points ---- */

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t engine_rand(struct engine *e)
{
	uint64_t *s = e->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

unsigned engine_choose(struct engine *e, unsigned n, const char *point)
{
	unsigned pick;

	g_assert(n >= 1);
	if (n == 1)
		return 0;
	/* Lemire's multiply-shift; the bias for small n is irrelevant here and
	 * the result is a pure function of the seed. */
	pick = (unsigned)(((unsigned __int128)engine_rand(e) * n) >> 64);
	TRACE(e, "engine", "choice", "\"point\":\"%s\",\"of\":%u,\"pick\":%u", point, n, pick);
	return pick;
}

/* ---- tracepoints ---- */

void tp_hit(struct engine *e, enum tracepoint tp, const struct tp_args *args)
{
	static const struct tp_args none;

	e->tp_counts[tp]++;
	for (unsigned i = 0; i < e->nprobes; i++)
		e->probes[i].fn(e->probes[i].ctx, e, tp, args ? args : &none);
}

void tp_phase(struct engine *e, enum phase p, bool enter)
{
	struct tp_args a = {.phase = p};

	tp_hit(e, enter ? TP_PHASE_ENTER : TP_PHASE_EXIT, &a);
	TRACE(e, "phase", enter ? "enter" : "exit", "\"phase\":\"%s\"", phase_name(p));
}

int tp_register(struct engine *e, tp_probe_fn fn, void *ctx)
{
	if (e->nprobes >= ENGINE_MAX_PROBES)
		return -ENOSPC;
	e->probes[e->nprobes].fn = fn;
	e->probes[e->nprobes].ctx = ctx;
	e->nprobes++;
	return 0;
}

void tp_unregister(struct engine *e, tp_probe_fn fn, void *ctx)
{
	for (unsigned i = 0; i < e->nprobes; i++) {
		if (e->probes[i].fn != fn || e->probes[i].ctx != ctx)
			continue;
		memmove(&e->probes[i], &e->probes[i + 1],
		        (e->nprobes - i - 1) * sizeof(e->probes[0]));
		e->nprobes--;
		return;
	}
}

uint64_t tp_count(const struct engine *e, enum tracepoint tp)
{
	return e->tp_counts[tp];
}

void engine_for_each_blocked(struct engine *e,
                             void (*fn)(struct task *t, const char *waiting_on, void *arg),
                             void *arg)
{
	for (guint i = 0; i < e->tasks->len; i++) {
		struct task *t = g_ptr_array_index(e->tasks, i);
		if (t->state == TASK_BLOCKED && !t->daemon)
			fn(t, t->waiting_on ? t->waiting_on : "?", arg);
	}
}

void engine_for_each_task(struct engine *e,
                          void (*fn)(struct task *t, const char *state, const char *waiting_on,
                                     bool daemon, void *arg),
                          void *arg)
{
	static const char *const states[] = {
	    [TASK_READY] = "ready",
	    [TASK_RUNNING] = "running",
	    [TASK_BLOCKED] = "blocked",
	    [TASK_DONE] = "done",
	};

	for (guint i = 0; i < e->tasks->len; i++) {
		struct task *t = g_ptr_array_index(e->tasks, i);
		fn(t, states[t->state], t->state == TASK_BLOCKED ? t->waiting_on : NULL, t->daemon,
		   arg);
	}
}

const char *engine_fmt_time(uint64_t ns, char *buf, size_t len)
{
	if (ns >= NSEC_PER_MSEC)
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 "ms", ns / NSEC_PER_MSEC,
		         (ns % NSEC_PER_MSEC) / NSEC_PER_USEC);
	else if (ns >= NSEC_PER_USEC)
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 "us", ns / NSEC_PER_USEC,
		         ns % NSEC_PER_USEC);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	return buf;
}
