/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvpci-sim shell [SCENARIO] and hvpci-sim serve --control PATH [SCENARIO]:
 * the console on a terminal (line editing, history and completion from
 * libedit), on a script (standard input that is not a terminal: one command
 * a line, no prompt), and on a control socket, all on one GLib main loop.
 */
#include "cmd-shell.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#endif

#include "console.h"
#include "control.h"

#define EXIT_USAGE  2
#define PROMPT      "(hvpci) "
#define HISTORY_MAX 1000

struct shell {
	struct console *c;
	struct control *ctl;
	GMainLoop *loop;
	bool tty;     /* a person at a terminal */
	bool editing; /* libedit owns the terminal line */
	bool errors;  /* a scripted command failed */
	unsigned lineno;
	GIOChannel *in;
	guint in_src;
	char *history;
	int sigpipe[2];
};

static struct shell *the_shell;    /* for libedit's callbacks */
static volatile sig_atomic_t busy; /* a command is running */
static int sig_fd = -1;

static void on_sigint(int sig)
{
	int saved = errno;
	char b = 1;

	(void)sig;
	console_interrupt();
	if (!busy && sig_fd >= 0 && write(sig_fd, &b, 1) < 0) {
		/* nothing to do: the main loop will see the next one */
	}
	errno = saved;
}

static void print_reply(struct shell *sh, const struct console_reply *r, enum console_status st)
{
	fputs(r->output->str, stdout);
	if (st == CONSOLE_ERROR) {
		if (sh->tty)
			printf("error: %s\n", r->error);
		else
			fprintf(stderr, "hvpci-sim shell: <stdin>:%u: %s\n", sh->lineno, r->error);
	}
	fflush(stdout);
}

static void stream(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
	fflush(stdout);
}

/* One command line; false when the session ends. */
static bool run_line(struct shell *sh, const char *line)
{
	struct console_reply r;
	enum console_status st;

	console_reply_init(&r);
	busy = 1;
	console_set_output_handler(sh->c, stream, sh);
	st = console_exec(sh->c, line, &r);
	console_set_output_handler(sh->c, NULL, NULL);
	busy = 0;
	print_reply(sh, &r, st);
	if (st == CONSOLE_ERROR)
		sh->errors = true;
	console_reply_clear(&r);
	return st != CONSOLE_QUIT;
}

static void quit(struct shell *sh)
{
	g_main_loop_quit(sh->loop);
}

/* ---- a terminal ---- */

#ifdef HAVE_LIBEDIT
static char **completion_list;
static unsigned completion_next;

static char *complete_next(const char *text, int state)
{
	(void)text;
	if (!state)
		completion_next = 0;
	if (!completion_list || !completion_list[completion_next])
		return NULL;
	return strdup(completion_list[completion_next++]);
}

static char **complete(const char *text, int start, int end)
{
	char **m;

	(void)end;
	g_strfreev(completion_list);
	completion_list = console_complete(the_shell->c, rl_line_buffer, (size_t)start, text);
	if (!completion_list) {
		rl_attempted_completion_over = 0; /* a file name */
		return NULL;
	}
	rl_attempted_completion_over = 1;
	m = rl_completion_matches(text, complete_next);
	return m;
}

static void on_line(char *line)
{
	struct shell *sh = the_shell;

	if (!line) { /* Ctrl-D */
		printf("\n");
		quit(sh);
		return;
	}
	if (*line)
		add_history(line);
	rl_callback_handler_remove();
	sh->editing = false;
	if (!run_line(sh, line)) {
		free(line);
		quit(sh);
		return;
	}
	free(line);
	rl_callback_handler_install(PROMPT, on_line);
	sh->editing = true;
}

static gboolean on_stdin_tty(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	(void)ch;
	(void)cond;
	(void)data;
	rl_callback_read_char();
	return G_SOURCE_CONTINUE;
}

static void tty_start(struct shell *sh)
{
	g_autofree char *dir = g_build_filename(g_get_user_state_dir(), "hvpci-sim", NULL);

	rl_readline_name = "hvpci-sim";
	rl_catch_signals = 0;
	rl_attempted_completion_function = complete;
	stifle_history(HISTORY_MAX);
	if (g_mkdir_with_parents(dir, 0700) == 0) {
		sh->history = g_build_filename(dir, "history", NULL);
		read_history(sh->history);
	}
	rl_callback_handler_install(PROMPT, on_line);
	sh->editing = true;
}

static void tty_stop(struct shell *sh)
{
	if (sh->editing)
		rl_callback_handler_remove();
	sh->editing = false;
	if (sh->history) {
		if (write_history(sh->history) != 0)
			fprintf(stderr, "hvpci-sim shell: cannot keep the history in %s\n",
			        sh->history);
		else
			history_truncate_file(sh->history, HISTORY_MAX);
	}
	g_strfreev(completion_list);
	completion_list = NULL;
}

