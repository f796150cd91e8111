/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A client that does not read its replies is dropped past this. */
#define CONTROL_MAX_QUEUED (16 * 1024 * 1024)

struct client {
	struct control *ctl;
	int fd;
	guint in_src;
	guint out_src;
	GString *in;
	GString *out;
	bool skipping; /* the rest of an oversized line */
	bool subscribed;
	bool closing;
};

struct control {
	char *path;
	int fd;
	guint src;
	struct console *c;
	GPtrArray *clients;
	control_echo_fn echo;
	control_quit_fn quit;
	void *ctx;
};

static void client_close(struct client *cl)
{
	struct control *ctl = cl->ctl;

	if (cl->in_src)
		g_source_remove(cl->in_src);
	if (cl->out_src)
		g_source_remove(cl->out_src);
	close(cl->fd);
	g_string_free(cl->in, TRUE);
	g_string_free(cl->out, TRUE);
	g_ptr_array_remove(ctl->clients, cl);
	g_free(cl);
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer data);

/* Sends what it can without waiting; false if the client is gone. */
static bool client_flush(struct client *cl)
{
	while (cl->out->len) {
		ssize_t n = send(cl->fd, cl->out->str, cl->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return false;
		g_string_erase(cl->out, 0, n);
	}
	if (cl->out->len && !cl->out_src)
		cl->out_src = g_unix_fd_add(cl->fd, G_IO_OUT, on_writable, cl);
	return true;
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer data)
{
	struct client *cl = data;

	(void)fd;
	(void)cond;
	cl->out_src = 0;
	if (!client_flush(cl)) {
		client_close(cl);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_REMOVE; /* client_flush adds it again if needed */
}

/* Queues one JSON line; the object is consumed. */
static void client_send(struct client *cl, json_object *o)
{
	g_string_append(cl->out, json_object_to_json_string_ext(
	                             o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	g_string_append_c(cl->out, '\n');
	json_object_put(o);
	if (cl->out->len > CONTROL_MAX_QUEUED)
		cl->closing = true;
}

static json_object *error_reply(json_object *id, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static json_object *error_reply(json_object *id, const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static void on_event(void *ctx, json_object *ev)
{
	struct control *ctl = ctx;

	for (guint i = 0; i < ctl->clients->len; i++) {
		struct client *cl = g_ptr_array_index(ctl->clients, i);
		if (!cl->subscribed || cl->closing)
			continue;
		client_send(cl, json_object_get(ev));
		if (!client_flush(cl))
			cl->closing = true;
	}
}

/* One request line; false when the session is to end. */
static bool handle_line(struct client *cl, const char *line, size_t len)
{
	struct control *ctl = cl->ctl;
	json_tokener *tok = json_tokener_new();
	json_object *req, *id = NULL, *cmd = NULL, *sub = NULL, *reply;
	struct console_reply r;
	enum console_status st;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_object_put(req);
		json_tokener_free(tok);
		client_send(cl,
		            error_reply(NULL, "not a JSON object on one line: %s",
		                        e == json_tokener_success    ? "text after the object"
		                        : e == json_tokener_continue ? "it ends too early"
		                                                     : json_tokener_error_desc(e)));
		return true;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		client_send(cl, error_reply(NULL, "a request is a JSON object: {\"id\": 1, "
		                                  "\"cmd\": \"show status\"}"));
		return true;
	}
	json_object_object_get_ex(req, "id", &id);
	json_object_object_get_ex(req, "cmd", &cmd);
	json_object_object_get_ex(req, "subscribe", &sub);
	json_object_object_foreach(req, key, val)
	{
		(void)val;
		if (strcmp(key, "id") && strcmp(key, "cmd") && strcmp(key, "subscribe")) {
			client_send(cl, error_reply(id,
			                            "unknown member \"%s\" (a request has "
			                            "\"id\", and \"cmd\" or \"subscribe\")",
			                            key));
			json_object_put(req);
			return true;
		}
	}
	if (sub && !cmd) {
		if (!json_object_is_type(sub, json_type_boolean)) {
			client_send(cl, error_reply(id, "\"subscribe\" is true or false"));
		} else {
			cl->subscribed = json_object_get_boolean(sub);
			reply = json_object_new_object();
			json_object_object_add(reply, "id", json_object_get(id));
			json_object_object_add(reply, "ok", json_object_new_boolean(true));
			json_object_object_add(reply, "output", json_object_new_string(""));
			client_send(cl, reply);
		}
		json_object_put(req);
		return true;
	}
	if (!cmd || sub || !json_object_is_type(cmd, json_type_string)) {
		client_send(cl, error_reply(id, "a request has a string \"cmd\" (a console "
		                                "command line) or a boolean \"subscribe\""));
		json_object_put(req);
		return true;
	}
	console_reply_init(&r);
	st = console_exec(ctl->c, json_object_get_string(cmd), &r);
	reply = json_object_new_object();
	json_object_object_add(reply, "id", json_object_get(id));
	json_object_object_add(reply, "ok", json_object_new_boolean(st != CONSOLE_ERROR));
	json_object_object_add(reply, "output", json_object_new_string(r.output->str));
	if (r.data)
		json_object_object_add(reply, "data", json_object_get(r.data));
	if (st == CONSOLE_ERROR)
		json_object_object_add(reply, "error", json_object_new_string(r.error));
	if (ctl->echo)
		ctl->echo(ctl->ctx, json_object_get_string(cmd), &r, st);
	client_send(cl, reply);
	console_reply_clear(&r);
	json_object_put(req);
	return st != CONSOLE_QUIT;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct client *cl = data;
	struct control *ctl = cl->ctl;
	char buf[8192];
	ssize_t n;
	bool quit = false;

	(void)cond;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		cl->in_src = 0;
		client_close(cl);
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(cl->in, buf, n);
	for (;;) {
		char *nl = memchr(cl->in->str, '\n', cl->in->len);
		size_t len;

		if (!nl) {
			if (cl->in->len > CONTROL_MAX_LINE && !cl->skipping) {
				client_send(cl, error_reply(NULL,
				                            "a line longer than %d bytes; it is "
				                            "ignored up to its end",
				                            CONTROL_MAX_LINE));
				cl->skipping = true;
			}
			if (cl->skipping)
				g_string_truncate(cl->in, 0);
			break;
		}
		len = (size_t)(nl - cl->in->str);
		{
			size_t n = len && cl->in->str[len - 1] == '\r' ? len - 1 : len; /* CRLF */
			if (cl->skipping) {
				cl->skipping = false;
			} else if (n > CONTROL_MAX_LINE) {
				client_send(
				    cl,
				    error_reply(NULL, "a line longer than %d bytes; it is ignored",
				                CONTROL_MAX_LINE));
			} else if (n && !handle_line(cl, cl->in->str, n)) {
				quit = true;
			}
		}
		g_string_erase(cl->in, 0, (gssize)len + 1);
		if (quit)
			break;
	}
	if (!client_flush(cl) || cl->closing) {
		cl->in_src = 0;
		client_close(cl);
		if (quit && ctl->quit)
			ctl->quit(ctl->ctx);
		return G_SOURCE_REMOVE;
	}
	if (quit && ctl->quit)
		ctl->quit(ctl->ctx);
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct control *ctl = data;
	struct client *cl;
	int cfd;

	(void)cond;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	cl = g_new0(struct client, 1);
	cl->ctl = ctl;
	cl->fd = cfd;
	cl->in = g_string_new(NULL);
	cl->out = g_string_new(NULL);
	cl->in_src = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, cl);
	g_ptr_array_add(ctl->clients, cl);
	return G_SOURCE_CONTINUE;
}

/* A socket file left by a process that is gone may be replaced; one that
 * somebody listens on, or a file that is not a socket, may not. */
static bool clear_stale(const char *path, const struct sockaddr_un *addr, GError **error)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return true;
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            "%s exists and is not a socket; not replacing it", path);
		return false;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s",
		            g_strerror(errno));
		return false;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0) {
		close(fd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
		            "%s: another process listens there", path);
		return false;
	}
	close(fd);
	if (errno != ECONNREFUSED) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "%s: cannot tell whether anybody listens there: %s", path,
		            g_strerror(errno));
		return false;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "%s: cannot remove the stale socket: %s", path, g_strerror(errno));
		return false;
	}
	return true;
}

