/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prompts: asking the person about a flow that no rule decides.
 *
 * While at least one client is subscribed to "prompts", such a flow's packet
 * is held in the kernel queue (no verdict yet) and a prompt goes to every
 * prompter. The first answer wins and the others see it settled. A timeout,
 * or the last prompter leaving, applies the default action. With no
 * prompter the default action applies at once: nothing ever waits on a UI
 * that is not there.
 *
 * One prompt per (process, executable, uid, destination, port, protocol): a
 * retransmitted SYN or a parallel connection joins the pending prompt and
 * gets its verdict. An answer becomes a rule (answer.c) unless it is "once";
 * every rule change re-checks the pending prompts, so an answer that covers
 * other pending prompts settles them too.
 *
 * The context a person needs (parents, package, digest) is gathered once per
 * prompt, on the loop thread. Prompts are rare next to verdicts, and digests
 * are cached by file identity (procctx/exehash.h), so only the first prompt
 * of a binary not seen before pays for reading it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "attrib/attrib.h"
#include "common/clock.h"
#include "common/conn.h"
#include "common/log.h"
#include "common/strutil.h"
#include "control/server.h"
#include "control/vocab.h"
#include "daemon/answer.h"
#include "daemon/context.h"
#include "daemon/daemon.h"
#include "daemon/decision.h"
#include "daemon/names.h"
#include "daemon/policy.h"
#include "daemon/prompts.h"
#include "daemon/vcache.h"
#include "netfilter/nfq.h"
#include "packet/packet.h"
#include "procctx/proctree.h"
#include "rules/rules.h"

#define TOPIC "prompts"

struct held {
	uint32_t id;
	uint32_t mark;
	uint16_t sport;
	uint16_t dns_len;
	uint8_t *dns; /* a DNS query, read once it may leave (names.c) */
};

struct prompt {
	uint64_t id;
	struct timespec time; /* wall clock of the first packet */
	int64_t deadline_ms;  /* CLOCK_MONOTONIC */
	struct conn conn;     /* proc, dst_host, user_name point into this prompt */
	struct proc_info proc;
	bool has_proc;
	char *host;
	char *user;
	char sha256[65]; /* "" when not known */
	json_t *json;    /* the prompt as published */
	unsigned connections;
	size_t nheld;
	struct held held[PROMPT_PACKETS_MAX];
};

struct prompts {
	struct prompt *v[PROMPTS_MAX]; /* oldest first */
	size_t held;                   /* packets held by all of them */
	size_t n;
	uint64_t next_id;
	int timer_fd;
	struct prompts_stats stats;
};


/* A held prompt's process may be gone: it answers with what it recorded. */
static const char *prompt_digest(const struct conn *c, int kind)
{
	const struct prompt *pr = c->digest_ctx;

	return kind == CONN_SHA256 && pr->sha256[0] ? pr->sha256 : NULL;
}

/* ---- the timer ---- */

