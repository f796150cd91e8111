/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The deterministic engine: a virtual clock in nanoseconds, an event queue,
 * a seeded PRNG, tasks (coroutines that may block the way kernel code does),
 * completions, per-task atomic context and choice points. Tracepoints
 * (tracepoint.h) are counted here too.
 *
 * This header is half of what the guest sees of the host ("kernel services");
 * the other half is guest-abi.h.
 *
 * Threads: an engine, and everything run from it, belongs to one thread; it
 * has no locks. Task stacks come from a pool shared by the whole process
 * (coro_pool_get/put in coro.c), which is locked, so engines on different
 * threads would be safe there; but nothing does that today: the harness runs
 * engines one after the other, or in forked worker processes (batch.c,
 * --jobs), each with a pool of its own. The only other threads (libvirt's
 * event loop, a test's FIFO reader) never touch an engine.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct task;
struct trace;

typedef void (*event_fn)(struct engine *e, void *arg);
typedef void (*task_fn)(void *arg);

#define NSEC_PER_USEC UINT64_C(1000)
#define NSEC_PER_MSEC UINT64_C(1000000)
#define NSEC_PER_SEC  UINT64_C(1000000000)

struct engine *engine_new(uint64_t seed);
void engine_free(struct engine *e);

uint64_t engine_now(const struct engine *e);
uint64_t engine_seed(const struct engine *e);
struct trace *engine_trace(struct engine *e);
void engine_set_trace(struct engine *e, struct trace *t);

/* Runs fn(arg) in scheduler context delay_ns from now. Events at the same
 * instant run in the order they were scheduled. */
void engine_schedule(struct engine *e, uint64_t delay_ns, event_fn fn, void *arg);

/* Runs tasks and events until nothing is ready and no event is queued. */
void engine_run(struct engine *e);
/* As engine_run, but stops before the first event later than now + ns. */
void engine_run_for(struct engine *e, uint64_t ns);
/* One step of engine_run_for: runs one ready task until it blocks or ends,
 * or the next event due no later than limit (ENGINE_NO_LIMIT: any).
 * Returns false when there is nothing of that left, having moved the clock
 * to limit as engine_run_for does. engine_run_for(e, ns) is the same as
 * calling it with limit = now + ns until it returns false. */
#define ENGINE_NO_LIMIT UINT64_MAX
bool engine_step(struct engine *e, uint64_t limit);
/* How many times a task was entered from the main context. Inside
 * engine_run_for a task that blocks runs the scheduler loop itself and goes
 * on without a switch when it is the one picked next; engine_step always
 * returns to its caller. Traces are the same either way. */
uint64_t engine_context_switches(const struct engine *e);
/* now + ns, saturating: the limit engine_run_for(e, ns) runs to. */
uint64_t engine_limit(const struct engine *e, uint64_t ns);

/* Tasks. A task runs fn(arg) on its own stack; it ends when fn returns. */
struct task *task_spawn(struct engine *e, const char *name, task_fn fn, void *arg);
struct task *task_current(struct engine *e);
const char *task_name(const struct task *t);
bool task_done(const struct task *t);
/* Drops a finished task (tasks are otherwise freed with the engine). */
void task_reap(struct engine *e, struct task *t);

/* Blocks the current task for ns of virtual time (msleep: may not be called
 * in atomic context). */
void task_sleep(struct engine *e, uint64_t ns);
/* Busy-waits ns of virtual time (udelay: allowed in atomic context). */
void task_udelay(struct engine *e, uint64_t ns);
/* Lets other ready tasks run first; a choice point when several are ready. */
void task_yield(struct engine *e);

/* Atomic context: spinlock held or interrupts off. Nested. */
void task_atomic_enter(struct engine *e);
void task_atomic_exit(struct engine *e);
bool task_in_atomic(struct engine *e);
unsigned task_atomic_depth(const struct engine *e);
/* Hits TP_SLEEP_IN_ATOMIC if the current context may not sleep. */
void might_sleep(struct engine *e, const char *what);

/* Completions (struct completion in the kernel). Once complete() has run the
 * completion stays done, as after complete_all(): every task waiting is
 * woken, and later waits return at once. */
struct completion {
	bool done;
	struct task *waiter; /* tasks waiting, oldest first */
	const char *what;
};
void completion_init(struct completion *c, const char *what);
void complete(struct engine *e, struct completion *c);
/* Sleeps until complete() or timeout_ns passes (0 = forever). Returns 0, or
 * -ETIMEDOUT. */
int completion_wait(struct engine *e, struct completion *c, uint64_t timeout_ns);
/* Polls with udelay(step_ns) between tries, never sleeping; for code that runs
 * with interrupts off. Same return values. */
int completion_poll(struct engine *e, struct completion *c, uint64_t step_ns, uint64_t timeout_ns);

/* Seeded PRNG (xoshiro256**, seeded through splitmix64). */
uint64_t engine_rand(struct engine *e);
/* A choice point: picks one of n alternatives (n >= 1) with the PRNG. */
unsigned engine_choose(struct engine *e, unsigned n, const char *point);

/* "2.058ms", "18.500us" or "999ns": virtual time for people. */
const char *engine_fmt_time(uint64_t ns, char *buf, size_t len);

/* Tasks still blocked when the world is quiet. Calls fn for each. */
void engine_for_each_blocked(struct engine *e,
                             void (*fn)(struct task *t, const char *waiting_on, void *arg),
                             void *arg);
/* Daemon tasks are allowed to stay blocked forever (an idle worker). */
void task_set_daemon(struct task *t, bool daemon);

/* Every task not yet reaped, in spawn order, with its state ("ready",
 * "running", "blocked", "done") and what a blocked one waits on (or NULL):
 * for people looking at a world stopped mid-way. */
void engine_for_each_task(struct engine *e,
                          void (*fn)(struct task *t, const char *state, const char *waiting_on,
                                     bool daemon, void *arg),
                          void *arg);
