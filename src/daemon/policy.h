/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The rules' lifecycle in the daemon: first load, reload (SIGHUP, inotify)
 * keeping the rules that live only in memory, expiry, and additions from
 * the control methods and from answers. Every change moves
 * rules_generation(d->rules); the loop notices it (picketd.c) and tells
 * the verdict cache and the pending prompts.
 */
#include <stddef.h>

struct daemon;
struct rule;

int policy_load(struct daemon *d);            /* first load at start-up: -errno */
void policy_reload(struct daemon *d);         /* a failed reload keeps the rules in use */
void policy_expire(struct daemon *d);         /* drop timed rules that ran out */
void policy_lists_refresh(struct daemon *d);  /* reload changed lists, log loads */
/* Add RULE (owned in every case): written to the rules directory first if
 * it is persistent. WHO says who asked, for the log. -errno and ERR. */
int policy_add_rule(struct daemon *d, struct rule *rule, const char *who, char *err,
		    size_t errsz);
