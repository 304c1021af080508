/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "history/writer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Bytes of strings a batch holds: every event fits in an empty batch
 * (at most 11 strings of HISTORY_STR_MAX + 1 bytes). */
#define BATCH_ARENA (HISTORY_BATCH * 256)
_Static_assert(BATCH_ARENA >= 11 * (HISTORY_STR_MAX + 1), "an event fits in a batch");

/* A batch: events whose strings are copies in ARENA, one allocation for
 * the lot. Filled by the loop, written by the thread. */
struct batch {
	size_t n, used;
	uint64_t last_seq; /* the loop's count of events up to this batch's last */
	struct history_event ev[HISTORY_BATCH];
	char arena[BATCH_ARENA];
};

struct history_writer {
	struct history *h; /* the writer thread's, after start */
	pthread_t thread;
	struct history_event *all; /* the thread's: taken batches' events, one transaction */

	/* The loop's own: no lock. */
	struct batch *cur;
	uint64_t added;   /* events added since start */

	pthread_mutex_t lock;
	pthread_cond_t wake; /* loop -> thread: work, retention or stop */
	pthread_cond_t done; /* thread -> loop: a round finished */
	/* Under lock: */
	struct batch *queue[WRITER_QUEUE_BATCHES];
	size_t qhead, qcount;
	uint64_t handed;  /* batches handed over */
	uint64_t written_upto; /* batches the thread has taken and tried to write */
	uint64_t written_seq;  /* events up to this seq are in the file (or lost) */
	uint64_t handed_seq;   /* events up to this seq were handed over */
	bool retain_due;
	bool stop;
	bool hurry;        /* someone waits (sync, stop): write at normal priority */
	bool low_priority; /* runs at WRITER_NICE when it keeps up */
	bool idle_now;     /* the thread's: at WRITER_NICE now */
	uint64_t thread_dropped; /* the thread's history buffer overflowed */
	struct history_writer_status status; /* dropped: the loop's losses */
};

static size_t str_room(const char *s)
{
	return s ? strnlen(s, HISTORY_STR_MAX) + 1 : 0;
}

static const char *put(struct batch *b, const char *s)
{
	size_t n;
	char *d = b->arena + b->used;

	if (!s)
		return NULL;
	n = strnlen(s, HISTORY_STR_MAX);
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static void batch_free(struct batch *b)
{
	free(b);
}

static void set_status(struct history_writer *w, bool failing, const char *msg)
{
	if (w->status.failing != failing || (msg && msg[0])) {
		w->status.changed = true;
		/* Cut to fit: a one-line reason, not a dump. */
		size_t n = msg ? strnlen(msg, sizeof(w->status.message) - 1) : 0;
		memcpy(w->status.message, msg ? msg : "", n);
		w->status.message[n] = '\0';
	}
	w->status.failing = failing;
}

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* One round, with the lock NOT held: write the TAKEN batches in one
 * transaction and, if asked, a retention pass. Returns whether the write
 * failed. */
static bool write_round(struct history_writer *w, struct batch **taken, size_t n, bool retain,
			bool *ret_retain_more, char *msg, size_t msgsz)
{
	size_t total = 0;
	int r;

	msg[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		memcpy(&w->all[total], taken[i]->ev, taken[i]->n * sizeof(taken[i]->ev[0]));
		total += taken[i]->n;
	}
	/* Also with nothing to write: history_write opens a database that is
	 * not open yet, so a round never reports a success it did not have.
	 * On failure it keeps copies: the batches can go either way. */
	r = history_write(w->h, w->all, total, msg, msgsz);
	for (size_t i = 0; i < n; i++)
		batch_free(taken[i]);
	*ret_retain_more = false;
	if (r < 0)
		return true;
	if (r > 0) {
		pthread_mutex_lock(&w->lock);
		w->status.written += (uint64_t)r;
		pthread_mutex_unlock(&w->lock);
	}
	if (retain) {
		char rmsg[256];
		if (history_retain(w->h, time(NULL), ret_retain_more, rmsg, sizeof(rmsg)) < 0)
			snprintf(msg, msgsz, "retention: %s", rmsg);
	}
	return false;
}

/* The thread starts before picketd drops its capabilities (privileges.c),
 * and capabilities are per thread: it drops its own, all but CAP_SYS_NICE
 * (needed to go back to nice 0 to catch up), if it has them at all. */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};
	bool nice;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	nice = data[CAP_SYS_NICE / 32].permitted & (1u << (CAP_SYS_NICE % 32));
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_SYS_NICE)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (nice) {
		data[CAP_SYS_NICE / 32].effective = 1u << (CAP_SYS_NICE % 32);
		data[CAP_SYS_NICE / 32].permitted = 1u << (CAP_SYS_NICE % 32);
	}
	syscall(SYS_capset, &hdr, data);
}

