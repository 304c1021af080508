/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Small string helpers several modules need the same way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TIME_ISO_MAX 32 /* buffer for time_iso_ms(), with the NUL */

/* MS (milliseconds since the epoch) as "2026-11-23T10:00:00.123Z" (UTC)
 * into BUF of SIZE >= TIME_ISO_MAX bytes. Returns BUF. */
char *time_iso_ms(int64_t ms, char *buf, size_t size);

/* Packing strings one after another into one buffer, each cut to MAX bytes:
 * strpack_size() is the room S takes (0 for NULL), strpack_put() copies S at
 * *P, advances *P and returns the copy (NULL for NULL). */
static inline size_t strpack_size(const char *s, size_t max)
{
	return s ? strnlen(s, max) + 1 : 0;
}

static inline const char *strpack_put(char **p, const char *s, size_t max)
{
	char *d = *p;
	size_t n;

	if (!s)
		return NULL;
	n = strnlen(s, max);
	memcpy(d, s, n);
	d[n] = '\0';
	*p = d + n + 1;
	return d;
}
