/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules' lifecycle in the daemon: first load, reload (SIGHUP, inotify)
 * that keeps the rules living only in memory, and expiry of timed rules.
 * A reload builds a whole new collection and swaps it in between two
 * packets, so no verdict ever sees half a rule set.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/policy.h"
#include "rules/lists.h"
#include "rules/rules.h"

static void report_bad_file(void *ud, const char *path, const char *msg)
{
	log_warn("rules: %s: %s", path, msg);
}

static struct rules *load_dir(const char *dir, int *ret_count)
{
	struct rules *rs = rules_new();
	int r;

	if (!rs)
		return NULL;
	r = rules_load_dir(rs, dir, time(NULL), report_bad_file, NULL);
	if (r == -ENOENT) {
		/* A missing directory is an empty rule set, not an error: the
		 * default action still protects; rules added later create it. */
		log_warn("rules: %s does not exist yet, starting with no rules", dir);
		r = 0;
	}
	if (r < 0) {
		log_error("rules: cannot read %s: %s", dir, strerror(-r));
		rules_free(rs);
		return NULL;
	}
	*ret_count = r;
	return rs;
}

static void report_list(void *ud, const struct list *l, int err)
{
	const struct list_stats *st = list_stats(l);

	if (err < 0) {
		log_warn("lists: %s (%s): cannot reload: %s, keeping the entries in use",
			 list_directory(l), list_kind_name(list_kind(l)), strerror(-err));
		return;
	}
	if (st->bad_lines)
		log_warn("lists: %s (%s): %zu entries from %zu files, %zu bad lines ignored (first: %s)",
			 list_directory(l), list_kind_name(list_kind(l)), st->entries, st->files,
			 st->bad_lines, st->first_bad);
	else
		log_info("lists: %s (%s): %zu entries from %zu files", list_directory(l),
			 list_kind_name(list_kind(l)), st->entries, st->files);
}

void policy_lists_refresh(struct daemon *d)
{
	lists_refresh(report_list, d);
}

int policy_load(struct daemon *d)
{
	int n = 0;

	d->rules = load_dir(d->cfg.rules_dir, &n);
	if (!d->rules)
		return -EIO;
	log_info("rules: loaded %d from %s", n, d->cfg.rules_dir);
	policy_lists_refresh(d);
	return 0;
}

void policy_reload(struct daemon *d)
{
	struct rules *fresh;
	int n = 0, moved;

	fresh = load_dir(d->cfg.rules_dir, &n);
	if (!fresh) {
		log_warn("rules: reload failed, keeping the %zu rules in use", rules_count(d->rules));
		return;
	}
	moved = rules_move_volatile(fresh, d->rules, time(NULL));
	if (moved < 0) {
		log_warn("rules: reload: cannot carry in-memory rules over (%s), keeping the rules in use",
			 strerror(-moved));
		rules_free(fresh);
		return;
	}
	rules_free(d->rules);
	d->rules = fresh;
	log_info("rules: reloaded %d from %s, %d kept from memory", n, d->cfg.rules_dir, moved);
	policy_lists_refresh(d);
}

void policy_expire(struct daemon *d)
{
	size_t n = rules_prune_expired(d->rules, time(NULL));
	if (n > 0)
		log_info("rules: %zu timed rule(s) expired", n);
}

int policy_add_rule(struct daemon *d, struct rule *rule, const char *who, char *err,
		    size_t errsz)
{
	char name[RULE_NAME_MAX + 1];
	int r;

	snprintf(name, sizeof(name), "%s", rule_name(rule));
	if (rule_is_persistent(rule)) {
		r = rules_write_file(d->cfg.rules_dir, rule);
		if (r < 0) {
			snprintf(err, errsz, "cannot write %s/%s.json: %s", d->cfg.rules_dir, name,
				 strerror(-r));
			log_warn("rules: %s", err);
			rule_free(rule);
			return r;
		}
	}
	r = rules_add(d->rules, rule); /* takes ownership */
	if (r < 0) {
		snprintf(err, errsz, "cannot add rule \"%s\": %s", name, strerror(-r));
		return r;
	}
	log_info("rules: added \"%s\" (%s)", name, who);
	return 0;
}
