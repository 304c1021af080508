/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * DNS queries seen going out, so that only a reply to one of them is
 * believed: an off-path sender has to guess the transaction id, the client
 * port, the server address and the question of a query in flight to get a
 * forged reply used. A reply consumes the query it answers (a second reply
 * to the same query is not believed either).
 *
 * A query is keyed by its flow (protocol, client address and port, server
 * address and port, as it left) and its transaction id; the reply must also
 * repeat the question (name, type and class; names compare as the parser
 * gives them, in lower case).
 *
 * Bounds: at most the capacity given to dns_track_new() queries are kept
 * (DNS_TRACK_DEFAULT_MAX is the daemon's), each for DNS_TRACK_TTL_MS; when
 * full, the oldest query is forgotten. Memory: about 300 bytes a query.
 * Not thread-safe.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/flow.h"
#include "dns/message.h"

#define DNS_TRACK_DEFAULT_MAX 4096
#define DNS_TRACK_TTL_MS 15000 /* longer than resolvers wait (glibc: 5 s x 2 tries) */

struct dns_track;

/* -ENOMEM, -EINVAL for a capacity of 0. */
int dns_track_new(size_t capacity, struct dns_track **ret);
void dns_track_free(struct dns_track *t);

/* Remember query Q (a parsed message: not qr, one question) that left on
 * flow F (src = client, dst = server), asked by PID (0: not known), at
 * NOW_MS (a monotonic clock). -EINVAL when Q is not a query with one question. */
int dns_track_query(struct dns_track *t, const struct flow *f, const struct dns_msg *q,
		    pid_t pid, uint64_t now_ms);

/* Reply R arrived on flow F (src = server, dst = client). If it answers a
 * remembered, unexpired query, forgets that query and returns 0 with the
 * asking pid in *ret_pid (may be NULL); otherwise -ENOENT. */
int dns_track_reply(struct dns_track *t, const struct flow *f, const struct dns_msg *r,
		    uint64_t now_ms, pid_t *ret_pid);

size_t dns_track_count(const struct dns_track *t);
