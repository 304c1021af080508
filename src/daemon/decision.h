/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Recording a decision: the one place a decided flow is counted, stored in
 * the event ring and the history, and pushed to subscribers. The queue path
 * (verdict.c, prompts.c) and the kernel's verdict cache (vcache.c) both
 * record through here, so an event reads the same whoever decided.
 */
#include <stdbool.h>
#include <time.h>

#include "daemon/events.h"
#include "netfilter/nfq.h"
#include "rules/rule.h"

struct conn;
struct daemon;

struct rule;


/* The nfq verdict of a rule action. */
enum nfq_verdict decision_nfq(enum action a);
/* The action applied when no rule or answer decides (config). */
enum action decision_default(const struct daemon *d);

/* Count EV (by its action) and, unless NOLOG, complete it (package of its
 * executable), store it in the ring and the history and publish it. EV's
 * strings are borrowed for the call. */
void decision_record(struct daemon *d, struct event *ev, bool nolog, const char *how);
/* The event of C decided by RULE (NULL: no rule) with ACTION for REASON,
 * first seen at T, recorded as above. */
void decision_record_conn(struct daemon *d, const struct conn *c, const struct rule *rule,
			  enum action action, enum event_reason reason,
			  const struct timespec *t);
