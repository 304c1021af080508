/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The rule an answer to a prompt makes (prompts.answer).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct flow;
struct rule;

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
 * in use in D's rules. -EINVAL and ERR when the scope does not fit T,
 * -EEXIST when every name is taken, -ENOMEM. */
int answer_rule(struct daemon *d, const struct answer_target *t, const char *action,
		const char *duration, const char *scope, bool pin, uint64_t uid, struct rule **ret,
		char *err, size_t errsz);
