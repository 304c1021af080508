/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Internal to attrib: what /proc says about one process. Every function takes
 * a directory fd of /proc/PID: through it the kernel answers for the process
 * that fd was opened on, or ENOENT/ESRCH once that process is gone, even if
 * its pid has been reused since. That fd is the process identity.
 */
#include <stdint.h>
#include <sys/types.h>

#include "common/conn.h"

/* ppid and start time (clock ticks since boot, /proc/PID/stat field 22).
 * -ENOENT when the process is gone. */
int proc_read_stat(int piddir, pid_t *ret_ppid, uint64_t *ret_start);

/* Fill INFO (pid, ppid, uid, gid, path, parent_path, cmdline, cwd, environ)
 * for the process of PIDDIR; PROCFD is /proc, for the parent's exe. SCRATCH
 * (at least PROC_ENVIRON_MAX bytes) is work space. INFO->environ is
 * allocated (malloc) and owned by the caller; the old value is not freed.
 * Fields that cannot be read (permissions, kernel threads, zombies) are left
 * empty. -ENOENT when the process is gone. */
int proc_read_info(int procfd, int piddir, pid_t pid, struct proc_info *info, char *scratch,
		   size_t scratch_size);

/* Parse the text of /proc/PID/stat (LEN bytes, need not be NUL-terminated).
 * Exported for tests. */
int proc_parse_stat(const char *buf, size_t len, pid_t *ret_ppid, uint64_t *ret_start);

/* readlink that NUL-terminates; -ENAMETOOLONG when it does not fit. */
int proc_readlinkat(int dirfd, const char *name, char *buf, size_t size);
