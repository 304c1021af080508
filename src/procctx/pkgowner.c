/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkgowner: path -> Debian package from dpkg's database. See pkgowner.h. */
#include "procctx/pkgowner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/readfile.h"

#define DELETED_SUFFIX " (deleted)"

/* An index slot: offset of the path in text (0 = empty), package index, hash. */
struct slot {
	uint32_t off;
	uint32_t pkg;
	uint32_t hash;
};

struct diversion {
	char *from, *to, *by;
	size_t from_len;
};

struct pkgowner {
	char *admindir;

	/* When the index was built: rebuilt when these change. */
	bool built;
	int build_error;
	struct timespec info_mtime, div_mtime;

	char *text;          /* NUL-terminated strings; offset 0 is a reserved "" */
	size_t text_len, text_cap;
	struct slot *slots;
	size_t nslots, npaths; /* nslots: power of two */
	uint32_t *pkgs;        /* package name offsets in text */
	size_t npkgs, pkgs_cap;

	struct diversion *divs; /* sorted by from, only during a build */
	size_t ndivs;

	char *file_buf;        /* .list read buffer, reused */
	size_t file_cap;

	uint32_t cur_pkg;      /* package whose .list is being parsed */
	struct pkgowner_stats stats;
};

/* ---- parsers (pure) ---- */

int pkgowner_parse_list(const char *buf, size_t len, pkgowner_path_fn fn, void *userdata)
{
	const char *p = buf, *end = buf + len;
	int n = 0, r;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *line = p;
		size_t l = (size_t)(le - line);

		p = eol ? eol + 1 : end;
		if (l == 0 || line[0] != '/' || l >= PATH_MAX || memchr(line, '\0', l))
			continue;
		if (l == 2 && line[1] == '.')
			continue;
		r = fn(line, l, userdata);
		if (r < 0)
			return r;
		if (n < INT_MAX)
			n++;
	}
	return n;
}

int pkgowner_parse_diversions(const char *buf, size_t len, pkgowner_diversion_fn fn, void *userdata)
{
	const char *p = buf, *end = buf + len;
	const char *f[3];
	size_t fl[3];
	int n = 0, r;

	while (p < end) {
		for (int i = 0; i < 3; i++) {
			const char *eol;

			if (p >= end)
				return -EBADMSG;
			eol = memchr(p, '\n', (size_t)(end - p));
			f[i] = p;
			fl[i] = (size_t)((eol ? eol : end) - p);
			p = eol ? eol + 1 : end;
			if (fl[i] == 0 || fl[i] >= PATH_MAX || memchr(f[i], '\0', fl[i]))
				return -EBADMSG;
		}
		if (f[0][0] != '/' || f[1][0] != '/')
			return -EBADMSG;
		r = fn(&(struct pkgowner_diversion){ .from = f[0], .from_len = fl[0],
						     .to = f[1], .to_len = fl[1],
						     .by = f[2], .by_len = fl[2] }, userdata);
		if (r < 0)
			return r;
		if (n < INT_MAX)
			n++;
	}
	return n;
}

/* ---- index ---- */

static uint32_t hash_path(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Appends a string to text; ret_off is its offset. */
static int text_add(struct pkgowner *p, const char *s, size_t n, uint32_t *ret_off)
{
	if (n + 1 > PKGOWNER_MAX_TEXT - p->text_len)
		return -E2BIG;
	if (p->text_len + n + 1 > p->text_cap) {
		size_t cap = p->text_cap ? p->text_cap : 1024 * 1024;
		char *t;

		while (cap < p->text_len + n + 1)
			cap *= 2;
		if (cap > PKGOWNER_MAX_TEXT)
			cap = PKGOWNER_MAX_TEXT;
		t = realloc(p->text, cap);
		if (!t)
			return -ENOMEM;
		p->text = t;
		p->text_cap = cap;
	}
	memcpy(p->text + p->text_len, s, n);
	p->text[p->text_len + n] = '\0';
	*ret_off = (uint32_t)p->text_len;
	p->text_len += n + 1;
	return 0;
}

/* Slot holding path, or the empty slot where it would go. */
static struct slot *slot_find(struct slot *slots, size_t nslots, const char *text,
			      const char *s, size_t n, uint32_t h)
{
	size_t mask = nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *sl = &slots[i];

		if (sl->off == 0)
			return sl;
		if (sl->hash == h && strncmp(text + sl->off, s, n) == 0 && text[sl->off + n] == '\0')
			return sl;
	}
}

