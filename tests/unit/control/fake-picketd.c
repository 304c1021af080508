/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-picketd: the control protocol with canned data and no firewall, for
 * testing front ends (the CLI test, picket-gtk) without the daemon.
 * Usage: fake-picketd SOCKET_PATH [EVENTS_PER_SECOND]
 * Methods: status, rules.list/add/delete/enable/disable (in memory),
 * events.query, events.subscribe; it publishes a made-up connection event
 * EVENTS_PER_SECOND times a second (default 0). Stops on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/server.h"

struct fake {
	struct control *ctl;
	json_t *rules;  /* array */
	json_t *events; /* array, oldest first */
	long long next_event;
	time_t start;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static json_t *make_event(struct fake *f, const char *action, const char *rule)
{
	long long id = f->next_event++;

	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:i, s:s, s:i, s:s?, s:I, s:i, "
			 "s:s, s:s, s:s}",
			 "id", (json_int_t)id, "time", "2026-11-23T10:00:00.123Z", "action",
			 action, "reason", rule ? "rule" : "default", "rule", rule, "protocol",
			 "tcp", "src_ip", "10.0.0.2", "src_port", 40000 + (int)(id % 1000), "dst_ip",
			 "93.184.216.34", "dst_port", 443, "dst_host",
			 id % 2 ? "example.com" : NULL, "pid", (json_int_t)(1000 + id), "uid", 1000,
			 "process_path", "/usr/bin/curl", "process_args",
			 "curl -s https://example.com/", "iface_out", "veth0");
}

static int m_status(void *ud, struct control_client *cl, json_t *p, json_t **ret, char *err,
		    size_t errsz)
{
	struct fake *f = ud;

	*ret = json_pack("{s:s, s:i, s:I, s:i, s:s, s:b, s:s, s:s, s:I, s:{s:i, s:i, s:i, s:i, "
			 "s:i}}",
			 "version", "0.1.0-fake", "pid", (int)getpid(), "uptime_s",
			 (json_int_t)(time(NULL) - f->start), "queue", 0, "default_action",
			 "allow", "fail_closed", 0, "backend", "xt-nfqueue", "attribution", "proc",
			 "rules", (json_int_t)json_array_size(f->rules), "counters", "packets", 120,
			 "allowed", 100, "denied", 15, "rejected", 5, "unknown_process", 3);
	return 0;
}

static int m_rules_list(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			char *err, size_t errsz)
{
	struct fake *f = ud;

	*ret = json_pack("{s:O}", "rules", f->rules);
	return 0;
}

static ssize_t rule_index(struct fake *f, json_t *params, const char **ret_name)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *r;
	size_t i;

	if (!name)
		return -EINVAL;
	*ret_name = name;
	json_array_foreach(f->rules, i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return (ssize_t)i;
	return -ENOENT;
}

static int m_rules_add(void *ud, struct control_client *cl, json_t *p, json_t **ret, char *err,
		       size_t errsz)
{
	struct fake *f = ud;
	json_t *rule = json_object_get(p, "rule");
	const char *name = json_string_value(json_object_get(rule, "name"));
	const char *dummy;

	if (!json_is_object(rule) || !name || !name[0]) {
		snprintf(err, errsz, "rule: field 'name': expected a non-empty string");
		return -EINVAL;
	}
	if (rule_index(f, rule, &dummy) >= 0) {
		snprintf(err, errsz, "a rule named \"%s\" exists", name);
		return -EEXIST;
	}
	json_array_append(f->rules, rule);
	*ret = json_pack("{s:s}", "name", name);
	return 0;
}

static int rules_by_name(struct fake *f, json_t *p, json_t **ret, char *err, size_t errsz,
			 int enable /* -1 delete */)
{
	const char *name = NULL;
	ssize_t i = rule_index(f, p, &name);

	if (i == -EINVAL) {
		snprintf(err, errsz, "params: field 'name': expected a string");
		return -EINVAL;
	}
	if (i < 0) {
		snprintf(err, errsz, "no rule named \"%s\"", name);
		return -ENOENT;
	}
	if (enable < 0)
		json_array_remove(f->rules, (size_t)i);
	else
		json_object_set_new(json_array_get(f->rules, (size_t)i), "enabled",
				    json_boolean(enable));
	*ret = json_pack("{s:s}", "name", name);
	return 0;
}

