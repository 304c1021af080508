/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/server.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define IN_CAP (CONTROL_LINE_MAX + 1) /* a full line plus its '\n' */
#define EVENTS_PER_CALL 64
#define ACCEPTS_PER_CALL 16
#define PEER_GROUPS_MAX 65536 /* NGROUPS_MAX on Linux */

struct control_client {
	struct control *ctl;
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char *in; /* IN_CAP bytes */
	size_t in_len;
	char *out;
	size_t out_off, out_len, out_cap; /* pending = out_len - out_off */
	size_t published_pending; /* published bytes among the pending ones, at most */
	uint32_t ev_mask;        /* what epoll currently watches */
	bool eof;                /* the peer will send nothing more */
	bool closing;            /* read nothing more; close once flushed */
	bool dead;               /* fd closed; freed at the next sweep */
	unsigned int ntopics;
	char topics[CONTROL_TOPICS_MAX][CONTROL_TOPIC_LEN];
};

struct control {
	int epfd;
	int listen_fd;
	int reserve_fd; /* given up to accept-and-close when out of fds */
	char *path;
	dev_t sock_dev;
	ino_t sock_ino;
	bool have_gid;
	gid_t gid;
	uid_t self_uid;
	const struct control_method *methods;
	void *userdata;
	control_close_fn on_close; /* NULL: nobody needs to know */
	struct control_client *clients[CONTROL_CLIENTS_MAX];
	size_t nclients;
	int depth; /* > 0 inside control_process: frees wait for the sweep */
};

static size_t out_pending(const struct control_client *cl)
{
	return cl->out_len - cl->out_off;
}

static void client_kill(struct control_client *cl)
{
	if (cl->dead)
		return;
	cl->dead = true;
	/* Dead first, so that counts taken by the hook leave it out. */
	if (cl->ctl->on_close && cl->ntopics > 0)
		cl->ctl->on_close(cl->ctl->userdata, cl);
	/* Not left to close(): a copy of the fd in a child forked meanwhile
	 * would keep it in the epoll set, with a pointer to freed memory. */
	epoll_ctl(cl->ctl->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->fd = -1;
}

static void client_free(struct control_client *cl)
{
	if (!cl)
		return;
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

/* Frees dead clients; only outside of any iteration over them. */
static void sweep(struct control *c)
{
	size_t i = 0;

	while (i < c->nclients) {
		struct control_client *cl = c->clients[i];

		if (!cl->dead) {
			i++;
			continue;
		}
		c->clients[i] = c->clients[--c->nclients];
		c->clients[c->nclients] = NULL;
		client_free(cl);
	}
}

static void client_update_events(struct control_client *cl)
{
	struct epoll_event ev = {0};
	uint32_t want = 0;

	if (cl->dead)
		return;
	/* A client with a backlog of unread replies is not read from until it
	 * catches up: that bounds what one client can make us queue. */
	if (!cl->closing && !cl->eof && out_pending(cl) < CONTROL_READ_PAUSE)
		want |= EPOLLIN;
	if (out_pending(cl) > 0)
		want |= EPOLLOUT;
	if (want == cl->ev_mask)
		return;
	ev.events = want;
	ev.data.ptr = cl;
	if (epoll_ctl(cl->ctl->epfd, EPOLL_CTL_MOD, cl->fd, &ev) < 0) {
		client_kill(cl);
		return;
	}
	cl->ev_mask = want;
}

static void client_flush(struct control_client *cl)
{
	while (!cl->dead && out_pending(cl) > 0) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, out_pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_kill(cl);
			break;
		}
		cl->out_off += (size_t)n;
	}
	if (out_pending(cl) == 0)
		cl->out_off = cl->out_len = 0;
	if (cl->published_pending > out_pending(cl))
		cl->published_pending = out_pending(cl);
}

static int out_append(struct control_client *cl, const char *data, size_t len)
{
	if (cl->out_off > 0 && cl->out_len + len > cl->out_cap) {
		memmove(cl->out, cl->out + cl->out_off, out_pending(cl));
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + len > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;

		while (cap < cl->out_len + len)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, data, len);
	cl->out_len += len;
	return 0;
}

static void queue_line(struct control_client *cl, char *line, size_t len)
{
	if (!line || out_append(cl, line, len) < 0)
		client_kill(cl); /* out of memory: this client cannot be served */
	free(line);
}

static void queue_error(struct control_client *cl, json_t *id, const char *code, const char *msg)
{
	size_t len = 0;
	char *line = control_reply_error(id, code, msg, &len);

	queue_line(cl, line, len);
}

