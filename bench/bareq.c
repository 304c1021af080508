/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bareq: the benchmark's reference for "NFQUEUE alone". It installs
 * picketd's own ruleset and answers every queued packet "accept" through
 * picketd's own queue code, with no parsing, attribution or rules. The gap
 * between this and picketd is what picketd's decisions cost.
 *
 *   bareq [QUEUE]     (runs until killed; prints "ready" when filtering)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "netfilter/nfq.h"
#include "netfilter/nftables.h"

static struct nfq *queue;

static void accept_all(void *ud, const struct nfq_packet *p)
{
	nfq_verdict(queue, p->id, p->mark, NFQ_VERDICT_ACCEPT);
}

int main(int argc, char **argv)
{
	struct nft_options o = {.queue = argc > 1 ? (uint16_t)atoi(argv[1]) : 0};
	enum nft_backend be;
	char err[256];

	if (nfq_open(o.queue, 256, &queue) < 0 || nftables_install(&o, &be, err, sizeof(err)) < 0) {
		fprintf(stderr, "bareq: cannot set up the queue or ruleset\n");
		return 1;
	}
	printf("ready (%s)\n", nftables_backend_name(be));
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = {.fd = nfq_fd(queue), .events = POLLIN};
		if (poll(&pfd, 1, -1) > 0)
			nfq_receive(queue, accept_all, NULL);
	}
}
