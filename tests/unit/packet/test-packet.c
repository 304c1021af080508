/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the packet parser. Packets are built by hand, byte by byte,
 * so each test says exactly what is on the wire. Every valid packet is also
 * parsed at every prefix length from a heap copy of exactly that size, so
 * ASan catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/packet.h"

#define V4_SRC "192.0.2.1"
#define V4_DST "198.51.100.7"
#define V6_SRC "2001:db8::1"
#define V6_DST "2001:db8:ffff::2"

/* ---- builders ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Transport header of PROTO into OUT; returns its length. */
static size_t build_l4(uint8_t *out, uint8_t proto, uint8_t icmp_type)
{
	switch (proto) {
	case IPPROTO_TCP:
		memset(out, 0, 20);
		put16(out, 40000);
		put16(out + 2, 443);
		out[12] = 5 << 4; /* data offset */
		out[13] = 0x02;   /* SYN */
		return 20;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		memset(out, 0, 8);
		put16(out, 5353);
		put16(out + 2, 53);
		put16(out + 4, 8);
		return 8;
	case IPPROTO_SCTP:
		memset(out, 0, 12);
		put16(out, 2905);
		put16(out + 2, 36412);
		return 12;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		memset(out, 0, 8);
		out[0] = icmp_type;
		out[1] = icmp_type == 3 ? 1 : 0; /* dest unreachable: host */
		put16(out + 4, 0x1234);          /* echo id (or unused) */
		put16(out + 6, 1);
		return 8;
	default:
		memset(out, 0xee, 4);
		return 4;
	}
}

/* IPv4 header (OPTLEN bytes of NOP options) + L4 of L4LEN; returns length. */
static size_t build_v4(uint8_t *out, uint8_t proto, uint16_t frag, size_t optlen,
		       const uint8_t *l4, size_t l4len)
{
	size_t hlen = 20 + optlen;

	memset(out, 0, hlen);
	out[0] = (uint8_t)(0x40 | hlen / 4);
	put16(out + 2, (uint16_t)(hlen + l4len));
	put16(out + 4, 0xbeef);
	put16(out + 6, frag);
	out[8] = 64;
	out[9] = proto;
	inet_pton(AF_INET, V4_SRC, out + 12);
	inet_pton(AF_INET, V4_DST, out + 16);
	memset(out + 20, 1, optlen); /* IPOPT_NOP */
	memcpy(out + hlen, l4, l4len);
	return hlen + l4len;
}

struct ext {
	uint8_t type;  /* IPPROTO_HOPOPTS, _ROUTING, _DSTOPTS, _FRAGMENT, _AH */
	size_t len;    /* bytes; multiple of 8 (of 4 for AH); 8 for fragment */
	uint16_t frag; /* fragment header: offset/flags word */
};

/* IPv6 header + the extension chain EXT[0..NEXT) + L4; returns length. */
static size_t build_v6(uint8_t *out, uint8_t proto, const struct ext *ext, size_t next,
		       const uint8_t *l4, size_t l4len)
{
	size_t off = 40;

	memset(out, 0, 40);
	out[0] = 0x60;
	out[6] = next ? ext[0].type : proto;
	out[7] = 64;
	inet_pton(AF_INET6, V6_SRC, out + 8);
	inet_pton(AF_INET6, V6_DST, out + 24);
	for (size_t i = 0; i < next; i++) {
		uint8_t *h = out + off;

		memset(h, 0, ext[i].len);
		h[0] = i + 1 < next ? ext[i + 1].type : proto;
		if (ext[i].type == IPPROTO_FRAGMENT)
			put16(h + 2, ext[i].frag);
		else if (ext[i].type == IPPROTO_AH)
			h[1] = (uint8_t)(ext[i].len / 4 - 2);
		else
			h[1] = (uint8_t)(ext[i].len / 8 - 1);
		off += ext[i].len;
	}
	memcpy(out + off, l4, l4len);
	off += l4len;
	put16(out + 4, (uint16_t)(off - 40));
	return off;
}

/* ---- checks ---- */

static void expect_addrs(const struct flow *f)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	assert_non_null(flow_addr_str(f->family, &f->src, a, sizeof(a)));
	assert_non_null(flow_addr_str(f->family, &f->dst, b, sizeof(b)));
	assert_string_equal(a, f->family == AF_INET ? V4_SRC : V6_SRC);
	assert_string_equal(b, f->family == AF_INET ? V4_DST : V6_DST);
}

/*
 * Parse every prefix of PKT: shorter than NEED must be -EBADMSG with the
 * output untouched, NEED or longer must give exactly FULL.
 */
