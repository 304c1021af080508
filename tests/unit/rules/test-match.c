/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The matcher: every operand and type, evaluation order, expiry, and the
 * executable index against a naive linear evaluation. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "rules/rules.h"

#define NOW ((time_t)1700000000)

static struct proc_info proc;
static char environ_buf[] = "HOME=/root\0LANG=C.UTF-8\0PICKET=On\0TRUNC=abc";

static struct conn base_conn(void)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	memset(&proc, 0, sizeof(proc));
	proc.pid = 4242;
	proc.ppid = 1;
	proc.uid = 1000;
	strcpy(proc.path, "/usr/bin/curl");
	strcpy(proc.parent_path, "/usr/bin/bash");
	strcpy(proc.cmdline, "curl -s https://example.com/");
	proc.environ = environ_buf;
	proc.environ_len = sizeof(environ_buf) - 1; /* the last entry has no NUL: truncated */
	c.proc = &proc;
	c.flow.family = AF_INET;
	c.flow.proto = IPPROTO_TCP;
	c.flow.sport = 40000;
	c.flow.dport = 443;
	inet_pton(AF_INET, "192.168.1.10", &c.flow.src.in);
	inet_pton(AF_INET, "93.184.216.34", &c.flow.dst.in);
	c.has_uid = true;
	c.uid = 1000;
	c.user_name = "alice";
	strcpy(c.iface_out, "eth0");
	c.dst_host = "Example.COM";
	return c;
}

static void set_v6(struct conn *c, const char *src, const char *dst)
{
	c->flow.family = AF_INET6;
	inet_pton(AF_INET6, src, &c->flow.src.in6);
	inet_pton(AF_INET6, dst, &c->flow.dst.in6);
}

static struct rule *mk(const char *name, const char *action, const char *extra, const char *op)
{
	char *text, err[512];
	struct rule *r = NULL;

	assert_true(asprintf(&text, "{\"name\":\"%s\",\"action\":\"%s\"%s%s,\"operator\":%s}", name,
			     action, extra && *extra ? "," : "", extra ? extra : "", op) > 0);
	if (rule_parse(text, strlen(text), NOW, &r, err, sizeof(err)) < 0)
		fail_msg("%s\n%s", err, text);
	free(text);
	return r;
}

/* Does a rule with operator {type, operand, data[, sensitive]} match C? */
static bool m(const struct conn *c, const char *type, const char *operand, const char *data,
	      bool sensitive)
{
	char op[1024];
	struct rules *rs = rules_new();
	bool hit;

	snprintf(op, sizeof(op),
		 "{\"type\":\"%s\",\"operand\":\"%s\",\"data\":\"%s\",\"sensitive\":%s}", type, operand,
		 data, sensitive ? "true" : "false");
	assert_int_equal(rules_add(rs, mk("t", "allow", NULL, op)), 0);
	hit = rules_match(rs, c, NOW) != NULL;
	rules_free(rs);
	return hit;
}

#define YES(...) assert_true(m(__VA_ARGS__))
#define NO(...) assert_false(m(__VA_ARGS__))

