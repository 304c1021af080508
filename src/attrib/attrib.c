// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Process attribution from /proc: socket inode -> owning process -> cached
 * proc_info. See attrib.h for the contract, sockdiag.c for flow -> inode.
 *
 * Who holds an inode: only a scan of /proc/PID/fd links ("socket:[INODE]")
 * says. To keep that off the hot path, the last RECENT_PIDS processes that
 * owned a flow are kept with
 *   - an O_PATH fd on their /proc/PID directory: lookups through it fail once
 *     that process is gone, so a reused pid is never taken for it, and the
 *     cached proc_info needs no /proc/PID/stat re-read to be trusted;
 *   - the last RECENT_FDS fd numbers that held a flow's socket: a process
 *     that closes a socket and opens the next gets the same (lowest free)
 *     number, so one readlink usually finds the owner.
 * Then the fds of those processes are scanned, then all of /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib/attrib.h"
#include "attrib/proc.h"
#include "attrib/sockdiag.h"

#define HASH_SIZE 2048      /* power of two, >= 2 * ATTRIB_PROC_MAX */
#define RECENT_PIDS 8
#define RECENT_FDS 4
#define GETDENTS_BUF 8192
#define SOCK_LINK_MAX 40    /* "socket:[" + 20 digits + "]" */
#define SCAN_PIDS_MAX 65536 /* processes sorted per full scan (256 KB) */
#define NOOWNER_MAX 32      /* inodes no process held, remembered ... */
#define NOOWNER_TTL_NS 1000000000ull /* ... this long, to skip repeated full scans */

struct pentry {
	struct proc_info info;
	uint64_t start;          /* /proc/PID/stat start time: with pid, the identity */
	uint64_t loaded_ns;      /* CLOCK_MONOTONIC when info was read */
	struct pentry *hnext;    /* hash chain */
	struct pentry *prev;     /* LRU list, head = most recently used */
	struct pentry *next;
};

struct recent {
	pid_t pid;
	int dirfd;               /* O_PATH /proc/PID of that very process */
	uint64_t start;
	int nfds;
	int fds[RECENT_FDS];     /* most recent first */
};

