/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns/track.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

/* Slots form a ring in arrival order; with one TTL for every query the ring
 * is also the expiry order, so the oldest slot is the one to reuse. */
struct query {
	bool used;
	uint8_t family, proto;
	uint16_t id, client_port, server_port;
	uint16_t qtype, qclass;
	union picket_addr client, server;
	pid_t pid;
	uint64_t expires_ms;
	uint32_t next; /* bucket chain */
	char qname[DNS_NAME_MAX + 1];
};

struct dns_track {
	struct query *q;
	size_t cap;
	size_t head; /* next slot to write */
	size_t count;
	uint32_t *buckets;
	size_t nbuckets; /* power of two */
};

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

static uint32_t key_hash(const struct dns_track *t, uint8_t family, const union picket_addr *client,
			 uint16_t port, uint16_t id)
{
	const uint8_t *b = (const uint8_t *)client;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < addr_len(family); i++)
		h = (h ^ b[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	h = (h ^ id) * 16777619u;
	return h & (uint32_t)(t->nbuckets - 1);
}

int dns_track_new(size_t capacity, struct dns_track **ret)
{
	struct dns_track *t;

	if (capacity == 0 || capacity > (1u << 24))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cap = capacity;
	t->nbuckets = 1;
	while (t->nbuckets < capacity)
		t->nbuckets <<= 1;
	t->q = calloc(capacity, sizeof(*t->q));
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->q || !t->buckets) {
		dns_track_free(t);
		return -ENOMEM;
	}
	memset(t->buckets, 0xff, t->nbuckets * sizeof(*t->buckets));
	*ret = t;
	return 0;
}

void dns_track_free(struct dns_track *t)
{
	if (!t)
		return;
	free(t->q);
	free(t->buckets);
	free(t);
}

static void unlink_slot(struct dns_track *t, uint32_t idx)
{
	struct query *s = &t->q[idx];
	uint32_t *pp = &t->buckets[key_hash(t, s->family, &s->client, s->client_port, s->id)];

	while (*pp != NIL && *pp != idx)
		pp = &t->q[*pp].next;
	if (*pp == idx)
		*pp = s->next;
	s->used = false;
	t->count--;
}

int dns_track_query(struct dns_track *t, const struct flow *f, const struct dns_msg *q, pid_t pid,
		    uint64_t now_ms)
{
	uint32_t idx = (uint32_t)t->head;
	struct query *s = &t->q[idx];
	uint32_t b;

	if (q->qr || !q->has_question || (f->family != AF_INET && f->family != AF_INET6))
		return -EINVAL;
	if (s->used)
		unlink_slot(t, idx); /* the oldest query: expired, or we are full */
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->family = f->family;
	s->proto = f->proto;
	s->id = q->id;
	s->client = f->src;
	s->client_port = f->sport;
	s->server = f->dst;
	s->server_port = f->dport;
	s->qtype = q->qtype;
	s->qclass = q->qclass;
	s->pid = pid;
	s->expires_ms = now_ms + DNS_TRACK_TTL_MS;
	memcpy(s->qname, q->qname, sizeof(s->qname));
	b = key_hash(t, s->family, &s->client, s->client_port, s->id);
	s->next = t->buckets[b];
	t->buckets[b] = idx;
	t->count++;
	t->head = (t->head + 1) % t->cap;
	return 0;
}

int dns_track_reply(struct dns_track *t, const struct flow *f, const struct dns_msg *r,
		    uint64_t now_ms, pid_t *ret_pid)
{
	uint32_t idx;

	if (!r->qr || !r->has_question || (f->family != AF_INET && f->family != AF_INET6))
		return -ENOENT;
	idx = t->buckets[key_hash(t, f->family, &f->dst, f->dport, r->id)];
	for (; idx != NIL; idx = t->q[idx].next) {
		const struct query *s = &t->q[idx];
		size_t al = addr_len(f->family);

		if (s->family != f->family || s->proto != f->proto || s->id != r->id ||
		    s->client_port != f->dport || s->server_port != f->sport ||
		    memcmp(&s->client, &f->dst, al) != 0 || memcmp(&s->server, &f->src, al) != 0 ||
		    s->qtype != r->qtype || s->qclass != r->qclass || strcmp(s->qname, r->qname) != 0)
			continue;
		if (s->expires_ms <= now_ms)
			break; /* too late: treat as unknown (the slot is reused later) */
		if (ret_pid)
			*ret_pid = s->pid;
		unlink_slot(t, idx);
		return 0;
	}
	return -ENOENT;
}

size_t dns_track_count(const struct dns_track *t)
{
	return t->count;
}
