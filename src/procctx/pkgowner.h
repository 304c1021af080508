/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * pkgowner: which Debian package installed a path ("/usr/bin/curl" ->
 * "curl"), from dpkg's database read directly (no dpkg-query fork):
 * <admindir>/info/<pkg>.list and <admindir>/diversions.
 *
 * The index (path -> package) is built on the first lookup and rebuilt when
 * the mtime of <admindir>/info or <admindir>/diversions changes (dpkg
 * renames files into info/ on every install/remove); otherwise a lookup is
 * two stat() calls and a few hash probes.
 *
 * Diversions are applied as dpkg does: the diverting package owns the
 * original path, other packages' copy lives at the diverted-to path
 * ("/usr/bin/pg_config" -> postgresql-common, "/usr/bin/pg_config.libpq-dev"
 * -> libpq-dev). A path listed by several packages (directories, shared docs)
 * names one of them. Package names keep dpkg's ":arch" qualifier when the
 * .list file has one ("libc6:amd64").
 *
 * Bounds: PKGOWNER_MAX_PATHS paths, PKGOWNER_MAX_TEXT bytes of path and
 * name text, PKGOWNER_MAX_PACKAGES .list files, PKGOWNER_MAX_LIST_FILE bytes
 * per .list file, PKGOWNER_MAX_DIVERSIONS diversions; a database past them is
 * refused (-E2BIG) rather than eating the daemon's memory.
 * Not thread-safe.
 */
#include <stddef.h>
#include <stdint.h>

#define PKGOWNER_MAX_PATHS (4u * 1024 * 1024)
#define PKGOWNER_MAX_TEXT (256u * 1024 * 1024)
#define PKGOWNER_MAX_PACKAGES 65536
#define PKGOWNER_MAX_LIST_FILE (64u * 1024 * 1024)
#define PKGOWNER_MAX_DIVERSIONS 4096

struct pkgowner;

/* admindir: NULL for "/var/lib/dpkg" (a parameter for tests). Reads nothing yet.
 * 0 or -ENOMEM. */
int pkgowner_new(const char *admindir, struct pkgowner **ret);
void pkgowner_free(struct pkgowner *p);

/*
 * Package that owns path. Tried in order: the path as given (a trailing
 * " (deleted)" from /proc/PID/exe is dropped), its /usr-merged twin
 * ("/usr/bin/x" <-> "/bin/x"), the path with its directory resolved, and its
 * realpath(). 0 and *ret_pkg (owned by p, valid until the next
 * pkgowner_lookup or pkgowner_free), -ENOENT when no package lists it ("not
 * from a package"), or the index build's error (-E2BIG, -EACCES, ...; a
 * missing dpkg database is an empty one).
 */
int pkgowner_lookup(struct pkgowner *p, const char *path, const char **ret_pkg);

struct pkgowner_stats {
	size_t paths;       /* distinct paths indexed */
	size_t packages;    /* .list files read */
	size_t diversions;
	size_t bytes;       /* heap held by the index */
	uint64_t build_ns;  /* duration of the last build */
	unsigned builds;    /* number of builds so far */
};

/* Builds the index if needed (so stats are meaningful); returns its error. */
int pkgowner_stats(struct pkgowner *p, struct pkgowner_stats *ret);

/*
 * Pure parsers, exported for the fuzz target and tests. Both take a buffer
 * that need not be NUL-terminated and call fn for each record; a negative
 * return from fn stops the parse and is returned.
 */

/* A .list file: one absolute path per line; "/." and blank or relative lines,
 * lines holding NUL and paths of PATH_MAX bytes or more are skipped.
 * Returns the number of paths passed to fn. */
typedef int (*pkgowner_path_fn)(const char *path, size_t len, void *userdata);
int pkgowner_parse_list(const char *buf, size_t len, pkgowner_path_fn fn, void *userdata);

/* The diversions file: groups of three lines: from, to, diverting package
 * (":" for a local diversion). Returns the number of diversions passed to fn,
 * or -EBADMSG after passing the valid ones when the file is malformed. */
struct pkgowner_diversion {
	const char *from, *to, *by;
	size_t from_len, to_len, by_len;
};
typedef int (*pkgowner_diversion_fn)(const struct pkgowner_diversion *d, void *userdata);
int pkgowner_parse_diversions(const char *buf, size_t len, pkgowner_diversion_fn fn, void *userdata);
