/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Connection events: one per decided flow, kept in a bounded in-memory ring
 * (EVENTS_MAX, oldest dropped first) for `events.query`, and handed to
 * subscribers as they happen. Persistent history is a separate module.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/action.h"
#include "common/flow.h"

#define EVENTS_MAX 10000
#define EVENTS_STR_MAX 4096 /* bytes kept of each string */

/* Why the action was taken; event_reason_name() gives the text stored in
 * the history and sent to UIs. */
enum event_reason {
	EVENT_REASON_RULE,           /* "rule": a rule matched */
	EVENT_REASON_DEFAULT,        /* "default": no rule, the default action */
	EVENT_REASON_PROMPT,         /* "prompt": a UI answered a prompt */
	EVENT_REASON_PROMPT_TIMEOUT, /* "prompt timeout": nobody answered in time */
	EVENT_REASON_NO_UI,          /* "no UI": no prompter connected */
	EVENT_REASON_PROMPT_LIMIT,   /* "prompt limit": too many prompts pending */
};

struct event {
	uint64_t id;
	struct timespec time;
	enum action action;
	enum event_reason reason;
	struct flow flow;
	pid_t pid;                /* 0: process not known */
	bool has_uid;
	uid_t uid;
	/* Strings: borrowed in the event given to events_add(), owned by the
	 * ring in the events it stores. */
	const char *rule;         /* NULL when no rule decided */
	const char *process_path; /* PROC_UNKNOWN_PATH when not known */
	const char *process_args; /* NULL when not known */
	const char *dst_host;     /* NULL when not known */
	const char *package;      /* package owning the executable; NULL when not known */
	char iface_out[16];
};

struct events;

struct events *events_new(size_t capacity);
void events_free(struct events *ev);
/* Store a copy of E (strings copied into the slot's own buffer, which is
 * reused: no allocation once the ring has warmed up), assigning its id.
 * Strings are cut to EVENTS_STR_MAX bytes. Returns the stored event (valid
 * until it is overwritten) or NULL when out of memory. */
const struct event *events_add(struct events *ev, const struct event *e);

/* Events as a JSON array, oldest first: with AFTER_ID 0 the newest LIMIT;
 * otherwise the first LIMIT whose id is greater than AFTER_ID. */
json_t *events_query(const struct events *ev, uint64_t after_id, size_t limit);
json_t *event_to_json(const struct event *e);
uint64_t events_last_id(const struct events *ev);
const char *event_reason_name(enum event_reason r);