static void test_simple(void **state)
{
	struct conn c = base_conn();

	(void)state;
	YES(&c, "simple", "true", "", false);
	YES(&c, "simple", "process.path", "/usr/bin/curl", false);
	YES(&c, "simple", "process.path", "/USR/bin/CURL", false);
	YES(&c, "simple", "process.path", "/usr/bin/curl", true);
	NO(&c, "simple", "process.path", "/USR/bin/CURL", true);
	NO(&c, "simple", "process.path", "/usr/bin/cur", false);
	NO(&c, "simple", "process.path", "/usr/bin/curlx", false);
	YES(&c, "simple", "process.command", "CURL -s https://example.com/", false);
	NO(&c, "simple", "process.command", "CURL -s https://example.com/", true);
	YES(&c, "simple", "process.id", "4242", false);
	NO(&c, "simple", "process.id", "4243", false);
	YES(&c, "simple", "process.parent.path", "/usr/bin/bash", false);
	YES(&c, "simple", "process.env.HOME", "/root", false);
	YES(&c, "simple", "process.env.PICKET", "on", false);
	NO(&c, "simple", "process.env.PICKET", "on", true);
	YES(&c, "simple", "process.env.TRUNC", "abc", false);
	NO(&c, "simple", "process.env.HOM", "/root", false);
	NO(&c, "simple", "process.env.NOPE", "", false);
	YES(&c, "simple", "user.id", "1000", false);
	NO(&c, "simple", "user.id", "0", false);
	YES(&c, "simple", "user.name", "ALICE", false);
	NO(&c, "simple", "user.name", "ALICE", true);
	YES(&c, "simple", "dest.ip", "93.184.216.34", false);
	NO(&c, "simple", "dest.ip", "93.184.216.35", false);
	YES(&c, "simple", "source.ip", "192.168.1.10", false);
	YES(&c, "simple", "dest.port", "443", false);
	YES(&c, "simple", "dest.port", "0443", false); /* numeric compare */
	NO(&c, "simple", "dest.port", "80", false);
	YES(&c, "simple", "source.port", "40000", false);
	YES(&c, "simple", "dest.host", "example.com", false);
	NO(&c, "simple", "dest.host", "example.com", true);
	YES(&c, "simple", "dest.host", "Example.COM", true);
	YES(&c, "simple", "iface.out", "ETH0", false);
	NO(&c, "simple", "iface.out", "wlan0", false);
	YES(&c, "simple", "protocol", "tcp", false);
	YES(&c, "simple", "protocol", "TCP", false);
	YES(&c, "simple", "protocol", "6", false);
	NO(&c, "simple", "protocol", "tcp6", false);
	NO(&c, "simple", "protocol", "udp", false);

	/* unknown values never match */
	c.dst_host = NULL;
	c.user_name = NULL;
	c.iface_out[0] = '\0';
	proc.parent_path[0] = '\0';
	NO(&c, "simple", "dest.host", "", false);
	NO(&c, "simple", "user.name", "", false);
	NO(&c, "simple", "iface.out", "", false);
	NO(&c, "simple", "process.parent.path", "", false);
	NO(&c, "regexp", "dest.host", ".*", false);

	/* user.id falls back to the process when the socket owner is unknown */
	c.has_uid = false;
	YES(&c, "simple", "user.id", "1000", false);

	/* no process: path "unknown", other process operands do not match */
	c.proc = NULL;
	YES(&c, "simple", "process.path", "unknown", false);
	YES(&c, "regexp", "process.path", "^unknown$", false);
	NO(&c, "simple", "process.path", "/usr/bin/curl", false);
	NO(&c, "regexp", "process.command", ".*", false);
	NO(&c, "simple", "process.id", "0", false);
	NO(&c, "simple", "process.env.HOME", "/root", false);
	NO(&c, "regexp", "process.parent.path", ".*", false);
	NO(&c, "simple", "user.id", "1000", false);
	YES(&c, "simple", "true", "", false);
}

#define SHA_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define MD5_A "0123456789abcdef0123456789abcdef"
static int digest_calls;

static const char *fake_digest(const struct conn *c, int kind)
{
	(void)c;
	digest_calls++;
	return kind == CONN_SHA256 ? SHA_A : MD5_A;
}

/* Hash operands read the digest lazily, only when a rule gets that far. */
static void test_hash(void **state)
{
	struct conn c = base_conn();
	char op[512];

	(void)state;
	NO(&c, "simple", "process.hash.sha256", SHA_A, false); /* no digest function: unknown */
	c.exe_digest = fake_digest;
	YES(&c, "simple", "process.hash.sha256", SHA_A, false);
	YES(&c, "simple", "process.hash.sha256",
	    "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90", false);
	NO(&c, "simple", "process.hash.sha256",
	   "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", false);
	YES(&c, "simple", "process.hash.md5", MD5_A, false);
	YES(&c, "regexp", "process.hash.md5", "^0123", false);

	/* a list whose path does not match never asks for the digest */
	digest_calls = 0;
	snprintf(op, sizeof(op),
		 "{\"type\":\"list\",\"operand\":\"list\",\"list\":["
		 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/wget\"},"
		 "{\"type\":\"simple\",\"operand\":\"process.hash.sha256\",\"data\":\"%s\"}]}",
		 SHA_A);
	{
		struct rules *rs = rules_new();

		assert_int_equal(rules_add(rs, mk("t", "allow", NULL, op)), 0);
		assert_null(rules_match(rs, &c, NOW));
		assert_int_equal(digest_calls, 0);
		rules_free(rs);
	}
	/* no process: no digest */
	c.proc = NULL;
	NO(&c, "simple", "process.hash.sha256", SHA_A, false);
}