/* The writer yields to the traffic: nice WRITER_NICE for this thread, so
 * on a busy machine it gets a small share of a CPU (about a tenth of what
 * a normal thread gets), which is enough to keep up at tens of thousands
 * of rows a second. Not SCHED_IDLE: that gets next to nothing while the
 * CPUs are busy, and the thread could not even run to raise itself. */
static bool lower_priority(struct history_writer *w)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), WRITER_NICE) < 0)
		return false;
	w->idle_now = true;
	return true;
}

/* Fallen WRITER_CATCH_UP_BATCHES behind, or someone waits: nice 0 until
 * caught up, so the batches waiting (what SIGKILL would lose) stay few.
 * Going back up to nice 0 needs CAP_SYS_NICE; without it the thread
 * stays at WRITER_NICE. */
static void catch_up(struct history_writer *w, size_t waiting)
{
	if (w->idle_now && waiting >= WRITER_CATCH_UP_BATCHES) {
		if (setpriority(PRIO_PROCESS, (id_t)gettid(), 0) == 0)
			w->idle_now = false;
	} else if (!w->idle_now && w->low_priority && waiting <= 1) {
		if (setpriority(PRIO_PROCESS, (id_t)gettid(), WRITER_NICE) == 0)
			w->idle_now = true;
	}
}

