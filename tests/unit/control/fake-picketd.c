/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-picketd: the control protocol with canned data and no firewall, for
 * testing front ends (the CLI test, picket-gtk) without the daemon.
 * Usage: fake-picketd SOCKET_PATH [EVENTS_PER_SECOND]
 * Methods: status, rules.list/add/delete/enable/disable (in memory),
 * events.query, events.subscribe; it publishes a made-up connection event
 * EVENTS_PER_SECOND times a second (default 0). Stops on SIGTERM/SIGINT.
 *
 * Prompts (prompts.subscribe, prompts.answer, docs/protocol.md) are driven
 * by commands on stdin, one a line:
 *   prompt [JSON]         a new prompt: a curl to example.org:443, with the
 *                         members of JSON put over it (objects merged)
 *   settle ID BY [ACTION] settle prompt ID as if BY (answer: another UI,
 *                         timeout, disconnect, shutdown) happened
 * and it reports on stdout, a line each: "subscribed", "prompt ID",
 * "no-prompter ID" (nobody subscribed: default at once), "answer PARAMS"
 * (every prompts.answer request as received), "settled ID BY".
 * Prompts not answered by their deadline are settled by "timeout", all
 * of them by "disconnect" when the last prompter goes away.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/server.h"

struct fake {
	struct control *ctl;
	json_t *prompts; /* array of pending PROMPT objects */
	long long next_prompt;
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

/* --- prompts ------------------------------------------------------------ */

static long long epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static ssize_t prompt_index(struct fake *f, json_int_t id)
{
	json_t *p;
	size_t i;

	json_array_foreach(f->prompts, i, p)
		if (json_integer_value(json_object_get(p, "id")) == id)
			return (ssize_t)i;
	return -1;
}

/* Publishes the settlement of prompt I and drops it. */
static void settle(struct fake *f, size_t i, const char *by, const char *action,
		   const char *duration, const char *scope, const char *rule, json_t *answered_by)
{
	json_t *p = json_array_get(f->prompts, i);
	json_int_t id = json_integer_value(json_object_get(p, "id"));
	json_t *msg = json_pack("{s:s, s:{s:I, s:s, s:s, s:s, s:s?, s:s?, s:O?, s:O?}}", "event",
				"prompt.settled", "data", "id", id, "by", by, "action", action,
				"duration", duration, "scope", scope, "rule", rule, "connections",
				json_object_get(p, "connections"), "answered_by", answered_by);

	control_publish(f->ctl, "prompts", msg);
	json_decref(msg);
	report("settled %lld %s", (long long)id, by);
	json_array_remove(f->prompts, i);
}

/* "/usr/bin/curl" -> "usr-bin-curl": lower-case, runs of other bytes a '-'. */
static void slug(const char *s, char *out, size_t outsz)
{
	size_t n = 0;
	bool dash = false;

	for (; *s && n + 2 < outsz; s++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && n > 0)
				out[n++] = '-';
			out[n++] = c;
			dash = false;
		} else {
			dash = true;
		}
	}
	out[n] = '\0';
}

static bool in(const char *w, const char *const *words)
{
	for (; w && *words; words++)
		if (strcmp(w, *words) == 0)
			return true;
	return false;
}

static int m_prompts_subscribe(void *ud, struct control_client *cl, json_t *p, json_t **ret,
			       char *err, size_t errsz)
{
	struct fake *f = ud;
	int r = control_client_subscribe(cl, "prompts");

	if (r < 0)
		return r;
	*ret = json_pack("{s:s, s:i, s:O}", "subscribed", "prompts", "timeout_s", 30, "pending",
			 f->prompts);
	report("subscribed");
	return 0;
}

