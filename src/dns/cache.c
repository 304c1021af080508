/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns/cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/message.h"

#define NIL UINT32_MAX

struct entry {
	bool used;
	uint8_t family;
	union picket_addr addr;
	uint32_t hnext;         /* bucket chain */
	uint32_t prev, next;    /* LRU list, most recent first */
	struct dns_name n;      /* strings owned (one allocation: name then chain) */
};

struct dns_cache {
	struct entry *e;
	size_t cap;
	size_t count;
	uint32_t *buckets;
	size_t nbuckets;
	uint32_t lru_head, lru_tail;
	uint32_t free_head; /* unused slots, chained through hnext */
};

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

static uint32_t hash_addr(const struct dns_cache *c, uint8_t family, const union picket_addr *a)
{
	const uint8_t *b = (const uint8_t *)a;
	uint32_t h = 2166136261u ^ family;

	for (size_t i = 0; i < addr_len(family); i++)
		h = (h ^ b[i]) * 16777619u;
	return h & (uint32_t)(c->nbuckets - 1);
}

int dns_cache_new(size_t capacity, struct dns_cache **ret)
{
	struct dns_cache *c;

	if (capacity == 0 || capacity > (1u << 24))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cap = capacity;
	c->nbuckets = 1;
	while (c->nbuckets < capacity)
		c->nbuckets <<= 1;
	c->e = calloc(capacity, sizeof(*c->e));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	if (!c->e || !c->buckets) {
		dns_cache_free(c);
		return -ENOMEM;
	}
	memset(c->buckets, 0xff, c->nbuckets * sizeof(*c->buckets));
	for (size_t i = 0; i < capacity; i++)
		c->e[i].hnext = i + 1 < capacity ? (uint32_t)(i + 1) : NIL;
	c->free_head = 0;
	c->lru_head = c->lru_tail = NIL;
	*ret = c;
	return 0;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	if (c->e)
		for (size_t i = 0; i < c->cap; i++)
			if (c->e[i].used)
				free((char *)(uintptr_t)c->e[i].n.name);
	free(c->e);
	free(c->buckets);
	free(c);
}

static void lru_unlink(struct dns_cache *c, uint32_t i)
{
	struct entry *x = &c->e[i];

	if (x->prev != NIL)
		c->e[x->prev].next = x->next;
	else
		c->lru_head = x->next;
	if (x->next != NIL)
		c->e[x->next].prev = x->prev;
	else
		c->lru_tail = x->prev;
}

static void lru_push_front(struct dns_cache *c, uint32_t i)
{
	struct entry *x = &c->e[i];

	x->prev = NIL;
	x->next = c->lru_head;
	if (c->lru_head != NIL)
		c->e[c->lru_head].prev = i;
	c->lru_head = i;
	if (c->lru_tail == NIL)
		c->lru_tail = i;
}

static void remove_entry(struct dns_cache *c, uint32_t i)
{
	struct entry *x = &c->e[i];
	uint32_t *pp = &c->buckets[hash_addr(c, x->family, &x->addr)];

	while (*pp != NIL && *pp != i)
		pp = &c->e[*pp].hnext;
	if (*pp == i)
		*pp = x->hnext;
	lru_unlink(c, i);
	free((char *)(uintptr_t)x->n.name);
	memset(x, 0, sizeof(*x));
	x->hnext = c->free_head;
	c->free_head = i;
	c->count--;
}

static uint32_t find(const struct dns_cache *c, uint8_t family, const union picket_addr *a)
{
	uint32_t i = c->buckets[hash_addr(c, family, a)];

	for (; i != NIL; i = c->e[i].hnext)
		if (c->e[i].family == family && memcmp(&c->e[i].addr, a, addr_len(family)) == 0)
			return i;
	return NIL;
}

