/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The daemon's state, shared by its own files (picketd.c: start-up and the
 * event loop; verdict.c: the per-packet path; policy.c: the rules'
 * lifecycle; methods.c: the control methods). Nothing outside src/daemon
 * includes this.
 */
#include <stdint.h>
#include <time.h>

#include "control/server.h"
#include "daemon/config.h"
#include "netfilter/nftables.h"

struct attrib;
struct events;
struct nfq;
struct rules;

struct counters {
	uint64_t packets;        /* packets the queue gave us */
	uint64_t allowed;
	uint64_t denied;
	uint64_t rejected;
	uint64_t unknown_process;
	uint64_t malformed;      /* packets the parser refused (default action applied) */
};

struct daemon {
	struct config cfg;
	enum nft_backend backend;
	struct timespec started;
	struct rules *rules;
	struct events *events;
	struct attrib *attrib;
	struct nfq *nfq;
	struct control *control;
	struct counters counters;
};

/* verdict.c: decide one queued packet (the nfq callback). */
struct nfq_packet;
void verdict_packet(void *daemon, const struct nfq_packet *p);
/* Drop cached user and interface names (they may have changed). */
void verdict_forget_names(void);

/* policy.c */
int policy_load(struct daemon *d);   /* first load at start-up */
void policy_reload(struct daemon *d); /* SIGHUP, inotify: keeps in-memory rules */
void policy_expire(struct daemon *d); /* drop timed rules that ran out */

/* methods.c: the control protocol's methods, ended by {NULL, NULL}. */
extern const struct control_method daemon_methods[];
/* Push a connection event to subscribers (no-op when there are none). */
struct event;
void methods_publish_event(struct daemon *d, const struct event *e);