static void test_protocols_and_v6(void **state)
{
	struct conn c = base_conn();

	(void)state;
	set_v6(&c, "fd00::10", "2001:db8::1");
	YES(&c, "simple", "protocol", "tcp", false);
	YES(&c, "simple", "protocol", "tcp6", false);
	YES(&c, "regexp", "protocol", "^tcp6$", false);
	YES(&c, "regexp", "protocol", "^tcp$", false);
	YES(&c, "simple", "dest.ip", "2001:db8:0:0::1", false);
	YES(&c, "simple", "dest.ip", "2001:DB8::1", false);
	NO(&c, "simple", "dest.ip", "93.184.216.34", false);
	YES(&c, "regexp", "dest.ip", "^2001:db8::1$", false);
	YES(&c, "network", "dest.network", "2001:db8::/32", false);
	NO(&c, "network", "dest.network", "2001:db9::/32", false);
	NO(&c, "network", "dest.network", "0.0.0.0/0", false);
	YES(&c, "network", "dest.network", "::/0", false);
	YES(&c, "network", "source.ip", "fd00::/8", false);

	c = base_conn();
	c.flow.proto = IPPROTO_UDP;
	YES(&c, "simple", "protocol", "udp", false);
	NO(&c, "simple", "protocol", "udp6", false);
	YES(&c, "regexp", "protocol", "^(udp|tcp)$", false);
	NO(&c, "regexp", "protocol", "udp6", false);
	c.flow.proto = IPPROTO_UDPLITE;
	YES(&c, "simple", "protocol", "udplite", false);
	c.flow.proto = IPPROTO_SCTP;
	YES(&c, "simple", "protocol", "sctp", false);
	c.flow.proto = IPPROTO_ICMP;
	c.flow.sport = c.flow.dport = 0;
	YES(&c, "simple", "protocol", "icmp", false);
	NO(&c, "simple", "protocol", "icmpv6", false);
	/* no ports: port operands never match */
	NO(&c, "simple", "dest.port", "0", false);
	NO(&c, "regexp", "source.port", ".*", false);
	c.flow.proto = 47; /* GRE: no name */
	YES(&c, "simple", "protocol", "47", false);
	YES(&c, "regexp", "protocol", "^47$", false);
	set_v6(&c, "::1", "::1");
	c.flow.proto = IPPROTO_ICMPV6;
	YES(&c, "simple", "protocol", "icmpv6", false);
	YES(&c, "simple", "protocol", "58", false);
}

