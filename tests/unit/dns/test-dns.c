/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of src/dns: parser, query tracker, address -> name cache. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/cache.h"
#include "dns/message.h"
#include "dns/track.h"

/* ---- a tiny message builder ---- */
struct b {
	uint8_t buf[4096];
	size_t len;
};

static void put8(struct b *b, unsigned v)
{
	b->buf[b->len++] = (uint8_t)v;
}

static void put16(struct b *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void put32(struct b *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

/* "www.example.org" -> labels; returns the offset it was written at */
static size_t put_name(struct b *b, const char *name)
{
	size_t at = b->len;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		put8(b, (unsigned)l);
		memcpy(b->buf + b->len, name, l);
		b->len += l;
		name += l + (dot ? 1 : 0);
	}
	put8(b, 0);
	return at;
}

static void put_ptr(struct b *b, size_t off)
{
	put16(b, 0xc000u | (unsigned)off);
}

static void header(struct b *b, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
		   unsigned ar)
{
	b->len = 0;
	put16(b, id);
	put16(b, flags);
	put16(b, qd);
	put16(b, an);
	put16(b, ns);
	put16(b, ar);
}

static void rr_head(struct b *b, unsigned type, uint32_t ttl, unsigned rdlen)
{
	put16(b, type);
	put16(b, DNS_CLASS_IN);
	put32(b, ttl);
	put16(b, rdlen);
}

/* A reply to "Www.Example.ORG" A: www -> cdn.example.net (CNAME) -> 192.0.2.7,
 * plus an AAAA for cdn, an unrelated A (other.test), and an EDNS OPT. */
static void build_reply(struct b *b, unsigned id)
{
	size_t q, t;

	header(b, id, 0x8180, 1, 4, 0, 1);
	q = put_name(b, "Www.Example.ORG");
	put16(b, DNS_TYPE_A);
	put16(b, DNS_CLASS_IN);
	/* CNAME */
	put_ptr(b, q);
	size_t rdlen_at;
	rr_head(b, DNS_TYPE_CNAME, 300, 0);
	rdlen_at = b->len - 2;
	t = put_name(b, "cdn.example.net");
	b->buf[rdlen_at] = 0;
	b->buf[rdlen_at + 1] = (uint8_t)(b->len - t);
	/* A for the target, by pointer */
	put_ptr(b, t);
	rr_head(b, DNS_TYPE_A, 5, 4);
	put32(b, 0xc0000207);
	/* AAAA */
	put_ptr(b, t);
	rr_head(b, DNS_TYPE_AAAA, 120, 16);
	put32(b, 0x20010db8);
	put32(b, 0);
	put32(b, 0);
	put32(b, 7);
	/* unrelated A */
	put_name(b, "other.test");
	rr_head(b, DNS_TYPE_A, 300, 4);
	put32(b, 0xc0000263);
	/* OPT */
	put8(b, 0);
	put16(b, DNS_TYPE_OPT);
	put16(b, 1232);
	put32(b, 0);
	put16(b, 0);
}

static void build_query(struct b *b, unsigned id, const char *name, unsigned type)
{
	header(b, id, 0x0100, 1, 0, 0, 0);
	put_name(b, name);
	put16(b, type);
	put16(b, DNS_CLASS_IN);
}

static struct dns_msg m; /* 17 KiB: not on the test's stack */

static void test_parse_query(void **state)
{
	struct b b;
	build_query(&b, 0x1234, "Api.GitHub.com", DNS_TYPE_AAAA);
	assert_int_equal(dns_parse(b.buf, b.len, &m), 0);
	assert_false(m.qr);
	assert_int_equal(m.id, 0x1234);
	assert_true(m.has_question);
	assert_string_equal(m.qname, "api.github.com");
	assert_int_equal(m.qtype, DNS_TYPE_AAAA);
	assert_int_equal(m.nanswers, 0);
}

static void test_parse_reply(void **state)
{
	struct b b;
	char txt[INET6_ADDRSTRLEN];

	build_reply(&b, 7);
	assert_int_equal(dns_parse(b.buf, b.len, &m), 0);
	assert_true(m.qr);
	assert_true(m.edns);
	assert_int_equal(m.rcode, 0);
	assert_string_equal(m.qname, "www.example.org");
	assert_int_equal(m.nanswers, 4);
	assert_int_equal(m.answers[0].type, DNS_TYPE_CNAME);
	assert_string_equal(m.answers[0].name, "www.example.org");
	assert_string_equal(m.answers[0].data.cname, "cdn.example.net");
	assert_int_equal(m.answers[1].type, DNS_TYPE_A);
	assert_string_equal(m.answers[1].name, "cdn.example.net");
	assert_string_equal(inet_ntop(AF_INET, &m.answers[1].data.a, txt, sizeof(txt)), "192.0.2.7");
	assert_int_equal(m.answers[2].type, DNS_TYPE_AAAA);
	assert_string_equal(inet_ntop(AF_INET6, &m.answers[2].data.aaaa, txt, sizeof(txt)),
			    "2001:db8::7");
}

static void test_every_truncation_fails(void **state)
{
	struct b b;

	build_reply(&b, 7);
	for (size_t l = 0; l < b.len; l++) {
		/* A copy of exactly l bytes, so ASan sees any read past it. */
		uint8_t *p = malloc(l ? l : 1);
		memcpy(p, b.buf, l);
		assert_int_equal(dns_parse(p, l, &m), -EBADMSG);
		free(p);
	}
}

static void test_malformed(void **state)
{
	struct b b;

	/* pointer to itself */
	header(&b, 1, 0x8180, 1, 0, 0, 0);
	put_ptr(&b, 12);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* forward pointer */
	header(&b, 1, 0x8180, 1, 0, 0, 0);
	put_ptr(&b, 20);
	put16(&b, 1);
	put16(&b, 1);
	put_name(&b, "x");
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* a two-pointer loop: name at 12 -> 16, name at 16 -> 12 */
	header(&b, 1, 0x8180, 1, 1, 0, 0);
	put8(&b, 1); put8(&b, 'a'); put_ptr(&b, 16); /* 12..15 */
	put8(&b, 1); put8(&b, 'b'); put_ptr(&b, 12); /* 16..19 */
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* a label with a dot in it */
	header(&b, 1, 0x8180, 1, 0, 0, 0);
	put8(&b, 3); put8(&b, 'a'); put8(&b, '.'); put8(&b, 'b'); put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* a name over 255 bytes */
	header(&b, 1, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		put8(&b, 63);
		memset(b.buf + b.len, 'a', 63);
		b.len += 63;
	}
	put8(&b, 0);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* A record of the wrong length */
	header(&b, 1, 0x8180, 1, 1, 0, 0);
	put_name(&b, "a.b");
	put16(&b, 1);
	put16(&b, 1);
	put_ptr(&b, 12);
	rr_head(&b, DNS_TYPE_A, 1, 3);
	put8(&b, 1); put8(&b, 2); put8(&b, 3);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);

	/* two questions */
	header(&b, 1, 0x8180, 2, 0, 0, 0);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EOPNOTSUPP);

	/* counts far beyond the bytes */
	header(&b, 1, 0x8180, 0, 1000, 0, 0);
	assert_int_equal(dns_parse(b.buf, b.len, &m), -EBADMSG);
}

