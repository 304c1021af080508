/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exehash: cached SHA-256/MD5 of executables. See exehash.h. */
#include "procctx/exehash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NBUCKETS (EXEHASH_CACHE_MAX * 2) /* power of two */
#define NONE UINT32_MAX
#define READ_CHUNK (256 * 1024)

struct key {
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
};

struct entry {
	struct key key;
	char sha256[65];
	char md5[33];
	uint32_t bucket_next;       /* chain in buckets[] */
	uint32_t lru_prev, lru_next; /* head = most recently used */
};

struct exehash {
	uint32_t buckets[NBUCKETS];
	struct entry entries[EXEHASH_CACHE_MAX];
	uint32_t n;
	uint32_t lru_head, lru_tail;
	unsigned char *buf; /* READ_CHUNK bytes, allocated on first miss */
};

int exehash_new(struct exehash **ret)
{
	struct exehash *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < NBUCKETS; i++)
		c->buckets[i] = NONE;
	c->lru_head = c->lru_tail = NONE;
	*ret = c;
	return 0;
}

void exehash_free(struct exehash *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}

size_t exehash_cache_size(const struct exehash *c)
{
	return c->n;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct key key_of(const struct stat *st)
{
	struct key k;

	memset(&k, 0, sizeof(k)); /* padding too: keys are compared with memcmp */
	k.dev = st->st_dev;
	k.ino = st->st_ino;
	k.size = (uint64_t)st->st_size;
	k.mtime_ns = ts_ns(&st->st_mtim);
	k.ctime_ns = ts_ns(&st->st_ctim);
	return k;
}

static uint32_t key_bucket(const struct key *k)
{
	/* FNV-1a over the key bytes; the key is zeroed padding included. */
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32)) & (NBUCKETS - 1);
}

static void lru_unlink(struct exehash *c, uint32_t i)
{
	struct entry *e = &c->entries[i];

	if (e->lru_prev != NONE)
		c->entries[e->lru_prev].lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NONE)
		c->entries[e->lru_next].lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
}

static void lru_push_head(struct exehash *c, uint32_t i)
{
	struct entry *e = &c->entries[i];

	e->lru_prev = NONE;
	e->lru_next = c->lru_head;
	if (c->lru_head != NONE)
		c->entries[c->lru_head].lru_prev = i;
	c->lru_head = i;
	if (c->lru_tail == NONE)
		c->lru_tail = i;
}

static struct entry *cache_find(struct exehash *c, const struct key *k)
{
	for (uint32_t i = c->buckets[key_bucket(k)]; i != NONE; i = c->entries[i].bucket_next) {
		if (memcmp(&c->entries[i].key, k, sizeof(*k)) == 0) {
			lru_unlink(c, i);
			lru_push_head(c, i);
			return &c->entries[i];
		}
	}
	return NULL;
}

static void bucket_remove(struct exehash *c, uint32_t i)
{
	uint32_t *p = &c->buckets[key_bucket(&c->entries[i].key)];

	while (*p != NONE && *p != i)
		p = &c->entries[*p].bucket_next;
	if (*p == i)
		*p = c->entries[i].bucket_next;
}

