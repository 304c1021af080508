/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of src/history: schema, migrations from v1 and v2 (with rows),
 * batching, retention by days and rows (with the rollup and the strings
 * following), filtered queries, stats (rollup plus partial hours), a file
 * that cannot be written, a full disk, a corrupt file. Each test works in
 * its own temp dir. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "history/history.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/picket-history-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	chmod(fx->dir, 0777);
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

/* An event at T (seconds) from EXE to HOST:PORT. */
static struct history_event ev(int64_t t, const char *action, const char *exe, const char *host,
			       int port, const char *rule)
{
	return (struct history_event){
		.time_ms = t * 1000 + 123,
		.action = action,
		.reason = rule ? "rule" : "default",
		.rule = rule,
		.protocol = "tcp",
		.src_ip = "10.0.0.1",
		.dst_ip = "10.0.0.2",
		.src_port = 40000,
		.dst_port = port,
		.dst_host = host,
		.pid = 42,
		.uid = 1000,
		.exe = exe,
		.cmdline = "prog --arg",
		.iface_out = "eth0",
	};
}

static struct history *open_new(const char *path, unsigned days, uint64_t max_rows)
{
	struct history_limits lim = {.days = days, .max_rows = max_rows};
	struct history *h = NULL;
	char msg[512];

	assert_int_equal(history_new(path, &lim, &h), 0);
	assert_int_equal(history_open(h, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	return h;
}

static void flush_ok(struct history *h, int want)
{
	char msg[512];

	assert_int_equal(history_flush(h, msg, sizeof(msg)), want);
}

static size_t query_n(struct history *h, const struct history_filter *f)
{
	char msg[512];
	json_t *rows = NULL;
	size_t n;

	assert_int_equal(history_query(h, f, &rows, msg, sizeof(msg)), 0);
	n = json_array_size(rows);
	json_decref(rows);
	return n;
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

static void test_schema(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);

	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
					   " AND name LIKE 'events_%'"),
			 7);
	history_free(h);
	/* WAL is a property of the file. */
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), 0);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

/* A file as the first release wrote it: schema v1 with one row. */
static void test_migration_from_v1(void **state)
{
	struct fx *fx = *state;
	struct history_filter f = {.rule = "r1"};
	struct history *h;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "CREATE TABLE events (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
			     " action TEXT NOT NULL, reason TEXT NOT NULL, rule TEXT,"
			     " protocol TEXT NOT NULL, src_ip TEXT, src_port INTEGER, dst_ip TEXT,"
			     " dst_port INTEGER, dst_host TEXT, pid INTEGER, uid INTEGER,"
			     " exe TEXT NOT NULL, cmdline TEXT, iface_out TEXT);"
			     "CREATE INDEX events_time ON events(time_ms);"
			     "INSERT INTO events (time_ms, action, reason, rule, protocol, exe)"
			     " VALUES (1000, 'deny', 'rule', 'r1', 'udp', '/usr/bin/old');"
			     "PRAGMA user_version = 1;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	h = open_new(fx->path, 0, 0);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE package_id IS NULL"),
			 1);
	assert_int_equal(
		sql_int(fx->path, "SELECT count(*) FROM sqlite_master WHERE name = 'events_rule'"), 1);
	assert_int_equal(query_n(h, &f), 1);
	history_free(h);
}

/* A file as v2 wrote it (strings in every row), with rows: after the
 * migration every row is there with the same id and fields, each filter
 * finds what it found before, and stats count them (the rollup is filled
 * from the rows). */
