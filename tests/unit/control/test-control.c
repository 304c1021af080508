/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the control server and its message layer. The test is both
 * server and clients: it drives control_process() itself while it waits for
 * a reply, over a socket in a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/proto.h"
#include "control/server.h"

struct fixture {
	char dir[64];
	char path[128];
	struct control *ctl;
	int published; /* by the "publish" handler */
};

struct tconn {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
};

/* --- handlers ---------------------------------------------------------- */

static int m_echo(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		  size_t errsz)
{
	*ret = json_pack("{s:O}", "params", params);
	return 0;
}

static int m_notfound(void *ud, struct control_client *cl, json_t *params, json_t **ret,
		      char *err, size_t errsz)
{
	snprintf(err, errsz, "no rule named \"%s\"", "x");
	return -ENOENT;
}

static int m_io(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		size_t errsz)
{
	return -EIO;
}

static int m_subscribe(void *ud, struct control_client *cl, json_t *params, json_t **ret,
		       char *err, size_t errsz)
{
	int r = control_client_subscribe(cl, "events");

	if (r < 0)
		return r;
	*ret = json_pack("{s:s}", "subscribed", "events");
	return 0;
}

static int m_whoami(void *ud, struct control_client *cl, json_t *params, json_t **ret,
		    char *err, size_t errsz)
{
	*ret = json_pack("{s:i, s:i, s:i}", "uid", (int)control_client_uid(cl), "gid",
			 (int)control_client_gid(cl), "pid", (int)control_client_pid(cl));
	return 0;
}

static int m_big(void *ud, struct control_client *cl, json_t *params, json_t **ret, char *err,
		 size_t errsz)
{
	json_int_t n = json_integer_value(json_object_get(params, "size"));
	char *s;

	if (n <= 0 || n > 32 * 1024 * 1024) {
		snprintf(err, errsz, "size: out of range");
		return -EINVAL;
	}
	s = malloc((size_t)n + 1);
	memset(s, 'x', (size_t)n);
	s[n] = '\0';
	*ret = json_pack("{s:s}", "data", s);
	free(s);
	return 0;
}

static int m_publish(void *ud, struct control_client *cl, json_t *params, json_t **ret,
		     char *err, size_t errsz)
{
	struct fixture *f = ud;
	json_t *msg = json_pack("{s:s, s:O}", "event", "connection", "data", params);
	int r = control_publish(f->ctl, "events", msg);

	json_decref(msg);
	if (r < 0)
		return r;
	f->published += r;
	*ret = json_pack("{s:i}", "sent", r);
	return 0;
}

static const struct control_method methods[] = {
	{"echo", m_echo},       {"notfound", m_notfound},   {"io", m_io},
	{"sub", m_subscribe},   {"whoami", m_whoami},       {"big", m_big},
	{"publish", m_publish}, {NULL, NULL},
};

/* --- plumbing ---------------------------------------------------------- */

