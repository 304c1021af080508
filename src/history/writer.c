/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "history/writer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A batch of owned copies: filled by the loop, written by the thread. */
struct batch {
	size_t n;
	struct history_event ev[HISTORY_BATCH];
};

struct history_writer {
	struct history *h; /* the writer thread's, after start */
	pthread_t thread;

	/* The loop's own: no lock. */
	struct batch *cur;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* loop -> thread: work, retention or stop */
	pthread_cond_t done; /* thread -> loop: a round finished */
	/* Under lock: */
	struct batch *queue[WRITER_QUEUE_BATCHES];
	size_t qhead, qcount;
	uint64_t handed;  /* batches handed over */
	uint64_t written_upto; /* batches the thread has taken and tried to write */
	bool retain_due;
	bool stop;
	uint64_t thread_dropped; /* the thread's history buffer overflowed */
	struct history_writer_status status; /* dropped: the loop's losses */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void event_release(struct history_event *e)
{
	/* The batch owns these copies (made in copy_event). */
	free((char *)(uintptr_t)e->action);
	free((char *)(uintptr_t)e->reason);
	free((char *)(uintptr_t)e->rule);
	free((char *)(uintptr_t)e->protocol);
	free((char *)(uintptr_t)e->src_ip);
	free((char *)(uintptr_t)e->dst_ip);
	free((char *)(uintptr_t)e->dst_host);
	free((char *)(uintptr_t)e->exe);
	free((char *)(uintptr_t)e->cmdline);
	free((char *)(uintptr_t)e->iface_out);
}

static int copy_event(struct history_event *dst, const struct history_event *src)
{
	*dst = *src;
	dst->action = dup_or_null(src->action);
	dst->reason = dup_or_null(src->reason);
	dst->rule = dup_or_null(src->rule);
	dst->protocol = dup_or_null(src->protocol);
	dst->src_ip = dup_or_null(src->src_ip);
	dst->dst_ip = dup_or_null(src->dst_ip);
	dst->dst_host = dup_or_null(src->dst_host);
	dst->exe = dup_or_null(src->exe);
	dst->cmdline = dup_or_null(src->cmdline);
	dst->iface_out = dup_or_null(src->iface_out);
	if ((src->action && !dst->action) || (src->reason && !dst->reason) ||
	    (src->rule && !dst->rule) || (src->protocol && !dst->protocol) ||
	    (src->src_ip && !dst->src_ip) || (src->dst_ip && !dst->dst_ip) ||
	    (src->dst_host && !dst->dst_host) || (src->exe && !dst->exe) ||
	    (src->cmdline && !dst->cmdline) || (src->iface_out && !dst->iface_out)) {
		event_release(dst);
		return -ENOMEM;
	}
	return 0;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		event_release(&b->ev[i]);
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

/* One round, with the lock NOT held: write TAKEN batches and, if asked, a
 * retention pass. Returns whether the write failed. */
static bool write_round(struct history_writer *w, struct batch **taken, size_t n, bool retain,
			bool *ret_retain_more, char *msg, size_t msgsz)
{
	int r;

	msg[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < taken[i]->n; j++)
			history_append(w->h, &taken[i]->ev[j]);
		batch_free(taken[i]);
	}
	*ret_retain_more = false;
	/* Also with nothing to write: history_flush opens a database that is
	 * not open yet, so a round never reports a success it did not have. */
	r = history_flush(w->h, msg, msgsz);
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

static void *writer_main(void *arg)
{
	struct history_writer *w = arg;
	struct batch *taken[WRITER_QUEUE_BATCHES];
	char msg[1024];
	bool failing, retain, more = false, stop;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		size_t n = 0;
		uint64_t upto;

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
		retain = (w->retain_due || more) && !w->status.failing;
		w->retain_due = false;
		stop = w->stop;
		pthread_mutex_unlock(&w->lock);

		failing = write_round(w, taken, n, retain, &more, msg, sizeof(msg));

		pthread_mutex_lock(&w->lock);
		w->thread_dropped = history_dropped(w->h);
		set_status(w, failing, msg);
		w->written_upto = upto;
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
	r = history_new(path, lim, &w->h);
	if (r < 0) {
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
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int history_writer_add(struct history_writer *w, const struct history_event *e)
{
	if (!w->cur) {
		w->cur = malloc(sizeof(*w->cur));
		if (!w->cur)
			goto lost;
		w->cur->n = 0;
	}
	if (copy_event(&w->cur->ev[w->cur->n], e) < 0)
		goto lost;
	if (++w->cur->n == HISTORY_BATCH)
		history_writer_handoff(w);
	return 0;
lost:
	pthread_mutex_lock(&w->lock);
	w->status.dropped++;
	pthread_mutex_unlock(&w->lock);
	return -ENOMEM;
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
	free(w);
}
