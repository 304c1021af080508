/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The daemon's state: one struct daemon, made in picketd.c and handed to
 * every file of src/daemon (docs/design/daemon.md). Each member is owned by
 * the module named beside it; this header declares no functions. Nothing
 * outside src/daemon includes this.
 */
#include <stdint.h>
#include <time.h>

#include "daemon/config.h"
#include "netfilter/nftables.h"

struct attrib;
struct context;
struct control;
struct eventlog;
struct events;
struct kattrib;
struct names;
struct nfq;
struct prompts;
struct rules;
struct vcache;

/* Counted by decision_record (decision.c) and verdict.c. */
struct counters {
	uint64_t packets;        /* packets the queue gave us */
	uint64_t allowed;        /* decisions, the kernel cache's included */
	uint64_t denied;
	uint64_t rejected;
	uint64_t unknown_process;
	uint64_t malformed;      /* packets the parser refused (default action applied) */
};

struct daemon {
	struct config cfg;
	enum nft_backend backend;
	struct timespec started;
	struct rules *rules;       /* policy.c swaps it on reload */
	struct events *events;     /* events.c: the ring */
	struct eventlog *eventlog; /* eventlog.c; NULL: --no-history */
	struct attrib *attrib;
	struct kattrib *kattrib;   /* NULL: BPF not loaded (--no-bpf, or it failed) */
	struct vcache *vcache;     /* vcache.c; NULL when kattrib is */
	struct context *context;   /* context.c: digests, packages, services */
	struct names *names;       /* names.c: DNS names */
	struct nfq *nfq;
	struct control *control;
	struct prompts *prompts;   /* prompts.c */
	struct counters counters;
};