static void test_packet_payload(void **state)
{
	uint8_t pkt[128] = {0};
	const uint8_t *p;
	size_t len;
	uint8_t proto;

	/* IPv4 + UDP, 4 payload bytes, and junk after the IP length */
	pkt[0] = 0x45;
	pkt[3] = 20 + 8 + 4;
	pkt[9] = IPPROTO_UDP;
	pkt[20 + 5] = 8 + 4;
	memcpy(pkt + 28, "abcd", 4);
	assert_int_equal(dns_packet_payload(pkt, 60, &p, &len, &proto), 0);
	assert_int_equal(proto, IPPROTO_UDP);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "abcd", 4);
	assert_int_equal(dns_packet_payload(pkt, 27, &p, &len, &proto), -EBADMSG);
	/* a fragment */
	pkt[6] = 0x20;
	assert_int_equal(dns_packet_payload(pkt, 60, &p, &len, &proto), -EOPNOTSUPP);

	/* IPv6 + TCP with a 2-byte payload */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[5] = 20 + 2;
	pkt[6] = IPPROTO_TCP;
	pkt[40 + 12] = 5 << 4;
	pkt[60] = 0;
	pkt[61] = 9;
	assert_int_equal(dns_packet_payload(pkt, sizeof(pkt), &p, &len, &proto), 0);
	assert_int_equal(proto, IPPROTO_TCP);
	assert_int_equal(len, 2);
	assert_int_equal(p[1], 9);
}

static void flow_v4(struct flow *f, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->proto = IPPROTO_UDP;
	inet_pton(AF_INET, src, &f->src.in);
	inet_pton(AF_INET, dst, &f->dst.in);
	f->sport = sport;
	f->dport = dport;
}

