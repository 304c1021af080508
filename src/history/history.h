/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Connection history: every decision as a row of an SQLite database (WAL),
 * written in batches, off the verdict path.
 *
 * history_write() writes an array of events in one transaction, straight
 * from the caller's memory; only when that fails are they copied into a
 * bounded in-memory buffer (history_append() buffers without writing,
 * history_flush() writes what is buffered). The daemon's writer thread
 * (writer.h) is the only writer; queries use their own connection.
 *
 * Rows are cheap to write (schema v3): the repeated strings (executable,
 * command line, rule, host name, package) live once in a table of their
 * own, referenced by id, with an in-memory id cache on the writing
 * connection (HISTORY_INTERN_MAX strings); the events table has an index
 * per filter (time, executable, host, address, port, rule, and a partial
 * one on blocked actions); a rollup table counts events per hour x
 * executable / host / port x action, kept by the writer in the same
 * transaction as the rows (and decremented by retention), so stats over
 * days read a few hundred rollup rows instead of every event.
 *
 * When the database cannot be opened or written (read-only, disk full,
 * corrupt, missing directory), events stay buffered, the newest
 * HISTORY_PENDING_MAX of them (older ones are dropped and counted), and
 * the next flush tries again (reopening as needed). A file SQLite calls
 * corrupt or not a database is renamed to PATH.corrupt-<epoch seconds>
 * and a new database is started.
 *
 * Schema: versioned with PRAGMA user_version and migrated forward in
 * order on open (HISTORY_SCHEMA_VERSION is the current one); a file from a
 * newer version is refused (-EPROTONOSUPPORT) rather than touched.
 *
 * Bounds: HISTORY_PENDING_MAX buffered events; strings cut to
 * HISTORY_STR_MAX bytes; query results at most HISTORY_QUERY_MAX rows;
 * a query that runs longer than HISTORY_QUERY_BUDGET_MS is interrupted
 * (-ETIMEDOUT): the daemon runs queries on its loop thread, so this bounds
 * how long a query can hold the verdict path up (the indexes and the
 * rollup keep a filtered query or a summary over 1,000,000 rows at a few
 * ms, see bench/history.c).
 *
 * Errors are -errno: -EROFS (read-only), -ENOSPC (disk full), -EBADMSG
 * (corrupt), -EBUSY (locked by another process), -EIO, -ENOMEM, ... and
 * an error text in MSG where a function takes one. Not thread-safe: one
 * struct history per thread.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HISTORY_SCHEMA_VERSION 3
#define HISTORY_BATCH 512            /* the daemon flushes at this many */
#define HISTORY_PENDING_MAX 50000    /* buffered while the file cannot be written */
#define HISTORY_STR_MAX 4096
#define HISTORY_QUERY_MAX 10000
#define HISTORY_QUERY_BUDGET_MS 200
#define HISTORY_INTERN_MAX 24576    /* strings in the writer's id cache */
#define HISTORY_TOP_MAX 100

struct history;

/* One decision. Strings are borrowed (copied by history_append); NULL is
 * stored as NULL. */
struct history_event {
	int64_t time_ms;       /* wall clock, ms since the epoch */
	const char *action;    /* allow, deny, reject */
	const char *reason;    /* rule, default, ... */
	const char *rule;
	const char *protocol;  /* tcp, udp, ..., or the number as text */
	const char *src_ip;
	const char *dst_ip;
	int src_port;          /* -1: the protocol has no ports */
	int dst_port;
	const char *dst_host;
	int64_t pid;           /* 0: not known */
	int64_t uid;           /* -1: not known */
	const char *exe;
	const char *cmdline;
	const char *iface_out;
	const char *package;   /* NULL: not known */
};

/* A query's filters; zero/NULL members do not filter. */
struct history_filter {
	int64_t since;         /* epoch seconds, inclusive */
	int64_t until;         /* epoch seconds, exclusive */
	const char *exe;       /* equal to the executable */
	const char *host;      /* equal to dst_host, or to dst_ip if an address */
	int port;              /* > 0: destination port */
	const char *action;
	const char *rule;
	uint64_t after_id;     /* > 0: rows after this id, oldest first */
	bool forward;          /* oldest first from after_id, also when it is 0 */
	size_t limit;          /* 1..HISTORY_QUERY_MAX; 0: 50 */
};

struct history_limits {
	unsigned days;         /* keep rows this many days; 0: for ever */
	uint64_t max_rows;     /* keep at most this many rows; 0: no bound */
};

/* A history for the database at PATH; nothing is opened yet. */
int history_new(const char *path, const struct history_limits *lim, struct history **ret);
/* Does not flush (call history_flush() first). NULL ok. */
void history_free(struct history *h);

/*
 * Opens (creating and migrating) the database if it is not open. Returns
 * 0 (MSG empty, or a notice to log, e.g. that a corrupt file was moved
 * aside) or -errno with the reason in MSG.
 */
int history_open(struct history *h, char *msg, size_t msgsz);

/* Buffers a copy of E. No I/O. Returns 0, or -ENOMEM (the event is lost).
 * When the buffer is full the oldest buffered event is dropped. */
int history_append(struct history *h, const struct history_event *e);
size_t history_pending(const struct history *h);

/*
 * Writes what is buffered and then EV[0..N-1] in one transaction (opening
 * the database if needed), reading EV in place. Returns the rows written
 * (MSG may hold a notice), or -errno with MSG set: then EV's events were
 * copied into the buffer (the newest HISTORY_PENDING_MAX are kept) and the
 * next write or flush tries again.
 */
int history_write(struct history *h, const struct history_event *ev, size_t n, char *msg,
		  size_t msgsz);
/* Events dropped because the buffer was full, since history_new(). */
uint64_t history_dropped(const struct history *h);

/*
 * Writes every buffered event in one transaction (opening the database
 * if needed). Returns the number of rows written (MSG may hold a notice),
 * or -errno with MSG set; then the events stay buffered.
 */
int history_flush(struct history *h, char *msg, size_t msgsz);

/*
 * Retention: deletes rows older than the limits' days (relative to NOW,
 * epoch seconds) and the oldest beyond max_rows, in chunks, for at most
 * about 50 ms. Returns rows deleted, *ret_more true if there is more to
 * delete (call again soon), or -errno with MSG set.
 */
int history_retain(struct history *h, time_t now, bool *ret_more, char *msg, size_t msgsz);

/*
 * Rows matching F as a JSON array of event objects (docs/protocol.md),
 * oldest first: the newest LIMIT, or with after_id the first LIMIT after
 * it. Returns 0 and a new reference, or -errno with MSG set.
 */
int history_query(struct history *h, const struct history_filter *f, json_t **ret_rows,
		  char *msg, size_t msgsz);

/*
 * Summary of the rows in [SINCE, UNTIL) (epoch seconds, 0: open): totals
 * by action and the TOP (1..HISTORY_TOP_MAX) executables, hosts and ports.
 * Returns 0 and a new JSON object, or -errno with MSG set.
 */
int history_stats(struct history *h, int64_t since, int64_t until, size_t top, json_t **ret,
		  char *msg, size_t msgsz);

/* Rows in the database (0 if it is not open). */
int64_t history_count(struct history *h);
