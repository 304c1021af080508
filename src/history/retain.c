/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Retention: the oldest rows go in chunks, each with its counts taken off
 * the rollup (rollup.c) in the same transaction; then the strings no row
 * can use any more and the rollup entries down to zero.
 */
#include <errno.h>
#include <stdio.h>

#include "history/history-int.h"

#define RETAIN_CHUNK 1000      /* rows per DELETE: short transactions */
#define RETAIN_BUDGET_MS 50    /* per history_retain() call */

static int one_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, bool *ret_null,
		   int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, a);
		sqlite3_bind_int64(st, 2, b);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*ret_null = sqlite3_column_type(st, 0) == SQLITE_NULL;
			*ret = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int exec_int(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, a);
		sqlite3_bind_int64(st, 2, b);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Deletes the rows with id <= HI and time < BEFORE_MS, and their counts
 * from the rollup, in one transaction. The rows are found by id (the time
 * condition with a '+' so SQLite does not walk the time index instead: a
 * scan of every row per chunk). */
static int delete_chunk(struct history *h, int64_t hi, int64_t before_ms, int *deleted,
			int64_t *max_ms)
{
	bool none = true;
	int64_t t = 0;
	int rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	/* How far the rollup entries that may drop to zero go. */
	if (rc == SQLITE_OK)
		rc = one_int(h->db,
			     "SELECT max(time_ms + 0) FROM events WHERE id <= ?1 AND +time_ms < ?2",
			     hi, before_ms, &none, &t);
	if (rc == SQLITE_OK && !none && t > *max_ms)
		*max_ms = t;
	if (rc == SQLITE_OK)
		rc = rollup_sub(h, -1, 0, hi, before_ms);
	if (rc == SQLITE_OK)
		rc = exec_int(h->db, "DELETE FROM events WHERE id <= ?1 AND +time_ms < ?2", hi,
			      before_ms);
	if (rc == SQLITE_OK)
		*deleted += sqlite3_changes(h->db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Chunks of the rows CHUNK_SQL(?1, ?2 = RETAIN_CHUNK) selects (its max id
 * is the chunk's end) until none is left or the budget is spent. */
static int delete_chunks(struct history *h, const char *chunk_sql, int64_t value,
			 int64_t before_ms, int64_t deadline, int *deleted, int64_t *max_ms, bool *more)
{
	for (;;) {
		int64_t hi = 0;
		bool none = true;
		int rc = one_int(h->db, chunk_sql, value, RETAIN_CHUNK, &none, &hi);

		if (rc != SQLITE_OK)
			return rc;
		if (none)
			return SQLITE_OK;
		rc = delete_chunk(h, hi, before_ms, deleted, max_ms);
		if (rc != SQLITE_OK)
			return rc;
		if (history_now_ms() > deadline) {
			*more = true;
			return SQLITE_OK;
		}
	}
}

/* After rows went: the strings no remaining row can use (last_ms before
 * the oldest row), and rollup entries down to zero (only buckets up to
 * MAX_MS, the newest row deleted, can be). */
static int purge(struct history *h, int64_t max_ms)
{
	int rc = sqlite3_exec(h->db,
			      "BEGIN IMMEDIATE;"
			      "DELETE FROM strs WHERE last_ms < coalesce((SELECT min(time_ms) FROM events),"
			      " 9223372036854775807);",
			      NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = exec_int(h->db,
			      "DELETE FROM rollup WHERE kind IN (0, 1, 2, 3) AND span = 0"
			      " AND bucket <= ?1 AND n <= 0",
			      max_ms / ROLLUP_HOUR_MS, 0);
	if (rc == SQLITE_OK)
		rc = exec_int(h->db,
			      "DELETE FROM rollup WHERE kind IN (0, 1, 2, 3) AND span = 1"
			      " AND bucket <= ?1 AND n <= 0",
			      max_ms / ROLLUP_DAY_MS, 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	/* Cached ids of deleted strings must not be used again. */
	intern_forget(h);
	return rc;
}

int history_retain(struct history *h, time_t now, bool *ret_more, char *msg, size_t msgsz)
{
	int64_t deadline = history_now_ms() + RETAIN_BUDGET_MS;
	bool more = false, none = true;
	int deleted = 0, rc = SQLITE_OK, r;
	int64_t max_id = 0, max_ms = INT64_MIN;

	msg[0] = '\0';
	if (!h->db) {
		r = history_open(h, msg, msgsz);
		if (r < 0)
			return r;
	}
	if (h->lim.days)
		/* The oldest rows by time (the time index, no sort). */
		rc = delete_chunks(h,
				   "SELECT max(id) FROM (SELECT id FROM events WHERE time_ms < ?1"
				   " ORDER BY time_ms LIMIT ?2)",
				   ((int64_t)now - (int64_t)h->lim.days * 86400) * 1000,
				   ((int64_t)now - (int64_t)h->lim.days * 86400) * 1000, deadline,
				   &deleted, &max_ms, &more);
	if (rc == SQLITE_OK && h->lim.max_rows && !more)
		rc = one_int(h->db, "SELECT max(id) FROM events", 0, 0, &none, &max_id);
	/* Ids grow by one per row and only the oldest are deleted, so the
	 * newest max_rows rows are those above max_id - max_rows (with gaps,
	 * fewer: the bound still holds). */
	if (rc == SQLITE_OK && h->lim.max_rows && !more && !none &&
	    max_id > (int64_t)h->lim.max_rows)
		rc = delete_chunks(h,
				   "SELECT max(id) FROM (SELECT id FROM events WHERE id <= ?1"
				   " ORDER BY id LIMIT ?2)",
				   max_id - (int64_t)h->lim.max_rows, INT64_MAX, deadline, &deleted,
				   &max_ms, &more);
	if (rc == SQLITE_OK && deleted > 0)
		rc = purge(h, max_ms);
	if (rc != SQLITE_OK)
		return history_sql_fail(h, rc, "retention", msg, msgsz);
	*ret_more = more;
	return deleted;
}