int dns_cache_put(struct dns_cache *c, uint8_t family, const union picket_addr *a,
		  const char *name, const char *chain, uint32_t ttl, pid_t pid, time_t now)
{
	size_t nl, cl;
	char *s;
	uint32_t i, b;
	struct entry *x;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (!chain)
		chain = "";
	nl = strlen(name);
	cl = strlen(chain);
	if (nl > DNS_NAME_MAX || cl > DNS_CHAIN_TEXT_MAX)
		return -EINVAL;
	s = malloc(nl + cl + 2);
	if (!s)
		return -ENOMEM;
	memcpy(s, name, nl + 1);
	memcpy(s + nl + 1, chain, cl + 1);
	if (ttl < DNS_CACHE_TTL_FLOOR)
		ttl = DNS_CACHE_TTL_FLOOR;
	if (ttl > DNS_CACHE_TTL_CEIL)
		ttl = DNS_CACHE_TTL_CEIL;

	i = find(c, family, a);
	if (i != NIL)
		remove_entry(c, i);
	if (c->free_head == NIL)
		remove_entry(c, c->lru_tail); /* full: the least recently used goes */
	i = c->free_head;
	x = &c->e[i];
	c->free_head = x->hnext;
	x->used = true;
	x->family = family;
	memset(&x->addr, 0, sizeof(x->addr));
	memcpy(&x->addr, a, addr_len(family));
	x->n.name = s;
	x->n.chain = s + nl + 1;
	x->n.pid = pid;
	x->n.expires = now + (time_t)ttl;
	b = hash_addr(c, family, &x->addr);
	x->hnext = c->buckets[b];
	c->buckets[b] = i;
	lru_push_front(c, i);
	c->count++;
	return 0;
}

const struct dns_name *dns_cache_lookup(struct dns_cache *c, uint8_t family,
					const union picket_addr *a, time_t now)
{
	uint32_t i;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	i = find(c, family, a);
	if (i == NIL)
		return NULL;
	if (c->e[i].n.expires <= now) {
		remove_entry(c, i);
		return NULL;
	}
	lru_unlink(c, i);
	lru_push_front(c, i);
	return &c->e[i].n;
}

int dns_cache_learn(struct dns_cache *c, const struct dns_msg *m, pid_t pid, time_t now)
{
	const char *names[DNS_CHAIN_MAX + 1];
	char chain[DNS_CHAIN_TEXT_MAX + 1];
	size_t nnames = 1, clen = 0;
	int learned = 0, r;

	if (!m->qr || m->rcode != 0 || !m->has_question || m->qclass != DNS_CLASS_IN)
		return 0;
	/* Follow the chain from the question: name -> target -> ... */
	names[0] = m->qname;
	chain[0] = '\0';
	for (bool more = true; more && nnames <= DNS_CHAIN_MAX;) {
		more = false;
		for (size_t i = 0; i < m->nanswers; i++) {
			const struct dns_rr *rr = &m->answers[i];
			size_t tl;

			if (rr->type != DNS_TYPE_CNAME || strcmp(rr->name, names[nnames - 1]) != 0)
				continue;
			tl = strlen(rr->data.cname);
			if (clen + tl + 1 > DNS_CHAIN_TEXT_MAX)
				break;
			for (size_t k = 0; k < nnames; k++)
				if (strcmp(names[k], rr->data.cname) == 0)
					goto chain_done; /* a loop */
			if (clen)
				chain[clen++] = ' ';
			memcpy(chain + clen, rr->data.cname, tl + 1);
			clen += tl;
			names[nnames++] = rr->data.cname;
			more = true;
			break;
		}
	}
chain_done:
	for (size_t i = 0; i < m->nanswers; i++) {
		const struct dns_rr *rr = &m->answers[i];
		union picket_addr a;
		uint8_t family;
		bool ours = false;

		if (rr->type == DNS_TYPE_A) {
			family = AF_INET;
			memset(&a, 0, sizeof(a));
			a.in = rr->data.a;
		} else if (rr->type == DNS_TYPE_AAAA) {
			family = AF_INET6;
			a.in6 = rr->data.aaaa;
		} else {
			continue;
		}
		for (size_t k = 0; k < nnames && !ours; k++)
			ours = strcmp(rr->name, names[k]) == 0;
		if (!ours)
			continue;
		r = dns_cache_put(c, family, &a, m->qname, chain, rr->ttl, pid, now);
		if (r < 0)
			return r;
		learned++;
	}
	return learned;
}

size_t dns_cache_expire(struct dns_cache *c, time_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < c->cap; i++)
		if (c->e[i].used && c->e[i].n.expires <= now) {
			remove_entry(c, (uint32_t)i);
			n++;
		}
	return n;
}

size_t dns_cache_count(const struct dns_cache *c)
{
	return c->count;
}
