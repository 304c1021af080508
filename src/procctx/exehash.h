/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * exehash: SHA-256 and MD5 of an executable, for prompts ("is this the same
 * binary I allowed?") and the process.hash.sha256/md5 rule operands.
 *
 * Digests are cached by the file's identity (st_dev, st_ino, st_size,
 * st_mtim, st_ctim), so a binary already hashed is never read again: a cache
 * hit costs one open() and one fstat(). ctime is part of the key because it
 * cannot be set from user space, so rewriting a binary in place and restoring
 * its mtime still changes the key.
 *
 * Bounds: EXEHASH_CACHE_MAX entries (least recently used is evicted);
 * files larger than EXEHASH_MAX_SIZE are refused with -EFBIG (never read).
 * Not thread-safe: one cache per thread (the daemon has one loop).
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EXEHASH_CACHE_MAX 1024
#define EXEHASH_MAX_SIZE (512ULL * 1024 * 1024)

struct exehash;

struct exe_digest {
	char sha256[65];     /* lowercase hex, NUL-terminated */
	char md5[33];        /* lowercase hex, NUL-terminated */
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	bool cached;         /* true: served from the cache, the file was not read */
};

/* 0 or -ENOMEM. */
int exehash_new(struct exehash **ret);
void exehash_free(struct exehash *c);

/*
 * Digest of the executable of a live process, read through /proc/PID/exe so
 * it works for binaries deleted or replaced since exec. -ESRCH/-ENOENT when
 * the process is gone, -EACCES/-EPERM without ptrace rights over it, -EFBIG
 * past EXEHASH_MAX_SIZE, -EAGAIN when the file changed while being read.
 */
int exehash_of_pid(struct exehash *c, pid_t pid, struct exe_digest *ret);

/* Same for a path (followed if a symlink). -EINVAL if not a regular file. */
int exehash_of_path(struct exehash *c, const char *path, struct exe_digest *ret);

/* Same for an open fd (not closed, its offset is not used). */
int exehash_of_fd(struct exehash *c, int fd, struct exe_digest *ret);

/* Number of cached digests (for tests and status). */
size_t exehash_cache_size(const struct exehash *c);