static void test_regexp_and_network(void **state)
{
	struct conn c = base_conn();

	(void)state;
	YES(&c, "regexp", "process.path", "^/usr/bin/", false);
	YES(&c, "regexp", "process.path", "^/USR/BIN/", false);
	NO(&c, "regexp", "process.path", "^/USR/BIN/", true);
	YES(&c, "regexp", "process.path", "curl$", true);
	YES(&c, "regexp", "process.command", "example\\\\.com", false);
	YES(&c, "regexp", "dest.port", "^44[0-9]$", false);
	NO(&c, "regexp", "dest.port", "^80$", false);
	YES(&c, "regexp", "process.id", "^42", false);
	YES(&c, "regexp", "user.id", "^1000$", false);
	YES(&c, "regexp", "dest.ip", "^93\\\\.184\\\\.", false);
	YES(&c, "regexp", "source.ip", "^192\\\\.168\\\\.", false);
	YES(&c, "regexp", "dest.host", "^example\\\\.com$", false);
	YES(&c, "regexp", "process.env.LANG", "utf-8", false);
	NO(&c, "regexp", "process.env.LANG", "utf-8", true);
	YES(&c, "regexp", "iface.out", "^eth", false);
	YES(&c, "regexp", "user.name", "^al", false);
	YES(&c, "regexp", "process.path", "", false);
	/* a catastrophic pattern hits the match limit: no match, no hang */
	strcpy(proc.cmdline, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
	NO(&c, "regexp", "process.command", "^(a+)+$", false);

	YES(&c, "network", "dest.network", "93.184.216.0/24", false);
	YES(&c, "network", "dest.network", "93.184.216.34/32", false);
	YES(&c, "network", "dest.network", "93.184.216.34", false);
	YES(&c, "network", "dest.network", "93.176.0.0/12", false);
	NO(&c, "network", "dest.network", "93.192.0.0/12", false);
	YES(&c, "network", "dest.network", "93.184.216.99/24", false); /* host bits ignored */
	YES(&c, "network", "dest.network", "0.0.0.0/0", false);
	NO(&c, "network", "dest.network", "10.0.0.0/8", false);
	NO(&c, "network", "dest.network", "::/0", false);
	YES(&c, "network", "dest.ip", "93.184.0.0/16", false);
	YES(&c, "network", "source.ip", "192.168.0.0/16", false);
	NO(&c, "network", "source.ip", "10.0.0.0/8", false);
}

static void test_list(void **state)
{
	struct conn c = base_conn();
	struct rules *rs = rules_new();

	(void)state;
	assert_int_equal(rules_add(rs, mk("l", "allow", NULL,
				       "{\"type\":\"list\",\"operand\":\"list\",\"list\":["
				       "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/curl\"},"
				       "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"443\"},"
				       "{\"type\":\"list\",\"list\":[{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"93.0.0.0/8\"}]}]}")),
			 0);
	assert_non_null(rules_match(rs, &c, NOW));
	c.flow.dport = 80;
	assert_null(rules_match(rs, &c, NOW));
	c.flow.dport = 443;
	inet_pton(AF_INET, "10.0.0.1", &c.flow.dst.in);
	assert_null(rules_match(rs, &c, NOW));
	rules_free(rs);
}

static const char T[] = "{\"type\":\"simple\",\"operand\":\"true\"}";

static void test_order(void **state)
{
	struct conn c = base_conn();
	struct rules *rs = rules_new();
	const struct rule *r;

	(void)state;
	assert_null(rules_match(rs, &c, NOW));
	/* last matching allow wins */
	rules_add(rs, mk("a-allow", "allow", NULL, T));
	rules_add(rs, mk("b-allow", "allow", NULL, T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "b-allow");
	/* a deny wins at once, even over allows after it */
	rules_add(rs, mk("c-deny", "deny", NULL, T));
	rules_add(rs, mk("d-allow", "allow", NULL, T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "c-deny");
	/* the first decisive one in name order */
	rules_add(rs, mk("b2-reject", "reject", NULL, T));
	r = rules_match(rs, &c, NOW);
	assert_string_equal(rule_name(r), "b2-reject");
	assert_int_equal(rule_action(r), ACTION_REJECT);
	/* a precedence allow reached before the deny is decisive */
	rules_add(rs, mk("a0-prec", "allow", "\"precedence\":true", T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "a0-prec");
	/* ...but not when it comes after */
	rules_remove(rs, "a0-prec");
	rules_add(rs, mk("z-prec", "allow", "\"precedence\":true", T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "b2-reject");
	/* disabled rules are skipped */
	rules_set_enabled(rs, "b2-reject", false);
	rules_set_enabled(rs, "c-deny", false);
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "z-prec");
	rules_add(rs, mk("zz-disabled", "deny", "\"enabled\":false", T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "z-prec");
	/* ordering is by bytes: upper case sorts before lower case */
	rules_add(rs, mk("Z-deny", "deny", NULL, T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "Z-deny");
	rules_free(rs);
}

static void test_expiry(void **state)
{
	struct conn c = base_conn();
	struct rules *rs = rules_new();

	(void)state;
	rules_add(rs, mk("a", "allow", NULL, T));
	rules_add(rs, mk("b-timed", "deny", "\"duration\":\"5m\"", T));
	rules_add(rs, mk("c-old", "deny", "\"duration\":\"1h\",\"created\":\"2020-01-01T00:00:00Z\"", T));
	rules_add(rs, mk("d-restart", "allow", "\"duration\":\"until restart\"", T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "b-timed");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW + 299)), "b-timed");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW + 300)), "d-restart");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW + 86400 * 365)), "d-restart");
	rules_free(rs);
}