static const struct control_method *method_find(const struct control *c, const char *name)
{
	for (const struct control_method *m = c->methods; m && m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static void dispatch(struct control_client *cl, const char *line, size_t len)
{
	struct control *c = cl->ctl;
	struct control_request req;
	const struct control_method *m;
	json_t *result = NULL;
	char err[256] = "";
	char *reply;
	size_t reply_len = 0;
	int r;

	if (control_request_parse(line, len, &req) < 0) {
		queue_error(cl, req.id, req.err_code, req.err_msg);
		goto cleanup;
	}
	m = method_find(c, req.method);
	if (!m) {
		snprintf(err, sizeof(err), "unknown method \"%s\"", req.method);
		queue_error(cl, req.id, CONTROL_ERR_METHOD_NOT_FOUND, err);
		goto cleanup;
	}
	r = m->fn(c->userdata, cl, req.params, &result, err, sizeof(err));
	if (r < 0) {
		err[sizeof(err) - 1] = '\0';
		queue_error(cl, req.id, control_error_code_from_errno(r),
			    err[0] ? err : strerror(-r));
		goto cleanup;
	}
	reply = control_reply_result(req.id, result, &reply_len);
	if (reply && reply_len > CONTROL_REPLY_MAX) {
		free(reply);
		queue_error(cl, req.id, CONTROL_ERR_INTERNAL, "reply too large");
		goto cleanup;
	}
	if (!reply) {
		/* Most likely a result the encoder refused; the client still
		 * gets an answer to its id. */
		queue_error(cl, req.id, CONTROL_ERR_INTERNAL, "cannot encode the reply");
		goto cleanup;
	}
	queue_line(cl, reply, reply_len);
cleanup:
	json_decref(result);
	control_request_clear(&req);
}

/* Runs the complete lines in the input buffer, then decides whether the
 * client stays, and flushes. */
static void run_lines(struct control_client *cl)
{
	size_t start = 0;

	while (!cl->dead && !cl->closing && out_pending(cl) < CONTROL_READ_PAUSE) {
		char *nl = memchr(cl->in + start, '\n', cl->in_len - start);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (cl->in + start));
		/* Accept CRLF from hand-typed sessions (socat -,crlf). */
		if (len > 0 && cl->in[start + len - 1] == '\r')
			len--;
		if (len > 0)
			dispatch(cl, cl->in + start, len);
		start = (size_t)(nl - cl->in) + 1;
	}
	if (!cl->dead && start > 0) {
		memmove(cl->in, cl->in + start, cl->in_len - start);
		cl->in_len -= start;
	}
}

static bool has_line(const struct control_client *cl)
{
	return memchr(cl->in, '\n', cl->in_len) != NULL;
}

static void client_work(struct control_client *cl)
{
	/* Lines left over when output paused us run as soon as the flush
	 * makes room; if the socket takes it all at once, no EPOLLOUT will
	 * come to do that later, so loop here (bounded by the input buffer). */
	for (;;) {
		run_lines(cl);
		if (cl->dead)
			return;
		client_flush(cl);
		if (cl->dead)
			return;
		if (cl->closing || out_pending(cl) >= CONTROL_READ_PAUSE || !has_line(cl))
			break;
	}
	if (!cl->closing && cl->in_len == IN_CAP && !has_line(cl)) {
		/* A full buffer without '\n': framing is lost, so give up on it. */
		char msg[64];

		snprintf(msg, sizeof(msg), "line too long (max %d bytes)", CONTROL_LINE_MAX);
		queue_error(cl, NULL, CONTROL_ERR_INVALID_REQUEST, msg);
		cl->closing = true;
	}
	if (cl->eof && (!has_line(cl) || cl->closing)) {
		/* Nothing complete is left; a partial last line is dropped. */
		cl->closing = true;
	}
	if (cl->closing)
		cl->in_len = 0;
	client_flush(cl);
	if (cl->closing && out_pending(cl) == 0)
		client_kill(cl);
	client_update_events(cl);
}

static void client_read(struct control_client *cl)
{
	ssize_t n;

	if (cl->in_len == IN_CAP)
		return; /* client_work() has yet to make room */
	do {
		n = read(cl->fd, cl->in + cl->in_len, IN_CAP - cl->in_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			client_kill(cl);
		return;
	}
	if (n == 0)
		cl->eof = true;
	cl->in_len += (size_t)n;
}

static void client_event(struct control_client *cl, uint32_t events)
{
	if (cl->dead)
		return;
	if (events & EPOLLERR) {
		client_kill(cl);
		return;
	}
	if (events & EPOLLOUT)
		client_flush(cl);
	if (!cl->dead && (events & (EPOLLIN | EPOLLHUP)) && (cl->ev_mask & EPOLLIN))
		client_read(cl);
	if (cl->dead)
		return;
	if ((events & EPOLLHUP) && !(cl->ev_mask & EPOLLIN)) {
		/* The peer is gone and we were not reading: nobody to talk to. */
		client_kill(cl);
		return;
	}
	client_work(cl);
}

/* One line straight to a socket we are about to close; best effort. */
static void send_and_close(int fd, const char *code, const char *msg)
{
	size_t len = 0;
	char *line = control_reply_error(NULL, code, msg, &len);

	if (line)
		(void)!send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	close(fd);
}

static bool peer_allowed(const struct control *c, int fd, struct ucred *ret_cred)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t small[64], *groups = small;
	bool ok = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
		return false;
	*ret_cred = cred;
	if (cred.uid == 0 || cred.uid == c->self_uid)
		return true;
	if (!c->have_gid)
		return false;
	if (cred.gid == c->gid)
		return true;

	len = sizeof(small);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		/* ERANGE tells the size needed; the kernel bounds it by NGROUPS_MAX. */
		if (errno != ERANGE || len > PEER_GROUPS_MAX * sizeof(gid_t))
			return false;
		groups = malloc(len);
		if (!groups)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			goto cleanup;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == c->gid)
			ok = true;
cleanup:
	if (groups != small)
		free(groups);
	return ok;
}

