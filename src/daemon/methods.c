/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol's methods (docs/protocol.md). The control server has
 * checked the peer and the message's shape; each method checks its params.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib/attrib.h"
#include "bpf/kattrib.h"
#include "common/log.h"
#include "control/server.h"
#include "daemon/daemon.h"
#include "daemon/eventlog.h"
#include "daemon/events.h"
#include "daemon/methods.h"
#include "daemon/names.h"
#include "daemon/policy.h"
#include "daemon/prompts.h"
#include "rules/rules.h"

#define EVENTS_QUERY_DEFAULT 50
#define EVENTS_QUERY_MAX EVENTS_MAX

static int method_status(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			 char *err, size_t errsz)
{
	struct daemon *d = ud;
	struct timespec now;
	json_t *o, *c;

	clock_gettime(CLOCK_MONOTONIC, &now);
	c = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "packets", (json_int_t)d->counters.packets,
		      "allowed", (json_int_t)d->counters.allowed, "denied",
		      (json_int_t)d->counters.denied, "rejected", (json_int_t)d->counters.rejected,
		      "unknown_process", (json_int_t)d->counters.unknown_process, "malformed",
		      (json_int_t)d->counters.malformed);
	o = json_pack("{s:s,s:i,s:I,s:i,s:s,s:b,s:s,s:s,s:I,s:s,s:o}", "version", PICKET_VERSION,
		      "pid", (int)getpid(), "uptime_s", (json_int_t)(now.tv_sec - d->started.tv_sec),
		      "queue", (int)d->cfg.queue, "default_action",
		      action_name(d->cfg.default_action), "fail_closed", d->cfg.fail_closed,
		      "backend", nftables_backend_name(d->backend), "attribution",
		      d->kattrib ? "bpf" : "proc", "rules",
		      (json_int_t)rules_count(d->rules), "rules_dir", d->cfg.rules_dir, "counters", c);
	if (o && d->names) {
		const struct names_stats *ns = names_stats(d);
		json_object_set_new(o, "dns",
				    json_pack("{s:I,s:I,s:I,s:I,s:I}", "queries",
					      (json_int_t)ns->queries, "replies",
					      (json_int_t)ns->replies, "unsolicited",
					      (json_int_t)ns->unsolicited, "malformed",
					      (json_int_t)ns->malformed, "cached",
					      (json_int_t)ns->cached));
	}
	if (o && d->prompts) {
		struct prompts_stats ps;

		prompts_get_stats(d, &ps);
		json_object_set_new(o, "prompts",
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "prompters",
					      (json_int_t)control_subscriber_count(d->control,
										   "prompts"),
					      "pending", (json_int_t)ps.pending, "asked",
					      (json_int_t)ps.asked, "answered",
					      (json_int_t)ps.answered, "timed_out",
					      (json_int_t)ps.timed_out, "no_ui", (json_int_t)ps.no_ui,
					      "over_limit", (json_int_t)ps.over_limit, "timeout_s",
					      (int)d->cfg.prompt_timeout));
	}
	if (o && d->kattrib) {
		struct kattrib_stats ks;
		kattrib_get_stats(d->kattrib, &ks);
		json_object_set_new(o, "bpf",
				    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "cgroup",
					      kattrib_cgroup(d->kattrib), "lookups",
					      (json_int_t)ks.lookups, "hits", (json_int_t)ks.hits,
					      "misses", (json_int_t)ks.misses, "cache_puts",
					      (json_int_t)ks.cache_puts, "cache_allow",
					      (json_int_t)ks.cache_allow, "cache_deny",
					      (json_int_t)ks.cache_deny));
	}
	*ret = o;
	return o ? 0 : -ENOMEM;
}

static int method_rules_list(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			     char *err, size_t errsz)
{
	struct daemon *d = ud;
	json_t *arr = rules_to_json(d->rules);

	if (!arr)
		return -ENOMEM;
	*ret = json_pack("{s:o}", "rules", arr);
	return 0;
}

static int method_rules_add(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			    char *err, size_t errsz)
{
	struct daemon *d = ud;
	json_t *obj = json_object_get(params, "rule");
	struct rule *rule = NULL;
	char name[RULE_NAME_MAX + 1], who[32];
	int r;

	if (!json_is_object(obj)) {
		snprintf(err, errsz, "params: 'rule' must be an object (a rule in OpenSnitch format)");
		return -EINVAL;
	}
	r = rule_from_json(obj, time(NULL), &rule, err, errsz);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s", rule_name(rule));
	snprintf(who, sizeof(who), "uid %u", (unsigned)control_client_uid(cl));
	r = policy_add_rule(d, rule, who, err, errsz);
	if (r < 0)
		return r;
	*ret = json_pack("{s:s}", "name", name);
	return 0;
}

