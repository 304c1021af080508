/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the control protocol: the request-line parser and
 * validator (control_request_parse) with the reply writers, then the same
 * bytes as a whole client session against a real server (framing, bounds,
 * dispatch), over a unix socket in a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/proto.h"
#include "control/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct control *server; /* one per process, made on first use */
static char sock_path[108];

static int m_echo(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		  size_t errsz)
{
	*ret = json_pack("{s:O}", "params", params);
	return 0;
}

static int m_sub(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		 size_t errsz)
{
	json_t *msg = json_pack("{s:s, s:O}", "event", "connection", "data", params);
	int r = control_client_subscribe(cl, "events");

	if (r >= 0)
		control_publish(server, "events", msg);
	json_decref(msg);
	return r;
}

static int m_fail(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		  size_t errsz)
{
	const char *s = json_string_value(json_object_get(params, "msg"));

	if (s)
		snprintf(err, errsz, "%s", s);
	return -ENOENT;
}

static const struct control_method methods[] = {
	{"echo", m_echo}, {"events.subscribe", m_sub}, {"fail", m_fail}, {NULL, NULL}};

static void check_line(char *line, size_t len)
{
	json_t *j;

	if (!line)
		abort();
	/* One line, exactly: the encoder must escape every '\n'. */
	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	j = json_loadb(line, len - 1, 0, NULL);
	if (!j || !json_is_object(j) || !json_object_get(j, "id"))
		abort();
	json_decref(j);
	free(line);
}

static void fuzz_parser(const uint8_t *data, size_t size)
{
	struct control_request req;
	size_t len = 0;

	if (control_request_parse((const char *)data, size, &req) == 0) {
		if (!req.id || !req.method || !json_is_object(req.params))
			abort();
		if (!json_is_integer(req.id) && !json_is_string(req.id))
			abort();
		if (strlen(req.method) == 0 || strlen(req.method) > CONTROL_METHOD_MAX)
			abort();
		check_line(control_reply_result(req.id, req.params, &len), len);
	} else {
		if (!req.err_code || !req.err_msg[0])
			abort();
		check_line(control_reply_error(req.id, req.err_code, req.err_msg, &len), len);
	}
	control_request_clear(&req);
}

static char sock_dir[] = "/tmp/fuzz-control-XXXXXX";

/* No socket directory left in /tmp after a run. */
static void remove_server(void)
{
	control_close(server); /* unlinks the socket it made */
	server = NULL;
	rmdir(sock_dir);
}

static void fuzz_session(const uint8_t *data, size_t size)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[65536];
	size_t off = 0;
	int fd, rounds = 0;
	bool wr_done = false;

	if (!server) {
		if (!mkdtemp(sock_dir))
			abort();
		snprintf(sock_path, sizeof(sock_path), "%s/s.sock", sock_dir);
		if (control_open(sock_path, NULL, methods, NULL, &server) < 0)
			abort();
		atexit(remove_server); /* libFuzzer exits normally at -max_total_time */
	}
	memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		abort();
	/* Feed the input, run the server, read whatever comes back, until
	 * the server has closed or everything is answered. */
	for (;;) {
		ssize_t n;

		if (!wr_done) {
			n = off < size ? send(fd, data + off, size - off, MSG_NOSIGNAL) : 0;
			if (n > 0)
				off += (size_t)n;
			if (off == size || (n < 0 && errno == EPIPE)) {
				shutdown(fd, SHUT_WR);
				wr_done = true;
			}
		}
		control_process(server);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			break;
		if (n < 0 && errno != EAGAIN && errno != ECONNRESET)
			abort();
		if (n < 0 && errno == ECONNRESET)
			break;
		if (++rounds > 100000)
			abort(); /* the server stopped making progress */
	}
	close(fd);
	control_process(server);
	if (control_client_count(server) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parser(data, size);
	fuzz_session(data, size);
	return 0;
}
