/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netfilter/nftables.h"

#include <netinet/in.h> /* before linux/ headers, which would redefine it */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netfilter/marks.h"

#define TABLE_NAME "picket"
#define CHAIN_NAME "output"
#define INPUT_CHAIN_NAME "input"
#define DNS_PORT 53
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define CHAIN_PRIORITY (-150) /* mangle: after conntrack (-200), before filter (0) */

struct batch {
	struct mnl_nlmsg_batch *b;
	char buf[1 << 16];
	uint32_t seq;
};

static void batch_begin(struct batch *bt)
{
	bt->seq = (uint32_t)time(NULL);
	bt->b = mnl_nlmsg_batch_start(bt->buf, sizeof(bt->buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
}

static void batch_end(struct batch *bt)
{
	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
}

/* Error text from the kernel's extended ack, when it sent one. */
static void copy_extack(const struct nlmsghdr *nlh, char *err, size_t errsz)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the original message follows the error header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)e + off), mnl_nlmsg_get_payload_len(nlh) - off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(err, errsz, "%s", mnl_attr_get_str(attr));
	}
}

/* Send the batch and read every ack; the first error wins. */
static int batch_send(struct batch *bt, char *err, size_t errsz)
{
	struct mnl_socket *nl;
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	int one = 1, r = 0;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto cleanup;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0) {
		r = -errno;
		goto cleanup;
	}
	/* The kernel runs the whole batch inside sendmsg(), so every ack is
	 * already queued: read until the socket is empty (as nftables' mnl.c). */
	for (;;) {
		fd_set rfds;
		struct timeval tv = {0};
		int fd = mnl_socket_get_fd(nl);

		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		if (select(fd + 1, &rfds, NULL, NULL, &tv) <= 0)
			break; /* every ack read */
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			r = -errno;
			break;
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;
		for (; mnl_nlmsg_ok(nlh, (int)n); nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error != 0 && r == 0) {
					r = e->error;
					snprintf(err, errsz, "%s", strerror(-r));
					copy_extack(nlh, err, errsz);
				}
			}
		}
		if (r < 0)
			break;
	}
cleanup:
	mnl_socket_close(nl);
	return r;
}

static struct nlmsghdr *batch_put(struct batch *bt, uint16_t type, uint16_t family, uint16_t flags)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, family,
						     flags | NLM_F_ACK, bt->seq++);
	return nlh;
}

static void table_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE_NAME);
	struct nlmsghdr *nlh = batch_put(bt, type, NFPROTO_INET, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(bt->b);
}

/* ---- expression builders: each appends one expression to rule R ---- */

static void e_meta_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_meta_store(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_ct_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_ct_store(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = (reg1 & mask) ^ xor, on 32 bits */
static void e_bitwise(struct nftnl_rule *r, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, sizeof(xor));
	nftnl_rule_add_expr(r, e);
}

/* reg1 = (reg1 & mask) ^ xor, on LEN bytes (given in network order) */
static void e_bitwise_n(struct nftnl_rule *r, const void *mask, const void *xor, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = LEN bytes of the transport header at OFFSET */
static void e_th_load(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void e_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	nftnl_rule_add_expr(r, e);
}

static void e_reject(struct nftnl_rule *r, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = nftnl_expr_alloc("reject");
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
	nftnl_rule_add_expr(r, e);
}

/* BYPASS: accept when no daemon listens (fail-open). */
static void e_queue(struct nftnl_rule *r, enum nft_backend be, const struct nft_options *o,
		    bool bypass)
{
	struct nftnl_expr *e;

	if (be == NFT_BACKEND_NFT_QUEUE) {
		e = nftnl_expr_alloc("queue");
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, o->queue);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
				   bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
	} else {
		/* libnftnl keeps this pointer (no copy) and frees it with the expr. */
		struct xt_NFQ_info_v3 *info = calloc(1, sizeof(*info));
		info->queuenum = o->queue;
		info->queues_total = 1;
		info->flags = bypass ? NFQ_FLAG_BYPASS : 0;
		e = nftnl_expr_alloc("target");
		nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
		nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
		nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, sizeof(*info));
	}
	nftnl_rule_add_expr(r, e);
}

static struct nftnl_rule *rule_in(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE_NAME);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return r;
}

static struct nftnl_rule *rule_new(void)
{
	return rule_in(CHAIN_NAME);
}