static void test_track(void **state)
{
	struct dns_track *t;
	struct flow qf, rf;
	struct b b;
	pid_t pid = 0;
	static struct dns_msg q;

	assert_int_equal(dns_track_new(4, &t), 0);
	build_query(&b, 7, "www.example.org", DNS_TYPE_A);
	assert_int_equal(dns_parse(b.buf, b.len, &q), 0);
	flow_v4(&qf, "10.0.0.1", 40000, "10.0.0.2", 53);
	assert_int_equal(dns_track_query(t, &qf, &q, 4242, 1000), 0);

	build_reply(&b, 7);
	assert_int_equal(dns_parse(b.buf, b.len, &m), 0);
	/* wrong server, wrong port, wrong id: not believed */
	flow_v4(&rf, "10.0.0.9", 53, "10.0.0.1", 40000);
	assert_int_equal(dns_track_reply(t, &rf, &m, 1001, &pid), -ENOENT);
	flow_v4(&rf, "10.0.0.2", 53, "10.0.0.1", 40001);
	assert_int_equal(dns_track_reply(t, &rf, &m, 1001, &pid), -ENOENT);
	flow_v4(&rf, "10.0.0.2", 53, "10.0.0.1", 40000);
	m.id = 8;
	assert_int_equal(dns_track_reply(t, &rf, &m, 1001, &pid), -ENOENT);
	m.id = 7;
	/* another question */
	strcpy(m.qname, "evil.example");
	assert_int_equal(dns_track_reply(t, &rf, &m, 1001, &pid), -ENOENT);
	strcpy(m.qname, "www.example.org");
	/* too late */
	assert_int_equal(dns_track_reply(t, &rf, &m, 1000 + DNS_TRACK_TTL_MS, &pid), -ENOENT);
	/* right, once */
	assert_int_equal(dns_track_reply(t, &rf, &m, 1001, &pid), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(dns_track_reply(t, &rf, &m, 1002, &pid), -ENOENT);
	assert_int_equal(dns_track_count(t), 0);

	/* full: the oldest query goes */
	for (unsigned i = 0; i < 5; i++) {
		q.id = (uint16_t)(100 + i);
		assert_int_equal(dns_track_query(t, &qf, &q, 0, 2000), 0);
	}
	assert_int_equal(dns_track_count(t), 4);
	m.id = 100;
	assert_int_equal(dns_track_reply(t, &rf, &m, 2001, NULL), -ENOENT);
	m.id = 104;
	assert_int_equal(dns_track_reply(t, &rf, &m, 2001, NULL), 0);
	/* a reply is not a query */
	assert_int_equal(dns_track_query(t, &qf, &m, 0, 2000), -EINVAL);
	dns_track_free(t);
}

static void test_cache(void **state)
{
	struct dns_cache *c;
	union picket_addr a[3];
	const struct dns_name *n;

	memset(a, 0, sizeof(a));
	for (int i = 0; i < 3; i++)
		a[i].in.s_addr = htonl(0x0a000001u + (uint32_t)i);
	assert_int_equal(dns_cache_new(2, &c), 0);
	assert_int_equal(dns_cache_put(c, AF_INET, &a[0], "a.test", NULL, 1, 0, 100), 0);
	n = dns_cache_lookup(c, AF_INET, &a[0], 100 + DNS_CACHE_TTL_FLOOR - 1);
	assert_non_null(n); /* a TTL of 1 s is raised to the floor */
	assert_string_equal(n->name, "a.test");
	assert_string_equal(n->chain, "");
	assert_null(dns_cache_lookup(c, AF_INET, &a[0], 100 + DNS_CACHE_TTL_FLOOR));
	assert_int_equal(dns_cache_count(c), 0);

	/* LRU: a[0] used after a[1], so a[1] goes when a[2] comes */
	assert_int_equal(dns_cache_put(c, AF_INET, &a[0], "a.test", NULL, 300, 0, 100), 0);
	assert_int_equal(dns_cache_put(c, AF_INET, &a[1], "b.test", NULL, 300, 0, 100), 0);
	assert_non_null(dns_cache_lookup(c, AF_INET, &a[0], 101));
	assert_int_equal(dns_cache_put(c, AF_INET, &a[2], "c.test", NULL, 300, 0, 100), 0);
	assert_null(dns_cache_lookup(c, AF_INET, &a[1], 101));
	assert_string_equal(dns_cache_lookup(c, AF_INET, &a[0], 101)->name, "a.test");
	assert_string_equal(dns_cache_lookup(c, AF_INET, &a[2], 101)->name, "c.test");
	/* the latest name wins */
	assert_int_equal(dns_cache_put(c, AF_INET, &a[2], "d.test", "x.test", 300, 9, 100), 0);
	n = dns_cache_lookup(c, AF_INET, &a[2], 101);
	assert_string_equal(n->name, "d.test");
	assert_string_equal(n->chain, "x.test");
	assert_int_equal(n->pid, 9);
	assert_int_equal(dns_cache_expire(c, 100 + 300), 2);
	assert_int_equal(dns_cache_count(c), 0);
	dns_cache_free(c);
}

static void test_cache_learn(void **state)
{
	struct dns_cache *c;
	struct b b;
	union picket_addr a;
	const struct dns_name *n;

	assert_int_equal(dns_cache_new(16, &c), 0);
	build_reply(&b, 7);
	assert_int_equal(dns_parse(b.buf, b.len, &m), 0);
	assert_int_equal(dns_cache_learn(c, &m, 77, 1000), 2);
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "192.0.2.7", &a.in);
	n = dns_cache_lookup(c, AF_INET, &a, 1001);
	assert_non_null(n);
	assert_string_equal(n->name, "www.example.org"); /* the name asked for */
	assert_string_equal(n->chain, "cdn.example.net");
	assert_int_equal(n->pid, 77);
	inet_pton(AF_INET6, "2001:db8::7", &a.in6);
	assert_non_null(dns_cache_lookup(c, AF_INET6, &a, 1001));
	/* the record nobody asked about names nothing */
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "192.0.2.99", &a.in);
	assert_null(dns_cache_lookup(c, AF_INET, &a, 1001));
	/* an error reply names nothing */
	m.rcode = 3;
	assert_int_equal(dns_cache_learn(c, &m, 0, 1000), 0);
	dns_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_query),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_packet_payload),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_learn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
