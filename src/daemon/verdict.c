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
#include <string.h>
#include <time.h>

#include "attrib/attrib.h"
#include "bpf/kattrib.h"
#include "common/conn.h"
#include "common/log.h"
#include "daemon/context.h"
#include "daemon/daemon.h"
#include "daemon/decision.h"
#include "daemon/events.h"
#include "daemon/names.h"
#include "daemon/prompts.h"
#include "daemon/vcache.h"
#include "daemon/verdict.h"
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

void verdict_packet(void *userdata, const struct nfq_packet *p)
{
	struct daemon *d = userdata;
	struct conn c = {.exe_digest = context_exe_digest, .digest_ctx = d->context};
	const struct proc_info *proc = NULL;
	const struct rule *rule = NULL;
	enum action action;
	enum event_reason reason;
	struct timespec now;
	int r;

	d->counters.packets++;
	clock_gettime(CLOCK_REALTIME, &now);
	vcache_drain(d); /* the kernel's decisions first, in order */

	r = packet_parse(p->payload, p->len, &c.flow);
	/* Queued only to be read: DNS is never held or dropped (nor one the
	 * parser refuses). The mark bit alone is no proof (another tool may
	 * use that bit): a packet that is not DNS is decided like any other. */
	if ((p->mark & PICKET_MARK_DNS) && (r < 0 || flow_is_dns(&c.flow))) {
		names_read(d, p, 0);
		nfq_verdict(d->nfq, p->id, p->mark, NFQ_VERDICT_PASS);
		return;
	}
	if (r < 0) {
		/* The kernel built this packet, so this is a parser gap, not an
		 * attack; the default action keeps the promise of the config. */
		d->counters.malformed++;
		action = decision_default(d);
		log_debug("packet %u: cannot parse (%s), default action %s", p->id, strerror(-r),
			  action_name(action));
		nfq_verdict(d->nfq, p->id, p->mark, decision_nfq(action));
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

	rule = rules_match(d->rules, &c, now.tv_sec);
	if (rule) {
		action = rule_action(rule);
		reason = EVENT_REASON_RULE;
	} else {
		/* No rule says: ask, if someone is there to answer. */
		reason = prompts_hold(d, p, &c, &now);
		if (reason == EVENT_REASON_PROMPT)
			return; /* held: the verdict comes with the answer */
		action = decision_default(d);
	}
	nfq_verdict(d->nfq, p->id, p->mark, decision_nfq(action));
	/* Into the kernel's cache: what a rule decided, and the default action
	 * when prompting is off or nobody is there to ask (those entries go
	 * when a prompter subscribes: vcache_invalidate). Not what a full
	 * prompt table decided. */
	if (proc &&
	    (reason == EVENT_REASON_RULE || reason == EVENT_REASON_DEFAULT ||
	     reason == EVENT_REASON_NO_UI))
		vcache_put(d, &c, rule, action == ACTION_ALLOW, now.tv_sec);
	/* A new flow's first query is tracked only if it may leave: a denied
	 * query must not leave a record that a forged reply could answer. */
	if (action == ACTION_ALLOW && c.flow.dport == 53 && flow_is_dns(&c.flow))
		names_read(d, p, proc ? proc->pid : 0);
	decision_record_conn(d, &c, rule, action, reason, &now);
}
