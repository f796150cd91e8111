/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coro.h"

#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/*
 * A switch saves where it is and jumps to where the other side saved. Under
 * AddressSanitizer that is sigsetjmp/siglongjmp, which it intercepts to
 * unpoison the frames a jump leaves behind. Otherwise GCC's builtins do it
 * with a few stores and loads: siglongjmp also walks the cancellation
 * cleanup handlers (__pthread_cleanup_upto), 5% of a run for nothing here.
 * Every jump lands in a frame that is still live (the one that saved), as
 * the builtins require, and __builtin_longjmp is called from a function of
 * its own, never from the one that saved.
 */
#ifdef CORO_ASAN
#define SAVE(env) sigsetjmp((env), 0)
#define JUMP(env) siglongjmp((env), 1)
#else
#define SAVE(env) __builtin_setjmp((void **)(void *)(env))
#define JUMP(env) jump_to((void **)(void *)(env))

static __attribute__((noinline, noreturn)) void jump_to(void **buf)
{
	__builtin_longjmp(buf, 1);
}
#endif

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CORO_VALGRIND 1
#endif

static inline void start_switch(void **fake_save, const void *bottom, size_t size)
{
#ifdef CORO_ASAN
	__sanitizer_start_switch_fiber(fake_save, bottom, size);
#else
	(void)fake_save;
	(void)bottom;
	(void)size;
#endif
}

static inline void finish_switch(void *fake_save, const void **bottom_old, size_t *size_old)
{
#ifdef CORO_ASAN
	__sanitizer_finish_switch_fiber(fake_save, bottom_old, size_old);
#else
	(void)fake_save;
	(void)bottom_old;
	(void)size_old;
#endif
}

struct start_args {
	struct coro *co;
	struct coro_main *main;
	sigjmp_buf *back;
};

static void trampoline(int lo, int hi)
{
	struct start_args *sa = (void *)(((uintptr_t)(unsigned)hi << 32) | (uintptr_t)(unsigned)lo);
	struct coro *co = sa->co;
	struct coro_main *main = sa->main;

	finish_switch(NULL, &main->stack_bottom, &main->stack_size);
	if (!SAVE(co->env)) {
		start_switch(&co->asan_fake_stack, main->stack_bottom, main->stack_size);
		JUMP(*sa->back);
	}
	/* Every later entry through coro_enter() lands here or in coro_yield().
	 * The main context is read afresh each time: a finished coroutine may
	 * be reset for another one (another engine) before it is entered. */
	for (;;) {
		finish_switch(co->asan_fake_stack, &co->main->stack_bottom, &co->main->stack_size);
		co->fn(co->arg);
		co->finished = 1;
		start_switch(&co->asan_fake_stack, co->main->stack_bottom, co->main->stack_size);
		if (!SAVE(co->env))
			JUMP(co->main->env);
	}
}

static int coro_start(struct coro *co, struct coro_main *main)
{
	ucontext_t old_uc, uc;
	sigjmp_buf back;
	struct start_args sa = {.co = co, .main = main, .back = &back};
	uintptr_t p = (uintptr_t)&sa;

	if (getcontext(&uc) < 0)
		return -errno;
	uc.uc_link = &old_uc;
	uc.uc_stack.ss_sp = co->stack;
	uc.uc_stack.ss_size = co->stack_size;
	uc.uc_stack.ss_flags = 0;
	makecontext(&uc, (void (*)(void))trampoline, 2, (int)(uint32_t)p, (int)(uint32_t)(p >> 32));

	if (!SAVE(back)) {
		start_switch(&main->asan_fake_stack, co->stack, co->stack_size);
		swapcontext(&old_uc, &uc);
	}
	finish_switch(main->asan_fake_stack, NULL, NULL);
	return 0;
}

