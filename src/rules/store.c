/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules directory: one DIR/NAME.json per rule. Loading is bounded and
 * forgiving (a bad file is reported and skipped); writing is atomic so a
 * crash or a concurrent reader never sees half a rule.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/readfile.h"
#include "rules/rule-int.h"
#include "rules/rules.h"

#define SUFFIX ".json"
#define SUFFIX_LEN 5

typedef void (*report_fn)(void *ud, const char *path, const char *msg);

static void say(report_fn report, void *ud, const char *dir, const char *file, const char *msg)
{
	char path[PATH_MAX];

	if (!report)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	report(ud, path, msg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Candidate file names of D, sorted (so rules arrive in name order and
 * insertion is an append). */
static int list_dir(DIR *d, const char *dir, report_fn report, void *ud, char ***ret_names,
		    size_t *ret_n)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, len;
	struct dirent *de;
	char stem[NAME_MAX + 1];
	bool warned = false;
	int r = 0;

	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = -errno;
			break;
		}
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= SUFFIX_LEN ||
		    strcmp(de->d_name + len - SUFFIX_LEN, SUFFIX) != 0)
			continue; /* hidden (our temp files) or not a rule file */
		memcpy(stem, de->d_name, len - SUFFIX_LEN);
		stem[len - SUFFIX_LEN] = '\0';
		if (!rule_name_valid(stem)) {
			say(report, ud, dir, de->d_name,
			    "file name: a rule file is NAME.json with NAME of letters, digits, '.', '_' or '-', ignoring");
			continue;
		}
		if (n >= RULES_MAX) {
			if (!warned)
				say(report, ud, dir, de->d_name,
				    "more than 65536 rule files, ignoring the rest");
			warned = true;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r < 0) {
		while (n)
			free(names[--n]);
		free(names);
		return r;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*ret_names = names;
	*ret_n = n;
	return 0;
}

static void load_one(struct rules *rs, int dfd, const char *dir, const char *file, time_t now,
		     report_fn report, void *ud, int *loaded)
{
	char err[512], msg[600];
	struct rule *rule = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	int r;

	r = read_file_at(dfd, file, RULE_TEXT_MAX, &text, &cap, &len);
	if (r < 0)
		free(text);
	if (r == -EBADFD) {
		say(report, ud, dir, file, "not a regular file, ignoring");
		return;
	}
	if (r == -EFBIG) {
		say(report, ud, dir, file, "larger than 1048576 bytes, ignoring");
		return;
	}
	if (r < 0) {
		snprintf(msg, sizeof(msg), "cannot read: %s, ignoring", strerror(-r));
		say(report, ud, dir, file, msg);
		return;
	}
	r = rule_parse(text, len, now, &rule, err, sizeof(err));
	free(text);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s, ignoring", err);
		say(report, ud, dir, file, msg);
		return;
	}
	/* The file name is how the daemon finds a rule to update or delete. */
	if (strlen(rule->name) != strlen(file) - SUFFIX_LEN ||
	    strncmp(rule->name, file, strlen(rule->name)) != 0) {
		snprintf(msg, sizeof(msg),
			 "field 'name': \"%s\" differs from the file name (expected %.*s), ignoring",
			 rule->name, (int)(strlen(file) - SUFFIX_LEN), file);
		say(report, ud, dir, file, msg);
		rule_free(rule);
		return;
	}
	rule->in_file = true;
	r = rules_add(rs, rule); /* takes RULE */
	if (r < 0) {
		snprintf(msg, sizeof(msg), "cannot add: %s, ignoring", strerror(-r));
		say(report, ud, dir, file, msg);
		return;
	}
	(*loaded)++;
}

int rules_load_dir(struct rules *rs, const char *dir, time_t now, report_fn report, void *ud)
{
	char **names = NULL;
	size_t n = 0;
	int dfd, loaded = 0, r;
	DIR *d;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	r = list_dir(d, dir, report, ud, &names, &n);
	if (r < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		load_one(rs, dirfd(d), dir, names[i], now, report, ud, &loaded);
	r = loaded;
cleanup:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int rules_write_file(const char *dir, const struct rule *r)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	json_t *j = NULL;
	char *text = NULL;
	int dfd = -1, fd = -1, ret;
	bool tmp_made = false;

	if (!rule_name_valid(r->name))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s" SUFFIX, dir, r->name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s" SUFFIX ".XXXXXX", dir, r->name) >=
		    sizeof(tmp))
		return -ENAMETOOLONG;
	j = rule_to_json(r);
	text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	if (!text) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (strlen(text) + 1 > RULE_TEXT_MAX) { /* we could not load it back */
		ret = -EFBIG;
		goto cleanup;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		goto cleanup;
	}
	/* The temp name is hidden so a concurrent load skips it. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	tmp_made = true;
	ret = write_all(fd, text, strlen(text));
	if (ret == 0)
		ret = write_all(fd, "\n", 1);
	if (ret < 0)
		goto cleanup;
	if (fsync(fd) < 0) {
		ret = -errno;
		goto cleanup;
	}
	ret = close(fd);
	fd = -1;
	if (ret < 0) {
		ret = -errno;
		goto cleanup;
	}
	if (rename(tmp, path) < 0) {
		ret = -errno;
		goto cleanup;
	}
	tmp_made = false;
	/* Make the rename itself durable. */
	ret = fsync(dfd) < 0 ? -errno : 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(text);
	json_decref(j);
	return ret;
}

int rules_delete_file(const char *dir, const char *name)
{
	char file[RULE_NAME_MAX + SUFFIX_LEN + 1];
	int dfd, r = 0;

	if (!rule_name_valid(name))
		return -EINVAL;
	snprintf(file, sizeof(file), "%s" SUFFIX, name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (unlinkat(dfd, file, 0) < 0)
		r = -errno;
	else if (fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}