static void check_prefixes(const uint8_t *pkt, size_t len, size_t need, const struct flow *full)
{
	struct flow untouched;

	memset(&untouched, 0xa5, sizeof(untouched));
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct flow f = untouched;
		int r;

		assert_non_null(copy);
		memcpy(copy, pkt, n);
		r = packet_parse(copy, n, &f);
		if (n < need) {
			if (r != -EBADMSG)
				fail_msg("prefix %zu/%zu: got %d, want -EBADMSG", n, len, r);
			assert_memory_equal(&f, &untouched, sizeof(f));
		} else {
			if (r != 0)
				fail_msg("prefix %zu/%zu (need %zu): got %d", n, len, need, r);
			assert_memory_equal(&f, full, sizeof(f));
		}
		free(copy);
	}
}

/* Expected flow for PROTO as built by build_l4() (fragment: no L4 fields). */
static void expect_l4(const struct flow *f, uint8_t proto, uint8_t icmp_type, bool first)
{
	assert_int_equal(f->proto, proto);
	if (!first || !(proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
			proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
			proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)) {
		assert_int_equal(f->sport, 0);
		assert_int_equal(f->dport, 0);
		assert_int_equal(f->icmp_type, 0);
		assert_int_equal(f->icmp_code, 0);
		assert_int_equal(f->echo_id, 0);
		return;
	}
	switch (proto) {
	case IPPROTO_TCP:
		assert_int_equal(f->sport, 40000);
		assert_int_equal(f->dport, 443);
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		assert_int_equal(f->sport, 5353);
		assert_int_equal(f->dport, 53);
		break;
	case IPPROTO_SCTP:
		assert_int_equal(f->sport, 2905);
		assert_int_equal(f->dport, 36412);
		break;
	default: /* ICMP, ICMPv6 */
		assert_int_equal(f->sport, 0);
		assert_int_equal(f->dport, 0);
		assert_int_equal(f->icmp_type, icmp_type);
		assert_int_equal(f->icmp_code, icmp_type == 3 ? 1 : 0);
		assert_int_equal(f->echo_id,
				 icmp_type == 8 || icmp_type == 0 || icmp_type == 128 ||
						 icmp_type == 129
					 ? 0x1234
					 : 0);
		return;
	}
	assert_int_equal(f->icmp_type, 0);
	assert_int_equal(f->icmp_code, 0);
	assert_int_equal(f->echo_id, 0);
}

/* Bytes of L4 the parser needs for PROTO/ICMP_TYPE. */
static size_t l4_need(uint8_t proto, uint8_t icmp_type)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		return 4;
	case IPPROTO_ICMP:
		return icmp_type == 8 || icmp_type == 0 ? 6 : 2;
	case IPPROTO_ICMPV6:
		return icmp_type == 128 || icmp_type == 129 ? 6 : 2;
	default:
		return 0;
	}
}

static const struct {
	uint8_t proto;
	uint8_t icmp_type;
} v4_cases[] = {
	{ IPPROTO_TCP, 0 },  { IPPROTO_UDP, 0 },  { IPPROTO_UDPLITE, 0 },
	{ IPPROTO_SCTP, 0 }, { IPPROTO_ICMP, 8 }, { IPPROTO_ICMP, 0 },
	{ IPPROTO_ICMP, 3 }, { IPPROTO_GRE, 0 },  { IPPROTO_ESP, 0 },
}, v6_cases[] = {
	{ IPPROTO_TCP, 0 },    { IPPROTO_UDP, 0 },      { IPPROTO_UDPLITE, 0 },
	{ IPPROTO_SCTP, 0 },   { IPPROTO_ICMPV6, 128 }, { IPPROTO_ICMPV6, 129 },
	{ IPPROTO_ICMPV6, 1 }, { IPPROTO_GRE, 0 },      { IPPROTO_ESP, 0 },
	{ IPPROTO_NONE, 0 },
};

/* ---- tests ---- */

static void test_v4_protocols(void **state)
{
	for (size_t i = 0; i < sizeof(v4_cases) / sizeof(v4_cases[0]); i++) {
		uint8_t l4[64], pkt[128];
		size_t l4len, len;
		struct flow f;

		l4len = build_l4(l4, v4_cases[i].proto, v4_cases[i].icmp_type);
		len = build_v4(pkt, v4_cases[i].proto, 0, 0, l4, l4len);
		assert_int_equal(packet_parse(pkt, len, &f), 0);
		assert_int_equal(f.family, AF_INET);
		expect_addrs(&f);
		expect_l4(&f, v4_cases[i].proto, v4_cases[i].icmp_type, true);
		check_prefixes(pkt, len, 20 + l4_need(v4_cases[i].proto, v4_cases[i].icmp_type), &f);
	}
}

