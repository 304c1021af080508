/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet parser. Fields are read byte by byte at explicit offsets rather than
 * through struct iphdr & co: the buffer has no alignment guarantee, and every
 * read is then visibly preceded by its bounds check.
 */
#include "packet/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define IPV4_OFFSET_MASK 0x1fff /* fragment offset in 8-byte units */
#define IPV6_FRAG_OFFSET_MASK 0xfff8
#define IPV6_FRAG_HLEN 8

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* A bounded view of the packet: [p, p + len). */
struct cursor {
	const uint8_t *p;
	size_t len;
};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool is_echo(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)
		return type == ICMP_ECHO || type == ICMP_ECHOREPLY;
	return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY;
}

/* Transport header at T (what remains of the packet) -> ports / ICMP fields. */
static int parse_transport(struct cursor t, struct flow *f)
{
	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		/* All four start with source port, destination port. */
		if (t.len < 4)
			return -EBADMSG;
		f->sport = get_be16(t.p);
		f->dport = get_be16(t.p + 2);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (t.len < 2)
			return -EBADMSG;
		f->icmp_type = t.p[0];
		f->icmp_code = t.p[1];
		/* type, code, checksum, then the echo identifier. Conntrack keys
		 * echo flows on it, so a flow without it would be a different flow. */
		if (is_echo(f->proto, f->icmp_type)) {
			if (t.len < 6)
				return -EBADMSG;
			f->echo_id = get_be16(t.p + 4);
		}
		return 0;
	default:
		return 0;
	}
}

static int parse_ipv4(struct cursor c, struct flow *f)
{
	size_t hlen, tot_len;
	uint16_t frag;

	if (c.len < IPV4_MIN_HLEN)
		return -EBADMSG;
	hlen = (size_t)(c.p[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return -EINVAL;
	if (c.len < hlen)
		return -EBADMSG;
	tot_len = get_be16(c.p + 2);
	if (tot_len < hlen)
		return -EINVAL;
	/* Bytes past the total length are link-layer padding, not payload. */
	if (c.len > tot_len)
		c.len = tot_len;

	frag = get_be16(c.p + 6);
	f->family = AF_INET;
	f->proto = c.p[9];
	memcpy(&f->src.in, c.p + 12, 4);
	memcpy(&f->dst.in, c.p + 16, 4);

	if (frag & IPV4_OFFSET_MASK)
		return 0; /* non-first fragment: no transport header */
	c.p += hlen;
	c.len -= hlen;
	return parse_transport(c, f);
}

static bool is_ipv6_ext(uint8_t nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
		return true;
	default:
		return false;
	}
}

static int parse_ipv6(struct cursor c, struct flow *f)
{
	size_t plen;
	uint8_t nexthdr;

	if (c.len < IPV6_HLEN)
		return -EBADMSG;
	plen = get_be16(c.p + 4);
	/* Payload length 0 means a jumbogram (or a BIG TCP GSO packet): the
	 * buffer length is all we know. Otherwise trailing bytes are padding. */
	if (plen != 0 && c.len > IPV6_HLEN + plen)
		c.len = IPV6_HLEN + plen;

	nexthdr = c.p[6];
	f->family = AF_INET6;
	memcpy(&f->src.in6, c.p + 8, 16);
	memcpy(&f->dst.in6, c.p + 24, 16);
	c.p += IPV6_HLEN;
	c.len -= IPV6_HLEN;

	for (int n = 0; is_ipv6_ext(nexthdr); n++) {
		size_t elen;

		if (n >= PACKET_MAX_EXT_HEADERS)
			return -EINVAL;
		/* Every extension header starts with next header, length. */
		if (c.len < 2)
			return -EBADMSG;
		if (nexthdr == IPPROTO_FRAGMENT) {
			elen = IPV6_FRAG_HLEN;
			if (c.len < elen)
				return -EBADMSG;
			if (get_be16(c.p + 2) & IPV6_FRAG_OFFSET_MASK) {
				/* Non-first fragment: what follows is the middle
				 * of the payload, not a header. */
				f->proto = c.p[0];
				return 0;
			}
		} else if (nexthdr == IPPROTO_AH) {
			elen = ((size_t)c.p[1] + 2) * 4; /* RFC 4302: 4-octet units, minus 2 */
		} else {
			elen = ((size_t)c.p[1] + 1) * 8; /* RFC 8200: 8-octet units, minus 1 */
		}
		if (c.len < elen)
			return -EBADMSG;
		nexthdr = c.p[0];
		c.p += elen;
		c.len -= elen;
	}

	f->proto = nexthdr;
	return parse_transport(c, f);
}

int packet_parse(const void *buf, size_t len, struct flow *ret_flow)
{
	struct cursor c = { .p = buf, .len = len };
	struct flow f;
	int r;

	memset(&f, 0, sizeof(f)); /* also the padding, so flows can be hashed/compared */
	if (!buf || len < 1)
		return -EBADMSG;
	switch (c.p[0] >> 4) {
	case 4:
		r = parse_ipv4(c, &f);
		break;
	case 6:
		r = parse_ipv6(c, &f);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*ret_flow = f;
	return 0;
}

static const struct {
	uint8_t proto;
	const char *name;
} proto_names[] = {
	{ IPPROTO_TCP, "tcp" },         { IPPROTO_UDP, "udp" },
	{ IPPROTO_UDPLITE, "udplite" }, { IPPROTO_SCTP, "sctp" },
	{ IPPROTO_ICMP, "icmp" },       { IPPROTO_ICMPV6, "icmpv6" },
};

/* Other spellings users write (iptables, /etc/protocols); parsed, never printed. */
static const struct {
	uint8_t proto;
	const char *name;
} proto_aliases[] = {
	{ IPPROTO_ICMPV6, "icmp6" },
	{ IPPROTO_ICMPV6, "ipv6-icmp" },
};

const char *packet_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

int packet_proto_from_name(const char *name)
{
	size_t n;
	int v = 0;

	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strcasecmp(name, proto_names[i].name) == 0)
			return proto_names[i].proto;
	for (size_t i = 0; i < sizeof(proto_aliases) / sizeof(proto_aliases[0]); i++)
		if (strcasecmp(name, proto_aliases[i].name) == 0)
			return proto_aliases[i].proto;

	/* By hand rather than strtol: no sign, no spaces, no hex, no overflow. */
	n = strnlen(name, 4);
	if (n < 1 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -EINVAL;
		v = v * 10 + (name[i] - '0');
	}
	return v <= 255 ? v : -EINVAL;
}

const char *flow_addr_str(int family, const union picket_addr *a, char *buf, size_t size)
{
	if (!a || !buf) {
		errno = EINVAL;
		return NULL;
	}
	if (size > INET6_ADDRSTRLEN)
		size = INET6_ADDRSTRLEN; /* enough for any address, fits socklen_t */
	return inet_ntop(family, a, buf, (socklen_t)size);
}
