/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "batch.h"
#include "backend.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- signals --------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct saved_signals {
	struct sigaction intr, term, pipe;
};

static void signals_catch(struct saved_signals *old)
{
	struct sigaction sa = {0};

	stop_requested = 0;
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND; /* a second signal acts as usual */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old->intr);
	sigaction(SIGTERM, &sa, &old->term);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, &old->pipe); /* a dead worker's pipe is an error, not death */
}

static void signals_restore(const struct saved_signals *old)
{
	sigaction(SIGINT, &old->intr, NULL);
	sigaction(SIGTERM, &old->term, NULL);
	sigaction(SIGPIPE, &old->pipe, NULL);
}

/* ---- progress -------------------------------------------------------- */

struct progress {
	bool on;
	bool shown;
	bool dumb; /* TERM=dumb: no escape sequences */
	const char *noun;
	unsigned total, done, bad;
	gint64 start, last;
};

static struct progress *shown_progress;

void batch_progress_clear(void)
{
	struct progress *p = shown_progress;

	if (!p || !p->shown)
		return;
	if (p->dumb)
		fprintf(stderr, "\r%*s\r", 72, "");
	else
		fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}

static void progress_draw(struct progress *p, bool force)
{
	gint64 now = g_get_monotonic_time();
	double secs = (double)(now - p->start) / 1e6;
	double rate = secs > 0 ? p->done / secs : 0;
	char eta[32] = "";

	if (!p->on || (!force && now - p->last < 100000))
		return;
	p->last = now;
	if (rate > 0 && p->done < p->total) {
		double left = (p->total - p->done) / rate;
		snprintf(eta, sizeof(eta), ", ETA %u:%02u", (unsigned)left / 60,
		         (unsigned)left % 60);
	}
	fprintf(stderr, "\r%u/%u %s, %u not as expected, %.0f %s/s%s%s", p->done, p->total, p->noun,
	        p->bad, rate, p->noun, eta, p->dumb ? "   " : "\033[K");
	fflush(stderr);
	p->shown = true;
	shown_progress = p;
}

/* ---- delivery in order ----------------------------------------------- */

struct sink {
	const struct batch_options *o;
	struct run_result **results;
	bool *finished;
	unsigned n, next;
	struct progress *p;
	struct batch_stats *st;
};

static void sink_put(struct sink *k, unsigned i, struct run_result *r)
{
	k->results[i] = r;
	k->finished[i] = true;
	k->st->ran++;
	k->p->done++;
	if (!r->matches) {
		k->st->not_as_expected++;
		k->p->bad++;
	}
	while (k->next < k->n && k->finished[k->next]) {
		k->o->done(k->o->ctx, k->next, k->results[k->next]);
		k->results[k->next] = NULL;
		k->next++;
	}
	progress_draw(k->p, false);
}

/* After an interruption: the rest, in order, NULL for what did not run. */
static void sink_flush(struct sink *k)
{
	batch_progress_clear();
	for (; k->next < k->n; k->next++) {
		k->o->done(k->o->ctx, k->next, k->results[k->next]);
		k->results[k->next] = NULL;
	}
}

/* ---- the wire format of a result ------------------------------------- */

static void put_u32(GByteArray *b, uint32_t v)
{
	g_byte_array_append(b, (const guint8 *)&v, sizeof(v));
}

static void put_u64(GByteArray *b, uint64_t v)
{
	g_byte_array_append(b, (const guint8 *)&v, sizeof(v));
}

static void put_str(GByteArray *b, const char *s)
{
	if (!s) {
		put_u32(b, UINT32_MAX);
		return;
	}
	put_u32(b, (uint32_t)strlen(s));
	g_byte_array_append(b, (const guint8 *)s, (guint)strlen(s));
}

/* u32 length of the rest, u32 item, the result's own fields, violations. */
static void encode(GByteArray *b, unsigned i, const struct run_result *r)
{
	guint start = b->len;

	put_u32(b, 0);
	put_u32(b, i);
	put_u64(b, r->seed);
	put_u32(b, (uint32_t)r->pass | (uint32_t)r->matches << 1);
	put_str(b, r->mismatch);
	put_u64(b, r->end_time);
	put_u32(b, r->steps_run);
	put_u32(b, r->violations->len);
	for (guint k = 0; k < r->violations->len; k++) {
		const struct run_violation *v = g_ptr_array_index(r->violations, k);
		put_str(b, v->name);
		put_str(b, v->message);
		put_u64(b, v->time);
	}
	{
		uint32_t len = b->len - start - 4;
		memcpy(b->data + start, &len, 4);
	}
}

struct reader {
	const guint8 *p, *end;
	bool bad;
};

