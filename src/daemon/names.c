/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host names for verdicts: DNS queries going out and replies coming in are
 * read (src/dns) as they pass, so the destination of a later connection has
 * the name the program asked for. A reply is believed only when it answers
 * a query seen going out. Reading never delays a DNS packet beyond its
 * parse, and never drops one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib/attrib.h"
#include "common/log.h"
#include "common/clock.h"
#include "daemon/daemon.h"
#include "daemon/names.h"
#include "dns/cache.h"
#include "dns/message.h"
#include "dns/track.h"
#include "netfilter/nfq.h"
#include "packet/packet.h"

struct names {
	struct dns_track *track;
	struct dns_cache *cache;
	struct dns_msg msg; /* scratch: one message parsed at a time */
	struct names_stats stats;
};

int names_new(struct names **ret)
{
	struct names *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	r = dns_track_new(DNS_TRACK_DEFAULT_MAX, &n->track);
	if (r >= 0)
		r = dns_cache_new(DNS_CACHE_DEFAULT_MAX, &n->cache);
	if (r < 0) {
		names_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	dns_track_free(n->track);
	dns_cache_free(n->cache);
	free(n);
}

static void one_message(struct daemon *d, const struct flow *f, const uint8_t *buf, size_t len,
			pid_t pid)
{
	struct names *n = d->names;
	struct dns_msg *m = &n->msg;
	uint64_t now = (uint64_t)mono_ms();
	char src[INET6_ADDRSTRLEN];
	int r;

	r = dns_parse(buf, len, m);
	if (r < 0) {
		n->stats.malformed++;
		log_debug("dns: %zu bytes from %s: not a DNS message we read (%s), passed on", len,
			  flow_addr_str(f->family, &f->src, src, sizeof(src)) ?: "?", strerror(-r));
		return;
	}
	if (!m->qr) {
		if (dns_track_query(n->track, f, m, pid, now) == 0)
			n->stats.queries++;
		return;
	}
	if (dns_track_reply(n->track, f, m, now, &pid) < 0) {
		n->stats.unsolicited++;
		log_debug("dns: reply from %s port %u for \"%s\" answers no query seen, ignored",
			  flow_addr_str(f->family, &f->src, src, sizeof(src)) ?: "?", f->sport,
			  m->qname);
		return;
	}
	n->stats.replies++;
	r = dns_cache_learn(n->cache, m, pid, (time_t)(now / 1000));
	if (r < 0)
		log_debug("dns: cannot keep names of \"%s\": %s", m->qname, strerror(-r));
	else if (r > 0)
		log_debug("dns: %s: %d address(es)", m->qname, r);
}

void names_read(struct daemon *d, const struct nfq_packet *p, pid_t pid)
{
	struct flow f;
	const uint8_t *pl;
	size_t len;
	uint8_t proto;

	if (packet_parse(p->payload, p->len, &f) < 0 ||
	    dns_packet_payload(p->payload, p->len, &pl, &len, &proto) < 0)
		return;
	if (pid == 0 && f.dport == 53) {
		const struct proc_info *proc;
		if (attrib_lookup(d->attrib, &f, &proc) == 0)
			pid = proc->pid;
	}
	if (proto == IPPROTO_UDP) {
		one_message(d, &f, pl, len, pid);
		return;
	}
	/* TCP: 2-byte length, message; only whole messages inside this
	 * segment are read (a message split over segments is not). */
	while (len >= 2) {
		size_t l = (size_t)pl[0] << 8 | pl[1];
		if (l + 2 > len)
			break;
		one_message(d, &f, pl + 2, l, pid);
		pl += 2 + l;
		len -= 2 + l;
	}
}

const char *names_host(struct daemon *d, const struct flow *f)
{
	const struct dns_name *n;

	n = dns_cache_lookup(d->names->cache, f->family, &f->dst, (time_t)(mono_ms() / 1000));
	return n ? n->name : NULL;
}

void names_expire(struct daemon *d)
{
	dns_cache_expire(d->names->cache, (time_t)(mono_ms() / 1000));
	d->names->stats.cached = dns_cache_count(d->names->cache);
}

const struct names_stats *names_stats(const struct daemon *d)
{
	d->names->stats.cached = dns_cache_count(d->names->cache);
	return &d->names->stats;
}