static void test_v4_options(void **state)
{
	uint8_t l4[64], pkt[128];
	size_t len;
	struct flow f;

	len = build_v4(pkt, IPPROTO_TCP, 0, 40, l4, build_l4(l4, IPPROTO_TCP, 0)); /* IHL 15 */
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_addrs(&f);
	expect_l4(&f, IPPROTO_TCP, 0, true);
	check_prefixes(pkt, len, 60 + 4, &f);
}

static void test_v4_fragments(void **state)
{
	uint8_t l4[64], pkt[128];
	size_t len;
	struct flow f;

	/* First fragment (MF, offset 0): the transport header is there. */
	len = build_v4(pkt, IPPROTO_UDP, 0x2000, 0, l4, build_l4(l4, IPPROTO_UDP, 0));
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_l4(&f, IPPROTO_UDP, 0, true);

	/* Non-first fragments, with and without MF: proto only, whatever follows. */
	for (int mf = 0; mf < 2; mf++) {
		memset(l4, 0xff, 16);
		len = build_v4(pkt, IPPROTO_UDP, (uint16_t)((mf ? 0x2000 : 0) | 185), 0, l4, 16);
		assert_int_equal(packet_parse(pkt, len, &f), 0);
		assert_int_equal(f.family, AF_INET);
		expect_addrs(&f);
		expect_l4(&f, IPPROTO_UDP, 0, false);
		check_prefixes(pkt, len, 20, &f);
	}
	/* A non-first fragment with no payload bytes at all. */
	len = build_v4(pkt, IPPROTO_TCP, 1, 0, l4, 0);
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_l4(&f, IPPROTO_TCP, 0, false);
}

static void test_v6_protocols(void **state)
{
	for (size_t i = 0; i < sizeof(v6_cases) / sizeof(v6_cases[0]); i++) {
		uint8_t l4[64], pkt[128];
		size_t l4len, len;
		struct flow f;

		l4len = build_l4(l4, v6_cases[i].proto, v6_cases[i].icmp_type);
		len = build_v6(pkt, v6_cases[i].proto, NULL, 0, l4, l4len);
		assert_int_equal(packet_parse(pkt, len, &f), 0);
		assert_int_equal(f.family, AF_INET6);
		expect_addrs(&f);
		expect_l4(&f, v6_cases[i].proto, v6_cases[i].icmp_type, true);
		check_prefixes(pkt, len, 40 + l4_need(v6_cases[i].proto, v6_cases[i].icmp_type), &f);
	}
}

static void test_v6_ext_chain(void **state)
{
	static const struct ext chain[] = {
		{ IPPROTO_HOPOPTS, 8, 0 },  { IPPROTO_DSTOPTS, 16, 0 },
		{ IPPROTO_ROUTING, 24, 0 }, { IPPROTO_FRAGMENT, 8, 0x0001 }, /* first, M */
		{ IPPROTO_AH, 24, 0 },      { IPPROTO_DSTOPTS, 8, 0 },
	};
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
					  IPPROTO_ICMPV6, IPPROTO_ESP };
	const size_t ext_len = 8 + 16 + 24 + 8 + 24 + 8;

	for (size_t i = 0; i < sizeof(protos); i++) {
		uint8_t l4[64], pkt[256];
		uint8_t type = protos[i] == IPPROTO_ICMPV6 ? 128 : 0;
		size_t len;
		struct flow f;

		len = build_v6(pkt, protos[i], chain, 6, l4, build_l4(l4, protos[i], type));
		assert_int_equal(packet_parse(pkt, len, &f), 0);
		assert_int_equal(f.family, AF_INET6);
		expect_addrs(&f);
		expect_l4(&f, protos[i], type, true);
		check_prefixes(pkt, len, 40 + ext_len + l4_need(protos[i], type), &f);
	}
}

static void test_v6_ext_limit(void **state)
{
	struct ext chain[PACKET_MAX_EXT_HEADERS + 1];
	uint8_t l4[64], pkt[256];
	size_t l4len = build_l4(l4, IPPROTO_TCP, 0), len;
	struct flow f;

	for (size_t i = 0; i < PACKET_MAX_EXT_HEADERS + 1; i++)
		chain[i] = (struct ext){ IPPROTO_DSTOPTS, 8, 0 };

	len = build_v6(pkt, IPPROTO_TCP, chain, PACKET_MAX_EXT_HEADERS, l4, l4len);
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_l4(&f, IPPROTO_TCP, 0, true);

	len = build_v6(pkt, IPPROTO_TCP, chain, PACKET_MAX_EXT_HEADERS + 1, l4, l4len);
	assert_int_equal(packet_parse(pkt, len, &f), -EINVAL);
}

