/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A flow: what the packet parser learns from the first packet of a
 * connection. Plain data, no pointers, so it can be copied and hashed.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

union picket_addr {
	struct in_addr in;
	struct in6_addr in6;
};

struct flow {
	uint8_t family;         /* AF_INET or AF_INET6 */
	uint8_t proto;          /* IPPROTO_TCP, _UDP, _UDPLITE, _SCTP, _ICMP, _ICMPV6, or any other */
	uint16_t sport;         /* host order; 0 when the protocol has no ports */
	uint16_t dport;         /* host order; 0 when the protocol has no ports */
	uint8_t icmp_type;      /* ICMP/ICMPv6 only */
	uint8_t icmp_code;
	uint16_t echo_id;       /* echo identifier, host order */
	union picket_addr src;
	union picket_addr dst;
};

/* True for protocols whose flows have source and destination ports. */
static inline bool flow_has_ports(const struct flow *f)
{
	return f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP ||
	       f->proto == IPPROTO_UDPLITE || f->proto == IPPROTO_SCTP;
}

/* True for flows to or from port 53 over UDP or TCP (DNS, as far as the
 * ports tell: the caller checks the content where it matters). */
static inline bool flow_is_dns(const struct flow *f)
{
	return (f->proto == IPPROTO_UDP || f->proto == IPPROTO_TCP) &&
	       (f->sport == 53 || f->dport == 53);
}
