/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/events.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strutil.h"
#include "packet/packet.h"

/* A stored event and the buffer its strings live in: kept across
 * overwrites, so the verdict path copies bytes instead of allocating. */
struct slot {
	struct event ev;
	char *buf;
	size_t cap;
};

struct events {
	struct slot *ring;
	size_t capacity;
	size_t count; /* valid entries, at most capacity */
	size_t head;  /* next slot to write */
	uint64_t next_id;
};


static const char *const reason_names[] = {
	[EVENT_REASON_RULE] = "rule",
	[EVENT_REASON_DEFAULT] = "default",
	[EVENT_REASON_PROMPT] = "prompt",
	[EVENT_REASON_PROMPT_TIMEOUT] = "prompt timeout",
	[EVENT_REASON_NO_UI] = "no UI",
	[EVENT_REASON_PROMPT_LIMIT] = "prompt limit",
};


const char *event_reason_name(enum event_reason r)
{
	return (size_t)r < sizeof(reason_names) / sizeof(reason_names[0]) && reason_names[r]
		       ? reason_names[r]
		       : "?";
}

struct events *events_new(size_t capacity)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->ring = calloc(capacity, sizeof(*ev->ring));
	if (!ev->ring) {
		free(ev);
		return NULL;
	}
	ev->capacity = capacity;
	ev->next_id = 1;
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->capacity; i++)
		free(ev->ring[i].buf);
	free(ev->ring);
	free(ev);
}

const struct event *events_add(struct events *ev, const struct event *e)
{
	struct slot *slot = &ev->ring[ev->head];
	size_t need = strpack_size(e->rule, EVENTS_STR_MAX) + strpack_size(e->process_path, EVENTS_STR_MAX) + strpack_size(e->process_args, EVENTS_STR_MAX) +
		      strpack_size(e->dst_host, EVENTS_STR_MAX) + strpack_size(e->package, EVENTS_STR_MAX);
	char *p;

	if (need > slot->cap) {
		/* Grown in steps so a slot settles at its size. */
		size_t cap = need < 256 ? 256 : need * 2;
		char *b = realloc(slot->buf, cap);

		if (!b)
			return NULL;
		slot->buf = b;
		slot->cap = cap;
	}
	p = slot->buf;
	slot->ev = *e;
	slot->ev.rule = strpack_put(&p, e->rule, EVENTS_STR_MAX);
	slot->ev.process_path = strpack_put(&p, e->process_path, EVENTS_STR_MAX);
	slot->ev.process_args = strpack_put(&p, e->process_args, EVENTS_STR_MAX);
	slot->ev.dst_host = strpack_put(&p, e->dst_host, EVENTS_STR_MAX);
	slot->ev.package = strpack_put(&p, e->package, EVENTS_STR_MAX);
	slot->ev.id = ev->next_id++;
	ev->head = (ev->head + 1) % ev->capacity;
	if (ev->count < ev->capacity)
		ev->count++;
	return &slot->ev;
}

uint64_t events_last_id(const struct events *ev)
{
	return ev->next_id - 1;
}

json_t *event_to_json(const struct event *e)
{
	char addr[INET6_ADDRSTRLEN], ts[64];
	const char *proto = packet_proto_name(e->flow.proto);
	bool ports = flow_has_ports(&e->flow);
	json_t *o;

	time_iso_ms((int64_t)e->time.tv_sec * 1000 + e->time.tv_nsec / 1000000, ts, sizeof(ts));

	o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)e->id));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "action", json_string(action_name(e->action)));
	json_object_set_new(o, "reason", json_string(event_reason_name(e->reason)));
	json_object_set_new(o, "rule", e->rule ? json_string(e->rule) : json_null());
	/* Always a string, the number for protocols without a name ("253"),
	 * which is also how a rule's protocol operand names them. */
	if (proto) {
		json_object_set_new(o, "protocol", json_string(proto));
	} else {
		char num[4];
		snprintf(num, sizeof(num), "%u", e->flow.proto);
		json_object_set_new(o, "protocol", json_string(num));
	}
	json_object_set_new(o, "src_ip",
			    json_string(flow_addr_str(e->flow.family, &e->flow.src, addr, sizeof(addr))));
	json_object_set_new(o, "src_port", ports ? json_integer(e->flow.sport) : json_null());
	json_object_set_new(o, "dst_ip",
			    json_string(flow_addr_str(e->flow.family, &e->flow.dst, addr, sizeof(addr))));
	json_object_set_new(o, "dst_port", ports ? json_integer(e->flow.dport) : json_null());
	json_object_set_new(o, "dst_host", e->dst_host ? json_string(e->dst_host) : json_null());
	json_object_set_new(o, "pid", e->pid ? json_integer(e->pid) : json_null());
	json_object_set_new(o, "uid", e->has_uid ? json_integer(e->uid) : json_null());
	json_object_set_new(o, "process_path", json_string(e->process_path ? e->process_path : "unknown"));
	json_object_set_new(o, "process_args",
			    e->process_args ? json_string(e->process_args) : json_null());
	json_object_set_new(o, "iface_out", json_string(e->iface_out));
	json_object_set_new(o, "package", e->package ? json_string(e->package) : json_null());
	if (e->flow.proto == IPPROTO_ICMP || e->flow.proto == IPPROTO_ICMPV6) {
		json_object_set_new(o, "icmp_type", json_integer(e->flow.icmp_type));
		json_object_set_new(o, "icmp_id", json_integer(e->flow.echo_id));
	}
	return o;
}

json_t *events_query(const struct events *ev, uint64_t after_id, size_t limit)
{
	json_t *arr = json_array();
	size_t start = (ev->head + ev->capacity - ev->count) % ev->capacity;
	size_t skip = 0;

	size_t end = ev->count;

	/* Events are stored in id order. Without AFTER_ID: the newest LIMIT.
	 * With it: the first LIMIT after it, so a client can page forward. */
	while (skip < ev->count && ev->ring[(start + skip) % ev->capacity].ev.id <= after_id)
		skip++;
	if (after_id == 0 && ev->count - skip > limit)
		skip = ev->count - limit;
	if (end - skip > limit)
		end = skip + limit;
	for (size_t i = skip; i < end; i++)
		json_array_append_new(arr, event_to_json(&ev->ring[(start + i) % ev->capacity].ev));
	return arr;
}
