/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of src/history/writer.c: batches handed to the writer thread
 * reach the file; a database that cannot be written is reported and
 * written later; stop writes what is left; the thread never takes the
 * process's signals. Each test works in its own temp dir. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "history/writer.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/picket-writer-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/picket.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void add(struct history_writer *w, int i)
{
	char exe[64];
	struct history_event e = {
		.time_ms = 1700000000000 + i,
		.action = "allow",
		.reason = "rule",
		.rule = "allow-test",
		.protocol = "tcp",
		.src_ip = "10.0.0.1",
		.dst_ip = "10.0.0.2",
		.src_port = 40000 + i % 1000,
		.dst_port = 443,
		.dst_host = i % 2 ? "example.org" : NULL,
		.pid = 42,
		.uid = 1000,
		.exe = exe,
		.cmdline = "prog --arg",
		.iface_out = "eth0",
	};

	/* The caller's strings are gone after add: the batch must own copies. */
	snprintf(exe, sizeof(exe), "/usr/bin/prog%d", i % 3);
	assert_int_equal(history_writer_add(w, &e), 0);
	memset(exe, 'x', sizeof(exe) - 1);
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_batches_reach_the_file(void **state)
{
	struct fx *fx = *state;
	struct history_writer *w = NULL;
	struct history_writer_status st;
	const int n = 3 * HISTORY_BATCH + 7; /* three full hand-overs and a partial one */

	assert_int_equal(history_writer_start(fx->path, NULL, &w), 0);
	for (int i = 0; i < n; i++)
		add(w, i);
	assert_int_equal(history_writer_sync(w, 5000), 0);
	history_writer_status(w, &st);
	assert_false(st.failing);
	assert_int_equal(st.written, (uint64_t)n);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), n);
	/* Copies, not the caller's buffers: prog1 with a host is i % 6 == 1. */
	int64_t want = 0;
	for (int i = 0; i < n; i++)
		want += i % 6 == 1;
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events e"
					   " JOIN strs x ON x.id = e.exe_id JOIN strs c ON c.id = e.cmdline_id"
					   " JOIN strs h ON h.id = e.host_id WHERE x.s = '/usr/bin/prog1'"
					   " AND c.s = 'prog --arg' AND h.s = 'example.org'"),
			 want);
	/* Each string once, however many rows use it. */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM strs"), 3 + 1 + 1 + 1);
	/* The rollup counts every row. */
	assert_int_equal(sql_int(fx->path, "SELECT sum(n) FROM rollup WHERE kind = 0 AND span = 1"), n);
	history_writer_stop(w);
}

static void test_unwritable_then_written(void **state)
{
	struct fx *fx = *state;
	struct history_writer *w = NULL;
	struct history_writer_status st;
	char blocker[160], path[200];
	FILE *f;

	/* A regular file where the database's directory should be. */
	snprintf(blocker, sizeof(blocker), "%s/sub", fx->dir);
	snprintf(path, sizeof(path), "%s/picket.db", blocker);
	f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);

	assert_int_equal(history_writer_start(path, NULL, &w), 0);
	history_writer_status(w, &st);
	assert_true(st.failing);
	assert_true(st.changed);
	assert_true(st.message[0] != '\0');
	for (int i = 0; i < 10; i++)
		add(w, i);
	assert_int_equal(history_writer_sync(w, 5000), -EIO);

	/* Writable again: the next hand-over writes what waited too. */
	assert_int_equal(unlink(blocker), 0);
	assert_int_equal(mkdir(blocker, 0700), 0);
	add(w, 10);
	assert_int_equal(history_writer_sync(w, 5000), 0);
	history_writer_status(w, &st);
	assert_false(st.failing);
	assert_true(st.changed);
	assert_int_equal(st.written, 11);
	history_writer_stop(w);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM events"), 11);
}

static void test_stop_writes_the_rest(void **state)
{
	struct fx *fx = *state;
	struct history_writer *w = NULL;

	assert_int_equal(history_writer_start(fx->path, NULL, &w), 0);
	for (int i = 0; i < 100; i++)
		add(w, i);
	history_writer_stop(w); /* no sync: stop hands over and writes */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 100);
}

/* The daemon reads SIGTERM from a signalfd on its loop: a thread with the
 * signal unblocked would take it and the process would die uncleanly. The
 * thread also runs at low priority and drops its capabilities. */
static void test_thread_blocks_signals(void **state)
{
	struct fx *fx = *state;
	struct history_writer *w = NULL;
	char path[300], line[256];
	struct dirent *de;
	int threads = 0, checked = 0;
	DIR *dir;

	sigset_t term;

	/* Whatever the test runner left blocked, the caller has SIGTERM open:
	 * the thread must block it by itself. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(pthread_sigmask(SIG_UNBLOCK, &term, NULL), 0);
	assert_int_equal(history_writer_start(fx->path, NULL, &w), 0);
	/* A new thread runs with everything blocked until glibc sets the mask
	 * it inherits: look only once it has done a round of work. */
	add(w, 0);
	assert_int_equal(history_writer_sync(w, 5000), 0);
	dir = opendir("/proc/self/task");
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		FILE *f;
		if (de->d_name[0] == '.')
			continue;
		threads++;
		if (atoi(de->d_name) == getpid())
			continue;
		/* It yields the CPU to everything else (writer.h). */
		{
			errno = 0;
			int prio = getpriority(PRIO_PROCESS, (id_t)atoi(de->d_name));
			assert_int_equal(errno, 0);
			assert_int_equal(prio, WRITER_NICE);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			unsigned long long mask;
			if (sscanf(line, "SigBlk: %llx", &mask) == 1) {
				/* SIGTERM is 15: bit 14. */
				assert_true(mask & (1ull << 14));
				checked++;
			}
			/* It started with the caller's capabilities and keeps
			 * CAP_SYS_NICE (23) at most. */
			if (sscanf(line, "CapEff: %llx", &mask) == 1)
				assert_int_equal(mask & ~(1ull << 23), 0);
		}
		fclose(f);
	}
	closedir(dir);
	assert_int_equal(threads, 2);
	assert_int_equal(checked, 1);
	history_writer_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batches_reach_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_then_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_writes_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_blocks_signals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
