/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stackful coroutines: ucontext builds a new stack once, after that every
 * switch is sigsetjmp(env, 0)/siglongjmp (no signal-mask syscall). Switches
 * are annotated for AddressSanitizer and stacks registered with valgrind.
 */
#pragma once

#include <setjmp.h>
#include <stddef.h>

struct coro_main;

struct coro {
	sigjmp_buf env;
	struct coro_main *main; /* where it returns to when it yields or ends */
	void *stack;
	size_t stack_size;
	void (*fn)(void *arg);
	void *arg;
	void *asan_fake_stack;
	unsigned valgrind_id;
	int finished;
	int started; /* its stack has been entered once, from the scheduler */
};

/* The context that is not a coroutine (the scheduler). */
struct coro_main {
	sigjmp_buf env;
	void *asan_fake_stack;
	const void *stack_bottom;
	size_t stack_size;
};

int coro_init(struct coro *co, struct coro_main *main, size_t stack_size, void (*fn)(void *),
              void *arg);
/* Reuses an initialised coroutine's stack for a new function, possibly for
 * another main context: it must have finished, or never been entered. */
int coro_reset(struct coro *co, struct coro_main *main, void (*fn)(void *), void *arg);
void coro_destroy(struct coro *co);

/* A process-wide pool of coroutines whose stacks can be reused, so that a
 * short simulation does not spend its time in mmap and munmap. Bounded;
 * thread-safe. coro_pool_get() returns one reset for fn(arg) with at least
 * stack_size bytes of stack, or NULL if the pool has none (then make one
 * with coro_init()). coro_pool_put() keeps a coroutine that finished or was
 * never entered, and destroys and frees (g_free) any other, or any when the
 * pool is full. */
struct coro *coro_pool_get(struct coro_main *main, size_t stack_size, void (*fn)(void *),
                           void *arg);
void coro_pool_put(struct coro *co);

/* From the main context into co; returns when co yields or finishes. */
void coro_enter(struct coro_main *main, struct coro *co);
/* From co back to the main context. */
void coro_yield(struct coro_main *main, struct coro *co);
