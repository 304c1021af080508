/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule JSON parsing, round trips, the collection and the rules directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/rules.h"

#define NOW ((time_t)1700000000)

static struct rule *parse_ok(const char *text)
{
	char err[512] = "";
	struct rule *r = NULL;
	int ret = rule_parse(text, strlen(text), NOW, &r, err, sizeof(err));

	if (ret < 0)
		fail_msg("parse failed: %s\n%s", err, text);
	assert_non_null(r);
	return r;
}

/* A rule with OP as operator, the rest valid. */
static char *with_op(const char *op)
{
	char *s;

	assert_true(asprintf(&s,
			     "{\"name\":\"t\",\"action\":\"allow\",\"duration\":\"always\","
			     "\"operator\":%s}",
			     op) > 0);
	return s;
}

static void expect_err(const char *text, const char *want)
{
	char err[512] = "";
	struct rule *r = NULL;
	int ret = rule_parse(text, strlen(text), NOW, &r, err, sizeof(err));

	if (ret != -EINVAL || !strstr(err, want))
		fail_msg("input: %s\nwant error containing: %s\ngot %d: %s", text, want, ret, err);
	assert_null(r);
	assert_null(strchr(err, '\n'));
}

static void expect_op_err(const char *op, const char *want)
{
	char *s = with_op(op);

	expect_err(s, want);
	free(s);
}

static void test_bad_top_level(void **state)
{
	char big[300], *huge;

	(void)state;
	expect_err("{", "invalid JSON at line 1");
	expect_err("", "invalid JSON");
	expect_err("[]", "rule: expected a JSON object, got an array");
	expect_err("{\"name\":\"a\",\"name\":\"b\"}", "invalid JSON");
	expect_err("{\"action\":\"allow\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}",
		   "field 'name': missing");
	expect_err("{\"name\":\"a\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}",
		   "field 'action': missing");
	expect_err("{\"name\":\"a\",\"action\":\"allow\"}", "field 'operator': missing");
	expect_err("{\"name\":5}", "field 'name': expected a string, got a number");
	expect_err("{\"name\":\"a/b\"}", "field 'name': expected letters, digits");
	expect_err("{\"name\":\".hidden\"}", "field 'name': expected letters");
	expect_err("{\"name\":\"\"}", "field 'name': expected letters");
	expect_err("{\"name\":\"sp ace\"}", "got \"sp ace\"");
	memset(big, 'a', 256);
	big[256] = '\0';
	{
		char *s;

		assert_true(asprintf(&s, "{\"name\":\"%s\"}", big) > 0);
		expect_err(s, "field 'name': longer than 255 bytes");
		free(s);
	}
	expect_err("{\"name\":\"a\",\"action\":\"permit\"}",
		   "field 'action': expected allow|deny|reject, got \"permit\"");
	expect_err("{\"name\":\"a\",\"action\":1}",
		   "field 'action': expected allow|deny|reject, got a number");
	expect_err("{\"name\":\"a\",\"duration\":\"forever\"}",
		   "field 'duration': expected once, until restart, always or a duration such as 30s, 5m, 1h30m, got \"forever\"");
	expect_err("{\"duration\":\"-5m\"}", "field 'duration'");
	expect_err("{\"duration\":\"0s\"}", "field 'duration'");
	expect_err("{\"duration\":\"5x\"}", "field 'duration'");
	expect_err("{\"duration\":\"5\"}", "field 'duration'");
	expect_err("{\"duration\":\"h\"}", "field 'duration'");
	expect_err("{\"duration\":\"9999999999999h\"}", "field 'duration'");
	expect_err("{\"duration\":true}", "field 'duration': expected once");
	expect_err("{\"enabled\":\"yes\"}", "field 'enabled': expected true or false, got a string");
	expect_err("{\"precedence\":1}", "field 'precedence': expected true or false, got a number");
	expect_err("{\"nolog\":null}", "field 'nolog': expected true or false, got null");
	expect_err("{\"description\":[]}", "field 'description': expected a string, got an array");
	expect_err("{\"name\":\"a\",\"colour\":\"red\"}", "unknown field 'colour'");
	expect_err("{\"created\":\"yesterday\"}",
		   "field 'created': expected an RFC 3339 time such as 2024-01-31T12:00:00Z, got \"yesterday\"");
	expect_err("{\"created\":\"2021-02-29T00:00:00Z\"}", "field 'created'");
	expect_err("{\"created\":\"2021-01-01T00:00:00\"}", "field 'created'");
	expect_err("{\"created\":\"2021-01-01T24:00:00Z\"}", "field 'created'");
	expect_err("{\"updated\":{}}", "field 'updated': expected an RFC 3339 time, got an object");
	expect_err("{\"created\":99999999999999}", "field 'created': time out of range");
	expect_err("{\"created\":\"9999-12-31T23:59:59-10:00\"}", "field 'created': time out of range");
	expect_err("{\"name\":\"a\\nb\"}", "got \"a?b\"");

	huge = malloc(RULE_TEXT_MAX + 2);
	memset(huge, ' ', RULE_TEXT_MAX + 1);
	huge[RULE_TEXT_MAX + 1] = '\0';
	expect_err(huge, "rule: larger than 1048576 bytes");
	free(huge);
}