static void test_migration_from_v2(void **state)
{
	struct fx *fx = *state;
	struct history *h;
	json_t *rows = NULL, *row, *st = NULL;
	char msg[256];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "CREATE TABLE events (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
			     " action TEXT NOT NULL, reason TEXT NOT NULL, rule TEXT,"
			     " protocol TEXT NOT NULL, src_ip TEXT, src_port INTEGER, dst_ip TEXT,"
			     " dst_port INTEGER, dst_host TEXT, pid INTEGER, uid INTEGER,"
			     " exe TEXT NOT NULL, cmdline TEXT, iface_out TEXT);"
			     "CREATE INDEX events_time ON events(time_ms);"
			     "CREATE INDEX events_exe ON events(exe);"
			     "CREATE INDEX events_host ON events(dst_host);"
			     "CREATE INDEX events_dst_ip ON events(dst_ip);"
			     "CREATE INDEX events_port ON events(dst_port);"
			     "CREATE INDEX events_action ON events(action);"
			     "ALTER TABLE events ADD COLUMN package TEXT;"
			     "CREATE INDEX events_rule ON events(rule);"
			     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
			     " INSERT INTO events (id, time_ms, action, reason, rule, protocol, src_ip,"
			     " src_port, dst_ip, dst_port, dst_host, pid, uid, exe, cmdline, iface_out,"
			     " package) SELECT i + 10, 1000000 + i * 60000,"
			     " CASE WHEN i % 3 = 0 THEN 'deny' ELSE 'allow' END, 'rule',"
			     " CASE WHEN i % 3 = 0 THEN 'no-b' ELSE NULL END, 'tcp', '10.0.0.1',"
			     " 40000 + i, '10.0.0.' || (i % 5), CASE WHEN i % 3 = 0 THEN 22 ELSE 443 END,"
			     " CASE WHEN i % 2 = 0 THEN 'h' || (i % 4) || '.example' ELSE NULL END,"
			     " i, 1000, CASE WHEN i % 3 = 0 THEN '/bin/b' ELSE '/bin/a' END,"
			     " 'prog ' || (i % 7), 'eth0', CASE WHEN i = 7 THEN 'pkg-a' ELSE NULL END"
			     " FROM n;"
			     "PRAGMA user_version = 2;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	h = open_new(fx->path, 0, 0);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(history_count(h), 300);
	assert_int_equal(sql_int(fx->path, "SELECT min(id) FROM events"), 11);
	/* /bin/a /bin/b, no-b, h0 h2 .example, prog 0-6, pkg-a */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM strs"), 2 + 1 + 2 + 7 + 1);
	assert_int_equal(query_n(h, &(struct history_filter){.exe = "/bin/b", .limit = 1000}), 100);
	assert_int_equal(query_n(h, &(struct history_filter){.rule = "no-b", .limit = 1000}), 100);
	assert_int_equal(query_n(h, &(struct history_filter){.action = "deny", .limit = 1000}), 100);
	assert_int_equal(query_n(h, &(struct history_filter){.port = 443, .limit = 1000}), 200);
	assert_int_equal(query_n(h, &(struct history_filter){.host = "h2.example", .limit = 1000}),
			 75);
	assert_int_equal(query_n(h, &(struct history_filter){.host = "10.0.0.3", .limit = 1000}),
			 60);
	/* Row 7 (id 17), field by field. */
	assert_int_equal(history_query(h, &(struct history_filter){.after_id = 16, .limit = 1},
				       &rows, msg, sizeof(msg)),
			 0);
	row = json_array_get(rows, 0);
	assert_int_equal(json_integer_value(json_object_get(row, "id")), 17);
	assert_int_equal(json_integer_value(json_object_get(row, "time_ms")), 1000000 + 7 * 60000);
	assert_string_equal(json_string_value(json_object_get(row, "process_path")), "/bin/a");
	assert_string_equal(json_string_value(json_object_get(row, "process_args")), "prog 0");
	assert_string_equal(json_string_value(json_object_get(row, "package")), "pkg-a");
	assert_string_equal(json_string_value(json_object_get(row, "dst_ip")), "10.0.0.2");
	assert_true(json_is_null(json_object_get(row, "dst_host")));
	assert_true(json_is_null(json_object_get(row, "rule")));
	assert_int_equal(json_integer_value(json_object_get(row, "src_port")), 40007);
	json_decref(rows);
	/* The rollup was filled from the rows: stats over all of them. */
	assert_int_equal(history_stats(h, 0, 0, 10, &st, msg, sizeof(msg)), 0);
	assert_int_equal(json_integer_value(json_object_get(st, "total")), 300);
	assert_int_equal(json_integer_value(json_object_get(st, "denied")), 100);
	json_decref(st);
	/* And new rows go on from there. */
	{
		struct history_event e = ev(99999, "allow", "/bin/b", "h2.example", 22, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 1);
	assert_int_equal(query_n(h, &(struct history_filter){.exe = "/bin/b", .limit = 1000}), 101);
	assert_int_equal(sql_int(fx->path, "SELECT max(id) FROM events"), 311);
	history_free(h);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	struct history *h = NULL;
	char msg[512];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	assert_int_equal(history_new(fx->path, NULL, &h), 0);
	assert_int_equal(history_open(h, msg, sizeof(msg)), -EPROTONOSUPPORT);
	assert_non_null(strstr(msg, "99"));
	history_free(h);
}

static void test_batching(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);

	for (int i = 0; i < 1000; i++) {
		struct history_event e = ev(1000 + i, "allow", "/bin/a", "a.example", 443, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	/* Appending writes nothing: the file is untouched until a flush. */
	assert_int_equal(history_pending(h), 1000);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 0);
	flush_ok(h, 1000);
	assert_int_equal(history_pending(h), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 1000);
	flush_ok(h, 0);
	/* Fields round-trip. */
	{
		struct history_filter f = {.limit = 1};
		json_t *rows = NULL, *r;
		char msg[256];
		assert_int_equal(history_query(h, &f, &rows, msg, sizeof(msg)), 0);
		r = json_array_get(rows, 0);
		assert_string_equal(json_string_value(json_object_get(r, "process_path")), "/bin/a");
		assert_string_equal(json_string_value(json_object_get(r, "dst_host")), "a.example");
		assert_int_equal(json_integer_value(json_object_get(r, "dst_port")), 443);
		assert_int_equal(json_integer_value(json_object_get(r, "uid")), 1000);
		assert_int_equal(json_integer_value(json_object_get(r, "time_ms")), 1999123);
		assert_string_equal(json_string_value(json_object_get(r, "time")),
				    "1970-01-01T00:33:19.123Z");
		assert_true(json_is_null(json_object_get(r, "rule")));
		json_decref(rows);
	}
	history_free(h);
}

static void test_queries(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);
	json_t *rows = NULL;
	char msg[256];

	for (int i = 0; i < 100; i++) {
		struct history_event e =
			i % 4 == 0 ? ev(1000 + i, "deny", "/bin/b", NULL, 22, "no-ssh")
				   : ev(1000 + i, "allow", "/bin/a", "a.example", 443, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 100);
	assert_int_equal(query_n(h, &(struct history_filter){.limit = 1000}), 100);
	assert_int_equal(query_n(h, &(struct history_filter){.exe = "/bin/b"}), 25);
	assert_int_equal(query_n(h, &(struct history_filter){.action = "deny", .limit = 1000}), 25);
	assert_int_equal(query_n(h, &(struct history_filter){.rule = "no-ssh"}), 25);
	assert_int_equal(query_n(h, &(struct history_filter){.port = 443, .limit = 1000}), 75);
	assert_int_equal(query_n(h, &(struct history_filter){.host = "a.example", .limit = 1000}), 75);
	assert_int_equal(query_n(h, &(struct history_filter){.host = "10.0.0.2", .limit = 1000}), 100);
	assert_int_equal(query_n(h, &(struct history_filter){.host = "b.example"}), 0);
	assert_int_equal(query_n(h, &(struct history_filter){.since = 1090, .limit = 1000}), 10);
	assert_int_equal(query_n(h, &(struct history_filter){.until = 1010, .limit = 1000}), 10);
	assert_int_equal(query_n(h, &(struct history_filter){.since = 1010, .until = 1020,
							     .exe = "/bin/a"}),
			 8);
	/* The newest LIMIT, oldest first. */
	assert_int_equal(history_query(h, &(struct history_filter){.limit = 3}, &rows, msg,
				       sizeof(msg)),
			 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), 98);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 2), "id")), 100);
	json_decref(rows);
	/* Paging forward. */
	assert_int_equal(history_query(h, &(struct history_filter){.after_id = 10, .limit = 2},
				       &rows, msg, sizeof(msg)),
			 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), 11);
	json_decref(rows);
	assert_int_equal(history_query(h, &(struct history_filter){.limit = HISTORY_QUERY_MAX + 1},
				       &rows, msg, sizeof(msg)),
			 -EINVAL);
	history_free(h);
}

