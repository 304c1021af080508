/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What `picket prompt` shows and how keys change an answer: pure functions
 * over a PROMPT object (docs/protocol.md, prompts.subscribe), no I/O, so
 * the layout can be tested without a terminal.
 *
 * Everything from the daemon is printed through a filter that turns control
 * characters (C0, DEL, C1) into '?': a program's command line must not be
 * able to move the cursor or recolour the prompt it is being judged by.
 * Lines are clipped to the screen width ("..." at the cut).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/action.h"
#include "control/vocab.h" /* durations and scopes, in key order */

#define PROMPT_ACTIONS ACTIONS_N /* action_name(): allow deny reject */

/* Index of WORD in TABLE (N entries), or -1. */
int prompt_word_index(const char *word, const char *const *table, size_t n);

struct prompt_choice {
	int action;   /* an enum action, -1 until chosen */
	int duration; /* index in prompt_durations */
	int scope;    /* index in prompt_scopes */
	bool pin;     /* pin the executable's sha256 */
};

/* The defaults: no action, "always", scope "exe", no pin; "once" when the
 * executable changed since a rule allowed it (a reflexive answer should not
 * make a lasting rule for a binary that is not what was allowed). */
void prompt_choice_init(json_t *prompt, struct prompt_choice *ch);

/* Whether SCOPE can be offered: exe+host needs a host name, exe+port a
 * port, cmdline a command line. */
bool prompt_scope_offered(json_t *prompt, int scope);

enum prompt_key {
	PROMPT_KEY_IGNORED, /* not a key of ours */
	PROMPT_KEY_CHANGED, /* the choice changed */
	PROMPT_KEY_REFUSED, /* ours, but not possible here; WHY says why */
	PROMPT_KEY_SEND,    /* send the choice (an action is set) */
	PROMPT_KEY_NEXT,    /* show the next pending prompt */
	PROMPT_KEY_QUIT,
};

/* Applies key KEY (a byte) to CH for PROMPT. Keys: a d r action, A D R
 * action and send, 1-9 duration, e h i p c scope, s pin, Enter send, Tab n
 * next, q quit. */
enum prompt_key prompt_choice_key(json_t *prompt, struct prompt_choice *ch, int key, char *why,
				  size_t whysz);

/* The request params of prompts.answer for CH (new reference). */
json_t *prompt_answer_params(json_t *prompt, const struct prompt_choice *ch);

/* A screen: at most SCREEN_ROWS_MAX lines of SCREEN_LINE_MAX bytes
 * (escape sequences included). */
#define SCREEN_ROWS_MAX 64
#define SCREEN_LINE_MAX 1024
struct screen {
	int cols, rows;
	bool color; /* ANSI attributes (bold, reverse, red) */
	size_t n;
	struct {
		char b[SCREEN_LINE_MAX];
		size_t len;
		int width;
	} line[SCREEN_ROWS_MAX];
};

struct prompt_view {
	json_t *prompt; /* NULL: nothing pending */
	const struct prompt_choice *ch;
	size_t index, count;	/* "1 of 3 pending" (index from 0) */
	long long now_ms;	/* epoch ms */
	long long deadline_ms;	/* epoch ms */
	bool sending;		/* the answer is on its way */
	const char *status;	/* one line under the choices, or NULL */
	const char *const *notes; /* newest last */
	size_t nnotes;
};

/* Lays out V for S->cols x S->rows into S (S->n lines). Details are
 * dropped from the bottom when rows are short; the choices never are. */
void prompt_render(struct screen *s, const struct prompt_view *v);

/* "/usr/bin/curl -> example.org:443" for notes, clipped to BUFSZ. */
void prompt_label(json_t *prompt, char *buf, size_t bufsz);

/* A note for a settlement: "#7 LABEL: timed out, deny applied". PROMPT
 * may be NULL (not known here). */
void prompt_settled_note(json_t *prompt, json_t *settled, char *buf, size_t bufsz);
