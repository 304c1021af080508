/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history's reading side: filtered queries and summaries. Every
 * filter is a bound parameter (never text in the SQL) and has an index.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "history/history-int.h"

#define QUERY_DEFAULT 50

/* Parameter numbers, fixed so binding does not depend on which filters
 * are present (binding an unused number is harmless). */
enum { P_SINCE = 1, P_UNTIL, P_EXE, P_HOST, P_PORT, P_ACTION, P_RULE, P_AFTER, P_LIMIT };

static const char columns[] =
	"id, time_ms, action, reason, rule, protocol, src_ip, src_port, dst_ip, dst_port,"
	" dst_host, pid, uid, exe, cmdline, iface_out, package";

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
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;
	json_t *o = json_object();
	const unsigned char *args = sqlite3_column_text(st, 14);

	gmtime_r(&secs, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(ms % 1000));
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
		n += (size_t)snprintf(sql + n, sz - n, " AND time_ms >= ?%d", P_SINCE);
	if (until)
		snprintf(sql + n, sz - n, " AND time_ms < ?%d", P_UNTIL);
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
	snprintf(sql, sizeof(sql), "SELECT %s FROM events WHERE 1", columns);
	add_time_range(sql, sizeof(sql), f->since, f->until);
	if (f->exe)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND exe = ?%d", P_EXE);
	if (f->host)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND %s = ?%d",
			 by_ip ? "dst_ip" : "dst_host", P_HOST);
	if (f->port > 0)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND dst_port = ?%d", P_PORT);
	if (f->action)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND action = ?%d", P_ACTION);
	if (f->rule)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " AND rule = ?%d", P_RULE);
	/* Newest first (then reversed), or forward from after_id for paging. */
	if (f->after_id || f->forward)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
			 " AND id > ?%d ORDER BY id ASC LIMIT ?%d", P_AFTER, P_LIMIT);
	else
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " ORDER BY id DESC LIMIT ?%d",
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

/* One GROUP BY of the summary (with a period, read through the time index:
 * left alone, SQLite walks the group's own index to skip the sort and
 * looks at every row of the table): "SELECT <key>, count, blocked ... LIMIT top"
 * -> [{KEYNAME: key, "count": n, "blocked": n}, ...]. */
static int top_list(struct history *h, const char *key_sql, const char *const *key_names,
		    int nkeys, const char *extra_where, int64_t since, int64_t until, size_t top,
		    json_t **ret, char *msg, size_t msgsz)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc, r = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT %s, count(*) AS n, sum(action != 'allow') FROM events%s WHERE 1%s",
		 key_sql, since ? " INDEXED BY events_time" : "", extra_where);
	add_time_range(sql, sizeof(sql), since, until);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		 " GROUP BY %s ORDER BY n DESC LIMIT ?%d", key_sql, P_LIMIT);
	rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_time_range(st, since, until);
		sqlite3_bind_int64(st, P_LIMIT, (sqlite3_int64)top);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *o = json_object();

			for (int i = 0; i < nkeys; i++) {
				json_t *v = sqlite3_column_type(st, i) == SQLITE_INTEGER
						    ? json_integer(sqlite3_column_int64(st, i))
						    : col_text(st, i);
				json_object_set_new(o, key_names[i], v);
			}
			json_object_set_new(o, "count", json_integer(sqlite3_column_int64(st, nkeys)));
			json_object_set_new(o, "blocked",
					    json_integer(sqlite3_column_int64(st, nkeys + 1)));
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

static int totals(struct history *h, int64_t since, int64_t until, json_t *out, char *msg,
		  size_t msgsz)
{
	char sql[256] = "SELECT action, count(*) FROM events WHERE 1";
	sqlite3_stmt *st = NULL;
	json_int_t total = 0, blocked = 0;
	int rc;

	add_time_range(sql, sizeof(sql), since, until);
	strcat(sql, " GROUP BY action");
	json_object_set_new(out, "allowed", json_integer(0));
	json_object_set_new(out, "denied", json_integer(0));
	json_object_set_new(out, "rejected", json_integer(0));
	rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_time_range(st, since, until);
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
	r = totals(h, since, until, o, msg, msgsz);
	if (r == 0)
		r = top_list(h, "exe", exe_keys, 1, "", since, until, top, &exes, msg, msgsz);
	if (r == 0)
		r = top_list(h, "coalesce(dst_host, dst_ip)", host_keys, 1, "", since, until, top,
			     &hosts, msg, msgsz);
	if (r == 0)
		r = top_list(h, "protocol, dst_port", port_keys, 2, " AND dst_port IS NOT NULL",
			     since, until, top, &ports, msg, msgsz);
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
