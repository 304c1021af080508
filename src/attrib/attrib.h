/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * attrib: which process sent a flow (the /proc + sock_diag version).
 *
 * flow -> socket inode (NETLINK_SOCK_DIAG exact lookup; /proc/net/icmp* for
 * ping sockets) -> the process holding an fd on it (/proc/PID/fd) ->
 * struct proc_info (cached). Call it from the network namespace of the flow,
 * for outbound flows whose sending socket still exists (the OUTPUT hook).
 * Needs to read every process's /proc/PID/{fd,exe,environ,...}: root, or
 * CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH.
 *
 * Cost: sock_diag round trip + one readlink when the process and fd number
 * were seen recently (the common case: a process that opens and closes
 * sockets reuses fd numbers); a scan of a few recent processes' fds next;
 * a scan of all of /proc last, newest pid first (0.1-3 ms here). A socket
 * that no visible process holds (kernel socket, fd in flight, other pid
 * namespace) is answered -ENOENT without a new full scan for 1 s.
 *
 * Bounds: ATTRIB_PROC_MAX processes cached (least recently used evicted);
 * each entry is ~17 KB plus its environment (<= PROC_ENVIRON_MAX). Cached
 * entries are re-read after ATTRIB_PROC_TTL_MS, so an exec() is seen within
 * that time. Not thread-safe: one attrib per thread.
 */
#include <stdint.h>
#include <sys/types.h>

#include "common/conn.h"
#include "common/flow.h"

#define ATTRIB_PROC_MAX 1024
#define ATTRIB_PROC_TTL_MS 1000

struct attrib;

struct attrib_stats {
	uint64_t lookups;   /* attrib_lookup calls */
	uint64_t hits_fast; /* owner found by one readlink of a recently seen (pid, fd) */
	uint64_t hits_scan; /* owner found by scanning fds (recent processes or all of /proc) */
	uint64_t misses;    /* -ENOENT: no socket, or no process holds it */
};

/* Opens a NETLINK_SOCK_DIAG socket and /proc (both O_CLOEXEC). */
int attrib_new(struct attrib **ret);
void attrib_free(struct attrib *a);

/* Name the process owning the local socket of FLOW (an outbound flow:
 * flow->src is local). 0 and *ret_proc (owned by the cache, valid until the
 * next attrib_* call; uid/gid are the process's effective ids from /proc), or
 * -ENOENT (no socket or process found, e.g. the process exited),
 * -EAFNOSUPPORT (not IPv4/IPv6), other -errno on failure. */
int attrib_lookup(struct attrib *a, const struct flow *flow, const struct proc_info **ret_proc);

/* Same for a known pid: -ENOENT when there is no such process, -EINVAL for pid <= 0. */
int attrib_proc_by_pid(struct attrib *a, pid_t pid, const struct proc_info **ret_proc);

/* PID's cached entry if it was read less than ATTRIB_PROC_TTL_MS ago, with
 * no system call; -ENOENT otherwise. The caller must know by other means
 * that PID is still the process the entry was read for (a pid is not
 * reused within that time unless the whole pid space wraps). */
int attrib_proc_cached(struct attrib *a, pid_t pid, const struct proc_info **ret_proc);

/* Drop cache entries of processes that are gone (or whose pid was reused).
 * Costs one /proc/PID/stat read per cached process: call it every few seconds. */
void attrib_expire(struct attrib *a);

void attrib_get_stats(const struct attrib *a, struct attrib_stats *ret);