static int index_grow(struct pkgowner *p)
{
	size_t n = p->nslots ? p->nslots * 2 : 65536;
	struct slot *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < p->nslots; i++) {
		const struct slot *o = &p->slots[i];
		size_t j;

		if (o->off == 0)
			continue;
		for (j = o->hash & (n - 1); s[j].off; j = (j + 1) & (n - 1))
			;
		s[j] = *o;
	}
	free(p->slots);
	p->slots = s;
	p->nslots = n;
	return 0;
}

static int index_add(struct pkgowner *p, const char *path, size_t n, uint32_t pkg)
{
	uint32_t h = hash_path(path, n), off;
	struct slot *sl;
	int r;

	/* Load factor <= 1/2 keeps probes short. */
	if ((p->npaths + 1) * 2 > p->nslots) {
		r = index_grow(p);
		if (r < 0)
			return r;
	}
	sl = slot_find(p->slots, p->nslots, p->text, path, n, h);
	if (sl->off)
		return 0; /* listed by an earlier package: keep that one */
	if (p->npaths >= PKGOWNER_MAX_PATHS)
		return -E2BIG;
	r = text_add(p, path, n, &off);
	if (r < 0)
		return r;
	/* text may have moved but slot_find's result is in slots, which did not. */
	sl->off = off;
	sl->pkg = pkg;
	sl->hash = h;
	p->npaths++;
	return 0;
}

static const char *index_get(const struct pkgowner *p, const char *path)
{
	size_t n = strlen(path);
	const struct slot *sl;

	if (!p->nslots)
		return NULL;
	sl = slot_find(p->slots, p->nslots, p->text, path, n, hash_path(path, n));
	return sl->off ? p->text + p->pkgs[sl->pkg] : NULL;
}

static int div_cmp_key(const char *s, size_t n, const struct diversion *d)
{
	int c = memcmp(s, d->from, n < d->from_len ? n : d->from_len);

	if (c)
		return c;
	return n < d->from_len ? -1 : n > d->from_len;
}

static int div_cmp(const void *a, const void *b)
{
	const struct diversion *x = a;

	return div_cmp_key(x->from, x->from_len, b);
}