static int open_server(struct fixture *f, const char *group)
{
	return control_open(f->path, group, methods, f, &f->ctl);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/picket-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* sub/ does not exist yet: control_open makes it. */
	snprintf(f->path, sizeof(f->path), "%s/sub/picket.sock", f->dir);
	assert_int_equal(open_server(f, "picket-no-such-group"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sub[160];

	control_close(f->ctl);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	rmdir(sub);
	rmdir(f->dir);
	free(f);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int raw_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct tconn *tc_open(struct fixture *f)
{
	struct tconn *tc = calloc(1, sizeof(*tc));

	tc->fd = raw_connect(f->path);
	assert_true(tc->fd >= 0);
	fcntl(tc->fd, F_SETFL, O_NONBLOCK);
	control_process(f->ctl); /* accept it */
	return tc;
}

static void tc_close(struct tconn *tc)
{
	if (!tc)
		return;
	close(tc->fd);
	free(tc->buf);
	free(tc);
}

static void tc_send(struct fixture *f, struct tconn *tc, const char *s, size_t len)
{
	size_t off = 0;
	long long deadline = now_ms() + 5000;

	while (off < len) {
		ssize_t n = send(tc->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			assert_true(now_ms() < deadline);
			control_process(f->ctl);
			continue;
		}
		off += (size_t)n;
	}
	control_process(f->ctl);
}

static void tc_sends(struct fixture *f, struct tconn *tc, const char *s)
{
	tc_send(f, tc, s, strlen(s));
}

/* Reads into the buffer what is there now; false if nothing came. */
static bool tc_fill(struct tconn *tc)
{
	if (tc->cap - tc->len < 65536) {
		tc->cap = tc->cap ? tc->cap * 2 : 131072;
		tc->buf = realloc(tc->buf, tc->cap);
	}
	ssize_t n = recv(tc->fd, tc->buf + tc->len, tc->cap - tc->len, MSG_DONTWAIT);
	if (n == 0)
		tc->eof = true;
	if (n <= 0)
		return false;
	tc->len += (size_t)n;
	return true;
}

/* The next line (malloc'ed, without '\n'), or NULL at EOF or after
 * TIMEOUT_MS; runs the server meanwhile. */
static char *tc_line(struct fixture *f, struct tconn *tc, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = tc->len ? memchr(tc->buf, '\n', tc->len) : NULL;

		if (nl) {
			size_t l = (size_t)(nl - tc->buf);
			char *line = strndup(tc->buf, l);

			memmove(tc->buf, nl + 1, tc->len - l - 1);
			tc->len -= l + 1;
			return line;
		}
		if (tc->eof || now_ms() > deadline)
			return NULL;
		if (f)
			control_process(f->ctl);
		if (!tc_fill(tc) && !tc->eof) {
			struct pollfd p = {.fd = tc->fd, .events = POLLIN};

			poll(&p, 1, 2);
		}
	}
}

/* Parses a reply line; fails the test if it is not a JSON object. */
static json_t *tc_reply(struct fixture *f, struct tconn *tc)
{
	char *line = tc_line(f, tc, 3000);
	json_t *j;

	assert_non_null(line);
	j = json_loads(line, 0, NULL);
	if (!j)
		fail_msg("not JSON: %s", line);
	free(line);
	assert_true(json_is_object(j));
	return j;
}

static void assert_error(json_t *reply, const char *code)
{
	json_t *e = json_object_get(reply, "error");

	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_non_null(json_string_value(json_object_get(e, "message")));
	assert_null(json_object_get(reply, "result"));
}

static void expect_error(struct fixture *f, struct tconn *tc, const char *req, const char *code,
			 json_int_t id /* -1: null */)
{
	json_t *r;

	tc_sends(f, tc, req);
	r = tc_reply(f, tc);
	assert_error(r, code);
	if (id < 0)
		assert_true(json_is_null(json_object_get(r, "id")));
	else
		assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
	json_decref(r);
}

static void expect_eof(struct fixture *f, struct tconn *tc)
{
	char *line = tc_line(f, tc, 3000);

	if (line)
		fail_msg("expected EOF, got: %s", line);
	assert_true(tc->eof);
}

/* --- tests --------------------------------------------------------------- */

static void test_socket_file(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char sub[160];

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(control_fd(f->ctl) >= 0);

	control_close(f->ctl);
	f->ctl = NULL;
	assert_int_equal(stat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_request_reply(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);
	json_t *r;

	tc_sends(f, tc, "{\"id\":7,\"method\":\"echo\",\"params\":{\"a\":[1,2]}}\n");
	r = tc_reply(f, tc);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	assert_int_equal(json_array_size(json_object_get(json_object_get(
				 json_object_get(r, "result"), "params"), "a")), 2);
	assert_null(json_object_get(r, "error"));
	json_decref(r);

	/* String id, no params (the handler sees {}), CRLF. */
	tc_sends(f, tc, "{\"method\":\"echo\",\"id\":\"abc\"}\r\n");
	r = tc_reply(f, tc);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "abc");
	assert_true(json_is_object(json_object_get(json_object_get(r, "result"), "params")));
	json_decref(r);

	/* Empty lines are skipped; whoami sees our credentials. */
	tc_sends(f, tc, "\n\n{\"id\":1,\"method\":\"whoami\"}\n");
	r = tc_reply(f, tc);
	json_t *res = json_object_get(r, "result");
	assert_int_equal(json_integer_value(json_object_get(res, "uid")), geteuid());
	assert_int_equal(json_integer_value(json_object_get(res, "pid")), getpid());
	json_decref(r);
	tc_close(tc);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);

	expect_error(f, tc, "{\"id\":1,\"method\":\n", CONTROL_ERR_PARSE, -1);
	expect_error(f, tc, "not json at all\n", CONTROL_ERR_PARSE, -1);
	expect_error(f, tc, "{\"id\":1,\"id\":2,\"method\":\"echo\"}\n", CONTROL_ERR_PARSE, -1);
	expect_error(f, tc, "[1,2,3]\n", CONTROL_ERR_INVALID_REQUEST, -1);
	expect_error(f, tc, "{\"method\":\"echo\"}\n", CONTROL_ERR_INVALID_REQUEST, -1);
	expect_error(f, tc, "{\"id\":1.5,\"method\":\"echo\"}\n", CONTROL_ERR_INVALID_REQUEST, -1);
	expect_error(f, tc, "{\"id\":{},\"method\":\"echo\"}\n", CONTROL_ERR_INVALID_REQUEST, -1);
	expect_error(f, tc, "{\"id\":2}\n", CONTROL_ERR_INVALID_REQUEST, 2);
	expect_error(f, tc, "{\"id\":3,\"method\":5}\n", CONTROL_ERR_INVALID_REQUEST, 3);
	expect_error(f, tc, "{\"id\":4,\"method\":\"\"}\n", CONTROL_ERR_INVALID_REQUEST, 4);
	expect_error(f, tc, "{\"id\":5,\"method\":\"echo\",\"x\":1}\n",
		     CONTROL_ERR_INVALID_REQUEST, 5);
	expect_error(f, tc, "{\"id\":6,\"method\":\"nope\"}\n", CONTROL_ERR_METHOD_NOT_FOUND, 6);
	expect_error(f, tc, "{\"id\":7,\"method\":\"echo\",\"params\":[1]}\n",
		     CONTROL_ERR_INVALID_PARAMS, 7);
	expect_error(f, tc, "{\"id\":8,\"method\":\"echo\",\"params\":\"s\"}\n",
		     CONTROL_ERR_INVALID_PARAMS, 8);
	expect_error(f, tc, "{\"id\":9,\"method\":\"echo\",\"params\":null}\n",
		     CONTROL_ERR_INVALID_PARAMS, 9);
	expect_error(f, tc, "{\"id\":10,\"method\":\"notfound\"}\n", CONTROL_ERR_NOT_FOUND, 10);
	expect_error(f, tc, "{\"id\":11,\"method\":\"io\"}\n", CONTROL_ERR_INTERNAL, 11);
	expect_error(f, tc, "{\"id\":12,\"method\":\"big\",\"params\":{}}\n",
		     CONTROL_ERR_INVALID_PARAMS, 12);
	/* Invalid UTF-8 is a parse error, not a crash or a bad reply. */
	expect_error(f, tc, "{\"id\":13,\"method\":\"\xff\xfe\"}\n", CONTROL_ERR_PARSE, -1);

	/* The connection survived all of that. */
	tc_sends(f, tc, "{\"id\":99,\"method\":\"echo\"}\n");
	json_t *r = tc_reply(f, tc);
	assert_non_null(json_object_get(r, "result"));
	json_decref(r);
	tc_close(tc);
}

static void test_handler_messages(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);
	json_t *r;

	tc_sends(f, tc, "{\"id\":1,\"method\":\"notfound\"}\n");
	r = tc_reply(f, tc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"),
							      "message")),
			    "no rule named \"x\"");
	json_decref(r);
	tc_sends(f, tc, "{\"id\":2,\"method\":\"io\"}\n");
	r = tc_reply(f, tc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"),
							      "message")),
			    strerror(EIO));
	json_decref(r);
	tc_close(tc);
}

