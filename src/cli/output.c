/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct table {
	size_t ncols;
	const char *const *headers;
	char **cells; /* nrows * ncols, row-major */
	size_t nrows, cap;
};

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t;

	if (ncols == 0 || ncols > TABLE_COLS_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->headers = headers;
	return t;
}

int table_add(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = strdup(cells[i] ? cells[i] : "-");

		if (!s) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[t->nrows * t->ncols + j]);
			return -ENOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = s;
	}
	t->nrows++;
	return 0;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* Width on a terminal, near enough: UTF-8 code points, not bytes. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void table_print_row(FILE *out, size_t ncols, const size_t *widths, const char *const *cells)
{
	for (size_t i = 0; i < ncols; i++) {
		const char *s = cells[i] ? cells[i] : "-";

		fputs(s, out);
		if (i + 1 < ncols) {
			/* The last column is not padded: no trailing blanks. */
			size_t w = text_width(s);

			for (size_t pad = w < widths[i] ? widths[i] - w : 0; pad > 0; pad--)
				fputc(' ', out);
			fputs("  ", out);
		}
	}
	fputc('\n', out);
}

void table_print(const struct table *t, FILE *out)
{
	size_t widths[TABLE_COLS_MAX];

	for (size_t c = 0; c < t->ncols; c++) {
		widths[c] = text_width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);

			if (w > widths[c])
				widths[c] = w;
		}
	}
	table_print_row(out, t->ncols, widths, t->headers);
	for (size_t r = 0; r < t->nrows; r++)
		table_print_row(out, t->ncols, widths, (const char *const *)&t->cells[r * t->ncols]);
}

/* --- status ----------------------------------------------------------- */

static void format_uptime(json_int_t s, char *buf, size_t bufsz)
{
	json_int_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (d > 0)
		snprintf(buf, bufsz, "%" JSON_INTEGER_FORMAT "d %02" JSON_INTEGER_FORMAT
			 "h %02" JSON_INTEGER_FORMAT "m", d, h, m);
	else if (h > 0)
		snprintf(buf, bufsz, "%" JSON_INTEGER_FORMAT "h %02" JSON_INTEGER_FORMAT "m", h, m);
	else
		snprintf(buf, bufsz, "%" JSON_INTEGER_FORMAT "m %02" JSON_INTEGER_FORMAT "s", m, sec);
}

/* A JSON scalar as text; "-" for anything else. */
static const char *scalar_text(json_t *v, char *buf, size_t bufsz)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, bufsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, bufsz, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "-";
}

static void kv(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%-18s %s\n", key, value);
}

static bool key_in(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (strcmp(key, *keys) == 0)
			return true;
	return false;
}

