/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client.h"

int query_parse_time(const char *s, time_t now, long long *ret)
{
	static const char *const formats[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
					      "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"};
	static const struct {
		char suffix;
		long long seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	char *end;
	long long n;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '@') {
		errno = 0;
		n = strtoll(s + 1, &end, 10);
		if (errno || *end || end == s + 1 || n < 0)
			return -EINVAL;
		*ret = n;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-')) {
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno || end == s || n < 0 || n > 100LL * 365 * 86400 || strlen(end) != 1)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*end == units[i].suffix) {
				*ret = (long long)now - n * units[i].seconds;
				return 0;
			}
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm = {0};
		const char *e = strptime(s, formats[i], &tm);

		if (e && *e == '\0') {
			tm.tm_isdst = -1;
			*ret = (long long)mktime(&tm);
			return *ret < 0 ? -EINVAL : 0;
		}
	}
	return -EINVAL;
}

int query_filter_opt(const char *cmd, int opt, const char *arg, json_t *params)
{
	static const char *const actions[] = {"allow", "deny", "reject"};
	long long t;
	char *end;
	long port;

	switch (opt) {
	case QOPT_SINCE:
	case QOPT_UNTIL:
		if (query_parse_time(arg, time(NULL), &t) < 0) {
			fprintf(stderr,
				"picket: %s: --%s: expected a duration (30m, 1h, 7d), @EPOCH or a "
				"date (2026-11-23 10:00), got '%s'\n",
				cmd, opt == QOPT_SINCE ? "since" : "until", arg);
			return -EINVAL;
		}
		json_object_set_new(params, opt == QOPT_SINCE ? "since" : "until", json_integer(t));
		return 0;
	case QOPT_PORT:
		errno = 0;
		port = strtol(arg, &end, 10);
		if (errno || *end || end == arg || port < 1 || port > 65535) {
			fprintf(stderr, "picket: %s: --port: expected 1-65535, got '%s'\n", cmd, arg);
			return -EINVAL;
		}
		json_object_set_new(params, "port", json_integer(port));
		return 0;
	case QOPT_ACTION:
		for (size_t i = 0; i < 3; i++)
			if (strcmp(arg, actions[i]) == 0) {
				json_object_set_new(params, "action", json_string(arg));
				return 0;
			}
		fprintf(stderr, "picket: %s: --action: expected allow, deny or reject, got '%s'\n",
			cmd, arg);
		return -EINVAL;
	case QOPT_EXE:
	case QOPT_HOST:
	case QOPT_RULE: {
		const char *key = opt == QOPT_EXE ? "exe" : opt == QOPT_HOST ? "host" : "rule";
		json_t *v = json_string(arg);

		if (!v || !*arg) {
			json_decref(v);
			fprintf(stderr, "picket: %s: --%s: expected non-empty UTF-8 text\n", cmd, key);
			return -EINVAL;
		}
		json_object_set_new(params, key, v);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

int query_history_call(struct client *cl, const char *method, json_t *params, json_t **ret_result,
		       char *err, size_t errsz)
{
	json_t *res = NULL;
	json_int_t target = -1, missing = 0;
	int r;

	/* Wait for the decisions made up to the first request, not for
	 * "nothing unwritten": with traffic going on there always is some. */
	for (int waited = 0;; waited += 50) {
		json_int_t written;

		r = client_call(cl, method, params, &res, err, errsz);
		if (r < 0)
			return r;
		written = json_integer_value(json_object_get(res, "written"));
		if (target < 0)
			target = json_integer_value(json_object_get(res, "decided"));
		missing = target - written;
		if (missing <= 0 || waited >= QUERY_WAIT_MS)
			break;
		json_decref(res);
		res = NULL;
		usleep(50 * 1000);
	}
	if (missing > 0)
		fprintf(stderr,
			"picket: %s: the %" JSON_INTEGER_FORMAT " newest decisions are not in the "
			"history file yet (picketd is behind or cannot write it)\n",
			method, missing);
	*ret_result = res;
	return 0;
}

static bool same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
		return memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
		return memcmp(x, y, 16) == 0;
	return false;
}

static bool str_is(json_t *ev, const char *key, const char *want)
{
	const char *have = json_string_value(json_object_get(ev, key));

	return have && strcmp(have, want) == 0;
}

/* "2026-11-23T10:00:00.123Z" -> epoch seconds; -1 if not that shape. */
static long long event_time(json_t *ev)
{
	const char *s = json_string_value(json_object_get(ev, "time"));
	struct tm tm = {0};
	const char *e = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return e ? (long long)timegm(&tm) : -1;
}

bool query_match(json_t *params, json_t *ev)
{
	const char *exe = json_string_value(json_object_get(params, "exe"));
	const char *host = json_string_value(json_object_get(params, "host"));
	const char *action = json_string_value(json_object_get(params, "action"));
	const char *rule = json_string_value(json_object_get(params, "rule"));
	json_t *port = json_object_get(params, "port");
	json_t *since = json_object_get(params, "since"), *until = json_object_get(params, "until");

	if (exe && !str_is(ev, "process_path", exe))
		return false;
	if (host && !str_is(ev, "dst_host", host)) {
		const char *ip = json_string_value(json_object_get(ev, "dst_ip"));

		if (!ip || !same_ip(host, ip))
			return false;
	}
	if (port && json_integer_value(json_object_get(ev, "dst_port")) != json_integer_value(port))
		return false;
	if (action && !str_is(ev, "action", action))
		return false;
	if (rule && !str_is(ev, "rule", rule))
		return false;
	if (since && event_time(ev) < json_integer_value(since))
		return false;
	if (until && event_time(ev) >= json_integer_value(until))
		return false;
	return true;
}

static void print_top(FILE *out, const char *title, json_t *arr, const char *key,
		      const char *key2)
{
	size_t i;
	json_t *o;

	fprintf(out, "\n%s\n", title);
	if (json_array_size(arr) == 0) {
		fprintf(out, "  (none)\n");
		return;
	}
	fprintf(out, "  %8s %8s  %s\n", "COUNT", "BLOCKED", key2 ? "PORT" : "NAME");
	json_array_foreach(arr, i, o) {
		json_t *k = json_object_get(o, key);
		char name[512];

		if (key2) {
			const char *proto = json_string_value(json_object_get(o, key2));

			snprintf(name, sizeof(name), "%s/%" JSON_INTEGER_FORMAT, proto ? proto : "?",
				 json_integer_value(k));
		} else {
			snprintf(name, sizeof(name), "%s",
				 json_string_value(k) ? json_string_value(k) : "-");
		}
		fprintf(out, "  %8" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "  %s\n",
			json_integer_value(json_object_get(o, "count")),
			json_integer_value(json_object_get(o, "blocked")), name);
	}
}

void print_stats(json_t *st, FILE *out)
{
	json_t *since = json_object_get(st, "since");
	char buf[64] = "the beginning";

	if (json_is_integer(since)) {
		time_t t = (time_t)json_integer_value(since);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	}
	fprintf(out, "Since %s: %" JSON_INTEGER_FORMAT " connections, %" JSON_INTEGER_FORMAT
		" allowed, %" JSON_INTEGER_FORMAT " blocked (%" JSON_INTEGER_FORMAT
		" denied, %" JSON_INTEGER_FORMAT " rejected)\n",
		buf, json_integer_value(json_object_get(st, "total")),
		json_integer_value(json_object_get(st, "allowed")),
		json_integer_value(json_object_get(st, "blocked")),
		json_integer_value(json_object_get(st, "denied")),
		json_integer_value(json_object_get(st, "rejected")));
	print_top(out, "Top executables", json_object_get(st, "executables"), "exe", NULL);
	print_top(out, "Top hosts", json_object_get(st, "hosts"), "host", NULL);
	print_top(out, "Top ports", json_object_get(st, "ports"), "port", "protocol");
}

static const char *const csv_cols[] = {
	"id",       "time",     "action",   "reason",       "rule",         "protocol",
	"src_ip",   "src_port", "dst_ip",   "dst_port",     "dst_host",     "pid",
	"uid",      "process_path", "process_args", "iface_out", "package", NULL,
};

void csv_header(FILE *out)
{
	for (size_t i = 0; csv_cols[i]; i++)
		fprintf(out, "%s%s", i ? "," : "", csv_cols[i]);
	fputs("\r\n", out);
}

static void csv_field(const char *s, FILE *out)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void csv_row(json_t *ev, FILE *out)
{
	char num[32];

	for (size_t i = 0; csv_cols[i]; i++) {
		json_t *v = json_object_get(ev, csv_cols[i]);

		if (i)
			fputc(',', out);
		if (json_is_string(v)) {
			csv_field(json_string_value(v), out);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			fputs(num, out);
		}
	}
	fputs("\r\n", out);
}
