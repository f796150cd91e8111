/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket: a Unix stream socket on the GLib main loop that
 * serves the console's commands to programs, one JSON object a line (see
 * doc/control-socket.md): {"id": 1, "cmd": "fire gpu0"} is answered by
 * {"id": 1, "ok": true, "output": "...", "data": {...}}; {"id": 2,
 * "subscribe": true} asks for the console's events ({"event": "violation",
 * ...}, {"event": "stopped", ...}) as they happen.
 */
#pragma once

#include <glib.h>

#include "console.h"

#define CONTROL_MAX_LINE 65536

struct control;

/* A command a client ran, for the terminal to show (NULL: nothing shown). */
typedef void (*control_echo_fn)(void *ctx, const char *cmd, const struct console_reply *r,
                                enum console_status st);
/* A client asked to quit: the session ends. */
typedef void (*control_quit_fn)(void *ctx);

/* Listens on path (created 0600; a stale socket file nobody listens on is
 * replaced, anything else there is an error), serving c on the default
 * main context. */
struct control *control_new(const char *path, struct console *c, control_echo_fn echo,
                            control_quit_fn quit, void *ctx, GError **error);
/* Sends what is still queued (waiting at most a second), closes every
 * client and removes the socket file. */
void control_free(struct control *ctl);