static void test_bad_operator(void **state)
{
	char *s, *deep, *longdata;
	size_t n;

	(void)state;
	expect_op_err("[]", "field 'operator': expected an object, got an array");
	expect_op_err("{\"operand\":\"true\"}", "field 'operator.type': missing");
	expect_op_err("{\"type\":\"exact\",\"operand\":\"true\"}",
		      "field 'operator.type': expected simple|regexp|list|network|lists, got \"exact\"");
	expect_op_err("{\"type\":3,\"operand\":\"true\"}", "field 'operator.type': expected simple");
	expect_op_err("{\"type\":\"simple\"}", "field 'operator.operand': missing");
	expect_op_err("{\"type\":\"simple\",\"operand\":[]}",
		      "field 'operator.operand': expected a string, got an array");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.mac\",\"data\":\"x\"}",
		      "field 'operator.operand': unknown operand \"dest.mac\"");
	expect_op_err("{\"type\":\"lists\",\"operand\":\"lists.domains\",\"data\":\"/etc/x\"}",
		      "field 'operator.data': cannot read the list directory \"/etc/x\"");
	expect_op_err("{\"type\":\"lists\",\"operand\":\"lists.domains\",\"data\":\"x\"}",
		      "field 'operator.data': expected the absolute path of a directory");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"lists.ips\",\"data\":\"/tmp\"}",
		      "field 'operator.type': lists.ips needs type lists");
	expect_op_err("{\"type\":\"lists\",\"operand\":\"lists.hosts\",\"data\":\"/tmp\"}",
		      "field 'operator.operand': expected lists.domains");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"process.hash.md5\",\"data\":\"ab\"}",
		      "field 'operator.data': expected 32 hex digits, got \"ab\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"process.hash.sha256\",\"data\":"
		      "\"zz00000000000000000000000000000000000000000000000000000000000000\"}",
		      "field 'operator.data': expected 64 hex digits, got "
		      "\"zz00000000000000000000000000000000000000000000000000000000000000\"");
	expect_op_err("{\"type\":\"lists\",\"operand\":\"dest.host\",\"data\":\"x\"}",
		      "field 'operator.type': lists needs a lists.* operand");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"process.env.\",\"data\":\"x\"}",
		      "field 'operator.operand': expected process.env.NAME");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"true\",\"shape\":1}",
		      "field 'operator': unknown key \"shape\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"true\",\"sensitive\":\"no\"}",
		      "field 'operator.sensitive': expected true or false, got a string");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":53}",
		      "field 'operator.data': expected a string, got a number");
	expect_op_err("{\"type\":\"regexp\",\"operand\":\"process.path\",\"data\":\"(\"}",
		      "field 'operator.data': bad regexp at offset 1:");
	expect_op_err("{\"type\":\"regexp\",\"operand\":\"process.path\",\"data\":\"a{2,1}\"}",
		      "field 'operator.data': bad regexp");
	n = 4097;
	longdata = malloc(n + 1);
	memset(longdata, 'a', n);
	longdata[n] = '\0';
	assert_true(asprintf(&s, "{\"type\":\"regexp\",\"operand\":\"process.path\",\"data\":\"%s\"}",
			     longdata) > 0);
	expect_op_err(s, "field 'operator.data': longer than 4096 bytes");
	free(s);
	free(longdata);
	expect_op_err("{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"10.0.0.0/33\"}",
		      "field 'operator.data': expected a network such as 10.0.0.0/8 or fd00::/8, got \"10.0.0.0/33\"");
	expect_op_err("{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"fd00::/129\"}",
		      "field 'operator.data': expected a network");
	expect_op_err("{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"lan\"}",
		      "field 'operator.data': expected a network");
	expect_op_err("{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"10.0.0.0/\"}",
		      "field 'operator.data': expected a network");
	expect_op_err("{\"type\":\"network\",\"operand\":\"process.path\",\"data\":\"10.0.0.0/8\"}",
		      "field 'operator.type': network works with dest.network, dest.ip or source.ip");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.network\",\"data\":\"10.0.0.0/8\"}",
		      "field 'operator.type': dest.network needs type network, got \"simple\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"70000\"}",
		      "field 'operator.data': expected a port number 0-65535, got \"70000\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"http\"}",
		      "field 'operator.data': expected a port number 0-65535, got \"http\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"source.port\",\"data\":\"-1\"}",
		      "expected a port number");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"\"}",
		      "expected a port number");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"process.id\",\"data\":\"1x\"}",
		      "field 'operator.data': expected a process id, got \"1x\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"user.id\",\"data\":\"99999999999\"}",
		      "field 'operator.data': expected a user id");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"dest.ip\",\"data\":\"1.2.3\"}",
		      "field 'operator.data': expected an IP address, got \"1.2.3\"");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"protocol\",\"data\":\"tcpx\"}",
		      "field 'operator.data': expected a protocol");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"protocol\",\"data\":\"256\"}",
		      "field 'operator.data': expected a protocol");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"true\",\"list\":[{\"type\":\"simple\",\"operand\":\"true\"}]}",
		      "field 'operator.list': only used with type list");
	expect_op_err("{\"type\":\"simple\",\"operand\":\"true\",\"list\":5}",
		      "field 'operator.list': expected an array, got a number");
	expect_op_err("{\"type\":\"list\",\"operand\":\"list\",\"list\":[]}",
		      "field 'operator.list': expected a non-empty array of operators");
	expect_op_err("{\"type\":\"list\",\"operand\":\"list\"}",
		      "field 'operator.list': expected a non-empty array");
	expect_op_err("{\"type\":\"list\",\"operand\":\"dest.port\",\"list\":[{\"type\":\"simple\",\"operand\":\"true\"}]}",
		      "field 'operator.operand': type list expects operand \"list\"");
	expect_op_err("{\"type\":\"list\",\"operand\":\"list\",\"data\":\"not json\"}",
		      "field 'operator.data': type list without 'list' needs a JSON array");
	expect_op_err("{\"type\":\"list\",\"operand\":\"list\",\"list\":["
		      "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"53\"},"
		      "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"x53\"}]}",
		      "field 'operator.list[1].data': expected a port number 0-65535, got \"x53\"");
	expect_op_err("{\"type\":\"list\",\"operand\":\"list\",\"list\":[5]}",
		      "field 'operator.list[0]': expected an object, got a number");

	/* 257 items */
	{
		size_t cap = 257 * 40 + 100, off = 0;

		s = malloc(cap);
		off += (size_t)snprintf(s + off, cap - off, "{\"type\":\"list\",\"list\":[");
		for (int i = 0; i < 257; i++)
			off += (size_t)snprintf(s + off, cap - off, "%s{\"type\":\"simple\",\"operand\":\"true\"}",
						i ? "," : "");
		snprintf(s + off, cap - off, "]}");
		expect_op_err(s, "field 'operator.list': more than 256 operators");
		free(s);
	}

	/* nesting: 8 list levels load, 9 do not */
	for (int levels = 8; levels <= 9; levels++) {
		size_t cap = 4096, off = 0;
		struct rule *r;

		deep = malloc(cap);
		for (int i = 0; i < levels; i++)
			off += (size_t)snprintf(deep + off, cap - off, "{\"type\":\"list\",\"list\":[");
		off += (size_t)snprintf(deep + off, cap - off, "{\"type\":\"simple\",\"operand\":\"true\"}");
		for (int i = 0; i < levels; i++)
			off += (size_t)snprintf(deep + off, cap - off, "]}");
		s = with_op(deep);
		if (levels == 8) {
			r = parse_ok(s);
			rule_free(r);
		} else {
			expect_err(s, "field 'operator.list[0].list[0].list[0].list[0].list[0].list[0].list[0].list[0].list': lists nested deeper than 8");
		}
		free(s);
		free(deep);
	}
}

