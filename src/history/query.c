/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history's reading side: filtered queries and summaries. Every
 * filter is a bound parameter (never text in the SQL) and has an index;
 * summaries read the hourly rollup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strutil.h"
#include "history/history-int.h"

#define QUERY_DEFAULT 50

/* Parameter numbers, fixed so binding does not depend on which filters
 * are present (binding an unused number is harmless). */
enum { P_SINCE = 1, P_UNTIL, P_EXE, P_HOST, P_PORT, P_ACTION, P_RULE, P_AFTER, P_LIMIT };
_Static_assert(P_EXE == 3 && P_HOST == 4 && P_RULE == 7, "STR_ID() numbers below");

/* The row with its strings (intern.c): every id is a primary key lookup. */
static const char columns[] =
	"e.id, e.time_ms, e.action, e.reason, r.s, e.protocol, e.src_ip, e.src_port, e.dst_ip,"
	" e.dst_port, h.s, e.pid, e.uid, x.s, c.s, e.iface_out, p.s FROM events e"
	" LEFT JOIN strs r ON r.id = e.rule_id LEFT JOIN strs h ON h.id = e.host_id"
	" LEFT JOIN strs x ON x.id = e.exe_id LEFT JOIN strs c ON c.id = e.cmdline_id"
	" LEFT JOIN strs p ON p.id = e.package_id";
/* A filter on a string column compares ids: the string's id is looked up
 * once (NULL when no row has it, which matches nothing). */
#define STR_ID(param) "(SELECT id FROM strs WHERE s = ?" #param ")" 

static json_t *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? json_string((const char *)s) : json_null();
}

static json_t *col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
							  : json_integer(sqlite3_column_int64(st, i));
}

/* The event object of docs/protocol.md, from a row of `columns`. */
static json_t *row_to_json(sqlite3_stmt *st)
{
	char ts[64];
	int64_t ms = sqlite3_column_int64(st, 1);
	json_t *o = json_object();
	const unsigned char *args = sqlite3_column_text(st, 14);

	time_iso_ms(ms, ts, sizeof(ts));
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "time_ms", json_integer(ms));
	json_object_set_new(o, "action", col_text(st, 2));
	json_object_set_new(o, "reason", col_text(st, 3));
	json_object_set_new(o, "rule", col_text(st, 4));
	json_object_set_new(o, "protocol", col_text(st, 5));
	json_object_set_new(o, "src_ip", col_text(st, 6));
	json_object_set_new(o, "src_port", col_int(st, 7));
	json_object_set_new(o, "dst_ip", col_text(st, 8));
	json_object_set_new(o, "dst_port", col_int(st, 9));
	json_object_set_new(o, "dst_host", col_text(st, 10));
	json_object_set_new(o, "pid", col_int(st, 11));
	json_object_set_new(o, "uid", col_int(st, 12));
	json_object_set_new(o, "process_path", col_text(st, 13));
	json_object_set_new(o, "process_args",
			    args ? json_string((const char *)args) : json_null());
	json_object_set_new(o, "iface_out", col_text(st, 15));
	json_object_set_new(o, "package", col_text(st, 16));
	return o;
}

static void add_time_range(char *sql, size_t sz, int64_t since, int64_t until)
{
	size_t n = strlen(sql);

	if (since)
		n += (size_t)snprintf(sql + n, sz - n, " AND e.time_ms >= ?%d", P_SINCE);
	if (until)
		snprintf(sql + n, sz - n, " AND e.time_ms < ?%d", P_UNTIL);
}

static void bind_time_range(sqlite3_stmt *st, int64_t since, int64_t until)
{
	if (since)
		sqlite3_bind_int64(st, P_SINCE, since * 1000);
	if (until)
		sqlite3_bind_int64(st, P_UNTIL, until * 1000);
}

/* An address the user typed in any of its spellings -> the text stored. */
static bool canonical_ip(const char *s, char *out, size_t outsz)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return inet_ntop(AF_INET, buf, out, (socklen_t)outsz) != NULL;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return inet_ntop(AF_INET6, buf, out, (socklen_t)outsz) != NULL;
	return false;
}

static int ensure_open(struct history *h, char *msg, size_t msgsz)
{
	char why[512];
	int r;

	if (h->db)
		return 0;
	r = history_open(h, why, sizeof(why));
	if (r < 0)
		snprintf(msg, msgsz, "history database %s unavailable: %s", h->path, why);
	return r;
}

