/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verdict path: packet -> flow -> process -> rule -> verdict -> event.
 * Runs once per new flow, so everything here is a parse, a cache lookup or
 * a hash match; no disk and no blocking calls after the caches are warm.
 */
#include <errno.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib/attrib.h"
#include "bpf/kattrib.h"
#include "common/conn.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "netfilter/marks.h"
#include "netfilter/nfq.h"
#include "packet/packet.h"
#include "rules/rules.h"

/* Small direct-mapped caches: user names and interface names change rarely
 * and are looked up on every new flow (getpwuid reads files; if_indextoname
 * is an ioctl). */
#define NAME_CACHE_SIZE 64

struct user_slot {
	bool valid;
	bool found;
	uid_t uid;
	char name[64];
};

struct iface_slot {
	bool valid;
	uint32_t index;
	char name[IF_NAMESIZE];
};

static struct user_slot users[NAME_CACHE_SIZE];
static struct iface_slot ifaces[NAME_CACHE_SIZE];

void verdict_forget_names(void)
{
	memset(users, 0, sizeof(users));
	memset(ifaces, 0, sizeof(ifaces));
}

static const char *user_name(uid_t uid)
{
	struct user_slot *s = &users[uid % NAME_CACHE_SIZE];
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (!s->valid || s->uid != uid) {
		s->valid = true;
		s->uid = uid;
		s->found = getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
			   strlen(res->pw_name) < sizeof(s->name);
		if (s->found)
			strcpy(s->name, res->pw_name);
	}
	return s->found ? s->name : NULL;
}

static void iface_name(uint32_t index, char *out)
{
	struct iface_slot *s = &ifaces[index % NAME_CACHE_SIZE];

	out[0] = '\0';
	if (index == 0)
		return;
	if (!s->valid || s->index != index) {
		s->valid = true;
		s->index = index;
		if (!if_indextoname(index, s->name))
			s->name[0] = '\0';
	}
	memcpy(out, s->name, IF_NAMESIZE);
}

static enum nfq_verdict to_nfq(enum rule_action a)
{
	switch (a) {
	case RULE_ALLOW:
		return NFQ_VERDICT_ACCEPT;
	case RULE_REJECT:
		return NFQ_VERDICT_REJECT;
	case RULE_DENY:
	default:
		return NFQ_VERDICT_DROP;
	}
}

static enum rule_action default_rule_action(enum default_action a)
{
	return a == ACTION_ALLOW ? RULE_ALLOW : a == ACTION_REJECT ? RULE_REJECT : RULE_DENY;
}

static bool is_dns(const struct flow *f)
{
	return (f->proto == IPPROTO_UDP || f->proto == IPPROTO_TCP) &&
	       (f->sport == 53 || f->dport == 53);
}

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
 * (no wake-up); verdict_sync drains it into the same events as queued flows
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

static void cache_verdict(struct daemon *d, const struct conn *c, const struct rule *rule,
			  enum rule_action action, time_t now)
{
	uint32_t tag;