static void test_stats(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);
	json_t *st = NULL, *top;
	char msg[256];

	for (int i = 0; i < 10; i++) {
		struct history_event e = i < 3 ? ev(1000 + i, "reject", "/bin/b", NULL, 22, "r")
					       : ev(1000 + i, "allow", "/bin/a", "a.example", 443, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 10);
	assert_int_equal(history_stats(h, 0, 0, 10, &st, msg, sizeof(msg)), 0);
	assert_int_equal(json_integer_value(json_object_get(st, "total")), 10);
	assert_int_equal(json_integer_value(json_object_get(st, "allowed")), 7);
	assert_int_equal(json_integer_value(json_object_get(st, "rejected")), 3);
	assert_int_equal(json_integer_value(json_object_get(st, "blocked")), 3);
	top = json_array_get(json_object_get(st, "executables"), 0);
	assert_string_equal(json_string_value(json_object_get(top, "exe")), "/bin/a");
	assert_int_equal(json_integer_value(json_object_get(top, "count")), 7);
	top = json_array_get(json_object_get(st, "hosts"), 1);
	assert_string_equal(json_string_value(json_object_get(top, "host")), "10.0.0.2");
	assert_int_equal(json_integer_value(json_object_get(top, "blocked")), 3);
	top = json_array_get(json_object_get(st, "ports"), 1);
	assert_int_equal(json_integer_value(json_object_get(top, "port")), 22);
	json_decref(st);
	assert_int_equal(history_stats(h, 1005, 0, 10, &st, msg, sizeof(msg)), 0);
	assert_int_equal(json_integer_value(json_object_get(st, "total")), 5);
	json_decref(st);
	history_free(h);
}