static const char *param_name(json_t *params, char *err, size_t errsz)
{
	const char *name = json_string_value(json_object_get(params, "name"));

	if (!name)
		snprintf(err, errsz, "params: 'name' must be a string");
	return name;
}

static int method_rules_delete(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			       char *err, size_t errsz)
{
	struct daemon *d = ud;
	const char *name = param_name(params, err, errsz);
	const struct rule *rule;
	int r;

	if (!name)
		return -EINVAL;
	rule = rules_lookup(d->rules, name);
	if (!rule) {
		snprintf(err, errsz, "no rule named \"%s\"", name);
		return -ENOENT;
	}
	if (rule_is_persistent(rule)) {
		r = rules_delete_file(d->cfg.rules_dir, name);
		if (r < 0 && r != -ENOENT) {
			snprintf(err, errsz, "cannot delete %s/%s.json: %s", d->cfg.rules_dir, name,
				 strerror(-r));
			return r;
		}
	}
	log_info("rules: deleted \"%s\" (uid %u)", name, (unsigned)control_client_uid(cl));
	*ret = json_pack("{s:s}", "name", name);
	rules_remove(d->rules, name);
	return 0;
}

static int set_enabled(struct daemon *d, json_t *params, bool on, json_t **ret, char *err,
		       size_t errsz)
{
	const char *name = param_name(params, err, errsz);
	const struct rule *rule;
	int r;

	if (!name)
		return -EINVAL;
	r = rules_set_enabled(d->rules, name, on);
	if (r < 0) {
		snprintf(err, errsz, "no rule named \"%s\"", name);
		return r;
	}
	rule = rules_lookup(d->rules, name);
	if (rule && rule_is_persistent(rule)) {
		r = rules_write_file(d->cfg.rules_dir, rule);
		if (r < 0) {
			snprintf(err, errsz, "rule %s in memory, but cannot write its file: %s",
				 on ? "enabled" : "disabled", strerror(-r));
			return r;
		}
	}
	log_info("rules: %s \"%s\"", on ? "enabled" : "disabled", name);
	*ret = json_pack("{s:s,s:b}", "name", name, "enabled", on);
	return 0;
}

static int method_rules_enable(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			       char *err, size_t errsz)
{
	return set_enabled(ud, params, true, ret, err, errsz);
}

static int method_rules_disable(void *ud, struct control_client *cl, json_t *params,
				json_t **ret, char *err, size_t errsz)
{
	return set_enabled(ud, params, false, ret, err, errsz);
}

static int method_events_query(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			       char *err, size_t errsz)
{
	struct daemon *d = ud;
	json_t *limit = json_object_get(params, "limit");
	json_t *after = json_object_get(params, "after_id");
	json_int_t n = EVENTS_QUERY_DEFAULT, a = 0;

	/* Filters are answered from the history database (ids are its own). */
	if (eventlog_has_filters(params))
		return eventlog_query(d, params, ret, err, errsz);
	if (limit) {
		n = json_integer_value(limit);
		if (!json_is_integer(limit) || n < 1 || n > EVENTS_QUERY_MAX) {
			snprintf(err, errsz, "params: 'limit' must be an integer 1-%d", EVENTS_QUERY_MAX);
			return -EINVAL;
		}
	}
	if (after) {
		a = json_integer_value(after);
		if (!json_is_integer(after) || a < 0) {
			snprintf(err, errsz, "params: 'after_id' must be a non-negative integer");
			return -EINVAL;
		}
	}
	*ret = json_pack("{s:o,s:I}", "events", events_query(d->events, (uint64_t)a, (size_t)n),
			 "last_id", (json_int_t)events_last_id(d->events));
	return 0;
}

static int method_events_subscribe(void *ud, struct control_client *cl, json_t *params,
				   json_t **ret, char *err, size_t errsz)
{
	struct daemon *d = ud;
	int r = control_client_subscribe(cl, "events");

	if (r < 0)
		return r;
	*ret = json_pack("{s:s,s:I}", "subscribed", "events", "last_id",
			 (json_int_t)events_last_id(d->events));
	return 0;
}

const struct control_method daemon_methods[] = {
	{"status", method_status},
	{"rules.list", method_rules_list},
	{"rules.add", method_rules_add},
	{"rules.delete", method_rules_delete},
	{"rules.enable", method_rules_enable},
	{"rules.disable", method_rules_disable},
	{"events.query", method_events_query},
	{"events.subscribe", method_events_subscribe},
	{"prompts.subscribe", prompts_method_subscribe},
	{"prompts.answer", prompts_method_answer},
	{"stats", eventlog_method_stats},
	{"export", eventlog_method_export},
	{NULL, NULL},
};
