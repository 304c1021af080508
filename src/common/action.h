/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The one verdict vocabulary: what a rule says, what the config's default
 * is, what an event records. Spelled once, in action_tbl (action.c).
 */

enum action { ACTION_ALLOW, ACTION_DENY, ACTION_REJECT };

/* "allow", "deny", "reject"; "unknown" for a value out of range. */
const char *action_name(enum action a);
/* The action spelled S (exactly), or -EINVAL (S NULL or not an action). */
int action_from_name(const char *s);
#define ACTIONS_N 3 /* the values of enum action */
