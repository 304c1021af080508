/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket stats and picket export: the history file, through the daemon.
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

int cmd_stats(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, QOPT_SINCE},
		{"until", required_argument, NULL, QOPT_UNTIL},
		{"top", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	json_t *params = json_object(), *res;
	char *end, err[512];
	long top;
	int o, r;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case QOPT_SINCE:
		case QOPT_UNTIL:
			if (query_filter_opt("stats", o, optarg, params) < 0) {
				json_decref(params);
				return EXIT_USAGE;
			}
			break;
		case 't':
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || top < 1 || top > 100) {
				json_decref(params);
				return usage_error("stats: --top: expected 1-100, got '%s'", optarg);
			}
			json_object_set_new(params, "top", json_integer(top));
			break;
		default:
			json_decref(params);
			return usage_error("stats: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		json_decref(params);
		return usage_error("stats: unexpected argument '%s'", argv[optind]);
	}
	r = connect_daemon(ctx);
	if (r == 0 && query_history_call(ctx->cl, "stats", params, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "picket: stats: %s\n", err);
		r = EXIT_DAEMON;
	}
	json_decref(params);
	if (r)
		return r;
	if (ctx->json)
		print_json(res, JSON_INDENT(2));
	else
		print_stats(res, stdout);
	json_decref(res);
	return 0;
}

/* Pages through the export method (after_id = the last id seen), writing
 * each page as it arrives: memory stays bounded whatever the row count. */
int cmd_export(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		QUERY_FILTER_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	json_t *params = json_object(), *res = NULL, *rows, *row;
	bool csv = !ctx->json, first = true, more = true;
	char err[512];
	size_t i;
	int o, r;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (o == 'f' && (strcmp(optarg, "csv") == 0 || strcmp(optarg, "json") == 0)) {
			csv = strcmp(optarg, "csv") == 0;
		} else if (o == 'f') {
			json_decref(params);
			return usage_error("export: --format: expected csv or json, got '%s'", optarg);
		} else if (o >= QOPT_SINCE && o <= QOPT_RULE) {
			if (query_filter_opt("export", o, optarg, params) < 0) {
				json_decref(params);
				return EXIT_USAGE;
			}
		} else {
			json_decref(params);
			return usage_error("export: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		json_decref(params);
		return usage_error("export: unexpected argument '%s'", argv[optind]);
	}
	r = connect_daemon(ctx);
	if (r) {
		json_decref(params);
		return r;
	}
	json_object_set_new(params, "limit", json_integer(1000));
	if (csv)
		csv_header(stdout);
	else
		fputs("[", stdout);
	while (more) {
		/* The first page waits for what is not written yet. */
		if ((first ? query_history_call(ctx->cl, "export", params, &res, err, sizeof(err))
			   : client_call(ctx->cl, "export", params, &res, err, sizeof(err))) < 0) {
			fprintf(stderr, "picket: export: %s\n", err);
			r = EXIT_DAEMON;
			break;
		}
		rows = json_object_get(res, "rows");
		json_array_foreach(rows, i, row) {
			if (csv) {
				csv_row(row, stdout);
			} else {
				fputs(first ? "\n" : ",\n", stdout);
				json_dumpf(row, stdout, JSON_COMPACT);
			}
			first = false;
		}
		more = json_is_true(json_object_get(res, "more")) && json_array_size(rows) > 0;
		json_object_set(params, "after_id", json_object_get(res, "last_id"));
		json_decref(res);
		res = NULL;
	}
	if (!csv && r == 0)
		fputs(first ? "]\n" : "\n]\n", stdout);
	json_decref(params);
	return r;
}
