/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The daemon's state, shared by its own files (picketd.c: start-up and the
 * event loop; verdict.c: the per-packet path; policy.c: the rules'
 * lifecycle; methods.c: the control methods). Nothing outside src/daemon
 * includes this.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "control/server.h"
#include "daemon/config.h"
#include "daemon/events.h"
#include "netfilter/nfq.h"
#include "rules/rule.h"
#include "netfilter/nftables.h"

struct attrib;
struct kattrib;
struct names;
struct eventlog;
struct events;
struct nfq;
struct prompts;
struct rules;

struct counters {
	uint64_t packets;        /* packets the queue gave us */
	uint64_t allowed;
	uint64_t denied;
	uint64_t rejected;
	uint64_t unknown_process;
	uint64_t malformed;      /* packets the parser refused (default action applied) */
};

struct daemon {
	struct config cfg;
	enum nft_backend backend;
	struct timespec started;
	struct rules *rules;
	struct events *events;
	struct eventlog *eventlog; /* NULL: --no-history */
	struct attrib *attrib;
	struct kattrib *kattrib;   /* NULL: BPF not loaded (--no-bpf, or it failed) */
	struct names *names;       /* DNS names (names.c) */
	struct nfq *nfq;
	struct control *control;
	struct prompts *prompts;   /* prompts.c */
	struct counters counters;
};

/* verdict.c: decide one queued packet (the nfq callback). */
struct conn;
struct flow;
struct nfq_packet;
struct rule;
void verdict_packet(void *daemon, const struct nfq_packet *p);
/* Count a decided connection and log its event (unless its rule is nolog). */
void verdict_record(struct daemon *d, const struct conn *c, const struct rule *rule,
		    enum rule_action action, enum event_reason reason, const struct timespec *t);
enum nfq_verdict verdict_of(enum rule_action a);
enum rule_action verdict_default_action(const struct daemon *d);
bool verdict_is_dns(const struct flow *f);
/* Drop cached user and interface names (they may have changed). */
void verdict_forget_names(void);
/* On every loop wake-up: logs the flows the kernel's verdict cache decided
 * since the last call, and invalidates the cache if the rules changed. */
void verdict_sync(struct daemon *d);
/* vcache.c (with verdict_sync): after a decision, cache it in the kernel
 * when that is provably the same decision for every later flow of the key. */
struct conn;
struct rule;
/* Forget every cached verdict now (a first prompter came: the defaults
 * cached for want of one must be asked about). */
void vcache_invalidate(struct daemon *d);
void vcache_put(struct daemon *d, const struct conn *c, const struct rule *rule, bool allow,
		time_t now);

/* policy.c */
int policy_load(struct daemon *d);   /* first load at start-up */
void policy_reload(struct daemon *d); /* SIGHUP, inotify: keeps in-memory rules */
void policy_expire(struct daemon *d); /* drop timed rules that ran out */
void policy_lists_refresh(struct daemon *d); /* reload changed lists, log loads */
/* Add RULE (owned in every case): written to the rules directory first if
 * it is persistent. WHO says who asked, for the log. -errno and ERR. */
int policy_add_rule(struct daemon *d, struct rule *rule, const char *who, char *err,
		    size_t errsz);

/* prompts.c: holding flows no rule decides and asking the prompters
 * (docs/protocol.md, "Prompts"). */
#define PROMPTS_MAX 128        /* pending prompts; past it: default action, "prompt limit" */
#define PROMPT_PACKETS_MAX 64  /* packets one prompt holds; past it: default action */
/* Packets all prompts hold together: a quarter of the kernel queue, so that
 * held packets never leave other new flows without room (a full queue
 * drops them). Past it: default action, "prompt limit". */
