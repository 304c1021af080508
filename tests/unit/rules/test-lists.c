/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of rules/lists.c and the "lists" operator. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/lists.h"
#include "rules/rule.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/picket-lists-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_domains(void **state)
{
	struct list *l;

	write_file("hosts", "# a hosts file\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
			    "0.0.0.0 Ads.Example.COM tracker.example.com # two names\n"
			    "\n   \n0.0.0.0 bad_name!\n");
	write_file("plain.txt", "*.doubleclick.net\n.metrics.test\nexact.org.\nnot a name\n");
	write_file(".hidden", "hidden.test\n");
	assert_int_equal(list_get(dir, LIST_DOMAINS, &l), 0);
	assert_int_equal(list_stats(l)->files, 2);
	assert_int_equal(list_stats(l)->entries, 5);
	assert_int_equal(list_stats(l)->bad_lines, 2);
	assert_non_null(strstr(list_stats(l)->first_bad, "hosts:7"));
	assert_true(list_match_host(l, "ads.example.com"));
	assert_true(list_match_host(l, "tracker.example.com"));
	assert_false(list_match_host(l, "example.com"));
	assert_false(list_match_host(l, "x.ads.example.com")); /* plain: itself only */
	assert_false(list_match_host(l, "localhost"));
	assert_true(list_match_host(l, "a.b.doubleclick.net"));
	assert_false(list_match_host(l, "doubleclick.net")); /* *.: subdomains only */
	assert_true(list_match_host(l, "metrics.test"));     /* .x: x and subdomains */
	assert_true(list_match_host(l, "eu.metrics.test"));
	assert_true(list_match_host(l, "exact.org"));
	assert_false(list_match_host(l, "hidden.test"));
	assert_false(list_match_host(l, "xdoubleclick.net"));

	/* shared while in use; a change is seen by the next get */
	struct list *l2;
	assert_int_equal(list_get(dir, LIST_DOMAINS, &l2), 0);
	assert_ptr_equal(l, l2);
	list_put(l2);
	sleep(0); /* mtime granularity is ns; the size changes anyway */
	write_file("plain.txt", "new.test\n");
	assert_int_equal(lists_refresh(NULL, NULL), 1);
	assert_true(list_match_host(l, "new.test"));
	assert_false(list_match_host(l, "a.doubleclick.net"));
	assert_int_equal(lists_refresh(NULL, NULL), 0);
	list_put(l);
}

static void test_regexp_ips_nets(void **state)
{
	struct list *re, *ips, *nets;
	union picket_addr a;

	write_file("r", "^ads?\\.\n# comment\n(unclosed\n");
	assert_int_equal(list_get(dir, LIST_DOMAINS_REGEXP, &re), 0);
	assert_int_equal(list_stats(re)->entries, 1);
	assert_int_equal(list_stats(re)->bad_lines, 1);
	assert_true(list_match_host(re, "ad.example.com"));
	assert_false(list_match_host(re, "bad.example.com"));
	list_put(re);

	teardown(state);
	setup(state);
	write_file("n", "10.0.0.0/8\n192.0.2.1\nfd00::/8\n10.0.0.0/33\n");
	assert_int_equal(list_get(dir, LIST_NETS, &nets), 0);
	assert_int_equal(list_stats(nets)->bad_lines, 1);
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "10.9.8.7", &a.in);
	assert_true(list_match_addr(nets, AF_INET, &a));
	inet_pton(AF_INET, "192.0.2.2", &a.in);
	assert_false(list_match_addr(nets, AF_INET, &a));
	inet_pton(AF_INET, "192.0.2.1", &a.in);
	assert_true(list_match_addr(nets, AF_INET, &a));
	inet_pton(AF_INET6, "fd12::1", &a.in6);
	assert_true(list_match_addr(nets, AF_INET6, &a));
	list_put(nets);

	assert_int_equal(list_get(dir, LIST_IPS, &ips), 0); /* same files, as addresses */
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "192.0.2.1", &a.in);
	assert_true(list_match_addr(ips, AF_INET, &a));
	inet_pton(AF_INET, "10.0.0.0", &a.in);
	assert_false(list_match_addr(ips, AF_INET, &a));
	list_put(ips);
}

static void test_rule(void **state)
{
	char text[512], err[256] = "";
	struct rule *r = NULL;
	struct conn c = {0};

	write_file("block", "0.0.0.0 *.blocked.test\n");
	snprintf(text, sizeof(text),
		 "{\"name\":\"l\",\"action\":\"deny\",\"operator\":{\"type\":\"lists\","
		 "\"operand\":\"lists.domains\",\"data\":\"%s\"}}", dir);
	assert_int_equal(rule_parse(text, strlen(text), time(NULL), &r, err, sizeof(err)), 0);
	c.flow.family = AF_INET;
	assert_false(rule_match(r, &c, time(NULL))); /* no name known */
	c.dst_host = "ads.blocked.test";
	assert_true(rule_match(r, &c, time(NULL)));
	c.dst_host = "blocked.test";
	assert_false(rule_match(r, &c, time(NULL)));
	struct rule *copy = rule_clone(r);
	assert_non_null(copy);
	c.dst_host = "x.blocked.test";
	assert_true(rule_match(copy, &c, time(NULL)));
	rule_free(r);
	rule_free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regexp_ips_nets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
