/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns/message.h"

#include <errno.h>
#include <string.h>

#define WIRE_NAME_MAX 255 /* RFC 1035 2.3.4, length bytes and root included */
#define IPV6_EXT_MAX 8

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Read the name at *off. Writes its text into OUT (DNS_NAME_MAX + 1 bytes,
 * may be NULL to only check it) and moves *off past the name's bytes in
 * place (not past the bytes a pointer leads to).
 */
static int read_name(const uint8_t *buf, size_t len, size_t *off, char *out)
{
	size_t pos = *off, end_in_place = 0, wire = 0, text = 0;
	size_t floor = *off; /* a pointer must land before every byte read so far */
	unsigned ptrs = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = buf[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -EBADMSG;
			size_t target = (size_t)(l & 0x3f) << 8 | buf[pos + 1];
			/* Strictly backwards from the earliest byte read: no loops. */
			if (target >= floor || ++ptrs > DNS_PTR_MAX)
				return -EBADMSG;
			if (!jumped) {
				end_in_place = pos + 2;
				jumped = true;
			}
			floor = target;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* 0x40/0x80: extended label types, obsolete */
		wire += 1u + l;
		if (wire > WIRE_NAME_MAX)
			return -EBADMSG;
		if (l == 0) {
			pos++;
			break;
		}
		if (pos + 1 + l > len)
			return -EBADMSG;
		if (out && text > 0)
			out[text] = '.';
		if (text > 0)
			text++;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = buf[pos + 1 + i];
			if (c < 0x21 || c > 0x7e || c == '.')
				return -EBADMSG;
			if (out)
				out[text] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			text++;
		}
		pos += 1u + l;
	}
	if (text > DNS_NAME_MAX)
		return -EBADMSG; /* cannot happen with wire <= 255; kept as a guard */
	if (out)
		out[text] = '\0';
	*off = jumped ? end_in_place : pos;
	return 0;
}

static int read_rr(const uint8_t *buf, size_t len, size_t *off, bool answer, struct dns_msg *m)
{
	struct dns_rr *rr = answer && m->nanswers < DNS_ANSWERS_MAX ? &m->answers[m->nanswers] : NULL;
	char scratch[DNS_NAME_MAX + 1];
	uint16_t type, class, rdlen;
	uint32_t ttl;
	size_t rdata;
	int r;

	r = read_name(buf, len, off, rr ? rr->name : scratch);
	if (r < 0)
		return r;
	if (*off + 10 > len)
		return -EBADMSG;
	type = rd16(buf + *off);
	class = rd16(buf + *off + 2);
	ttl = rd32(buf + *off + 4);
	rdlen = rd16(buf + *off + 8);
	rdata = *off + 10;
	if (rdata + rdlen > len)
		return -EBADMSG;
	*off = rdata + rdlen;
	if (type == DNS_TYPE_OPT) {
		m->edns = true;
		return 0;
	}
	if (!rr || class != DNS_CLASS_IN)
		return 0;
	switch (type) {
	case DNS_TYPE_A:
		if (rdlen != 4)
			return -EBADMSG;
		memcpy(&rr->data.a, buf + rdata, 4);
		break;
	case DNS_TYPE_AAAA:
		if (rdlen != 16)
			return -EBADMSG;
		memcpy(&rr->data.aaaa, buf + rdata, 16);
		break;
	case DNS_TYPE_CNAME: {
		size_t p = rdata;
		/* The target's bytes in place must stay inside the rdata. */
		r = read_name(buf, rdata + rdlen, &p, rr->data.cname);
		if (r < 0)
			return r;
		if (p != rdata + rdlen)
			return -EBADMSG;
		break;
	}
	default:
		return 0;
	}
	rr->type = type;
	rr->ttl = ttl & 0x80000000u ? 0 : ttl;
	m->nanswers++;
	return 0;
}