int history_query(struct history *h, const struct history_filter *f, json_t **ret_rows,
		  char *msg, size_t msgsz)
{
	char sql[1024], ip[64];
	size_t limit = f->limit ? f->limit : QUERY_DEFAULT;
	sqlite3_stmt *st = NULL;
	json_t *rows = NULL;
	bool by_ip = f->host && canonical_ip(f->host, ip, sizeof(ip));
	int rc, r;

	if (limit > HISTORY_QUERY_MAX) {
		snprintf(msg, msgsz, "limit above %d", HISTORY_QUERY_MAX);
		return -EINVAL;
	}
	r = ensure_open(h, msg, msgsz);
	if (r < 0)
		return r;
	snprintf(sql, sizeof(sql), "SELECT %s WHERE 1", columns);
	add_time_range(sql, sizeof(sql), f->since, f->until);
	if (f->exe)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.exe_id = %s",
			 STR_ID(3));
	if (f->host && by_ip)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.dst_ip = ?%d", P_HOST);
	else if (f->host)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.host_id = %s",
			 STR_ID(4));
	if (f->port > 0)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.dst_port = ?%d", P_PORT);
	if (f->action)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.action = ?%d", P_ACTION);
	if (f->rule)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND e.rule_id = %s",
			 STR_ID(7));
	/* Newest first (then reversed), or forward from after_id for paging. */
	if (f->after_id || f->forward)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
			 " AND e.id > ?%d ORDER BY e.id ASC LIMIT ?%d", P_AFTER, P_LIMIT);
	else
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " ORDER BY e.id DESC LIMIT ?%d",
			 P_LIMIT);

	rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = history_sql_fail(h, rc, "query", msg, msgsz);
		goto cleanup;
	}
	bind_time_range(st, f->since, f->until);
	if (f->exe)
		sqlite3_bind_text(st, P_EXE, f->exe, -1, SQLITE_STATIC);
	if (f->host)
		sqlite3_bind_text(st, P_HOST, by_ip ? ip : f->host, -1, SQLITE_STATIC);
	if (f->port > 0)
		sqlite3_bind_int(st, P_PORT, f->port);
	if (f->action)
		sqlite3_bind_text(st, P_ACTION, f->action, -1, SQLITE_STATIC);
	if (f->rule)
		sqlite3_bind_text(st, P_RULE, f->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, P_AFTER, (sqlite3_int64)f->after_id);
	sqlite3_bind_int64(st, P_LIMIT, (sqlite3_int64)limit);

	rows = json_array();
	h->deadline_ms = history_now_ms() + HISTORY_QUERY_BUDGET_MS;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(rows, row_to_json(st));
	h->deadline_ms = 0;
	if (!f->after_id && !f->forward) {
		/* Read newest first: give them oldest first. */
		size_t n = json_array_size(rows);
		json_t *rev = json_array();

		for (size_t i = n; i > 0; i--)
			json_array_append(rev, json_array_get(rows, i - 1));
		json_decref(rows);
		rows = rev;
	}
	if (rc != SQLITE_DONE) {
		r = history_sql_fail(h, rc, "query", msg, msgsz);
		if (r == -ETIMEDOUT)
			snprintf(msg, msgsz, "query took over %d ms: narrow it (--since, --exe, ...)",
				 HISTORY_QUERY_BUDGET_MS);
		goto cleanup;
	}
	*ret_rows = rows;
	rows = NULL;
	r = 0;
cleanup:
	json_decref(rows);
	sqlite3_finalize(st);
	return r;
}

/*
 * Summaries read the rollup (rollup.c): whole days of the period from the
 * daily counts, whole hours of the days cut at either end from the hourly
 * counts, and only the partial hours at the very ends from the rows
 * (through the time index). So a summary over a day or a month reads a
 * few thousand counts, not every event. Each part has the shape
 * (key, port, n, blocked); string ids are turned into names only for the
 * TOP keys shown.
 */
enum { S_DAY = 1, S_HOUR_A = 3, S_HOUR_B = 5, S_RAW = 7, S_TOP = 15 };

struct period {
	int64_t day[2];
	int64_t hour[2][2];
	int64_t raw[4][2];
};

