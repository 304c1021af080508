/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The CLI's history options and output: the filters of `picket log`,
 * `picket stats` and `picket export` (--since 1h, --exe PATH, ...) turned
 * into request params, the stats summary as text, rows as CSV.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum {
	QOPT_SINCE = 1000,
	QOPT_UNTIL,
	QOPT_EXE,
	QOPT_HOST,
	QOPT_PORT,
	QOPT_ACTION,
	QOPT_RULE,
};

/* getopt_long entries for the filters, to put in a command's table. */
#define QUERY_FILTER_OPTIONS                                         \
	{"since", required_argument, NULL, QOPT_SINCE},              \
	{"until", required_argument, NULL, QOPT_UNTIL},              \
	{"exe", required_argument, NULL, QOPT_EXE},                  \
	{"host", required_argument, NULL, QOPT_HOST},                \
	{"port", required_argument, NULL, QOPT_PORT},                \
	{"action", required_argument, NULL, QOPT_ACTION},            \
	{"rule", required_argument, NULL, QOPT_RULE}

/*
 * A time for --since/--until: a duration back from NOW ("90s", "15m",
 * "1h", "7d", "2w"), seconds since the epoch ("@1763900000"), or a local
 * date and time ("2026-11-23", "2026-11-23 10:00", "2026-11-23T10:00:05").
 * Returns 0 and epoch seconds in *ret, or -EINVAL.
 */
int query_parse_time(const char *s, time_t now, long long *ret);

/* Adds filter option OPT (QOPT_*) with ARG to PARAMS. Returns 0, or
 * prints "picket: CMD: ..." and returns -EINVAL. */
int query_filter_opt(const char *cmd, int opt, const char *arg, json_t *params);

/*
 * Calls a history METHOD (events.query with filters, stats, export) on CL.
 * picketd answers at once with what is in the file and says how far the
 * file is ("decided", "written": counts since it started); this asks again
 * every 50 ms, for at most QUERY_WAIT_MS, until the decisions made before
 * the first request are written, then notes on stderr what is missing. As client_call() otherwise.
 */
#define QUERY_WAIT_MS 3000
struct client;
int query_history_call(struct client *cl, const char *method, json_t *params, json_t **ret_result,
		       char *err, size_t errsz);

/* Whether event object EV (as events.query and the stream give it)
 * matches the filters in PARAMS (as query_filter_opt() builds them):
 * `picket log --follow` filters the live stream with it. */
bool query_match(json_t *params, json_t *ev);

/* `picket stats`: the summary object of the stats method as text. */
void print_stats(json_t *stats, FILE *out);

/* CSV (RFC 4180) of event objects: the header, then one line per row. */
void csv_header(FILE *out);
void csv_row(json_t *ev, FILE *out);