static void test_oversize_line(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);
	size_t n = CONTROL_LINE_MAX + 100;
	char *big = malloc(n);
	json_t *r;

	/* Exactly CONTROL_LINE_MAX bytes is still fine. */
	const char *head = "{\"id\":1,\"method\":\"echo\",\"params\":{\"p\":\"";
	size_t hl = strlen(head);
	memset(big, 'a', CONTROL_LINE_MAX);
	memcpy(big, head, hl);
	memcpy(big + CONTROL_LINE_MAX - 3, "\"}}", 3);
	big[CONTROL_LINE_MAX] = '\n';
	tc_send(f, tc, big, CONTROL_LINE_MAX + 1);
	r = tc_reply(f, tc);
	assert_non_null(json_object_get(r, "result"));
	json_decref(r);

	/* One byte more and the client is told, then dropped. */
	memset(big, 'a', n);
	tc_send(f, tc, big, n);
	r = tc_reply(f, tc);
	assert_error(r, CONTROL_ERR_INVALID_REQUEST);
	assert_true(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	expect_eof(f, tc);
	assert_int_equal(control_client_count(f->ctl), 0);
	free(big);
	tc_close(tc);
}

static void test_pipelined_and_split(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);
	const char *req = "{\"id\":42,\"method\":\"echo\",\"params\":{\"k\":\"v\"}}\n";
	char batch[4096] = "";

	/* Byte by byte. */
	for (size_t i = 0; req[i]; i++)
		tc_send(f, tc, req + i, 1);
	json_t *r = tc_reply(f, tc);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	json_decref(r);

	/* Many in one write: replies in order. */
	for (int i = 0; i < 50; i++) {
		char one[64];

		snprintf(one, sizeof(one), "{\"id\":%d,\"method\":\"echo\"}\n", i);
		strcat(batch, one);
	}
	tc_sends(f, tc, batch);
	for (int i = 0; i < 50; i++) {
		r = tc_reply(f, tc);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		json_decref(r);
	}
	tc_close(tc);
}

