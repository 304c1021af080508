/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Picket's netfilter ruleset: one table, "inet picket", in the network
 * namespace the daemon runs in. Nothing else of the namespace is touched.
 *
 *   chain output  (hook output, priority mangle)
 *     meta mark & MASK == ALLOW   -> ct mark |= ALLOWED, clear the bit, accept
 *     meta mark & MASK == REJECT  -> tcp: reset; others: icmpx admin-prohibited
 *     ct mark & ALLOWED, udp dport 53              -> mark |= DNS, queue N bypass
 *     ct mark & ALLOWED, tcp dport 53, flags & psh -> mark |= DNS, queue N bypass
 *     ct mark & ALLOWED           -> accept  (decided flows stay in the kernel)
 *     ct state new                -> queue N [bypass]
 *   chain input  (hook input, priority mangle)
 *     ct established, udp sport 53 -> mark |= DNS, queue N bypass
 *     ct established, tcp sport 53, flags & psh -> mark |= DNS, queue N bypass
 *
 * Packets marked DNS are only read (names for later verdicts) and passed on
 * at once; their queue always bypasses, even in fail-closed mode, so DNS
 * never depends on the daemon being there.
 *
 * The queue statement is the native nft "queue" expression where the kernel
 * has it, otherwise the xt NFQUEUE target through nft_compat (what
 * iptables-nft uses). Both are tried, in that order, and the one installed is
 * reported, so a kernel without either is an error, never a silent no-op.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nft_backend {
	NFT_BACKEND_NFT_QUEUE, /* native nft queue expression */
	NFT_BACKEND_XT_NFQUEUE /* xt NFQUEUE target via nft_compat */
};

struct nft_options {
	uint16_t queue;   /* NFQUEUE number */
	bool fail_closed; /* no bypass: drop new flows while no daemon listens */
};

/* Install the ruleset, replacing a stale "picket" table left by a killed
 * daemon. On error returns -errno and writes the kernel's reason into err. */
int nftables_install(const struct nft_options *opts, enum nft_backend *ret_backend,
		     char *err, size_t errsz);
/* Remove the table. -ENOENT when it is not there. */
int nftables_remove(char *err, size_t errsz);
const char *nftables_backend_name(enum nft_backend b);
