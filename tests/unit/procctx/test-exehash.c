/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "procctx/exehash.h"
#include "tmpdir.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_MD5 "900150983cd24fb0d6963f7d28e17f72"

static char dir[] = "/tmp/picket-exehash-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	return 0;
}

static void test_known_digest_and_cache(void **state)
{
	struct exehash *c = NULL;
	struct exe_digest d;
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/abc", dir);
	assert_int_equal(write_file(path, "abc", 3), 0);
	assert_int_equal(exehash_new(&c), 0);
	assert_int_equal(exehash_of_path(c, path, &d), 0);
	assert_string_equal(d.sha256, ABC_SHA256);
	assert_string_equal(d.md5, ABC_MD5);
	assert_false(d.cached);
	assert_int_equal(d.size, 3);
	assert_int_equal(exehash_of_path(c, path, &d), 0);
	assert_true(d.cached);
	assert_string_equal(d.sha256, ABC_SHA256);
	assert_int_equal(exehash_cache_size(c), 1);

	/* Rewritten, same size: mtime/ctime change, so it is read again. */
	assert_int_equal(write_file(path, "abd", 3), 0);
	assert_int_equal(exehash_of_path(c, path, &d), 0);
	assert_false(d.cached);
	assert_string_not_equal(d.sha256, ABC_SHA256);
	exehash_free(c);
}

static void test_errors(void **state)
{
	struct exehash *c = NULL;
	struct exe_digest d;
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(exehash_new(&c), 0);
	assert_int_equal(exehash_of_path(c, "/nonexistent/x", &d), -ENOENT);
	assert_int_equal(exehash_of_path(c, dir, &d), -EINVAL);
	assert_int_equal(exehash_of_path(c, "", &d), -EINVAL);
	assert_int_equal(exehash_of_pid(c, 0, &d), -EINVAL);
	/* Sparse, so the test costs nothing: refused on size alone. */
	snprintf(path, sizeof(path), "%s/huge", dir);
	assert_int_equal(write_file(path, "", 0), 0);
	assert_int_equal(truncate(path, (off_t)EXEHASH_MAX_SIZE + 1), 0);
	assert_int_equal(exehash_of_path(c, path, &d), -EFBIG);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(exehash_of_path(c, path, &d), -EINVAL);
	exehash_free(c);
}

static void test_pid_self(void **state)
{
	struct exehash *c = NULL;
	struct exe_digest a, b;
	char exe[PATH_MAX];
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(exehash_new(&c), 0);
	assert_int_equal(exehash_of_pid(c, getpid(), &a), 0);
	assert_false(a.cached);
	assert_int_equal(exehash_of_path(c, exe, &b), 0);
	assert_true(b.cached); /* same file, same identity */
	assert_string_equal(a.sha256, b.sha256);
	exehash_free(c);
}

/* A process whose binary was deleted after exec is still hashed. */
static void test_pid_deleted_binary(void **state)
{
	struct exehash *c = NULL;
	struct exe_digest before, after;
	char path[PATH_MAX], cmd[PATH_MAX * 2 + 16];
	int status;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/sleep-copy", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(exehash_new(&c), 0);
	assert_int_equal(exehash_of_path(c, path, &before), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(path, "sleep-copy", "30", (char *)NULL);
		_exit(127);
	}
	/* Wait for the exec to have happened: /proc/PID/exe names the copy. */
	for (int i = 0; i < 200; i++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, path) == 0)
				break;
		}
		usleep(10000);
	}
	assert_int_equal(unlink(path), 0);
	exehash_free(c);
	assert_int_equal(exehash_new(&c), 0); /* empty cache: really read the deleted file */
	assert_int_equal(exehash_of_pid(c, pid, &after), 0);
	assert_false(after.cached);
	assert_string_equal(after.sha256, before.sha256);
	assert_string_equal(after.md5, before.md5);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(exehash_of_pid(c, pid, &after), -ENOENT);
	exehash_free(c);
}

static void test_lru_bound(void **state)
{
	struct exehash *c = NULL;
	struct exe_digest d;
	char path[PATH_MAX], body[32];
	const int extra = 8;

	(void)state;
	assert_int_equal(exehash_new(&c), 0);
	for (int i = 0; i < EXEHASH_CACHE_MAX + extra; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		snprintf(body, sizeof(body), "%d", i);
		assert_int_equal(write_file(path, body, strlen(body)), 0);
		assert_int_equal(exehash_of_path(c, path, &d), 0);
		assert_false(d.cached);
		/* Touch f0 often: it is recent, so never the one evicted. */
		snprintf(path, sizeof(path), "%s/f0", dir);
		assert_int_equal(exehash_of_path(c, path, &d), 0);
		assert_true(d.cached);
	}
	assert_int_equal(exehash_cache_size(c), EXEHASH_CACHE_MAX);
	snprintf(path, sizeof(path), "%s/f1", dir); /* the least recently used: evicted */
	assert_int_equal(exehash_of_path(c, path, &d), 0);
	assert_false(d.cached);
	snprintf(path, sizeof(path), "%s/f%d", dir, EXEHASH_CACHE_MAX + extra - 1);
	assert_int_equal(exehash_of_path(c, path, &d), 0);
	assert_true(d.cached);
	for (int i = 0; i < EXEHASH_CACHE_MAX + extra; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	exehash_free(c);
}

static void test_bench_curl(void **state)
{
	const char *exe = "/usr/bin/curl";
	struct exehash *c = NULL;
	struct exe_digest d;
	uint64_t t0, t1, t2;
	const int n = 10000;

	(void)state;
	if (access(exe, R_OK) < 0)
		skip();
	assert_int_equal(exehash_new(&c), 0);
	t0 = mono_ns();
	assert_int_equal(exehash_of_path(c, exe, &d), 0);
	t1 = mono_ns();
	assert_false(d.cached);
	for (int i = 0; i < n; i++)
		assert_int_equal(exehash_of_path(c, exe, &d), 0);
	t2 = mono_ns();
	assert_true(d.cached);
	print_message("bench: %s (%llu bytes) sha256+md5 uncached %.1f us, cached %.2f us\n", exe,
		      (unsigned long long)d.size, (double)(t1 - t0) / 1e3, (double)(t2 - t1) / n / 1e3);
	exehash_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_digest_and_cache),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pid_self),
		cmocka_unit_test(test_pid_deleted_binary),
		cmocka_unit_test(test_lru_bound),
		cmocka_unit_test(test_bench_curl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
