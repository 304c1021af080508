/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netfilter/nfq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netfilter/marks.h"

#define RECV_BATCH 16
#define RECV_SLOT 8192 /* a packet message: headers + COPY_RANGE bytes, far below this */
#define RECV_BUF_SIZE (RECV_BATCH * RECV_SLOT)
#define SEND_BUF_SIZE (1u << 14)
#define SOCKET_RCVBUF (8u << 20) /* room for bursts: a lost message is a dropped packet */
#define QUEUE_MAXLEN 8192

struct nfq {
	struct mnl_socket *nl;
	uint16_t num;
	uint32_t portid;
	uint32_t seq;
	size_t out_len;
	char out[SEND_BUF_SIZE];
	char in[RECV_BUF_SIZE];
};

static struct nlmsghdr *put_header(char *buf, uint16_t type, uint16_t num, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(num);
	return nlh;
}

/* Send one config message and wait for its ack. */
static int config_send(struct nfq *q, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, q->portid, NULL, NULL) < 0)
		return -errno;
	return 0;
}

int nfq_open(uint16_t num, uint32_t copy_range, struct nfq **ret)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfq *q = calloc(1, sizeof(*q));
	struct nlmsghdr *nlh;
	struct nfqnl_msg_config_cmd cmd = {.command = NFQNL_CFG_CMD_BIND};
	struct nfqnl_msg_config_params params = {.copy_range = htonl(copy_range),
						 .copy_mode = NFQNL_COPY_PACKET};
	struct timeval tv = {.tv_sec = 2};
	uint32_t flags;
	int one = 1, rcvbuf = SOCKET_RCVBUF, fd, r;

	if (!q)
		return -ENOMEM;
	/* A packet message must fit one receive slot, with room for headers. */
	if (copy_range > RECV_SLOT / 2)
		copy_range = RECV_SLOT / 2;
	params.copy_range = htonl(copy_range);
	q->num = num;
	/* Blocking with a timeout while configuring (acks are read in line);
	 * non-blocking afterwards, for the event loop. */
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->nl) {
		r = -errno;
		goto fail;
	}
	fd = mnl_socket_get_fd(q->nl);
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	nlh = put_header(buf, NFQNL_MSG_CONFIG, num, ++q->seq);
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	r = config_send(q, nlh);
	if (r < 0)
		goto fail;

	nlh = put_header(buf, NFQNL_MSG_CONFIG, num, ++q->seq);
	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(params), &params);
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(QUEUE_MAXLEN));
	/* UID_GID: the socket owner, for free. GSO: don't segment for us. No
	 * FAIL_OPEN: a full queue drops (TCP retries) rather than letting an
	 * unchecked flow through. */
	flags = htonl(NFQA_CFG_F_UID_GID | NFQA_CFG_F_GSO);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, flags);
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, flags);
	r = config_send(q, nlh);
	if (r < 0)
		goto fail;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = q;
	return 0;
fail:
	nfq_close(q);
	return r;
}

void nfq_close(struct nfq *q)
{
	if (!q)
		return;
	if (q->nl)
		mnl_socket_close(q->nl); /* the kernel unbinds the queue with the socket */
	free(q);
}

int nfq_fd(const struct nfq *q)
{
	return mnl_socket_get_fd(q->nl);
}

int nfq_flush(struct nfq *q)
{
	ssize_t n;

	if (q->out_len == 0)
		return 0;
	do
		n = mnl_socket_sendto(q->nl, q->out, q->out_len);
	while (n < 0 && errno == EINTR);
	q->out_len = 0;
	return n < 0 ? -errno : 0;
}