void print_status(json_t *st, FILE *out)
{
	static const char *const shown[] = {"version", "pid", "uptime_s", "queue",
					    "backend", "attribution", "default_action",
					    "fail_closed", "rules", "counters", NULL};
	static const char *const counters[][2] = {
		{"packets", "packets"},	  {"allowed", "  allowed"},
		{"denied", "  denied"},	  {"rejected", "  rejected"},
		{"unknown_process", "  unknown process"},
	};
	json_t *cnt = json_object_get(st, "counters");
	char a[64], b[64], up[64] = "-";
	const char *key;
	json_t *v;

	if (json_is_integer(json_object_get(st, "uptime_s")))
		format_uptime(json_integer_value(json_object_get(st, "uptime_s")), up, sizeof(up));
	fprintf(out, "picketd %s, pid %s, up %s\n",
		scalar_text(json_object_get(st, "version"), a, sizeof(a)),
		scalar_text(json_object_get(st, "pid"), b, sizeof(b)), up);
	snprintf(up, sizeof(up), "%s (queue %s)",
		 scalar_text(json_object_get(st, "backend"), a, sizeof(a)),
		 scalar_text(json_object_get(st, "queue"), b, sizeof(b)));
	kv(out, "backend", up);
	kv(out, "attribution", scalar_text(json_object_get(st, "attribution"), a, sizeof(a)));
	kv(out, "default action", scalar_text(json_object_get(st, "default_action"), a, sizeof(a)));
	kv(out, "fail closed", scalar_text(json_object_get(st, "fail_closed"), a, sizeof(a)));
	kv(out, "rules", scalar_text(json_object_get(st, "rules"), a, sizeof(a)));
	/* Members this CLI does not know yet still show. */
	json_object_foreach(st, key, v) {
		if (!key_in(key, shown) && !json_is_object(v) && !json_is_array(v))
			kv(out, key, scalar_text(v, a, sizeof(a)));
	}
	if (!json_is_object(cnt))
		return;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		kv(out, counters[i][1], scalar_text(json_object_get(cnt, counters[i][0]), a, sizeof(a)));
	json_object_foreach(cnt, key, v) {
		bool known = false;

		for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
			known = known || strcmp(key, counters[i][0]) == 0;
		if (!known && !json_is_object(v) && !json_is_array(v)) {
			snprintf(b, sizeof(b), "  %s", key);
			kv(out, b, scalar_text(v, a, sizeof(a)));
		}
	}
	/* Other groups of counters (dns, ...): a heading and their members. */
	json_object_foreach(st, key, v) {
		const char *k2;
		json_t *v2;

		if (strcmp(key, "counters") == 0 || !json_is_object(v))
			continue;
		kv(out, key, "");
		json_object_foreach(v, k2, v2) {
			snprintf(b, sizeof(b), "  %s", k2);
			kv(out, b, scalar_text(v2, a, sizeof(a)));
		}
	}
}

/* --- rules -------------------------------------------------------------- */

void operator_summary(json_t *op, char *buf, size_t bufsz)
{
	const char *type = json_string_value(json_object_get(op, "type"));
	const char *operand = json_string_value(json_object_get(op, "operand"));
	const char *data = json_string_value(json_object_get(op, "data"));
	json_t *list = json_object_get(op, "list");

	if (!type)
		type = "simple";
	if (!operand)
		operand = "?";
	if (!data)
		data = "";
	buf[0] = '\0';
	if (strcmp(type, "list") == 0 && json_is_array(list)) {
		size_t used = 0, i;
		json_t *sub;

		/* OpenSnitch's "list": every sub-operator must match. */
		json_array_foreach(list, i, sub) {
			char part[256];
			int n;

			operator_summary(sub, part, sizeof(part));
			n = snprintf(buf + used, bufsz - used, "%s%s", i ? " && " : "", part);
			if (n < 0 || (size_t)n >= bufsz - used)
				break;
			used += (size_t)n;
		}
		return;
	}
	if (strcmp(operand, "true") == 0)
		snprintf(buf, bufsz, "always");
	else if (strcmp(type, "simple") == 0)
		snprintf(buf, bufsz, "%s == %s", operand, data);
	else if (strcmp(type, "regexp") == 0)
		snprintf(buf, bufsz, "%s ~ /%s/", operand, data);
	else if (strcmp(type, "network") == 0)
		snprintf(buf, bufsz, "%s in %s", operand, data);
	else if (strcmp(type, "lists") == 0)
		snprintf(buf, bufsz, "%s in lists from %s", operand, data);
	else
		snprintf(buf, bufsz, "%s %s %s", type, operand, data);
}

void print_rules(json_t *rules, FILE *out)
{
	static const char *const headers[] = {"NAME", "ACTION", "DURATION", "ENABLED",
					      "OPERATOR"};
	struct table *t = table_new(5, headers);
	json_t *rule;
	size_t i;

	if (!t)
		return;
	json_array_foreach(rules, i, rule) {
		char summary[1024], action[64];
		json_t *enabled = json_object_get(rule, "enabled");
		const char *cells[5];

		operator_summary(json_object_get(rule, "operator"), summary, sizeof(summary));
		/* Precedence rules win over later allows: mark them. */
		snprintf(action, sizeof(action), "%s%s",
			 json_string_value(json_object_get(rule, "action")) ?: "-",
			 json_is_true(json_object_get(rule, "precedence")) ? "!" : "");
		cells[0] = json_string_value(json_object_get(rule, "name"));
		cells[1] = action;
		cells[2] = json_string_value(json_object_get(rule, "duration"));
		cells[3] = json_is_boolean(enabled) ? (json_is_true(enabled) ? "yes" : "no") : "-";
		cells[4] = summary;
		if (table_add(t, cells) < 0)
			break;
	}
	table_print(t, out);
	table_free(t);
}

