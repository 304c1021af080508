/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * NFQUEUE over libmnl: bind a queue, receive the packets the ruleset sends
 * there, give verdicts. Verdicts are buffered and sent together after each
 * receive round (one sendmsg for many packets), or by nfq_flush().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nfq;

struct nfq_packet {
	uint32_t id;            /* queue's packet id, for the verdict */
	uint32_t mark;          /* packet mark as it arrived */
	bool has_uid;           /* socket owner known (NFQA_UID/GID) */
	uint32_t uid;
	uint32_t gid;
	uint32_t outdev;        /* ifindex of the out interface, 0 unknown */
	const uint8_t *payload; /* from the network header; valid during the callback only */
	size_t len;
};

enum nfq_verdict {
	NFQ_VERDICT_ACCEPT, /* and remember the flow as allowed, in the kernel */
	NFQ_VERDICT_DROP,
	NFQ_VERDICT_REJECT, /* TCP RST / ICMP unreachable, sent by the ruleset */
	NFQ_VERDICT_PASS    /* accept this packet only, remember nothing (DNS reads) */
};

typedef void (*nfq_packet_fn)(void *userdata, const struct nfq_packet *p);

/* Bind queue NUM. Copies at most copy_range bytes of each packet (enough for
 * the headers). Returns -errno; -EBUSY when another process holds the queue. */
int nfq_open(uint16_t num, uint32_t copy_range, struct nfq **ret);
void nfq_close(struct nfq *q);
int nfq_fd(const struct nfq *q);
/* Read every packet waiting on the socket (never blocks), calling cb for
 * each, then flush verdicts. Returns packets read or -errno. */
int nfq_receive(struct nfq *q, nfq_packet_fn cb, void *userdata);
/* Queue a verdict for packet ID whose mark was MARK (other mark bits are
 * kept). Sent at the next flush, or now when the buffer is full. */
int nfq_verdict(struct nfq *q, uint32_t id, uint32_t mark, enum nfq_verdict v);
int nfq_flush(struct nfq *q);
