/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * FNV-1a, the one small non-cryptographic hash of the tree (hash tables
 * and short stable tags). Not for anything an attacker must not steer:
 * tables keyed by network input bound their chains instead.
 */
#include <stddef.h>
#include <stdint.h>

#define FNV1A32_INIT 2166136261u
#define FNV1A64_INIT 0xcbf29ce484222325ULL

/* Continue hash H over LEN bytes of BUF. */
static inline uint32_t fnv1a32_add(uint32_t h, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static inline uint64_t fnv1a64_add(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* The hash of the string S. */
static inline uint32_t fnv1a32_str(const char *s)
{
	uint32_t h = FNV1A32_INIT;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}