static void arm_timer(struct prompts *ps, int64_t at_ms)
{
	struct itimerspec its = {0};

	if (at_ms > 0) {
		its.it_value.tv_sec = at_ms / 1000;
		its.it_value.tv_nsec = (at_ms % 1000) * 1000000;
	}
	if (timerfd_settime(ps->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("prompts: cannot arm the timer: %s", strerror(errno));
}

static void rearm(struct daemon *d)
{
	struct prompts *ps = d->prompts;
	int64_t first = 0;

	/* The last prompter went away meanwhile (a publish can drop a slow
	 * one): settle at once, not at the deadline. */
	if (ps->n > 0 && control_subscriber_count(d->control, TOPIC) == 0) {
		arm_timer(ps, 1);
		return;
	}
	for (size_t i = 0; i < ps->n; i++)
		if (!first || ps->v[i]->deadline_ms < first)
			first = ps->v[i]->deadline_ms;
	arm_timer(ps, first);
}

/* ---- the pending list ---- */

static void prompt_free(struct prompt *pr)
{
	if (!pr)
		return;
	for (size_t i = 0; i < pr->nheld; i++)
		free(pr->held[i].dns);
	free(pr->proc.environ);
	free(pr->host);
	free(pr->user);
	json_decref(pr->json);
	free(pr);
}

static bool same_key(const struct prompt *pr, const struct conn *c)
{
	const struct flow *a = &pr->conn.flow, *b = &c->flow;
	size_t alen = a->family == AF_INET ? 4 : 16;

	if (a->family != b->family || a->proto != b->proto || a->dport != b->dport ||
	    memcmp(&a->dst, &b->dst, alen) != 0 || pr->has_proc != (c->proc != NULL))
		return false;
	if (a->proto == IPPROTO_ICMP || a->proto == IPPROTO_ICMPV6) {
		if (a->echo_id != b->echo_id)
			return false;
	}
	if (!c->proc)
		return pr->conn.has_uid == c->has_uid && pr->conn.uid == c->uid;
	return pr->proc.pid == c->proc->pid && strcmp(pr->proc.path, c->proc->path) == 0;
}

static struct prompt *find_key(struct prompts *ps, const struct conn *c)
{
	for (size_t i = 0; i < ps->n; i++)
		if (same_key(ps->v[i], c))
			return ps->v[i];
	return NULL;
}

static struct prompt *detach(struct prompts *ps, size_t i)
{
	struct prompt *pr = ps->v[i];

	ps->held -= pr->nheld;
	memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof(ps->v[0]));
	ps->v[--ps->n] = NULL;
	return pr;
}

static struct prompt *detach_id(struct prompts *ps, uint64_t id)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i]->id == id)
			return detach(ps, i);
	return NULL;
}

static void hold_packet(struct prompt *pr, const struct nfq_packet *p, const struct conn *c)
{
	struct held *h = &pr->held[pr->nheld++];
	bool seen = false;

	*h = (struct held){.id = p->id, .mark = p->mark, .sport = c->flow.sport};
	for (size_t i = 0; i + 1 < pr->nheld; i++)
		seen = seen || pr->held[i].sport == h->sport;
	if (!seen)
		pr->connections++;
	if (c->flow.dport == 53 && flow_is_dns(&c->flow) && p->len <= UINT16_MAX) {
		h->dns = malloc(p->len);
		if (h->dns) {
			memcpy(h->dns, p->payload, p->len);
			h->dns_len = (uint16_t)p->len;
		}
	}
}

/* ---- what a prompt says ---- */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *parents_json(pid_t pid)
{
	struct proctree t;
	json_t *a = json_array();

	if (!a || proctree_walk(NULL, pid, &t) < 0)
		return a;
	for (size_t i = 1; i < t.n; i++)
		json_array_append_new(a, json_pack("{s:i,s:o}", "pid", (int)t.entries[i].pid, "path",
						   str_or_null(t.entries[i].exe)));
	proctree_done(&t);
	return a;
}

static json_t *process_json(struct daemon *d, struct prompt *pr)
{
	const struct proc_info *p = &pr->proc;
	const char *pkg = NULL, *pinned = NULL;
	const struct rule *old = NULL;
	json_t *o;

	if (!pr->has_proc)
		return json_pack("{s:s,s:n,s:n,s:n,s:o,s:o,s:[],s:n,s:n,s:b,s:n,s:n}", "path",
				 PROC_UNKNOWN_PATH, "cmdline", "cwd", "pid", "uid",
				 pr->conn.has_uid ? json_integer(pr->conn.uid) : json_null(), "user",
				 str_or_null(pr->user), "parents", "package", "sha256", "hash_changed",
				 false, "previous_sha256", "previous_rule");
	if (context_sha256_of_pid(d->context, p->pid, pr->sha256) < 0)
		pr->sha256[0] = '\0';
	pkg = context_package(d->context, p->path);
	if (pr->sha256[0])
		old = rules_pinned_sha256(d->rules, p->path, pr->sha256, &pinned);
	o = json_pack("{s:s,s:s,s:o,s:i,s:i,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "path", p->path,
		      "cmdline", p->cmdline, "cwd", str_or_null(p->cwd), "pid", (int)p->pid, "uid",
		      (int)(pr->conn.has_uid ? pr->conn.uid : p->uid), "user", str_or_null(pr->user),
		      "parents", parents_json(p->pid), "package", str_or_null(pkg), "sha256",
		      str_or_null(pr->sha256), "hash_changed", old != NULL, "previous_sha256",
		      str_or_null(old ? pinned : NULL), "previous_rule",
		      str_or_null(old ? rule_name(old) : NULL));
	return o;
}

