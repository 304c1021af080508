/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Address -> name, learned from DNS replies: the name a program asked for
 * (the question, not the end of a CNAME chain, so rules and prompts show
 * what the program meant), with the CNAME chain that led to the address.
 * One name per address: the latest reply wins (a CDN address serving many
 * names is named by the last one asked for, which is usually the one about
 * to be connected to).
 *
 * Lifetime: the record's TTL, raised to at least DNS_CACHE_TTL_FLOOR (a
 * program connects after resolving, and a 0-5 s TTL must still name that
 * connect) and cut to at most DNS_CACHE_TTL_CEIL.
 *
 * Bounds: at most the capacity given to dns_cache_new() addresses
 * (DNS_CACHE_DEFAULT_MAX is the daemon's); when full, the least recently
 * used entry goes. Each entry holds a name (<= 253 bytes) and a chain of at
 * most DNS_CHAIN_MAX names (text <= DNS_CHAIN_TEXT_MAX bytes): worst case
 * ~1.4 KiB an entry (~22 MiB at the default), typically ~100 bytes.
 * Not thread-safe.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/flow.h"

#define DNS_CACHE_DEFAULT_MAX 16384
#define DNS_CACHE_TTL_FLOOR 60
#define DNS_CACHE_TTL_CEIL 86400
#define DNS_CHAIN_MAX 8
#define DNS_CHAIN_TEXT_MAX 1024

struct dns_cache;

struct dns_name {
	const char *name;  /* the question */
	const char *chain; /* CNAME targets in order, space-separated; "" when none */
	pid_t pid;         /* the process that asked; 0 when not known */
	time_t expires;
};

/* -ENOMEM, -EINVAL for a capacity of 0. */
int dns_cache_new(size_t capacity, struct dns_cache **ret);
void dns_cache_free(struct dns_cache *c);

/* Name address A of FAMILY as NAME (CHAIN may be NULL) for TTL seconds from
 * NOW. Replaces what the address had. -EINVAL for a bad family or a NAME or
 * CHAIN over its bound, -ENOMEM. */
int dns_cache_put(struct dns_cache *c, uint8_t family, const union picket_addr *a,
		  const char *name, const char *chain, uint32_t ttl, pid_t pid, time_t now);

/* The name of A at NOW, or NULL (none, or expired: then forgotten). The
 * strings stay valid until the next put, expire or free. */
const struct dns_name *dns_cache_lookup(struct dns_cache *c, uint8_t family,
					const union picket_addr *a, time_t now);

/* Learn from reply M (the caller checked it answers a query that went out):
 * every A/AAAA answer reached from the question through the CNAME chain
 * (at most DNS_CHAIN_MAX links) names its address with the question, for
 * that record's TTL. Other answers are ignored, so a server cannot name
 * addresses for names nobody asked about. Returns addresses named, or the
 * first error of dns_cache_put(). */
struct dns_msg;
int dns_cache_learn(struct dns_cache *c, const struct dns_msg *m, pid_t pid, time_t now);

/* Forget entries expired by NOW. Returns how many. */
size_t dns_cache_expire(struct dns_cache *c, time_t now);
size_t dns_cache_count(const struct dns_cache *c);
