/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rollup: events counted per kind (executable, host, port, action) x
 * span (hour, day) x bucket x key, each with how many were blocked (not
 * allowed): what stats read instead of the rows. Keys are the rows' own:
 * the executable's and host name's string ids (intern.c), the address text
 * for a row without a host name, the protocol text and port number for
 * ports, the action text for the totals.
 *
 * It changes in the same transaction as the rows it counts: a write adds
 * the new rows (counted here in memory, then one upsert per distinct key
 * and span: a batch of one program's connections costs 6 upserts), a
 * retention chunk subtracts the deleted rows (in SQL, retain.c), so it
 * always equals what a GROUP BY over the events table would give.
 */
#include <stdlib.h>
#include <string.h>

#include "history/history-int.h"

#define AGG_SLOTS 4096 /* power of two; flushed when ROLLUP_AGG_MAX are in use */
#define ROLLUP_AGG_MAX 3072

/* One key's count in this transaction. TEXT is borrowed from the events
 * being written (they outlive the transaction). */
struct agg {
	bool used;
	int kind;
	int64_t hour;
	int64_t id;       /* the key's string id; 0: TEXT is the key */
	const char *text;
	int port;
	int64_t n, blocked;
};

#define UPSERT " ON CONFLICT (kind, span, bucket, key, port)" \
	       " DO UPDATE SET n = n + excluded.n, blocked = blocked + excluded.blocked"
static const char upsert_sql[] =
	"INSERT INTO rollup (kind, span, bucket, key, port, n, blocked)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" UPSERT;

/* The same counts from the rows, for retention (SIGN -1) and the v2 -> v3
 * migration (+1): ?1 sign, ?2 ?3 id range, ?4 rows older than this only,
 * ?5 span, ?6 span length in ms. */
#define SUB_INSERT "INSERT INTO rollup (kind, span, bucket, key, port, n, blocked) SELECT "
#define SUB_COUNTS ", ?1 * count(*), ?1 * sum(e.action != 'allow')"
#define SUB_WHERE " FROM events e WHERE e.id >= ?2 AND e.id <= ?3 AND +e.time_ms < ?4"
static const char *const sub_sql[ROLLUP_KINDS] = {
	SUB_INSERT "0, ?5, e.time_ms / ?6, e.exe_id, 0" SUB_COUNTS SUB_WHERE " GROUP BY 3, 4" UPSERT,
	SUB_INSERT "1, ?5, e.time_ms / ?6, coalesce(e.host_id, e.dst_ip, ''), 0" SUB_COUNTS
		SUB_WHERE " GROUP BY 3, 4" UPSERT,
	SUB_INSERT "2, ?5, e.time_ms / ?6, e.protocol, e.dst_port" SUB_COUNTS SUB_WHERE
		" AND e.dst_port IS NOT NULL GROUP BY 3, 4, 5" UPSERT,
	SUB_INSERT "3, ?5, e.time_ms / ?6, e.action, 0" SUB_COUNTS SUB_WHERE " GROUP BY 3, 4" UPSERT,
};

static const int64_t span_ms[ROLLUP_SPANS] = {ROLLUP_HOUR_MS, ROLLUP_DAY_MS};

void rollup_finalize(struct history *h)
{
	sqlite3_finalize(h->rollup_upsert);
	h->rollup_upsert = NULL;
	free(h->agg);
	h->agg = NULL;
	h->nagg = 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int upsert(struct history *h, const struct agg *a)
{
	sqlite3_stmt *st = h->rollup_upsert;
	int rc = SQLITE_OK;

	for (int span = 0; span < ROLLUP_SPANS && rc == SQLITE_OK; span++) {
		sqlite3_bind_int(st, 1, a->kind);
		sqlite3_bind_int(st, 2, span);
		sqlite3_bind_int64(st, 3, a->hour * ROLLUP_HOUR_MS / span_ms[span]);
		if (a->id)
			sqlite3_bind_int64(st, 4, a->id);
		else
			sqlite3_bind_text(st, 4, a->text ? a->text : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, a->port);
		sqlite3_bind_int64(st, 6, a->n);
		sqlite3_bind_int64(st, 7, a->blocked);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	return rc;
}

int rollup_store(struct history *h)
{
	int rc = SQLITE_OK;

	if (!h->agg)
		return SQLITE_OK;
	for (size_t i = 0; i < AGG_SLOTS; i++) {
		if (!h->agg[i].used)
			continue;
		if (rc == SQLITE_OK)
			rc = upsert(h, &h->agg[i]);
		h->agg[i].used = false;
	}
	h->nagg = 0;
	return rc;
}

void rollup_forget(struct history *h)
{
	if (h->agg)
		memset(h->agg, 0, sizeof(*h->agg) * AGG_SLOTS);
	h->nagg = 0;
}

static int count(struct history *h, int kind, int64_t hour, int64_t id, const char *text, int port,
		 bool blocked)
{
	uint64_t hv = mix(mix(mix(mix((uint64_t)kind, (uint64_t)hour), (uint64_t)id), str_hash(text)),
			  (uint64_t)port);
	size_t i = (size_t)hv & (AGG_SLOTS - 1);
	struct agg *a;

	for (;; i = (i + 1) & (AGG_SLOTS - 1)) {
		a = &h->agg[i];
		if (!a->used)
			break;
		if (a->kind == kind && a->hour == hour && a->id == id && a->port == port &&
		    str_same(a->text, text)) {
			a->n++;
			a->blocked += blocked;
			return SQLITE_OK;
		}
	}
	if (h->nagg >= ROLLUP_AGG_MAX) {
		int rc = rollup_store(h);

		if (rc != SQLITE_OK)
			return rc;
		return count(h, kind, hour, id, text, port, blocked);
	}
	*a = (struct agg){.used = true, .kind = kind, .hour = hour, .id = id, .text = text,
			  .port = port, .n = 1, .blocked = blocked};
	h->nagg++;
	return SQLITE_OK;
}

int rollup_count(struct history *h, const struct history_event *e, const char *action,
		 const char *protocol, int64_t exe_id, int64_t host_id)
{
	int64_t hour = e->time_ms / ROLLUP_HOUR_MS;
	bool blocked = strcmp(action, "allow") != 0;
	int rc;

	if (!h->agg) {
		h->agg = calloc(AGG_SLOTS, sizeof(*h->agg));
		if (!h->agg)
			return SQLITE_NOMEM;
	}
	if (!h->rollup_upsert) {
		rc = sqlite3_prepare_v3(h->db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT,
					&h->rollup_upsert, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	rc = count(h, ROLLUP_EXE, hour, exe_id, NULL, 0, blocked);
	if (rc == SQLITE_OK)
		rc = count(h, ROLLUP_HOST, hour, host_id, host_id ? NULL : e->dst_ip, 0, blocked);
	if (rc == SQLITE_OK && e->dst_port >= 0)
		rc = count(h, ROLLUP_PORT, hour, 0, protocol, e->dst_port, blocked);
	if (rc == SQLITE_OK)
		rc = count(h, ROLLUP_ACTION, hour, 0, action, 0, blocked);
	return rc;
}

int rollup_sub(struct history *h, int sign, int64_t lo, int64_t hi, int64_t before_ms)
{
	int rc = SQLITE_OK;

	for (int k = 0; k < ROLLUP_KINDS && rc == SQLITE_OK; k++)
		for (int span = 0; span < ROLLUP_SPANS && rc == SQLITE_OK; span++) {
			sqlite3_stmt *st = NULL;

			rc = sqlite3_prepare_v2(h->db, sub_sql[k], -1, &st, NULL);
			if (rc != SQLITE_OK)
				break;
			sqlite3_bind_int(st, 1, sign);
			sqlite3_bind_int64(st, 2, lo);
			sqlite3_bind_int64(st, 3, hi);
			sqlite3_bind_int64(st, 4, before_ms);
			sqlite3_bind_int(st, 5, span);
			sqlite3_bind_int64(st, 6, span_ms[span]);
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
			sqlite3_finalize(st);
		}
	return rc;
}
