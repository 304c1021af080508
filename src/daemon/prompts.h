/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Prompts: holding flows no rule decides and asking the prompters
 * (docs/protocol.md, "Prompts").
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/events.h"

struct conn;
struct control_client;
struct daemon;
struct nfq_packet;


#define PROMPTS_MAX 128        /* pending prompts; past it: default action, "prompt limit" */
#define PROMPT_PACKETS_MAX 64  /* packets one prompt holds; past it: default action */
/* Packets all prompts hold together: a quarter of the kernel queue, so that
 * held packets never leave other new flows without room (a full queue
 * drops them). Past it: default action, "prompt limit". */
#define PROMPTS_HELD_MAX 2048

int prompts_open(struct daemon *d);  /* after control_open: hooks, timer */
void prompts_close(struct daemon *d); /* settles every prompt ("shutdown") */
int prompts_fd(const struct daemon *d); /* the deadline timer, for the loop */
void prompts_on_timer(struct daemon *d);
/* No rule decided C (packet P, first seen at T). Returns EVENT_REASON_PROMPT
 * when P is held (its verdict comes with the answer); otherwise why the
 * default action applies now (EVENT_REASON_DEFAULT: prompting is off,
 * _NO_UI, _PROMPT_LIMIT). */
enum event_reason prompts_hold(struct daemon *d, const struct nfq_packet *p, const struct conn *c,
			       const struct timespec *t);
/* The rules changed (the loop noticed): settle the prompts a rule now decides. */
void prompts_rules_changed(struct daemon *d);

struct prompts_stats {
	uint64_t asked, answered, timed_out, no_ui, over_limit;
	size_t pending;
};
void prompts_get_stats(const struct daemon *d, struct prompts_stats *ret);

/* The control methods prompts.subscribe and prompts.answer. */
int prompts_method_subscribe(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			     char *err, size_t errsz);
int prompts_method_answer(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz);
