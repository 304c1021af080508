/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Shared by the history's files (history.c storage, intern.c string ids,
 * retain.c rollup and retention, query.c reading); not exported. */
#include <sqlite3.h>

#include "history/history.h"

/* One cached string id (intern.c). max_ms: the newest row time seen for it
 * in this transaction; stored_ms: its strs.last_ms as the file has it. */
struct intern {
	uint64_t hash;
	char *s; /* NULL: free slot */
	int64_t id;
	int64_t max_ms;
	int64_t stored_ms;
	bool dirty;
};

#define INTERN_SLOTS 32768 /* power of two, > HISTORY_INTERN_MAX */

enum { ROLLUP_EXE, ROLLUP_HOST, ROLLUP_PORT, ROLLUP_ACTION, ROLLUP_KINDS };
enum { ROLLUP_SPAN_HOUR, ROLLUP_SPAN_DAY, ROLLUP_SPANS };
#define ROLLUP_HOUR_MS INT64_C(3600000)
#define ROLLUP_DAY_MS INT64_C(86400000)
struct agg;

struct history {
	char *path;
	struct history_limits lim;
	sqlite3 *db;
	sqlite3_stmt *insert;
	sqlite3_stmt *str_find, *str_add, *str_touch;
	sqlite3_stmt *rollup_upsert;
	struct agg *agg;      /* this transaction's rollup counts (rollup.c) */
	size_t nagg;
	struct intern *cache; /* INTERN_SLOTS, allocated on first use */
	size_t cached;
	uint32_t *dirty;      /* slots whose last_ms is to be stored */
	size_t ndirty;
	struct pending **ring; /* HISTORY_PENDING_MAX slots, oldest at tail */
	size_t head, count;
	uint64_t dropped;
	int64_t deadline_ms;   /* progress handler interrupts after this; 0: never */
};

int64_t history_now_ms(void);
/* -errno for an SQLite result code (extended or primary). */
int history_sql_errno(int rc);
/* Formats "WHAT: sqlite's message" into MSG and returns the -errno. */
int history_sql_fail(struct history *h, int rc, const char *what, char *msg, size_t msgsz);

/* intern.c: the id of string S (cut to HISTORY_STR_MAX) in table strs,
 * added if new, noting that a row of time T_MS uses it. Inside a write
 * transaction. Returns an SQLite result code. */
int intern_id(struct history *h, const char *s, int64_t t_ms, int64_t *ret_id);
/* Stores the last_ms of the strings used in this transaction (before
 * COMMIT). Returns an SQLite result code. */
int intern_store(struct history *h);
/* Forgets every cached id (after a rollback, a close, a strings purge). */
void intern_forget(struct history *h);
void intern_free(struct history *h);

/* rollup.c: counts row E (being inserted, with these string ids and the
 * action and protocol text stored) in memory; rollup_store() adds the
 * counts to the table (before COMMIT), rollup_forget() drops them (after a
 * rollback). SQLite result codes. */
int rollup_count(struct history *h, const struct history_event *e, const char *action,
		 const char *protocol, int64_t exe_id, int64_t host_id);
int rollup_store(struct history *h);
void rollup_forget(struct history *h);
/* Adds SIGN x the rows with ids in [LO, HI] and time < BEFORE_MS to the
 * rollup, from the table (retention: -1; migration: +1). */
int rollup_sub(struct history *h, int sign, int64_t lo, int64_t hi, int64_t before_ms);
void rollup_finalize(struct history *h);
