/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of the connection history (src/history): events are
 * copied into the writer's batch on the verdict path and written by the
 * writer thread (history/writer.h), never on this loop; the loop's timer
 * hands over partial batches, reports the writer's state, and asks for
 * retention. Queries use a second, read-only use of the database on this
 * thread (WAL lets it read while the writer writes); they never wait for
 * the writer: a reply says how many decisions are not in the file yet
 * ("unwritten") and the CLI asks again until that is 0. A query or summary
 * is interrupted after HISTORY_QUERY_BUDGET_MS (200 ms), which bounds how
 * long one can hold the verdict path up; with the indexes and the hourly
 * rollup they take a few ms on 1,000,000 rows (bench/history.c).
 *
 * Fault policy: a database that cannot be opened or written never stops
 * filtering. One warning is logged when writing starts to fail, one line
 * when it works again; meanwhile the newest HISTORY_PENDING_MAX events
 * wait in memory and the writer retries every WRITER_RETRY_MS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/eventlog.h"
#include "daemon/events.h"
#include "history/history.h"
#include "history/writer.h"
#include "packet/packet.h"

#define RETAIN_EVERY_MS 60000
#define STATS_TOP_DEFAULT 10
#define SYNC_TIMEOUT_MS 2000 /* at exit, wait at most this for the last events to be written */
#define DROP_REPORT_MS 60000 /* events dropped: at most one warning a minute */

struct eventlog {
	struct history_writer *writer;
	struct history *reader; /* opened on the first query */
	bool failing;           /* as last reported by the writer */
	int64_t next_retain_ms;
	uint64_t dropped_logged; /* dropped events already warned about */
	int64_t next_drop_report_ms;
};

/* Log what changed in the writer since the last look, once. */
static void report(struct daemon *d)
{
	struct eventlog *el = d->eventlog;
	struct history_writer_status st;

	history_writer_status(el->writer, &st);
	if (st.dropped > el->dropped_logged && mono_ms() >= el->next_drop_report_ms) {
		log_warn("history: %llu events dropped (%llu in all): the writer cannot keep up or "
			 "cannot write",
			 (unsigned long long)(st.dropped - el->dropped_logged),
			 (unsigned long long)st.dropped);
		el->dropped_logged = st.dropped;
		el->next_drop_report_ms = mono_ms() + DROP_REPORT_MS;
	}
	if (!st.changed)
		return;
	if (st.failing && !el->failing)
		log_warn("history: cannot write %s: %s; filtering continues, the newest %d events "
			 "are kept in memory and writing is retried every %d s",
			 d->cfg.db_path, st.message, HISTORY_PENDING_MAX, WRITER_RETRY_MS / 1000);
	else if (!st.failing && el->failing)
		log_info("history: writing to %s again (%llu rows written since start, %llu events "
			 "dropped while it could not be written)",
			 d->cfg.db_path, (unsigned long long)st.written,
			 (unsigned long long)st.dropped);
	else if (st.message[0])
		log_warn("history: %s", st.message);
	el->failing = st.failing;
}

int eventlog_open(struct daemon *d)
{
	struct history_limits lim = {.days = d->cfg.history_days,
				     .max_rows = d->cfg.history_max_rows};
	struct eventlog *el;
	int r;

	if (d->cfg.no_history) {
		log_info("history: off (--no-history)");
		return 0;
	}
	el = calloc(1, sizeof(*el));
	if (!el)
		return -ENOMEM;
	r = history_writer_start(d->cfg.db_path, &lim, &el->writer);
	if (r < 0) {
		free(el);
		return r;
	}
	r = history_new(d->cfg.db_path, &lim, &el->reader);
	if (r < 0) {
		history_writer_stop(el->writer);
		free(el);
		return r;
	}
	d->eventlog = el;
	el->next_retain_ms = mono_ms() + 1000; /* soon after start-up */
	report(d);
	if (!el->failing) {
		char msg[1024];
		long long rows = history_open(el->reader, msg, sizeof(msg)) == 0
					 ? (long long)history_count(el->reader)
					 : -1;
		struct history_writer_status st;

		history_writer_status(el->writer, &st);
		log_info("history: %s (%lld rows; keeping %u days, at most %llu rows), written by "
			 "its own thread%s",
			 d->cfg.db_path, rows, d->cfg.history_days,
			 (unsigned long long)d->cfg.history_max_rows,
			 st.low_priority ? " at low priority" : "");
	}
	return 0;
}

