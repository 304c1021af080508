/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What picket.bpf.c and kattrib.c share: map keys and values. Compiled both
 * by clang -target bpf (with vmlinux.h) and by the host compiler (with
 * <linux/types.h>), so only fixed-size __u* types and no pointers.
 *
 * Times are the kernel's task start_time (CLOCK_MONOTONIC ns). dev is the
 * kernel's s_dev encoding (major << 20 | minor), not user space's st_dev.
 */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PK_COMP_MAX 16   /* path components kept by the in-kernel walk */
#define PK_COMP_LEN 48   /* bytes per component (longer names: truncated flag) */
#define PK_PATH_LEN (PK_COMP_MAX * PK_COMP_LEN) /* flat path (iter/task) uses the same bytes */
#define PK_ARGS_LEN 256  /* argv bytes kept at exec (NUL-separated) */

/* Who did something to a socket, read in the caller's own context. */
struct pk_who {
	__u32 tgid;       /* init pid namespace */
	__u32 pid;        /* the thread */
	__u32 uid;
	__u32 gid;
	__u64 start_time; /* of the thread-group leader */
	__u64 ino;        /* mm->exe_file inode */
	__u32 dev;        /* mm->exe_file s_dev */
	__u32 flags;      /* PK_WHO_* */
	__u64 ktime;      /* when recorded (bpf_ktime_get_ns): the newer record wins */
};

/* udp_conn: another process connected to the same destination shortly
 * before, so "the last connect wins" may name the wrong one. */
#define PK_WHO_AMBIGUOUS 1
#define PK_AMBIGUOUS_NS 2000000000ull

/* A flow as user space rebuilds it from the first queued packet. Addresses
 * IPv4 in daddr[0] (family 4), ports host order. */
struct pk_flow_key {
	__u8 family;      /* 4 or 6 */
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u16 pad;
	__u32 daddr[4];
};

enum {
	PK_PROC_TRUNCATED = 1, /* more components than PK_COMP_MAX, or a long name */
	PK_PROC_DELETED = 2,   /* the executable was unlinked */
	PK_PROC_FLAT = 4,      /* path[] holds one string (bpf_d_path), not components */
	PK_PROC_FORKED = 8,    /* copied from the parent at fork (no exec seen) */
};

/* procs map: tgid -> the image the process runs. */
struct pk_proc {
	__u64 start_time;
	__u64 ino;
	__u32 dev;
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u16 ncomp;      /* components in path[], leaf first */
	__u8 flags;
	__u8 pad;
	__u32 args_len;
	char args[PK_ARGS_LEN];
	char path[PK_PATH_LEN];
};

/* Verdict cache key: the executable (dev, ino), the user, the destination.
 * Only for rule sets whose every rule looks at nothing else (kattrib.h). */
struct pk_vkey {
	__u64 ino;
	__u32 dev;
	__u32 uid;
	__u8 family;
	__u8 proto;
	__u16 dport;
	__u32 daddr[4];
};

enum { PK_VERDICT_ALLOW = 1, PK_VERDICT_DENY = 2 };

struct pk_vval {
	__u32 epoch;      /* valid while equal to the program's epoch */
	__u32 verdict;
	__u64 expires_ns; /* bpf_ktime_get_ns() deadline, 0 = none */
	__u32 tag;        /* user space's, returned in each hit record */
	__u32 pad;
};

/* One flow decided by the cache, for the event log (ring buffer, no wake-up:
 * user space drains it). */
struct pk_hit {
	__u64 ktime;      /* bpf_ktime_get_ns() */
	struct pk_who who;
	struct pk_flow_key key; /* sport 0: connect() runs before the port exists */
	__u32 verdict;
	__u32 tag;
};

/* Counters (in the program's .bss, read by user space). */
struct pk_counters {
	__u64 cache_allow; /* connects passed by a cached allow (never queued) */
	__u64 cache_deny;  /* connects/sends failed by a cached deny */
	__u64 flows;       /* flow records written */
	__u64 execs;       /* exec records written */
	__u64 hits_lost;   /* hit records the full ring buffer refused */
};
