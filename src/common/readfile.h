/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Reading a whole small file that someone else may write (rule files, dpkg's
 * lists, /etc/services), bounded: the size from fstat is only a hint, since
 * the file may grow while it is read, so the bound is checked on what was
 * actually read.
 */
#include <stddef.h>

/*
 * Reads the regular file NAME (openat(DIRFD, ...): AT_FDCWD or an absolute
 * path for a plain path) into *BUF, NUL-terminated, growing *BUF with realloc
 * (*CAP is its size: pass NULL and 0 the first time; reuse both across calls
 * to read many files with one buffer; the caller frees *BUF). Opened
 * O_NONBLOCK, so a FIFO cannot hang the reader. 0 and *RET_LEN, or -errno of
 * open/read, -EBADFD when NAME is not a regular file, -EFBIG when it holds
 * more than MAX bytes, -ENOMEM.
 */
int read_file_at(int dirfd, const char *name, size_t max, char **buf, size_t *cap,
		 size_t *ret_len);
