/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The picket commands (one file per group, cmd-*.c) and what they share:
 * the connection to picketd, the one-line errors, the exit statuses. Each
 * command is called with ARGV[0] its own name and returns the exit status.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define DEFAULT_SOCKET "/run/picket/picket.sock"
#define LOG_DEFAULT 20
#define LOG_MAX 10000 /* events.query's own bound */

enum { EXIT_DAEMON = 1, EXIT_USAGE = 2 };

struct client;

struct ctx {
	const char *socket;
	bool json;
	struct client *cl; /* connected on the first call */
};

/* "picket: " FMT " (try 'picket --help')" on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Connect CTX->cl if it is not yet: 0, or EXIT_DAEMON after a one-line
 * error with a hint. */
int connect_daemon(struct ctx *ctx);
/* Calls METHOD; on failure prints the one-line error and returns the exit
 * status, else 0 and the result. PARAMS is stolen (may be NULL). */
int call(struct ctx *ctx, const char *method, json_t *params, json_t **ret_result);
void print_json(json_t *v, size_t flags);

/* cmd-status.c */
int cmd_status(struct ctx *ctx, int argc, char **argv);
/* cmd-rules.c: list, add, delete, enable, disable */
int cmd_rules(struct ctx *ctx, int argc, char **argv);
/* cmd-log.c */
int cmd_log(struct ctx *ctx, int argc, char **argv);
/* cmd-history.c: stats and export, read from the history file */
int cmd_stats(struct ctx *ctx, int argc, char **argv);
int cmd_export(struct ctx *ctx, int argc, char **argv);
/* cmd-prompt.c (the prompter itself is prompt.c) */
int cmd_prompt(struct ctx *ctx, int argc, char **argv);