static int m_prompts_answer(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			    char *err, size_t errsz)
{
	static const char *const actions[] = {"allow", "deny", "reject", NULL};
	static const char *const durations[] = {"once", "until restart", "always", "30s", "5m",
						"15m", "30m", "1h", "12h", NULL};
	static const char *const scopes[] = {"exe", "exe+host", "exe+ip", "exe+port", "cmdline",
					     NULL};
	struct fake *f = ud;
	json_t *id = json_object_get(params, "id"), *p, *rule;
	const char *action = json_string_value(json_object_get(params, "action"));
	const char *duration = json_string_value(json_object_get(params, "duration"));
	const char *scope = json_string_value(json_object_get(params, "scope"));
	char name[512], a[256], b[256] = "";
	ssize_t i;

	{
		char *line = json_dumps(params, JSON_COMPACT);

		report("answer %s", line ? line : "?");
		free(line);
	}
	if (!duration)
		duration = "once";
	if (!scope)
		scope = "exe";
	if (!json_is_integer(id)) {
		snprintf(err, errsz, "params: field 'id': expected an integer");
		return -EINVAL;
	}
	i = prompt_index(f, json_integer_value(id));
	if (i < 0) {
		snprintf(err, errsz, "prompt %lld is not pending", (long long)json_integer_value(id));
		return -ENOENT;
	}
	if (!in(action, actions) || !in(duration, durations) || !in(scope, scopes)) {
		snprintf(err, errsz, "params: bad action, duration or scope");
		return -EINVAL;
	}
	p = json_array_get(f->prompts, (size_t)i);
	if (strcmp(scope, "exe+host") == 0 &&
	    !json_is_string(json_object_get(json_object_get(p, "destination"), "host"))) {
		snprintf(err, errsz, "scope exe+host: the destination has no host name");
		return -EINVAL;
	}
	slug(json_string_value(json_object_get(json_object_get(p, "process"), "path")) ?: "", a,
	     sizeof(a));
	if (strcmp(scope, "exe+host") == 0 || strcmp(scope, "exe+ip") == 0)
		slug(json_string_value(json_object_get(json_object_get(p, "destination"),
							strcmp(scope, "exe+ip") ? "host" : "ip")),
		     b, sizeof(b));
	else if (strcmp(scope, "exe+port") == 0)
		snprintf(b, sizeof(b), "port-%lld",
			 (long long)json_integer_value(
				 json_object_get(json_object_get(p, "destination"), "port")));
	snprintf(name, sizeof(name), "%s-%s%s%s", action, a, b[0] ? "-" : "", b);
	if (strcmp(duration, "once") != 0) {
		rule = json_pack("{s:s, s:b, s:b, s:s, s:s, s:{s:s, s:s, s:s}}", "name", name,
				 "enabled", 1, "precedence", 0, "action", action, "duration",
				 duration, "operator", "type", "simple", "operand", "process.path",
				 "data", json_string_value(json_object_get(
						 json_object_get(p, "process"), "path")) ?: "");
		json_array_append_new(f->rules, rule);
	}
	*ret = json_pack("{s:O, s:s, s:s, s:s, s:s?}", "id", id, "action", action, "duration",
			 duration, "scope", scope, "rule", strcmp(duration, "once") ? name : NULL);
	{
		json_t *by = json_pack("{s:i, s:i}", "uid", (int)control_client_uid(cl), "pid",
				       (int)control_client_pid(cl));

		settle(f, (size_t)i, "answer", action, duration, scope,
		       strcmp(duration, "once") ? name : NULL, by);
		json_decref(by);
	}
	return 0;
}

static const char canned_prompt[] =
	"{\"time\":\"2026-11-23T10:00:00.123Z\",\"timeout_s\":30,\"default_action\":\"deny\","
	"\"connections\":1,\"protocol\":\"tcp\",\"source\":{\"ip\":\"10.0.0.2\",\"port\":40114},"
	"\"destination\":{\"ip\":\"10.0.0.1\",\"host\":\"example.org\",\"port\":443,"
	"\"service\":\"https\"},\"process\":{\"path\":\"/usr/bin/curl\","
	"\"cmdline\":\"curl -s https://example.org/\",\"cwd\":\"/root\",\"pid\":5121,"
	"\"uid\":1000,\"user\":\"alice\",\"parents\":[{\"pid\":5000,\"path\":\"/usr/bin/bash\"},"
	"{\"pid\":1,\"path\":\"/sbin/init\"}],\"package\":\"curl\",\"sha256\":"
	"\"ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12\","
	"\"hash_changed\":false,\"previous_sha256\":null,\"previous_rule\":null}}";

