/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/readfile.h"

#define FIRST_CAP 4096

/* Makes *BUF at least WANT bytes. */
static int grow(char **buf, size_t *cap, size_t want)
{
	char *b;

	if (*cap >= want)
		return 0;
	b = realloc(*buf, want);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = want;
	return 0;
}

int read_file_at(int dirfd, const char *name, size_t max, char **buf, size_t *cap,
		 size_t *ret_len)
{
	struct stat st;
	size_t len = 0, want;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EBADFD;
		goto cleanup;
	}
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto cleanup;
	}
	/* Room for one byte past the size (reading it means the file grew)
	 * and the NUL; never more than MAX + 2: a byte past MAX is enough to
	 * know the file is too big. */
	want = (size_t)st.st_size + 2 > FIRST_CAP ? (size_t)st.st_size + 2 : FIRST_CAP;
	r = grow(buf, cap, want > max + 2 ? max + 2 : want);
	if (r < 0)
		goto cleanup;
	for (;;) {
		ssize_t k;

		if (len + 1 >= *cap) {
			/* len <= max here, so max + 2 > len + 1: it grows. */
			want = *cap * 2 > max + 2 ? max + 2 : *cap * 2;
			r = grow(buf, cap, want);
			if (r < 0)
				goto cleanup;
		}
		k = read(fd, *buf + len, *cap - len - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto cleanup;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > max) {
			r = -EFBIG;
			goto cleanup;
		}
	}
	(*buf)[len] = '\0';
	*ret_len = len;
	r = 0;
cleanup:
	close(fd);
	return r;
}
