/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * kattrib: flow attribution and the verdict cache from the kernel
 * (picket.bpf.c, libbpf + CO-RE).
 *
 * The kernel records, in the caller's own context, who created, connected
 * or sent on each socket (tgid, thread, uid, leader start time, executable
 * dev/ino) and, at exec, the executable's real path (an in-kernel dentry
 * walk) and argv; at start an iterator snapshots processes already running.
 * kattrib_lookup rebuilds the key from the queued packet and reads these
 * records on demand (a map lookup, ~1 us): no event stream, no wake-up per
 * connection. So a process that sent one datagram and exited is still named.
 *
 * Covered by the kernel record: TCP (v4/v6, any thread, io_uring), UDP and
 * UDPLITE sendto, connected UDP (by destination: the last connect() to it,
 * unless another process connected there less than 2 s before; then -ENOENT
 * and /proc decides). Not covered (-ENOENT; the caller falls back to /proc):
 * ping and raw sockets, sockets older than the programs.
 *
 * The verdict cache (kattrib_cache_put) is keyed by (executable dev/ino, uid,
 * destination address, port, protocol); see verdict.c for what is cached.
 * A cached deny fails connect()/sendto() with EPERM in the kernel; a cached
 * allow marks a TCP socket so the ruleset accepts its SYN without queueing.
 *
 * Programs attach to a cgroup v2 with bpf_link (nothing pinned): they go
 * away with picketd, SIGKILL included. Socket programs act only on sockets
 * of the calling process's network namespace.
 *
 * Bounds: 64k sockets, 64k flows, 16k connected-UDP destinations, 8k
 * processes, 64k cached verdicts (LRU maps: the oldest entries go first).
 * Not thread-safe.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/conn.h"
#include "common/flow.h"

struct kattrib;
struct attrib;

struct kattrib_stats {
	uint64_t lookups;     /* kattrib_lookup calls */
	uint64_t hits;        /* answered from a kernel record */
	uint64_t misses;      /* no kernel record for the flow */
	uint64_t cache_puts;  /* verdicts written */
	uint64_t cache_allow; /* connects passed by a cached allow, never queued */
	uint64_t cache_deny;  /* connects/sends failed by a cached deny */
	uint64_t execs;       /* exec records written by the kernel */
	uint64_t hits_lost;   /* cache hits not logged: the ring was full */
};

/* Load and attach to CGROUP (a cgroup v2 directory; NULL or "": the cgroup2
 * mount in /proc/self/mounts). ALLOW_MARK: the packet mark the ruleset
 * accepts. On error returns -errno and a one-line reason in ERR (libbpf's
 * last message when it has one). */
int kattrib_open(const char *cgroup, uint32_t allow_mark, struct kattrib **ret, char *err,
		 size_t errsz);
void kattrib_free(struct kattrib *k);
/* The cgroup attached to, and the programs that attached ("connect4 ..."). */
const char *kattrib_cgroup(const struct kattrib *k);
const char *kattrib_programs(const struct kattrib *k);

/* Who sent FLOW (outbound, flow->src local). 0 and *ret_proc (valid until the
 * next kattrib_* or attrib_* call): from /proc through LIVE when the process
 * still runs the same executable (for cwd, environment), else from the
 * kernel's exec record. -ENOENT: the kernel has no record for this flow. */
int kattrib_lookup(struct kattrib *k, struct attrib *live, const struct flow *flow,
		   const struct proc_info **ret_proc);

/* Cache ALLOW (true) or deny for the process of the last successful
 * kattrib_lookup going to FLOW's destination, port and protocol, until
 * EXPIRES (wall clock, 0 = until invalidated); TAG comes back in the hit
 * records of the flows it decides. The key is the executable's
 * (dev, ino) and the uid, so it is taken only when they stand for what the
 * rules saw: PATH (the process.path matched) is that very file with no
 * other name (one link), and UID (the user matched) is the kernel's.
 * -ENOENT when the last lookup was not for FLOW, -ESTALE when PATH or UID
 * do not fit the kernel's record. */
int kattrib_cache_put(struct kattrib *k, const struct flow *flow, const char *path, uid_t uid,
		      bool allow, time_t expires, uint32_t tag);
/* Forget every cached verdict (rules changed): one counter bump. */
void kattrib_invalidate(struct kattrib *k);

/* A flow the cache decided in the kernel (it was never queued). */
struct kattrib_hit {
	struct timespec time;         /* CLOCK_REALTIME */
	bool allow;
	uint32_t tag;                 /* as given to kattrib_cache_put */
	struct flow flow;             /* no source address or port: connect() runs before them */
	uid_t uid;
	const struct proc_info *proc; /* NULL when no longer known */
};

/* Hand every hit recorded since the last call to FN (the kernel does not
 * wake anyone per hit: call this often, e.g. on every loop wake-up; a full
 * ring loses hits, counted in hits_lost). Returns how many, or -errno. */
int kattrib_drain(struct kattrib *k, struct attrib *live,
		  void (*fn)(void *ud, const struct kattrib_hit *hit), void *ud);

void kattrib_get_stats(const struct kattrib *k, struct kattrib_stats *ret);
