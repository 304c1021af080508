/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The CLI's side of the control protocol: a blocking connection to
 * picketd's socket that sends request lines and reads reply/event lines.
 * Lines read are bounded by CONTROL_REPLY_MAX (control/proto.h).
 */
#include <jansson.h>
#include <stddef.h>

struct client;

/* Connects to PATH. Returns 0 and *ret, or -errno. */
int client_connect(const char *path, struct client **ret);
void client_close(struct client *cl);
/* The socket, for poll() in a caller's own loop (then client_read() with
 * TIMEOUT_MS 0 until -ETIMEDOUT: lines may be buffered already). */
int client_fd(const struct client *cl);

/* Sends one request; its id (1, 2, ...) goes to *ret_id if non-NULL.
 * PARAMS is borrowed and may be NULL. */
int client_send(struct client *cl, const char *method, json_t *params, long long *ret_id);

/* Reads the next line as a JSON object (new reference). TIMEOUT_MS < 0
 * waits for ever; 0 takes only what is buffered or readable at once. Returns 0, -ETIMEDOUT, -ECONNRESET at end of stream,
 * -EBADMSG for a line that is not a JSON object, -E2BIG, or -errno. */
int client_read(struct client *cl, int timeout_ms, json_t **ret_msg);

/*
 * Sends METHOD and waits for its reply, skipping stream events. Returns 0
 * and the result (new reference) in *ret_result, or:
 *  -EREMOTEIO: the daemon answered with an error; ERR holds
 *              "MESSAGE (CODE)";
 *  other -errno: transport failure; ERR holds a description.
 */
int client_call(struct client *cl, const char *method, json_t *params, json_t **ret_result,
		char *err, size_t errsz);

/* "MESSAGE (CODE)" for an error reply's "error" member. */
void client_error_text(json_t *error, char *buf, size_t bufsz);
