/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/proto.h"

struct client {
	int fd;
	long long next_id;
	char *buf;
	size_t len, cap;
	size_t scanned; /* bytes of buf known to hold no '\n' */
};

int client_connect(const char *path, struct client **ret)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct client *cl;
	int r;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->next_id = 1;
	cl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cl->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (connect(cl->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = cl;
	return 0;
fail:
	client_close(cl);
	return r;
}

int client_fd(const struct client *cl)
{
	return cl->fd;
}

void client_close(struct client *cl)
{
	if (!cl)
		return;
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->buf);
	free(cl);
}

int client_send(struct client *cl, const char *method, json_t *params, long long *ret_id)
{
	long long id = cl->next_id++;
	size_t len = 0, off = 0;
	char *line;
	int r = 0;

	line = control_request_format(id, method, params, &len);
	if (!line)
		return -ENOMEM;
	if (len - 1 > CONTROL_LINE_MAX) {
		r = -E2BIG;
		goto cleanup;
	}
	while (off < len) {
		ssize_t n = send(cl->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto cleanup;
		}
		off += (size_t)n;
	}
	if (ret_id)
		*ret_id = id;
cleanup:
	free(line);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int client_read(struct client *cl, int timeout_ms, json_t **ret_msg)
{
	long long deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;

	for (;;) {
		char *nl = cl->len > cl->scanned
				   ? memchr(cl->buf + cl->scanned, '\n', cl->len - cl->scanned)
				   : NULL;

		if (nl) {
			size_t l = (size_t)(nl - cl->buf);
			json_t *msg = json_loadb(cl->buf, l, 0, NULL);

			memmove(cl->buf, nl + 1, cl->len - l - 1);
			cl->len -= l + 1;
			cl->scanned = 0;
			if (!json_is_object(msg)) {
				json_decref(msg);
				return -EBADMSG;
			}
			*ret_msg = msg;
			return 0;
		}
		cl->scanned = cl->len;
		if (cl->len > CONTROL_REPLY_MAX)
			return -E2BIG;
		if (cl->cap - cl->len < 65536) {
			size_t cap = cl->cap ? cl->cap * 2 : 131072;
			char *p = realloc(cl->buf, cap);

			if (!p)
				return -ENOMEM;
			cl->buf = p;
			cl->cap = cap;
		}

		struct pollfd pfd = {.fd = cl->fd, .events = POLLIN};
		int wait = -1;

		if (timeout_ms >= 0) {
			long long left = deadline - now_ms();

			/* Past the deadline still reads what is already there:
			 * with TIMEOUT_MS 0 this drains the socket without waiting. */
			wait = left > 0 ? (int)left : 0;
		}
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = read(cl->fd, cl->buf + cl->len, cl->cap - cl->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		cl->len += (size_t)n;
	}
}

void client_error_text(json_t *error, char *buf, size_t bufsz)
{
	const char *code = json_string_value(json_object_get(error, "code"));
	const char *msg = json_string_value(json_object_get(error, "message"));

	snprintf(buf, bufsz, "%s (%s)", msg && msg[0] ? msg : "error", code ? code : "unknown");
}

int client_call(struct client *cl, const char *method, json_t *params, json_t **ret_result,
		char *err, size_t errsz)
{
	long long id;
	json_t *msg = NULL, *result;
	int r;

	r = client_send(cl, method, params, &id);
	if (r < 0) {
		/* A refused peer is told why, then closed: that line is the
		 * real answer, not the broken pipe. */
		if (r == -EPIPE && client_read(cl, 1000, &msg) == 0) {
			json_t *error = json_object_get(msg, "error");
			if (error) {
				client_error_text(error, err, errsz);
				json_decref(msg);
				return -EREMOTEIO;
			}
			json_decref(msg);
		}
		snprintf(err, errsz, "cannot send the request: %s", strerror(-r));
		return r;
	}
	for (;;) {
		json_t *rid, *error;

		/* picketd answers at once; a long silence means it is stuck. */
		r = client_read(cl, 30000, &msg);
		if (r < 0) {
			snprintf(err, errsz, "%s",
				 r == -ECONNRESET  ? "connection closed by picketd"
				 : r == -EBADMSG   ? "picketd sent a line that is not a JSON object"
				 : r == -ETIMEDOUT ? "no reply from picketd in 30 s"
						   : strerror(-r));
			return r;
		}
		rid = json_object_get(msg, "id");
		error = json_object_get(msg, "error");
		/* An error with a null id is about the connection itself
		 * (permission denied, line too long): it answers us too. */
		if (json_is_null(rid) && error) {
			client_error_text(error, err, errsz);
			json_decref(msg);
			return -EREMOTEIO;
		}
		if (json_is_integer(rid) && json_integer_value(rid) == id)
			break;
		json_decref(msg); /* a stream event or an older reply */
	}
	if (json_is_object(json_object_get(msg, "error"))) {
		client_error_text(json_object_get(msg, "error"), err, errsz);
		json_decref(msg);
		return -EREMOTEIO;
	}
	result = json_incref(json_object_get(msg, "result"));
	json_decref(msg);
	if (!result) {
		snprintf(err, errsz, "reply without a result");
		return -EBADMSG;
	}
	*ret_result = result;
	return 0;
}
