/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * DNS message parser (RFC 1035, 3596; EDNS0 of RFC 6891 tolerated): a pure
 * function over a caller-owned buffer, no allocation, no logging, no global
 * state, so the fuzzer and the unit tests call it directly.
 *
 * What it keeps: the header, the question, and the answer section's A, AAAA
 * and CNAME records of class IN (other records are checked for shape and
 * skipped). Names come out as lower-case text without the final dot
 * ("www.example.org"; the root is ""). The authority and additional sections
 * are walked only to check that the message is well formed; an OPT record
 * there sets 'edns'.
 *
 * Bounds: a name is at most 255 bytes on the wire (RFC 1035), so its text
 * fits DNS_NAME_MAX + 1; a label byte outside printable ASCII or a '.' inside
 * a label makes the message malformed (such a name cannot name a host in a
 * rule). Compression pointers must point strictly backwards (so every name
 * ends) and at most DNS_PTR_MAX are followed per name. At most DNS_RR_MAX
 * records per message; at most DNS_ANSWERS_MAX answers are kept (the rest
 * are skipped). qdcount must be 0 or 1.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 253     /* text form, without the final dot */
#define DNS_PTR_MAX 64       /* compression pointers followed per name */
#define DNS_RR_MAX 1024      /* records per message (all sections) */
#define DNS_ANSWERS_MAX 32   /* A/AAAA/CNAME answers kept */
#define DNS_HEADER_LEN 12

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

struct dns_rr {
	uint16_t type;  /* DNS_TYPE_A, _AAAA or _CNAME */
	uint32_t ttl;   /* seconds; a TTL with the top bit set reads as 0 (RFC 2181) */
	char name[DNS_NAME_MAX + 1];
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		char cname[DNS_NAME_MAX + 1];
	} data;
};

struct dns_msg {
	uint16_t id;
	bool qr;           /* a response */
	uint8_t opcode;
	uint8_t rcode;
	bool tc;           /* truncated by the server (a UDP answer too big) */
	uint16_t qdcount, ancount, nscount, arcount;
	bool has_question; /* qdcount == 1 */
	char qname[DNS_NAME_MAX + 1];
	uint16_t qtype;
	uint16_t qclass;
	bool edns;         /* an OPT record was present */
	size_t nanswers;
	struct dns_rr answers[DNS_ANSWERS_MAX];
};

/*
 * Parse the DNS message BUF of LEN bytes into *ret (about 17 KiB: callers
 * keep one, not one per packet in flight).
 * Returns 0, or (*ret then holds no promise):
 *  -EBADMSG  truncated or malformed: shorter than its counts say, a name
 *            too long, a forward or too many pointers, a bad label, an
 *            A/AAAA of the wrong length, bytes past a CNAME's target;
 *  -EOPNOTSUPP  more than one question, or more than DNS_RR_MAX records.
 * Never reads outside [buf, buf + len). BUF needs no alignment.
 */
int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret);

/*
 * The transport payload of the network-layer packet PKT of LEN bytes
 * (as NFQUEUE gives it: IPv4 or IPv6 header first, maybe cut to the copy
 * range). Only UDP and TCP; IPv6 hop-by-hop, routing and destination
 * options headers are skipped (at most 8).
 * Returns 0 with *ret_payload and *ret_len inside PKT and *ret_proto
 * (IPPROTO_UDP or IPPROTO_TCP); -EBADMSG truncated or malformed;
 * -EOPNOTSUPP another protocol or a fragment.
 */
int dns_packet_payload(const uint8_t *pkt, size_t len, const uint8_t **ret_payload,
		       size_t *ret_len, uint8_t *ret_proto);