/* The verdict cache's precondition: only rule sets whose decisions depend
 * on nothing but exe path, user and destination; a timed rule bounds it;
 * every change moves the generation. */
static void test_keyed(void **state)
{
	struct rules *rs = rules_new();
	uint64_t g0 = rules_generation(rs), g1;
	time_t until = 1;

	(void)state;
	assert_true(rules_decision_is_keyed(rs, NOW, &until));
	assert_int_equal(until, 0);
	rules_add(rs, mk("a", "allow", NULL,
			 "{\"type\":\"list\",\"operand\":\"list\",\"list\":["
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/curl\"},"
			 "{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"10.0.0.0/8\"},"
			 "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"443\"},"
			 "{\"type\":\"simple\",\"operand\":\"user.id\",\"data\":\"1000\"},"
			 "{\"type\":\"simple\",\"operand\":\"protocol\",\"data\":\"tcp\"}]}"));
	g1 = rules_generation(rs);
	assert_true(g1 != g0);
	assert_true(rules_decision_is_keyed(rs, NOW, &until));
	rules_add(rs, mk("b-timed", "deny", "\"duration\":\"5m\"",
			 "{\"type\":\"simple\",\"operand\":\"dest.ip\",\"data\":\"10.1.2.3\"}"));
	assert_true(rules_decision_is_keyed(rs, NOW, &until));
	assert_int_equal(until, NOW + 300);
	/* Each operand the cache cannot key on, alone or inside a list. */
	const char *bad[] = {"process.command", "process.id", "process.parent.path",
			     "process.env.HOME", "dest.host", "source.port", "source.ip", "iface.out"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char op[512];
		snprintf(op, sizeof(op),
			 "{\"type\":\"list\",\"operand\":\"list\",\"list\":["
			 "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"1\"},"
			 "{\"type\":\"regexp\",\"operand\":\"%s\",\"data\":\"x\"}]}", bad[i]);
		g1 = rules_generation(rs);
		assert_int_equal(rules_add(rs, mk("c", "allow", NULL, op)), 0);
		assert_true(rules_generation(rs) != g1);
		assert_false(rules_decision_is_keyed(rs, NOW, &until));
		/* disabled, it no longer counts */
		g1 = rules_generation(rs);
		assert_int_equal(rules_set_enabled(rs, "c", false), 0);
		assert_true(rules_generation(rs) != g1);
		assert_true(rules_decision_is_keyed(rs, NOW, &until));
		assert_int_equal(rules_remove(rs, "c"), 0);
	}
	/* Past the timed rule's end, and after pruning it, no bound. */
	assert_true(rules_decision_is_keyed(rs, NOW + 300, &until));
	assert_int_equal(until, 0);
	g1 = rules_generation(rs);
	assert_int_equal(rules_prune_expired(rs, NOW + 300), 1);
	assert_true(rules_generation(rs) != g1);
	rules_free(rs);
}

static void test_index(void **state)
{
	struct conn c = base_conn();
	struct rules *rs = rules_new();

	(void)state;
	rules_add(rs, mk("a-curl", "allow", NULL,
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/USR/BIN/CURL\"}"));
	rules_add(rs, mk("b-curl-sensitive", "deny", NULL,
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/USR/BIN/CURL\",\"sensitive\":true}"));
	rules_add(rs, mk("c-any", "allow", NULL, T));
	rules_add(rs, mk("d-curl-list", "allow", NULL,
			 "{\"type\":\"list\",\"list\":[{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"443\"},"
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/curl\"}]}"));
	rules_add(rs, mk("e-wget", "deny", NULL,
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/wget\"}"));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "d-curl-list");
	strcpy(proc.path, "/USR/BIN/CURL");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "b-curl-sensitive");
	strcpy(proc.path, "/usr/bin/wget");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "e-wget");
	strcpy(proc.path, "/usr/bin/other");
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "c-any");
	/* a rule that changes home on replace */
	rules_add(rs, mk("e-wget", "deny", NULL, T));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "e-wget");
	rules_add(rs, mk("c-any", "deny", NULL,
			 "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"/usr/bin/other\"}"));
	assert_string_equal(rule_name(rules_match(rs, &c, NOW)), "c-any");
	rules_remove(rs, "c-any");
	rules_remove(rs, "e-wget");
	assert_null(rules_match(rs, &c, NOW));
	rules_free(rs);
}

