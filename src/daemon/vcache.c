/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of the kernel's verdict cache (vcache.h).
 *
 * The kernel's verdict cache (src/bpf/kattrib.h) holds decisions keyed by
 * (executable dev/ino, uid, destination address, port, protocol). A decision
 * is cached only while every rule in force looks at nothing but those
 * (rules_decision_is_keyed: process.path, user.id/name, dest.ip/network/
 * port, protocol), so every later flow with the same key provably gets the
 * same decision; a rule set with dest.host, lists, cmdline, cwd, env,
 * parent, pid, source or interface operands caches nothing. Timed rules:
 * entries end at the earliest expiry. Never cached: DNS (its queries must be
 * read for names), flows of unknown processes, executables with hard links.
 * Any change to the rules invalidates every entry (one epoch bump).
 * The kernel records each flow it decides from the cache in a ring buffer
 * (no wake-up); vcache_drain (on every loop wake-up and before each queued
 * packet) records them like queued flows (no source address or port:
 * connect() runs before they exist).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/kattrib.h"
#include "common/conn.h"
#include "daemon/daemon.h"
#include "daemon/decision.h"
#include "daemon/events.h"
#include "daemon/names.h"
#include "daemon/vcache.h"
#include "rules/rules.h"

struct vcache_tag {
	char *name;
	bool nolog;
	enum action action;
};

struct vcache {
	bool keyed;   /* the rules in force can be cached at all */
	time_t until; /* entries end here (the earliest timed rule); 0: never */
	/* Tag -> the rule that decided (for the events of cached flows); tag 0
	 * is the default action. Cleared with the cache. */
	struct vcache_tag tags[VCACHE_TAGS_MAX];
	uint32_t ntags;
};

int vcache_new(struct vcache **ret)
{
	struct vcache *vc = calloc(1, sizeof(*vc));

	if (!vc)
		return -ENOMEM;
	vc->ntags = 1;
	*ret = vc;
	return 0;
}

static void tags_clear(struct vcache *vc)
{
	for (uint32_t i = 1; i < vc->ntags; i++)
		free(vc->tags[i].name);
	vc->ntags = 1;
}

void vcache_free(struct vcache *vc)
{
	if (!vc)
		return;
	tags_clear(vc);
	free(vc);
}

/* The tag of RULE (NULL: the default action); false when the table is full. */
static bool tag_of(struct vcache *vc, const struct rule *rule, uint32_t *ret)
{
	uint32_t i;

	if (!rule) {
		*ret = 0;
		return true;
	}
	for (i = 1; i < vc->ntags; i++)
		if (strcmp(vc->tags[i].name, rule_name(rule)) == 0)
			break;
	if (i == vc->ntags) {
		if (i >= VCACHE_TAGS_MAX || !(vc->tags[i].name = strdup(rule_name(rule))))
			return false;
		vc->tags[i].nolog = rule_nolog(rule);
		vc->tags[i].action = rule_action(rule);
		vc->ntags++;
	}
	*ret = i;
	return true;
}

void vcache_put(struct daemon *d, const struct conn *c, const struct rule *rule, bool allow,
		time_t now)
{
	struct vcache *vc = d->vcache;
	uint32_t tag;

	if (!vc || !vc->keyed || (vc->until && now >= vc->until) || flow_is_dns(&c->flow) ||
	    !tag_of(vc, rule, &tag))
		return;
	kattrib_cache_put(d->kattrib, &c->flow, c->proc->path, c->has_uid ? c->uid : c->proc->uid,
			  allow, vc->until, tag);
}

/* A flow the kernel decided from the cache: the same event as if queued. */
static void on_cache_hit(void *ud, const struct kattrib_hit *h)
{
	struct daemon *d = ud;
	struct vcache *vc = d->vcache;
	struct event ev = {0};
	enum action a;

	if (h->tag >= vc->ntags)
		return; /* a tag from before the last invalidation */
	a = h->tag ? vc->tags[h->tag].action
		   : d->cfg.default_action == ACTION_REJECT ? ACTION_REJECT : ACTION_DENY;
	ev.time = h->time;
	/* A cached reject fails at once too (EPERM instead of a reset). */
	ev.action = h->allow ? ACTION_ALLOW : a == ACTION_REJECT ? ACTION_REJECT : ACTION_DENY;
	/* Tag 0, the default action: with prompting on it was cached only
	 * while no prompter was connected (vcache_invalidate when one comes). */
	ev.reason = h->tag ? EVENT_REASON_RULE
		: d->cfg.prompt_timeout ? EVENT_REASON_NO_UI : EVENT_REASON_DEFAULT;
	ev.rule = h->tag ? vc->tags[h->tag].name : NULL;
	ev.flow = h->flow;
	ev.has_uid = true;
	ev.uid = h->uid;
	ev.dst_host = names_host(d, &h->flow);
	ev.process_path = PROC_UNKNOWN_PATH;
	if (h->proc) {
		ev.pid = h->proc->pid;
		ev.process_path = h->proc->path;
		ev.process_args = h->proc->cmdline;
	}
	decision_record(d, &ev, h->tag && vc->tags[h->tag].nolog, " cached");
}

void vcache_drain(struct daemon *d)
{
	if (d->vcache)
		kattrib_drain(d->kattrib, d->attrib, on_cache_hit, d);
}

void vcache_invalidate(struct daemon *d)
{
	if (!d->vcache)
		return;
	vcache_drain(d);
	kattrib_invalidate(d->kattrib);
	tags_clear(d->vcache);
}

void vcache_rules_changed(struct daemon *d)
{
	if (!d->vcache)
		return;
	/* Record what the cache decided first, with the tags it was decided by. */
	vcache_invalidate(d);
	d->vcache->keyed = rules_decision_is_keyed(d->rules, time(NULL), &d->vcache->until);
}
