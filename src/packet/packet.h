/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Packet parser: the network-layer packet NFQUEUE hands us (from the IPv4 or
 * IPv6 header on, possibly cut to the queue's copy range) -> struct flow.
 * Pure functions over caller-owned buffers: no allocation, no logging, no
 * global state, so the fuzzer and the unit tests call them directly.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/flow.h"

/* At most this many IPv6 extension headers are walked; more is -EINVAL. */
#define PACKET_MAX_EXT_HEADERS 8

/*
 * Parse the network-layer packet BUF of LEN bytes into *ret_flow.
 *
 * Returns 0 and fills *ret_flow (all fields not set by the protocol are 0):
 *  - addresses in network order, ports and the ICMP echo id in host order;
 *  - TCP, UDP, UDPLITE, SCTP: sport/dport;
 *  - ICMP, ICMPv6: icmp_type, icmp_code, and echo_id for echo request/reply;
 *  - any other protocol (including IPv6 ESP and "no next header"): only
 *    family, proto and addresses;
 *  - a non-first fragment (IPv4 fragment offset != 0, or an IPv6 fragment
 *    header with offset != 0) carries no transport header: proto is set
 *    (for IPv6, the fragment header's next header), ports and ICMP fields
 *    are 0. Callers that need ports must treat such a flow as portless.
 * The IPv6 destination is the one in the fixed header, as conntrack sees
 * it, even when a routing header names later hops.
 *
 * Errors (*ret_flow untouched):
 *  -EINVAL  malformed: version not 4 or 6, IPv4 IHL < 5, IPv4 total length
 *           shorter than its header, more than PACKET_MAX_EXT_HEADERS IPv6
 *           extension headers.
 *  -EBADMSG truncated: LEN (or the IP length field, if smaller) ends before
 *           the IP header, an extension header, the transport ports, the
 *           ICMP type and code, or the echo id of an ICMP echo.
 *
 * Never reads outside [buf, buf + len). BUF needs no alignment.
 */
int packet_parse(const void *buf, size_t len, struct flow *ret_flow);

/* "tcp", "udp", "udplite", "sctp", "icmp", "icmpv6"; NULL for any other. */
const char *packet_proto_name(uint8_t proto);

/*
 * Inverse of packet_proto_name() (case-insensitive; "icmp6" and "ipv6-icmp"
 * also mean ICMPv6), or a decimal number 0-255 of at most 3 digits.
 * Returns the protocol number, or -EINVAL.
 */
int packet_proto_from_name(const char *name);

/*
 * Address A of FAMILY (AF_INET or AF_INET6) as text, written to BUF of SIZE
 * bytes (INET6_ADDRSTRLEN always suffices). Returns BUF, or NULL when the
 * family is unknown or SIZE is too small (errno set by inet_ntop).
 */
const char *flow_addr_str(int family, const union picket_addr *a, char *buf, size_t size);