#define PROMPTS_HELD_MAX 2048
int prompts_open(struct daemon *d);  /* after control_open: hooks, timer, caches */
void prompts_close(struct daemon *d); /* settles every prompt ("shutdown") */
int prompts_fd(const struct daemon *d); /* the deadline timer, for the loop */
void prompts_on_timer(struct daemon *d);
/* No rule decided C (packet P, first seen at T). Returns EVENT_REASON_PROMPT
 * when P is held (its verdict comes with the answer); otherwise why the
 * default action applies now (EVENT_REASON_DEFAULT: prompting is off,
 * _NO_UI, _PROMPT_LIMIT). */
enum event_reason prompts_hold(struct daemon *d, const struct nfq_packet *p, const struct conn *c,
			       const struct timespec *t);
/* The rules changed: settle the prompts a rule now decides. */
void prompts_recheck(struct daemon *d);
/* The Debian package that installed PATH (cached a few seconds), or NULL:
 * not from a package, or not known. Valid until the next call. */
const char *prompts_package(struct daemon *d, const char *path);
/* conn->exe_digest for live processes (cached by file identity). */
const char *prompts_exe_digest(const struct conn *c, int kind);
struct prompts_stats {
	uint64_t asked, answered, timed_out, no_ui, over_limit;
	size_t pending;
};
void prompts_get_stats(const struct daemon *d, struct prompts_stats *ret);
/* answer.c: the rule an answer to a prompt makes (prompts.answer). */
struct answer_target {
	uint64_t prompt_id;
	bool known;            /* the process is known (else path is "unknown") */
	const char *path;      /* executable */
	const char *cmdline;   /* "" when not known */
	const char *host;      /* destination's name, NULL when not known */
	const struct flow *flow;
	const char *sha256;    /* "" when not known */
};
/* A rule for T: ACTION, DURATION (not "once"), SCOPE (exe, exe+host, exe+ip,
 * exe+port, cmdline), PIN (+ process.hash.sha256), named readably and not
 * in use. -EINVAL and ERR when the scope does not fit T, -EEXIST when every
 * name is taken, -ENOMEM. */
int answer_rule(struct daemon *d, const struct answer_target *t, const char *action,
		const char *duration, const char *scope, bool pin, uint64_t uid, struct rule **ret,
		char *err, size_t errsz);
int prompts_method_subscribe(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			     char *err, size_t errsz);
int prompts_method_answer(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz);

/* methods.c: the control protocol's methods, ended by {NULL, NULL}. */
extern const struct control_method daemon_methods[];
/* Push a connection event to subscribers (no-op when there are none). */
struct event;
void methods_publish_event(struct daemon *d, const struct event *e);

/* eventlog.c: the connection history (src/history) in the daemon. */
int eventlog_open(struct daemon *d);      /* start-up; a bad file is only a warning */
void eventlog_close(struct daemon *d);    /* flushes */
void eventlog_add(struct daemon *d, const struct event *e); /* verdict path: no I/O */
void eventlog_tick(struct daemon *d);     /* timer: hand over the batch, report, retention */
bool eventlog_has_filters(json_t *params);
int eventlog_query(struct daemon *d, json_t *params, json_t **ret, char *err, size_t errsz);
int eventlog_method_stats(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz);
int eventlog_method_export(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			   char *err, size_t errsz);

/* names.c: host names from the DNS queries and replies that pass (src/dns). */
struct flow;
struct names_stats {
	uint64_t queries;     /* queries seen going out */
	uint64_t replies;     /* replies believed (answer a query seen) */
	uint64_t unsolicited; /* replies that answer no query seen: ignored */
	uint64_t malformed;   /* DNS packets the parser refused */
	uint64_t cached;      /* addresses named now */
};
int names_new(struct names **ret);
void names_free(struct names *n);
/* Read the DNS message(s) in P (a query going out or a reply coming in) and
 * learn from them; PID asked, 0 when not known. The caller gives the verdict. */
void names_read(struct daemon *d, const struct nfq_packet *p, pid_t pid);
/* The name asked for that resolved to F's destination, or NULL. Valid until
 * the next names_* call. */
const char *names_host(struct daemon *d, const struct flow *f);
void names_expire(struct daemon *d); /* housekeeping */
const struct names_stats *names_stats(const struct daemon *d);
