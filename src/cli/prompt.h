/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * `picket prompt`: answers picketd's prompts (prompts.subscribe,
 * prompts.answer in docs/protocol.md).
 *
 * In a terminal: one prompt at a time with its context, a countdown to the
 * default action and single-key choices; the others wait in a queue
 * (bounded by PROMPT_QUEUE_MAX; the daemon's own bound is lower).
 * With JSON: every stream line as received on stdout, answers as JSON lines
 * on stdin ({"id":7,"action":"allow","duration":"always","scope":"exe"}),
 * stdin lines bounded by CONTROL_LINE_MAX bytes.
 */
#include <stdbool.h>

#include "cli/client.h"

#define PROMPT_QUEUE_MAX 512

/* Whether stdin and stdout are a terminal that takes ANSI sequences (TERM
 * set and not "dumb"). If not, prints why (pointing at --json) and returns
 * false. */
bool prompt_tty_usable(void);

/* Runs the prompter on CL (connected; borrowed) until the person quits,
 * stdin closes (JSON) or the daemon goes away. Returns the exit status:
 * 0, 1 (daemon or connection error), 128+signal. */
int prompt_main(struct client *cl, bool json);
