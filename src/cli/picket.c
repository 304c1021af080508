/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket: the command-line front end of picketd, over the control socket
 * (docs/protocol.md). Exit status: 0 success, 1 an error from the daemon or
 * the connection, 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/output.h"
#include "cli/prompt.h"
#include "cli/query.h"
#include "control/proto.h"

#define DEFAULT_SOCKET "/run/picket/picket.sock"
#define LOG_DEFAULT 20
#define LOG_MAX 10000 /* events.query's own bound */
#define FOLLOW_BACKLOG_MAX 10000 /* events held while the first query runs */

enum { EXIT_DAEMON = 1, EXIT_USAGE = 2 };

struct ctx {
	const char *socket;
	bool json;
	struct client *cl;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: picket [--socket PATH] [--json] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  status                         the daemon's state and counters\n"
		"  rules [list]                   the rules\n"
		"  rules add FILE|-               add a rule from an OpenSnitch JSON file or stdin\n"
		"  rules add --name N --action allow|deny|reject --operand OPERAND --data DATA\n"
		"            [--type simple|regexp|network|lists] [--duration always|\"until "
		"restart\"|1h|...]\n"
		"            [--precedence] [--nolog] [--disabled] [--description TEXT]\n"
		"  rules delete|enable|disable NAME\n"
		"  log [-n N] [--follow] [--json] the last N decisions (default %d); --follow keeps\n"
		"                                 printing new ones until interrupted\n"
		"  log [-n N] FILTERS             the last N decisions in the history that match\n"
		"  log --follow FILTERS           the ring's last N matches, then new ones that match\n"
		"  stats [--since 24h] [--until T] [--top N]\n"
		"                                 top executables, hosts, ports; blocked counts\n"
		"  export [--format csv|json] [FILTERS]\n"
		"                                 every matching history row to stdout\n"
		"  prompt [--json]                answer prompts for unknown connections: in a\n"
		"                                 terminal with single keys; with --json prompts\n"
		"                                 as JSON lines on stdout, answers on stdin\n"
		"                                 ({\"id\":7,\"action\":\"allow\",\"duration\":\"always\",\n"
		"                                 \"scope\":\"exe+host\"})\n"
		"\n"
		"Filters: --since T --until T --exe PATH --host NAME|IP --port N\n"
		"         --action allow|deny|reject --rule NAME\n"
		"         T: 30m, 1h, 7d (ago), @EPOCH, 2026-11-23 or '2026-11-23 10:00'\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH  control socket (default $PICKET_SOCKET or %s)\n"
		"  -j, --json         print the daemon's JSON instead of tables\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version of this program\n",
		LOG_DEFAULT, DEFAULT_SOCKET);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("picket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'picket --help')\n", stderr);
	return EXIT_USAGE;
}

static int connect_daemon(struct ctx *ctx)
{
	int r = client_connect(ctx->socket, &ctx->cl);

	if (r < 0) {
		const char *hint = "";

		if (r == -ENOENT || r == -ECONNREFUSED)
			hint = " (is picketd running?)";
		else if (r == -EACCES || r == -EPERM)
			hint = " (are you root or in group picket?)";
		fprintf(stderr, "picket: cannot connect to %s: %s%s\n", ctx->socket, strerror(-r),
			hint);
		return EXIT_DAEMON;
	}
	return 0;
}

/* Calls METHOD; on failure prints the one-line error and returns the exit
 * status, else 0 and the result. PARAMS is stolen (may be NULL). */
static int call(struct ctx *ctx, const char *method, json_t *params, json_t **ret_result)
{
	char err[512];
	json_t *result = NULL;
	int r;

	r = connect_daemon(ctx);
	if (r == 0 && client_call(ctx->cl, method, params, &result, err, sizeof(err)) < 0) {
		fprintf(stderr, "picket: %s: %s\n", method, err);
		r = EXIT_DAEMON;
	}
	json_decref(params);
	if (r == 0)
		*ret_result = result;
	return r;
}

