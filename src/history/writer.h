/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The history's writer thread: it owns the database connection that
 * writes, so no insert, commit, checkpoint or retention pass ever runs on
 * the daemon's loop (each can take milliseconds, and every packet queued
 * meanwhile would wait for it).
 *
 * The loop copies each event into its current batch without a lock; a
 * full batch (HISTORY_BATCH) or history_writer_handoff() hands the batch to
 * the thread under a mutex, once per batch. At most WRITER_QUEUE_BATCHES
 * batches wait; past that the oldest waiting batch is dropped and counted.
 * While the database cannot be written, the thread keeps the newest
 * HISTORY_PENDING_MAX events (history.h) and retries every
 * WRITER_RETRY_MS.
 *
 * All functions are for the loop's thread; the writer thread is internal.
 */
#include <stdbool.h>
#include <stdint.h>

#include "history/history.h"

#define WRITER_QUEUE_BATCHES 64
#define WRITER_RETRY_MS 5000

struct history_writer;

struct history_writer_status {
	bool failing;        /* the last write failed */
	bool changed;        /* failing changed, or a notice came, since the last call */
	char message[512];   /* why it fails, or a notice (e.g. a corrupt file moved aside) */
	uint64_t written;    /* rows written since start */
	uint64_t dropped;    /* events lost to full buffers since start */
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
/* Asks the thread for one retention pass (it repeats while rows remain). */
void history_writer_retain(struct history_writer *w);
/* Reads, and clears the 'changed' flag of, the thread's status. */
void history_writer_status(struct history_writer *w, struct history_writer_status *ret);