static void test_v6_fragments(void **state)
{
	struct ext frag = { IPPROTO_FRAGMENT, 8, 0 };
	uint8_t l4[64], pkt[256];
	size_t len;
	struct flow f;

	/* Atomic fragment (offset 0, no M): a whole packet. */
	len = build_v6(pkt, IPPROTO_UDP, &frag, 1, l4, build_l4(l4, IPPROTO_UDP, 0));
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_l4(&f, IPPROTO_UDP, 0, true);

	/* Non-first fragments: proto from the fragment header, no ports. */
	for (int m = 0; m < 2; m++) {
		frag.frag = (uint16_t)((185 << 3) | m);
		memset(l4, 0xff, 16);
		len = build_v6(pkt, IPPROTO_UDP, &frag, 1, l4, 16);
		assert_int_equal(packet_parse(pkt, len, &f), 0);
		assert_int_equal(f.family, AF_INET6);
		expect_addrs(&f);
		expect_l4(&f, IPPROTO_UDP, 0, false);
		check_prefixes(pkt, len, 48, &f);
	}
}

static void test_malformed(void **state)
{
	uint8_t l4[64], pkt[128];
	size_t len;
	struct flow f, untouched;

	memset(&untouched, 0xa5, sizeof(untouched));
	f = untouched;
	assert_int_equal(packet_parse(NULL, 0, &f), -EBADMSG);

	len = build_v4(pkt, IPPROTO_TCP, 0, 0, l4, build_l4(l4, IPPROTO_TCP, 0));
	for (int v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		pkt[0] = (uint8_t)(v << 4 | 5);
		assert_int_equal(packet_parse(pkt, len, &f), -EINVAL);
		assert_int_equal(packet_parse(pkt, 1, &f), -EINVAL);
	}
	for (int ihl = 0; ihl < 5; ihl++) {
		pkt[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(packet_parse(pkt, len, &f), -EINVAL);
	}
	pkt[0] = 0x46; /* IHL 24 bytes, buffer of 22 */
	assert_int_equal(packet_parse(pkt, 22, &f), -EBADMSG);
	pkt[0] = 0x4f; /* IHL 60 > buffer length 40 */
	assert_int_equal(packet_parse(pkt, len, &f), -EBADMSG);
	pkt[0] = 0x45;
	for (uint16_t tot = 0; tot < 20; tot++) {
		put16(pkt + 2, tot);
		assert_int_equal(packet_parse(pkt, len, &f), -EINVAL);
	}
	/* Total length says the ports are not in the packet: bytes past it
	 * are padding and are not read as ports. */
	put16(pkt + 2, 22);
	assert_int_equal(packet_parse(pkt, len, &f), -EBADMSG);
	assert_memory_equal(&f, &untouched, sizeof(f));

	/* IPv6: payload length cuts the chain short. */
	len = build_v6(pkt, IPPROTO_UDP, NULL, 0, l4, build_l4(l4, IPPROTO_UDP, 0));
	put16(pkt + 4, 2);
	assert_int_equal(packet_parse(pkt, len, &f), -EBADMSG);
	/* Payload length 0 (jumbogram / GSO): the buffer length rules. */
	put16(pkt + 4, 0);
	assert_int_equal(packet_parse(pkt, len, &f), 0);
	expect_l4(&f, IPPROTO_UDP, 0, true);
	/* An extension header claiming more bytes than there are. */
	{
		struct ext big = { IPPROTO_DSTOPTS, 8, 0 };

		len = build_v6(pkt, IPPROTO_TCP, &big, 1, l4, build_l4(l4, IPPROTO_TCP, 0));
		pkt[41] = 200;
		assert_int_equal(packet_parse(pkt, len, &f), -EBADMSG);
	}
}

static void test_padding(void **state)
{
	uint8_t l4[64], pkt[128];
	size_t len;
	struct flow f;

	/* Ethernet pads short frames: trailing zeros must not change the flow. */
	len = build_v4(pkt, IPPROTO_UDP, 0, 0, l4, build_l4(l4, IPPROTO_UDP, 0));
	memset(pkt + len, 0, 30);
	assert_int_equal(packet_parse(pkt, len + 30, &f), 0);
	expect_l4(&f, IPPROTO_UDP, 0, true);

	len = build_v6(pkt, IPPROTO_TCP, NULL, 0, l4, build_l4(l4, IPPROTO_TCP, 0));
	memset(pkt + len, 0, 30);
	assert_int_equal(packet_parse(pkt, len + 30, &f), 0);
	expect_l4(&f, IPPROTO_TCP, 0, true);
}

/* Every single-byte change of valid packets: any result, no crash (ASan). */
static void test_byte_mutations(void **state)
{
	static const struct ext chain[] = {
		{ IPPROTO_HOPOPTS, 8, 0 }, { IPPROTO_FRAGMENT, 8, 0 }, { IPPROTO_AH, 16, 0 }
	};
	static const uint8_t values[] = { 0x00, 0x01, 0x05, 0x0f, 0x2c, 0x3b, 0x40, 0x45,
					  0x60, 0x7f, 0x80, 0xf8, 0xff };
	uint8_t l4[64], pkt[2][256];
	size_t len[2];

	len[0] = build_v4(pkt[0], IPPROTO_ICMP, 0, 8, l4, build_l4(l4, IPPROTO_ICMP, 8));
	len[1] = build_v6(pkt[1], IPPROTO_TCP, chain, 3, l4, build_l4(l4, IPPROTO_TCP, 0));
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < len[k]; i++) {
			for (size_t v = 0; v < sizeof(values); v++) {
				uint8_t *copy = malloc(len[k]);
				struct flow f;
				int r;

				assert_non_null(copy);
				memcpy(copy, pkt[k], len[k]);
				copy[i] = values[v];
				r = packet_parse(copy, len[k], &f);
				assert_true(r == 0 || r == -EINVAL || r == -EBADMSG);
				if (r == 0)
					assert_true(f.family == AF_INET || f.family == AF_INET6);
				free(copy);
			}
		}
	}
}