/* OpenSnitch 1.5 writes a list both in 'list' and as JSON text in 'data'. */
static const char opensnitch_list[] =
	"{\n"
	"  \"created\": \"2021-04-26T09:58:03.704090074+02:00\",\n"
	"  \"updated\": \"2021-04-26T09:58:03.704090074+02:00\",\n"
	"  \"name\": \"allow-always-list-usr-bin-telnet\",\n"
	"  \"description\": \"\",\n"
	"  \"enabled\": true,\n"
	"  \"precedence\": true,\n"
	"  \"action\": \"allow\",\n"
	"  \"duration\": \"always\",\n"
	"  \"nolog\": false,\n"
	"  \"operator\": {\n"
	"    \"type\": \"list\",\n"
	"    \"operand\": \"list\",\n"
	"    \"sensitive\": false,\n"
	"    \"data\": \"[{\\\"type\\\": \\\"simple\\\", \\\"operand\\\": \\\"process.path\\\", \\\"sensitive\\\": false, \\\"data\\\": \\\"/usr/bin/telnet\\\"}, {\\\"type\\\": \\\"simple\\\", \\\"operand\\\": \\\"dest.port\\\", \\\"data\\\": \\\"53\\\", \\\"sensitive\\\": false}]\",\n"
	"    \"list\": [\n"
	"      {\"type\": \"simple\", \"operand\": \"process.path\", \"sensitive\": false,\n"
	"       \"data\": \"/usr/bin/telnet\", \"list\": null},\n"
	"      {\"type\": \"simple\", \"operand\": \"dest.port\", \"sensitive\": false,\n"
	"       \"data\": \"53\", \"list\": null}\n"
	"    ]\n"
	"  }\n"
	"}\n";

