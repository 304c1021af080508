/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history's storage side: opening (creating, migrating, moving a
 * corrupt file aside), the pending buffer, batched writes. Retention and
 * the rollup are in retain.c, string ids in intern.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/strutil.h"
#include "history/history-int.h"

#define HISTORY_CACHE_KB "32768" /* SQLite page cache */
#define BUSY_TIMEOUT_MS 50     /* another process holds the lock: retry later */

struct pending {
	struct history_event ev; /* strings point into data */
	char data[];
};

/* Schema migrations: migrations[i] takes user_version i to i + 1. Each
 * runs in one transaction with the version bump, so a crash mid-way
 * leaves the previous version intact. Append only; never edit a step. */
static const char *const migrations[HISTORY_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL,"
	" action TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" rule TEXT,"
	" protocol TEXT NOT NULL,"
	" src_ip TEXT, src_port INTEGER,"
	" dst_ip TEXT, dst_port INTEGER,"
	" dst_host TEXT,"
	" pid INTEGER, uid INTEGER,"
	" exe TEXT NOT NULL,"
	" cmdline TEXT,"
	" iface_out TEXT);"
	"CREATE INDEX events_time ON events(time_ms);"
	"CREATE INDEX events_exe ON events(exe);"
	"CREATE INDEX events_host ON events(dst_host);"
	"CREATE INDEX events_dst_ip ON events(dst_ip);"
	"CREATE INDEX events_port ON events(dst_port);"
	"CREATE INDEX events_action ON events(action);",
	/* 1 -> 2: the package owning the executable; filter by rule */
	"ALTER TABLE events ADD COLUMN package TEXT;"
	"CREATE INDEX events_rule ON events(rule);",
	/* 2 -> 3: cheap rows. Repeated strings once in strs, referenced by
	 * id; integer indexes; a partial index for the rare blocked actions;
	 * the hourly rollup for stats (filled from the rows by migrate()). */
	"CREATE TABLE strs (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE,"
	" last_ms INTEGER NOT NULL);"
	"INSERT INTO strs (s, last_ms) SELECT s, max(t) FROM ("
	" SELECT exe AS s, time_ms AS t FROM events"
	" UNION ALL SELECT cmdline, time_ms FROM events WHERE cmdline IS NOT NULL"
	" UNION ALL SELECT rule, time_ms FROM events WHERE rule IS NOT NULL"
	" UNION ALL SELECT dst_host, time_ms FROM events WHERE dst_host IS NOT NULL"
	" UNION ALL SELECT package, time_ms FROM events WHERE package IS NOT NULL)"
	" GROUP BY s;"
	"CREATE TABLE events3 ("
	" id INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL,"
	" action TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" rule_id INTEGER,"
	" protocol TEXT NOT NULL,"
	" src_ip TEXT, src_port INTEGER,"
	" dst_ip TEXT, dst_port INTEGER,"
	" host_id INTEGER,"
	" pid INTEGER, uid INTEGER,"
	" exe_id INTEGER NOT NULL,"
	" cmdline_id INTEGER,"
	" iface_out TEXT,"
	" package_id INTEGER);"
	"INSERT INTO events3 SELECT e.id, e.time_ms, e.action, e.reason,"
	" (SELECT id FROM strs WHERE s = e.rule), e.protocol, e.src_ip, e.src_port,"
	" e.dst_ip, e.dst_port, (SELECT id FROM strs WHERE s = e.dst_host), e.pid, e.uid,"
	" (SELECT id FROM strs WHERE s = e.exe), (SELECT id FROM strs WHERE s = e.cmdline),"
	" e.iface_out, (SELECT id FROM strs WHERE s = e.package) FROM events e;"
	"DROP TABLE events;"
	"ALTER TABLE events3 RENAME TO events;"
	"CREATE INDEX events_time ON events(time_ms);"
	"CREATE INDEX events_exe ON events(exe_id);"
	"CREATE INDEX events_host ON events(host_id);"
	"CREATE INDEX events_dst_ip ON events(dst_ip);"
	"CREATE INDEX events_port ON events(dst_port);"
	"CREATE INDEX events_rule ON events(rule_id);"
	"CREATE INDEX events_blocked ON events(action) WHERE action != 'allow';"
	/* key: a string id (integer) or text, so no type (no affinity). */
	"CREATE TABLE rollup (kind INTEGER NOT NULL, span INTEGER NOT NULL,"
	" bucket INTEGER NOT NULL, key NOT NULL, port INTEGER NOT NULL,"
	" n INTEGER NOT NULL, blocked INTEGER NOT NULL,"
	" PRIMARY KEY (kind, span, bucket, key, port)) WITHOUT ROWID;",
};

