/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of the kernel's verdict cache: what is cached, when it
 * is invalidated, and the events of the flows it decides.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/kattrib.h"
#include "common/conn.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "packet/packet.h"
#include "rules/rules.h"

/*
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
 * (no wake-up); verdict_sync (on every loop wake-up) drains it into the same events as queued flows
 * (no source address or port: connect() runs before they exist).
 */
#define CACHE_TAGS_MAX 1024 /* distinct deciding rules with cached verdicts */

static uint64_t cache_generation;
static bool cache_keyed;
static time_t cache_until;
/* Tag -> the rule that decided (for the events of cached flows); tag 0 is
 * the default action. Cleared with the cache. */
static struct {
	char *name;
	bool nolog;
	enum rule_action action;
} cache_tags[CACHE_TAGS_MAX];
static uint32_t cache_ntags = 1;

static void cache_tags_clear(void)
{
	for (uint32_t i = 1; i < cache_ntags; i++)
		free(cache_tags[i].name);
	cache_ntags = 1;
}

/* The tag of RULE (NULL: the default action); false when the table is full. */
static bool cache_tag(const struct rule *rule, uint32_t *ret)
{
	uint32_t i;

	if (!rule) {
		*ret = 0;
		return true;
	}
	for (i = 1; i < cache_ntags; i++)
		if (strcmp(cache_tags[i].name, rule_name(rule)) == 0)
			break;
	if (i == cache_ntags) {
		if (i >= CACHE_TAGS_MAX || !(cache_tags[i].name = strdup(rule_name(rule))))
			return false;
		cache_tags[i].nolog = rule_nolog(rule);
		cache_tags[i].action = rule_action(rule);
		cache_ntags++;
	}
	*ret = i;
	return true;
}

void vcache_put(struct daemon *d, const struct conn *c, const struct rule *rule, bool allow,
		time_t now)
{
	uint32_t tag;

	if (!cache_keyed || (cache_until && now >= cache_until) || verdict_is_dns(&c->flow) ||
	    !cache_tag(rule, &tag))
		return;
	kattrib_cache_put(d->kattrib, &c->flow, c->proc->path, c->has_uid ? c->uid : c->proc->uid,
			  allow, cache_until, tag);
}

static void log_event(const struct event *ev, const char *how)
{
	if (log_get_level() >= LOG_LVL_DEBUG) {
		const char *pn = packet_proto_name(ev->flow.proto);
		char dst[INET6_ADDRSTRLEN];

		log_debug("%s %s %s:%u pid %d %s (%s)%s", event_action_name(ev->action),
			  pn ? pn : "ip", flow_addr_str(ev->flow.family, &ev->flow.dst, dst, sizeof(dst)),
			  ev->flow.dport, ev->pid, ev->process_path, ev->rule ? ev->rule : "default",
			  how);
	}
}

static void publish(struct daemon *d, const struct event *ev)
{
	const struct event *stored = events_add(d->events, ev);

	eventlog_add(d, ev);
	if (stored)
		methods_publish_event(d, stored);
}

/* A flow the kernel decided from the cache: the same event as if queued. */
static void on_cache_hit(void *ud, const struct kattrib_hit *h)
{
	struct daemon *d = ud;
	struct event ev = {0};
	enum rule_action a;

	if (h->tag >= cache_ntags || cache_tags[h->tag].nolog)
		return; /* a tag from before the last invalidation, or nolog */
	a = h->tag ? cache_tags[h->tag].action
		   : d->cfg.default_action == ACTION_REJECT ? RULE_REJECT : RULE_DENY;
	ev.time = h->time;
	/* A cached reject fails at once too (EPERM instead of a reset). */
	ev.action = h->allow ? EVENT_ALLOW : a == RULE_REJECT ? EVENT_REJECT : EVENT_DENY;
	/* Tag 0, the default action: with prompting on it was cached only
	 * while no prompter was connected (vcache_invalidate when one comes). */
	ev.reason = h->tag ? EVENT_REASON_RULE
		: d->cfg.prompt_timeout ? EVENT_REASON_NO_UI : EVENT_REASON_DEFAULT;
	ev.rule = h->tag ? cache_tags[h->tag].name : NULL;
	ev.flow = h->flow;
	ev.has_uid = true;
	ev.uid = h->uid;
	ev.dst_host = names_host(d, &h->flow);
	if (h->proc) {
		ev.pid = h->proc->pid;
		ev.process_path = h->proc->path;
		ev.process_args = h->proc->cmdline;
		ev.package = prompts_package(d, h->proc->path);
	} else {
		ev.process_path = PROC_UNKNOWN_PATH;
	}
	publish(d, &ev);
	log_event(&ev, " cached");
}

void vcache_invalidate(struct daemon *d)
{
	if (!d->kattrib)
		return;
	kattrib_drain(d->kattrib, d->attrib, on_cache_hit, d);
	kattrib_invalidate(d->kattrib);
	cache_tags_clear();
}

void verdict_sync(struct daemon *d)
{
	if (!d->kattrib)
		return;
	/* Log what the cache decided first, with the tags it was decided by. */
	kattrib_drain(d->kattrib, d->attrib, on_cache_hit, d);
	if (rules_generation(d->rules) == cache_generation)
		return;
	kattrib_invalidate(d->kattrib);
	cache_tags_clear();
	cache_generation = rules_generation(d->rules);
	cache_keyed = rules_decision_is_keyed(d->rules, time(NULL), &cache_until);
}