/* A client that asks for lots and reads late gets everything, in order,
 * while the server stops reading it in between (CONTROL_READ_PAUSE). */
static void test_backpressure(void **state)
{
	struct fixture *f = *state;
	struct tconn *tc = tc_open(f);
	char batch[8192] = "";
	int n = 40;

	for (int i = 0; i < n; i++) {
		char one[96];

		snprintf(one, sizeof(one),
			 "{\"id\":%d,\"method\":\"big\",\"params\":{\"size\":200000}}\n", i);
		strcat(batch, one);
	}
	tc_sends(f, tc, batch);
	for (int i = 0; i < 20; i++)
		control_process(f->ctl);
	for (int i = 0; i < n; i++) {
		json_t *r = tc_reply(f, tc);

		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		assert_int_equal(json_string_length(json_object_get(json_object_get(r, "result"),
								    "data")),
				 200000);
		json_decref(r);
	}
	/* A reply over CONTROL_REPLY_MAX becomes an error. */
	tc_sends(f, tc, "{\"id\":77,\"method\":\"big\",\"params\":{\"size\":17000000}}\n");
	json_t *r = tc_reply(f, tc);
	assert_error(r, CONTROL_ERR_INTERNAL);
	json_decref(r);
	tc_close(tc);
}

static void test_subscribe_publish(void **state)
{
	struct fixture *f = *state;
	struct tconn *a = tc_open(f), *b = tc_open(f);
	json_t *r, *msg;
	char *line;

	assert_int_equal(control_subscriber_count(f->ctl, "events"), 0);
	tc_sends(f, a, "{\"id\":1,\"method\":\"sub\"}\n");
	r = tc_reply(f, a);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "result"), "subscribed")),
		"events");
	json_decref(r);
	/* Subscribing twice is harmless. */
	tc_sends(f, a, "{\"id\":2,\"method\":\"sub\"}\n");
	json_decref(tc_reply(f, a));
	assert_int_equal(control_subscriber_count(f->ctl, "events"), 1);
	assert_int_equal(control_subscriber_count(f->ctl, "prompts"), 0);

	msg = json_pack("{s:s, s:{s:i}}", "event", "connection", "data", "id", 5);
	assert_int_equal(control_publish(f->ctl, "events", msg), 1);
	assert_int_equal(control_publish(f->ctl, "prompts", msg), 0);
	json_decref(msg);
	r = tc_reply(f, a);
	assert_string_equal(json_string_value(json_object_get(r, "event")), "connection");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "data"), "id")), 5);
	json_decref(r);

	/* b got nothing: its next line is the reply to its own request. */
	line = tc_line(f, b, 50);
	assert_null(line);
	tc_sends(f, b, "{\"id\":3,\"method\":\"echo\"}\n");
	r = tc_reply(f, b);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 3);
	json_decref(r);

	/* Published from inside a handler (b's request), a sees it. */
	tc_sends(f, b, "{\"id\":4,\"method\":\"publish\",\"params\":{\"id\":6}}\n");
	r = tc_reply(f, b);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "sent")),
			 1);
	json_decref(r);
	r = tc_reply(f, a);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "data"), "id")), 6);
	json_decref(r);

	tc_close(a);
	for (int i = 0; i < 10; i++)
		control_process(f->ctl);
	assert_int_equal(control_subscriber_count(f->ctl, "events"), 0);
	tc_close(b);
}