struct control *control_new(const char *path, struct console *c, control_echo_fn echo,
                            control_quit_fn quit, void *ctx, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct control *ctl;
	mode_t old;
	int fd, r;

	if (!*path || strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "%s: a socket path has 1 to %zu bytes, this one has %zu", path,
		            sizeof(addr.sun_path) - 1, strlen(path));
		return NULL;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (!clear_stale(path, &addr, error))
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s",
		            g_strerror(errno));
		return NULL;
	}
	old = umask(0177); /* the socket file is created 0600 */
	r = bind(fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		int err = errno;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s", path,
		            g_strerror(err));
		close(fd);
		return NULL;
	}
	ctl = g_new0(struct control, 1);
	ctl->path = g_strdup(path);
	ctl->fd = fd;
	ctl->c = c;
	ctl->echo = echo;
	ctl->quit = quit;
	ctl->ctx = ctx;
	ctl->clients = g_ptr_array_new();
	ctl->src = g_unix_fd_add(fd, G_IO_IN, on_accept, ctl);
	console_set_event_handler(c, on_event, ctl);
	return ctl;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	console_set_event_handler(ctl->c, NULL, NULL);
	/* what was answered reaches its client if it reads within a second */
	for (guint i = 0; i < ctl->clients->len; i++) {
		struct client *cl = g_ptr_array_index(ctl->clients, i);
		gint64 end = g_get_monotonic_time() + G_USEC_PER_SEC;
		while (cl->out->len && g_get_monotonic_time() < end) {
			struct pollfd p = {.fd = cl->fd, .events = POLLOUT};
			if (poll(&p, 1, 100) < 0 && errno != EINTR)
				break;
			if (!client_flush(cl))
				break;
		}
	}
	while (ctl->clients->len)
		client_close(g_ptr_array_index(ctl->clients, 0));
	g_ptr_array_free(ctl->clients, TRUE);
	g_source_remove(ctl->src);
	close(ctl->fd);
	unlink(ctl->path);
	g_free(ctl->path);
	g_free(ctl);
}