/* ---- property: index == naive linear scan ---- */

static const char *const paths[] = { "/usr/bin/curl", "/usr/bin/wget", "/usr/bin/ssh",
				     "/usr/lib/firefox/firefox", "/opt/App/Bin", "unknown" };
static const char *const ports[] = { "22", "53", "80", "443", "8080" };
static const char *const nets[] = { "10.0.0.0/8", "192.168.1.0/24", "0.0.0.0/0", "fd00::/8",
				    "93.184.216.34/32" };
static const char *const protos[] = { "tcp", "udp", "icmp", "tcp6", "udp6" };

#define PICK(a) (a)[rand() % (int)(sizeof(a) / sizeof((a)[0]))]

/* PATH with random letters upper-cased. */
static const char *mangle(const char *path, char *buf)
{
	size_t i;

	for (i = 0; path[i]; i++)
		buf[i] = (rand() % 4 == 0 && path[i] >= 'a' && path[i] <= 'z') ? (char)(path[i] - 32) :
										     path[i];
	buf[i] = '\0';
	return buf;
}

static void random_op(char *op, size_t sz, int depth)
{
	char buf[64], a[512], b[512];
	const char *sens = rand() % 3 == 0 ? "true" : "false";

	switch (rand() % (depth ? 9 : 10)) {
	case 0:
	case 1:
	case 2:
		snprintf(op, sz, "{\"type\":\"simple\",\"operand\":\"process.path\",\"data\":\"%s\",\"sensitive\":%s}",
			 mangle(PICK(paths), buf), sens);
		break;
	case 3:
		snprintf(op, sz, "{\"type\":\"regexp\",\"operand\":\"process.path\",\"data\":\"%s\",\"sensitive\":%s}",
			 PICK(((const char *const[]){ "^/usr/bin/", "fire", "SH$", "^unknown$" })), sens);
		break;
	case 4:
		snprintf(op, sz, "{\"type\":\"simple\",\"operand\":\"dest.port\",\"data\":\"%s\"}", PICK(ports));
		break;
	case 5:
		snprintf(op, sz, "{\"type\":\"network\",\"operand\":\"dest.network\",\"data\":\"%s\"}", PICK(nets));
		break;
	case 6:
		snprintf(op, sz, "{\"type\":\"simple\",\"operand\":\"protocol\",\"data\":\"%s\"}", PICK(protos));
		break;
	case 7:
		snprintf(op, sz, "{\"type\":\"simple\",\"operand\":\"user.id\",\"data\":\"%d\"}", rand() % 3 * 500);
		break;
	case 8:
		snprintf(op, sz, "{\"type\":\"simple\",\"operand\":\"true\"}");
		break;
	default:
		random_op(a, sizeof(a), depth + 1);
		random_op(b, sizeof(b), depth + 1);
		snprintf(op, sz, "{\"type\":\"list\",\"operand\":\"list\",\"list\":[%s,%s]}", a, b);
		break;
	}
}

static struct rule *random_rule(int id)
{
	char op[2048], extra[256], name[32];

	/* names in an order unrelated to creation order */
	snprintf(name, sizeof(name), "%c%c-%d", 'a' + rand() % 26, 'a' + rand() % 26, id);
	snprintf(extra, sizeof(extra), "\"enabled\":%s,\"precedence\":%s,\"duration\":\"%s\"",
		 rand() % 10 ? "true" : "false", rand() % 8 ? "false" : "true",
		 PICK(((const char *const[]){ "always", "always", "until restart", "30s", "1h" })));
	random_op(op, sizeof(op), 0);
	return mk(name, PICK(((const char *const[]){ "allow", "allow", "allow", "deny", "reject" })),
		  extra, op);
}