static void test_slow_subscriber(void **state)
{
	struct fixture *f = *state;
	struct tconn *slow = tc_open(f), *other = tc_open(f);
	char pad[1001];
	json_t *msg;
	int sent = 0;

	tc_sends(f, slow, "{\"id\":1,\"method\":\"sub\"}\n");
	tc_sends(f, other, "{\"id\":1,\"method\":\"sub\"}\n");
	json_decref(tc_reply(f, slow));
	json_decref(tc_reply(f, other));
	memset(pad, 'p', 1000);
	pad[1000] = '\0';
	msg = json_pack("{s:s, s:{s:s}}", "event", "connection", "data", "pad", pad);

	/* 3 MB of events; "other" keeps reading, "slow" never does. */
	for (int i = 0; i < 3000; i++) {
		if (control_publish(f->ctl, "events", msg) == 2)
			sent++;
		while (tc_fill(other))
			other->len = 0; /* read and forget */
	}
	json_decref(msg);
	assert_true(sent < 3000);
	assert_int_equal(control_subscriber_count(f->ctl, "events"), 1);
	assert_int_equal(control_client_count(f->ctl), 1);
	/* The slow one can still read what was queued, then sees EOF. */
	int lines = 0;
	char *line;
	while ((line = tc_line(f, slow, 3000))) {
		lines++;
		free(line);
	}
	assert_true(slow->eof);
	assert_true(lines >= 1);
	tc_close(slow);
	tc_close(other);
}

static void test_many_clients(void **state)
{
	struct fixture *f = *state;
	struct tconn *tcs[CONTROL_CLIENTS_MAX];
	struct tconn *extra;
	json_t *r;

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		tcs[i] = tc_open(f);
	assert_int_equal(control_client_count(f->ctl), CONTROL_CLIENTS_MAX);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		char req[64];

		snprintf(req, sizeof(req), "{\"id\":%d,\"method\":\"echo\"}\n", i);
		tc_sends(f, tcs[i], req);
	}
	for (int i = CONTROL_CLIENTS_MAX - 1; i >= 0; i--) {
		r = tc_reply(f, tcs[i]);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		json_decref(r);
	}

	/* One too many: told so, then closed. */
	extra = tc_open(f);
	r = tc_reply(f, extra);
	assert_error(r, CONTROL_ERR_INTERNAL);
	json_decref(r);
	expect_eof(f, extra);
	tc_close(extra);

	/* A freed slot can be taken again. */
	tc_close(tcs[0]);
	for (int i = 0; i < 5; i++)
		control_process(f->ctl);
	tcs[0] = tc_open(f);
	tc_sends(f, tcs[0], "{\"id\":1,\"method\":\"echo\"}\n");
	r = tc_reply(f, tcs[0]);
	assert_non_null(json_object_get(r, "result"));
	json_decref(r);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		tc_close(tcs[i]);
	for (int i = 0; i < 5; i++)
		control_process(f->ctl);
	assert_int_equal(control_client_count(f->ctl), 0);
}

