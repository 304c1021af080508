/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proctree: process ancestry from /proc. See proctree.h. */
#include "procctx/proctree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct stat_info {
	pid_t ppid;
	unsigned long long starttime; /* clock ticks since boot (field 22) */
	char comm[16];
};

/*
 * /proc/PID/stat: "pid (comm) state ppid ... starttime ...". comm can hold
 * spaces and ')' so it ends at the last ')'.
 */
static int read_stat(const char *proc_root, pid_t pid, struct stat_info *ret)
{
	char path[PATH_MAX], buf[1024];
	const char *open_paren, *close_paren, *p;
	struct stat_info si = { 0 };
	ssize_t n;
	size_t clen;
	int fd, field;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* A task exiting between open and read gives ESRCH. */
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(si.comm))
		clen = sizeof(si.comm) - 1;
	memcpy(si.comm, open_paren + 1, clen);
	si.comm[clen] = '\0';
	/* After ") " come fields 3 (state), 4 (ppid), ..., 22 (starttime). */
	p = close_paren + 1;
	for (field = 3; field <= 22; field++) {
		char *end;
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (!*p)
			return -EIO;
		if (field == 4 || field == 22) {
			errno = 0;
			v = strtoull(p, &end, 10);
			if (errno || end == p)
				return -EIO;
			if (field == 4) {
				if (v > INT_MAX)
					return -EIO;
				si.ppid = (pid_t)v;
			} else {
				si.starttime = v;
			}
			p = end;
		} else {
			while (*p && *p != ' ')
				p++;
		}
	}
	*ret = si;
	return 0;
}

/* readlink without a size guess: PATH_MAX is the kernel's bound for d_path. */
static char *read_exe(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/exe", proc_root, (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return strdup(target);
}

int proctree_walk(const char *proc_root, pid_t pid, struct proctree *ret)
{
	struct proctree *t = NULL;
	struct stat_info si;
	unsigned long long child_start = 0;
	int r;

	if (!proc_root)
		proc_root = "/proc";
	if (pid <= 0)
		return -EINVAL;
	/* struct proctree is ~2.5 KiB: built aside so *ret is untouched on error. */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (;;) {
		struct proc_ancestor *a;

		if (t->n == PROCTREE_MAX_DEPTH) {
			t->truncated = true;
			break;
		}
		r = read_stat(proc_root, pid, &si);
		if (r < 0) {
			if (t->n == 0) {
				r = r == -ENOENT ? -ESRCH : r;
				goto cleanup;
			}
			/* An ancestor exited (or its stat is unreadable): keep what we have. */
			t->truncated = true;
			break;
		}
		/*
		 * The child's parent exited and its pid went to a newer process:
		 * that process is not an ancestor. (Orphans are re-parented to a
		 * subreaper or init, which are older, so that case passes.)
		 */
		if (t->n > 0 && si.starttime > child_start) {
			t->truncated = true;
			break;
		}
		a = &t->entries[t->n];
		a->pid = pid;
		a->ppid = si.ppid;
		memcpy(a->comm, si.comm, sizeof(a->comm));
		a->exe = read_exe(proc_root, pid);
		t->n++;
		/* ppid 0: init, kthreadd, or a parent outside our pid namespace. */
		if (si.ppid <= 0 || pid == 1)
			break;
		child_start = si.starttime;
		pid = si.ppid;
	}
	*ret = *t;
	r = 0;
cleanup:
	free(t);
	return r;
}

void proctree_done(struct proctree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n && i < PROCTREE_MAX_DEPTH; i++) {
		free(t->entries[i].exe);
		t->entries[i].exe = NULL;
	}
	t->n = 0;
}
