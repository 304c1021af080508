/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Internal to attrib: flow -> inode of the local socket that sent it.
 * NETLINK_SOCK_DIAG exact lookups (one request, one answer, no dumps) for
 * TCP/UDP/UDPLITE/SCTP and raw sockets; /proc/net/{icmp,icmp6,raw,raw6} for
 * ping sockets (not diag-able) and for raw sockets on kernels without raw_diag.
 * sock_diag sees the network namespace of the caller only.
 */
#include <stdbool.h>
#include <stdint.h>

#include "common/flow.h"

struct sockdiag;

int sockdiag_new(struct sockdiag **ret);
void sockdiag_free(struct sockdiag *sd);

/* Inode of the socket that sent outbound FLOW (flow->src is local).
 * 0, or -ENOENT when no socket matches, other -errno on failure. */
int sockdiag_flow_inode(struct sockdiag *sd, const struct flow *flow, uint64_t *ret_inode);

/* One inet_diag exact lookup. LOCAL_IN_SRC puts the local address and port in
 * idiag_src (what TCP and raw want); false puts the remote there (what UDP
 * wants, see sockdiag.c). Exported for the tests that pin this down. */
int sockdiag_inet_exact(struct sockdiag *sd, const struct flow *flow, bool local_in_src,
			uint64_t *ret_inode);

/* One /proc/net table (tcp, udp, icmp, raw, ... and their "6" twins):
 * the inode of the first socket whose local address is LOCAL or wildcard,
 * local port LPORT (the echo id for ping sockets, the protocol for raw),
 * remote address REMOTE or wildcard, remote port RPORT or 0.
 * Lines are bounded (256 bytes); longer ones are skipped. */
int procnet_find_inode(const char *path, uint8_t family, const union picket_addr *local,
		       uint16_t lport, const union picket_addr *remote, uint16_t rport,
		       uint64_t *ret_inode);
