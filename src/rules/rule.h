/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * One firewall rule, in OpenSnitch's JSON format so existing OpenSnitch rule
 * files load unchanged:
 *
 *   { "created": RFC3339, "updated": RFC3339, "name", "description",
 *     "enabled", "precedence", "action": allow|deny|reject,
 *     "duration": once|until restart|always|<Go duration: 30s, 5m, 1h30m>,
 *     "nolog", "operator": { "type": simple|regexp|list|network|lists,
 *     "operand", "data", "sensitive", "list": [operator, ...] } }
 *
 * Defaults for missing fields: created = now, updated = created,
 * enabled = true, precedence/nolog/sensitive = false, duration = always,
 * data = "". name, action, operator.type and operator.operand are required.
 * Unknown keys are errors.
 *
 * Bounds: JSON text <= RULE_TEXT_MAX; name 1..RULE_NAME_MAX bytes of
 * [A-Za-z0-9._-], not starting with '.' (it is also the file name);
 * description <= RULE_DESC_MAX; operator data <= RULE_DATA_MAX (a regexp
 * pattern too); list nesting <= RULE_LIST_DEPTH, list length <= RULE_LIST_LEN.
 *
 * Matching: simple = equality, case-insensitive (ASCII) unless 'sensitive';
 * ports and ids compare as numbers, IPs as addresses, protocol by name
 * (tcp, udp, udplite, sctp, icmp, icmpv6 or a number; OpenSnitch's "tcp6"
 * style means that protocol over IPv6 only). regexp = PCRE2, compiled at
 * load, caseless unless 'sensitive', matched against the text form; a match
 * that exhausts PCRE2's match/depth/heap limits counts as no match.
 * network = CIDR (v4 or v6) with dest.network, dest.ip or source.ip.
 * list = every item matches. Values not known for a connection (no process,
 * no user name, no host name before DNS, no out interface, no ports for
 * the protocol) never match; without a process, process.path is
 * PROC_UNKNOWN_PATH. lists = type lists with operand lists.domains,
 * lists.domains_regexp (against dest.host), lists.ips or lists.nets
 * (against dest.ip) and data the absolute path of a directory of list
 * files (rules/lists.h: formats, bounds, reloads). process.hash.sha256 and
 * process.hash.md5 compare the executable's digest (hex, any case; type
 * simple needs exactly 64 / 32 hex digits). A "once" rule is accepted and behaves
 * like "until restart" (as when OpenSnitch loads one from a file).
 *
 * Rules are immutable once parsed (the collection flips 'enabled'), and
 * not thread-safe: a compiled regexp keeps its match scratch space inside.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/action.h"
#include "common/conn.h"

#define RULE_TEXT_MAX (1024 * 1024)
#define RULE_NAME_MAX 255
#define RULE_DESC_MAX 65536
#define RULE_DATA_MAX 4096
#define RULE_LIST_DEPTH 8
#define RULE_LIST_LEN 256


struct rule;

/*
 * Parse one rule from JSON text (LEN bytes, need not be NUL-terminated).
 * NOW is used as 'created' when the rule has none, and anchors timed
 * durations. On error returns -EINVAL (-ENOMEM for memory) and writes a
 * one-line message naming the field into ERR, e.g.
 *   field 'action': expected allow|deny|reject, got "permit"
 * On success *ret_rule is owned by the caller (rule_free).
 */
int rule_parse(const char *text, size_t len, time_t now, struct rule **ret_rule, char *err,
	       size_t errsz);
/* Same from a parsed JSON object (borrowed, not modified). */
int rule_from_json(json_t *obj, time_t now, struct rule **ret_rule, char *err, size_t errsz);
/* New JSON object (caller owns it) that rule_from_json reads back to the same rule. NULL on ENOMEM. */
json_t *rule_to_json(const struct rule *r);
/* Deep copy (NULL on ENOMEM). */
struct rule *rule_clone(const struct rule *r);
void rule_free(struct rule *r);

const char *rule_name(const struct rule *r);
enum action rule_action(const struct rule *r);
bool rule_enabled(const struct rule *r);
bool rule_nolog(const struct rule *r);
/* Duration "always": the rule lives in a file of the rules directory. */
bool rule_is_persistent(const struct rule *r);
/* R alone says something about C at NOW: enabled, unexpired, operator
 * matches. (Whether it decides also depends on the other rules.) */
bool rule_match(const struct rule *r, const struct conn *c, time_t now);
/* When a timed rule stops matching (created + duration); 0 = never. */
time_t rule_expires(const struct rule *r);

/* True if NAME is a valid rule name (see the bounds above). */
bool rule_name_valid(const char *name);
