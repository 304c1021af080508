/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_LINE_MAX 4096

enum {
	OPT_RULES_DIR = 256,
	OPT_SOCKET,
	OPT_DEFAULT_ACTION,
	OPT_QUEUE,
	OPT_FAIL_CLOSED,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_CONFIG,
	OPT_DB,
	OPT_NO_HISTORY,
	OPT_HISTORY_DAYS,
	OPT_HISTORY_MAX_ROWS,
	OPT_PROMPT_TIMEOUT,
	OPT_NO_BPF,
	OPT_CGROUP,
	OPT_HELP,
	OPT_VERSION,
};

/* One table for flags and config-file keys, so both accept the same names. */
static const struct option options[] = {
	{"rules-dir", required_argument, NULL, OPT_RULES_DIR},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"default-action", required_argument, NULL, OPT_DEFAULT_ACTION},
	{"queue", required_argument, NULL, OPT_QUEUE},
	{"fail-closed", no_argument, NULL, OPT_FAIL_CLOSED},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"log-file", required_argument, NULL, OPT_LOG_FILE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"db", required_argument, NULL, OPT_DB},
	{"no-history", no_argument, NULL, OPT_NO_HISTORY},
	{"history-days", required_argument, NULL, OPT_HISTORY_DAYS},
	{"history-max-rows", required_argument, NULL, OPT_HISTORY_MAX_ROWS},
	{"prompt-timeout", required_argument, NULL, OPT_PROMPT_TIMEOUT},
	{"no-bpf", no_argument, NULL, OPT_NO_BPF},
	{"cgroup", required_argument, NULL, OPT_CGROUP},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{0},
};

static void usage(void)
{
	printf("Usage: picketd [OPTIONS]\n"
	       "Per-application outbound firewall daemon (runs in the foreground).\n\n"
	       "  --config FILE            settings file (default %s, if present)\n"
	       "  --rules-dir DIR          rule files (default /etc/picket/rules)\n"
	       "  --socket PATH            control socket (default /run/picket/picket.sock)\n"
	       "  --default-action ACTION  allow|deny|reject for flows no rule matches (default allow)\n"
	       "  --queue N                NFQUEUE number (default 0)\n"
	       "  --fail-closed            drop new flows while picketd is not running\n"
	       "  --log-level LEVEL        error|warning|info|debug (default info)\n"
	       "  --log-file PATH          also log to PATH\n"
	       "  --db PATH                connection history database (default %s)\n"
	       "  --no-history             keep no connection history on disk\n"
	       "  --history-days N         delete history rows older than N days (default %d, 0: never)\n"
	       "  --history-max-rows N     keep at most N history rows (default %d, 0: no bound)\n"
	       "  --prompt-timeout SECONDS how long a prompter may take to answer before the\n"
	       "                           default action applies (default %d, 1-%d; 0: never prompt)\n"
	       "  --no-bpf                 attribute flows through /proc only (no kernel programs)\n"
	       "  --cgroup PATH            cgroup v2 the kernel programs attach to (default: the\n"
	       "                           cgroup2 mount in /proc/self/mounts)\n"
	       "  --version, --help\n",
	       CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_DB, CONFIG_DEFAULT_HISTORY_DAYS,
	       CONFIG_DEFAULT_HISTORY_MAX_ROWS, CONFIG_DEFAULT_PROMPT_TIMEOUT, CONFIG_PROMPT_TIMEOUT_MAX);
}

/* A whole non-negative decimal number up to MAX. */
static int parse_count(const char *value, unsigned long long max, unsigned long long *ret)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (errno || *end || end == value || value[0] == '-' || n > max)
		return -EINVAL;
	*ret = n;
	return 0;
}