struct attrib {
	struct sockdiag *sd;
	int procfd;
	struct pentry *hash[HASH_SIZE];
	struct pentry *lru_head;
	struct pentry *lru_tail;
	size_t nprocs;
	struct recent recent[RECENT_PIDS]; /* most recent first */
	int nrecent;
	struct attrib_stats stats;
	/* Sockets held by no process we can see (kernel sockets, fds in flight,
	 * other pid namespaces): a ring, so each costs one full scan a second. */
	uint64_t noowner_ino[NOOWNER_MAX];
	uint64_t noowner_ns[NOOWNER_MAX];
	unsigned int noowner_next;
	char scratch[PROC_ENVIRON_MAX];
	pid_t pids[SCAN_PIDS_MAX];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- process cache: hash by pid + LRU list ---- */

static struct pentry **hash_slot(struct attrib *a, pid_t pid)
{
	return &a->hash[(uint32_t)pid & (HASH_SIZE - 1)];
}

static struct pentry *cache_find(struct attrib *a, pid_t pid)
{
	for (struct pentry *e = *hash_slot(a, pid); e; e = e->hnext)
		if (e->info.pid == pid)
			return e;
	return NULL;
}

static void lru_unlink(struct attrib *a, struct pentry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		a->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		a->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct attrib *a, struct pentry *e)
{
	e->prev = NULL;
	e->next = a->lru_head;
	if (a->lru_head)
		a->lru_head->prev = e;
	a->lru_head = e;
	if (!a->lru_tail)
		a->lru_tail = e;
}

static void cache_remove(struct attrib *a, struct pentry *e)
{
	for (struct pentry **p = hash_slot(a, e->info.pid); *p; p = &(*p)->hnext) {
		if (*p == e) {
			*p = e->hnext;
			break;
		}
	}
	lru_unlink(a, e);
	a->nprocs--;
	free(e->info.environ);
	free(e);
}

/* The proc_info of PID, whose /proc directory is PIDDIR and start time START:
 * from the cache when it is the same process and fresh, else read again. */
static int proc_get(struct attrib *a, pid_t pid, int piddir, uint64_t start,
		    const struct proc_info **ret_proc)
{
	uint64_t now = now_ns();
	struct pentry *e;
	int r;

	e = cache_find(a, pid);
	if (e && e->start == start && now - e->loaded_ns < ATTRIB_PROC_TTL_MS * 1000000ull) {
		lru_unlink(a, e);
		lru_push(a, e);
		*ret_proc = &e->info;
		return 0;
	}
	if (e) {
		/* Stale, or another process with a reused pid: read it again. */
		lru_unlink(a, e);
		free(e->info.environ);
		e->info.environ = NULL;
	} else {
		if (a->nprocs >= ATTRIB_PROC_MAX)
			cache_remove(a, a->lru_tail);
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->info.pid = pid;
		e->hnext = *hash_slot(a, pid);
		*hash_slot(a, pid) = e;
		a->nprocs++;
	}
	lru_push(a, e);
	r = proc_read_info(a->procfd, piddir, pid, &e->info, a->scratch, sizeof(a->scratch));
	if (r < 0) {
		e->info.pid = pid; /* cache_remove finds the hash chain by pid */
		cache_remove(a, e);
		return r;
	}
	e->start = start;
	e->loaded_ns = now;
	*ret_proc = &e->info;
	return 0;
}

/* ---- recent owners ---- */

static void recent_drop(struct attrib *a, int i)
{
	close(a->recent[i].dirfd);
	memmove(&a->recent[i], &a->recent[i + 1], (size_t)(a->nrecent - i - 1) * sizeof(a->recent[0]));
	a->nrecent--;
}

/* Move recent[i] to the front, with FD first in its fd list. */
static void recent_touch(struct attrib *a, int i, int fd)
{
	struct recent rc = a->recent[i];
	int j;

	for (j = 0; j < rc.nfds && rc.fds[j] != fd; j++)
		;
	if (j == rc.nfds && rc.nfds < RECENT_FDS)
		rc.nfds++;
	if (j == RECENT_FDS)
		j = RECENT_FDS - 1; /* not there, list full: the oldest goes */
	memmove(&rc.fds[1], &rc.fds[0], (size_t)j * sizeof(rc.fds[0]));
	rc.fds[0] = fd;
	memmove(&a->recent[1], &a->recent[0], (size_t)i * sizeof(a->recent[0]));
	a->recent[0] = rc;
}

/* Takes ownership of DIRFD. */
static void recent_add(struct attrib *a, pid_t pid, int dirfd, uint64_t start, int fd)
{
	if (a->nrecent == RECENT_PIDS)
		recent_drop(a, RECENT_PIDS - 1);
	memmove(&a->recent[1], &a->recent[0], (size_t)a->nrecent * sizeof(a->recent[0]));
	a->recent[0] = (struct recent){ .pid = pid, .dirfd = dirfd, .start = start, .nfds = 1, .fds = { fd } };
	a->nrecent++;
}

static bool recent_has(const struct attrib *a, pid_t pid)
{
	for (int i = 0; i < a->nrecent; i++)
		if (a->recent[i].pid == pid)
			return true;
	return false;
}

/* ---- who holds "socket:[INODE]" ---- */

static bool link_is(int dirfd, const char *name, const char *want, size_t want_len)
{
	char buf[SOCK_LINK_MAX];
	ssize_t n;

	n = readlinkat(dirfd, name, buf, sizeof(buf));
	return n == (ssize_t)want_len && memcmp(buf, want, want_len) == 0;
}

static bool parse_int(const char *s, int *ret)
{
	long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*ret = (int)v;
	return true;
}

/* Scan an open /proc/PID/fd directory for WANT. */
static int scan_fd_dir(int fdd, const char *want, size_t want_len, int *ret_fd)
{
	char buf[GETDENTS_BUF] __attribute__((aligned(8)));

	for (;;) {
		ssize_t n = getdents64(fdd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOENT;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const void *)(buf + off);
			int fd;

			off += d->d_reclen;
			if (d->d_type != DT_LNK || !link_is(fdd, d->d_name, want, want_len))
				continue;
			if (!parse_int(d->d_name, &fd))
				continue;
			*ret_fd = fd;
			return 0;
		}
	}
}