static bool get(struct reader *rd, void *out, size_t n)
{
	if (rd->bad || (size_t)(rd->end - rd->p) < n) {
		rd->bad = true;
		return false;
	}
	memcpy(out, rd->p, n);
	rd->p += n;
	return true;
}

static uint32_t get_u32(struct reader *rd)
{
	uint32_t v = 0;
	get(rd, &v, 4);
	return v;
}

static uint64_t get_u64(struct reader *rd)
{
	uint64_t v = 0;
	get(rd, &v, 8);
	return v;
}

static char *get_str(struct reader *rd)
{
	uint32_t n = get_u32(rd);
	char *s;

	if (n == UINT32_MAX || rd->bad)
		return NULL;
	if ((size_t)(rd->end - rd->p) < n) {
		rd->bad = true;
		return NULL;
	}
	s = g_strndup((const char *)rd->p, n);
	rd->p += n;
	return s;
}

static void free_violation(gpointer p)
{
	struct run_violation *v = p;

	g_free(v->name);
	g_free(v->message);
	g_free(v);
}

/* A result for item s, with what the scenario says filled in here. */
static struct run_result *result_shell(const struct scenario *s)
{
	struct run_result *r = g_new0(struct run_result, 1);

	r->name = g_strdup(s->name);
	r->file = g_strdup(s->file);
	r->seed = s->seed;
	r->expect_pass = s->expect_pass;
	r->expect_violations = g_strdupv(s->expect_violations);
	r->violations = g_ptr_array_new_with_free_func(free_violation);
	return r;
}

static struct run_result *decode(struct reader *rd, const struct scenario *const *items, unsigned n,
                                 unsigned *index)
{
	struct run_result *r;
	uint32_t flags, nv;

	*index = get_u32(rd);
	if (rd->bad || *index >= n)
		return NULL;
	r = result_shell(items[*index]);
	r->seed = get_u64(rd);
	flags = get_u32(rd);
	r->pass = flags & 1;
	r->matches = flags & 2;
	r->mismatch = get_str(rd);
	r->end_time = get_u64(rd);
	r->steps_run = get_u32(rd);
	nv = get_u32(rd);
	for (uint32_t k = 0; k < nv && !rd->bad; k++) {
		struct run_violation *v = g_new0(struct run_violation, 1);
		v->name = get_str(rd);
		v->message = get_str(rd);
		v->time = get_u64(rd);
		g_ptr_array_add(r->violations, v);
		if (!v->name || !v->message)
			rd->bad = true;
	}
	if (rd->bad) {
		run_result_free(r);
		return NULL;
	}
	return r;
}

/* ---- worker processes ------------------------------------------------ */

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static size_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static G_GNUC_NORETURN void worker_main(int tasks, int results, const struct scenario *const *items,
                                        unsigned n, const struct batch_options *o)
{
	GByteArray *b = g_byte_array_new();
	uint32_t task[2];

	signal(SIGINT, SIG_IGN); /* the parent decides when to stop */
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read_all(tasks, task, sizeof(task)) == sizeof(task)) {
		for (uint32_t i = task[0]; i < task[0] + task[1] && i < n; i++) {
			struct run_result *r;

			if (o->worker_before)
				o->worker_before(o->ctx, i);
			r = run_scenario(items[i], o->run);

			g_byte_array_set_size(b, 0);
			encode(b, i, r);
			run_result_free(r);
			if (!write_all(results, b->data, b->len))
				_exit(1);
		}
	}
	_exit(0); /* not exit(): the parent's stdio buffers are not ours to flush */
}

struct worker {
	pid_t pid;
	int tasks;     /* write end, -1 once closed */
	int results;   /* read end, -1 at EOF */
	GArray *queue; /* items sent and not yet answered, in order */
	GByteArray *buf;
};

/* Sends items first … first+count-1 to w; false if w did not take them (its
 * process is gone, though its pipe's EOF may not have been read yet): they
 * are still the caller's to hand out. */
static bool worker_send(struct worker *w, unsigned first, unsigned count)
{
	uint32_t task[2] = {first, count};

	if (w->tasks < 0)
		return false;
	if (!write_all(w->tasks, task, sizeof(task))) {
		close(w->tasks);
		w->tasks = -1;
		return false;
	}
	for (unsigned i = 0; i < count; i++) {
		unsigned v = first + i;
		g_array_append_val(w->queue, v);
	}
	return true;
}

static void worker_stop(struct worker *w)
{
	if (w->tasks >= 0)
		close(w->tasks);
	w->tasks = -1;
}

static char *death_of(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return g_strdup_printf("was killed by signal %d (%s)", WTERMSIG(status),
		                       g_strsignal(WTERMSIG(status)));
	return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
}