int nfq_verdict(struct nfq *q, uint32_t id, uint32_t mark, enum nfq_verdict v)
{
	struct nfqnl_msg_verdict_hdr vh = {.id = htonl(id)};
	struct nlmsghdr *nlh;
	uint32_t newmark = mark & ~PICKET_MARK_MASK;
	/* header + verdict + mark attributes, rounded up generously */
	const size_t need = 128;

	if (q->out_len + need > sizeof(q->out)) {
		int r = nfq_flush(q);
		if (r < 0)
			return r;
	}
	switch (v) {
	case NFQ_VERDICT_ACCEPT:
		/* Back through the hook: the ruleset stamps the connection. */
		vh.verdict = htonl(NF_REPEAT);
		newmark |= PICKET_MARK_ALLOW;
		break;
	case NFQ_VERDICT_REJECT:
		vh.verdict = htonl(NF_REPEAT);
		newmark |= PICKET_MARK_REJECT;
		break;
	case NFQ_VERDICT_PASS:
		/* On to the next hook: not back through ours (on input that would
		 * queue it again). Our mark bits are cleared below. */
		vh.verdict = htonl(NF_ACCEPT);
		break;
	case NFQ_VERDICT_DROP:
	default:
		vh.verdict = htonl(NF_DROP);
		break;
	}
	nlh = put_header(q->out + q->out_len, NFQNL_MSG_VERDICT, q->num, ++q->seq);
	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(vh), &vh);
	if (v != NFQ_VERDICT_DROP)
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(newmark));
	q->out_len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

struct parse_ctx {
	nfq_packet_fn cb;
	void *userdata;
	int count;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NFQA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *ctx = data;
	const struct nlattr *tb[NFQA_MAX + 1] = {0};
	const struct nfqnl_msg_packet_hdr *ph;
	struct nfq_packet p = {0};

	if ((nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0)
		return MNL_CB_OK;
	/* Netlink hygiene: check every attribute's size before reading it. */
	if (!tb[NFQA_PACKET_HDR] || mnl_attr_get_payload_len(tb[NFQA_PACKET_HDR]) < sizeof(*ph))
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(tb[NFQA_PACKET_HDR]);
	p.id = ntohl(ph->packet_id);
	if (tb[NFQA_MARK] && mnl_attr_validate(tb[NFQA_MARK], MNL_TYPE_U32) >= 0)
		p.mark = ntohl(mnl_attr_get_u32(tb[NFQA_MARK]));
	if (tb[NFQA_UID] && tb[NFQA_GID] && mnl_attr_validate(tb[NFQA_UID], MNL_TYPE_U32) >= 0 &&
	    mnl_attr_validate(tb[NFQA_GID], MNL_TYPE_U32) >= 0) {
		p.has_uid = true;
		p.uid = ntohl(mnl_attr_get_u32(tb[NFQA_UID]));
		p.gid = ntohl(mnl_attr_get_u32(tb[NFQA_GID]));
	}
	if (tb[NFQA_IFINDEX_OUTDEV] && mnl_attr_validate(tb[NFQA_IFINDEX_OUTDEV], MNL_TYPE_U32) >= 0)
		p.outdev = ntohl(mnl_attr_get_u32(tb[NFQA_IFINDEX_OUTDEV]));
	if (tb[NFQA_PAYLOAD]) {
		p.payload = mnl_attr_get_payload(tb[NFQA_PAYLOAD]);
		p.len = mnl_attr_get_payload_len(tb[NFQA_PAYLOAD]);
	}
	ctx->cb(ctx->userdata, &p);
	ctx->count++;
	return MNL_CB_OK;
}

int nfq_receive(struct nfq *q, nfq_packet_fn cb, void *userdata)
{
	struct parse_ctx ctx = {.cb = cb, .userdata = userdata};
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	int r = 0, n;

	/* One recvmmsg() for up to RECV_BATCH packets and no extra read to
	 * find the socket empty: on this VM every syscall costs more than the
	 * rest of a verdict. The loop is level-triggered, so anything left is
	 * read on the next round. */
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < RECV_BATCH; i++) {
		iov[i].iov_base = q->in + (size_t)i * RECV_SLOT;
		iov[i].iov_len = RECV_SLOT;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(mnl_socket_get_fd(q->nl), msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
		r = -errno;
	for (int i = 0; i < n; i++) {
		/* Packet messages carry seq 0; errors of our verdicts come here
		 * too and are not fatal (a packet may have been dropped meanwhile). */
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue;
		mnl_cb_run(iov[i].iov_base, msgs[i].msg_len, 0, q->portid, packet_cb, &ctx);
	}
	int f = nfq_flush(q);
	if (r == 0 && f < 0)
		r = f;
	return r < 0 ? r : ctx.count;
}
