/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rules/lists.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define F_EXACT 1u /* the name itself */
#define F_SUB 2u   /* its subdomains */

/* ---- a set of strings: one arena, open addressing on (offset, hash) ---- */

struct slot {
	uint32_t off; /* 0: empty (offset 0 of the arena is never a string) */
	uint32_t hash;
};

struct strset {
	char *arena; /* per entry: one flags byte, the string, NUL */
	size_t used, size;
	struct slot *slots;
	size_t cap; /* power of two, 0 before the first insert */
	size_t count;
};

static uint32_t hash_str(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return (uint32_t)(h ^ h >> 32);
}

static void strset_free(struct strset *s)
{
	free(s->arena);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static int strset_grow(struct strset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	struct slot *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slots[i].off)
			continue;
		size_t j = s->slots[i].hash & (ncap - 1);
		while (n[j].off)
			j = (j + 1) & (ncap - 1);
		n[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	return 0;
}

/* The slot of KEY (LEN bytes), or NULL. */
static const struct slot *strset_find(const struct strset *s, const char *key, size_t len,
				      uint32_t h)
{
	if (!s->cap)
		return NULL;
	for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		const struct slot *x = &s->slots[j];
		if (!x->off)
			return NULL;
		if (x->hash == h) {
			const char *e = s->arena + x->off + 1;
			if (strncmp(e, key, len) == 0 && e[len] == '\0')
				return x;
		}
	}
}

static int strset_add(struct strset *s, const char *key, uint8_t flags)
{
	size_t len = strlen(key);
	uint32_t h = hash_str(key, len);
	const struct slot *x = strset_find(s, key, len, h);
	int r;

	if (x) {
		s->arena[x->off] |= (char)flags;
		return 0;
	}
	if ((s->count + 1) * 2 > s->cap && (r = strset_grow(s)) < 0)
		return r;
	if (s->used + len + 2 > s->size) {
		size_t nsize = s->size ? s->size * 2 : 1 << 16;
		char *a;
		while (nsize < s->used + len + 2)
			nsize *= 2;
		if (nsize > UINT32_MAX)
			return -E2BIG;
		a = realloc(s->arena, nsize);
		if (!a)
			return -ENOMEM;
		s->arena = a;
		s->size = nsize;
		if (s->used == 0)
			s->used = 1; /* offset 0 means "empty slot" */
	}
	size_t j = h & (s->cap - 1);
	while (s->slots[j].off)
		j = (j + 1) & (s->cap - 1);
	s->slots[j].off = (uint32_t)s->used;
	s->slots[j].hash = h;
	s->arena[s->used] = (char)flags;
	memcpy(s->arena + s->used + 1, key, len + 1);
	s->used += len + 2;
	s->count++;
	return 0;
}

static unsigned strset_flags(const struct strset *s, const char *key, size_t len)
{
	const struct slot *x = strset_find(s, key, len, hash_str(key, len));
	return x ? (uint8_t)s->arena[x->off] : 0;
}

/* ---- lists ---- */

struct content {
	struct strset set;        /* domains, ips ("addr"), nets ("addr/len") */
	pcre2_code **re;          /* domains_regexp */
	size_t nre;
	uint8_t v4_lens[33];      /* nets: prefix lengths present */
	uint8_t v6_lens[129];
	struct list_stats st;
};

struct list {
	struct list *next; /* the registry */
	unsigned refs;
	char *dir;
	enum list_kind kind;
	uint64_t sig;
	bool reported;
	struct content c;
};

static struct list *registry;
static pcre2_match_data *re_md;
static pcre2_match_context *re_ctx;

static const char *const kind_names[] = {
	[LIST_DOMAINS] = "lists.domains",
	[LIST_DOMAINS_REGEXP] = "lists.domains_regexp",
	[LIST_IPS] = "lists.ips",
	[LIST_NETS] = "lists.nets",
};

const char *list_kind_name(enum list_kind kind)
{
	return kind_names[kind];
}

static void content_free(struct content *c)
{
	strset_free(&c->set);
	for (size_t i = 0; i < c->nre; i++)
		pcre2_code_free(c->re[i]);
	free(c->re);
	memset(c, 0, sizeof(*c));
}

