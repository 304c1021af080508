// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flow -> socket inode. See sockdiag.h.
 *
 * Which end goes in idiag_src (checked on 6.18 by tests/unit/attrib, which
 * asks both ways):
 *   TCP, SCTP (inet_diag_find_one_icsk) and raw (raw_diag raw_lookup):
 *     idiag_src/sport = local end, idiag_dst/dport = remote end.
 *   UDP, UDPLITE (udp_dump_one, "src and dst are swapped for historical
 *     reasons"): idiag_src/sport = remote end, idiag_dst/dport = local end.
 * The kernel answers these with its own receive-path lookup, so a wildcard
 * socket (unconnected UDP, raw bound to no address) is found by the exact
 * 4-tuple too. Asking the wrong way round on loopback can find the PEER's
 * socket, so there is no "try the other order" fallback.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "attrib/sockdiag.h"

#define SOCKDIAG_BUF 8192        /* one exact answer is ~100 bytes */
#define SOCKDIAG_STALE_MAX 8     /* answers to older requests skipped per request */
#define PROCNET_LINE_MAX 256     /* /proc/net lines are fixed width, ~180 bytes */
/* Our own constants, not <netinet/ip_icmp.h>: its field macros (icmp_id, ...) rewrite names. */
#define ICMP_ECHO_REQUEST 8
#define ICMPV6_ECHO_REQUEST 128

struct sockdiag {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char buf[SOCKDIAG_BUF];
};

int sockdiag_new(struct sockdiag **ret)
{
	struct sockdiag *sd;
	int one = 1, r;

	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sd->nl) {
		r = -errno;
		goto cleanup;
	}
	if (mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto cleanup;
	}
	/* Kernel error texts are a nicety: ignore kernels that lack them. */
	(void)mnl_socket_setsockopt(sd->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	sd->portid = mnl_socket_get_portid(sd->nl);
	sd->seq = 1;
	*ret = sd;
	return 0;
cleanup:
	sockdiag_free(sd);
	return r;
}

void sockdiag_free(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd);
}

static int diag_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *msg;
	uint64_t *ino = data;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	/* libmnl checked the header length only: check the payload's. */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*msg)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	msg = mnl_nlmsg_get_payload(nlh);
	*ino = msg->idiag_inode;
	return MNL_CB_OK;
}

/* Send one exact-lookup request (REQ is an inet_diag_req_v2 or _raw) and
 * read its answer. */
static int diag_request(struct sockdiag *sd, const void *req, size_t req_len,
			uint64_t *ret_inode)
{
	char out[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_req_v2)) + 16];
	struct nlmsghdr *nlh;
	uint64_t ino = 0;
	uint32_t seq;
	int stale = 0;

	nlh = mnl_nlmsg_put_header(out);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST; /* no NLM_F_DUMP: one socket, not a table */
	nlh->nlmsg_seq = seq = ++sd->seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, req_len), req, req_len);
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(sd->nl, sd->buf, sizeof(sd->buf));
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(sd->buf, (size_t)n, seq, sd->portid, diag_msg_cb, &ino);
		if (r < 0) {
			/* ESRCH: an answer to an earlier request that was abandoned. */
			if (errno == ESRCH && ++stale < SOCKDIAG_STALE_MAX)
				continue;
			return errno ? -errno : -EPROTO;
		}
		break;
	}
	/* Inode 0: a TIME_WAIT or request mini-socket, which no process holds. */
	if (ino == 0)
		return -ENOENT;
	*ret_inode = ino;
	return 0;
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static void fill_sockid(struct inet_diag_sockid *id, const struct flow *flow, bool local_in_src)
{
	const union picket_addr *a = local_in_src ? &flow->src : &flow->dst;
	const union picket_addr *b = local_in_src ? &flow->dst : &flow->src;

	memcpy(id->idiag_src, a, addr_len(flow->family));
	memcpy(id->idiag_dst, b, addr_len(flow->family));
	id->idiag_sport = htons(local_in_src ? flow->sport : flow->dport);
	id->idiag_dport = htons(local_in_src ? flow->dport : flow->sport);
	/* No cookie: match on addresses alone. */
	id->idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

int sockdiag_inet_exact(struct sockdiag *sd, const struct flow *flow, bool local_in_src,
			uint64_t *ret_inode)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = flow->family,
		.sdiag_protocol = flow->proto,
		.idiag_states = ~0u,
	};

	if (flow->family != AF_INET && flow->family != AF_INET6)
		return -EAFNOSUPPORT;
	fill_sockid(&req.id, flow, local_in_src);
	return diag_request(sd, &req, sizeof(req), ret_inode);
}

