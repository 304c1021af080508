/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket log: the last decisions, filtered from the history or followed
 * live.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/command.h"
#include "cli/output.h"
#include "cli/query.h"

#define FOLLOW_BACKLOG_MAX 10000 /* events held while the first query runs */

struct log_out {
	bool json, follow, header_done;
	struct table *table; /* without --follow: widths from all rows */
	long long last_id;   /* highest event id printed (for --follow) */
	json_t *filter;      /* --follow with filters: matched here */
	long lines;          /* --follow with filters: the last N matches of the ring */
};

static void log_event(struct log_out *lo, json_t *ev)
{
	json_t *id = json_object_get(ev, "id");
	char buf[1024];
	const char *cells[EVENT_COLS];

	if (json_is_integer(id)) {
		/* --follow sees some events twice (stream and query): once only. */
		if (lo->last_id >= 0 && json_integer_value(id) <= lo->last_id)
			return;
		lo->last_id = json_integer_value(id);
	}
	if (lo->filter && !query_match(lo->filter, ev))
		return;
	if (lo->json) {
		print_json(ev, JSON_COMPACT);
	} else {
		event_cells(ev, buf, sizeof(buf), cells);
		if (lo->table) {
			table_add(lo->table, cells);
			return;
		}
		if (!lo->header_done) {
			table_print_row(stdout, EVENT_COLS, event_widths, event_headers);
			lo->header_done = true;
		}
		table_print_row(stdout, EVENT_COLS, event_widths, cells);
	}
	if (lo->follow)
		fflush(stdout);
}

static int log_print_result(struct log_out *lo, json_t *res)
{
	json_t *events = json_object_get(res, "events"), *ev;
	size_t i, matches = 0;

	if (!json_is_array(events)) {
		fprintf(stderr, "picket: events.query: reply without an \"events\" array\n");
		return EXIT_DAEMON;
	}
	if (lo->filter) {
		/* The ring's events, filtered here: only the last N matches. */
		json_array_foreach(events, i, ev)
			matches += query_match(lo->filter, ev);
		json_array_foreach(events, i, ev) {
			if (!query_match(lo->filter, ev))
				continue;
			if (matches-- > (size_t)lo->lines)
				continue;
			log_event(lo, ev);
		}
		return 0;
	}
	json_array_foreach(events, i, ev)
		log_event(lo, ev);
	return 0;
}

/* Subscribes first, then queries, on one connection: an event that lands
 * in between arrives both ways and is printed once (by id), none is lost. */
static int log_follow(struct ctx *ctx, struct log_out *lo, json_t *query)
{
	json_t *backlog = json_array(), *msg = NULL;
	long long sub_id, query_id;
	bool have_query = false;
	char err[512];
	int r;

	r = connect_daemon(ctx);
	if (r)
		goto cleanup;
	r = client_send(ctx->cl, "events.subscribe", NULL, &sub_id);
	if (r >= 0)
		r = client_send(ctx->cl, "events.query", query, &query_id);
	if (r < 0) {
		fprintf(stderr, "picket: cannot send to %s: %s\n", ctx->socket, strerror(-r));
		r = EXIT_DAEMON;
		goto cleanup;
	}
	for (;;) {
		json_t *id, *error;

		r = client_read(ctx->cl, have_query ? -1 : 30000, &msg);
		if (r < 0) {
			fprintf(stderr, "picket: %s\n",
				r == -ECONNRESET ? "connection closed by picketd" : strerror(-r));
			r = EXIT_DAEMON;
			goto cleanup;
		}
		id = json_object_get(msg, "id");
		error = json_object_get(msg, "error");
		if (json_is_object(error)) {
			client_error_text(error, err, sizeof(err));
			fprintf(stderr, "picket: %s: %s\n",
				json_integer_value(id) == sub_id ? "events.subscribe"
								  : "events.query",
				err);
			r = EXIT_DAEMON;
			goto cleanup;
		}
		if (json_is_integer(id) && json_integer_value(id) == query_id) {
			size_t i;
			json_t *ev;

			r = log_print_result(lo, json_object_get(msg, "result"));
			if (r)
				goto cleanup;
			json_array_foreach(backlog, i, ev)
				log_event(lo, ev);
			json_array_clear(backlog);
			have_query = true;
			fflush(stdout);
		} else if (json_is_string(json_object_get(msg, "event")) &&
			   strcmp(json_string_value(json_object_get(msg, "event")), "connection") ==
				   0) {
			json_t *data = json_object_get(msg, "data");

			if (json_is_object(data) && have_query)
				log_event(lo, data);
			else if (json_is_object(data) &&
				 json_array_size(backlog) < FOLLOW_BACKLOG_MAX)
				json_array_append(backlog, data);
		}
		json_decref(msg);
		msg = NULL;
	}
cleanup:
	json_decref(msg);
	json_decref(backlog);
	return r;
}

int cmd_log(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"lines", required_argument, NULL, 'n'},
		QUERY_FILTER_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct log_out lo = {.json = ctx->json, .last_id = -1};
	long n = LOG_DEFAULT;
	json_t *query = json_object(), *res;
	char *end;
	int o, r;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+fjn:", opts, NULL)) != -1) {
		switch (o) {
		case 'f': lo.follow = true; break;
		case 'j': lo.json = true; break;
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 || n > LOG_MAX) {
				json_decref(query);
				return usage_error("log: -n: expected a number from 1 to 10000, got "
						   "'%s'", optarg);
			}
			break;
		case QOPT_SINCE: case QOPT_UNTIL: case QOPT_EXE: case QOPT_HOST:
		case QOPT_PORT: case QOPT_ACTION: case QOPT_RULE:
			if (query_filter_opt("log", o, optarg, query) < 0) {
				json_decref(query);
				return EXIT_USAGE;
			}
			break;
		default:
			json_decref(query);
			return usage_error("log: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		json_decref(query);
		return usage_error("log: unexpected argument '%s'", argv[optind]);
	}
	if (lo.follow) {
		json_t *ring = json_object();

		/* Filters apply to the stream in this process (the stream has
		 * none), and to the in-memory ring's events shown first. */
		if (json_object_size(query) > 0) {
			lo.filter = query;
			lo.lines = n;
			n = LOG_MAX;
		}
		json_object_set_new(ring, "limit", json_integer(n));
		r = log_follow(ctx, &lo, ring);
		json_decref(ring);
		json_decref(query);
		return r;
	}
	json_object_set_new(query, "limit", json_integer(n));
	if (json_object_size(query) > 1) {
		char err[512];

		/* Filters: the history file. */
		r = connect_daemon(ctx);
		if (r == 0 &&
		    query_history_call(ctx->cl, "events.query", query, &res, err, sizeof(err)) < 0) {
			fprintf(stderr, "picket: events.query: %s\n", err);
			r = EXIT_DAEMON;
		}
		json_decref(query);
	} else {
		r = call(ctx, "events.query", query, &res);
	}
	if (r)
		return r;
	if (!lo.json)
		lo.table = table_new(EVENT_COLS, event_headers);
	r = log_print_result(&lo, res);
	if (lo.table && r == 0)
		table_print(lo.table, stdout);
	table_free(lo.table);
	json_decref(res);
	return r;
}
