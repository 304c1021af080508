/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The history's writer thread: it owns the database connection that
 * writes, so no insert, commit, checkpoint or retention pass ever runs on
 * the daemon's loop (each can take milliseconds, and every packet queued
 * meanwhile would wait for it).
 *
 * The loop copies each event into its current batch without a lock (the
 * strings into the batch's own arena: one allocation per batch, none per
 * event); a full batch (HISTORY_BATCH) or history_writer_handoff() hands
 * the batch to the thread under a mutex, once per batch. The thread writes
 * every batch waiting in one transaction. At most WRITER_QUEUE_BATCHES
 * batches wait; past that the oldest waiting batch is dropped and counted.
 * While the database cannot be written, the thread keeps the newest
 * HISTORY_PENDING_MAX events (history.h) and retries every
 * WRITER_RETRY_MS.
 *
 * Priority: the thread runs at nice WRITER_NICE, so while the machine is
 * busy it takes little CPU from the traffic and the daemon's loop (about a
 * tenth of a normal thread's share; idle CPU it uses fully). When
 * WRITER_CATCH_UP_BATCHES batches wait, or someone waits for it (sync,
 * stop), it runs at nice 0 until it has caught up (that needs
 * CAP_SYS_NICE, the one capability the thread keeps; it drops the others,
 * which it would otherwise hold: it starts before the daemon drops its
 * own, and capabilities are per thread). Not SCHED_IDLE: measured, on a
 * saturated machine it starved and SIGKILL lost 8,300 events. If the
 * thread still cannot keep up, past WRITER_QUEUE_BATCHES x HISTORY_BATCH
 * (32,768) waiting events the oldest batch is dropped, counted and logged:
 * memory stays bounded, decisions never wait.
 *
 * Loss on SIGKILL (or a crash): what was not yet committed: the current
 * batch (at most HISTORY_BATCH events, or the loop's 500 ms hand-over
 * period of them) plus the batches waiting for the thread (fewer than
 * WRITER_CATCH_UP_BATCHES, plus those arriving during one write round).
 * Measured by tests/e2e/cases/021. WAL keeps the file consistent.
 *
 * All functions are for the loop's thread; the writer thread is internal.
 */
#include <stdbool.h>
#include <stdint.h>

#include "history/history.h"

#define WRITER_QUEUE_BATCHES 64
#define WRITER_RETRY_MS 5000
#define WRITER_CATCH_UP_BATCHES 2
#define WRITER_NICE 10

struct history_writer;

struct history_writer_status {
	bool failing;        /* the last write failed */
	bool changed;        /* failing changed, or a notice came, since the last call */
	char message[512];   /* why it fails, or a notice (e.g. a corrupt file moved aside) */
	uint64_t written;    /* rows written since start */
	uint64_t dropped;    /* events lost to full buffers since start */
	bool low_priority;   /* the thread runs at nice WRITER_NICE */
};

/* Opens PATH (creating/migrating it) on the calling thread, so start-up
 * reports at once, then starts the thread. An open that fails is not an
 * error: the status says so and the thread retries. -errno only when the
 * thread or memory cannot be had. */
int history_writer_start(const char *path, const struct history_limits *lim,
			 struct history_writer **ret);
/* Final hand-over, final write, join. NULL ok. */
void history_writer_stop(struct history_writer *w);

/* Copies E into the current batch (no I/O, no lock unless the batch is
 * full and handed over). -ENOMEM: the event is lost and counted. */
int history_writer_add(struct history_writer *w, const struct history_event *e);
/* Hands over the current batch now (the loop's timer calls this). */
void history_writer_handoff(struct history_writer *w);
/* Hands over and waits until everything handed over is written, or the
 * write failed, or TIMEOUT_MS passed. 0, -EIO (failing), -ETIMEDOUT. */
int history_writer_sync(struct history_writer *w, int timeout_ms);
/* Hands over the current batch; *RET_DECIDED: events added since start,
 * *RET_WRITTEN: how many of the first of them are in the file (or lost and
 * counted). Events in between wait, are being written, or are kept in
 * memory while the file cannot be written. Never waits. */
void history_writer_progress(struct history_writer *w, uint64_t *ret_decided,
			     uint64_t *ret_written);
/* Asks the thread for one retention pass (it repeats while rows remain). */
void history_writer_retain(struct history_writer *w);
/* Reads, and clears the 'changed' flag of, the thread's status. */
void history_writer_status(struct history_writer *w, struct history_writer_status *ret);