static bool is_file_name(const char *n)
{
	return n[0] != '.';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the list files in DIR (caller frees each and the array). */
static int list_files(const char *dir, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;
	int r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;
		char **nv;
		if (!is_file_name(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n >= LIST_FILES_MAX)
			break;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(e->d_name))) {
			v = nv ? nv : v;
			r = -ENOMEM;
			break;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* What the files look like now: names, sizes, modification times. */
static int signature(const char *dir, uint64_t *ret)
{
	char **v;
	size_t n;
	uint64_t h = 14695981039346656037ull;
	int r = list_files(dir, &v, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		uint64_t x[3] = {0};
		snprintf(path, sizeof(path), "%s/%s", dir, v[i]);
		if (stat(path, &st) == 0) {
			x[0] = (uint64_t)st.st_size;
			x[1] = (uint64_t)st.st_mtim.tv_sec;
			x[2] = (uint64_t)st.st_mtim.tv_nsec;
		}
		for (const char *p = v[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * 1099511628211ull;
		for (size_t k = 0; k < 3; k++)
			h = (h ^ x[k]) * 1099511628211ull;
	}
	free_names(v, n);
	*ret = h;
	return 0;
}

static void bad_line(struct content *c, const char *file, size_t line, const char *why)
{
	if (c->st.bad_lines++ == 0)
		snprintf(c->st.first_bad, sizeof(c->st.first_bad), "%s:%zu: %s", file, line, why);
}

/* Lower-case NAME in place and check it: optional "*." or "." prefix, then
 * labels of [a-z0-9_-] (1-63 bytes) joined by dots, <= 253 bytes. Returns
 * the flags it stands for and moves *name past the prefix, or 0 if bad. */
static unsigned domain_flags(char **name)
{
	char *s = *name;
	unsigned flags = F_EXACT;
	size_t len, label = 0;

	if (s[0] == '*' && s[1] == '.') {
		s += 2;
		flags = F_SUB;
	} else if (s[0] == '.') {
		s += 1;
		flags = F_EXACT | F_SUB;
	}
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0'; /* a fully qualified name */
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			s[i] = ch = (char)(ch + 32);
		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	if (label == 0)
		return 0;
	*name = s;
	return flags;
}

static bool hosts_skip(const char *n)
{
	static const char *const skip[] = {"localhost", "localhost.localdomain", "local",
					   "broadcasthost", "ip6-localhost", "ip6-loopback",
					   "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
					   "ip6-allrouters", "ip6-allhosts", "0.0.0.0"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(n, skip[i]) == 0)
			return true;
	return false;
}

static bool looks_like_ip(const char *t)
{
	unsigned char b[16];
	return inet_pton(AF_INET, t, b) == 1 || inet_pton(AF_INET6, t, b) == 1 ||
	       (strchr(t, ':') && strchr(t, '%')); /* fe80::1%lo0 */
}

static int add_entry(struct content *c, const char *key, unsigned flags, const char *file,
		     size_t line)
{
	if (c->set.count >= LIST_ENTRIES_MAX) {
		bad_line(c, file, line, "too many entries");
		return 0;
	}
	int r = strset_add(&c->set, key, (uint8_t)flags);
	if (r == 0)
		c->st.entries = c->set.count;
	return r;
}

static int line_domains(struct content *c, char *s, const char *file, size_t line)
{
	char *save = NULL, *tok = strtok_r(s, " \t\r", &save);
	bool hosts = looks_like_ip(tok);
	int r;

	if (hosts)
		tok = strtok_r(NULL, " \t\r", &save);
	else if (strtok_r(NULL, " \t\r", &save)) {
		bad_line(c, file, line, "expected one name, or an address and names");
		return 0;
	}
	if (!tok) {
		bad_line(c, file, line, "an address without a name");
		return 0;
	}
	for (; tok; tok = hosts ? strtok_r(NULL, " \t\r", &save) : NULL) {
		char *name = tok;
		unsigned flags;
		if (hosts && hosts_skip(tok))
			continue;
		flags = domain_flags(&name);
		if (!flags) {
			bad_line(c, file, line, "not a domain name");
			continue;
		}
		if ((r = add_entry(c, name, flags, file, line)) < 0)
			return r;
	}
	return 0;
}

static int line_regexp(struct content *c, const char *s, const char *file, size_t line)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;
	pcre2_code **nv;

	if (c->nre >= LIST_REGEXP_MAX) {
		bad_line(c, file, line, "too many patterns");
		return 0;
	}
	re = pcre2_compile((PCRE2_SPTR)s, strlen(s), PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C, &code,
			   &off, NULL);
	if (!re) {
		bad_line(c, file, line, "bad regexp");
		return 0;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	nv = realloc(c->re, (c->nre + 1) * sizeof(*nv));
	if (!nv) {
		pcre2_code_free(re);
		return -ENOMEM;
	}
	c->re = nv;
	c->re[c->nre++] = re;
	c->st.entries = c->nre;
	return 0;
}

static void mask_addr(uint8_t *b, unsigned len, unsigned max)
{
	for (unsigned i = len; i < max; i++)
		b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

static int line_addr(struct content *c, char *s, bool net, const char *file, size_t line)
{
	char *save = NULL, *tok = strtok_r(s, " \t\r", &save);
	char *slash = net ? strchr(tok, '/') : NULL;
	union picket_addr a;
	char txt[INET6_ADDRSTRLEN + 8], *end;
	int family;
	unsigned long len;
	unsigned max;

	if (strtok_r(NULL, " \t\r", &save)) {
		bad_line(c, file, line, "expected one address per line");
		return 0;
	}
	if (slash)
		*slash = '\0';
	family = inet_pton(AF_INET, tok, &a.in) == 1 ? AF_INET :
		 inet_pton(AF_INET6, tok, &a.in6) == 1 ? AF_INET6 : 0;
	if (!family) {
		bad_line(c, file, line, net ? "not a network" : "not an IP address");
		return 0;
	}
	max = family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len > max) {
			bad_line(c, file, line, "bad prefix length");
			return 0;
		}
	}
	mask_addr(family == AF_INET ? (uint8_t *)&a.in : a.in6.s6_addr, (unsigned)len, max);
	inet_ntop(family, &a, txt, INET6_ADDRSTRLEN);
	if (net) {
		snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), "/%u", (unsigned)len);
		if (family == AF_INET)
			c->v4_lens[len] = 1;
		else
			c->v6_lens[len] = 1;
	}
	return add_entry(c, txt, F_EXACT, file, line);
}

static int load_file(struct content *c, enum list_kind kind, const char *dir, const char *name)
{
	char path[4096];
	char *buf = NULL;
	size_t bsz = 0, line = 0;
	ssize_t n;
	FILE *f;
	struct stat st;
	int r = 0, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* Symlinks are followed (lists often live elsewhere); O_NONBLOCK so a
	 * FIFO swapped in cannot stall us, and what was opened is checked. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0; /* gone meanwhile: the next refresh sees it */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LIST_FILE_SIZE_MAX) {
		close(fd);
		bad_line(c, name, 0, "not a regular file of at most 1 GiB, skipped");
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while ((n = getline(&buf, &bsz, f)) >= 0) {
		char *s = buf, *e;
		line++;
		if ((size_t)n > LIST_LINE_MAX) {
			bad_line(c, name, line, "line too long");
			continue;
		}
		if (kind != LIST_DOMAINS_REGEXP && (e = strchr(s, '#')))
			*e = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s || (kind == LIST_DOMAINS_REGEXP && *s == '#'))
			continue;
		switch (kind) {
		case LIST_DOMAINS:
			r = line_domains(c, s, name, line);
			break;
		case LIST_DOMAINS_REGEXP:
			r = line_regexp(c, s, name, line);
			break;
		case LIST_IPS:
			r = line_addr(c, s, false, name, line);
			break;
		case LIST_NETS:
			r = line_addr(c, s, true, name, line);
			break;
		}
		if (r < 0)
			break;
	}
	free(buf);
	fclose(f);
	return r;
}

