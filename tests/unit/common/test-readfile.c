/* SPDX-License-Identifier: GPL-2.0-or-later */
/* read_file_at: bounds at the exact edge, non-regular files, buffer reuse. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/readfile.h"

static char dir[] = "/tmp/picket-readfile.XXXXXX";

static void put(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int rd(const char *name, size_t max, char **buf, size_t *cap, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return read_file_at(AT_FDCWD, path, max, buf, cap, len);
}

static void test_bounds(void **state)
{
	char big[10000], *buf = NULL;
	size_t cap = 0, len = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	put("ten", big, 10);
	assert_int_equal(rd("ten", 10, &buf, &cap, &len), 0); /* exactly the bound */
	assert_int_equal(len, 10);
	assert_int_equal(buf[10], '\0');
	assert_int_equal(rd("ten", 9, &buf, &cap, &len), -EFBIG);
	put("empty", "", 0);
	assert_int_equal(rd("empty", 10, &buf, &cap, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	/* larger than the first buffer: grows, and the reused buffer still works */
	put("big", big, sizeof(big));
	assert_int_equal(rd("big", sizeof(big), &buf, &cap, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_true(cap >= sizeof(big) + 1);
	assert_int_equal(rd("ten", 100, &buf, &cap, &len), 0);
	assert_int_equal(len, 10);
	assert_int_equal(rd("missing", 100, &buf, &cap, &len), -ENOENT);
	free(buf);
}

static void test_not_regular(void **state)
{
	char path[256], *buf = NULL;
	size_t cap = 0, len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* O_NONBLOCK: a FIFO with no writer must not hang the reader */
	assert_int_equal(rd("fifo", 100, &buf, &cap, &len), -EBADFD);
	assert_int_equal(read_file_at(AT_FDCWD, dir, 100, &buf, &cap, &len), -EBADFD);
	free(buf);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_not_regular),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