static int client_add(struct control *c, int fd, const struct ucred *cred)
{
	struct control_client *cl;
	struct epoll_event ev = {0};

	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->ctl = c;
	cl->fd = fd;
	cl->uid = cred->uid;
	cl->gid = cred->gid;
	cl->pid = cred->pid;
	cl->in = malloc(IN_CAP);
	if (!cl->in)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.ptr = cl;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto fail;
	cl->ev_mask = EPOLLIN;
	c->clients[c->nclients++] = cl;
	return 0;
fail:
	cl->fd = -1; /* the caller still owns fd */
	client_free(cl);
	return -ENOMEM;
}

static void accept_clients(struct control *c)
{
	for (int i = 0; i < ACCEPTS_PER_CALL; i++) {
		struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && c->reserve_fd >= 0) {
				/* Out of fds: the pending peer would keep the
				 * listening socket readable forever (a busy loop),
				 * so take it off the queue with the spare fd. */
				close(c->reserve_fd);
				fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0)
					send_and_close(fd, CONTROL_ERR_INTERNAL,
						       "server out of file descriptors");
				c->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			}
			return;
		}
		/* Credentials before anything else: nothing from a refused
		 * peer is ever read. */
		if (!peer_allowed(c, fd, &cred)) {
			/* The server is the daemon's edge: the refusal is its
			 * decision, so it is logged here, once. */
			log_warn("control: refused a client (uid %u, gid %u, pid %d): not root "
				 "nor in the control group",
				 (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid);
			send_and_close(fd, CONTROL_ERR_PERMISSION_DENIED,
				       "not allowed: only root and members of the control group may "
				       "connect");
			continue;
		}
		if (c->nclients >= CONTROL_CLIENTS_MAX) {
			send_and_close(fd, CONTROL_ERR_INTERNAL, "too many clients");
			continue;
		}
		if (client_add(c, fd, &cred) < 0)
			send_and_close(fd, CONTROL_ERR_INTERNAL, "out of memory");
	}
}

void control_process(struct control *c)
{
	struct epoll_event evs[EVENTS_PER_CALL];
	int n;

	do {
		n = epoll_wait(c->epfd, evs, EVENTS_PER_CALL, 0);
	} while (n < 0 && errno == EINTR);
	c->depth++;
	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr)
			accept_clients(c);
		else
			client_event(evs[i].data.ptr, evs[i].events);
	}
	c->depth--;
	sweep(c);
}

int control_fd(const struct control *c)
{
	return c->epfd;
}

static bool client_subscribed(const struct control_client *cl, const char *topic)
{
	for (unsigned int i = 0; i < cl->ntopics; i++)
		if (strcmp(cl->topics[i], topic) == 0)
			return true;
	return false;
}

bool control_client_subscribed(const struct control_client *cl, const char *topic)
{
	return !cl->dead && !cl->closing && client_subscribed(cl, topic);
}

int control_client_subscribe(struct control_client *cl, const char *topic)
{
	size_t len = topic ? strlen(topic) : 0;

	if (len == 0 || len >= CONTROL_TOPIC_LEN)
		return -EINVAL;
	if (client_subscribed(cl, topic))
		return 0;
	if (cl->ntopics >= CONTROL_TOPICS_MAX)
		return -E2BIG;
	memcpy(cl->topics[cl->ntopics++], topic, len + 1);
	return 0;
}

