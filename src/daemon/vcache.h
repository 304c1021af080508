/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The daemon's side of the kernel's verdict cache (src/bpf/kattrib.h): what
 * is cached, when it is invalidated, and the events of the flows it decides.
 * Every function is a no-op when BPF is not loaded (d->vcache NULL).
 */
#include <stdbool.h>
#include <time.h>

struct conn;
struct daemon;
struct rule;
struct vcache;

#define VCACHE_TAGS_MAX 1024 /* distinct deciding rules with cached verdicts */

int vcache_new(struct vcache **ret);
void vcache_free(struct vcache *vc);
/* After a decision: cache it in the kernel when that is provably the same
 * decision for every later flow of the key. */
void vcache_put(struct daemon *d, const struct conn *c, const struct rule *rule, bool allow,
		time_t now);
/* Record the flows the kernel decided from the cache since the last call
 * (decision.h), with the tags they were decided by. */
void vcache_drain(struct daemon *d);
/* Forget every cached verdict now (a first prompter came: the defaults
 * cached for want of one must be asked about). */
void vcache_invalidate(struct daemon *d);
/* The rules changed (the loop noticed): drain, invalidate, and learn
 * whether the new rule set can be cached at all. */
void vcache_rules_changed(struct daemon *d);
