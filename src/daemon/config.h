/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * picketd's settings: defaults, then the config file (--config FILE), then
 * command-line flags, which win. The file has one "key = value" per line,
 * keys named as the long flags (docs/config.md); '#' starts a comment.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/action.h"
#include "common/log.h"

#define CONFIG_DEFAULT_PATH "/etc/picket/picketd.conf"
#define CONFIG_DEFAULT_DB "/var/lib/picket/picket.db"
#define CONFIG_DEFAULT_HISTORY_DAYS 30
#define CONFIG_DEFAULT_HISTORY_MAX_ROWS 1000000
#define CONFIG_DEFAULT_PROMPT_TIMEOUT 30
/* A held packet waits in the kernel queue; TCP gives up on a SYN after
 * about two minutes, so a longer wait helps nobody. */
#define CONFIG_PROMPT_TIMEOUT_MAX 120


struct config {
	char rules_dir[PATH_MAX];
	char socket_path[PATH_MAX];
	char log_file[PATH_MAX]; /* "" = stderr only */
	char config_file[PATH_MAX];
	enum action default_action;
	uint16_t queue;
	bool fail_closed;
	enum log_level log_level;
	char db_path[PATH_MAX];   /* connection history (SQLite) */
	bool no_history;          /* --no-history: keep no history file */
	unsigned history_days;    /* 0: keep rows for ever */
	uint64_t history_max_rows; /* 0: no bound */
	unsigned prompt_timeout;  /* seconds; 0: never prompt */
	bool no_bpf;              /* --no-bpf: attribute through /proc only */
	char cgroup[PATH_MAX];    /* --cgroup: BPF programs attach here; "" = cgroup2 root */
};

/* Fill CFG from defaults, the config file and ARGV. Returns 0, 1 when the
 * program should exit successfully (--help, --version), or -EINVAL after
 * printing a one-line error that names the flag or file:line. */
int config_load(struct config *cfg, int argc, char **argv);
