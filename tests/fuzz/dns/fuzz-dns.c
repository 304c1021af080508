/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the DNS message parser, the packet payload finder, and
 * what the daemon does with a parsed reply (tracker + cache), on any bytes.
 * The first byte picks how the rest is read: as a DNS message, as an IP
 * packet, or as a TCP stream of length-prefixed messages.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"
#include "dns/message.h"
#include "dns/track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_msg m;
static struct dns_track *track;
static struct dns_cache *cache;

static void use(const uint8_t *buf, size_t len)
{
	struct flow f = {.family = AF_INET, .proto = IPPROTO_UDP, .sport = 53, .dport = 4000};

	if (dns_parse(buf, len, &m) < 0)
		return;
	if (!m.qr) {
		struct flow q = {.family = AF_INET, .proto = IPPROTO_UDP, .sport = 4000, .dport = 53};
		dns_track_query(track, &q, &m, 1, 0);
		return;
	}
	if (dns_track_reply(track, &f, &m, 1, NULL) == 0 || (len & 1))
		dns_cache_learn(cache, &m, 1, 0);
	for (size_t i = 0; i < m.nanswers; i++) {
		if (m.answers[i].type == DNS_TYPE_A) {
			union picket_addr a = {0};
			a.in = m.answers[i].data.a;
			const struct dns_name *n = dns_cache_lookup(cache, AF_INET, &a, 0);
			if (n && strlen(n->name) > DNS_NAME_MAX)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;
	uint8_t proto;

	if (!track && (dns_track_new(64, &track) < 0 || dns_cache_new(64, &cache) < 0))
		abort();
	if (size < 1)
		return 0;
	/* A copy of the exact size, so a read past the end is seen. */
	uint8_t *buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		use(buf, size - 1);
		break;
	case 1:
		if (dns_packet_payload(buf, size - 1, &p, &len, &proto) == 0) {
			if (p < buf || p + len > buf + size - 1)
				abort();
			use(p, len);
		}
		break;
	case 2:
		for (size_t off = 0; off + 2 <= size - 1;) {
			size_t l = (size_t)buf[off] << 8 | buf[off + 1];
			if (l > size - 1 - off - 2)
				break;
			use(buf + off + 2, l);
			off += 2 + l;
		}
		break;
	}
	free(buf);
	if (dns_cache_count(cache) > 64 || dns_track_count(track) > 64)
		abort();
	return 0;
}