/* One command line from stdin (see the top of the file). */
static void command(struct fake *f, char *line)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	if (strcmp(line, "prompt") == 0) {
		json_t *p = json_loads(canned_prompt, 0, NULL), *over = NULL, *msg;
		json_int_t id = f->next_prompt++;
		long long timeout;

		if (arg && *arg && !(over = json_loads(arg, 0, NULL))) {
			report("error: prompt: bad JSON: %s", arg);
			json_decref(p);
			return;
		}
		if (over)
			json_object_update_recursive(p, over);
		json_decref(over);
		timeout = json_integer_value(json_object_get(p, "timeout_s"));
		json_object_set_new(p, "id", json_integer(id));
		json_object_set_new(p, "deadline_ms", json_integer(epoch_ms() + timeout * 1000));
		if (control_subscriber_count(f->ctl, "prompts") == 0) {
			report("no-prompter %lld", (long long)id);
			json_decref(p);
			return;
		}
		json_array_append_new(f->prompts, p);
		msg = json_pack("{s:s, s:O}", "event", "prompt", "data", p);
		control_publish(f->ctl, "prompts", msg);
		json_decref(msg);
		report("prompt %lld", (long long)id);
	} else if (strcmp(line, "settle") == 0 && arg) {
		char by[32] = "", action[16] = "deny";
		long long id;
		ssize_t i;
		json_t *ab;

		if (sscanf(arg, "%lld %31s %15s", &id, by, action) < 2 ||
		    (i = prompt_index(f, id)) < 0) {
			report("error: settle %s: no such prompt", arg);
			return;
		}
		ab = strcmp(by, "answer") == 0 ? json_pack("{s:i, s:i}", "uid", 0, "pid", 4242)
					       : NULL;
		settle(f, (size_t)i, by, action,
		       strcmp(by, "answer") == 0 ? "always" : "once",
		       strcmp(by, "answer") == 0 ? "exe" : NULL,
		       strcmp(by, "answer") == 0 ? "allow-usr-bin-curl" : NULL, ab);
		json_decref(ab);
	} else {
		report("error: unknown command '%s'", line);
	}
}

/* Reads what stdin has; runs each complete line. Returns false at EOF. */
static bool read_commands(struct fake *f, char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(STDIN_FILENO, buf + *len, cap - *len - 1);
	char *nl;

	if (n <= 0)
		return n < 0 && errno == EINTR;
	*len += (size_t)n;
	while ((nl = memchr(buf, '\n', *len))) {
		size_t l = (size_t)(nl - buf);

		*nl = '\0';
		command(f, buf);
		memmove(buf, nl + 1, *len - l - 1);
		*len -= l + 1;
	}
	if (*len == cap - 1)
		*len = 0; /* a line too long for a test: dropped */
	return true;
}

static void expire_prompts(struct fake *f)
{
	long long now = epoch_ms();
	json_t *p;
	size_t i;

	json_array_foreach(f->prompts, i, p) {
		if (json_integer_value(json_object_get(p, "deadline_ms")) <= now) {
			settle(f, i, "timeout",
			       json_string_value(json_object_get(p, "default_action")) ?: "deny",
			       "once", NULL, NULL, NULL);
			return; /* the array changed; the next round takes the rest */
		}
	}
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
	{"prompts.subscribe", m_prompts_subscribe},
	{"prompts.answer", m_prompts_answer},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	struct fake f = {.next_event = 1, .next_prompt = 1, .start = time(NULL)};
	double rate = argc > 2 ? atof(argv[2]) : 0;
	struct timespec last, now;
	char cmd[65536];
	size_t cmdlen = 0;
	bool cmds = true;
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
	f.prompts = json_array();
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
		struct pollfd pfd[2] = {{.fd = control_fd(f.ctl), .events = POLLIN},
					{.fd = cmds ? STDIN_FILENO : -1, .events = POLLIN}};

		if (poll(pfd, 2, 20) > 0) {
			if (pfd[0].revents)
				control_process(f.ctl);
			if (pfd[1].revents)
				cmds = read_commands(&f, cmd, &cmdlen, sizeof(cmd));
		}
		expire_prompts(&f);
		/* The last prompter went away: nobody is left to answer. */
		while (json_array_size(f.prompts) > 0 &&
		       control_subscriber_count(f.ctl, "prompts") == 0)
			settle(&f, 0, "disconnect", "deny", "once", NULL, NULL, NULL);
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
	json_decref(f.prompts);
	return 0;
}