static int scan_pid_fds(int dirfd, const char *fd_path, const char *want, size_t want_len,
			int *ret_fd)
{
	int fdd, r;

	fdd = openat(dirfd, fd_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdd < 0)
		return -errno;
	r = scan_fd_dir(fdd, want, want_len, ret_fd);
	close(fdd);
	return r;
}

/* Does PID hold WANT? On success it becomes recent[0]. */
static int try_pid(struct attrib *a, pid_t pid, const char *want, size_t want_len)
{
	char path[64];
	uint64_t start;
	pid_t ppid;
	int fd, piddir;

	snprintf(path, sizeof(path), "%d/fd", (int)pid);
	if (scan_pid_fds(a->procfd, path, want, want_len, &fd) < 0)
		return -ENOENT;
	/* Pin the process, then check it is still the one with the socket. */
	snprintf(path, sizeof(path), "%d", (int)pid);
	piddir = openat(a->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "fd/%d", fd);
	if (!link_is(piddir, path, want, want_len) || proc_read_stat(piddir, &ppid, &start) < 0) {
		close(piddir);
		return -ENOENT;
	}
	recent_add(a, pid, piddir, start, fd);
	return 0;
}

static int cmp_pid(const void *x, const void *y)
{
	pid_t a = *(const pid_t *)x, b = *(const pid_t *)y;

	return (a > b) - (a < b);
}

/* Every process but the recent ones (already scanned), newest pid first:
 * a process not seen before is most often one that just started. Past
 * SCAN_PIDS_MAX processes the rest go in directory order. */
static int scan_all(struct attrib *a, const char *want, size_t want_len)
{
	char buf[GETDENTS_BUF] __attribute__((aligned(8)));
	size_t npids = 0;
	int dfd, r = -ENOENT;

	dfd = openat(a->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(dfd, buf, sizeof(buf));

		if (n <= 0) {
			r = n < 0 ? -errno : -ENOENT;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const void *)(buf + off);
			int pid;

			off += d->d_reclen;
			if (d->d_type != DT_DIR || !parse_int(d->d_name, &pid) || recent_has(a, pid))
				continue;
			if (npids < SCAN_PIDS_MAX) {
				a->pids[npids++] = pid;
			} else if (try_pid(a, pid, want, want_len) == 0) {
				r = 0;
				goto done;
			}
		}
	}
	if (r != -ENOENT)
		goto done;
	qsort(a->pids, npids, sizeof(a->pids[0]), cmp_pid);
	while (npids > 0) {
		if (try_pid(a, a->pids[--npids], want, want_len) == 0) {
			r = 0;
			break;
		}
	}
done:
	close(dfd);
	return r;
}

static bool noowner_recent(const struct attrib *a, uint64_t ino, uint64_t now)
{
	for (int i = 0; i < NOOWNER_MAX; i++)
		if (a->noowner_ino[i] == ino && now - a->noowner_ns[i] < NOOWNER_TTL_NS)
			return true;
	return false;
}

static void noowner_add(struct attrib *a, uint64_t ino, uint64_t now)
{
	a->noowner_ino[a->noowner_next] = ino;
	a->noowner_ns[a->noowner_next] = now;
	a->noowner_next = (a->noowner_next + 1) % NOOWNER_MAX;
}

