/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Block/allow lists for the "lists" operator: a directory of list files,
 * read as one kind (the operand):
 *
 *   lists.domains         hosts format ("0.0.0.0 ads.example.com", several
 *                         names a line allowed; localhost and the like are
 *                         skipped) or one name a line. "*.example.org"
 *                         matches the subdomains of example.org;
 *                         ".example.org" matches example.org and its
 *                         subdomains; a plain name matches itself only.
 *                         Case-insensitive (names are kept in lower case).
 *   lists.domains_regexp  one PCRE2 pattern a line, caseless; a host
 *                         matches if any pattern does (linear in patterns).
 *   lists.ips             one IPv4/IPv6 address a line.
 *   lists.nets            one network a line (10.0.0.0/8, fd00::/8, or an
 *                         address alone).
 *
 * '#' starts a comment (for regexp lists only at the start of a line); blank
 * lines are ignored; a bad line is counted (and the first one kept for the
 * message), never fatal. Files: regular files in DIR not starting with '.'.
 *
 * Lookups cost O(name length): a hash set of names, probed for the name and
 * each of its parent domains. Memory: about 38 bytes a domain plus its length
 * (1,000,000 domains: ~40 MiB).
 *
 * A directory is loaded once per kind and shared by every rule that names it
 * (reference counted), so reloading the rules does not reload the lists.
 * list_get() and lists_refresh() reload a list whose files changed (names,
 * sizes or modification times); a reload that fails keeps the old contents.
 *
 * Bounds: LIST_FILES_MAX files a directory, each at most LIST_FILE_SIZE_MAX
 * bytes (a bigger file is skipped and counted bad), LIST_LINE_MAX bytes a line
 * (longer lines are bad lines), LIST_ENTRIES_MAX entries a list,
 * LIST_REGEXP_MAX patterns a regexp list (entries past a bound are counted
 * as bad lines). Not thread-safe: one owner (the daemon's event loop).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/flow.h"

#define LIST_FILES_MAX 1024
#define LIST_LINE_MAX 4096
#define LIST_FILE_SIZE_MAX (1024L * 1024 * 1024) /* bigger files are skipped */
#define LIST_ENTRIES_MAX 20000000
#define LIST_REGEXP_MAX 10000

enum list_kind { LIST_DOMAINS, LIST_DOMAINS_REGEXP, LIST_IPS, LIST_NETS };

struct list;

struct list_stats {
	size_t files;
	size_t entries;
	size_t bad_lines;
	char first_bad[320]; /* "FILE:LINE: why", "" when no bad line */
};

/* The list of KIND in DIR: shared with the rules that already use it
 * (reloaded first if its files changed), or loaded now. The caller owns a
 * reference (list_put). -ENOENT/-ENOTDIR/-EACCES for DIR, -ENOMEM. */
int list_get(const char *dir, enum list_kind kind, struct list **ret);
void list_put(struct list *l); /* NULL is fine */

/* HOST (lower case, no final dot) is in domain list L (either domain kind). */
bool list_match_host(const struct list *l, const char *host);
/* Address A of FAMILY is in ip or net list L. */
bool list_match_addr(const struct list *l, uint8_t family, const union picket_addr *a);

const struct list_stats *list_stats(const struct list *l);
const char *list_directory(const struct list *l);
enum list_kind list_kind(const struct list *l);
const char *list_kind_name(enum list_kind kind); /* "lists.domains", ... */

/* Reload every list in use whose files changed. Calls REPORT (may be NULL)
 * for every list loaded or reloaded since the last call of this function,
 * and for each failed reload with ERR set (0 otherwise). Returns how many
 * lists were reloaded. */
typedef void (*list_report_fn)(void *ud, const struct list *l, int err);
int lists_refresh(list_report_fn report, void *ud);