static int m_rules_delete(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			  char *err, size_t errsz)
{
	return rules_by_name(ud, p, ret, err, errsz, -1);
}

static int m_rules_enable(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			  char *err, size_t errsz)
{
	return rules_by_name(ud, p, ret, err, errsz, 1);
}

static int m_rules_disable(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			   char *err, size_t errsz)
{
	return rules_by_name(ud, p, ret, err, errsz, 0);
}

static int m_events_query(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			  char *err, size_t errsz)
{
	struct fake *f = ud;
	json_t *limit = json_object_get(p, "limit"), *after = json_object_get(p, "after_id");
	json_int_t n = limit ? json_integer_value(limit) : 50;
	json_t *out = json_array(), *ev;
	size_t i, first;

	if ((limit && !json_is_integer(limit)) || n < 1 || n > 10000) {
		json_decref(out);
		snprintf(err, errsz, "params: field 'limit': expected an integer from 1 to 10000");
		return -EINVAL;
	}
	/* The last N, or with after_id the first N after it (docs/protocol.md). */
	first = !after && json_array_size(f->events) > (size_t)n
			? json_array_size(f->events) - (size_t)n
			: 0;
	json_array_foreach(f->events, i, ev) {
		if (i < first || json_array_size(out) >= (size_t)n)
			continue;
		if (after && json_integer_value(json_object_get(ev, "id")) <=
				     json_integer_value(after))
			continue;
		json_array_append(out, ev);
	}
	*ret = json_pack("{s:o}", "events", out);
	return 0;
}

static int m_events_subscribe(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			      char *err, size_t errsz)
{
	int r = control_client_subscribe(cl, "events");

	if (r < 0)
		return r;
	*ret = json_pack("{s:s}", "subscribed", "events");
	return 0;
}

static const struct control_method methods[] = {
	{"status", m_status},
	{"rules.list", m_rules_list},
	{"rules.add", m_rules_add},
	{"rules.delete", m_rules_delete},
	{"rules.enable", m_rules_enable},
	{"rules.disable", m_rules_disable},
	{"events.query", m_events_query},
	{"events.subscribe", m_events_subscribe},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	struct fake f = {.next_event = 1, .start = time(NULL)};
	double rate = argc > 2 ? atof(argv[2]) : 0;
	struct timespec last, now;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: fake-picketd SOCKET_PATH [EVENTS_PER_SECOND]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	f.rules = json_loads(
		"[{\"name\":\"allow-curl\",\"description\":\"\",\"enabled\":true,"
		"\"precedence\":false,\"action\":\"allow\",\"duration\":\"always\",\"nolog\":false,"
		"\"operator\":{\"type\":\"simple\",\"operand\":\"process.path\","
		"\"data\":\"/usr/bin/curl\",\"sensitive\":false,\"list\":[]}},"
		"{\"name\":\"deny-tracker\",\"enabled\":false,\"precedence\":true,"
		"\"action\":\"deny\",\"duration\":\"until restart\",\"operator\":{\"type\":\"list\","
		"\"operand\":\"list\",\"list\":[{\"type\":\"regexp\",\"operand\":\"dest.host\","
		"\"data\":\".*\\\\.tracker\\\\.com\"},{\"type\":\"simple\",\"operand\":\"dest.port\","
		"\"data\":\"443\"}]}}]",
		0, NULL);
	f.events = json_array();
	for (int i = 0; i < 30; i++)
		json_array_append_new(f.events,
				      make_event(&f, i % 3 ? "allow" : "deny",
						 i % 3 ? "allow-curl" : NULL));
	r = control_open(argv[1], "picket", methods, &f, &f.ctl);
	if (r < 0) {
		fprintf(stderr, "fake-picketd: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stop) {
		struct pollfd pfd = {.fd = control_fd(f.ctl), .events = POLLIN};

		if (poll(&pfd, 1, 20) > 0)
			control_process(f.ctl);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (rate > 0 && (now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9 >=
					1.0 / rate) {
			json_t *ev = make_event(&f, "allow", "allow-curl");
			json_t *msg = json_pack("{s:s, s:O}", "event", "connection", "data", ev);

			json_array_append_new(f.events, ev);
			if (json_array_size(f.events) > 10000)
				json_array_remove(f.events, 0);
			control_publish(f.ctl, "events", msg);
			json_decref(msg);
			last = now;
		}
	}
	control_close(f.ctl);
	json_decref(f.rules);
	json_decref(f.events);
	return 0;
}