int coro_init(struct coro *co, struct coro_main *main, size_t stack_size, void (*fn)(void *),
              void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t total;
	void *mem;

	stack_size = (stack_size + (size_t)page - 1) & ~((size_t)page - 1);
	total = stack_size + (size_t)page;
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	/* Guard page below the stack: an overflow faults instead of corrupting. */
	mprotect(mem, (size_t)page, PROT_NONE);
	co->stack = (char *)mem + page;
	co->stack_size = stack_size;
	co->main = main;
	co->fn = fn;
	co->arg = arg;
	co->finished = 0;
	co->asan_fake_stack = NULL;
	co->started = 0;
#ifdef CORO_VALGRIND
	co->valgrind_id = VALGRIND_STACK_REGISTER(co->stack, (char *)co->stack + stack_size);
#endif
	/* The stack is first entered by coro_enter(), always from the scheduler:
	 * a coroutine may be created inside another one, and starting it there
	 * would tell AddressSanitizer that the creator's stack is the
	 * scheduler's. */
	return 0;
}

int coro_reset(struct coro *co, struct coro_main *main, void (*fn)(void *), void *arg)
{
	co->main = main;
	co->fn = fn;
	co->arg = arg;
	co->finished = 0;
	/* A finished coroutine waits in trampoline's loop: entering it again
	 * runs the new function from the top of that loop. */
	return 0;
}

void coro_destroy(struct coro *co)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!co->stack)
		return;
#ifdef CORO_VALGRIND
	VALGRIND_STACK_DEREGISTER(co->valgrind_id);
#endif
	munmap((char *)co->stack - page, co->stack_size + (size_t)page);
	co->stack = NULL;
}

void coro_enter(struct coro_main *main, struct coro *co)
{
	if (!co->started) {
		co->started = 1;
		if (coro_start(co, main) < 0)
			abort(); /* getcontext() failed: nothing sensible is left to do */
	}
	if (!SAVE(main->env)) {
		start_switch(&main->asan_fake_stack, co->stack, co->stack_size);
		JUMP(co->env);
	}
	finish_switch(main->asan_fake_stack, NULL, NULL);
}

void coro_yield(struct coro_main *main, struct coro *co)
{
	if (!SAVE(co->env)) {
		start_switch(&co->asan_fake_stack, main->stack_bottom, main->stack_size);
		JUMP(main->env);
	}
	finish_switch(co->asan_fake_stack, &main->stack_bottom, &main->stack_size);
}

/* ---- the process-wide pool ----
 *
 * Shared by every engine in the process, and locked, so safe from any
 * thread (an entry is only ever used by one coroutine at a time). A forked
 * worker (batch.c) inherits a copy of the parent's: the stacks are private
 * copy-on-write mappings, so each process has its own. Do not fork while
 * another thread may hold pool_lock: no such thread exists today (see
 * engine.h). */

#define CORO_POOL_MAX 32

static GMutex pool_lock;
static struct coro *pool[CORO_POOL_MAX];
static unsigned pool_len;

struct coro *coro_pool_get(struct coro_main *main, size_t stack_size, void (*fn)(void *), void *arg)
{
	struct coro *co = NULL;

	g_mutex_lock(&pool_lock);
	for (unsigned i = pool_len; i-- > 0;) {
		if (pool[i]->stack_size >= stack_size) {
			co = pool[i];
			pool[i] = pool[--pool_len];
			break;
		}
	}
	g_mutex_unlock(&pool_lock);
	if (co)
		coro_reset(co, main, fn, arg);
	return co;
}

void coro_pool_put(struct coro *co)
{
	bool kept = false;

	/* One stopped in the middle of its function cannot run another. */
	if (co->stack && (co->finished || !co->started)) {
		co->main = NULL;
		co->fn = NULL;
		co->arg = NULL;
		g_mutex_lock(&pool_lock);
		if (pool_len < CORO_POOL_MAX) {
			pool[pool_len++] = co;
			kept = true;
		}
		g_mutex_unlock(&pool_lock);
	}
	if (!kept) {
		coro_destroy(co);
		g_free(co);
	}
}