	if (!cache_keyed || (cache_until && now >= cache_until) || is_dns(&c->flow) ||
	    !cache_tag(rule, &tag))
		return;
	kattrib_cache_put(d->kattrib, &c->flow, c->proc->path, c->has_uid ? c->uid : c->proc->uid,
			  action == RULE_ALLOW, cache_until, tag);
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
	a = h->tag ? cache_tags[h->tag].action : default_rule_action(d->cfg.default_action);
	ev.time = h->time;
	/* A cached reject fails at once too (EPERM instead of a reset). */
	ev.action = h->allow ? EVENT_ALLOW : a == RULE_REJECT ? EVENT_REJECT : EVENT_DENY;
	ev.reason = h->tag ? EVENT_REASON_RULE : EVENT_REASON_DEFAULT;
	ev.rule = h->tag ? cache_tags[h->tag].name : NULL;
	ev.flow = h->flow;
	ev.has_uid = true;
	ev.uid = h->uid;
	ev.dst_host = names_host(d, &h->flow);
	if (h->proc) {
		ev.pid = h->proc->pid;
		ev.process_path = h->proc->path;
		ev.process_args = h->proc->cmdline;
	} else {
		ev.process_path = PROC_UNKNOWN_PATH;
	}
	publish(d, &ev);
	log_event(&ev, " cached");
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

void verdict_packet(void *userdata, const struct nfq_packet *p)
{
	struct daemon *d = userdata;
	struct conn c = {0};
	const struct proc_info *proc = NULL;
	const struct rule *rule = NULL;
	enum rule_action action;
	struct event ev = {0};
	int r;

	d->counters.packets++;
	clock_gettime(CLOCK_REALTIME, &ev.time);
	verdict_sync(d);

	r = packet_parse(p->payload, p->len, &c.flow);
	/* Queued only to be read: DNS is never held or dropped (nor one the
	 * parser refuses). The mark bit alone is no proof (another tool may
	 * use that bit): a packet that is not DNS is decided like any other. */
	if ((p->mark & PICKET_MARK_DNS) && (r < 0 || is_dns(&c.flow))) {
		names_read(d, p, 0);
		nfq_verdict(d->nfq, p->id, p->mark, NFQ_VERDICT_PASS);
		return;
	}
	if (r < 0) {
		/* The kernel built this packet, so this is a parser gap, not an
		 * attack; the default action keeps the promise of the config. */
		d->counters.malformed++;
		action = default_rule_action(d->cfg.default_action);
		log_debug("packet %u: cannot parse (%s), default action %s", p->id, strerror(-r),
			  rule_action_name(action));
		nfq_verdict(d->nfq, p->id, p->mark, to_nfq(action));
		return;
	}
	c.has_uid = p->has_uid;
	c.uid = p->uid;
	c.gid = p->gid;
	if (c.has_uid)
		c.user_name = user_name(c.uid);
	iface_name(p->outdev, c.iface_out);

	/* The kernel's record first (made in the sender's context, so it
	 * outlives the process); /proc for what it does not cover. */
	r = d->kattrib ? kattrib_lookup(d->kattrib, d->attrib, &c.flow, &proc) : -ENOENT;
	if (r < 0)
		r = attrib_lookup(d->attrib, &c.flow, &proc);
	if (r == 0)
		c.proc = proc;
	else
		d->counters.unknown_process++;
	/* The socket is gone (its process exited): its owner is the process's. */
	if (!c.has_uid && proc) {
		c.has_uid = true;
		c.uid = proc->uid;
		c.gid = proc->gid;
		c.user_name = user_name(c.uid);
	}

	c.dst_host = names_host(d, &c.flow);

	rule = rules_match(d->rules, &c, ev.time.tv_sec);
	if (rule) {
		action = rule_action(rule);
		ev.reason = EVENT_REASON_RULE;
	} else {
		action = default_rule_action(d->cfg.default_action);
		ev.reason = EVENT_REASON_DEFAULT;
	}
	nfq_verdict(d->nfq, p->id, p->mark, to_nfq(action));
	if (d->kattrib && proc)
		cache_verdict(d, &c, rule, action, ev.time.tv_sec);
	/* A new flow's first query is tracked only if it may leave: a denied
	 * query must not leave a record that a forged reply could answer. */
	if (action == RULE_ALLOW && c.flow.dport == 53 && is_dns(&c.flow))
		names_read(d, p, proc ? proc->pid : 0);

	switch (action) {
	case RULE_ALLOW:
		d->counters.allowed++;
		ev.action = EVENT_ALLOW;
		break;
	case RULE_DENY:
		d->counters.denied++;
		ev.action = EVENT_DENY;
		break;
	case RULE_REJECT:
		d->counters.rejected++;
		ev.action = EVENT_REJECT;
		break;
	}
	if (rule && rule_nolog(rule))
		return;

	ev.flow = c.flow;
	ev.has_uid = c.has_uid;
	ev.uid = c.uid;
	ev.rule = rule ? rule_name(rule) : NULL;
	ev.dst_host = c.dst_host;
	memcpy(ev.iface_out, c.iface_out, sizeof(ev.iface_out));
	if (proc) {
		ev.pid = proc->pid;
		ev.process_path = proc->path;
		ev.process_args = proc->cmdline;
	} else {
		ev.process_path = PROC_UNKNOWN_PATH;
	}
	publish(d, &ev);
	log_event(&ev, "");
}