static void rule_put(struct batch *bt, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh = batch_put(bt, NFT_MSG_NEWRULE, NFPROTO_INET,
					 NLM_F_APPEND | NLM_F_CREATE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
}

/* match: meta mark & PICKET_MARK_MASK == bit */
static void match_verdict_mark(struct nftnl_rule *r, uint32_t bit)
{
	e_meta_load(r, NFT_META_MARK);
	e_bitwise(r, PICKET_MARK_MASK, 0);
	e_cmp(r, NFT_CMP_EQ, &bit, sizeof(bit));
}

/* meta mark &= ~PICKET_MARK_MASK: hand the packet on with its mark as it came */
static void clear_verdict_mark(struct nftnl_rule *r)
{
	e_meta_load(r, NFT_META_MARK);
	e_bitwise(r, ~PICKET_MARK_MASK, 0);
	e_meta_store(r, NFT_META_MARK);
}

static void chain_put(struct batch *bt, const char *name, uint32_t hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE_NAME);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, CHAIN_PRIORITY);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = batch_put(bt, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(bt->b);
}

/*
 * Append to rule R: "PROTO and port 53 at OFFSET of the transport header
 * (2: dport, 0: sport), and for TCP only segments with PSH (the ones that
 * end a write, so carry a message; bare ACKs stay in the kernel)", then
 * "meta mark |= DNS" and a queue that always bypasses: DNS is read, never
 * held, and never lost because no daemon listens.
 */
static void dns_queue_rule(struct batch *bt, struct nftnl_rule *r, uint8_t proto,
			   uint32_t port_offset, enum nft_backend be, const struct nft_options *o)
{
	uint16_t port = htons(DNS_PORT);
	uint8_t psh = TCP_FLAG_PSH, zero8 = 0;
	uint32_t dnsbit = PICKET_MARK_DNS;

	e_meta_load(r, NFT_META_L4PROTO);
	e_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
	e_th_load(r, port_offset, sizeof(port));
	e_cmp(r, NFT_CMP_EQ, &port, sizeof(port));
	if (proto == IPPROTO_TCP) {
		e_th_load(r, 13, 1);
		e_bitwise_n(r, &psh, &zero8, 1);
		e_cmp(r, NFT_CMP_NEQ, &zero8, 1);
	}
	e_meta_load(r, NFT_META_MARK);
	e_bitwise(r, ~dnsbit, dnsbit);
	e_meta_store(r, NFT_META_MARK);
	e_queue(r, be, o, true);
	rule_put(bt, r);
}

/* Adds "ct state established" to R: the packet belongs to a connection
 * this host opened (a reply to our query), not an unsolicited one. */
static struct nftnl_rule *reply_only(struct nftnl_rule *r)
{
	uint32_t zero = 0;

	e_ct_load(r, NFT_CT_STATE);
	e_bitwise(r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED), 0);
	e_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	return r;
}