/* true|yes|false|no, or no value (a flag): true. */
static int parse_bool(const char *value, bool *ret)
{
	if (!value || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
		*ret = true;
	else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int set_path(char *dst, const char *value)
{
	if (value[0] == '\0' || strlen(value) >= PATH_MAX)
		return -EINVAL;
	strcpy(dst, value);
	return 0;
}

/* Apply one setting; WHERE names its origin for the error message. */
static int apply(struct config *cfg, int opt, const char *value, const char *where)
{
	const char *name = "";
	int r = 0;

	for (const struct option *o = options; o->name; o++)
		if (o->val == opt)
			name = o->name;

	switch (opt) {
	case OPT_RULES_DIR:
		r = set_path(cfg->rules_dir, value);
		break;
	case OPT_SOCKET:
		r = set_path(cfg->socket_path, value);
		break;
	case OPT_LOG_FILE:
		r = set_path(cfg->log_file, value);
		break;
	case OPT_CONFIG:
		r = set_path(cfg->config_file, value);
		break;
	case OPT_DB:
		r = set_path(cfg->db_path, value);
		break;
	case OPT_CGROUP:
		r = set_path(cfg->cgroup, value);
		break;
	case OPT_NO_BPF:
	case OPT_NO_HISTORY:
		if (parse_bool(value, opt == OPT_NO_BPF ? &cfg->no_bpf : &cfg->no_history) < 0) {
			fprintf(stderr, "picketd: %s: %s: expected true|false, got \"%s\"\n", where,
				name, value);
			return -EINVAL;
		}
		break;
	case OPT_PROMPT_TIMEOUT: {
		unsigned long long n;

		if (parse_count(value, CONFIG_PROMPT_TIMEOUT_MAX, &n) < 0) {
			fprintf(stderr, "picketd: %s: %s: expected seconds 0-%d, got \"%s\"\n", where,
				name, CONFIG_PROMPT_TIMEOUT_MAX, value);
			return -EINVAL;
		}
		cfg->prompt_timeout = (unsigned)n;
		break;
	}
	case OPT_HISTORY_DAYS:
	case OPT_HISTORY_MAX_ROWS: {
		unsigned long long n;
		unsigned long long max = opt == OPT_HISTORY_DAYS ? 36500 : 1000000000000ULL;

		if (parse_count(value, max, &n) < 0) {
			fprintf(stderr, "picketd: %s: %s: expected a number 0-%llu, got \"%s\"\n",
				where, name, max, value);
			return -EINVAL;
		}
		if (opt == OPT_HISTORY_DAYS)
			cfg->history_days = (unsigned)n;
		else
			cfg->history_max_rows = n;
		break;
	}
	case OPT_DEFAULT_ACTION:
		r = action_from_name(value);
		if (r >= 0)
			cfg->default_action = (enum action)r;
		if (r < 0) {
			fprintf(stderr, "picketd: %s: %s: expected allow|deny|reject, got \"%s\"\n",
				where, name, value);
			return r;
		}
		break;
	case OPT_QUEUE: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(value, &end, 10);
		if (errno || *end || end == value || n > 65535 || value[0] == '-') {
			fprintf(stderr, "picketd: %s: %s: expected a number 0-65535, got \"%s\"\n",
				where, name, value);
			return -EINVAL;
		}
		cfg->queue = (uint16_t)n;
		break;
	}
	case OPT_FAIL_CLOSED:
		if (value && strcmp(value, "true") != 0 && strcmp(value, "yes") != 0 &&
		    strcmp(value, "false") != 0 && strcmp(value, "no") != 0) {
			fprintf(stderr, "picketd: %s: %s: expected true|false, got \"%s\"\n", where,
				name, value);
			return -EINVAL;
		}
		cfg->fail_closed = !value || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0;
		break;
	case OPT_LOG_LEVEL:
		r = log_level_from_string(value);
		if (r < 0) {
			fprintf(stderr,
				"picketd: %s: %s: expected error|warning|info|debug, got \"%s\"\n",
				where, name, value);
			return r;
		}
		cfg->log_level = (enum log_level)r;
		r = 0;
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		fprintf(stderr, "picketd: %s: %s: expected a path (at most %d bytes), got \"%s\"\n",
			where, name, PATH_MAX - 1, value);
	return r;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int load_file(struct config *cfg, const char *path, bool must_exist)
{
	char line[CONFIG_LINE_MAX], where[PATH_MAX + 32];
	unsigned lineno = 0;
	int r = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "picketd: config %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;
		int opt = 0;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "picketd: %s: line longer than %d bytes\n", where,
				CONFIG_LINE_MAX - 1);
			r = -EINVAL;
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fprintf(stderr, "picketd: %s: expected \"key = value\", got \"%s\"\n", where, key);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		for (const struct option *o = options; o->name; o++)
			if (strcmp(o->name, key) == 0)
				opt = o->val;
		if (opt == 0 || opt == OPT_CONFIG || opt == OPT_HELP || opt == OPT_VERSION) {
			fprintf(stderr, "picketd: %s: unknown key \"%s\"\n", where, key);
			r = -EINVAL;
			break;
		}
		r = apply(cfg, opt, value, where);
		if (r < 0)
			break;
	}
	fclose(f);
	return r;
}

int config_load(struct config *cfg, int argc, char **argv)
{
	bool explicit_config = false;
	int opt, r;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->rules_dir, "/etc/picket/rules");
	strcpy(cfg->socket_path, "/run/picket/picket.sock");
	strcpy(cfg->config_file, CONFIG_DEFAULT_PATH);
	strcpy(cfg->db_path, CONFIG_DEFAULT_DB);
	cfg->history_days = CONFIG_DEFAULT_HISTORY_DAYS;
	cfg->history_max_rows = CONFIG_DEFAULT_HISTORY_MAX_ROWS;
	cfg->prompt_timeout = CONFIG_DEFAULT_PROMPT_TIMEOUT;
	cfg->default_action = ACTION_ALLOW;
	cfg->log_level = LOG_LVL_INFO;

	/* First pass: only --config, --help, --version, so the file is read
	 * before the flags that override it. */
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_CONFIG) {
			if (apply(cfg, opt, optarg, "--config") < 0)
				return -EINVAL;
			explicit_config = true;
		} else if (opt == OPT_HELP) {
			usage();
			return 1;
		} else if (opt == OPT_VERSION) {
			printf("picketd %s\n", PICKET_VERSION);
			return 1;
		}
	}
	r = load_file(cfg, cfg->config_file, explicit_config);
	if (r < 0)
		return r;

	opterr = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?') {
			fprintf(stderr, "picketd: try --help\n");
			return -EINVAL;
		}
		if (opt == OPT_CONFIG)
			continue;
		if (apply(cfg, opt, optarg, "command line") < 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "picketd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