static const struct diversion *div_find(const struct pkgowner *p, const char *s, size_t n)
{
	size_t lo = 0, hi = p->ndivs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = div_cmp_key(s, n, &p->divs[mid]);

		if (c == 0)
			return &p->divs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void divs_free(struct pkgowner *p)
{
	for (size_t i = 0; i < p->ndivs; i++) {
		free(p->divs[i].from);
		free(p->divs[i].to);
		free(p->divs[i].by);
	}
	free(p->divs);
	p->divs = NULL;
	p->ndivs = 0;
}

static int on_diversion(const struct pkgowner_diversion *d, void *userdata)
{
	struct pkgowner *p = userdata;
	struct diversion *v, *nd;

	if (p->ndivs >= PKGOWNER_MAX_DIVERSIONS)
		return -E2BIG;
	v = realloc(p->divs, (p->ndivs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->divs = v;
	nd = &p->divs[p->ndivs];
	nd->from = strndup(d->from, d->from_len);
	nd->to = strndup(d->to, d->to_len);
	nd->by = strndup(d->by, d->by_len);
	nd->from_len = d->from_len;
	p->ndivs++; /* counted first so divs_free releases a partial entry */
	if (!nd->from || !nd->to || !nd->by)
		return -ENOMEM;
	return 0;
}

static int on_list_path(const char *path, size_t n, void *userdata)
{
	struct pkgowner *p = userdata;
	const struct diversion *d = p->ndivs ? div_find(p, path, n) : NULL;
	const char *pkg = p->text + p->pkgs[p->cur_pkg];

	/* Another package diverted this path: our copy lives at d->to. */
	if (d && strcmp(d->by, pkg) != 0)
		return index_add(p, d->to, strlen(d->to), p->cur_pkg);
	return index_add(p, path, n, p->cur_pkg);
}

/* Reads a whole file (bounded) into p->file_buf, reused from file to file.
 * -ENOENT if missing, -E2BIG past MAX. */
static int read_list_file(struct pkgowner *p, int dirfd, const char *name, size_t max,
			  size_t *ret_len)
{
	int r = read_file_at(dirfd, name, max, &p->file_buf, &p->file_cap, ret_len);

	return r == -EFBIG ? -E2BIG : r;
}

static void index_clear(struct pkgowner *p)
{
	free(p->text);
	free(p->slots);
	free(p->pkgs);
	p->text = NULL;
	p->slots = NULL;
	p->pkgs = NULL;
	p->text_len = p->text_cap = p->nslots = p->npaths = p->npkgs = p->pkgs_cap = 0;
}

static int add_package(struct pkgowner *p, const char *name, size_t n)
{
	uint32_t off;
	int r;

	if (p->npkgs >= PKGOWNER_MAX_PACKAGES)
		return -E2BIG;
	if (p->npkgs == p->pkgs_cap) {
		size_t cap = p->pkgs_cap ? p->pkgs_cap * 2 : 1024;
		uint32_t *v = realloc(p->pkgs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->pkgs = v;
		p->pkgs_cap = cap;
	}
	r = text_add(p, name, n, &off);
	if (r < 0)
		return r;
	p->cur_pkg = (uint32_t)p->npkgs;
	p->pkgs[p->npkgs++] = off;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int index_build(struct pkgowner *p)
{
	uint64_t t0 = now_ns();
	DIR *dir = NULL;
	struct dirent *de;
	int admfd = -1, infofd = -1, r;
	size_t len;
	uint32_t off;

	index_clear(p);
	divs_free(p);
	r = text_add(p, "", 0, &off); /* offset 0 means "empty slot" */
	if (r < 0)
		goto cleanup;

	admfd = open(p->admindir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (admfd < 0) {
		r = errno == ENOENT ? 0 : -errno; /* no dpkg: nothing is from a package */
		goto cleanup;
	}
	r = read_list_file(p, admfd, "diversions", PKGOWNER_MAX_LIST_FILE, &len);
	if (r == 0) {
		r = pkgowner_parse_diversions(p->file_buf, len, on_diversion, p);
		/* A malformed tail is ignored: the groups before it are still right. */
		if (r == -ENOMEM || r == -E2BIG)
			goto cleanup;
		if (p->ndivs)
			qsort(p->divs, p->ndivs, sizeof(*p->divs), div_cmp);
	} else if (r != -ENOENT) {
		goto cleanup;
	}

	infofd = openat(admfd, "info", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (infofd < 0) {
		r = errno == ENOENT ? 0 : -errno;
		goto cleanup;
	}
	dir = fdopendir(infofd);
	if (!dir) {
		r = -errno;
		close(infofd);
		goto cleanup;
	}
	while ((errno = 0, de = readdir(dir))) {
		size_t nl = strlen(de->d_name);

		if (nl <= 5 || strcmp(de->d_name + nl - 5, ".list") != 0 || de->d_name[0] == '.')
			continue;
		r = read_list_file(p, dirfd(dir), de->d_name, PKGOWNER_MAX_LIST_FILE, &len);
		if (r == -ENOENT)
			continue; /* removed by a running dpkg; the mtime change rebuilds later */
		if (r < 0)
			goto cleanup;
		r = add_package(p, de->d_name, nl - 5);
		if (r < 0)
			goto cleanup;
		r = pkgowner_parse_list(p->file_buf, len, on_list_path, p);
		if (r < 0)
			goto cleanup;
	}
	if (errno) {
		r = -errno;
		goto cleanup;
	}
	r = 0;
cleanup:
	if (dir)
		closedir(dir);
	if (admfd >= 0)
		close(admfd);
	p->stats.diversions = p->ndivs;
	divs_free(p);
	/* The read buffer is only needed while building. */
	free(p->file_buf);
	p->file_buf = NULL;
	p->file_cap = 0;
	if (r < 0)
		index_clear(p);
	p->stats.paths = p->npaths;
	p->stats.packages = p->npkgs;
	p->stats.bytes = p->text_cap + p->nslots * sizeof(struct slot) + p->pkgs_cap * sizeof(uint32_t);
	p->stats.build_ns = now_ns() - t0;
	p->stats.builds++;
	return r;
}

static struct timespec mtime_of(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) < 0)
		return (struct timespec){ 0, 0 };
	return st.st_mtim;
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Builds or rebuilds when dpkg changed its database since the last build. */
static int ensure_index(struct pkgowner *p)
{
	struct timespec im = mtime_of(p->admindir, "info");
	struct timespec dm = mtime_of(p->admindir, "diversions");

	if (p->built && ts_eq(im, p->info_mtime) && ts_eq(dm, p->div_mtime))
		return p->build_error;
	/* mtimes taken before reading: a change during the build triggers another. */
	p->info_mtime = im;
	p->div_mtime = dm;
	p->build_error = index_build(p);
	p->built = true;
	return p->build_error;
}

int pkgowner_new(const char *admindir, struct pkgowner **ret)
{
	struct pkgowner *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->admindir = strdup(admindir ? admindir : "/var/lib/dpkg");
	if (!p->admindir) {
		free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

void pkgowner_free(struct pkgowner *p)
{
	if (!p)
		return;
	index_clear(p);
	divs_free(p);
	free(p->file_buf);
	free(p->admindir);
	free(p);
}

int pkgowner_stats(struct pkgowner *p, struct pkgowner_stats *ret)
{
	int r = ensure_index(p);

	if (r < 0)
		return r;
	*ret = p->stats;
	return 0;
}

/* path and its usrmerge twin: "/usr/bin/x" <-> "/bin/x" (also sbin, lib*). */
static const char *lookup_merged(const struct pkgowner *p, const char *path)
{
	static const char *const top[] = { "/bin/", "/sbin/", "/lib" };
	char twin[PATH_MAX];
	const char *pkg = index_get(p, path);

	if (pkg)
		return pkg;
	if (strncmp(path, "/usr/", 5) == 0) {
		for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			if (strncmp(path + 4, top[i], strlen(top[i])) == 0)
				return index_get(p, path + 4);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		if (strncmp(path, top[i], strlen(top[i])) == 0 &&
		    snprintf(twin, sizeof(twin), "/usr%s", path) < (int)sizeof(twin))
			return index_get(p, twin);
	}
	return NULL;
}

int pkgowner_lookup(struct pkgowner *p, const char *path, const char **ret_pkg)
{
	char buf[PATH_MAX], res[PATH_MAX];
	const char *pkg, *slash;
	size_t n;
	int r;

	if (!path || path[0] != '/')
		return -EINVAL;
	n = strlen(path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	r = ensure_index(p);
	if (r < 0)
		return r;
	memcpy(buf, path, n + 1);
	if (n > strlen(DELETED_SUFFIX) && strcmp(buf + n - strlen(DELETED_SUFFIX), DELETED_SUFFIX) == 0)
		buf[n - strlen(DELETED_SUFFIX)] = '\0';

	pkg = lookup_merged(p, buf);
	/* The directory resolved, the name kept: finds the package of a symlink
	 * reached through a symlinked directory. */
	slash = strrchr(buf, '/');
	if (!pkg && slash != buf) {
		char dir[PATH_MAX];

		memcpy(dir, buf, (size_t)(slash - buf));
		dir[slash - buf] = '\0';
		if (realpath(dir, res) && strlen(res) + strlen(slash) < sizeof(res)) {
			if (strcmp(res, "/") != 0)
				strcat(res, slash);
			else
				strcpy(res, slash);
			pkg = lookup_merged(p, res);
		}
	}
	/* Fully resolved: a symlink not in any package pointing at one that is. */
	if (!pkg && realpath(buf, res))
		pkg = lookup_merged(p, res);
	if (!pkg)
		return -ENOENT;
	*ret_pkg = pkg;
	return 0;
}
