/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recording a decision (decision.h): counters, event ring, history,
 * subscribers, debug log.
 */
#include <arpa/inet.h>
#include <string.h>

#include "attrib/attrib.h"
#include "common/conn.h"
#include "common/log.h"
#include "control/server.h"
#include "daemon/context.h"
#include "daemon/daemon.h"
#include "daemon/decision.h"
#include "daemon/eventlog.h"
#include "daemon/events.h"
#include "packet/packet.h"

#define TOPIC "events"

enum nfq_verdict decision_nfq(enum action a)
{
	switch (a) {
	case ACTION_ALLOW:
		return NFQ_VERDICT_ACCEPT;
	case ACTION_REJECT:
		return NFQ_VERDICT_REJECT;
	case ACTION_DENY:
	default:
		return NFQ_VERDICT_DROP;
	}
}

enum action decision_default(const struct daemon *d)
{
	return d->cfg.default_action;
}

/* Push a stored event to subscribers: building JSON costs more than the
 * rest of a verdict, so only when somebody listens. */
static void publish(struct daemon *d, const struct event *e)
{
	json_t *msg;

	if (!d->control || control_subscriber_count(d->control, TOPIC) == 0)
		return;
	msg = json_pack("{s:s,s:o}", "event", "connection", "data", event_to_json(e));
	if (msg) {
		control_publish(d->control, TOPIC, msg);
		json_decref(msg);
	}
}

void decision_record(struct daemon *d, struct event *ev, bool nolog, const char *how)
{
	const struct event *stored;

	switch (ev->action) {
	case ACTION_ALLOW:
		d->counters.allowed++;
		break;
	case ACTION_DENY:
		d->counters.denied++;
		break;
	case ACTION_REJECT:
		d->counters.rejected++;
		break;
	}
	if (nolog)
		return;
	if (ev->pid && ev->process_path)
		ev->package = context_package(d->context, ev->process_path);
	stored = events_add(d->events, ev);
	eventlog_add(d, ev);
	if (stored)
		publish(d, stored);
	if (log_get_level() >= LOG_LVL_DEBUG) {
		const char *pn = packet_proto_name(ev->flow.proto);
		char dst[INET6_ADDRSTRLEN];

		log_debug("%s %s %s:%u pid %d %s (%s)%s", action_name(ev->action),
			  pn ? pn : "ip", flow_addr_str(ev->flow.family, &ev->flow.dst, dst, sizeof(dst)),
			  ev->flow.dport, ev->pid, ev->process_path,
			  ev->rule ? ev->rule : event_reason_name(ev->reason), how);
	}
}

void decision_record_conn(struct daemon *d, const struct conn *c, const struct rule *rule,
			  enum action action, enum event_reason reason,
			  const struct timespec *t)
{
	const struct proc_info *proc = c->proc;
	struct event ev = {
		.time = *t,
		.reason = reason,
		.action = action,
		.flow = c->flow,
		.has_uid = c->has_uid,
		.uid = c->uid,
		.rule = rule ? rule_name(rule) : NULL,
		.dst_host = c->dst_host,
		.process_path = PROC_UNKNOWN_PATH,
	};

	memcpy(ev.iface_out, c->iface_out, sizeof(ev.iface_out));
	if (proc) {
		ev.pid = proc->pid;
		ev.process_path = proc->path;
		ev.process_args = proc->cmdline;
	}
	decision_record(d, &ev, rule && rule_nolog(rule), "");
}