static void test_opensnitch_files(void **state)
{
	struct rule *r;
	json_t *j;

	(void)state;
	r = parse_ok(opensnitch_list);
	assert_string_equal(rule_name(r), "allow-always-list-usr-bin-telnet");
	assert_int_equal(rule_action(r), ACTION_ALLOW);
	assert_true(rule_is_persistent(r));
	assert_int_equal(rule_expires(r), 0);
	j = rule_to_json(r);
	assert_string_equal(json_string_value(json_object_get(j, "created")), "2021-04-26T07:58:03Z");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "operator"), "list")), 2);
	json_decref(j);
	rule_free(r);

	/* the wiki's simplest rule */
	r = parse_ok("{\"created\": \"2018-04-07T14:13:27.903996051+02:00\","
		     "\"updated\": \"2018-04-07T14:13:27.904060088+02:00\","
		     "\"name\": \"deny-simple-www-google-analytics-l-google-com\","
		     "\"enabled\": true, \"precedence\": false, \"action\": \"deny\","
		     "\"duration\": \"always\", \"operator\": {\"type\": \"simple\","
		     "\"sensitive\": false, \"operand\": \"dest.host\","
		     "\"data\": \"www-google-analytics.l.google.com\"}}");
	assert_int_equal(rule_action(r), ACTION_DENY);
	rule_free(r);

	/* older files: the list only in 'data'; 'list': [] on a simple operator */
	r = parse_ok("{\"name\":\"legacy\",\"action\":\"reject\",\"duration\":\"until restart\","
		     "\"operator\":{\"type\":\"list\",\"operand\":\"list\",\"data\":"
		     "\"[{\\\"type\\\":\\\"simple\\\",\\\"operand\\\":\\\"dest.port\\\",\\\"data\\\":\\\"53\\\"}]\"}}");
	assert_int_equal(rule_action(r), ACTION_REJECT);
	assert_false(rule_is_persistent(r));
	rule_free(r);
	r = parse_ok("{\"name\":\"000-allow-chrome\",\"enabled\":true,\"precedence\":true,"
		     "\"action\":\"allow\",\"duration\":\"always\",\"operator\":{\"type\":\"simple\","
		     "\"operand\":\"process.path\",\"sensitive\":false,\"data\":\"/opt/google/chrome/chrome\","
		     "\"list\":[]}}");
	rule_free(r);
}