struct pool {
	struct worker *w;
	unsigned nw;
	const struct scenario *const *items;
	unsigned n;
	unsigned next_new; /* the first item never handed out */
	GArray *again;     /* items to hand out again (their worker died) */
	unsigned chunk;
};

/* Keeps each live worker two chunks ahead. An item leaves the pool only
 * once its worker has taken it: a worker killed since its last result
 * still looks alive here, and what it refuses goes to the others. */
static void pool_feed(struct pool *pl, struct worker *w)
{
	while (w->tasks >= 0 && w->queue->len < 2 * pl->chunk) {
		if (pl->again->len) {
			unsigned i = g_array_index(pl->again, unsigned, pl->again->len - 1);
			if (worker_send(w, i, 1))
				g_array_set_size(pl->again, pl->again->len - 1);
		} else if (pl->next_new < pl->n) {
			unsigned k = MIN(pl->chunk, pl->n - pl->next_new);
			if (worker_send(w, pl->next_new, k))
				pl->next_new += k;
		} else {
			worker_stop(w); /* nothing left: it exits when its queue is done */
		}
	}
}

static bool pool_start(struct pool *pl, const struct batch_options *o)
{
	fflush(NULL);
	for (unsigned k = 0; k < pl->nw; k++) {
		int tp[2], rp[2];
		pid_t pid;

		if (pipe(tp) < 0)
			return false;
		if (pipe(rp) < 0) {
			close(tp[0]);
			close(tp[1]);
			return false;
		}
		pid = fork();
		if (pid < 0) {
			close(tp[0]);
			close(tp[1]);
			close(rp[0]);
			close(rp[1]);
			return false;
		}
		if (pid == 0) {
			/* the earlier workers' pipes must not stay open here */
			for (unsigned j = 0; j < k; j++) {
				if (pl->w[j].tasks >= 0)
					close(pl->w[j].tasks);
				close(pl->w[j].results);
			}
			close(tp[1]);
			close(rp[0]);
			worker_main(tp[0], rp[1], pl->items, pl->n, o);
		}
		close(tp[0]);
		close(rp[1]);
		pl->w[k] = (struct worker){.pid = pid,
		                           .tasks = tp[1],
		                           .results = rp[0],
		                           .queue = g_array_new(FALSE, FALSE, sizeof(unsigned)),
		                           .buf = g_byte_array_new()};
	}
	return true;
}

/* Parses the complete records in w's buffer. */
static void worker_drain(struct pool *pl, struct worker *w, struct sink *k)
{
	guint off = 0;

	while (w->buf->len - off >= 4) {
		uint32_t len;
		struct reader rd;
		struct run_result *r;
		unsigned i;

		memcpy(&len, w->buf->data + off, 4);
		if (w->buf->len - off - 4 < len)
			break;
		rd = (struct reader){w->buf->data + off + 4, w->buf->data + off + 4 + len, false};
		r = decode(&rd, pl->items, pl->n, &i);
		off += 4 + len;
		if (!r || !w->queue->len || g_array_index(w->queue, unsigned, 0) != i) {
			run_result_free(r);
			continue; /* cannot happen with a sane worker; its death shows it */
		}
		g_array_remove_index(w->queue, 0);
		sink_put(k, i, r);
	}
	g_byte_array_remove_range(w->buf, 0, off);
}

/* w's pipe closed: whatever it still owed either crashed it or never ran. */
static void worker_gone(struct pool *pl, struct worker *w, struct sink *k)
{
	g_autofree char *how = death_of(w->pid);

	close(w->results);
	w->results = -1;
	worker_stop(w);
	if (w->queue->len) {
		unsigned i = g_array_index(w->queue, unsigned, 0);
		struct run_result *r = result_shell(pl->items[i]);

		r->pass = false;
		r->matches = false;
		r->mismatch = g_strdup_printf("the worker process running it %s", how);
		g_array_remove_index(w->queue, 0);
		sink_put(k, i, r);
		for (guint q = w->queue->len; q-- > 0;)
			g_array_append_val(pl->again, g_array_index(w->queue, unsigned, q));
		g_array_set_size(w->queue, 0);
	}
}