static void *writer_main(void *arg)
{
	struct history_writer *w = arg;
	struct batch *taken[WRITER_QUEUE_BATCHES];
	char msg[1024];
	bool failing, retain, more = false, stop, low;

	drop_capabilities();
	low = lower_priority(w);

	pthread_mutex_lock(&w->lock);
	w->low_priority = low;
	for (;;) {
		size_t n = 0, n_hurry = 0;
		uint64_t upto, upto_seq;

		/* Sleep until there is work; while failing, wake to retry. */
		while (!w->stop && w->qcount == 0 && !w->retain_due && !more) {
			if (w->status.failing) {
				struct timespec ts;
				deadline_in(&ts, WRITER_RETRY_MS);
				if (pthread_cond_timedwait(&w->wake, &w->lock, &ts) == ETIMEDOUT)
					break;
			} else {
				pthread_cond_wait(&w->wake, &w->lock);
			}
		}
		while (w->qcount > 0) {
			taken[n++] = w->queue[w->qhead];
			w->qhead = (w->qhead + 1) % WRITER_QUEUE_BATCHES;
			w->qcount--;
		}
		upto = w->handed;
		upto_seq = w->handed_seq;
		if (w->hurry || w->stop)
			n_hurry = WRITER_CATCH_UP_BATCHES;
		w->hurry = false;
		retain = (w->retain_due || more) && !w->status.failing;
		w->retain_due = false;
		stop = w->stop;
		pthread_mutex_unlock(&w->lock);

		catch_up(w, n > n_hurry ? n : n_hurry);
		failing = write_round(w, taken, n, retain, &more, msg, sizeof(msg));

		pthread_mutex_lock(&w->lock);
		w->thread_dropped = history_dropped(w->h);
		set_status(w, failing, msg);
		w->written_upto = upto;
		if (!failing)
			w->written_seq = upto_seq;
		/* Caught up: yield again (before anyone waiting is told). */
		if (w->qcount <= 1)
			catch_up(w, w->qcount);
		pthread_cond_broadcast(&w->done);
		if (stop && w->qcount == 0)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int history_writer_start(const char *path, const struct history_limits *lim,
			 struct history_writer **ret)
{
	struct history_writer *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	char msg[1024];
	int r;

	if (!w)
		return -ENOMEM;
	w->all = malloc(sizeof(*w->all) * HISTORY_BATCH * WRITER_QUEUE_BATCHES);
	if (!w->all) {
		free(w);
		return -ENOMEM;
	}
	r = history_new(path, lim, &w->h);
	if (r < 0) {
		free(w->all);
		free(w);
		return r;
	}
	/* Open here, on the loop's thread, so start-up reports at once. */
	r = history_open(w->h, msg, sizeof(msg));
	set_status(w, r < 0, msg);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	/* The thread must never take the process's signals (the daemon reads
	 * them from a signalfd on its loop): it starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		history_free(w->h);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		free(w->all);
		free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

void history_writer_handoff(struct history_writer *w)
{
	struct batch *b = w->cur;

	if (!b || b->n == 0)
		return;
	w->cur = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->qcount == WRITER_QUEUE_BATCHES) {
		/* The thread is far behind (a stuck disk): keep the newest. */
		struct batch *old = w->queue[w->qhead];
		w->status.dropped += old->n;
		batch_free(old);
		w->qhead = (w->qhead + 1) % WRITER_QUEUE_BATCHES;
		w->qcount--;
	}
	w->queue[(w->qhead + w->qcount) % WRITER_QUEUE_BATCHES] = b;
	w->qcount++;
	w->handed++;
	w->handed_seq = b->last_seq;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int history_writer_add(struct history_writer *w, const struct history_event *e)
{
	size_t room = str_room(e->action) + str_room(e->reason) + str_room(e->rule) +
		      str_room(e->protocol) + str_room(e->src_ip) + str_room(e->dst_ip) +
		      str_room(e->dst_host) + str_room(e->exe) + str_room(e->cmdline) +
		      str_room(e->iface_out) + str_room(e->package);
	struct history_event *d;
	struct batch *b;

	if (w->cur && w->cur->used + room > BATCH_ARENA)
		history_writer_handoff(w);
	if (!w->cur) {
		w->cur = malloc(sizeof(*w->cur));
		if (!w->cur)
			goto lost;
		w->cur->n = 0;
		w->cur->used = 0;
	}
	b = w->cur;
	d = &b->ev[b->n];
	*d = *e;
	d->action = put(b, e->action);
	d->reason = put(b, e->reason);
	d->rule = put(b, e->rule);
	d->protocol = put(b, e->protocol);
	d->src_ip = put(b, e->src_ip);
	d->dst_ip = put(b, e->dst_ip);
	d->dst_host = put(b, e->dst_host);
	d->exe = put(b, e->exe);
	d->cmdline = put(b, e->cmdline);
	d->iface_out = put(b, e->iface_out);
	d->package = put(b, e->package);
	b->last_seq = ++w->added;
	if (++b->n == HISTORY_BATCH)
		history_writer_handoff(w);
	return 0;
lost:
	pthread_mutex_lock(&w->lock);
	w->status.dropped++;
	pthread_mutex_unlock(&w->lock);
	return -ENOMEM;
}

void history_writer_progress(struct history_writer *w, uint64_t *ret_decided,
			     uint64_t *ret_written)
{
	history_writer_handoff(w);
	pthread_mutex_lock(&w->lock);
	*ret_decided = w->added;
	*ret_written = w->written_seq;
	pthread_mutex_unlock(&w->lock);
}

int history_writer_sync(struct history_writer *w, int timeout_ms)
{
	struct timespec ts;
	uint64_t target;
	int r = 0;

	history_writer_handoff(w);
	deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&w->lock);
	target = w->handed;
	w->hurry = true;
	pthread_cond_signal(&w->wake);
	while (w->written_upto < target && r == 0)
		r = pthread_cond_timedwait(&w->done, &w->lock, &ts);
	if (w->written_upto >= target)
		r = w->status.failing ? -EIO : 0;
	else
		r = -ETIMEDOUT;
	pthread_mutex_unlock(&w->lock);
	return r;
}

void history_writer_retain(struct history_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->retain_due = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void history_writer_status(struct history_writer *w, struct history_writer_status *ret)
{
	pthread_mutex_lock(&w->lock);
	*ret = w->status;
	ret->dropped += w->thread_dropped;
	ret->low_priority = w->low_priority;
	w->status.changed = false;
	w->status.message[0] = '\0';
	pthread_mutex_unlock(&w->lock);
}

void history_writer_stop(struct history_writer *w)
{
	if (!w)
		return;
	history_writer_handoff(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	batch_free(w->cur);
	history_free(w->h);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w->all);
	free(w);
}
