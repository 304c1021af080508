// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/PID readers for attrib. See proc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/proc.h"

#define PROC_STAT_MAX 1024    /* /proc/PID/stat is ~300 bytes; comm is <= 64 */
#define PROC_STATUS_MAX 4096  /* /proc/PID/status is ~1.5 KB */
#define DELETED_SUFFIX " (deleted)"

/* Read up to SIZE bytes of DIRFD/NAME; returns the length. ONCE: one read()
 * (stat and status come whole in one; a second read costs a syscall). */
static ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t size, bool once)
{
	size_t off = 0;
	int fd, r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (off < size) {
		ssize_t n = read(fd, buf + off, size - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (once)
			break;
	}
	close(fd);
	return r < 0 ? r : (ssize_t)off;
}

/* A process that died while we read it answers ESRCH (or ENOENT): say ENOENT. */
static int gone(int r)
{
	return r == -ESRCH ? -ENOENT : r;
}

int proc_readlinkat(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;

	n = readlinkat(dirfd, name, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

static bool parse_u64(const char *s, const char *end, uint64_t *ret)
{
	uint64_t v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return true;
}

int proc_parse_stat(const char *buf, size_t len, pid_t *ret_ppid, uint64_t *ret_start)
{
	const char *p, *end = buf + len;
	uint64_t ppid = 0, start = 0;
	unsigned int field = 2; /* "pid (comm)" are fields 1 and 2 */

	/* comm may hold spaces and ')': the last ')' ends it. */
	p = memrchr(buf, ')', len);
	if (!p)
		return -EINVAL;
	for (p++; p < end && field < 22;) {
		const char *tok;

		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (p == end)
			break;
		tok = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		field++;
		if (field == 4 && !parse_u64(tok, p, &ppid))
			return -EINVAL;
		if (field == 22 && !parse_u64(tok, p, &start))
			return -EINVAL;
	}
	if (field < 22 || ppid > INT32_MAX)
		return -EINVAL;
	*ret_ppid = (pid_t)ppid;
	*ret_start = start;
	return 0;
}

int proc_read_stat(int piddir, pid_t *ret_ppid, uint64_t *ret_start)
{
	char buf[PROC_STAT_MAX];
	ssize_t n;

	n = read_file_at(piddir, "stat", buf, sizeof(buf), true);
	if (n < 0)
		return gone((int)n);
	return proc_parse_stat(buf, (size_t)n, ret_ppid, ret_start);
}

/* The effective id on a "Uid:" or "Gid:" line: real, effective, saved, fs. */
static int status_effective(const char *status, const char *key, unsigned int *ret)
{
	const char *p = strstr(status, key);
	unsigned int real, eff;

	if (!p || sscanf(p + strlen(key), "%u %u", &real, &eff) != 2)
		return -EINVAL;
	*ret = eff;
	return 0;
}

static void read_ids(int piddir, struct proc_info *info)
{
	char buf[PROC_STATUS_MAX];
	unsigned int uid, gid;
	ssize_t n;

	info->uid = (uid_t)-1;
	info->gid = (gid_t)-1;
	n = read_file_at(piddir, "status", buf, sizeof(buf) - 1, true);
	if (n < 0)
		return;
	buf[n] = '\0';
	if (status_effective(buf, "\nUid:", &uid) == 0)
		info->uid = uid;
	if (status_effective(buf, "\nGid:", &gid) == 0)
		info->gid = gid;
}

/* An executable's path, "" when unreadable; the kernel appends " (deleted)"
 * to a replaced binary, which is still the path the user knows. */
static void read_exe(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len, slen = strlen(DELETED_SUFFIX);
	int n;

	n = proc_readlinkat(dirfd, name, buf, size);
	if (n < 0) {
		buf[0] = '\0';
		return;
	}
	len = (size_t)n;
	if (len > slen && strcmp(buf + len - slen, DELETED_SUFFIX) == 0)
		buf[len - slen] = '\0';
}

static void read_cmdline(int piddir, char *buf, size_t size)
{
	ssize_t n;

	n = read_file_at(piddir, "cmdline", buf, size - 1, false);
	if (n < 0)
		n = 0;
	/* argv is NUL-separated and NUL-terminated: drop the end, join the rest. */
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
}

static int read_environ(int piddir, struct proc_info *info, char *scratch, size_t scratch_size)
{
	size_t max = scratch_size < PROC_ENVIRON_MAX ? scratch_size : PROC_ENVIRON_MAX;
	ssize_t n;
	char *env;

	info->environ = NULL;
	info->environ_len = 0;
	n = read_file_at(piddir, "environ", scratch, max, false);
	if (n <= 0)
		return 0; /* unreadable, or a zombie / kernel thread: no environment */
	/* Possibly cut: keep whole NAME=value pairs only. */
	if ((size_t)n == max) {
		char *last = memrchr(scratch, '\0', (size_t)n);

		n = last ? last - scratch + 1 : 0;
		if (n == 0)
			return 0;
	}
	env = malloc((size_t)n + 1);
	if (!env)
		return -ENOMEM;
	memcpy(env, scratch, (size_t)n);
	env[n] = '\0';
	info->environ = env;
	info->environ_len = (size_t)n;
	return 0;
}

int proc_read_info(int procfd, int piddir, pid_t pid, struct proc_info *info, char *scratch,
		   size_t scratch_size)
{
	char name[32];
	uint64_t start;
	pid_t ppid;
	int r;

	r = proc_read_stat(piddir, &ppid, &start);
	if (r < 0)
		return r;
	info->pid = pid;
	info->ppid = ppid;
	read_ids(piddir, info);
	read_exe(piddir, "exe", info->path, sizeof(info->path));
	read_cmdline(piddir, info->cmdline, sizeof(info->cmdline));
	if (proc_readlinkat(piddir, "cwd", info->cwd, sizeof(info->cwd)) < 0)
		info->cwd[0] = '\0';
	info->parent_path[0] = '\0';
	if (ppid > 0) {
		snprintf(name, sizeof(name), "%d/exe", (int)ppid);
		read_exe(procfd, name, info->parent_path, sizeof(info->parent_path));
	}
	r = read_environ(piddir, info, scratch, scratch_size);
	if (r < 0)
		return r;
	/* Empty fields because the process died meanwhile: it is not found. */
	if (info->path[0] == '\0' && faccessat(piddir, "stat", F_OK, 0) < 0) {
		free(info->environ);
		info->environ = NULL;
		info->environ_len = 0;
		return -ENOENT;
	}
	return 0;
}