static void print_json(json_t *v, size_t flags)
{
	json_dumpf(v, stdout, flags | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

/* --- status ----------------------------------------------------------- */

static int cmd_status(struct ctx *ctx, int argc, char **argv)
{
	json_t *st;
	int r;

	if (argc > 1)
		return usage_error("status: unexpected argument '%s'", argv[1]);
	r = call(ctx, "status", NULL, &st);
	if (r)
		return r;
	if (ctx->json)
		print_json(st, JSON_INDENT(2));
	else
		print_status(st, stdout);
	json_decref(st);
	return 0;
}

/* --- rules ------------------------------------------------------------ */

static int rules_list(struct ctx *ctx)
{
	json_t *res;
	int r = call(ctx, "rules.list", NULL, &res);

	if (r)
		return r;
	if (ctx->json)
		print_json(res, JSON_INDENT(2));
	else if (!json_is_array(json_object_get(res, "rules"))) {
		fprintf(stderr, "picket: rules.list: reply without a \"rules\" array\n");
		r = EXIT_DAEMON;
	} else {
		print_rules(json_object_get(res, "rules"), stdout);
	}
	json_decref(res);
	return r;
}

/* A rule file: JSON object, at most CONTROL_LINE_MAX bytes (it has to fit
 * in one request line). */
static int read_rule_file(const char *path, json_t **ret_rule)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	const char *name = f == stdin ? "stdin" : path;
	json_error_t jerr;
	char *buf = NULL;
	size_t len;
	json_t *rule;
	int r = EXIT_DAEMON;

	if (!f) {
		fprintf(stderr, "picket: %s: %s\n", path, strerror(errno));
		return EXIT_DAEMON;
	}
	buf = malloc(CONTROL_LINE_MAX + 1);
	if (!buf)
		goto cleanup;
	len = fread(buf, 1, CONTROL_LINE_MAX + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "picket: %s: %s\n", name, strerror(errno));
		goto cleanup;
	}
	if (len > CONTROL_LINE_MAX) {
		fprintf(stderr, "picket: %s: too large (max %d bytes)\n", name, CONTROL_LINE_MAX);
		goto cleanup;
	}
	rule = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rule) {
		fprintf(stderr, "picket: %s: line %d, column %d: %s\n", name, jerr.line, jerr.column,
			jerr.text);
		goto cleanup;
	}
	if (!json_is_object(rule)) {
		fprintf(stderr, "picket: %s: a rule is a JSON object\n", name);
		json_decref(rule);
		goto cleanup;
	}
	*ret_rule = rule;
	r = 0;
cleanup:
	free(buf);
	if (f != stdin)
		fclose(f);
	return r;
}

static bool word_in(const char *w, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(w, *words) == 0)
			return true;
	return false;
}

/* `rules add --name ...`: an OpenSnitch rule from options. */
static int rule_from_options(int argc, char **argv, json_t **ret_rule)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"action", required_argument, NULL, 'a'},
		{"operand", required_argument, NULL, 'o'},
		{"data", required_argument, NULL, 'd'},
		{"type", required_argument, NULL, 't'},
		{"duration", required_argument, NULL, 'D'},
		{"description", required_argument, NULL, 'c'},
		{"precedence", no_argument, NULL, 'p'},
		{"nolog", no_argument, NULL, 'L'},
		{"disabled", no_argument, NULL, 'x'},
		{"sensitive", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	static const char *const actions[] = {"allow", "deny", "reject", NULL};
	static const char *const types[] = {"simple", "regexp", "network", "lists", NULL};
	const char *name = NULL, *action = NULL, *operand = NULL, *data = NULL;
	const char *type = "simple", *duration = "always", *desc = "";
	bool precedence = false, nolog = false, enabled = true, sensitive = false;
	json_t *rule;
	int o;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'a': action = optarg; break;
		case 'o': operand = optarg; break;
		case 'd': data = optarg; break;
		case 't': type = optarg; break;
		case 'D': duration = optarg; break;
		case 'c': desc = optarg; break;
		case 'p': precedence = true; break;
		case 'L': nolog = true; break;
		case 'x': enabled = false; break;
		case 'S': sensitive = true; break;
		default:
			return usage_error("rules add: unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("rules add: unexpected argument '%s' after options", argv[optind]);
	if (!name || !name[0])
		return usage_error("rules add: %s", "--name is required");
	if (!action || !word_in(action, actions))
		return usage_error("rules add: --action must be allow, deny or reject (got '%s')",
				   action ? action : "");
	if (!word_in(type, types))
		return usage_error("rules add: --type must be simple, regexp, network or lists "
				   "(got '%s')", type);
	if (!operand)
		return usage_error("rules add: %s", "--operand is required");
	if (!data && strcmp(operand, "true") != 0)
		return usage_error("rules add: %s", "--data is required");
	rule = json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:b, s:{s:s, s:s, s:s, s:b, s:[]}}",
			 "name", name, "description", desc, "enabled", enabled, "precedence",
			 precedence, "action", action, "duration", duration, "nolog", nolog,
			 "operator", "type", type, "operand", operand, "data", data ? data : "",
			 "sensitive", sensitive, "list");
	if (!rule) {
		fprintf(stderr, "picket: rules add: the options are not valid UTF-8\n");
		return EXIT_USAGE;
	}
	*ret_rule = rule;
	return 0;
}