/* [A, B) in ms -> the whole UNITs in it, and what is left at each end. */
static void cut(int64_t a, int64_t b, int64_t unit, int64_t full[2], int64_t left[2][2])
{
	int64_t f0 = a / unit + (a % unit != 0), f1 = b / unit;

	if (f0 < f1) {
		full[0] = f0;
		full[1] = f1;
		left[0][0] = a;
		left[0][1] = f0 * unit;
		left[1][0] = f1 * unit;
		left[1][1] = b;
	} else {
		full[0] = full[1] = 0;
		left[0][0] = a;
		left[0][1] = b;
		left[1][0] = left[1][1] = 0;
	}
}

static void plan(int64_t since, int64_t until, struct period *p)
{
	int64_t left[2][2];

	cut(since * 1000, until ? until * 1000 : INT64_MAX, ROLLUP_DAY_MS, p->day, left);
	for (int i = 0; i < 2; i++)
		cut(left[i][0], left[i][1], ROLLUP_HOUR_MS, p->hour[i], &p->raw[2 * i]);
}

static void bind_period(sqlite3_stmt *st, const struct period *p)
{
	sqlite3_bind_int64(st, S_DAY, p->day[0]);
	sqlite3_bind_int64(st, S_DAY + 1, p->day[1]);
	for (int i = 0; i < 2; i++) {
		sqlite3_bind_int64(st, S_HOUR_A + 2 * i, p->hour[i][0]);
		sqlite3_bind_int64(st, S_HOUR_A + 2 * i + 1, p->hour[i][1]);
	}
	for (int i = 0; i < 4; i++) {
		sqlite3_bind_int64(st, S_RAW + 2 * i, p->raw[i][0]);
		sqlite3_bind_int64(st, S_RAW + 2 * i + 1, p->raw[i][1]);
	}
}

/* Each kind's rows over a time range: head, range, tail (as rollup.c
 * counts them). */
#define RAW_COUNTS ", count(*), sum(e.action != 'allow') FROM events AS e INDEXED BY events_time"
static const char *const raw_head[ROLLUP_KINDS] = {
	"SELECT e.exe_id, 0" RAW_COUNTS,
	"SELECT coalesce(e.host_id, e.dst_ip, ''), 0" RAW_COUNTS,
	"SELECT e.protocol, e.dst_port" RAW_COUNTS,
	"SELECT e.action, 0" RAW_COUNTS,
};
static const char *const raw_tail[ROLLUP_KINDS] = {
	" GROUP BY 1",
	" GROUP BY 1",
	" AND e.dst_port IS NOT NULL GROUP BY 1, 2",
	" GROUP BY 1",
};

/* "WITH r(key, port, n, blocked) AS (days, hours, hours, 4 x rows) " */
static void with_kind(char *sql, size_t sz, int kind)
{
	size_t n = (size_t)snprintf(sql, sz,
				    "WITH r(key, port, n, blocked) AS ("
				    "SELECT key, port, n, blocked FROM rollup WHERE kind = %d AND span = %d"
				    " AND bucket >= ?%d AND bucket < ?%d",
				    kind, ROLLUP_SPAN_DAY, S_DAY, S_DAY + 1);

	for (int i = 0; i < 2; i++)
		n += (size_t)snprintf(sql + n, sz - n,
				      " UNION ALL SELECT key, port, n, blocked FROM rollup WHERE kind = %d"
				      " AND span = %d AND bucket >= ?%d AND bucket < ?%d",
				      kind, ROLLUP_SPAN_HOUR, S_HOUR_A + 2 * i, S_HOUR_A + 2 * i + 1);
	for (int i = 0; i < 4; i++)
		n += (size_t)snprintf(sql + n, sz - n,
				      " UNION ALL %s WHERE e.time_ms >= ?%d AND e.time_ms < ?%d%s",
				      raw_head[kind], S_RAW + 2 * i, S_RAW + 2 * i + 1, raw_tail[kind]);
	snprintf(sql + n, sz - n, ") ");
}

