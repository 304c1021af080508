/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One rule <-> OpenSnitch JSON. Keys, actions, durations and operator types
 * go through static tables; every error names the field and the offending
 * text, in one line, for the daemon to log.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule-int.h"

#define FIELD_MAX 256 /* "operator.list[255].list[255]..." at depth 8 fits */

struct parse_ctx {
	struct rule *r;
	time_t now;
	bool has_created;
	bool has_updated;
	char *err;
	size_t errsz;
};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* ---- tables ---- */

static const char *const duration_tbl[] = {
	[DUR_ONCE] = "once",
	[DUR_RESTART] = "until restart",
	[DUR_ALWAYS] = "always",
};

static const char *const type_tbl[] = {
	[OP_SIMPLE] = "simple", [OP_REGEXP] = "regexp", [OP_LIST] = "list",
	[OP_NETWORK] = "network", [OP_LISTS] = "lists",
};

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

static int tbl_find(const char *const *tbl, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (tbl[i] && strcmp(tbl[i], s) == 0)
			return i;
	return -EINVAL;
}

bool rule_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > RULE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isascii((unsigned char)name[i]) ||
		    !(isalnum((unsigned char)name[i]) || strchr("._-", name[i])))
			return false;
	return true;
}

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

/* RFC 3339, as Go writes it: 2021-04-26T09:58:03.704090074+02:00 or ...Z.
 * Fractions of a second are dropped. */
static bool parse_rfc3339(const char *s, time_t *ret)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	bool leap;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || !strchr("Tt ", s[10]) ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		s += 6;
	} else {
		return false;
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || sec > 60)
		return false;
	if (sec == 60)
		sec = 59; /* a leap second: close enough */
	*ret = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
			sec - sign * (oh * 3600 + om * 60));
	return true;
}

static json_t *time_to_json(time_t t)
{
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&t, &tm))
		return NULL;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return json_string(buf);
}

/* Years 0000-9999, what RFC 3339 can write. */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

static int parse_time(struct parse_ctx *p, const char *key, json_t *v, time_t *ret)
{
	char q[RULE_QUOTE_MAX];

	if (json_is_integer(v)) { /* unix seconds, as OpenSnitch's protocol sends it */
		json_int_t t = json_integer_value(v);

		if (t < TIME_MIN || t > TIME_MAX)
			return fail(p->err, p->errsz, "field '%s': time out of range", key);
		*ret = (time_t)t;
		return 0;
	}
	if (!json_is_string(v))
		return fail(p->err, p->errsz, "field '%s': expected an RFC 3339 time, got %s", key,
			    json_type_name(v));
	if (!parse_rfc3339(json_string_value(v), ret))
		return fail(p->err, p->errsz,
			    "field '%s': expected an RFC 3339 time such as 2024-01-31T12:00:00Z, got \"%s\"",
			    key, rule_quote(json_string_value(v), q));
	/* an offset can push year 9999 past what we could write back */
	if (*ret < TIME_MIN || *ret > TIME_MAX)
		return fail(p->err, p->errsz, "field '%s': time out of range", key);
	return 0;
}

/* Go's time.ParseDuration syntax ("1h30m", "1.5h", "300ms"), positive only.
 * Returns whole seconds, rounded up so a rule never ends early. */
static bool parse_go_duration(const char *s, int64_t *ret_secs)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000 }, /* U+03BC greek mu */
		{ "ms", 1000000 },
		{ "s", 1000000000LL },
		{ "m", 60 * 1000000000LL },
		{ "h", 3600 * 1000000000LL },
	};
	int64_t total = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return false;
	while (*s) {
		int64_t whole = 0, frac = 0, scale = 1, unit = 0;
		bool any = false;
		size_t ulen = 0;

		for (; *s >= '0' && *s <= '9'; s++, any = true) {
			if (whole > (INT64_MAX - 9) / 10)
				return false;
			whole = whole * 10 + (*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
				if (scale < 1000000000000000000LL) { /* further digits don't count */
					frac = frac * 10 + (*s - '0');
					scale *= 10;
				}
			}
		}
		if (!any)
			return false;
		while (s[ulen] && !(s[ulen] >= '0' && s[ulen] <= '9') && s[ulen] != '.')
			ulen++;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].unit) == ulen && memcmp(units[i].unit, s, ulen) == 0)
				unit = units[i].ns;
		if (!unit || whole > INT64_MAX / unit)
			return false;
		whole *= unit;
		/* frac/scale * unit without overflow: scale <= 1e18, unit <= 3.6e12 */
		whole += (int64_t)((long double)frac * (long double)unit / (long double)scale);
		if (whole < 0 || total > INT64_MAX - whole)
			return false;
		total += whole;
		s += ulen;
	}
	if (total <= 0)
		return false;
	*ret_secs = total / 1000000000LL + (total % 1000000000LL != 0);
	return true;
}

