/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The prompt vocabulary of the protocol (docs/protocol.md, "prompts.answer"):
 * the durations and scopes an answer may name, spelled once for the daemon
 * (which checks answers and makes rules from them) and the prompters (which
 * offer them, in this order: durations are keys 1-9).
 */

enum prompt_duration {
	PROMPT_DUR_ONCE,
	PROMPT_DUR_RESTART,
	PROMPT_DUR_ALWAYS,
	PROMPT_DUR_30S,
	PROMPT_DUR_5M,
	PROMPT_DUR_15M,
	PROMPT_DUR_30M,
	PROMPT_DUR_1H,
	PROMPT_DUR_12H,
};
#define PROMPT_DURATIONS 9

enum prompt_scope { PROMPT_SCOPE_EXE, PROMPT_SCOPE_HOST, PROMPT_SCOPE_IP, PROMPT_SCOPE_PORT,
		    PROMPT_SCOPE_CMDLINE };
#define PROMPT_SCOPES 5

/* Wire values: "once", "until restart", "always", "30s", ... */
extern const char *const prompt_durations[PROMPT_DURATIONS];
/* Wire values: "exe", "exe+host", "exe+ip", "exe+port", "cmdline". */
extern const char *const prompt_scopes[PROMPT_SCOPES];

/* The index of S in the table, or -EINVAL. */
int prompt_duration_from_name(const char *s);
int prompt_scope_from_name(const char *s);
