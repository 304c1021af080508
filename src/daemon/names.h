/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Host names from the DNS queries and replies that pass (src/dns): the
 * destination of a later connection gets the name the program asked for.
 */
#include <stdint.h>
#include <sys/types.h>

struct daemon;
struct flow;
struct names;
struct nfq_packet;

struct names_stats {
	uint64_t queries;     /* queries seen going out */
	uint64_t replies;     /* replies believed (answer a query seen) */
	uint64_t unsolicited; /* replies that answer no query seen: ignored */
	uint64_t malformed;   /* DNS packets the parser refused */
	uint64_t cached;      /* addresses named now */
};

int names_new(struct names **ret);
void names_free(struct names *n);
/* Read the DNS message(s) in P (a query going out or a reply coming in) and
 * learn from them; PID asked, 0 when not known. The caller gives the verdict. */
void names_read(struct daemon *d, const struct nfq_packet *p, pid_t pid);
/* The name asked for that resolved to F's destination, or NULL. Valid until
 * the next names_* call. */
const char *names_host(struct daemon *d, const struct flow *f);
void names_expire(struct daemon *d); /* housekeeping */
const struct names_stats *names_stats(const struct daemon *d);