static void random_conn(struct conn *c, struct proc_info *p, char *pathbuf)
{
	static const char *const dsts4[] = { "10.1.2.3", "192.168.1.7", "93.184.216.34", "8.8.8.8" };
	static const char *const dsts6[] = { "fd00::1", "2001:db8::1", "::1" };
	static const uint8_t prs[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_SCTP };

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	if (rand() % 6) {
		strcpy(p->path, mangle(PICK(paths), pathbuf));
		p->uid = (uid_t)(rand() % 3 * 500);
		c->proc = p;
	}
	c->has_uid = rand() % 2;
	c->uid = (uid_t)(rand() % 3 * 500);
	c->flow.proto = PICK(prs);
	c->flow.dport = (uint16_t)atoi(PICK(ports));
	if (rand() % 2) {
		c->flow.family = AF_INET;
		inet_pton(AF_INET, PICK(dsts4), &c->flow.dst.in);
	} else {
		c->flow.family = AF_INET6;
		inet_pton(AF_INET6, PICK(dsts6), &c->flow.dst.in6);
	}
}

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(rule_name(*(struct rule *const *)a), rule_name(*(struct rule *const *)b));
}

static bool precedence(const struct rule *r)
{
	json_t *j = rule_to_json(r);
	bool prec = json_is_true(json_object_get(j, "precedence"));

	json_decref(j);
	return prec;
}

/* Evaluation as the spec says it: every rule in name order, no index. */
static const struct rule *naive(struct rule **sorted, size_t n, const struct conn *c, time_t now)
{
	const struct rule *last = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!rule_match(sorted[i], c, now))
			continue;
		if (rule_action(sorted[i]) != ACTION_ALLOW || precedence(sorted[i]))
			return sorted[i];
		last = sorted[i];
	}
	return last;
}

static void test_property(void **state)
{
	enum { NRULES = 200, NCONNS = 1000 };
	struct rule *sorted[NRULES];
	struct rules *rs = rules_new();
	struct proc_info p;
	struct conn c;
	char pathbuf[PATH_MAX];
	unsigned seed = getenv("PICKET_SEED") ? (unsigned)atoi(getenv("PICKET_SEED")) : 12345;
	int decisive = 0;

	(void)state;
	srand(seed);
	for (int round = 0; round < 3; round++) {
		size_t n = 0;
		json_t *all;

		if (round == 0) {
			for (int i = 0; i < NRULES; i++)
				assert_int_equal(rules_add(rs, random_rule(i)), 0);
		} else {
			/* churn: remove some, replace some under the same name */
			all = rules_to_json(rs);
			for (size_t i = 0; i < json_array_size(all); i++) {
				const char *name = json_string_value(json_object_get(json_array_get(all, i), "name"));
				char op[2048];

				if (rand() % 5 == 0) {
					assert_int_equal(rules_remove(rs, name), 0);
				} else if (rand() % 5 == 0) {
					random_op(op, sizeof(op), 0);
					assert_int_equal(rules_add(rs, mk(name, rand() % 2 ? "allow" : "deny", NULL, op)), 0);
				}
			}
			json_decref(all);
		}
		all = rules_to_json(rs);
		for (size_t i = 0; i < json_array_size(all); i++) {
			const char *name = json_string_value(json_object_get(json_array_get(all, i), "name"));

			sorted[n++] = rule_clone(rules_lookup(rs, name));
		}
		json_decref(all);
		/* shuffle, then sort: the naive order owes nothing to the collection */
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)rand() % i;
			struct rule *t = sorted[i - 1];

			sorted[i - 1] = sorted[j];
			sorted[j] = t;
		}
		qsort(sorted, n, sizeof(sorted[0]), cmp_rule);

		for (int k = 0; k < NCONNS; k++) {
			time_t now = NOW + (rand() % 2 ? 0 : 100);
			const struct rule *want, *got;

			random_conn(&c, &p, pathbuf);
			want = naive(sorted, n, &c, now);
			got = rules_match(rs, &c, now);
			if (!want != !got || (want && strcmp(rule_name(want), rule_name(got)) != 0))
				fail_msg("seed %u round %d conn %d (%s): naive %s, indexed %s", seed, round, k,
					 c.proc ? c.proc->path : "no process", want ? rule_name(want) : "none",
					 got ? rule_name(got) : "none");
			decisive += want != NULL;
		}
		for (size_t i = 0; i < n; i++)
			rule_free(sorted[i]);
	}
	assert_true(decisive > 100); /* the test is not vacuous */
	rules_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_protocols_and_v6),
		cmocka_unit_test(test_regexp_and_network),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