static const char insert_sql[] =
	"INSERT INTO events (time_ms, action, reason, rule_id, protocol, src_ip, src_port, dst_ip,"
	" dst_port, host_id, pid, uid, exe_id, cmdline_id, iface_out, package_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char str_find_sql[] = "SELECT id, last_ms FROM strs WHERE s = ?1";
static const char str_add_sql[] = "INSERT INTO strs (s, last_ms) VALUES (?1, ?2)";
static const char str_touch_sql[] = "UPDATE strs SET last_ms = ?1 WHERE id = ?2 AND last_ms < ?1";

int64_t history_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int history_sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_INTERRUPT:
		return -ETIMEDOUT;
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int history_sql_fail(struct history *h, int rc, const char *what, char *msg, size_t msgsz)
{
	const char *text = h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc);
	int sys = h->db ? sqlite3_system_errno(h->db) : 0;

	if (sys && (rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB)
		snprintf(msg, msgsz, "%s: %s (%s)", what, text, strerror(sys));
	else
		snprintf(msg, msgsz, "%s: %s", what, text);
	/* The OS's reason is more precise than SQLite's class of error
	 * (a read-only file system, a directory without permission). */
	if ((rc & 0xff) == SQLITE_CANTOPEN && sys)
		return -sys;
	return history_sql_errno(rc);
}

int history_new(const char *path, const struct history_limits *lim, struct history **ret)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->path = strdup(path);
	h->ring = calloc(HISTORY_PENDING_MAX, sizeof(*h->ring));
	if (!h->path || !h->ring) {
		history_free(h);
		return -ENOMEM;
	}
	if (lim)
		h->lim = *lim;
	*ret = h;
	return 0;
}

static void close_db(struct history *h)
{
	sqlite3_finalize(h->insert);
	sqlite3_finalize(h->str_find);
	sqlite3_finalize(h->str_add);
	sqlite3_finalize(h->str_touch);
	h->insert = h->str_find = h->str_add = h->str_touch = NULL;
	rollup_finalize(h);
	intern_forget(h);
	sqlite3_close_v2(h->db);
	h->db = NULL;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	close_db(h);
	intern_free(h);
	if (h->ring) {
		for (size_t i = 0; i < h->count; i++)
			free(h->ring[(h->head + HISTORY_PENDING_MAX - h->count + i) %
				     HISTORY_PENDING_MAX]);
		free(h->ring);
	}
	free(h->path);
	free(h);
}

/* Queries run on the daemon's loop thread: stop one that takes too long. */
static int progress(void *ud)
{
	struct history *h = ud;

	return h->deadline_ms && history_now_ms() > h->deadline_ms;
}