/* ---- fields ---- */

static int get_string(struct parse_ctx *p, const char *key, json_t *v, size_t max, char **ret)
{
	char *s;

	if (!json_is_string(v))
		return fail(p->err, p->errsz, "field '%s': expected a string, got %s", key,
			    json_type_name(v));
	if (json_string_length(v) > max)
		return fail(p->err, p->errsz, "field '%s': longer than %zu bytes", key, max);
	s = strdup(json_string_value(v));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static int get_bool(struct parse_ctx *p, const char *key, json_t *v, bool *ret)
{
	if (!json_is_boolean(v))
		return fail(p->err, p->errsz, "field '%s': expected true or false, got %s", key,
			    json_type_name(v));
	*ret = json_is_true(v);
	return 0;
}

static int f_created(struct parse_ctx *p, json_t *v)
{
	p->has_created = true;
	return parse_time(p, "created", v, &p->r->created);
}

static int f_updated(struct parse_ctx *p, json_t *v)
{
	p->has_updated = true;
	return parse_time(p, "updated", v, &p->r->updated);
}

static int f_name(struct parse_ctx *p, json_t *v)
{
	char q[RULE_QUOTE_MAX];
	int r = get_string(p, "name", v, RULE_NAME_MAX, &p->r->name);

	if (r < 0)
		return r;
	if (!rule_name_valid(p->r->name))
		return fail(p->err, p->errsz,
			    "field 'name': expected letters, digits, '.', '_' or '-' (not starting with '.'), got \"%s\"",
			    rule_quote(p->r->name, q));
	return 0;
}

static int f_description(struct parse_ctx *p, json_t *v)
{
	free(p->r->description);
	p->r->description = NULL;
	return get_string(p, "description", v, RULE_DESC_MAX, &p->r->description);
}

static int f_enabled(struct parse_ctx *p, json_t *v)
{
	return get_bool(p, "enabled", v, &p->r->enabled);
}

static int f_precedence(struct parse_ctx *p, json_t *v)
{
	return get_bool(p, "precedence", v, &p->r->precedence);
}

static int f_nolog(struct parse_ctx *p, json_t *v)
{
	return get_bool(p, "nolog", v, &p->r->nolog);
}

static int f_action(struct parse_ctx *p, json_t *v)
{
	char q[RULE_QUOTE_MAX];
	int a;

	if (!json_is_string(v))
		return fail(p->err, p->errsz, "field 'action': expected allow|deny|reject, got %s",
			    json_type_name(v));
	a = action_from_name(json_string_value(v));
	if (a < 0)
		return fail(p->err, p->errsz, "field 'action': expected allow|deny|reject, got \"%s\"",
			    rule_quote(json_string_value(v), q));
	p->r->action = (enum action)a;
	return 0;
}

static int f_duration(struct parse_ctx *p, json_t *v)
{
	static const char expected[] =
		"expected once, until restart, always or a duration such as 30s, 5m, 1h30m";
	char q[RULE_QUOTE_MAX];
	const char *s;
	int64_t secs = 0;
	int d;

	if (!json_is_string(v))
		return fail(p->err, p->errsz, "field 'duration': %s, got %s", expected,
			    json_type_name(v));
	s = json_string_value(v);
	d = tbl_find(duration_tbl, N(duration_tbl), s);
	if (d < 0) {
		if (strlen(s) > 64 || !parse_go_duration(s, &secs))
			return fail(p->err, p->errsz, "field 'duration': %s, got \"%s\"", expected,
				    rule_quote(s, q));
		d = DUR_TIMED;
	}
	free(p->r->duration);
	p->r->duration = strdup(s);
	if (!p->r->duration)
		return -ENOMEM;
	p->r->dur = (enum rule_duration)d;
	p->r->expires = (time_t)secs; /* made absolute once 'created' is known */
	return 0;
}

static int parse_op(struct parse_ctx *p, json_t *v, struct rule_op *op, const char *field,
		    int depth);

static int parse_list(struct parse_ctx *p, json_t *arr, struct rule_op *op, const char *field,
		      int depth)
{
	char sub[FIELD_MAX];
	size_t n = json_array_size(arr);
	int r;

	if (n == 0)
		return fail(p->err, p->errsz, "field '%s.list': expected a non-empty array of operators",
			    field);
	if (n > RULE_LIST_LEN)
		return fail(p->err, p->errsz, "field '%s.list': more than %d operators", field,
			    RULE_LIST_LEN);
	if (depth >= RULE_LIST_DEPTH)
		return fail(p->err, p->errsz, "field '%s.list': lists nested deeper than %d", field,
			    RULE_LIST_DEPTH);
	op->list = calloc(n, sizeof(*op->list));
	if (!op->list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		op->nlist = i + 1; /* so op_release frees what was parsed */
		snprintf(sub, sizeof(sub), "%s.list[%zu]", field, i);
		r = parse_op(p, json_array_get(arr, i), &op->list[i], sub, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_op(struct parse_ctx *p, json_t *v, struct rule_op *op, const char *field,
		    int depth)
{
	char q[RULE_QUOTE_MAX];
	json_t *type = NULL, *operand = NULL, *data = NULL, *list = NULL, *val;
	const char *key;
	int r, t;

	if (!json_is_object(v))
		return fail(p->err, p->errsz, "field '%s': expected an object, got %s", field,
			    json_type_name(v));
	json_object_foreach(v, key, val) {
		if (strcmp(key, "type") == 0) {
			type = val;
		} else if (strcmp(key, "operand") == 0) {
			operand = val;
		} else if (strcmp(key, "data") == 0) {
			data = val;
		} else if (strcmp(key, "list") == 0) {
			list = val;
		} else if (strcmp(key, "sensitive") == 0) {
			char sub[FIELD_MAX + 16];

			snprintf(sub, sizeof(sub), "%s.sensitive", field);
			r = get_bool(p, sub, val, &op->sensitive);
			if (r < 0)
				return r;
		} else {
			return fail(p->err, p->errsz, "field '%s': unknown key \"%s\"", field,
				    rule_quote(key, q));
		}
	}

	if (!type)
		return fail(p->err, p->errsz, "field '%s.type': missing", field);
	if (!json_is_string(type))
		return fail(p->err, p->errsz,
			    "field '%s.type': expected simple|regexp|list|network|lists, got %s", field,
			    json_type_name(type));
	t = tbl_find(type_tbl, N(type_tbl), json_string_value(type));
	if (t < 0)
		return fail(p->err, p->errsz,
			    "field '%s.type': expected simple|regexp|list|network|lists, got \"%s\"",
			    field, rule_quote(json_string_value(type), q));
	op->type = (enum op_type)t;

	if (!operand && op->type != OP_LIST)
		return fail(p->err, p->errsz, "field '%s.operand': missing", field);
	if (operand && !json_is_string(operand))
		return fail(p->err, p->errsz, "field '%s.operand': expected a string, got %s", field,
			    json_type_name(operand));
	if (operand && json_string_length(operand) > 300)
		return fail(p->err, p->errsz, "field '%s.operand': longer than 300 bytes", field);
	op->operand_text = strdup(operand ? json_string_value(operand) : "list");
	if (!op->operand_text)
		return -ENOMEM;
	if (data && !json_is_string(data))
		return fail(p->err, p->errsz, "field '%s.data': expected a string, got %s", field,
			    json_type_name(data));
	if (list && !json_is_null(list) && !json_is_array(list))
		return fail(p->err, p->errsz, "field '%s.list': expected an array, got %s", field,
			    json_type_name(list));

	if (op->type == OP_LIST) {
		/* OpenSnitch also stores the list as JSON text in 'data'; older
		 * versions stored it only there, so fall back to it. */
		op->data = strdup("");
		if (!op->data)
			return -ENOMEM;
		if (json_array_size(list) == 0 && data && json_string_length(data) > 0) {
			json_error_t jerr;
			json_t *legacy = json_loadb(json_string_value(data), json_string_length(data),
						    JSON_REJECT_DUPLICATES, &jerr);

			if (!legacy || !json_is_array(legacy)) {
				json_decref(legacy);
				return fail(p->err, p->errsz,
					    "field '%s.data': type list without 'list' needs a JSON array of operators here",
					    field);
			}
			r = parse_list(p, legacy, op, field, depth);
			json_decref(legacy);
		} else {
			r = parse_list(p, list, op, field, depth);
		}
		if (r < 0)
			return r;
	} else {
		if (json_array_size(list) > 0)
			return fail(p->err, p->errsz, "field '%s.list': only used with type list",
				    field);
		if (data && json_string_length(data) > RULE_DATA_MAX)
			return fail(p->err, p->errsz, "field '%s.data': longer than %d bytes", field,
				    RULE_DATA_MAX);
		op->data = strdup(data ? json_string_value(data) : "");
		if (!op->data)
			return -ENOMEM;
	}
	return op_compile(op, field, p->err, p->errsz);
}

static int f_operator(struct parse_ctx *p, json_t *v)
{
	return parse_op(p, v, &p->r->op, "operator", 0);
}

static const struct {
	const char *key;
	int (*parse)(struct parse_ctx *p, json_t *v);
	bool required;
} field_tbl[] = {
	{ "created", f_created, false },     { "updated", f_updated, false },
	{ "name", f_name, true },	     { "description", f_description, false },
	{ "enabled", f_enabled, false },     { "precedence", f_precedence, false },
	{ "action", f_action, true },	     { "duration", f_duration, false },
	{ "nolog", f_nolog, false },	     { "operator", f_operator, true },
};

void rule_free(struct rule *r)
{
	if (!r)
		return;
	op_release(&r->op);
	free(r->name);
	free(r->description);
	free(r->duration);
	free(r);
}

int rule_from_json(json_t *obj, time_t now, struct rule **ret_rule, char *err, size_t errsz)
{
	struct parse_ctx p = { .now = now, .err = err, .errsz = errsz };
	bool seen[N(field_tbl)] = { false };
	const char *key;
	json_t *val;
	char q[RULE_QUOTE_MAX];
	int r = 0, i;

	if (errsz)
		err[0] = '\0';
	if (!json_is_object(obj))
		return fail(err, errsz, "rule: expected a JSON object, got %s", json_type_name(obj));
	p.r = calloc(1, sizeof(*p.r));
	if (!p.r)
		return -ENOMEM;
	p.r->enabled = true;
	p.r->dur = DUR_ALWAYS;
	p.r->duration = strdup(duration_tbl[DUR_ALWAYS]);
	p.r->description = strdup("");
	if (!p.r->duration || !p.r->description) {
		r = -ENOMEM;
		goto cleanup;
	}

	json_object_foreach(obj, key, val) {
		for (i = 0; i < N(field_tbl); i++)
			if (strcmp(field_tbl[i].key, key) == 0)
				break;
		if (i == N(field_tbl)) {
			r = fail(err, errsz, "unknown field '%s'", rule_quote(key, q));
			goto cleanup;
		}
		seen[i] = true;
		r = field_tbl[i].parse(&p, val);
		if (r < 0)
			goto cleanup;
	}
	for (i = 0; i < N(field_tbl); i++) {
		if (field_tbl[i].required && !seen[i]) {
			r = fail(err, errsz, "field '%s': missing", field_tbl[i].key);
			goto cleanup;
		}
	}
	if (!p.has_created)
		p.r->created = now;
	if (!p.has_updated)
		p.r->updated = p.r->created;
	/* A "once" rule found in a file or sent by a client is kept like an
	 * "until restart" rule (OpenSnitch does the same when it loads one):
	 * it has no expiry and is never written by us. */
	if (p.r->dur == DUR_TIMED)
		p.r->expires += p.r->created;
	else
		p.r->expires = 0;
	*ret_rule = p.r;
	p.r = NULL;
cleanup:
	if (r == -ENOMEM && errsz)
		snprintf(err, errsz, "out of memory");
	rule_free(p.r);
	return r;
}

int rule_parse(const char *text, size_t len, time_t now, struct rule **ret_rule, char *err,
	       size_t errsz)
{
	json_error_t jerr;
	json_t *obj;
	int r;

	if (len > RULE_TEXT_MAX)
		return fail(err, errsz, "rule: larger than %d bytes", RULE_TEXT_MAX);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		/* jansson quotes the input near the error: keep the message one line */
		for (char *c = jerr.text; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		return fail(err, errsz, "invalid JSON at line %d column %d: %s", jerr.line,
			    jerr.column, jerr.text);
	}
	r = rule_from_json(obj, now, ret_rule, err, errsz);
	json_decref(obj);
	return r;
}

/* ---- output ---- */

static int set(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *op_to_json(const struct rule_op *op)
{
	json_t *o = json_object(), *list;

	/* Key order as OpenSnitch writes it. For a list, 'data' stays empty as
	 * in OpenSnitch >= 1.6 (a copy of the list would double per level). */
	if (!o || set(o, "type", json_string(type_tbl[op->type])) < 0 ||
	    set(o, "operand", json_string(op->operand_text)) < 0 ||
	    set(o, "sensitive", json_boolean(op->sensitive)) < 0 ||
	    set(o, "data", json_string(op->data)) < 0)
		goto fail;
	if (op->type == OP_LIST) {
		list = json_array();
		if (set(o, "list", list) < 0) /* o owns list from here */
			goto fail;
		for (size_t i = 0; i < op->nlist; i++)
			if (json_array_append_new(list, op_to_json(&op->list[i])) < 0)
				goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *rule_to_json(const struct rule *r)
{
	json_t *o = json_object();

	if (!o || set(o, "created", time_to_json(r->created)) < 0 ||
	    set(o, "updated", time_to_json(r->updated)) < 0 ||
	    set(o, "name", json_string(r->name)) < 0 ||
	    set(o, "description", json_string(r->description)) < 0 ||
	    set(o, "enabled", json_boolean(r->enabled)) < 0 ||
	    set(o, "precedence", json_boolean(r->precedence)) < 0 ||
	    set(o, "action", json_string(action_name(r->action))) < 0 ||
	    set(o, "duration", json_string(r->duration)) < 0 ||
	    set(o, "nolog", json_boolean(r->nolog)) < 0 ||
	    set(o, "operator", op_to_json(&r->op)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct rule *rule_clone(const struct rule *r)
{
	json_t *j = rule_to_json(r);
	struct rule *c = NULL;
	char err[8];

	if (j && rule_from_json(j, r->created, &c, err, sizeof(err)) >= 0)
		c->in_file = r->in_file;
	json_decref(j);
	return c;
}

/* ---- accessors ---- */

const char *rule_name(const struct rule *r)
{
	return r->name;
}

enum action rule_action(const struct rule *r)
{
	return r->action;
}

bool rule_enabled(const struct rule *r)
{
	return r->enabled;
}

bool rule_nolog(const struct rule *r)
{
	return r->nolog;
}

bool rule_is_persistent(const struct rule *r)
{
	return r->dur == DUR_ALWAYS;
}

time_t rule_expires(const struct rule *r)
{
	return r->dur == DUR_TIMED ? r->expires : 0;
}

bool rule_live(const struct rule *r, time_t now)
{
	return r->dur != DUR_TIMED || now < r->expires;
}

bool rule_match(const struct rule *r, const struct conn *c, time_t now)
{
	return r->enabled && rule_live(r, now) && op_match(&r->op, c);
}