static void test_fields(void **state)
{
	static const struct {
		const char *dur;
		time_t secs;
	} durs[] = {
		{ "30s", 30 },	   { "5m", 300 },     { "15m", 900 },	 { "1h", 3600 },
		{ "12h", 43200 },  { "1h30m", 5400 }, { "1.5h", 5400 },	 { "300ms", 1 },
		{ "2h45m30s", 9930 }, { "+1m", 60 },  { ".5s", 1 },	 { "1m0.5s", 61 },
		{ "1\xc2\xb5s", 1 },
	};
	char text[256];
	struct rule *r;

	(void)state;
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"name\":\"d\",\"action\":\"allow\",\"duration\":\"%s\","
			 "\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}",
			 durs[i].dur);
		r = parse_ok(text);
		assert_int_equal(rule_expires(r), NOW + durs[i].secs);
		assert_false(rule_is_persistent(r));
		rule_free(r);
	}
	/* expiry counts from 'created' */
	r = parse_ok("{\"name\":\"d\",\"created\":\"2021-04-26T09:58:03+02:00\",\"action\":\"allow\","
		     "\"duration\":\"1h\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	assert_int_equal(rule_expires(r), 1619423883 + 3600);
	rule_free(r);
	r = parse_ok("{\"name\":\"d\",\"created\":1619423883,\"action\":\"allow\","
		     "\"duration\":\"once\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	assert_int_equal(rule_expires(r), 0);
	assert_false(rule_is_persistent(r));
	rule_free(r);

	/* defaults */
	r = parse_ok("{\"name\":\"x\",\"action\":\"deny\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	assert_true(rule_enabled(r));
	assert_false(rule_nolog(r));
	assert_true(rule_is_persistent(r));
	rule_free(r);
	r = parse_ok("{\"name\":\"x\",\"action\":\"deny\",\"enabled\":false,\"nolog\":true,"
		     "\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	assert_false(rule_enabled(r));
	assert_true(rule_nolog(r));
	rule_free(r);

	assert_int_equal(action_from_name("allow"), ACTION_ALLOW);
	assert_int_equal(action_from_name("deny"), ACTION_DENY);
	assert_int_equal(action_from_name("reject"), ACTION_REJECT);
	assert_int_equal(action_from_name("Allow"), -EINVAL);
	assert_int_equal(action_from_name(NULL), -EINVAL);
	assert_string_equal(action_name(ACTION_REJECT), "reject");
	assert_true(rule_name_valid("a-b_c.d9"));
	assert_false(rule_name_valid("a b"));
	assert_false(rule_name_valid(".."));
	assert_false(rule_name_valid("caf\xc3\xa9"));
}

static const char *const samples[] = {
	opensnitch_list,
	"{\"name\":\"a\",\"action\":\"allow\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}",
	"{\"name\":\"b\",\"description\":\"caf\\u00e9 \\\"quoted\\\"\",\"action\":\"reject\",\"duration\":\"1h30m\","
	"\"precedence\":true,\"nolog\":true,\"enabled\":false,"
	"\"operator\":{\"type\":\"regexp\",\"operand\":\"process.command\",\"sensitive\":true,\"data\":\"^curl .*\"}}",
	"{\"name\":\"c\",\"action\":\"deny\",\"operator\":{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"10.1.2.3/8\"}}",
	"{\"name\":\"d\",\"action\":\"deny\",\"created\":\"0001-01-01T00:00:00Z\",\"operator\":{\"type\":\"list\",\"list\":["
	"{\"type\":\"simple\",\"operand\":\"process.env.HOME\",\"data\":\"/root\"},"
	"{\"type\":\"list\",\"operand\":\"list\",\"list\":[{\"type\":\"simple\",\"operand\":\"protocol\",\"data\":\"udp6\"}]}]}}",
	"{\"name\":\"e\",\"action\":\"allow\",\"duration\":\"once\",\"operator\":{\"type\":\"simple\",\"operand\":\"dest.ip\",\"data\":\"::1\"}}",
};

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct rule *a = parse_ok(samples[i]), *b, *c;
		json_t *ja = rule_to_json(a), *jb, *jc;
		char *text = json_dumps(ja, JSON_INDENT(2));

		b = parse_ok(text);
		jb = rule_to_json(b);
		assert_true(json_equal(ja, jb));
		c = rule_clone(b);
		assert_non_null(c);
		jc = rule_to_json(c);
		assert_true(json_equal(jb, jc));
		free(text);
		json_decref(ja);
		json_decref(jb);
		json_decref(jc);
		rule_free(a);
		rule_free(b);
		rule_free(c);
	}
}

static struct rule *named(const char *name, const char *action, const char *duration)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"name\":\"%s\",\"action\":\"%s\",\"duration\":\"%s\","
		 "\"operator\":{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/bin/%s\"}}",
		 name, action, duration, name);
	return parse_ok(text);
}

