/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * proctree: the ancestry of a process, read from /proc: the process itself,
 * its parent, ... up to init (pid 1) or the top of our pid namespace.
 *
 * Bounded: at most PROCTREE_MAX_DEPTH entries (deeper chains are cut, with
 * truncated set). Robust to processes exiting mid-walk: the walk stops at the
 * first ancestor that is gone, or whose pid was reused by a process younger
 * than its supposed child (start times are compared), and sets truncated.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROCTREE_MAX_DEPTH 64

struct proc_ancestor {
	pid_t pid;
	pid_t ppid;
	char comm[16];   /* kernel task name, NUL-terminated */
	char *exe;       /* /proc/PID/exe target (may end in " (deleted)"); NULL for
	                  * kernel threads or when unreadable */
};

struct proctree {
	size_t n;                /* entries[0] is the process asked for */
	bool truncated;          /* stopped before init: ancestor gone, reused or depth */
	struct proc_ancestor entries[PROCTREE_MAX_DEPTH];
};

/*
 * Walk from pid up. proc_root: NULL for "/proc" (a parameter for tests).
 * 0 and *ret filled (free with proctree_done), -ESRCH when pid itself is
 * gone, -ENOMEM. ret is left untouched on error.
 */
int proctree_walk(const char *proc_root, pid_t pid, struct proctree *ret);

/* Frees what proctree_walk allocated in t (not t itself). */
void proctree_done(struct proctree *t);