int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *ret)
{
	size_t off = DNS_HEADER_LEN, total;
	uint16_t flags;
	int r;

	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	ret->id = rd16(buf);
	flags = rd16(buf + 2);
	ret->qr = flags & 0x8000;
	ret->opcode = (uint8_t)(flags >> 11 & 0xf);
	ret->tc = flags & 0x0200;
	ret->rcode = (uint8_t)(flags & 0xf);
	ret->qdcount = rd16(buf + 4);
	ret->ancount = rd16(buf + 6);
	ret->nscount = rd16(buf + 8);
	ret->arcount = rd16(buf + 10);
	ret->has_question = false;
	ret->qname[0] = '\0';
	ret->qtype = ret->qclass = 0;
	ret->edns = false;
	ret->nanswers = 0;
	if (ret->qdcount > 1)
		return -EOPNOTSUPP;
	total = (size_t)ret->ancount + ret->nscount + ret->arcount;
	if (total > DNS_RR_MAX)
		return -EOPNOTSUPP;
	/* Every record takes at least 11 bytes: refuse absurd counts early. */
	if (total * 11 > len)
		return -EBADMSG;
	if (ret->qdcount == 1) {
		r = read_name(buf, len, &off, ret->qname);
		if (r < 0)
			return r;
		if (off + 4 > len)
			return -EBADMSG;
		ret->qtype = rd16(buf + off);
		ret->qclass = rd16(buf + off + 2);
		off += 4;
		ret->has_question = true;
	}
	for (size_t i = 0; i < total; i++) {
		r = read_rr(buf, len, &off, i < ret->ancount, ret);
		if (r < 0)
			return r;
	}
	return 0;
}

int dns_packet_payload(const uint8_t *pkt, size_t len, const uint8_t **ret_payload,
		       size_t *ret_len, uint8_t *ret_proto)
{
	size_t off, end;
	uint8_t proto;

	if (len < 1)
		return -EBADMSG;
	switch (pkt[0] >> 4) {
	case 4: {
		size_t ihl, tot;
		if (len < 20)
			return -EBADMSG;
		ihl = (size_t)(pkt[0] & 0xf) * 4;
		tot = rd16(pkt + 2);
		if (ihl < 20 || tot < ihl)
			return -EBADMSG;
		if (rd16(pkt + 6) & 0x3fff)
			return -EOPNOTSUPP; /* a fragment: MF set or offset != 0 */
		proto = pkt[9];
		off = ihl;
		end = tot < len ? tot : len;
		break;
	}
	case 6: {
		size_t tot;
		unsigned n = 0;
		if (len < 40)
			return -EBADMSG;
		tot = 40 + (size_t)rd16(pkt + 4);
		end = tot < len ? tot : len;
		proto = pkt[6];
		off = 40;
		while (proto == 0 || proto == 43 || proto == 60) {
			if (++n > IPV6_EXT_MAX || off + 8 > end)
				return -EBADMSG;
			proto = pkt[off];
			off += 8 + (size_t)pkt[off + 1] * 8;
		}
		break;
	}
	default:
		return -EBADMSG;
	}
	if (off > end)
		return -EBADMSG;
	if (proto == IPPROTO_UDP) {
		size_t ulen;
		if (off + 8 > end)
			return -EBADMSG;
		ulen = rd16(pkt + off + 4);
		if (ulen < 8)
			return -EBADMSG;
		if (off + ulen < end)
			end = off + ulen;
		off += 8;
	} else if (proto == IPPROTO_TCP) {
		size_t doff;
		if (off + 20 > end)
			return -EBADMSG;
		doff = (size_t)(pkt[off + 12] >> 4) * 4;
		if (doff < 20 || off + doff > end)
			return -EBADMSG;
		off += doff;
	} else {
		return -EOPNOTSUPP;
	}
	*ret_payload = pkt + off;
	*ret_len = end - off;
	*ret_proto = proto;
	return 0;
}