static int64_t stats_total(struct history *h, int64_t since, int64_t until)
{
	json_t *st = NULL;
	char msg[256];
	int64_t n;

	assert_int_equal(history_stats(h, since, until, 100, &st, msg, sizeof(msg)), 0);
	n = json_integer_value(json_object_get(st, "total"));
	json_decref(st);
	return n;
}

/* Stats read whole hours from the rollup and the partial hours at the ends
 * from the rows: every period gives what counting the rows gives. */
static void test_stats_periods(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);
	const int64_t base = 1763888400; /* an hour boundary */
	static const int64_t periods[][2] = {
		{0, 0},       {1, 0},          {1800, 0},    {3600, 0},      {3599, 3601},
		{100, 200},   {1800, 5 * 3600}, {0, 7200},   {3600, 7200},   {5000, 5001},
		{-10, 20000}, {7199, 7201},     {3600, 3600}, {9 * 3600, 0}, {20000, 0},
	};

	/* 5 hours, one event every 37 s, three executables. */
	for (int64_t t = 0; t < 5 * 3600; t += 37) {
		struct history_event e = ev(base + t, t % 3 ? "allow" : "deny",
					    t % 2 ? "/bin/a" : "/bin/b", NULL, 80, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	assert_true(history_flush(h, (char[256]){0}, 256) > 0);
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		int64_t since = periods[i][0] ? base + periods[i][0] : 0;
		int64_t until = periods[i][1] ? base + periods[i][1] : 0;
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM events WHERE time_ms >= %lld AND time_ms < %lld",
			 (long long)since * 1000, until ? (long long)until * 1000 : (long long)INT64_MAX);
		assert_int_equal(stats_total(h, since, until), sql_int(fx->path, sql));
	}
	history_free(h);
}

/* A full disk (an 8 MB tmpfs in a mount namespace of a child's own): the
 * write fails with -ENOSPC, the events stay in memory, and once space is
 * freed they are written. Needs root (CAP_SYS_ADMIN) for the mount. */