/* --- events ------------------------------------------------------------- */

const char *const event_headers[EVENT_COLS] = {"TIME", "ACTION", "PROTO",  "DESTINATION",
					       "PID",  "PROCESS", "RULE"};
const size_t event_widths[EVENT_COLS] = {19, 6, 5, 32, 7, 24, 0};

/* "2026-11-23T10:00:00.123Z" -> local "2026-11-23 11:00:00"; else as is. */
static void format_time(const char *iso, char *buf, size_t bufsz)
{
	struct tm tm = {0};
	const char *rest;
	time_t t;

	if (!iso) {
		snprintf(buf, bufsz, "-");
		return;
	}
	rest = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest || (t = timegm(&tm)) == (time_t)-1 || !localtime_r(&t, &tm) ||
	    strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, bufsz, "%s", iso);
}

/* Appends a cell to BUF at *USED and returns it ("-" when out of room). */
static const char *cell_printf(char *buf, size_t bufsz, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static const char *cell_printf(char *buf, size_t bufsz, size_t *used, const char *fmt, ...)
{
	char *start = buf + *used;
	va_list ap;
	int n;

	if (*used >= bufsz)
		return "-";
	va_start(ap, fmt);
	n = vsnprintf(start, bufsz - *used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return "-";
	*used += (size_t)n + 1 < bufsz - *used ? (size_t)n + 1 : bufsz - *used;
	return start;
}

void event_cells(json_t *ev, char *buf, size_t bufsz, const char *cells[EVENT_COLS])
{
	const char *host = json_string_value(json_object_get(ev, "dst_host"));
	const char *ip = json_string_value(json_object_get(ev, "dst_ip"));
	const char *proto = json_string_value(json_object_get(ev, "protocol"));
	const char *rule = json_string_value(json_object_get(ev, "rule"));
	const char *reason = json_string_value(json_object_get(ev, "reason"));
	json_t *port = json_object_get(ev, "dst_port");
	json_t *pid = json_object_get(ev, "pid");
	char time[64], dest[320];
	size_t used = 0;

	format_time(json_string_value(json_object_get(ev, "time")), time, sizeof(time));
	cells[0] = cell_printf(buf, bufsz, &used, "%s", time);
	cells[1] = json_string_value(json_object_get(ev, "action"));
	cells[2] = proto;
	if (!host)
		host = ip;
	if (json_integer_value(port) > 0 && host && strchr(host, ':'))
		snprintf(dest, sizeof(dest), "[%s]:%" JSON_INTEGER_FORMAT, host,
			 json_integer_value(port));
	else if (json_integer_value(port) > 0)
		snprintf(dest, sizeof(dest), "%s:%" JSON_INTEGER_FORMAT, host ? host : "?",
			 json_integer_value(port));
	else
		snprintf(dest, sizeof(dest), "%s", host ? host : "-");
	cells[3] = cell_printf(buf, bufsz, &used, "%s", dest);
	cells[4] = json_is_integer(pid)
			   ? cell_printf(buf, bufsz, &used, "%" JSON_INTEGER_FORMAT,
					 json_integer_value(pid))
			   : "-";
	cells[5] = json_string_value(json_object_get(ev, "process_path"));
	if (rule)
		cells[6] = rule;
	else if (reason && strcmp(reason, "default") == 0)
		cells[6] = "(default)";
	else
		cells[6] = reason;
}
