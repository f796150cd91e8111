/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console's command interpreter: one live simulation driven one command
 * line at a time, in the scenario's vocabulary (every step op is a command
 * with the same fields) plus the debugger's (step, next, continue, until,
 * break), show, fault, check, seed, trace and record. The terminal, a
 * script on standard input and the control socket all go through
 * console_exec, so there is one vocabulary. doc/console.md documents it.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct console;

struct console_options {
	const char *scenario;    /* a scenario file, or NULL for the default VM */
	const char *const *sets; /* --set PATH=VALUE, NULL-terminated, or NULL */
	bool seed_set;
	uint64_t seed;
	const char *trace; /* as "trace on FILE" before anything runs, or NULL */
};

enum console_status {
	CONSOLE_OK,
	CONSOLE_ERROR, /* the command was refused or failed; the session goes on */
	CONSOLE_QUIT,
};

/* What one command produced: text for people, structured data (show,
 * check, break list, fault list; else NULL) for programs, and on
 * CONSOLE_ERROR the reason. */
struct console_reply {
	GString *output;
	json_object *data;
	char *error;
};

void console_reply_init(struct console_reply *r);
void console_reply_clear(struct console_reply *r);

/* Builds the world (powered off): the scenario's VM, or the default one
 * (4 vCPUs, gpu0 keep-vectors 8, nvme0 recreate-vectors 8). A wrong
 * scenario or option is a SCENARIO_ERROR. */
struct console *console_new(const struct console_options *opt, GError **error);
void console_free(struct console *c);

enum console_status console_exec(struct console *c, const char *line, struct console_reply *reply);

/* Asynchronous events ({"event": "violation", ...}, {"event": "stopped",
 * ...}) as they happen, for the control socket's subscribers. The object is
 * the callee's to keep (json_object_get) or to leave. */
typedef void (*console_event_fn)(void *ctx, json_object *event);
void console_set_event_handler(struct console *c, console_event_fn fn, void *ctx);

/* While set, what a command prints goes to fn as it happens (each step
 * that ends), not only into the reply at the end: for a terminal. */
typedef void (*console_output_fn)(void *ctx, const char *text);
void console_set_output_handler(struct console *c, console_output_fn fn, void *ctx);

/* Async-signal-safe: stops a running continue (next, until, ...) at the
 * next event boundary (Ctrl-C). */
void console_interrupt(void);

/* Ends the session: finishes a step under way, lets the world settle, runs
 * the oracles a last time, writes the verdict to out (as `run` does, when
 * out is not NULL) and returns 0 if it is what the scenario expects (the
 * default VM expects a pass), else 1. The console is then done: free it. */
int console_finish(struct console *c, FILE *out, bool color);

/* Tab completion: the words that may stand at [start, start + strlen(word))
 * of line, word being what is typed of it so far. NULL when a file name
 * goes there (the caller completes file names). */
char **console_complete(struct console *c, const char *line, size_t start, const char *word);

/* The names of every command, for help and completion. */
const char *const *console_command_names(void);
