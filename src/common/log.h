/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The daemon's logger: one line per message, to stderr and/or a file.
 * Library-like modules (packet, rules, attrib) never log; they return
 * -errno and an error text, and their caller logs once with context.
 */
#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

int log_level_from_string(const char *s); /* -EINVAL if unknown */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also write to PATH (appended). Returns -errno. */
int log_open_file(const char *path);
void log_close(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                            \
	do {                                                      \
		if (log_get_level() >= LOG_LVL_DEBUG)             \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);      \
	} while (0)