/* One top list: [{KEYNAME: key, "count": n, "blocked": n}, ...]. */
static int top_list(struct history *h, int kind, const char *const *key_names, int nkeys,
		    const struct period *p, size_t top, json_t **ret, char *msg, size_t msgsz)
{
	char sql[4096];
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc, r = 0;

	with_kind(sql, sizeof(sql), kind);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		 "SELECT CASE WHEN typeof(key) = 'integer' THEN (SELECT s FROM strs WHERE id = key)"
		 " ELSE key END, port, sum(n) AS c, sum(blocked)"
		 " FROM r GROUP BY key, port HAVING c > 0 ORDER BY c DESC, key, port LIMIT ?%d",
		 S_TOP);
	rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_period(st, p);
		sqlite3_bind_int64(st, S_TOP, (sqlite3_int64)top);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *o = json_object();

			for (int i = 0; i < nkeys; i++) {
				json_t *v = sqlite3_column_type(st, i) == SQLITE_INTEGER
						    ? json_integer(sqlite3_column_int64(st, i))
						    : col_text(st, i);
				json_object_set_new(o, key_names[i], v);
			}
			json_object_set_new(o, "count", json_integer(sqlite3_column_int64(st, 2)));
			json_object_set_new(o, "blocked", json_integer(sqlite3_column_int64(st, 3)));
			json_array_append_new(arr, o);
		}
	}
	if (rc != SQLITE_DONE) {
		r = history_sql_fail(h, rc, "stats", msg, msgsz);
		json_decref(arr);
	} else {
		*ret = arr;
	}
	sqlite3_finalize(st);
	return r;
}

static int totals(struct history *h, const struct period *p, json_t *out, char *msg,
		  size_t msgsz)
{
	char sql[4096];
	sqlite3_stmt *st = NULL;
	json_int_t total = 0, blocked = 0;
	int rc;

	with_kind(sql, sizeof(sql), ROLLUP_ACTION);
	strcat(sql, "SELECT key, sum(n) FROM r GROUP BY key");
	json_object_set_new(out, "allowed", json_integer(0));
	json_object_set_new(out, "denied", json_integer(0));
	json_object_set_new(out, "rejected", json_integer(0));
	rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_period(st, p);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *a = (const char *)sqlite3_column_text(st, 0);
			json_int_t n = sqlite3_column_int64(st, 1);
			const char *key = !a ? NULL
					  : strcmp(a, "allow") == 0  ? "allowed"
					  : strcmp(a, "deny") == 0   ? "denied"
					  : strcmp(a, "reject") == 0 ? "rejected"
								     : NULL;
			total += n;
			if (a && strcmp(a, "allow") != 0)
				blocked += n;
			if (key)
				json_object_set_new(out, key, json_integer(n));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return history_sql_fail(h, rc, "stats", msg, msgsz);
	json_object_set_new(out, "total", json_integer(total));
	json_object_set_new(out, "blocked", json_integer(blocked));
	return 0;
}

int history_stats(struct history *h, int64_t since, int64_t until, size_t top, json_t **ret,
		  char *msg, size_t msgsz)
{
	static const char *const exe_keys[] = {"exe"};
	static const char *const host_keys[] = {"host"};
	static const char *const port_keys[] = {"protocol", "port"};
	json_t *o = NULL, *exes = NULL, *hosts = NULL, *ports = NULL;
	struct period p;
	int r;

	if (top < 1 || top > HISTORY_TOP_MAX) {
		snprintf(msg, msgsz, "top must be 1-%d", HISTORY_TOP_MAX);
		return -EINVAL;
	}
	r = ensure_open(h, msg, msgsz);
	if (r < 0)
		return r;
	o = json_object();
	json_object_set_new(o, "since", since ? json_integer(since) : json_null());
	json_object_set_new(o, "until", until ? json_integer(until) : json_null());
	h->deadline_ms = history_now_ms() + HISTORY_QUERY_BUDGET_MS;
	plan(since, until, &p);
	r = totals(h, &p, o, msg, msgsz);
	if (r == 0)
		r = top_list(h, ROLLUP_EXE, exe_keys, 1, &p, top, &exes, msg, msgsz);
	if (r == 0)
		r = top_list(h, ROLLUP_HOST, host_keys, 1, &p, top, &hosts, msg, msgsz);
	if (r == 0)
		r = top_list(h, ROLLUP_PORT, port_keys, 2, &p, top, &ports, msg, msgsz);
	h->deadline_ms = 0;
	if (r < 0) {
		if (r == -ETIMEDOUT)
			snprintf(msg, msgsz, "stats took over %d ms: ask for a shorter period",
				 HISTORY_QUERY_BUDGET_MS);
		json_decref(o);
		return r;
	}
	json_object_set_new(o, "executables", exes);
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "ports", ports);
	*ret = o;
	return 0;
}