static int rules_add(struct ctx *ctx, int argc, char **argv)
{
	json_t *rule = NULL, *res;
	const char *name;
	int r;

	if (argc < 2)
		return usage_error("rules add: %s", "expected FILE, '-' or --name ... options");
	if (argv[1][0] == '-' && argv[1][1] != '\0')
		r = rule_from_options(argc, argv, &rule);
	else if (argc > 2)
		r = usage_error("rules add: unexpected argument '%s'", argv[2]);
	else
		r = read_rule_file(argv[1], &rule);
	if (r)
		return r;
	r = call(ctx, "rules.add", json_pack("{s:o}", "rule", rule), &res);
	if (r)
		return r;
	name = json_string_value(json_object_get(res, "name"));
	if (ctx->json)
		print_json(res, JSON_INDENT(2));
	else
		printf("added rule %s\n", name ? name : "(unnamed)");
	json_decref(res);
	return 0;
}

static int rules_by_name(struct ctx *ctx, const char *verb, int argc, char **argv)
{
	static const char *const done[][2] = {
		{"delete", "deleted"}, {"enable", "enabled"}, {"disable", "disabled"}};
	char method[32];
	json_t *res;
	int r;

	if (argc != 2)
		return usage_error("rules %s: expected exactly one rule NAME", verb);
	snprintf(method, sizeof(method), "rules.%s", verb);
	r = call(ctx, method, json_pack("{s:s}", "name", argv[1]), &res);
	if (r)
		return r;
	if (ctx->json) {
		print_json(res, JSON_INDENT(2));
	} else {
		for (size_t i = 0; i < sizeof(done) / sizeof(done[0]); i++)
			if (strcmp(verb, done[i][0]) == 0)
				printf("%s rule %s\n", done[i][1], argv[1]);
	}
	json_decref(res);
	return 0;
}

static int cmd_rules(struct ctx *ctx, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "list";

	if (strcmp(sub, "list") == 0) {
		if (argc > 2)
			return usage_error("rules list: unexpected argument '%s'", argv[2]);
		return rules_list(ctx);
	}
	if (strcmp(sub, "add") == 0)
		return rules_add(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "delete") == 0 || strcmp(sub, "enable") == 0 ||
	    strcmp(sub, "disable") == 0)
		return rules_by_name(ctx, sub, argc - 1, argv + 1);
	return usage_error("rules: unknown subcommand '%s'", sub);
}

/* --- log -------------------------------------------------------------- */

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

static int cmd_log(struct ctx *ctx, int argc, char **argv)
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

/* --- stats, export ----------------------------------------------------- */

static int cmd_stats(struct ctx *ctx, int argc, char **argv)
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
static int cmd_export(struct ctx *ctx, int argc, char **argv)
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

/* --- prompt (cli/prompt.c) --------------------------------------------- */

static int cmd_prompt(struct ctx *ctx, int argc, char **argv)
{
	int r;

	if (argc > 1)
		return usage_error("prompt: unexpected argument '%s'", argv[1]);
	if (!ctx->json && !prompt_tty_usable())
		return EXIT_USAGE;
	r = connect_daemon(ctx);
	return r ? r : prompt_main(ctx->cl, ctx->json);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctx ctx = {.socket = getenv("PICKET_SOCKET")};
	const char *cmd;
	int o, r;

	if (!ctx.socket || !ctx.socket[0])
		ctx.socket = DEFAULT_SOCKET;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (o) {
		case 's': ctx.socket = optarg; break;
		case 'j': ctx.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("picket %s\n", PICKET_VERSION); return 0;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing COMMAND");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	/* "picket status --json" reads as naturally as "picket --json status":
	 * take --json/-j after the command too (log parses its own). */
	if (strcmp(cmd, "log") != 0) {
		int w = 1;
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
				ctx.json = true;
			else
				argv[w++] = argv[i];
		}
		argc = w;
		argv[argc] = NULL;
	}
	if (strcmp(cmd, "status") == 0)
		r = cmd_status(&ctx, argc, argv);
	else if (strcmp(cmd, "rules") == 0)
		r = cmd_rules(&ctx, argc, argv);
	else if (strcmp(cmd, "log") == 0)
		r = cmd_log(&ctx, argc, argv);
	else if (strcmp(cmd, "stats") == 0)
		r = cmd_stats(&ctx, argc, argv);
	else if (strcmp(cmd, "export") == 0)
		r = cmd_export(&ctx, argc, argv);
	else if (strcmp(cmd, "prompt") == 0)
		r = cmd_prompt(&ctx, argc, argv);
	else if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		r = 0;
	} else
		r = usage_error("unknown command '%s'", cmd);
	client_close(ctx.cl);
	if (fflush(stdout) != 0 && r == 0) {
		fprintf(stderr, "picket: cannot write output: %s\n", strerror(errno));
		r = EXIT_DAEMON;
	}
	return r;
}