static void test_collection(void **state)
{
	struct rules *rs = rules_new(), *dst = rules_new();
	json_t *arr;
	char name[32];

	(void)state;
	assert_int_equal(rules_add(rs, named("b", "allow", "always")), 0);
	assert_int_equal(rules_add(rs, named("a", "deny", "always")), 0);
	assert_int_equal(rules_add(rs, named("c", "allow", "5m")), 0);
	assert_int_equal(rules_count(rs), 3);
	assert_int_equal(rules_add(rs, named("a", "reject", "always")), 0); /* replaces */
	assert_int_equal(rules_count(rs), 3);
	assert_int_equal(rule_action(rules_lookup(rs, "a")), ACTION_REJECT);
	assert_null(rules_lookup(rs, "zz"));
	arr = rules_to_json(rs);
	assert_int_equal(json_array_size(arr), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "name")), "a");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 2), "name")), "c");
	json_decref(arr);
	assert_int_equal(rules_set_enabled(rs, "b", false), 0);
	assert_false(rule_enabled(rules_lookup(rs, "b")));
	assert_int_equal(rules_set_enabled(rs, "zz", false), -ENOENT);
	assert_int_equal(rules_remove(rs, "b"), 0);
	assert_int_equal(rules_remove(rs, "b"), -ENOENT);
	assert_int_equal(rules_add(rs, NULL), -EINVAL);

	/* reload: volatile rules move, persistent and expired ones stay */
	assert_int_equal(rules_add(rs, named("v", "allow", "until restart")), 0);
	assert_int_equal(rules_add(rs, named("x", "allow", "1s")), 0);
	assert_int_equal(rules_add(dst, named("v", "deny", "always")), 0);
	assert_int_equal(rules_move_volatile(dst, rs, NOW + 10), 2); /* c and v */
	assert_int_equal(rules_count(dst), 2);
	assert_int_equal(rule_action(rules_lookup(dst, "v")), ACTION_ALLOW);
	assert_non_null(rules_lookup(dst, "c"));
	assert_int_equal(rules_count(rs), 4); /* copies: SRC unchanged */
	assert_int_equal(rules_prune_expired(rs, NOW + 10), 1); /* x */
	assert_int_equal(rules_count(rs), 3);
	assert_int_equal(rules_prune_expired(dst, NOW + 300), 1); /* c: 5m */
	assert_null(rules_lookup(dst, "c"));
	rules_free(rs);
	rules_free(dst);

	/* the bound, inserted out of order */
	rs = rules_new();
	for (int i = 0; i < RULES_MAX; i++) {
		struct rule *r;
		int k = (int)(((unsigned)i * 40503u) % RULES_MAX);

		snprintf(name, sizeof(name), "r%05d", k);
		r = named(name, i % 3 ? "allow" : "deny", "always");
		assert_int_equal(rules_add(rs, r), 0);
	}
	assert_int_equal(rules_count(rs), RULES_MAX);
	assert_int_equal(rules_add(rs, named("one-too-many", "allow", "always")), -ENOSPC);
	assert_int_equal(rules_add(rs, named("r00007", "deny", "always")), 0); /* replace is fine */
	assert_int_equal(rules_prune_expired(rs, NOW), 0);
	rules_free(rs);
}

/* ---- the directory ---- */

struct reports {
	int n;
	char text[16][700];
};

static void collect(void *ud, const char *path, const char *msg)
{
	struct reports *rep = ud;

	if (rep->n < 16)
		snprintf(rep->text[rep->n], sizeof(rep->text[0]), "%s: %s", path, msg);
	rep->n++;
}