/* Ctrl-C at the prompt: forget the line, a new prompt. */
static void tty_interrupt(struct shell *sh)
{
	if (!sh->editing)
		return;
	rl_callback_handler_remove();
	printf("^C\n");
	rl_callback_handler_install(PROMPT, on_line);
}

static void tty_echo(void *ctx, const char *cmd, const struct console_reply *r,
                     enum console_status st)
{
	struct shell *sh = ctx;

	printf("\n[control] %s\n%s", cmd, r->output->str);
	if (st == CONSOLE_ERROR)
		printf("error: %s\n", r->error);
	fflush(stdout);
	if (sh->editing)
		rl_forced_update_display();
}
#else
static void tty_start(struct shell *sh)
{
	(void)sh;
}
static void tty_stop(struct shell *sh)
{
	(void)sh;
}
static void tty_interrupt(struct shell *sh)
{
	(void)sh;
	printf("^C\n");
}
static void tty_echo(void *ctx, const char *cmd, const struct console_reply *r,
                     enum console_status st)
{
	(void)ctx;
	printf("[control] %s\n%s", cmd, r->output->str);
	if (st == CONSOLE_ERROR)
		printf("error: %s\n", r->error);
	fflush(stdout);
}
#endif

/* ---- a script (or a terminal without libedit) ---- */