static void run_pool(struct pool *pl, const struct batch_options *o, struct sink *k)
{
	struct pollfd *fds = g_new0(struct pollfd, pl->nw);
	bool stopping = false;

	if (!pool_start(pl, o)) {
		/* The workers started before the failure have no items yet: their
		 * task pipe closes, they exit, and they are reaped here. */
		for (unsigned j = 0; j < pl->nw; j++) {
			if (pl->w[j].pid <= 0)
				continue;
			worker_stop(&pl->w[j]);
			close(pl->w[j].results);
			pl->w[j].results = -1;
			g_free(death_of(pl->w[j].pid));
		}
		/* fall back to this process for whatever no worker took */
		pl->nw = 0;
	}
	for (unsigned j = 0; j < pl->nw; j++)
		pool_feed(pl, &pl->w[j]);
	for (;;) {
		unsigned live = 0;

		if (stop_requested && !stopping) {
			stopping = true;
			k->st->interrupted = true;
			for (unsigned j = 0; j < pl->nw; j++)
				worker_stop(&pl->w[j]);
		}
		for (unsigned j = 0; j < pl->nw; j++) {
			fds[j].fd = pl->w[j].results;
			fds[j].events = POLLIN;
			fds[j].revents = 0;
			live += pl->w[j].results >= 0;
		}
		if (!live)
			break;
		if (poll(fds, pl->nw, 100) < 0) {
			progress_draw(k->p, false);
			continue; /* EINTR: the loop looks at stop_requested */
		}
		progress_draw(k->p, false);
		for (unsigned j = 0; j < pl->nw; j++) {
			struct worker *w = &pl->w[j];
			guint8 chunk[65536];
			ssize_t got;

			if (w->results < 0 || !(fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(w->results, chunk, sizeof(chunk));
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0) {
				g_byte_array_append(w->buf, chunk, (guint)got);
				worker_drain(pl, w, k);
				if (!stopping)
					pool_feed(pl, w);
				continue;
			}
			worker_gone(pl, w, k);
			/* hand what it owed to the others */
			for (unsigned q = 0; q < pl->nw && !stopping; q++)
				pool_feed(pl, &pl->w[q]);
		}
	}
	g_free(fds);
}

/* ---- the batch ------------------------------------------------------- */

unsigned batch_default_jobs(void)
{
	return MAX(1u, g_get_num_processors());
}

void batch_run(const struct scenario *const *items, unsigned n, const struct batch_options *o,
               struct batch_stats *st)
{
	struct progress p = {.on = o->progress,
	                     .noun = o->noun ? o->noun : "scenarios",
	                     .total = n,
	                     .start = g_get_monotonic_time()};
	struct sink k = {.o = o,
	                 .results = g_new0(struct run_result *, MAX(n, 1)),
	                 .finished = g_new0(bool, MAX(n, 1)),
	                 .n = n,
	                 .p = &p,
	                 .st = st};
	const char *term = g_getenv("TERM");
	struct saved_signals saved;
	unsigned jobs = o->jobs ? o->jobs : batch_default_jobs();

	memset(st, 0, sizeof(*st));
	p.dumb = term && !strcmp(term, "dumb");
	p.last = p.start - 1000000;
	jobs = MIN(jobs, MAX(n, 1u));
	/* One trace file, or one real domain: one cell at a time. */
	if (o->run && (o->run->trace || (o->run->backend && o->run->backend != &backend_sim)))
		jobs = 1;
	st->jobs = jobs;
	signals_catch(&saved);
	if (jobs > 1) {
		struct pool pl = {.w = g_new0(struct worker, jobs),
		                  .nw = jobs,
		                  .items = items,
		                  .n = n,
		                  .again = g_array_new(FALSE, FALSE, sizeof(unsigned)),
		                  .chunk = CLAMP(n / (jobs * 16), 1u, 32u)};
		run_pool(&pl, o, &k);
		for (unsigned j = 0; j < jobs; j++) {
			if (pl.w[j].queue)
				g_array_free(pl.w[j].queue, TRUE);
			if (pl.w[j].buf)
				g_byte_array_free(pl.w[j].buf, TRUE);
		}
		g_free(pl.w);
		/* whatever no worker could take runs here */
		while (!stop_requested && pl.again->len) {
			unsigned i = g_array_index(pl.again, unsigned, pl.again->len - 1);
			g_array_set_size(pl.again, pl.again->len - 1);
			sink_put(&k, i, run_scenario(items[i], o->run));
		}
		for (unsigned i = pl.next_new; i < n && !stop_requested; i++)
			sink_put(&k, i, run_scenario(items[i], o->run));
		g_array_free(pl.again, TRUE);
	} else {
		for (unsigned i = 0; i < n && !stop_requested; i++)
			sink_put(&k, i, run_scenario(items[i], o->run));
	}
	if (stop_requested)
		st->interrupted = true;
	sink_flush(&k);
	signals_restore(&saved);
	st->seconds = (double)(g_get_monotonic_time() - p.start) / 1e6;
	if (shown_progress == &p)
		shown_progress = NULL;
	g_free(k.results);
	g_free(k.finished);
}