/* Raw sockets (kernel >= 4.19): the "port" is the IP protocol. */
static int sockdiag_raw_exact(struct sockdiag *sd, const struct flow *flow, uint64_t *ret_inode)
{
	struct inet_diag_req_raw req = {
		.sdiag_family = flow->family,
		.sdiag_protocol = IPPROTO_RAW,
		.sdiag_raw_protocol = flow->proto,
		.idiag_states = ~0u,
	};

	fill_sockid(&req.id, flow, true);
	req.id.idiag_sport = 0;
	req.id.idiag_dport = 0;
	return diag_request(sd, &req, sizeof(req), ret_inode);
}

static int find_raw(struct sockdiag *sd, const struct flow *flow, uint64_t *ret_inode)
{
	int r;

	r = sockdiag_raw_exact(sd, flow, ret_inode);
	if (r != -ENOENT)
		return r;
	/* Missing raw_diag answers ENOENT as well; the table is short. */
	return procnet_find_inode(flow->family == AF_INET ? "/proc/net/raw" : "/proc/net/raw6",
				  flow->family, &flow->src, flow->proto, &flow->dst, 0, ret_inode);
}

static bool is_echo_request(const struct flow *flow)
{
	if (flow->proto == IPPROTO_ICMP)
		return flow->icmp_type == ICMP_ECHO_REQUEST;
	return flow->proto == IPPROTO_ICMPV6 && flow->icmp_type == ICMPV6_ECHO_REQUEST;
}

int sockdiag_flow_inode(struct sockdiag *sd, const struct flow *flow, uint64_t *ret_inode)
{
	int r;

	if (flow->family != AF_INET && flow->family != AF_INET6)
		return -EAFNOSUPPORT;
	switch (flow->proto) {
	case IPPROTO_TCP:
	case IPPROTO_SCTP:
		return sockdiag_inet_exact(sd, flow, true, ret_inode);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return sockdiag_inet_exact(sd, flow, false, ret_inode);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Ping sockets (SOCK_DGRAM) have no diag handler; their local
		 * "port" is the echo id. Then raw ICMP sockets (ping with
		 * CAP_NET_RAW). */
		if (is_echo_request(flow)) {
			r = procnet_find_inode(flow->family == AF_INET ? "/proc/net/icmp"
								       : "/proc/net/icmp6",
					       flow->family, &flow->src, flow->echo_id, &flow->dst,
					       0, ret_inode);
			if (r != -ENOENT)
				return r;
		}
		return find_raw(sd, flow, ret_inode);
	default:
		return find_raw(sd, flow, ret_inode);
	}
}

/* /proc/net prints each 32-bit word of an address with %08X, in memory order. */
static int parse_hex_addr(const char *s, uint8_t family, union picket_addr *ret)
{
	size_t words = family == AF_INET ? 1 : 4;
	union picket_addr a;
	uint32_t *w = family == AF_INET ? &a.in.s_addr : a.in6.s6_addr32;

	if (strlen(s) != words * 8)
		return -EINVAL;
	for (size_t i = 0; i < words; i++) {
		char word[9];

		memcpy(word, s + i * 8, 8);
		word[8] = '\0';
		w[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	*ret = a;
	return 0;
}

static bool addr_any(uint8_t family, const union picket_addr *a)
{
	if (family == AF_INET)
		return a->in.s_addr == INADDR_ANY;
	return IN6_IS_ADDR_UNSPECIFIED(&a->in6);
}

static bool addr_eq(uint8_t family, const union picket_addr *a, const union picket_addr *b)
{
	return memcmp(a, b, addr_len(family)) == 0;
}

int procnet_find_inode(const char *path, uint8_t family, const union picket_addr *local,
		       uint16_t lport, const union picket_addr *remote, uint16_t rport,
		       uint64_t *ret_inode)
{
	char line[PROCNET_LINE_MAX];
	bool skipping = false;
	FILE *f;
	int r = -ENOENT;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char la[40], ra[40];
		union picket_addr l, rm;
		unsigned int lp, rp;
		unsigned long ino;
		bool whole = strchr(line, '\n') != NULL;

		/* The tail of an over-long line, or the line itself. */
		if (skipping || !whole) {
			skipping = !whole;
			continue;
		}
		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %*x %*x:%*x %*x:%*x %*x %*u %*d %lu",
			   la, &lp, ra, &rp, &ino) != 5)
			continue; /* the header */
		if (parse_hex_addr(la, family, &l) < 0 || parse_hex_addr(ra, family, &rm) < 0)
			continue;
		if (lp != lport || ino == 0)
			continue;
		if (!addr_any(family, &l) && !addr_eq(family, &l, local))
			continue;
		if (!addr_any(family, &rm) && !addr_eq(family, &rm, remote))
			continue;
		if (rp != 0 && rp != rport)
			continue;
		*ret_inode = ino;
		r = 0;
		break;
	}
	if (r == -ENOENT && ferror(f))
		r = -EIO;
	fclose(f);
	return r;
}