static bool reported(const struct reports *rep, const char *a, const char *b)
{
	for (int i = 0; i < rep->n && i < 16; i++)
		if (strstr(rep->text[i], a) && strstr(rep->text[i], b))
			return true;
	return false;
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_rf(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int count_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/picket-rules-XXXXXX", sub[600], *big;
	struct reports rep = { 0 };
	struct rules *rs = rules_new();

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "allow-always-list-usr-bin-telnet.json", opensnitch_list);
	put(dir, "good.json",
	    "{\"name\":\"good\",\"action\":\"deny\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	put(dir, "bad.json",
	    "{\"name\":\"bad\",\"action\":\"permit\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	put(dir, "broken.json", "{\"name\":");
	put(dir, "other.json",
	    "{\"name\":\"not-other\",\"action\":\"deny\",\"operator\":{\"type\":\"simple\",\"operand\":\"true\"}}");
	put(dir, "sp ace.json", "{}");
	put(dir, ".hidden.json", "{}");
	put(dir, "notes.txt", "hello");
	snprintf(sub, sizeof(sub), "%s/subdir.json", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	big = malloc(RULE_TEXT_MAX + 2);
	memset(big, ' ', RULE_TEXT_MAX + 1);
	big[RULE_TEXT_MAX + 1] = '\0';
	put(dir, "big.json", big);
	free(big);

	assert_int_equal(rules_load_dir(rs, dir, NOW, collect, &rep), 2);
	assert_int_equal(rules_count(rs), 2);
	assert_non_null(rules_lookup(rs, "good"));
	assert_non_null(rules_lookup(rs, "allow-always-list-usr-bin-telnet"));
	assert_int_equal(rep.n, 6);
	assert_true(reported(&rep, "/bad.json: ", "field 'action': expected allow|deny|reject, got \"permit\", ignoring"));
	assert_true(reported(&rep, "/broken.json: ", "invalid JSON"));
	assert_true(reported(&rep, "/other.json: ", "field 'name': \"not-other\" differs from the file name"));
	assert_true(reported(&rep, "/sp ace.json: ", "file name"));
	assert_true(reported(&rep, "/subdir.json: ", "not a regular file"));
	assert_true(reported(&rep, "/big.json: ", "larger than 1048576 bytes"));

	/* without a reporter, and loading again replaces */
	assert_int_equal(rules_load_dir(rs, dir, NOW, NULL, NULL), 2);
	assert_int_equal(rules_count(rs), 2);
	rules_free(rs);
	rm_rf(dir);

	rs = rules_new();
	assert_int_equal(rules_load_dir(rs, "/nonexistent/picket", NOW, NULL, NULL), -ENOENT);
	rules_free(rs);
}

static void test_write_then_load(void **state)
{
	char dir[] = "/tmp/picket-rules-XXXXXX";
	struct rules *rs = rules_new(), *back = rules_new();
	json_t *a, *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct rule *r = parse_ok(samples[i]);

		assert_int_equal(rules_write_file(dir, r), 0);
		assert_int_equal(rules_add(rs, r), 0);
	}
	/* overwrite one in place */
	assert_int_equal(rules_write_file(dir, rules_lookup(rs, "a")), 0);
	assert_int_equal(count_files(dir), (int)(sizeof(samples) / sizeof(samples[0])));
	assert_int_equal(rules_load_dir(back, dir, NOW, NULL, NULL),
			 (int)(sizeof(samples) / sizeof(samples[0])));
	a = rules_to_json(rs);
	b = rules_to_json(back);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);

	assert_int_equal(rules_delete_file(dir, "a"), 0);
	assert_int_equal(rules_delete_file(dir, "a"), -ENOENT);
	assert_int_equal(rules_delete_file(dir, "../etc/passwd"), -EINVAL);
	assert_int_equal(count_files(dir), (int)(sizeof(samples) / sizeof(samples[0])) - 1);
	assert_int_equal(rules_write_file("/nonexistent/picket", rules_lookup(rs, "b")), -ENOENT);
	rules_free(rs);
	rules_free(back);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_top_level),
		cmocka_unit_test(test_bad_operator),
		cmocka_unit_test(test_opensnitch_files),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_collection),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_write_then_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
