/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What the daemon knows about one new connection when it decides: the flow,
 * the process that opened it (if known), the socket owner, the out interface.
 * Filled by the daemon (nfq + attrib), read by the rule matcher.
 */
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/flow.h"

/* Path that rules see for a flow whose process is not known. */
#define PROC_UNKNOWN_PATH "unknown"
#define PROC_CMDLINE_MAX 4096  /* argv joined by spaces, truncated past this */
#define PROC_ENVIRON_MAX 65536 /* environment kept per process, truncated past this */

struct proc_info {
	pid_t pid;
	pid_t ppid;
	uid_t uid;
	gid_t gid;
	char path[PATH_MAX];        /* executable (/proc/PID/exe), " (deleted)" stripped */
	char parent_path[PATH_MAX]; /* executable of ppid, "" when not known */
	char cmdline[PROC_CMDLINE_MAX];
	char cwd[PATH_MAX];
	/* NUL-separated NAME=value pairs; owned by whoever owns the proc_info. */
	char *environ;
	size_t environ_len;
};

struct conn {
	struct flow flow;
	const struct proc_info *proc; /* NULL: process not known */
	bool has_uid;                 /* socket owner known (from the queue) */
	uid_t uid;
	gid_t gid;
	const char *user_name;        /* name of uid, NULL when not known */
	char iface_out[IF_NAMESIZE];  /* "" when not known */
	const char *dst_host;         /* NULL until DNS names are known */
	/* The executable's digest (CONN_SHA256 / CONN_MD5) as lowercase hex,
	 * computed on first use: most rules never ask, and hashing is not free.
	 * NULL (or returning NULL): not known, so hash operands do not match. */
	const char *(*exe_digest)(const struct conn *c, int kind);
	void *digest_ctx;             /* for exe_digest */
};

enum { CONN_SHA256, CONN_MD5 };
