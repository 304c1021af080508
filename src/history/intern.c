/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * String ids: the executable, command line, rule, host name and package of
 * a row are stored once in table strs and referenced by id, so a row costs
 * a few integers instead of the same long texts again and again, and the
 * indexes on them compare integers. The writing connection caches ids in
 * an open-addressing table (at most HISTORY_INTERN_MAX strings; when full
 * it is emptied and refilled from the file).
 *
 * strs.last_ms is the newest row time that uses the string: retention
 * deletes the strings no remaining row can use (last_ms older than the
 * oldest row). It is stored once per string and transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "history/history-int.h"

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void intern_forget(struct history *h)
{
	if (!h->cache)
		return;
	for (size_t i = 0; i < INTERN_SLOTS; i++) {
		free(h->cache[i].s);
		h->cache[i].s = NULL;
	}
	h->cached = 0;
	h->ndirty = 0;
}

void intern_free(struct history *h)
{
	intern_forget(h);
	free(h->cache);
	free(h->dirty);
	h->cache = NULL;
	h->dirty = NULL;
}

int intern_store(struct history *h)
{
	int rc = SQLITE_OK;

	for (size_t i = 0; i < h->ndirty && rc == SQLITE_OK; i++) {
		struct intern *e = &h->cache[h->dirty[i]];

		sqlite3_bind_int64(h->str_touch, 1, e->max_ms);
		sqlite3_bind_int64(h->str_touch, 2, e->id);
		rc = sqlite3_step(h->str_touch);
		sqlite3_reset(h->str_touch);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		e->stored_ms = e->max_ms;
		e->dirty = false;
	}
	h->ndirty = 0;
	return rc;
}

/* The id from the file: found, or added. */
static int lookup(struct history *h, const char *s, size_t n, int64_t t_ms, int64_t *ret_id,
		  int64_t *ret_stored)
{
	int rc;

	sqlite3_bind_text(h->str_find, 1, s, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(h->str_find);
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(h->str_find, 0);
		*ret_stored = sqlite3_column_int64(h->str_find, 1);
		sqlite3_reset(h->str_find);
		return SQLITE_OK;
	}
	sqlite3_reset(h->str_find);
	if (rc != SQLITE_DONE)
		return rc;
	sqlite3_bind_text(h->str_add, 1, s, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(h->str_add, 2, t_ms);
	rc = sqlite3_step(h->str_add);
	sqlite3_reset(h->str_add);
	if (rc != SQLITE_DONE)
		return rc;
	*ret_id = sqlite3_last_insert_rowid(h->db);
	*ret_stored = t_ms;
	return SQLITE_OK;
}

int intern_id(struct history *h, const char *s, int64_t t_ms, int64_t *ret_id)
{
	size_t n = strnlen(s, HISTORY_STR_MAX);
	uint64_t hash = fnv1a(s, n);
	size_t i = (size_t)hash & (INTERN_SLOTS - 1);
	struct intern *e;
	int rc;

	if (!h->cache) {
		h->cache = calloc(INTERN_SLOTS, sizeof(*h->cache));
		h->dirty = calloc(INTERN_SLOTS, sizeof(*h->dirty));
		if (!h->cache || !h->dirty) {
			intern_free(h);
			return SQLITE_NOMEM;
		}
	}
	for (;; i = (i + 1) & (INTERN_SLOTS - 1)) {
		e = &h->cache[i];
		if (!e->s)
			break;
		if (e->hash == hash && strncmp(e->s, s, n) == 0 && e->s[n] == '\0')
			goto found;
	}
	if (h->cached >= HISTORY_INTERN_MAX) {
		/* Full: store what is pending, then start over. */
		rc = intern_store(h);
		if (rc != SQLITE_OK)
			return rc;
		intern_forget(h);
		return intern_id(h, s, t_ms, ret_id);
	}
	e->s = strndup(s, n);
	if (!e->s)
		return SQLITE_NOMEM;
	rc = lookup(h, s, n, t_ms, &e->id, &e->stored_ms);
	if (rc != SQLITE_OK) {
		free(e->s);
		e->s = NULL;
		return rc;
	}
	e->hash = hash;
	e->max_ms = e->stored_ms;
	e->dirty = false;
	h->cached++;
found:
	if (t_ms > e->max_ms)
		e->max_ms = t_ms;
	if (e->max_ms > e->stored_ms && !e->dirty) {
		e->dirty = true;
		h->dirty[h->ndirty++] = (uint32_t)(e - h->cache);
	}
	*ret_id = e->id;
	return SQLITE_OK;
}