static void test_disk_full(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		skip();
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char filler[200], msg[512], buf[65536];
		struct history *h = NULL;
		FILE *f;
		int r;

		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (mount("tmpfs", fx->dir, "tmpfs", 0, "size=8m") < 0)
			_exit(77);
		if (history_new(fx->path, NULL, &h) < 0 || history_open(h, msg, sizeof(msg)) < 0)
			_exit(10);
		for (int i = 0; i < 100; i++) {
			struct history_event e = ev(1000 + i, "allow", "/bin/a", NULL, 80, NULL);
			history_append(h, &e);
		}
		if (history_flush(h, msg, sizeof(msg)) != 100)
			_exit(11);
		/* Fill what is left. */
		snprintf(filler, sizeof(filler), "%s/filler", fx->dir);
		f = fopen(filler, "w");
		if (!f)
			_exit(12);
		memset(buf, 'x', sizeof(buf));
		while (fwrite(buf, 1, sizeof(buf), f) == sizeof(buf))
			;
		fclose(f);
		/* More rows than the WAL has room for. */
		for (int i = 0; i < 3000; i++) {
			char exe[64];
			struct history_event e = ev(2000 + i, "allow", exe, NULL, 80, NULL);

			snprintf(exe, sizeof(exe), "/usr/bin/program-number-%d", i);
			history_append(h, &e);
		}
		r = history_flush(h, msg, sizeof(msg));
		if (r != -ENOSPC || !strstr(msg, "full"))
			_exit(13);
		if (history_pending(h) != 3000)
			_exit(14);
		/* The next try fails the same way and keeps them. */
		if (history_flush(h, msg, sizeof(msg)) != -ENOSPC || history_pending(h) != 3000)
			_exit(15);
		unlink(filler);
		r = history_flush(h, msg, sizeof(msg));
		if (r != 3000) {
			fprintf(stderr, "disk full: after freeing space: %d %s\n", r, msg);
			_exit(16);
		}
		if (history_count(h) != 3100 ||
		    history_write(h, NULL, 0, msg, sizeof(msg)) != 0 || history_pending(h) != 0)
			_exit(17);
		history_free(h);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		skip(); /* no mount namespace here */
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_retention_days(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 2, 0);
	time_t now = 100 * 86400;
	bool more = true;
	char msg[256];

	for (int d = 0; d < 10; d++)
		for (int i = 0; i < 1000; i++) {
			struct history_event e = ev(now - d * 86400 + 60 - i, "allow", "/bin/a", NULL,
						    80, NULL);
			assert_int_equal(history_append(h, &e), 0);
		}
	flush_ok(h, 10000);
	/* Days 0 and 1 are kept, day 2 is 2 days minus up to 1000 s old: kept
	 * while time_ms >= now - 2 days. */
	int deleted = 0, r;

	/* Retention works in slices of about 50 ms: call until done. */
	do {
		r = history_retain(h, now, &more, msg, sizeof(msg));
		assert_true(r >= 0);
		deleted += r;
	} while (more);
	assert_true(deleted >= 7000);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"),
			 sql_int(fx->path, "SELECT count(*) FROM events WHERE time_ms >= 8467200000"));
	assert_true(history_count(h) >= 2000 && history_count(h) <= 3000);
	/* The rollup lost what the table lost. */
	assert_int_equal(sql_int(fx->path, "SELECT sum(n) FROM rollup WHERE kind = 0 AND span = 1"),
			 history_count(h));
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM rollup WHERE n <= 0"), 0);
	history_free(h);
}

static void test_retention_rows(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 1500);
	bool more = true;
	char msg[256];
	int deleted = 0, r;

	for (int i = 0; i < 12000; i++) {
		struct history_event e = ev(1000 + i, "allow", "/bin/a", NULL, 80, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 12000);
	do {
		r = history_retain(h, 5000, &more, msg, sizeof(msg));
		assert_true(r >= 0);
		deleted += r;
	} while (more);
	assert_int_equal(deleted, 10500);
	assert_int_equal(history_count(h), 1500);
	/* The newest were kept. */
	assert_int_equal(sql_int(fx->path, "SELECT min(id) FROM events"), 10501);
	assert_int_equal(sql_int(fx->path, "SELECT sum(n) FROM rollup WHERE kind = 1 AND span = 0"), 1500);
	history_free(h);
}