int control_publish(struct control *c, const char *topic, json_t *msg)
{
	size_t len = 0;
	char *line;
	int count = 0;

	line = control_line_dump(msg, &len);
	if (!line)
		return -ENOMEM;
	for (size_t i = 0; i < c->nclients; i++) {
		struct control_client *cl = c->clients[i];

		if (cl->dead || cl->closing || !client_subscribed(cl, topic))
			continue;
		if (cl->published_pending + len > CONTROL_PUBLISH_MAX) {
			/* It does not read: drop it rather than buffer without
			 * end; it can reconnect and catch up with after_id. */
			client_kill(cl);
			continue;
		}
		if (out_append(cl, line, len) < 0) {
			client_kill(cl);
			continue;
		}
		cl->published_pending += len;
		client_flush(cl);
		client_update_events(cl);
		count++;
	}
	free(line);
	if (c->depth == 0)
		sweep(c);
	return count;
}

size_t control_subscriber_count(const struct control *c, const char *topic)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nclients; i++)
		/* A closing client is sent nothing more (control_publish): it
		 * does not count as listening. */
		if (!c->clients[i]->dead && !c->clients[i]->closing &&
		    client_subscribed(c->clients[i], topic))
			n++;
	return n;
}

void control_set_close_hook(struct control *c, control_close_fn fn)
{
	c->on_close = fn;
}

size_t control_client_count(const struct control *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nclients; i++)
		if (!c->clients[i]->dead)
			n++;
	return n;
}

uid_t control_client_uid(const struct control_client *cl)
{
	return cl->uid;
}

gid_t control_client_gid(const struct control_client *cl)
{
	return cl->gid;
}

pid_t control_client_pid(const struct control_client *cl)
{
	return cl->pid;
}

static int lookup_group(const char *name, bool *ret_found, gid_t *ret_gid)
{
	struct group grp, *res = NULL;
	size_t bufsz = 4096;
	char *buf = NULL;
	int r;

	for (;;) {
		char *p = realloc(buf, bufsz);

		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		r = getgrnam_r(name, &grp, buf, bufsz, &res);
		if (r != ERANGE || bufsz >= 1024 * 1024)
			break;
		bufsz *= 2;
	}
	if (r == 0 || r == ENOENT || r == ESRCH) {
		*ret_found = res != NULL;
		if (res)
			*ret_gid = res->gr_gid;
		r = 0;
	} else {
		r = -r;
	}
	free(buf);
	return r;
}

/* mkdir -p of PATH's parent directories, each 0755. */
static int make_parents(const char *path)
{
	char *copy = strdup(path);
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *p = strchr(copy + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*p = '/';
	}
	free(copy);
	return r;
}

/* A socket file left by a daemon that died is replaced; a live daemon's is
 * not, and neither is anything that is not a socket. */
static int remove_stale_socket(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, r;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	if (r == 0 || errno == EAGAIN)
		r = -EADDRINUSE;
	else if (errno == ECONNREFUSED)
		r = unlink(addr->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	else
		r = -errno;
	close(fd);
	return r;
}

int control_open(const char *path, const char *group_name, const struct control_method *methods,
		 void *userdata, struct control **ret)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct epoll_event ev = {0};
	struct control *c;
	struct stat st;
	mode_t old_mask;
	int r;

	if (!path || !path[0] || strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->epfd = c->listen_fd = c->reserve_fd = -1;
	c->methods = methods;
	c->userdata = userdata;
	c->self_uid = geteuid();
	c->path = strdup(path);
	if (!c->path) {
		r = -ENOMEM;
		goto fail;
	}
	if (group_name) {
		r = lookup_group(group_name, &c->have_gid, &c->gid);
		if (r < 0)
			goto fail;
	}
	r = make_parents(path);
	if (r < 0)
		goto fail;
	r = remove_stale_socket(&addr);
	if (r < 0)
		goto fail;

	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* Born 0600 so that nobody connects before chmod/chown; the peer
	 * check would refuse them anyway. */
	old_mask = umask(0177);
	r = bind(c->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (r < 0) {
		r = -errno;
		goto fail;
	}
	if (stat(path, &st) < 0) {
		r = -errno;
		goto fail;
	}
	c->sock_dev = st.st_dev;
	c->sock_ino = st.st_ino;
	if ((c->have_gid && chown(path, (uid_t)-1, c->gid) < 0) || chmod(path, 0660) < 0) {
		r = -errno;
		goto fail;
	}
	if (listen(c->listen_fd, CONTROL_CLIENTS_MAX) < 0) {
		r = -errno;
		goto fail;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		r = -errno;
		goto fail;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* NULL marks the listening socket */
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->listen_fd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	c->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	*ret = c;
	return 0;
fail:
	control_close(c);
	return r;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	for (size_t i = 0; i < c->nclients; i++)
		client_free(c->clients[i]);
	if (c->listen_fd >= 0) {
		/* Unlink only the socket we made, not a successor's. */
		if (c->sock_ino && stat(c->path, &st) == 0 && st.st_dev == c->sock_dev &&
		    st.st_ino == c->sock_ino)
			unlink(c->path);
		close(c->listen_fd);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->reserve_fd >= 0)
		close(c->reserve_fd);
	free(c->path);
	free(c);
}
