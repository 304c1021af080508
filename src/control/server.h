/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The control server: JSON lines over a unix stream socket (protocol in
 * docs/protocol.md, message layer in control/proto.h).
 *
 * It runs inside the daemon's single event loop and never blocks: it owns
 * an epoll fd (control_fd()) that the daemon adds to its own loop; when that
 * fd is readable the daemon calls control_process(), which accepts, reads,
 * dispatches to the method handlers and writes, each step non-blocking.
 *
 * Who may talk: every peer's credentials (SO_PEERCRED, SO_PEERGROUPS) are
 * checked when it is accepted, before a byte it sends is read. Allowed are
 * uid 0, the server's own effective uid, and members (primary or
 * supplementary) of the configured group. A refused peer gets one
 * permission_denied error line and is closed.
 *
 * Bounds: CONTROL_CLIENTS_MAX clients (more are sent an error and closed);
 * request lines of CONTROL_LINE_MAX bytes (longer: error, then disconnect);
 * a client's queued output: while it exceeds CONTROL_READ_PAUSE bytes its
 * further requests wait unread; published messages that have queued up
 * beyond CONTROL_PUBLISH_MAX bytes unread disconnect that subscriber (it can
 * reconnect and catch up with events.query after_id); a single reply is at
 * most CONTROL_REPLY_MAX bytes. Not thread-safe: one loop only.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "control/proto.h"

#define CONTROL_CLIENTS_MAX 64
#define CONTROL_READ_PAUSE (64u * 1024)
#define CONTROL_PUBLISH_MAX (1024u * 1024)
#define CONTROL_TOPICS_MAX 8   /* topics one client may subscribe to */
#define CONTROL_TOPIC_LEN 32   /* bytes in a topic name, with the NUL */

struct control;
struct control_client;

/*
 * A method handler. PARAMS is always an object (borrowed). On success it
 * returns >= 0 and stores a new reference in *ret_result (an object; NULL
 * is sent as {}). On failure it returns -errno (mapped to an error code by
 * control_error_code_from_errno()) and may write a message into ERR
 * (ERRSZ bytes; strerror() is used when left empty). Handlers run
 * synchronously in the daemon loop; CLIENT stays valid until they return
 * and may be passed to control_client_subscribe() and the getters below.
 */
typedef int (*control_method_fn)(void *userdata, struct control_client *client, json_t *params,
				 json_t **ret_result, char *err, size_t errsz);

struct control_method {
	const char *name;
	control_method_fn fn;
};

/*
 * Creates the socket at PATH (parent directories made 0755 if missing;
 * a stale socket is replaced, a live one is -EADDRINUSE, a non-socket is
 * -EEXIST), mode 0660 and group GROUP_NAME. If GROUP_NAME is NULL or no such
 * group exists, only root (and the server's own uid) may connect.
 * METHODS is an array ended by {NULL, NULL}; it and USERDATA must outlive
 * the server. Returns 0 and *ret, or -errno.
 */
int control_open(const char *path, const char *group_name, const struct control_method *methods,
		 void *userdata, struct control **ret);
/* Pollable (EPOLLIN) fd; readable -> call control_process(). */
int control_fd(const struct control *c);
/* Does the pending work (bounded per call) and returns; never blocks. */
void control_process(struct control *c);
/* Closes every client and unlinks the socket (if it is still ours). NULL ok. */
void control_close(struct control *c);

/* Subscribes CL to TOPIC ("events", "prompts", ...). Returns 0, or -EINVAL
 * for a bad name, -E2BIG past CONTROL_TOPICS_MAX topics. Idempotent. */
int control_client_subscribe(struct control_client *cl, const char *topic);
/* Sends MSG (borrowed; one line) to every subscriber of TOPIC. Returns the
 * number of subscribers it was queued for, or -errno. May be called from
 * anywhere in the daemon loop, including from a handler. */
int control_publish(struct control *c, const char *topic, json_t *msg);
/* How many clients are subscribed to TOPIC (e.g. "is any prompter there?"). */
size_t control_subscriber_count(const struct control *c, const char *topic);
size_t control_client_count(const struct control *c);

/* Called once when a client that subscribed to at least one topic goes
 * away (it closed, or the server dropped it), not at control_close(). It
 * no longer counts in control_subscriber_count(); it must not be written to. */
typedef void (*control_close_fn)(void *userdata, struct control_client *cl);
void control_set_close_hook(struct control *c, control_close_fn fn);
/* Whether CL subscribed to TOPIC. */
bool control_client_subscribed(const struct control_client *cl, const char *topic);

/* The peer's credentials, as read at accept time. */
uid_t control_client_uid(const struct control_client *cl);
gid_t control_client_gid(const struct control_client *cl);
pid_t control_client_pid(const struct control_client *cl);