static json_t *prompt_json(struct daemon *d, struct prompt *pr)
{
	const struct flow *f = &pr->conn.flow;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ts[40], num[8];
	const char *proto = packet_proto_name(f->proto), *service = NULL;
	bool ports = flow_has_ports(f);
	struct timespec wall;
	int64_t left = pr->deadline_ms - mono_ms();

	if (!proto) {
		snprintf(num, sizeof(num), "%u", f->proto);
		proto = num;
	}
	if (ports)
		service = context_service(d->context, f->dport, f->proto);
	time_iso_ms((int64_t)pr->time.tv_sec * 1000 + pr->time.tv_nsec / 1000000, ts, sizeof(ts));
	clock_gettime(CLOCK_REALTIME, &wall);
	return json_pack(
		"{s:I,s:s,s:I,s:i,s:s,s:i,s:s,s:{s:s,s:o},s:{s:s,s:o,s:o,s:o},s:o}", "id",
		(json_int_t)pr->id, "time", ts, "deadline_ms",
		(json_int_t)((int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000 + left), "timeout_s",
		(int)d->cfg.prompt_timeout, "default_action",
		action_name(decision_default(d)), "connections", (int)pr->connections,
		"protocol", proto, "source", "ip", flow_addr_str(f->family, &f->src, src, sizeof(src)),
		"port", ports ? json_integer(f->sport) : json_null(), "destination", "ip",
		flow_addr_str(f->family, &f->dst, dst, sizeof(dst)), "host", str_or_null(pr->host),
		"port", ports ? json_integer(f->dport) : json_null(), "service",
		str_or_null(service), "process", process_json(d, pr));
}

/* A copy of what the verdict path knew, so the prompt can be re-matched and
 * logged after the attribution caches have moved on. */
static struct prompt *prompt_new(struct daemon *d, const struct conn *c, const struct timespec *t)
{
	struct prompt *pr = calloc(1, sizeof(*pr));

	if (!pr)
		return NULL;
	pr->id = ++d->prompts->next_id;
	pr->time = *t;
	pr->deadline_ms = mono_ms() + (int64_t)d->cfg.prompt_timeout * 1000;
	pr->conn = *c;
	pr->conn.exe_digest = prompt_digest;
	pr->conn.digest_ctx = pr;
	pr->conn.proc = NULL;
	if (c->proc) {
		pr->has_proc = true;
		pr->proc = *c->proc;
		pr->proc.environ = NULL;
		pr->proc.environ_len = 0;
		if (c->proc->environ && c->proc->environ_len) {
			pr->proc.environ = malloc(c->proc->environ_len);
			if (!pr->proc.environ)
				goto fail;
			memcpy(pr->proc.environ, c->proc->environ, c->proc->environ_len);
			pr->proc.environ_len = c->proc->environ_len;
		}
		pr->conn.proc = &pr->proc;
	}
	if ((c->dst_host && !(pr->host = strdup(c->dst_host))) ||
	    (c->user_name && !(pr->user = strdup(c->user_name))))
		goto fail;
	pr->conn.dst_host = pr->host;
	pr->conn.user_name = pr->user;
	pr->json = prompt_json(d, pr);
	if (!pr->json)
		goto fail;
	return pr;
fail:
	prompt_free(pr);
	return NULL;
}

/* ---- settling ---- */

static void publish(struct daemon *d, const char *event, json_t *data)
{
	json_t *msg = json_pack("{s:s,s:o}", "event", event, "data", data);

	if (msg)
		control_publish(d->control, TOPIC, msg);
	json_decref(msg);
}

/* Answer every packet PR holds, log its connections, tell the prompters
 * (INFO: more members for the settled message, consumed) and free PR. */
static void settle(struct daemon *d, struct prompt *pr, enum action action,
		   enum event_reason reason, const struct rule *rule, const char *by, json_t *info)
{
	struct conn c = pr->conn;

	for (size_t i = 0; i < pr->nheld; i++) {
		struct held *h = &pr->held[i];
		bool first = true;

		nfq_verdict(d->nfq, h->id, h->mark, decision_nfq(action));
		if (action == ACTION_ALLOW && h->dns) {
			struct nfq_packet q = {.id = h->id, .payload = h->dns, .len = h->dns_len};
			names_read(d, &q, pr->has_proc ? pr->proc.pid : 0);
		}
		for (size_t j = 0; j < i; j++)
			first = first && pr->held[j].sport != h->sport;
		if (first) {
			c.flow.sport = h->sport;
			decision_record_conn(d, &c, rule, action, reason, &pr->time);
		}
	}
	nfq_flush(d->nfq);

	if (!info)
		info = json_object();
	json_object_set_new(info, "id", json_integer((json_int_t)pr->id));
	json_object_set_new(info, "by", json_string(by));
	json_object_set_new(info, "action", json_string(action_name(action)));
	json_object_set_new(info, "rule", str_or_null(rule ? rule_name(rule) : NULL));
	json_object_set_new(info, "connections", json_integer(pr->connections));
	if (!json_object_get(info, "duration"))
		json_object_set_new(info, "duration", json_string("once"));
	if (!json_object_get(info, "answered_by"))
		json_object_set_new(info, "answered_by", json_null());
	publish(d, "prompt.settled", info);
	log_info("prompts: #%" PRIu64 " %s: %s (%u connection%s)%s%s", pr->id, by,
		 action_name(action), pr->connections, pr->connections == 1 ? "" : "s",
		 rule ? ", rule " : "", rule ? rule_name(rule) : "");
	prompt_free(pr);
}

/* Settle every prompt that satisfies PRED with the default action. */
static void settle_default(struct daemon *d, bool (*pred)(const struct prompt *, int64_t),
			   int64_t now, enum event_reason reason, const char *by)
{
	struct prompts *ps = d->prompts;
	size_t i = 0;

	while (i < ps->n) {
		if (!pred(ps->v[i], now)) {
			i++;
			continue;
		}
		if (reason == EVENT_REASON_PROMPT_TIMEOUT)
			ps->stats.timed_out++;
		settle(d, detach(ps, i), decision_default(d), reason, NULL, by, NULL);
	}
}

static bool any(const struct prompt *pr, int64_t now)
{
	(void)pr;
	(void)now;
	return true;
}

static bool overdue(const struct prompt *pr, int64_t now)
{
	return pr->deadline_ms <= now;
}

void prompts_on_timer(struct daemon *d)
{
	struct prompts *ps = d->prompts;
	uint64_t ticks;

	if (read(ps->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("prompts: timer: %s", strerror(errno));
	/* The last prompter left (the close hook only arms the timer: it can
	 * run in the middle of the control server's own loops). */
	if (control_subscriber_count(d->control, TOPIC) == 0)
		settle_default(d, any, 0, EVENT_REASON_NO_UI, "disconnect");
	else
		settle_default(d, overdue, mono_ms(), EVENT_REASON_PROMPT_TIMEOUT, "timeout");
	rearm(d);
}

void prompts_rules_changed(struct daemon *d)
{
	struct prompts *ps = d->prompts;
	time_t now = time(NULL);
	size_t i = 0;

	if (!ps)
		return;
	while (i < ps->n) {
		const struct rule *rule = rules_match(d->rules, &ps->v[i]->conn, now);

		if (!rule) {
			i++;
			continue;
		}
		settle(d, detach(ps, i), rule_action(rule), EVENT_REASON_RULE, rule, "rule", NULL);
	}
	rearm(d);
}

enum event_reason prompts_hold(struct daemon *d, const struct nfq_packet *p, const struct conn *c,
			       const struct timespec *t)
{
	struct prompts *ps = d->prompts;
	struct prompt *pr;
	int64_t t0;

	if (!ps || d->cfg.prompt_timeout == 0)
		return EVENT_REASON_DEFAULT;
	if (control_subscriber_count(d->control, TOPIC) == 0) {
		ps->stats.no_ui++;
		return EVENT_REASON_NO_UI;
	}
	pr = find_key(ps, c);
	if (pr) {
		if (pr->nheld == PROMPT_PACKETS_MAX || ps->held >= PROMPTS_HELD_MAX) {
			ps->stats.over_limit++;
			return EVENT_REASON_PROMPT_LIMIT;
		}
		hold_packet(pr, p, c);
		ps->held++;
		return EVENT_REASON_PROMPT;
	}
	if (ps->n == PROMPTS_MAX || ps->held >= PROMPTS_HELD_MAX) {
		ps->stats.over_limit++;
		log_debug("prompts: %zu pending holding %zu packets, default action for a new one",
			  ps->n, ps->held);
		return EVENT_REASON_PROMPT_LIMIT;
	}
	t0 = mono_us();
	pr = prompt_new(d, c, t);
	if (!pr) {
		ps->stats.over_limit++;
		log_warn("prompts: out of memory, default action");
		return EVENT_REASON_PROMPT_LIMIT;
	}
	hold_packet(pr, p, c);
	ps->held++;
	json_object_set_new(pr->json, "connections", json_integer(pr->connections));
	ps->v[ps->n++] = pr;
	ps->stats.asked++;
	publish(d, "prompt", json_incref(pr->json));
	rearm(d);
	/* What asking costs the loop: parents, package, digest, JSON. */
	log_info("prompts: #%" PRIu64 " asked: %s -> %s port %u (context in %" PRId64 " us)", pr->id,
		 pr->has_proc ? pr->proc.path : PROC_UNKNOWN_PATH,
		 pr->host ? pr->host : json_string_value(json_object_get(
						json_object_get(pr->json, "destination"), "ip")),
		 pr->conn.flow.dport, mono_us() - t0);
	return EVENT_REASON_PROMPT;
}

/* ---- control methods ---- */

int prompts_method_subscribe(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			     char *err, size_t errsz)
{
	struct daemon *d = ud;
	struct prompts *ps = d->prompts;
	json_t *pending = json_array();
	int r;

	(void)params;
	if (d->cfg.prompt_timeout == 0) {
		snprintf(err, errsz, "prompting is off (prompt-timeout 0)");
		json_decref(pending);
		return -EOPNOTSUPP;
	}
	/* The first prompter: defaults the kernel cached while nobody could
	 * be asked must reach the queue again, to be asked about. */
	if (control_subscriber_count(d->control, TOPIC) == 0)
		vcache_invalidate(d);
	r = control_client_subscribe(cl, TOPIC);
	if (r < 0) {
		json_decref(pending);
		return r;
	}
	for (size_t i = 0; i < ps->n; i++) {
		json_object_set_new(ps->v[i]->json, "connections",
				    json_integer(ps->v[i]->connections));
		json_array_append(pending, ps->v[i]->json);
	}
	log_info("prompts: uid %u (pid %d) subscribed, %zu prompter(s)",
		 (unsigned)control_client_uid(cl), (int)control_client_pid(cl),
		 control_subscriber_count(d->control, TOPIC));
	*ret = json_pack("{s:s,s:i,s:o}", "subscribed", TOPIC, "timeout_s",
			 (int)d->cfg.prompt_timeout, "pending", pending);
	return *ret ? 0 : -ENOMEM;
}

int prompts_method_answer(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz)
{
	struct daemon *d = ud;
	struct prompts *ps = d->prompts;
	json_t *jid = json_object_get(params, "id"), *jpin = json_object_get(params, "pin_hash");
	const char *action = json_string_value(json_object_get(params, "action"));
	const char *duration = json_string_value(json_object_get(params, "duration"));
	const char *scope = json_string_value(json_object_get(params, "scope"));
	const struct rule *made = NULL;
	struct rule *rule = NULL;
	struct prompt *pr;
	char name[RULE_NAME_MAX + 1] = "", who[64];
	int act, r;

	if (!control_client_subscribed(cl, TOPIC)) {
		snprintf(err, errsz, "only a prompter may answer: call prompts.subscribe first");
		return -EPERM;
	}
	if (!json_is_integer(jid) || json_integer_value(jid) <= 0) {
		snprintf(err, errsz, "params: 'id' must be a prompt id (a positive integer)");
		return -EINVAL;
	}
	act = action ? action_from_name(action) : -EINVAL;
	if (act < 0) {
		snprintf(err, errsz, "params: 'action' must be allow, deny or reject");
		return -EINVAL;
	}
	if (!duration)
		duration = "once";
	if (prompt_duration_from_name(duration) < 0) {
		snprintf(err, errsz,
			 "params: 'duration' must be once, until restart, always, 30s, 5m, 15m, "
			 "30m, 1h or 12h");
		return -EINVAL;
	}
	if (!scope)
		scope = "exe";
	if (prompt_scope_from_name(scope) < 0) {
		snprintf(err, errsz, "params: 'scope' must be exe, exe+host, exe+ip, exe+port or cmdline");
		return -EINVAL;
	}
	if (jpin && !json_is_boolean(jpin)) {
		snprintf(err, errsz, "params: 'pin_hash' must be true or false");
		return -EINVAL;
	}
	/* Taken off the list first: this one is settled as answered, not by
	 * the rule it makes (which the loop then re-checks the others with). */
	pr = detach_id(ps, (uint64_t)json_integer_value(jid));
	if (!pr) {
		snprintf(err, errsz, "prompt %" JSON_INTEGER_FORMAT " is not pending (settled already)",
			 json_integer_value(jid));
		return -ENOENT;
	}
	if (strcmp(duration, "once") != 0) {
		struct answer_target t = {
			.prompt_id = pr->id,
			.known = pr->has_proc,
			.path = pr->has_proc ? pr->proc.path : PROC_UNKNOWN_PATH,
			.cmdline = pr->has_proc ? pr->proc.cmdline : "",
			.host = pr->host,
			.flow = &pr->conn.flow,
			.sha256 = pr->sha256,
		};

		r = answer_rule(d, &t, action_name((enum action)act), duration, scope,
				json_is_true(jpin), control_client_uid(cl), &rule, err, errsz);
		if (r == 0) {
			snprintf(name, sizeof(name), "%s", rule_name(rule));
			snprintf(who, sizeof(who), "prompt %" PRIu64 ", uid %u", pr->id,
				 (unsigned)control_client_uid(cl));
			r = policy_add_rule(d, rule, who, err, errsz);
		}
		if (r < 0) {
			ps->v[ps->n++] = pr; /* still pending: another answer may do */
			ps->held += pr->nheld;
			return r;
		}
		made = rules_lookup(d->rules, name);
	}
	ps->stats.answered++;
	*ret = json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)pr->id, "action",
			 action_name((enum action)act), "duration", duration, "scope", scope,
			 "rule", str_or_null(name));
	settle(d, pr, (enum action)act, EVENT_REASON_PROMPT, made, "answer",
	       json_pack("{s:s,s:s,s:{s:i,s:i}}", "duration", duration, "scope", scope,
			 "answered_by", "uid", (int)control_client_uid(cl), "pid",
			 (int)control_client_pid(cl)));
	rearm(d);
	return *ret ? 0 : -ENOMEM;
}

/* ---- lifecycle ---- */

static void on_client_close(void *ud, struct control_client *cl)
{
	struct daemon *d = ud;

	(void)cl;
	/* Settled from the loop, at once: this hook may run inside the
	 * control server's iteration over its clients. */
	if (d->prompts && d->prompts->n > 0 && control_subscriber_count(d->control, TOPIC) == 0)
		arm_timer(d->prompts, 1);
}

int prompts_open(struct daemon *d)
{
	struct prompts *ps = calloc(1, sizeof(*ps));
	int r;

	if (!ps)
		return -ENOMEM;
	ps->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ps->timer_fd < 0) {
		r = -errno;
		free(ps);
		return r;
	}
	d->prompts = ps;
	control_set_close_hook(d->control, on_client_close);
	return 0;
}

void prompts_close(struct daemon *d)
{
	struct prompts *ps = d->prompts;

	if (!ps)
		return;
	if (d->nfq)
		settle_default(d, any, 0, EVENT_REASON_DEFAULT, "shutdown");
	if (d->control)
		control_set_close_hook(d->control, NULL);
	close(ps->timer_fd);
	free(ps);
	d->prompts = NULL;
}

int prompts_fd(const struct daemon *d)
{
	return d->prompts->timer_fd;
}

void prompts_get_stats(const struct daemon *d, struct prompts_stats *ret)
{
	*ret = d->prompts->stats;
	ret->pending = d->prompts->n;
}