/* On success the owner of socket INO (link text WANT) is a->recent[0]. */
static int find_owner(struct attrib *a, uint64_t ino, const char *want, size_t want_len)
{
	char name[32];
	uint64_t now;
	int fd, r;

	for (int i = 0; i < a->nrecent; i++) {
		const struct recent *rc = &a->recent[i];

		for (int j = 0; j < rc->nfds; j++) {
			snprintf(name, sizeof(name), "fd/%d", rc->fds[j]);
			if (link_is(rc->dirfd, name, want, want_len)) {
				recent_touch(a, i, rc->fds[j]);
				a->stats.hits_fast++;
				return 0;
			}
		}
	}
	for (int i = 0; i < a->nrecent;) {
		r = scan_pid_fds(a->recent[i].dirfd, "fd", want, want_len, &fd);
		if (r == 0) {
			recent_touch(a, i, fd);
			a->stats.hits_scan++;
			return 0;
		}
		if (r == -ENOENT || r == -ESRCH) {
			/* -ENOENT from openat: the process is gone. */
			if (faccessat(a->recent[i].dirfd, "stat", F_OK, 0) < 0) {
				recent_drop(a, i);
				continue;
			}
		}
		i++;
	}
	now = now_ns();
	if (noowner_recent(a, ino, now))
		return -ENOENT;
	r = scan_all(a, want, want_len);
	if (r == 0)
		a->stats.hits_scan++;
	else if (r == -ENOENT)
		noowner_add(a, ino, now);
	return r;
}

/* ---- API ---- */

int attrib_new(struct attrib **ret)
{
	struct attrib *a;
	int r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->procfd = -1;
	a->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->procfd < 0) {
		r = -errno;
		goto cleanup;
	}
	r = sockdiag_new(&a->sd);
	if (r < 0)
		goto cleanup;
	*ret = a;
	return 0;
cleanup:
	attrib_free(a);
	return r;
}

void attrib_free(struct attrib *a)
{
	if (!a)
		return;
	while (a->lru_head)
		cache_remove(a, a->lru_head);
	while (a->nrecent > 0)
		recent_drop(a, a->nrecent - 1);
	if (a->procfd >= 0)
		close(a->procfd);
	sockdiag_free(a->sd);
	free(a);
}

int attrib_lookup(struct attrib *a, const struct flow *flow, const struct proc_info **ret_proc)
{
	char want[SOCK_LINK_MAX];
	const struct recent *rc;
	size_t want_len;
	uint64_t ino;
	int r;

	a->stats.lookups++;
	r = sockdiag_flow_inode(a->sd, flow, &ino);
	if (r < 0)
		goto out;
	want_len = (size_t)snprintf(want, sizeof(want), "socket:[%" PRIu64 "]", ino);
	r = find_owner(a, ino, want, want_len);
	if (r < 0)
		goto out;
	rc = &a->recent[0];
	r = proc_get(a, rc->pid, rc->dirfd, rc->start, ret_proc);
out:
	if (r == -ENOENT)
		a->stats.misses++;
	return r;
}

int attrib_proc_by_pid(struct attrib *a, pid_t pid, const struct proc_info **ret_proc)
{
	char name[32];
	uint64_t start;
	pid_t ppid;
	int piddir, r;

	if (pid <= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "%d", (int)pid);
	piddir = openat(a->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return -errno;
	r = proc_read_stat(piddir, &ppid, &start);
	if (r == 0)
		r = proc_get(a, pid, piddir, start, ret_proc);
	close(piddir);
	return r;
}

int attrib_proc_cached(struct attrib *a, pid_t pid, const struct proc_info **ret_proc)
{
	struct pentry *e = cache_find(a, pid);

	if (!e || now_ns() - e->loaded_ns >= ATTRIB_PROC_TTL_MS * 1000000ull)
		return -ENOENT;
	lru_unlink(a, e);
	lru_push(a, e);
	*ret_proc = &e->info;
	return 0;
}

void attrib_expire(struct attrib *a)
{
	struct pentry *e, *next;

	for (e = a->lru_head; e; e = next) {
		char name[32];
		uint64_t start;
		pid_t ppid;
		int piddir;

		next = e->next;
		snprintf(name, sizeof(name), "%d", (int)e->info.pid);
		piddir = openat(a->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (piddir >= 0 && proc_read_stat(piddir, &ppid, &start) == 0 && start == e->start) {
			close(piddir);
			continue;
		}
		if (piddir >= 0)
			close(piddir);
		cache_remove(a, e);
	}
	for (int i = 0; i < a->nrecent;) {
		if (faccessat(a->recent[i].dirfd, "stat", F_OK, 0) < 0)
			recent_drop(a, i);
		else
			i++;
	}
}

void attrib_get_stats(const struct attrib *a, struct attrib_stats *ret)
{
	*ret = a->stats;
}
