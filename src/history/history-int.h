/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Shared by history.c (storage) and query.c (reading); not exported. */
#include <sqlite3.h>

#include "history/history.h"

struct history {
	char *path;
	struct history_limits lim;
	sqlite3 *db;
	sqlite3_stmt *insert;
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
