/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The compiled rule collection and the rules directory.
 *
 * Evaluation (as OpenSnitch): enabled, unexpired rules in name order
 * (strcmp); the first matching deny/reject or precedence rule wins at once,
 * otherwise the last matching allow wins; no match -> NULL.
 * Rules whose operator is a simple process.path comparison (alone or inside
 * a top-level list) are indexed by executable path, so matching costs the
 * rules of that executable plus the rules that name no executable.
 *
 * Bounds: at most RULES_MAX rules; rule files <= RULE_TEXT_MAX bytes; only
 * regular files named NAME.json (NAME a valid rule name, equal to the
 * rule's "name") are loaded from the directory.
 *
 * Not thread-safe: one owner (the daemon's event loop).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/conn.h"
#include "rules/rule.h"

#define RULES_MAX 65536

struct rules;

struct rules *rules_new(void); /* NULL on ENOMEM */
void rules_free(struct rules *rs);

/* Takes ownership of R in every case (freed on error). Replaces a rule of
 * the same name. -ENOSPC past RULES_MAX, -ENOMEM. */
int rules_add(struct rules *rs, struct rule *r);
int rules_remove(struct rules *rs, const char *name); /* -ENOENT */
int rules_set_enabled(struct rules *rs, const char *name, bool on); /* -ENOENT */
const struct rule *rules_lookup(const struct rules *rs, const char *name);
size_t rules_count(const struct rules *rs);
/* A rule that pins the executable PATH (simple process.path, exact) to a
 * SHA-256 other than SHA256 (NULL: any), and *ret_pinned its pinned digest;
 * NULL if none. For prompts: "this binary changed since rule X allowed it". */
const struct rule *rules_pinned_sha256(const struct rules *rs, const char *path,
				       const char *sha256, const char **ret_pinned);
/* Remove rules whose duration ran out by NOW. Returns how many. */
size_t rules_prune_expired(struct rules *rs, time_t now);
/* New JSON array of every rule, name order (NULL on ENOMEM). */
json_t *rules_to_json(const struct rules *rs);

/* A number that changes whenever the collection does (add, remove, enable,
 * disable, prune), unique across collections (a reload is a change). */
uint64_t rules_generation(const struct rules *rs);
/* True when every decision of RS at NOW depends only on the executable
 * path, the user (id, name) and the destination address, port and protocol:
 * every enabled, unexpired rule uses only process.path, user.id, user.name,
 * dest.ip, dest.network, dest.port, protocol or true (lists of these
 * included). *ret_until: the earliest expiry of a timed rule, after which
 * that may change (0: none). For the kernel's verdict cache. */
bool rules_decision_is_keyed(const struct rules *rs, time_t now, time_t *ret_until);

/* The decisive rule for C at time NOW, or NULL. Valid until the collection changes. */
const struct rule *rules_match(const struct rules *rs, const struct conn *c, time_t now);

/*
 * Load every DIR/NAME.json (non-recursive; hidden files and other names are
 * ignored). Each bad file is skipped and reported through
 * report(ud, path, message) (REPORT may be NULL); the rest load. Rules so
 * loaded remember they came from a file. Returns how many loaded, or -errno
 * if DIR cannot be read.
 */
int rules_load_dir(struct rules *rs, const char *dir, time_t now,
		   void (*report)(void *ud, const char *path, const char *msg), void *ud);
/*
 * For a reload: copy from SRC to DST every unexpired rule that lives only in
 * memory (not persistent and not loaded from a file), replacing a rule of
 * the same name in DST. SRC is not changed, so on error (-ENOMEM, -ENOSPC)
 * the caller can free DST and keep SRC. Returns how many were copied.
 */
int rules_move_volatile(struct rules *dst, const struct rules *src, time_t now);

/* Write R as DIR/NAME.json atomically (temp file in DIR, fsync, rename, fsync DIR). */
int rules_write_file(const char *dir, const struct rule *r);
/* Remove DIR/NAME.json (fsync DIR). -ENOENT if absent, -EINVAL for a bad name. */
int rules_delete_file(const char *dir, const char *name);