/* Strings no remaining row uses go with retention; those in use stay. */
static void test_retention_strings(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 100);
	bool more = true;
	char msg[256];

	for (int i = 0; i < 1000; i++) {
		char exe[32];
		struct history_event e = ev(1000 + i, "allow", exe, NULL, 80, NULL);

		/* 1000 programs run once each, /bin/keep throughout. */
		snprintf(exe, sizeof(exe), i % 2 ? "/bin/once%d" : "/bin/keep", i);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 1000);
	do
		assert_true(history_retain(h, 5000, &more, msg, sizeof(msg)) >= 0);
	while (more);
	assert_int_equal(history_count(h), 100);
	/* 50 /bin/once*, /bin/keep, "prog --arg" */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM strs"), 50 + 1 + 1);
	assert_int_equal(query_n(h, &(struct history_filter){.exe = "/bin/keep", .limit = 1000}), 50);
	/* The cache forgot the purged ids: a purged name comes back as new. */
	{
		struct history_event e = ev(3000, "allow", "/bin/once1", NULL, 80, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 1);
	assert_int_equal(query_n(h, &(struct history_filter){.exe = "/bin/once1"}), 1);
	history_free(h);
}

/* A directory that is not there and cannot be made (a file is in the way):
 * appends are kept, flush fails, and later succeeds. */
static void test_unwritable_then_ok(void **state)
{
	struct fx *fx = *state;
	char blocker[160], path[200], msg[512];
	struct history *h = NULL;
	FILE *f;

	snprintf(blocker, sizeof(blocker), "%s/sub", fx->dir);
	snprintf(path, sizeof(path), "%s/picket.db", blocker);
	f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(history_new(path, NULL, &h), 0);
	assert_true(history_open(h, msg, sizeof(msg)) < 0);
	for (int i = 0; i < 10; i++) {
		struct history_event e = ev(1000 + i, "allow", "/bin/a", NULL, 80, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	assert_true(history_flush(h, msg, sizeof(msg)) < 0);
	assert_true(msg[0] != '\0');
	assert_int_equal(history_pending(h), 10);
	unlink(blocker);
	flush_ok(h, 10);
	assert_int_equal(history_count(h), 10);
	history_free(h);
}

/* A read-only file (as a user without write permission: root ignores file
 * modes, so the check runs in a child that became nobody). The buffer
 * keeps the newest HISTORY_PENDING_MAX events. */
static void test_read_only(void **state)
{
	struct fx *fx = *state;
	struct history *h = open_new(fx->path, 0, 0);
	pid_t pid;
	int status;

	flush_ok(h, 0);
	history_free(h);
	assert_int_equal(chmod(fx->path, 0444), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char msg[512];
		int r;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(10);
		if (history_new(fx->path, NULL, &h) < 0)
			_exit(11);
		for (int i = 0; i < HISTORY_PENDING_MAX + 10; i++) {
			struct history_event e = ev(i, "allow", "/bin/a", NULL, 80, NULL);
			if (history_append(h, &e) < 0)
				_exit(12);
		}
		if (history_pending(h) != HISTORY_PENDING_MAX || history_dropped(h) != 10)
			_exit(13);
		r = history_flush(h, msg, sizeof(msg));
		if (r >= 0 || msg[0] == '\0')
			_exit(14);
		if (history_pending(h) != HISTORY_PENDING_MAX)
			_exit(15);
		history_free(h);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_corrupt_moved_aside(void **state)
{
	struct fx *fx = *state;
	struct history *h = NULL;
	char msg[1024];
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	for (int i = 0; i < 512; i++)
		fputs("this is not an sqlite database. ", f);
	fclose(f);
	assert_int_equal(history_new(fx->path, NULL, &h), 0);
	assert_int_equal(history_open(h, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "corrupt"));
	assert_non_null(strstr(msg, ".corrupt-"));
	{
		struct history_event e = ev(1000, "allow", "/bin/a", NULL, 80, NULL);
		assert_int_equal(history_append(h, &e), 0);
	}
	flush_ok(h, 1);
	assert_int_equal(history_count(h), 1);
	history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_then_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_moved_aside, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