static void build(struct batch *bt, enum nft_backend be, const struct nft_options *o)
{
	uint8_t synack = TCP_FLAG_SYN | TCP_FLAG_ACK, syn = TCP_FLAG_SYN, zero8 = 0;
	struct nftnl_rule *r;
	uint32_t v;
	uint8_t proto;

	table_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	chain_put(bt, CHAIN_NAME, NF_INET_LOCAL_OUT);
	chain_put(bt, INPUT_CHAIN_NAME, NF_INET_LOCAL_IN);

	/* Verdict allow came back: remember it on the connection, then accept. */
	r = rule_new();
	match_verdict_mark(r, PICKET_MARK_ALLOW);
	clear_verdict_mark(r);
	e_ct_load(r, NFT_CT_MARK);
	e_bitwise(r, ~PICKET_CTMARK_ALLOWED, PICKET_CTMARK_ALLOWED);
	e_ct_store(r, NFT_CT_MARK);
	e_verdict(r, NF_ACCEPT);
	rule_put(bt, r);

	/* Verdict reject: TCP gets a reset, everything else an ICMP error, so the
	 * program fails at once instead of retrying for seconds. */
	r = rule_new();
	match_verdict_mark(r, PICKET_MARK_REJECT);
	e_meta_load(r, NFT_META_L4PROTO);
	proto = IPPROTO_TCP;
	e_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
	e_reject(r, NFT_REJECT_TCP_RST, 0);
	rule_put(bt, r);

	r = rule_new();
	match_verdict_mark(r, PICKET_MARK_REJECT);
	e_reject(r, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	rule_put(bt, r);

	/* DNS queries on flows already allowed (a resolver's second question
	 * on the same socket, TCP segments after the handshake) are read so
	 * their replies are believed; a new flow's first query takes the
	 * normal path below and is read there. */
	r = rule_new();
	e_ct_load(r, NFT_CT_MARK);
	e_bitwise(r, PICKET_CTMARK_ALLOWED, 0);
	v = 0;
	e_cmp(r, NFT_CMP_NEQ, &v, sizeof(v));
	dns_queue_rule(bt, r, IPPROTO_UDP, 2, be, o);
	r = rule_new();
	e_ct_load(r, NFT_CT_MARK);
	e_bitwise(r, PICKET_CTMARK_ALLOWED, 0);
	e_cmp(r, NFT_CMP_NEQ, &v, sizeof(v));
	dns_queue_rule(bt, r, IPPROTO_TCP, 2, be, o);

	/* Every TCP SYN (without ACK) is a new connection, whatever conntrack
	 * says: a SYN that reuses the tuple of a connection just closed can be
	 * classed as part of it, allowed mark included (seen 1-3 times in
	 * 31,000 connections under load), and must still be decided. */
	r = rule_new();
	e_meta_load(r, NFT_META_L4PROTO);
	proto = IPPROTO_TCP;
	e_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
	e_th_load(r, 13, 1);
	e_bitwise_n(r, &synack, &zero8, 1);
	e_cmp(r, NFT_CMP_EQ, &syn, 1);
	e_queue(r, be, o, !o->fail_closed);
	rule_put(bt, r);

	/* A flow already allowed never reaches user space again. */
	r = rule_new();
	e_ct_load(r, NFT_CT_MARK);
	e_bitwise(r, PICKET_CTMARK_ALLOWED, 0);
	v = 0;
	e_cmp(r, NFT_CMP_NEQ, &v, sizeof(v));
	e_verdict(r, NF_ACCEPT);
	rule_put(bt, r);

	/* New flows go to the daemon. */
	r = rule_new();
	e_ct_load(r, NFT_CT_STATE);
	e_bitwise(r, NF_CT_STATE_BIT(IP_CT_NEW), 0);
	v = 0;
	e_cmp(r, NFT_CMP_NEQ, &v, sizeof(v));
	e_queue(r, be, o, !o->fail_closed);
	rule_put(bt, r);

	/* DNS replies, read before the program gets them (local stubs' too:
	 * they come in on lo). Only replies conntrack ties to a connection of
	 * ours: a flood of packets from port 53 to anywhere else never reaches
	 * the queue, so it cannot crowd out the new flows waiting there. */
	dns_queue_rule(bt, reply_only(rule_in(INPUT_CHAIN_NAME)), IPPROTO_UDP, 0, be, o);
	dns_queue_rule(bt, reply_only(rule_in(INPUT_CHAIN_NAME)), IPPROTO_TCP, 0, be, o);
}

const char *nftables_backend_name(enum nft_backend b)
{
	return b == NFT_BACKEND_NFT_QUEUE ? "nft-queue" : "xt-nfqueue";
}

int nftables_remove(char *err, size_t errsz)
{
	struct batch *bt = malloc(sizeof(*bt));
	int r;

	if (!bt)
		return -ENOMEM;
	batch_begin(bt);
	table_msg(bt, NFT_MSG_DELTABLE, 0);
	batch_end(bt);
	r = batch_send(bt, err, errsz);
	mnl_nlmsg_batch_stop(bt->b);
	free(bt);
	return r;
}

int nftables_install(const struct nft_options *opts, enum nft_backend *ret_backend, char *err,
		     size_t errsz)
{
	static const enum nft_backend order[] = {NFT_BACKEND_NFT_QUEUE, NFT_BACKEND_XT_NFQUEUE};
	struct batch *bt = malloc(sizeof(*bt));
	char why[256] = "";
	int r = -ENOENT;

	if (!bt)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		/* Start from nothing: a table left by a killed daemon goes first,
		 * in the same transaction, so there is no window without it. */
		batch_begin(bt);
		table_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		table_msg(bt, NFT_MSG_DELTABLE, 0);
		build(bt, order[i], opts);
		batch_end(bt);
		r = batch_send(bt, err, errsz);
		mnl_nlmsg_batch_stop(bt->b);
		if (r == 0) {
			*ret_backend = order[i];
			break;
		}
		if (i == 0)
			snprintf(why, sizeof(why), "%s", err);
	}
	if (r < 0 && why[0]) {
		char last[256];
		snprintf(last, sizeof(last), "%s", err);
		snprintf(err, errsz, "nft queue: %s; xt NFQUEUE: %s", why, last);
	}
	free(bt);
	return r;
}
