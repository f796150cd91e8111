/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Batches in worker processes: every item is handed back once, in order,
 * whatever the number of jobs; a worker killed while it runs an item fails
 * that item and its other items run elsewhere, also when the parent learns
 * of the death only by failing to send it more work.
 */
#include "harness/batch.h"

#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define N 128

struct got {
	struct run_result *r[N];
	unsigned calls, next;
	bool in_order;
	unsigned kill_at;    /* the item whose worker kills itself, or N */
	bool wait_for_death; /* done(0) waits until a worker has died */
	bool saw_death;
};

static void on_done(void *ctx, unsigned i, struct run_result *r)
{
	struct got *g = ctx;

	g->calls++;
	g->in_order = g->in_order && i == g->next && i < N;
	g->next = i + 1;
	if (i < N)
		g->r[i] = r;
	else
		run_result_free(r);
	if (i == 0 && g->wait_for_death) {
		/* Hold the parent until the worker is dead but not yet reaped, so
		 * that what it does next (send that worker more work, having just
		 * read a result) meets a dead worker whose pipe's EOF is unread. */
		for (unsigned ms = 0; ms < 30000 && !g->saw_death; ms++) {
			siginfo_t si = {0};

			g_assert_cmpint(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT), ==, 0);
			if (si.si_pid)
				g->saw_death = true;
			else
				g_usleep(1000);
		}
	}
}

static void kill_self(void *ctx, unsigned i)
{
	const struct got *g = ctx;

	if (i == g->kill_at)
		raise(SIGKILL);
}

static struct scenario *canonical(void)
{
	g_autoptr(GError) error = NULL;
	struct scenario *s = scenario_load(SOURCE_ROOT "/bench/canonical.json", NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(s);
	return s;
}

static void run(const struct scenario *s, unsigned jobs, struct got *g, struct batch_stats *st)
{
	const struct scenario *items[N];
	struct run_options opt = {0};
	struct batch_options o = {
	    .jobs = jobs, .run = &opt, .done = on_done, .ctx = g, .worker_before = kill_self};

	for (unsigned i = 0; i < N; i++)
		items[i] = s;
	g->in_order = true;
	batch_run(items, N, &o, st);
	g_assert_cmpuint(g->calls, ==, N);
	g_assert_true(g->in_order);
}

static void got_free(struct got *g)
{
	for (unsigned i = 0; i < N; i++)
		run_result_free(g->r[i]);
}

/* Each seed gives the same result with one job or several. */
static void test_jobs_agree(void)
{
	struct scenario *s = canonical();
	struct got one = {.kill_at = N}, three = {.kill_at = N};
	struct batch_stats st1, st3;

	run(s, 1, &one, &st1);
	run(s, 3, &three, &st3);
	g_assert_cmpuint(st1.jobs, ==, 1);
	g_assert_cmpuint(st3.jobs, ==, 3);
	g_assert_cmpuint(st1.ran, ==, N);
	g_assert_cmpuint(st3.ran, ==, N);
	for (unsigned i = 0; i < N; i++) {
		g_assert_nonnull(one.r[i]);
		g_assert_nonnull(three.r[i]);
		g_assert_true(one.r[i]->matches);
		g_assert_cmpuint(one.r[i]->seed, ==, three.r[i]->seed);
		g_assert_cmpint(one.r[i]->pass, ==, three.r[i]->pass);
		g_assert_cmpint(one.r[i]->matches, ==, three.r[i]->matches);
		g_assert_cmpuint(one.r[i]->end_time, ==, three.r[i]->end_time);
		g_assert_cmpuint(one.r[i]->steps_run, ==, three.r[i]->steps_run);
		g_assert_cmpuint(one.r[i]->violations->len, ==, three.r[i]->violations->len);
	}
	got_free(&one);
	got_free(&three);
	scenario_free(s);
}

/* The worker running items 0 and 1 dies at item 1 after writing item 0's
 * result; the parent reads that result only once the worker is dead, and
 * its next step is to send that worker the next chunk. The send fails:
 * those items must go to the other worker (they used to be lost, "not
 * run"), item 1 fails saying why, and everything else runs and passes. */
static void test_worker_killed(void)
{
	struct scenario *s = canonical();
	struct got g = {.kill_at = 1, .wait_for_death = true};
	struct batch_stats st;

	run(s, 2, &g, &st);
	g_assert_true(g.saw_death);
	g_assert_false(st.interrupted);
	g_assert_cmpuint(st.ran, ==, N);
	g_assert_cmpuint(st.not_as_expected, ==, 1);
	for (unsigned i = 0; i < N; i++) {
		g_assert_nonnull(g.r[i]);
		if (i == g.kill_at) {
			g_assert_false(g.r[i]->matches);
			g_assert_cmpstr(
			    g.r[i]->mismatch, ==,
			    "the worker process running it was killed by signal 9 (Killed)");
		} else {
			g_assert_true(g.r[i]->matches);
		}
	}
	got_free(&g);
	scenario_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/batch/jobs-agree", test_jobs_agree);
	g_test_add_func("/batch/worker-killed", test_worker_killed);
	return g_test_run();
}
