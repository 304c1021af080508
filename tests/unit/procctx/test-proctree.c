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

#include "procctx/proctree.h"
#include "tmpdir.h"

static char dir[] = "/tmp/picket-proctree-XXXXXX";

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

/* A fake /proc/PID/stat: only comm, ppid and starttime matter. */
static void fake_proc(int pid, const char *comm, int ppid, unsigned long long start)
{
	char path[PATH_MAX], body[512];

	snprintf(path, sizeof(path), "%s/%d", dir, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", dir, pid);
	snprintf(body, sizeof(body),
		 "%d (%s) S %d 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 100\n",
		 pid, comm, ppid, start);
	assert_int_equal(write_file(path, body, strlen(body)), 0);
}

static void test_self(void **state)
{
	struct proctree t;
	char exe[PATH_MAX];
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(proctree_walk(NULL, getpid(), &t), 0);
	assert_true(t.n >= 2); /* us and at least our parent */
	assert_int_equal(t.entries[0].pid, getpid());
	assert_int_equal(t.entries[0].ppid, getppid());
	assert_int_equal(t.entries[1].pid, getppid());
	assert_non_null(t.entries[0].exe);
	assert_string_equal(t.entries[0].exe, exe);
	assert_true(strlen(t.entries[0].comm) > 0);
	/* The chain ends at init or at the top of our pid namespace. */
	assert_true(t.entries[t.n - 1].pid == 1 || t.entries[t.n - 1].ppid == 0 || t.truncated);
	proctree_done(&t);
}

static void test_child_chain(void **state)
{
	int pfd[2], status;
	pid_t child, grandchild = 0;
	struct proctree t;

	(void)state;
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t g = fork();

		if (g == 0) {
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
			_exit(127);
		}
		(void)!write(pfd[1], &g, sizeof(g));
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));
	close(pfd[0]);
	/* Wait for the grandchild's exec. */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(proctree_walk(NULL, grandchild, &t), 0);
		if (strcmp(t.entries[0].comm, "sleep") == 0)
			break;
		proctree_done(&t);
		usleep(10000);
	}
	assert_string_equal(t.entries[0].comm, "sleep");
	assert_non_null(t.entries[0].exe);
	assert_true(strstr(t.entries[0].exe, "sleep") != NULL);
	assert_true(t.n >= 3);
	assert_int_equal(t.entries[1].pid, child);
	assert_int_equal(t.entries[2].pid, getpid());
	proctree_done(&t);

	/* The middle process exits: the grandchild is re-parented, we drop out of its chain. */
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	usleep(20000);
	assert_int_equal(proctree_walk(NULL, grandchild, &t), 0);
	for (size_t i = 0; i < t.n; i++)
		assert_int_not_equal(t.entries[i].pid, child);
	proctree_done(&t);
	kill(grandchild, SIGKILL);
	/* Reaped by whoever adopted it; it is gone from our view soon. */
	for (int i = 0; i < 200 && proctree_walk(NULL, grandchild, &t) == 0; i++) {
		proctree_done(&t);
		usleep(10000);
	}
}

static void test_gone(void **state)
{
	struct proctree t;

	(void)state;
	assert_int_equal(proctree_walk(NULL, 0, &t), -EINVAL);
	assert_int_equal(proctree_walk(dir, 4242, &t), -ESRCH);
}

static void test_fake_proc(void **state)
{
	struct proctree t;

	(void)state;
	/* comm with ") " inside; parent gone mid-walk. */
	fake_proc(100, "we ird) x", 50, 1000);
	assert_int_equal(proctree_walk(dir, 100, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(t.truncated);
	assert_string_equal(t.entries[0].comm, "we ird) x");
	assert_null(t.entries[0].exe);
	proctree_done(&t);

	/* Parent pid reused by a process younger than its "child": not an ancestor. */
	fake_proc(50, "impostor", 1, 2000);
	assert_int_equal(proctree_walk(dir, 100, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(t.truncated);
	proctree_done(&t);

	/* A proper chain to init. */
	fake_proc(50, "bash", 1, 500);
	fake_proc(1, "init", 0, 1);
	assert_int_equal(proctree_walk(dir, 100, &t), 0);
	assert_int_equal(t.n, 3);
	assert_false(t.truncated);
	assert_int_equal(t.entries[1].pid, 50);
	assert_string_equal(t.entries[2].comm, "init");
	proctree_done(&t);

	/* A cycle (impossible in a real /proc) still ends at the depth bound. */
	fake_proc(200, "a", 201, 5);
	fake_proc(201, "b", 200, 5);
	assert_int_equal(proctree_walk(dir, 200, &t), 0);
	assert_int_equal(t.n, PROCTREE_MAX_DEPTH);
	assert_true(t.truncated);
	proctree_done(&t);

	/* Garbage stat: the first process is an error, not a crash. */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/300", dir);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/300/stat", dir);
		assert_int_equal(write_file(path, "300 (x", 6), 0);
		assert_int_equal(proctree_walk(dir, 300, &t), -EIO);
	}
}

static void test_bench(void **state)
{
	struct proctree t;
	uint64_t t0, t1;
	const int n = 2000;

	(void)state;
	t0 = mono_ns();
	for (int i = 0; i < n; i++) {
		assert_int_equal(proctree_walk(NULL, getpid(), &t), 0);
		proctree_done(&t);
	}
	t1 = mono_ns();
	assert_int_equal(proctree_walk(NULL, getpid(), &t), 0);
	print_message("bench: proctree_walk of this test (depth %zu): %.1f us\n", t.n,
		      (double)(t1 - t0) / n / 1e3);
	proctree_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_child_chain),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_fake_proc),
		cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