static void test_proto_names(void **state)
{
	static const char *const bad[] = { "", "256", "999", "1000", "-1", "+6", " 6",
					   "6 ", "0x6", "tcp ", "tcp6", "ip", "0006" };
	char num[8];

	assert_string_equal(packet_proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(packet_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(packet_proto_name(IPPROTO_UDPLITE), "udplite");
	assert_string_equal(packet_proto_name(IPPROTO_SCTP), "sctp");
	assert_string_equal(packet_proto_name(IPPROTO_ICMP), "icmp");
	assert_string_equal(packet_proto_name(IPPROTO_ICMPV6), "icmpv6");
	assert_null(packet_proto_name(IPPROTO_GRE));
	assert_null(packet_proto_name(0));

	for (int p = 0; p < 256; p++) {
		const char *name = packet_proto_name((uint8_t)p);

		if (name)
			assert_int_equal(packet_proto_from_name(name), p);
		snprintf(num, sizeof(num), "%d", p);
		assert_int_equal(packet_proto_from_name(num), p);
	}
	assert_int_equal(packet_proto_from_name("TCP"), IPPROTO_TCP);
	assert_int_equal(packet_proto_from_name("icmp6"), IPPROTO_ICMPV6);
	assert_int_equal(packet_proto_from_name("ipv6-icmp"), IPPROTO_ICMPV6);
	assert_int_equal(packet_proto_from_name("017"), IPPROTO_UDP);
	assert_int_equal(packet_proto_from_name(NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(packet_proto_from_name(bad[i]), -EINVAL);
}

static void test_addr_str(void **state)
{
	union picket_addr a;
	char buf[INET6_ADDRSTRLEN];

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "10.1.2.3", &a.in);
	assert_string_equal(flow_addr_str(AF_INET, &a, buf, sizeof(buf)), "10.1.2.3");
	assert_null(flow_addr_str(AF_INET, &a, buf, 4));
	inet_pton(AF_INET6, "fe80::1:2", &a.in6);
	assert_string_equal(flow_addr_str(AF_INET6, &a, buf, sizeof(buf)), "fe80::1:2");
	assert_null(flow_addr_str(AF_UNIX, &a, buf, sizeof(buf)));
	assert_null(flow_addr_str(AF_INET, NULL, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_protocols),  cmocka_unit_test(test_v4_options),
		cmocka_unit_test(test_v4_fragments),  cmocka_unit_test(test_v6_protocols),
		cmocka_unit_test(test_v6_ext_chain),  cmocka_unit_test(test_v6_ext_limit),
		cmocka_unit_test(test_v6_fragments),  cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_padding),       cmocka_unit_test(test_byte_mutations),
		cmocka_unit_test(test_proto_names),   cmocka_unit_test(test_addr_str),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