void eventlog_close(struct daemon *d)
{
	struct eventlog *el = d->eventlog;
	struct history_writer_status st;

	if (!el)
		return;
	if (history_writer_sync(el->writer, SYNC_TIMEOUT_MS) < 0) {
		history_writer_status(el->writer, &st);
		log_warn("history: the last events could not be written at exit%s%s",
			 st.message[0] ? ": " : "", st.message);
	}
	history_writer_stop(el->writer);
	history_free(el->reader);
	free(el);
	d->eventlog = NULL;
}

void eventlog_add(struct daemon *d, const struct event *e)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], num[4];
	const char *proto;
	bool ports = flow_has_ports(&e->flow);
	struct history_event he;

	if (!d->eventlog)
		return;
	proto = packet_proto_name(e->flow.proto);
	if (!proto) {
		snprintf(num, sizeof(num), "%u", e->flow.proto);
		proto = num;
	}
	he = (struct history_event){
		.time_ms = (int64_t)e->time.tv_sec * 1000 + e->time.tv_nsec / 1000000,
		.action = action_name(e->action),
		.reason = event_reason_name(e->reason),
		.rule = e->rule,
		.protocol = proto,
		.src_ip = flow_addr_str(e->flow.family, &e->flow.src, src, sizeof(src)),
		.dst_ip = flow_addr_str(e->flow.family, &e->flow.dst, dst, sizeof(dst)),
		.src_port = ports ? e->flow.sport : -1,
		.dst_port = ports ? e->flow.dport : -1,
		.dst_host = e->dst_host,
		.pid = e->pid,
		.uid = e->has_uid ? (int64_t)e->uid : -1,
		.exe = e->process_path,
		.cmdline = e->process_args,
		.iface_out = e->iface_out,
		.package = e->package,
	};
	history_writer_add(d->eventlog->writer, &he);
}

void eventlog_tick(struct daemon *d)
{
	struct eventlog *el = d->eventlog;
	int64_t now = mono_ms();

	if (!el)
		return;
	history_writer_handoff(el->writer);
	report(d);
	if (now >= el->next_retain_ms) {
		history_writer_retain(el->writer);
		el->next_retain_ms = now + RETAIN_EVERY_MS;
	}
}

/* --- control methods ---------------------------------------------------- */

static const char *const filter_keys[] = {"since", "until", "exe",  "host",
					  "port",  "action", "rule", NULL};

bool eventlog_has_filters(json_t *params)
{
	for (size_t i = 0; filter_keys[i]; i++)
		if (json_object_get(params, filter_keys[i]))
			return true;
	return false;
}

static int get_int(json_t *params, const char *key, int64_t min, int64_t max, int64_t *ret,
		   char *err, size_t errsz)
{
	json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(err, errsz, "params: '%s' must be an integer %lld-%lld", key, (long long)min,
			 (long long)max);
		return -EINVAL;
	}
	*ret = json_integer_value(v);
	return 0;
}

static int get_str(json_t *params, const char *key, const char **ret, char *err, size_t errsz)
{
	json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > HISTORY_STR_MAX) {
		snprintf(err, errsz, "params: '%s' must be a non-empty string", key);
		return -EINVAL;
	}
	*ret = json_string_value(v);
	return 0;
}

static int parse_filter(json_t *params, struct history_filter *f, char *err, size_t errsz)
{
	int64_t since = 0, until = 0, port = 0, after = 0, limit = 50;
	const char *action = NULL;
	int r;

	memset(f, 0, sizeof(*f));
	if ((r = get_int(params, "since", 0, INT64_MAX / 1000, &since, err, errsz)) < 0 ||
	    (r = get_int(params, "until", 0, INT64_MAX / 1000, &until, err, errsz)) < 0 ||
	    (r = get_int(params, "port", 1, 65535, &port, err, errsz)) < 0 ||
	    (r = get_int(params, "after_id", 0, INT64_MAX, &after, err, errsz)) < 0 ||
	    (r = get_int(params, "limit", 1, HISTORY_QUERY_MAX, &limit, err, errsz)) < 0 ||
	    (r = get_str(params, "exe", &f->exe, err, errsz)) < 0 ||
	    (r = get_str(params, "host", &f->host, err, errsz)) < 0 ||
	    (r = get_str(params, "rule", &f->rule, err, errsz)) < 0 ||
	    (r = get_str(params, "action", &action, err, errsz)) < 0)
		return r;
	if (action && action_from_name(action) < 0) {
		snprintf(err, errsz, "params: 'action' must be allow, deny or reject");
		return -EINVAL;
	}
	f->since = since;
	f->until = until;
	f->port = (int)port;
	f->after_id = (uint64_t)after;
	f->limit = (size_t)limit;
	f->action = action;
	return 0;
}