static gboolean on_stdin_lines(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	struct shell *sh = data;
	g_autoptr(GError) err = NULL;
	g_autofree char *line = NULL;
	gsize len = 0, term = 0;
	GIOStatus s;

	(void)cond;
	s = g_io_channel_read_line(ch, &line, &len, &term, &err);
	if (s == G_IO_STATUS_AGAIN)
		return G_SOURCE_CONTINUE;
	if (s != G_IO_STATUS_NORMAL) { /* end of input */
		if (err)
			fprintf(stderr, "hvpci-sim shell: standard input: %s\n", err->message);
		sh->in_src = 0;
		quit(sh);
		return G_SOURCE_REMOVE;
	}
	line[term] = '\0';
	sh->lineno++;
	if (!run_line(sh, line)) {
		sh->in_src = 0;
		quit(sh);
		return G_SOURCE_REMOVE;
	}
	if (sh->tty) {
		printf(PROMPT);
		fflush(stdout);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigint_pipe(gint fd, GIOCondition cond, gpointer data)
{
	struct shell *sh = data;
	char buf[64];

	(void)cond;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (sh->tty)
		tty_interrupt(sh);
	else
		quit(sh); /* serve, or a script: Ctrl-C between commands ends it */
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigterm(gpointer data)
{
	quit(data);
	return G_SOURCE_CONTINUE;
}

static void control_quit(void *ctx)
{
	quit(ctx);
}

static const char *shell_summary =
    "A console over a live simulation of SCENARIO's VM (or, without one, of a default VM:\n"
    "4 vCPUs, gpu0 keep-vectors 8 vectors, nvme0 recreate-vectors 8 vectors). Every\n"
    "scenario step is a command (boot, fire gpu0 vectors=0,3, hibernate, ...); step, next,\n"
    "continue, until and break stop the world in the middle of one; show, fault, check,\n"
    "seed, trace and record work on it. Type 'help' at the prompt.\n"
    "\n"
    "On a terminal it edits lines, completes words and keeps a history; otherwise it\n"
    "reads one command a line from standard input, without a prompt.\n"
    "\n"
    "Exit status: 0 if the verdict is what the scenario expects (the default VM expects\n"
    "a pass), 1 if not; 2 for a wrong command line or scenario file, or, with standard\n"
    "input not a terminal, a command that was refused.";

static const char *serve_summary =
    "Serves a live simulation of SCENARIO's VM (or the default VM) on the control socket\n"
    "PATH, without a console: one JSON object a line, as doc/control-socket.md says. It\n"
    "ends when a client sends \"quit\", or on SIGINT or SIGTERM.\n"
    "\n"
    "Exit status: as for shell.";

int cmd_shell(int argc, char **argv, bool serve)
{
	const char *name = serve ? "serve" : "shell";
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) sets = NULL;
	g_autofree char *trace = NULL, *control = NULL, *seed_str = NULL, *color = NULL;
	struct console_options opt = {0};
	struct shell sh = {.sigpipe = {-1, -1}};
	struct sigaction sa = {0};
	bool use_color;
	guint pipe_src = 0, term_src = 0;
	int ret;
	GOptionEntry entries[] = {
	    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
	     "Seed for the PRNG, overriding the scenario's", "N"},
	    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
	     "Override a scenario field before validation (repeatable)", "PATH=VALUE"},
	    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace,
	     "Write the trace to FILE from the start (as 'trace on FILE')", "FILE"},
	    {"control", 0, 0, G_OPTION_ARG_FILENAME, &control,
	     "Also serve the session on the Unix socket PATH", "PATH"},
	    {"color", 0, 0, G_OPTION_ARG_STRING, &color,
	     "Colour the verdict: auto (default), always or never", "WHEN"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};

	ctx = g_option_context_new(serve ? "--control PATH [SCENARIO] - serve a live simulation"
	                                 : "[SCENARIO] - a console over a live simulation");
	g_option_context_set_summary(ctx, serve ? serve_summary : shell_summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "hvpci-sim %s: %s\nTry 'hvpci-sim %s --help'.\n", name,
		        error->message, name);
		return EXIT_USAGE;
	}
	if (argc > 2) {
		fprintf(stderr, "hvpci-sim %s: one scenario at most\nTry 'hvpci-sim %s --help'.\n",
		        name, name);
		return EXIT_USAGE;
	}
	if (serve && !control) {
		fprintf(stderr, "hvpci-sim serve: --control PATH is required\n");
		return EXIT_USAGE;
	}
	if (color && strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		fprintf(stderr, "hvpci-sim %s: --color %s: expected auto, always or never\n", name,
		        color);
		return EXIT_USAGE;
	}
	use_color = color && strcmp(color, "always") == 0 ? true
	            : color && strcmp(color, "never") == 0
	                ? false
	                : isatty(fileno(stdout)) && !g_getenv("NO_COLOR");
	if (seed_str) {
		char *end;
		errno = 0;
		opt.seed = g_ascii_strtoull(seed_str, &end, 0);
		if (errno || !*seed_str || *end || seed_str[0] == '-') {
			fprintf(stderr,
			        "hvpci-sim %s: --seed %s: expected a non-negative integer\n", name,
			        seed_str);
			return EXIT_USAGE;
		}
		opt.seed_set = true;
	}
	opt.scenario = argc > 1 ? argv[1] : NULL;
	opt.sets = (const char *const *)sets;
	opt.trace = trace;
	sh.c = console_new(&opt, &error);
	if (!sh.c) {
		fprintf(stderr, "hvpci-sim %s: %s\n", name, error->message);
		return EXIT_USAGE;
	}
	sh.tty = !serve && isatty(STDIN_FILENO);
	sh.loop = g_main_loop_new(NULL, FALSE);
	the_shell = &sh;
	if (control) {
		sh.ctl =
		    control_new(control, sh.c, sh.tty ? tty_echo : NULL, control_quit, &sh, &error);
		if (!sh.ctl) {
			fprintf(stderr, "hvpci-sim %s: --control %s\n", name, error->message);
			console_free(sh.c);
			g_main_loop_unref(sh.loop);
			return EXIT_USAGE;
		}
		if (serve)
			printf("serving on %s\n", control);
		fflush(stdout);
	}
	signal(SIGPIPE, SIG_IGN);
	if (g_unix_open_pipe(sh.sigpipe, FD_CLOEXEC, NULL) &&
	    g_unix_set_fd_nonblocking(sh.sigpipe[0], TRUE, NULL) &&
	    g_unix_set_fd_nonblocking(sh.sigpipe[1], TRUE, NULL)) {
		sig_fd = sh.sigpipe[1];
		pipe_src = g_unix_fd_add(sh.sigpipe[0], G_IO_IN, on_sigint_pipe, &sh);
	}
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	term_src = g_unix_signal_add(SIGTERM, on_sigterm, &sh);
	if (!serve) {
		sh.in = g_io_channel_unix_new(STDIN_FILENO);
#ifdef HAVE_LIBEDIT
		if (sh.tty) {
			tty_start(&sh);
			sh.in_src =
			    g_io_add_watch(sh.in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin_tty, &sh);
		} else
#endif
		{
			if (sh.tty) {
				tty_start(&sh);
				printf(PROMPT);
				fflush(stdout);
			}
			sh.in_src = g_io_add_watch(sh.in, G_IO_IN | G_IO_HUP | G_IO_ERR,
			                           on_stdin_lines, &sh);
		}
	}
	g_main_loop_run(sh.loop);
	if (sh.tty)
		tty_stop(&sh);
	if (sh.in_src)
		g_source_remove(sh.in_src);
	if (sh.in)
		g_io_channel_unref(sh.in);
	control_free(sh.ctl);
	sh.ctl = NULL;
	signal(SIGINT, SIG_DFL);
	sig_fd = -1;
	if (pipe_src)
		g_source_remove(pipe_src);
	g_source_remove(term_src);
	if (sh.sigpipe[0] >= 0) {
		close(sh.sigpipe[0]);
		close(sh.sigpipe[1]);
	}
	ret = console_finish(sh.c, stdout, use_color);
	console_free(sh.c);
	g_main_loop_unref(sh.loop);
	g_free(sh.history);
	the_shell = NULL;
	if (sh.errors && !sh.tty && !serve)
		return EXIT_USAGE;
	return ret;
}
