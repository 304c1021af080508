/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The connection history (src/history) in the daemon: events go to a
 * writer thread in batches; queries and stats read the file.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct control_client;
struct daemon;
struct event;

int eventlog_open(struct daemon *d);      /* start-up; a bad file is only a warning */
void eventlog_close(struct daemon *d);    /* flushes */
void eventlog_add(struct daemon *d, const struct event *e); /* verdict path: no I/O */
void eventlog_tick(struct daemon *d);     /* timer: hand over the batch, report, retention */
bool eventlog_has_filters(json_t *params);
int eventlog_query(struct daemon *d, json_t *params, json_t **ret, char *err, size_t errsz);
int eventlog_method_stats(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz);
int eventlog_method_export(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			   char *err, size_t errsz);
