/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The CLI's human output: aligned tables and the text of status, rules and
 * events. Everything reads the daemon's JSON leniently: a missing or
 * mistyped member prints as "-" rather than failing.
 */
#include <jansson.h>
#include <stdio.h>

#define TABLE_COLS_MAX 8

struct table;

/* A table with NCOLS (<= TABLE_COLS_MAX) columns titled HEADERS. */
struct table *table_new(size_t ncols, const char *const *headers);
/* Copies the NCOLS cells (NULL prints as "-"). Returns 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *cells);
/* Prints header and rows, columns padded to their widest cell. */
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);
/* One row with fixed WIDTHS (for streams, where later rows are unknown). */
void table_print_row(FILE *out, size_t ncols, const size_t *widths, const char *const *cells);

/* `picket status` */
void print_status(json_t *status, FILE *out);
/* `picket rules list`: a table of rule objects. */
void print_rules(json_t *rules, FILE *out);
/* A rule's operator in a few words: "process.path == /usr/bin/curl". */
void operator_summary(json_t *op, char *buf, size_t bufsz);

/* Event columns: TIME ACTION PROTO DESTINATION PID PROCESS RULE. */
#define EVENT_COLS 7
extern const char *const event_headers[EVENT_COLS];
extern const size_t event_widths[EVENT_COLS]; /* for --follow */
/* Fills CELLS with pointers into BUF (BUFSZ bytes) for one event. */
void event_cells(json_t *ev, char *buf, size_t bufsz, const char *cells[EVENT_COLS]);