static void test_vanish_mid_line(void **state)
{
	struct fixture *f = *state;
	struct tconn *a = tc_open(f), *b = tc_open(f);
	json_t *r;

	tc_sends(f, a, "{\"id\":1,\"method\":\"ec");
	tc_close(a);
	/* A complete request then a half one, then shutdown(SHUT_WR): the
	 * complete one is still answered. */
	tc_sends(f, b, "{\"id\":2,\"method\":\"echo\"}\n{\"id\":3,");
	shutdown(b->fd, SHUT_WR);
	r = tc_reply(f, b);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 2);
	json_decref(r);
	expect_eof(f, b);
	tc_close(b);
	for (int i = 0; i < 5; i++)
		control_process(f->ctl);
	assert_int_equal(control_client_count(f->ctl), 0);

	struct tconn *c = tc_open(f);
	tc_sends(f, c, "{\"id\":4,\"method\":\"echo\"}\n");
	r = tc_reply(f, c);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 4);
	json_decref(r);
	tc_close(c);
}

static void test_stale_and_live_socket(void **state)
{
	struct fixture *f = *state;
	struct control *second = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char other[96];
	int fd;

	/* A live server's socket is not taken over. */
	assert_int_equal(control_open(f->path, NULL, methods, f, &second), -EADDRINUSE);

	/* A stale one (bound, then its owner gone) is replaced. */
	snprintf(other, sizeof(other), "%s/sub/stale.sock", f->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", other);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	assert_int_equal(control_open(other, NULL, methods, f, &second), 0);
	control_close(second);
	assert_int_equal(access(other, F_OK), -1);

	/* A regular file is never removed. */
	fd = open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	assert_int_equal(control_open(other, NULL, methods, f, &second), -EEXIST);
	assert_int_equal(unlink(other), 0);

	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(control_open(longpath, NULL, methods, f, &second), -ENAMETOOLONG);
}

/* --- peer credentials (root only: needs setuid) ------------------------ */

/* The child: becomes uid 65534 with GID and supplementary GROUPS, connects,
 * and exits 0 if what happens matches EXPECT_ALLOWED. */
static void child_run(const char *path, gid_t gid, const gid_t *groups, size_t ngroups,
		      bool expect_allowed)
{
	char buf[4096];
	size_t len = 0;
	int fd;

	if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(65534) < 0)
		_exit(10);
	fd = raw_connect(path);
	if (fd < 0)
		_exit(11);
	if (expect_allowed &&
	    write(fd, "{\"id\":1,\"method\":\"whoami\"}\n", 27) != 27)
		_exit(12);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			_exit(13);
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (expect_allowed && memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	if (expect_allowed)
		_exit(strstr(buf, "\"uid\":65534") && strstr(buf, "\"result\"") ? 0 : 14);
	/* Refused: exactly one error line, then EOF. */
	if (!strstr(buf, "\"code\":\"permission_denied\"") || !strstr(buf, "\"id\":null") ||
	    strchr(buf, '\n') != buf + len - 1)
		_exit(15);
	_exit(0);
}

static int run_child(struct fixture *f, gid_t gid, const gid_t *groups, size_t ngroups,
		     bool expect_allowed)
{
	long long deadline = now_ms() + 8000;
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_run(f->path, gid, groups, ngroups, expect_allowed);
	while (now_ms() < deadline) {
		control_process(f->ctl);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	if (!WIFEXITED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WEXITSTATUS(status);
}

static void reopen_for_peer_tests(struct fixture *f, const char *group)
{
	control_close(f->ctl);
	f->ctl = NULL;
	assert_int_equal(open_server(f, group), 0);
	/* Let the filesystem through so that the peer check is what decides. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
}

static void test_peer_check(void **state)
{
	struct fixture *f = *state;
	const gid_t none[1] = {0};
	const gid_t supp[2] = {4242, 65534};
	struct tconn *tc;
	json_t *r;

	if (geteuid() != 0)
		skip();

	/* Root passes. */
	reopen_for_peer_tests(f, "picket");
	tc = tc_open(f);
	tc_sends(f, tc, "{\"id\":1,\"method\":\"whoami\"}\n");
	r = tc_reply(f, tc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "uid")),
			 0);
	json_decref(r);
	tc_close(tc);

	/* nobody, not in group picket (or no such group): refused. */
	assert_int_equal(run_child(f, 65534, none, 0, false), 0);
	assert_int_equal(control_client_count(f->ctl), 0);

	/* With the group being nogroup (65534): primary and supplementary
	 * members pass, others do not. */
	reopen_for_peer_tests(f, "nogroup");
	assert_int_equal(run_child(f, 65534, none, 0, true), 0);
	assert_int_equal(run_child(f, 4242, supp, 2, true), 0);
	assert_int_equal(run_child(f, 4242, supp, 1, false), 0);
	chmod(f->dir, 0700);
}

/* --- message layer ------------------------------------------------------ */

static void test_proto_roundtrip(void **state)
{
	struct control_request req;
	json_t *params = json_pack("{s:s, s:[i,i]}", "name", "a\nb\"c", "l", 1, 2);
	size_t len = 0;
	char *line = control_request_format(9, "rules.add", params, &len);

	assert_non_null(line);
	assert_int_equal(strlen(line), len);
	assert_true(line[len - 1] == '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_int_equal(control_request_parse(line, len - 1, &req), 0);
	assert_int_equal(json_integer_value(req.id), 9);
	assert_string_equal(req.method, "rules.add");
	assert_true(json_equal(req.params, params));
	control_request_clear(&req);
	free(line);

	line = control_reply_result(NULL, params, &len);
	assert_string_equal(line, "{\"id\":null,\"result\":{\"name\":\"a\\nb\\\"c\",\"l\":[1,2]}}\n");
	free(line);
	json_decref(params);

	/* Messages with invalid UTF-8 still make a valid line. */
	line = control_reply_error(NULL, CONTROL_ERR_INTERNAL, "bad \xff\xc3 byte", &len);
	assert_string_equal(line, "{\"id\":null,\"error\":{\"code\":\"internal\","
				  "\"message\":\"bad ?? byte\"}}\n");
	free(line);

	assert_string_equal(control_error_code_from_errno(-ENOENT), CONTROL_ERR_NOT_FOUND);
	assert_string_equal(control_error_code_from_errno(-EINVAL), CONTROL_ERR_INVALID_PARAMS);
	assert_string_equal(control_error_code_from_errno(-EACCES),
			    CONTROL_ERR_PERMISSION_DENIED);
	assert_string_equal(control_error_code_from_errno(-EIO), CONTROL_ERR_INTERNAL);

	/* Bounds. */
	char method[CONTROL_METHOD_MAX + 40];
	snprintf(method, sizeof(method), "{\"id\":1,\"method\":\"%0*d\"}", CONTROL_METHOD_MAX + 1,
		 0);
	assert_int_equal(control_request_parse(method, strlen(method), &req), -EINVAL);
	assert_string_equal(req.err_code, CONTROL_ERR_INVALID_REQUEST);
	control_request_clear(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_roundtrip),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_subscriber, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanish_mid_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_live_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_check, setup, teardown),
	};

	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