static int load(const char *dir, enum list_kind kind, struct content *ret, uint64_t *ret_sig)
{
	struct content c = {0};
	char **v = NULL;
	size_t n = 0;
	int r;

	uint64_t sig;

	r = signature(dir, &sig);
	if (r < 0)
		return r;
	r = list_files(dir, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = load_file(&c, kind, dir, v[i]);
	c.st.files = n;
	free_names(v, n);
	if (r < 0) {
		content_free(&c);
		return r;
	}
	*ret = c;
	*ret_sig = sig;
	return 0;
}

int list_get(const char *dir, enum list_kind kind, struct list **ret)
{
	struct list *l;
	int r;

	for (l = registry; l; l = l->next) {
		uint64_t sig;
		if (l->kind != kind || strcmp(l->dir, dir) != 0)
			continue;
		if (signature(dir, &sig) == 0 && sig != l->sig) {
			struct content c;
			if (load(dir, kind, &c, &l->sig) == 0) {
				content_free(&l->c);
				l->c = c;
				l->reported = false;
			}
		}
		l->refs++;
		*ret = l;
		return 0;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->dir = strdup(dir);
	if (!l->dir) {
		free(l);
		return -ENOMEM;
	}
	r = load(dir, kind, &l->c, &l->sig);
	if (r < 0) {
		free(l->dir);
		free(l);
		return r;
	}
	l->kind = kind;
	l->refs = 1;
	l->next = registry;
	registry = l;
	*ret = l;
	return 0;
}

void list_put(struct list *l)
{
	struct list **pp;

	if (!l || --l->refs > 0)
		return;
	for (pp = &registry; *pp && *pp != l; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = l->next;
	content_free(&l->c);
	free(l->dir);
	free(l);
}

bool list_match_host(const struct list *l, const char *host)
{
	size_t len;

	if (!host)
		return false;
	len = strlen(host);
	if (l->kind == LIST_DOMAINS_REGEXP) {
		if (!re_ctx) {
			re_ctx = pcre2_match_context_create(NULL);
			re_md = pcre2_match_data_create(1, NULL);
			if (!re_ctx || !re_md)
				return false;
			pcre2_set_match_limit(re_ctx, 100000);
			pcre2_set_depth_limit(re_ctx, 10000);
		}
		for (size_t i = 0; i < l->c.nre; i++)
			if (pcre2_match(l->c.re[i], (PCRE2_SPTR)host, len, 0, 0, re_md, re_ctx) >= 0)
				return true;
		return false;
	}
	if (l->kind != LIST_DOMAINS)
		return false;
	if (strset_flags(&l->c.set, host, len) & F_EXACT)
		return true;
	for (const char *p = host; (p = strchr(p, '.')); ) {
		p++;
		if (strset_flags(&l->c.set, p, len - (size_t)(p - host)) & F_SUB)
			return true;
	}
	return false;
}

bool list_match_addr(const struct list *l, uint8_t family, const union picket_addr *a)
{
	char txt[INET6_ADDRSTRLEN + 8];
	unsigned max = family == AF_INET ? 32 : 128;
	const uint8_t *lens = family == AF_INET ? l->c.v4_lens : l->c.v6_lens;

	if (family != AF_INET && family != AF_INET6)
		return false;
	if (l->kind == LIST_IPS) {
		if (!inet_ntop(family, a, txt, sizeof(txt)))
			return false;
		return strset_flags(&l->c.set, txt, strlen(txt)) != 0;
	}
	if (l->kind != LIST_NETS)
		return false;
	for (unsigned len = 0; len <= max; len++) {
		union picket_addr m = *a;
		if (!lens[len])
			continue;
		mask_addr(family == AF_INET ? (uint8_t *)&m.in : m.in6.s6_addr, len, max);
		inet_ntop(family, &m, txt, INET6_ADDRSTRLEN);
		snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), "/%u", len);
		if (strset_flags(&l->c.set, txt, strlen(txt)))
			return true;
	}
	return false;
}

const struct list_stats *list_stats(const struct list *l)
{
	return &l->c.st;
}

enum list_kind list_kind(const struct list *l)
{
	return l->kind;
}

const char *list_directory(const struct list *l)
{
	return l->dir;
}

int lists_refresh(list_report_fn report, void *ud)
{
	int n = 0;

	for (struct list *l = registry; l; l = l->next) {
		uint64_t sig;
		struct content c;
		int r = signature(l->dir, &sig);

		if (r == 0 && sig != l->sig) {
			r = load(l->dir, l->kind, &c, &l->sig);
			if (r == 0) {
				content_free(&l->c);
				l->c = c;
				l->reported = false;
				n++;
			}
		}
		if (r < 0 && report)
			report(ud, l, r);
		if (!l->reported && report)
			report(ud, l, 0);
		l->reported = true;
	}
	return n;
}