static void cache_insert(struct exehash *c, const struct key *k, const char *sha256, const char *md5)
{
	uint32_t i, b;

	if (c->n < EXEHASH_CACHE_MAX) {
		i = c->n++;
	} else {
		i = c->lru_tail;
		lru_unlink(c, i);
		bucket_remove(c, i);
	}
	c->entries[i].key = *k;
	memcpy(c->entries[i].sha256, sha256, sizeof(c->entries[i].sha256));
	memcpy(c->entries[i].md5, md5, sizeof(c->entries[i].md5));
	b = key_bucket(k);
	c->entries[i].bucket_next = c->buckets[b];
	c->buckets[b] = i;
	lru_push_head(c, i);
}

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Both digests in one pass over the file. */
static int digest_fd(struct exehash *c, int fd, uint64_t size, char sha256[65], char md5[33])
{
	EVP_MD_CTX *s = NULL, *m = NULL;
	unsigned char ds[EVP_MAX_MD_SIZE], dm[EVP_MAX_MD_SIZE];
	unsigned ns = 0, nm = 0;
	uint64_t off = 0;
	int r;

	if (!c->buf) {
		c->buf = malloc(READ_CHUNK);
		if (!c->buf)
			return -ENOMEM;
	}
	s = EVP_MD_CTX_new();
	m = EVP_MD_CTX_new();
	if (!s || !m) {
		r = -ENOMEM;
		goto cleanup;
	}
	if (!EVP_DigestInit_ex(s, EVP_sha256(), NULL) || !EVP_DigestInit_ex(m, EVP_md5(), NULL)) {
		r = -EIO;
		goto cleanup;
	}
	for (;;) {
		ssize_t k = pread(fd, c->buf, READ_CHUNK, (off_t)off);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto cleanup;
		}
		if (k == 0)
			break;
		off += (uint64_t)k;
		/* The file grew while we read it: what we have is no longer its content. */
		if (off > size) {
			r = -EAGAIN;
			goto cleanup;
		}
		if (!EVP_DigestUpdate(s, c->buf, (size_t)k) || !EVP_DigestUpdate(m, c->buf, (size_t)k)) {
			r = -EIO;
			goto cleanup;
		}
	}
	if (off != size) {
		r = -EAGAIN;
		goto cleanup;
	}
	if (!EVP_DigestFinal_ex(s, ds, &ns) || !EVP_DigestFinal_ex(m, dm, &nm) || ns != 32 || nm != 16) {
		r = -EIO;
		goto cleanup;
	}
	to_hex(ds, ns, sha256);
	to_hex(dm, nm, md5);
	r = 0;
cleanup:
	EVP_MD_CTX_free(s);
	EVP_MD_CTX_free(m);
	return r;
}

int exehash_of_fd(struct exehash *c, int fd, struct exe_digest *ret)
{
	struct stat st, st2;
	struct entry *e;
	struct key k, k2;
	char sha256[65], md5[33];
	bool cached = false;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > EXEHASH_MAX_SIZE)
		return -EFBIG;
	k = key_of(&st);
	e = cache_find(c, &k);
	if (e) {
		memcpy(sha256, e->sha256, sizeof(sha256));
		memcpy(md5, e->md5, sizeof(md5));
		cached = true;
	} else {
		r = digest_fd(c, fd, k.size, sha256, md5);
		if (r < 0)
			return r;
		/* Written to while we read: the digest matches no single version. */
		if (fstat(fd, &st2) < 0)
			return -errno;
		k2 = key_of(&st2);
		if (memcmp(&k, &k2, sizeof(k)) != 0)
			return -EAGAIN;
		cache_insert(c, &k, sha256, md5);
	}
	memcpy(ret->sha256, sha256, sizeof(sha256));
	memcpy(ret->md5, md5, sizeof(md5));
	ret->dev = k.dev;
	ret->ino = k.ino;
	ret->size = k.size;
	ret->mtime_ns = k.mtime_ns;
	ret->cached = cached;
	return 0;
}

static int of_open_path(struct exehash *c, const char *path, struct exe_digest *ret)
{
	int fd, r;

	/* O_NONBLOCK: a FIFO at the path must not block the daemon; it is refused later. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = exehash_of_fd(c, fd, ret);
	close(fd);
	return r;
}

int exehash_of_path(struct exehash *c, const char *path, struct exe_digest *ret)
{
	if (!path || !*path)
		return -EINVAL;
	return of_open_path(c, path, ret);
}

int exehash_of_pid(struct exehash *c, pid_t pid, struct exe_digest *ret)
{
	char p[64];

	if (pid <= 0)
		return -EINVAL;
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	return of_open_path(c, p, ret);
}