/* Decisions made since start and how many of them are in the file. */
struct progress {
	uint64_t decided, written;
};

/* Adds "unwritten", "decided" and "written" to reply O. */
static void put_progress(json_t *o, const struct progress *p)
{
	json_object_set_new(o, "unwritten", json_integer((json_int_t)(p->decided - p->written)));
	json_object_set_new(o, "decided", json_integer((json_int_t)p->decided));
	json_object_set_new(o, "written", json_integer((json_int_t)p->written));
}

/* Opens the reader and notes the writer's progress. Never waits for the
 * writer (that would hold the verdict path up): the reply says how far the
 * file is and the client asks again. A failing writer is no reason to
 * refuse: what is in the file can still be read. */
static int need_history(struct daemon *d, struct progress *ret, char *err, size_t errsz)
{
	struct eventlog *el = d->eventlog;
	int r;

	if (!el) {
		snprintf(err, errsz, "the history is off (picketd --no-history)");
		return -ENOTSUP;
	}
	history_writer_progress(el->writer, &ret->decided, &ret->written);
	report(d);
	r = history_open(el->reader, err, errsz);
	if (r < 0)
		return r;
	return 0;
}

int eventlog_query(struct daemon *d, json_t *params, json_t **ret, char *err, size_t errsz)
{
	struct history_filter f;
	struct progress pr;
	json_t *rows;
	int r;

	if ((r = parse_filter(params, &f, err, errsz)) < 0 ||
	    (r = need_history(d, &pr, err, errsz)) < 0)
		return r;
	r = history_query(d->eventlog->reader, &f, &rows, err, errsz);
	if (r < 0)
		return r;
	*ret = json_pack("{s:o,s:s}", "events", rows, "source", "history");
	put_progress(*ret, &pr);
	return 0;
}

int eventlog_method_export(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			   char *err, size_t errsz)
{
	struct daemon *d = ud;
	struct history_filter f;
	struct progress pr;
	json_t *rows, *last;
	int r;

	if ((r = parse_filter(params, &f, err, errsz)) < 0 ||
	    (r = need_history(d, &pr, err, errsz)) < 0)
		return r;
	if (!json_object_get(params, "limit"))
		f.limit = 1000;
	/* Oldest first from after_id: a client pages through with last_id. */
	f.forward = true;
	r = history_query(d->eventlog->reader, &f, &rows, err, errsz);
	if (r < 0)
		return r;
	last = json_array_get(rows, json_array_size(rows) - 1);
	*ret = json_pack("{s:o,s:I,s:b}", "rows", rows, "last_id",
			 last ? json_integer_value(json_object_get(last, "id")) : (json_int_t)f.after_id,
			 "more", json_array_size(rows) == f.limit);
	put_progress(*ret, &pr);
	return 0;
}

int eventlog_method_stats(void *ud, struct control_client *cl, json_t *params, json_t **ret,
			  char *err, size_t errsz)
{
	struct daemon *d = ud;
	int64_t since = time(NULL) - 86400, until = 0, top = STATS_TOP_DEFAULT;
	struct progress pr;
	int r;

	(void)cl;
	if ((r = get_int(params, "since", 0, INT64_MAX / 1000, &since, err, errsz)) < 0 ||
	    (r = get_int(params, "until", 0, INT64_MAX / 1000, &until, err, errsz)) < 0 ||
	    (r = get_int(params, "top", 1, HISTORY_TOP_MAX, &top, err, errsz)) < 0 ||
	    (r = need_history(d, &pr, err, errsz)) < 0)
		return r;
	r = history_stats(d->eventlog->reader, since, until, (size_t)top, ret, err, errsz);
	if (r >= 0)
		put_progress(*ret, &pr);
	return r;
}
