/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bytes -> rule_parse. A rule that parses must serialize, parse back to the
 * same JSON, clone, and match any connection without crashing.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules/rules.h"

#define NOW ((time_t)1700000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char env[] = "HOME=/root\0LANG=C\0X=";

static void conns(struct conn c[3], struct proc_info *p)
{
	memset(c, 0, 3 * sizeof(*c));
	memset(p, 0, sizeof(*p));
	p->pid = 1234;
	p->uid = 1000;
	strcpy(p->path, "/usr/bin/curl");
	strcpy(p->parent_path, "/bin/sh");
	strcpy(p->cmdline, "curl https://example.com");
	p->environ = env;
	p->environ_len = sizeof(env) - 1;

	c[0].proc = p;
	c[0].flow.family = AF_INET;
	c[0].flow.proto = IPPROTO_TCP;
	c[0].flow.dport = 443;
	c[0].flow.sport = 50000;
	inet_pton(AF_INET, "10.0.0.1", &c[0].flow.src.in);
	inet_pton(AF_INET, "93.184.216.34", &c[0].flow.dst.in);
	c[0].has_uid = true;
	c[0].uid = 1000;
	c[0].user_name = "alice";
	strcpy(c[0].iface_out, "eth0");
	c[0].dst_host = "example.com";

	c[1].flow.family = AF_INET6;
	c[1].flow.proto = IPPROTO_UDP;
	c[1].flow.dport = 53;
	inet_pton(AF_INET6, "fd00::2", &c[1].flow.src.in6);
	inet_pton(AF_INET6, "2001:db8::53", &c[1].flow.dst.in6);

	c[2] = c[0];
	c[2].flow.proto = IPPROTO_ICMP;
	c[2].flow.dport = c[2].flow.sport = 0;
	c[2].dst_host = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule *r = NULL, *back = NULL, *clone;
	struct rules *rs;
	struct proc_info p;
	struct conn c[3];
	char err[512];
	json_t *j1, *j2;
	char *text;

	if (rule_parse((const char *)data, size, NOW, &r, err, sizeof(err)) < 0) {
		if (!err[0] || strchr(err, '\n'))
			abort(); /* every error is one non-empty line */
		return 0;
	}
	j1 = rule_to_json(r);
	text = j1 ? json_dumps(j1, JSON_COMPACT) : NULL;
	if (!text)
		abort();
	if (rule_parse(text, strlen(text), NOW + 1, &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "round trip failed: %s\n%s\n", err, text);
		abort();
	}
	j2 = rule_to_json(back);
	if (!json_equal(j1, j2)) {
		fprintf(stderr, "round trip differs:\n%s\n", text);
		abort();
	}
	clone = rule_clone(r);
	if (!clone)
		abort();

	conns(c, &p);
	rs = rules_new();
	if (!rs || rules_add(rs, r) < 0 || rules_add(rs, clone) < 0) /* clone replaces r */
		abort();
	for (int i = 0; i < 3; i++) {
		const struct rule *m = rules_match(rs, &c[i], NOW);

		if ((m != NULL) != rule_match(clone, &c[i], NOW) ||
		    rule_match(back, &c[i], NOW) != rule_match(clone, &c[i], NOW))
			abort();
		(void)rules_match(rs, &c[i], NOW + 86400 * 365);
	}
	rules_free(rs);
	rule_free(back);
	json_decref(j1);
	json_decref(j2);
	free(text);
	return 0;
}