static int user_version(sqlite3 *db, int *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ret = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int migrate(struct history *h, char *msg, size_t msgsz)
{
	char sql[64];
	int v = 0, rc;

	rc = user_version(h->db, &v);
	if (rc != SQLITE_OK)
		return history_sql_fail(h, rc, "reading the schema version", msg, msgsz);
	if (v > HISTORY_SCHEMA_VERSION) {
		snprintf(msg, msgsz, "schema version %d is newer than this picketd's (%d)", v,
			 HISTORY_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	for (; v < HISTORY_SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; COMMIT", v + 1);
		rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(h->db, migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK && v == 2)
			rc = rollup_sub(h, 1, 0, INT64_MAX, INT64_MAX);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			char what[64];
			int r;

			snprintf(what, sizeof(what), "migrating the schema from version %d", v);
			r = history_sql_fail(h, rc, what, msg, msgsz);
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
			rollup_finalize(h);
			return r;
		}
	}
	return 0;
}

/* mkdir -p of PATH's directory (0750: the history names what users run). */
static void make_parent(const char *path)
{
	char dir[4096];
	size_t n = strlen(path);

	if (n >= sizeof(dir))
		return;
	memcpy(dir, path, n + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return;
		*p = '/';
	}
}

static int open_once(struct history *h, char *msg, size_t msgsz)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	make_parent(h->path);
	rc = sqlite3_open_v2(h->path, &h->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = history_sql_fail(h, rc, "open", msg, msgsz);
		close_db(h);
		return r;
	}
	sqlite3_extended_result_codes(h->db, 1);
	sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
	sqlite3_progress_handler(h->db, 1000, progress, h);
	/* WAL: readers do not block the writer and a crash loses at most the
	 * transaction being written. synchronous=NORMAL: commits do not
	 * fsync (checkpoints do), so a power cut may lose the last batches
	 * but never corrupts the file. */
	rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
			rc = SQLITE_READONLY; /* cannot switch: cannot write either */
		else if (rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	/* The indexes' hot pages stay in memory across batches (default 2 MB
	 * would re-read them for every batch); group-bys sort in memory. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "PRAGMA cache_size = -" HISTORY_CACHE_KB "; PRAGMA temp_store = MEMORY",
				  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = history_sql_fail(h, rc, "journal mode", msg, msgsz);
		close_db(h);
		return r;
	}
	r = migrate(h, msg, msgsz);
	if (r == 0) {
		/* Prepared once per connection: parsing costs more than a row. */
		rc = sqlite3_prepare_v3(h->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT,
					&h->insert, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v3(h->db, str_find_sql, -1, SQLITE_PREPARE_PERSISTENT,
						&h->str_find, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v3(h->db, str_add_sql, -1, SQLITE_PREPARE_PERSISTENT,
						&h->str_add, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v3(h->db, str_touch_sql, -1, SQLITE_PREPARE_PERSISTENT,
						&h->str_touch, NULL);
		if (rc != SQLITE_OK)
			r = history_sql_fail(h, rc, "prepare", msg, msgsz);
	}
	if (r < 0)
		close_db(h);
	return r;
}

/* PATH -> PATH.corrupt-<now>, with its -wal and -shm, so nothing is lost
 * that someone might want to look at. */
static int move_aside(struct history *h, char *aside, size_t asidesz)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char from[4200], to[4200];

	snprintf(aside, asidesz, "%s.corrupt-%lld", h->path, (long long)time(NULL));
	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", h->path, suffix[i]);
		snprintf(to, sizeof(to), "%s%s", aside, suffix[i]);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int history_open(struct history *h, char *msg, size_t msgsz)
{
	char aside[4200], why[512];
	int r;

	msg[0] = '\0';
	if (h->db)
		return 0;
	r = open_once(h, msg, msgsz);
	if (r < 0 && r != -EBADMSG && access(h->path, W_OK) < 0 && errno != ENOENT) {
		/* SQLite names the file it failed on last (often -shm); the
		 * reason a person can act on is the database's own. */
		r = -errno;
		snprintf(msg, msgsz, "%s", strerror(-r));
	}
	if (r != -EBADMSG)
		return r;
	snprintf(why, sizeof(why), "%s", msg);
	r = move_aside(h, aside, sizeof(aside));
	if (r < 0) {
		snprintf(msg, msgsz, "%s is corrupt (%s) and cannot be moved aside: %s", h->path, why,
			 strerror(-r));
		return -EBADMSG;
	}
	r = open_once(h, msg, msgsz);
	if (r == 0)
		snprintf(msg, msgsz, "%s was corrupt (%s): moved it to %s and started a new database",
			 h->path, why, aside);
	return r;
}

int history_append(struct history *h, const struct history_event *e)
{
	const char *const strs[] = {e->action,   e->reason, e->rule, e->protocol,
				    e->src_ip,   e->dst_ip, e->dst_host, e->exe,
				    e->cmdline,  e->iface_out, e->package};
	size_t len = 0;
	struct pending *p;
	char *d;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		len += strpack_size(strs[i], HISTORY_STR_MAX);
	p = malloc(sizeof(*p) + len);
	if (!p)
		return -ENOMEM;
	p->ev = *e;
	d = p->data;
	p->ev.action = strpack_put(&d, e->action, HISTORY_STR_MAX);
	p->ev.reason = strpack_put(&d, e->reason, HISTORY_STR_MAX);
	p->ev.rule = strpack_put(&d, e->rule, HISTORY_STR_MAX);
	p->ev.protocol = strpack_put(&d, e->protocol, HISTORY_STR_MAX);
	p->ev.src_ip = strpack_put(&d, e->src_ip, HISTORY_STR_MAX);
	p->ev.dst_ip = strpack_put(&d, e->dst_ip, HISTORY_STR_MAX);
	p->ev.dst_host = strpack_put(&d, e->dst_host, HISTORY_STR_MAX);
	p->ev.exe = strpack_put(&d, e->exe, HISTORY_STR_MAX);
	p->ev.cmdline = strpack_put(&d, e->cmdline, HISTORY_STR_MAX);
	p->ev.iface_out = strpack_put(&d, e->iface_out, HISTORY_STR_MAX);
	p->ev.package = strpack_put(&d, e->package, HISTORY_STR_MAX);

	if (h->count == HISTORY_PENDING_MAX) {
		/* Full (the file cannot be written): keep the newest. head is
		 * also the oldest slot when the ring is full. */
		free(h->ring[h->head]);
		h->count--;
		h->dropped++;
	}
	h->ring[h->head] = p;
	h->head = (h->head + 1) % HISTORY_PENDING_MAX;
	h->count++;
	return 0;
}

size_t history_pending(const struct history *h)
{
	return h->count;
}

uint64_t history_dropped(const struct history *h)
{
	return h->dropped;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, (int)strnlen(s, HISTORY_STR_MAX), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int i, int64_t v, bool known)
{
	if (known)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Binds the id of string S (NULL for NULL; *RET_ID 0). */
static int bind_str(struct history *h, int i, const char *s, int64_t t_ms, int64_t *ret_id)
{
	int64_t id = 0;
	int rc = SQLITE_OK;

	if (s)
		rc = intern_id(h, s, t_ms, &id);
	if (rc != SQLITE_OK)
		return rc;
	if (s)
		sqlite3_bind_int64(h->insert, i, id);
	else
		sqlite3_bind_null(h->insert, i);
	if (ret_id)
		*ret_id = id;
	return SQLITE_OK;
}

static int insert_one(struct history *h, const struct history_event *e)
{
	sqlite3_stmt *st = h->insert;
	const char *action = e->action ? e->action : "allow";
	const char *protocol = e->protocol ? e->protocol : "";
	int64_t exe_id = 0, host_id = 0;
	int rc;

	sqlite3_bind_int64(st, 1, e->time_ms);
	bind_text(st, 2, action);
	bind_text(st, 3, e->reason ? e->reason : "default");
	bind_text(st, 5, protocol);
	bind_text(st, 6, e->src_ip);
	bind_int(st, 7, e->src_port, e->src_port >= 0);
	bind_text(st, 8, e->dst_ip);
	bind_int(st, 9, e->dst_port, e->dst_port >= 0);
	bind_int(st, 11, e->pid, e->pid > 0);
	bind_int(st, 12, e->uid, e->uid >= 0);
	bind_text(st, 15, e->iface_out);
	rc = bind_str(h, 4, e->rule, e->time_ms, NULL);
	if (rc == SQLITE_OK)
		rc = bind_str(h, 10, e->dst_host, e->time_ms, &host_id);
	if (rc == SQLITE_OK)
		rc = bind_str(h, 13, e->exe ? e->exe : "unknown", e->time_ms, &exe_id);
	if (rc == SQLITE_OK)
		rc = bind_str(h, 14, e->cmdline, e->time_ms, NULL);
	if (rc == SQLITE_OK)
		rc = bind_str(h, 16, e->package, e->time_ms, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		rc = rollup_count(h, e, action, protocol, exe_id, host_id);
	return rc;
}

static const struct history_event *pending_at(const struct history *h, size_t i)
{
	size_t tail = (h->head + HISTORY_PENDING_MAX - h->count) % HISTORY_PENDING_MAX;

	return &h->ring[(tail + i) % HISTORY_PENDING_MAX]->ev;
}

/* One transaction: the buffered events, then EV[0..N-1], their rollup
 * counts and their strings' last use. */
static int write_txn(struct history *h, const struct history_event *ev, size_t n, char *msg,
		     size_t msgsz)
{
	int rc, r;

	rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < h->count + n; i++)
		rc = insert_one(h, i < h->count ? pending_at(h, i) : &ev[i - h->count]);
	if (rc == SQLITE_OK)
		rc = rollup_store(h);
	if (rc == SQLITE_OK)
		rc = intern_store(h);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = history_sql_fail(h, rc, "write", msg, msgsz);
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		/* Ids added in the rolled-back transaction are gone, and so
		 * are its counts. */
		intern_forget(h);
		rollup_forget(h);
		return r;
	}
	r = (int)(h->count + n);
	for (size_t i = 0; i < h->count; i++) {
		size_t slot = (h->head + HISTORY_PENDING_MAX - h->count + i) % HISTORY_PENDING_MAX;
		free(h->ring[slot]);
		h->ring[slot] = NULL;
	}
	h->count = 0;
	return r;
}

int history_write(struct history *h, const struct history_event *ev, size_t n, char *msg,
		  size_t msgsz)
{
	char notice[8800] = "", aside[4200];
	int r;

	msg[0] = '\0';
	if (h->count + n == 0 && h->db)
		return 0;
	r = history_open(h, notice, sizeof(notice));
	if (r < 0) {
		snprintf(msg, msgsz, "%s", notice);
		goto keep;
	}
	r = write_txn(h, ev, n, msg, msgsz);
	if (r == -EBADMSG) {
		/* Found corrupt while writing: start a new file now, the
		 * events are still here. */
		close_db(h);
		if (move_aside(h, aside, sizeof(aside)) == 0) {
			snprintf(notice, sizeof(notice),
				 "%s was corrupt (%s): moved it to %s and started a new database",
				 h->path, msg, aside);
			r = history_open(h, msg, msgsz);
			if (r == 0)
				r = write_txn(h, ev, n, msg, msgsz);
		}
	} else if (r < 0 && r != -EBUSY) {
		/* A connection that failed to write (read-only, disk full) may
		 * stay in that state: reopen on the next try. */
		close_db(h);
	}
	if (r >= 0) {
		snprintf(msg, msgsz, "%s", notice);
		return r;
	}
keep:
	for (size_t i = 0; i < n; i++)
		if (history_append(h, &ev[i]) < 0)
			h->dropped++;
	return r;
}

int history_flush(struct history *h, char *msg, size_t msgsz)
{
	return history_write(h, NULL, 0, msg, msgsz);
}

int64_t history_count(struct history *h)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;

	if (!h->db)
		return 0;
	if (sqlite3_prepare_v2(h->db, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
