/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule collection: name order for evaluation, an index by executable
 * path so a connection is tested against its program's rules plus the
 * rules that name no program, and the rules directory on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rule-int.h"
#include "rules/rules.h"

/* A vector of rules kept in name order. */
struct rvec {
	struct rule **v;
	size_t n;
	size_t cap;
};

/* The rules of one executable path; KEY is the path in ASCII lower case
 * because process.path compares case-insensitively unless 'sensitive':
 * the bucket holds candidates, the operator still decides. */
struct bucket {
	struct bucket *next;
	uint64_t hash;
	struct rvec rules;
	char key[];
};

struct rules {
	uint64_t generation; /* changes with every change to the set */
	struct rvec all;     /* every rule */
	struct rvec generic; /* rules not in a bucket */
	struct bucket **tab; /* chained hash table, size a power of two */
	size_t tab_size;
	size_t nbuckets;
};

/* Generations are unique across collections, so a reload (a new
 * collection) is a change too. */
static uint64_t generation_seq;

static void changed(struct rules *rs)
{
	rs->generation = ++generation_seq;
}

/* ---- vectors ---- */

/* Index of NAME in V, or where it would go. */
static size_t rvec_search(const struct rvec *v, const char *name, bool *ret_found)
{
	size_t lo = 0, hi = v->n;

	*ret_found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->v[mid]->name, name);

		if (c == 0) {
			*ret_found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int rvec_reserve(struct rvec *v, size_t more)
{
	struct rule **n;
	size_t cap;

	if (v->n + more <= v->cap)
		return 0;
	cap = v->cap ? v->cap * 2 : 4;
	while (cap < v->n + more)
		cap *= 2;
	n = realloc(v->v, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->v = n;
	v->cap = cap;
	return 0;
}

/* Capacity must have been reserved. */
static void rvec_insert(struct rvec *v, struct rule *r)
{
	bool found;
	size_t pos = rvec_search(v, r->name, &found);

	if (found) {
		v->v[pos] = r;
		return;
	}
	memmove(v->v + pos + 1, v->v + pos, (v->n - pos) * sizeof(*v->v));
	v->v[pos] = r;
	v->n++;
}

static void rvec_remove(struct rvec *v, const char *name)
{
	bool found;
	size_t pos = rvec_search(v, name, &found);

	if (!found)
		return;
	memmove(v->v + pos, v->v + pos + 1, (v->n - pos - 1) * sizeof(*v->v));
	v->n--;
}

/* Drop the rules that expired by NOW, keeping the order. */
static void rvec_prune(struct rvec *v, time_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < v->n; i++)
		if (rule_live(v->v[i], now))
			v->v[j++] = v->v[i];
	v->n = j;
}

/* ---- the executable index ---- */

static bool op_is_path_eq(const struct rule_op *op)
{
	return op->type == OP_SIMPLE && op->operand == OPD_PROC_PATH;
}

/* The path a rule is indexed under, or NULL: only when every connection it
 * matches must have that path (a list matches only if all its items do). */
static const char *index_path(const struct rule *r)
{
	if (op_is_path_eq(&r->op))
		return r->op.data;
	if (r->op.type == OP_LIST)
		for (size_t i = 0; i < r->op.nlist; i++)
			if (op_is_path_eq(&r->op.list[i]))
				return r->op.list[i].data;
	return NULL;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)lower(*s)) * 0x100000001b3ULL;
	return h;
}

static bool key_eq(const char *key, const char *path)
{
	for (; *key && lower(*path) == *key; key++, path++)
		;
	return !*key && !*path;
}

static struct bucket **bucket_slot(const struct rules *rs, const char *path, uint64_t h)
{
	struct bucket **b;

	if (!rs->tab_size)
		return NULL;
	for (b = &rs->tab[h & (rs->tab_size - 1)]; *b; b = &(*b)->next)
		if ((*b)->hash == h && key_eq((*b)->key, path))
			return b;
	return b;
}

static struct bucket *bucket_find(const struct rules *rs, const char *path)
{
	struct bucket **b = bucket_slot(rs, path, path_hash(path));

	return b ? *b : NULL;
}

static int table_grow(struct rules *rs)
{
	size_t size = rs->tab_size ? rs->tab_size * 2 : 64;
	struct bucket **tab = calloc(size, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < rs->tab_size; i++) {
		struct bucket *b = rs->tab[i], *next;

		for (; b; b = next) {
			next = b->next;
			b->next = tab[b->hash & (size - 1)];
			tab[b->hash & (size - 1)] = b;
		}
	}
	free(rs->tab);
	rs->tab = tab;
	rs->tab_size = size;
	return 0;
}

static struct bucket *bucket_get(struct rules *rs, const char *path)
{
	uint64_t h = path_hash(path);
	struct bucket **slot, *b;
	size_t len = strlen(path);

	slot = bucket_slot(rs, path, h);
	if (slot && *slot)
		return *slot;
	if (rs->nbuckets >= rs->tab_size) {
		if (table_grow(rs) < 0)
			return NULL;
		slot = bucket_slot(rs, path, h);
	}
	b = calloc(1, sizeof(*b) + len + 1);
	if (!b)
		return NULL;
	for (size_t i = 0; i < len; i++)
		b->key[i] = lower(path[i]);
	b->hash = h;
	*slot = b;
	rs->nbuckets++;
	return b;
}

static void bucket_drop_if_empty(struct rules *rs, struct bucket *b)
{
	struct bucket **slot;

	if (b->rules.n)
		return;
	slot = bucket_slot(rs, b->key, b->hash);
	*slot = b->next;
	rs->nbuckets--;
	free(b->rules.v);
	free(b);
}

/* The vector R belongs in besides 'all' (creating its bucket). */
static struct rvec *home_of(struct rules *rs, const struct rule *r, struct bucket **ret_bucket)
{
	const char *path = index_path(r);
	struct bucket *b;

	*ret_bucket = NULL;
	if (!path)
		return &rs->generic;
	b = bucket_get(rs, path);
	if (!b)
		return NULL;
	*ret_bucket = b;
	return &b->rules;
}

/* The vector R is in besides 'all'. */
static struct rvec *home_find(struct rules *rs, const struct rule *r)
{
	const char *path = index_path(r);
	struct bucket *b;

	if (!path)
		return &rs->generic;
	b = bucket_find(rs, path);
	return b ? &b->rules : NULL;
}

/* Take R out of the index (not out of 'all'). */
static void unindex(struct rules *rs, const struct rule *r)
{
	const char *path = index_path(r);
	struct bucket *b;

	if (!path) {
		rvec_remove(&rs->generic, r->name);
		return;
	}
	b = bucket_find(rs, path);
	if (!b)
		return;
	rvec_remove(&b->rules, r->name);
	bucket_drop_if_empty(rs, b);
}

/* ---- the collection ---- */

struct rules *rules_new(void)
{
	struct rules *rs = calloc(1, sizeof(struct rules));

	if (rs)
		changed(rs);
	return rs;
}

uint64_t rules_generation(const struct rules *rs)
{
	return rs->generation;
}

/* Does OP look only at the executable path, the user, the destination
 * address, port and protocol? (dest.host and lists change with DNS and list
 * files, iface.out with routes, the others with the process or source.) */
static bool op_keyed(const struct rule_op *op)
{
	if (op->type == OP_LISTS)
		return false;
	switch (op->operand) {
	case OPD_TRUE:
	case OPD_PROC_PATH:
	case OPD_USER_ID:
	case OPD_USER_NAME:
	case OPD_DST_IP:
	case OPD_DST_PORT:
	case OPD_DST_NET:
	case OPD_PROTO:
		return true;
	case OPD_LIST:
		for (size_t i = 0; i < op->nlist; i++)
			if (!op_keyed(&op->list[i]))
				return false;
		return true;
	default:
		return false;
	}
}

bool rules_decision_is_keyed(const struct rules *rs, time_t now, time_t *ret_until)
{
	time_t until = 0;

	for (size_t i = 0; i < rs->all.n; i++) {
		const struct rule *r = rs->all.v[i];

		if (!r->enabled || !rule_live(r, now))
			continue;
		if (!op_keyed(&r->op))
			return false;
		if (r->expires && (until == 0 || r->expires < until))
			until = r->expires;
	}
	*ret_until = until;
	return true;
}

void rules_free(struct rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->all.n; i++)
		rule_free(rs->all.v[i]);
	for (size_t i = 0; i < rs->tab_size; i++) {
		struct bucket *b = rs->tab[i], *next;

		for (; b; b = next) {
			next = b->next;
			free(b->rules.v);
			free(b);
		}
	}
	free(rs->tab);
	free(rs->all.v);
	free(rs->generic.v);
	free(rs);
}

int rules_add(struct rules *rs, struct rule *r)
{
	struct bucket *b = NULL;
	struct rvec *home;
	struct rule *old = NULL;
	bool found;
	size_t pos;
	int ret;

	if (!r)
		return -EINVAL;
	pos = rvec_search(&rs->all, r->name, &found);
	if (found) {
		old = rs->all.v[pos];
	} else if (rs->all.n >= RULES_MAX) {
		ret = -ENOSPC;
		goto fail;
	}
	/* Reserve everything first so a failure leaves the collection as it was. */
	home = home_of(rs, r, &b);
	if (!home || rvec_reserve(&rs->all, 1) < 0 || rvec_reserve(home, 1) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	/* A rule replaced in the same home is overwritten in place below;
	 * from another home it leaves (that can free its bucket, never B). */
	if (old && home_find(rs, old) != home)
		unindex(rs, old);
	rvec_insert(&rs->all, r);
	rvec_insert(home, r);
	rule_free(old);
	changed(rs);
	return 0;
fail:
	if (b)
		bucket_drop_if_empty(rs, b);
	rule_free(r);
	return ret;
}

int rules_remove(struct rules *rs, const char *name)
{
	bool found;
	size_t pos = rvec_search(&rs->all, name, &found);
	struct rule *r;

	if (!found)
		return -ENOENT;
	r = rs->all.v[pos];
	unindex(rs, r);
	rvec_remove(&rs->all, name);
	rule_free(r);
	changed(rs);
	return 0;
}

int rules_set_enabled(struct rules *rs, const char *name, bool on)
{
	bool found;
	size_t pos = rvec_search(&rs->all, name, &found);

	if (!found)
		return -ENOENT;
	rs->all.v[pos]->enabled = on;
	changed(rs);
	return 0;
}

const struct rule *rules_lookup(const struct rules *rs, const char *name)
{
	bool found;
	size_t pos = rvec_search(&rs->all, name, &found);

	return found ? rs->all.v[pos] : NULL;
}

size_t rules_count(const struct rules *rs)
{
	return rs->all.n;
}

size_t rules_prune_expired(struct rules *rs, time_t now)
{
	size_t before = rs->all.n, j = 0;
	struct rule **dead;

	/* One pass per vector: removing one by one would be quadratic. */
	dead = malloc((before ? before : 1) * sizeof(*dead));
	if (!dead)
		return 0;
	for (size_t i = 0; i < rs->all.n; i++)
		if (!rule_live(rs->all.v[i], now))
			dead[j++] = rs->all.v[i];
	if (j) {
		rvec_prune(&rs->all, now);
		rvec_prune(&rs->generic, now);
		for (size_t i = 0; i < rs->tab_size; i++) {
			struct bucket *b = rs->tab[i], *next;

			for (; b; b = next) {
				next = b->next;
				rvec_prune(&b->rules, now);
				bucket_drop_if_empty(rs, b);
			}
		}
		for (size_t i = 0; i < j; i++)
			rule_free(dead[i]);
		changed(rs);
	}
	free(dead);
	return j;
}

json_t *rules_to_json(const struct rules *rs)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < rs->all.n; i++) {
		if (json_array_append_new(arr, rule_to_json(rs->all.v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

const struct rule *rules_match(const struct rules *rs, const struct conn *c, time_t now)
{
	static const struct rvec none;
	const struct bucket *b = bucket_find(rs, conn_proc_path(c));
	const struct rvec *x = b ? &b->rules : &none, *g = &rs->generic;
	const struct rule *last = NULL, *r;
	size_t i = 0, j = 0;

	/* Merge the two name-ordered vectors: the same order as one linear
	 * scan over every rule, skipping only rules that cannot match. */
	while (i < x->n || j < g->n) {
		if (j >= g->n || (i < x->n && strcmp(x->v[i]->name, g->v[j]->name) < 0))
			r = x->v[i++];
		else
			r = g->v[j++];
		if (!rule_match(r, c, now))
			continue;
		if (r->action != ACTION_ALLOW || r->precedence)
			return r;
		last = r;
	}
	return last;
}

int rules_move_volatile(struct rules *dst, const struct rules *src, time_t now)
{
	int moved = 0, r;

	/* Copies, so that on failure SRC is intact and the caller can keep
	 * using it; SRC is about to be freed on success anyway. */
	for (size_t i = 0; i < src->all.n; i++) {
		const struct rule *rule = src->all.v[i];
		struct rule *copy;

		if (rule->in_file || rule_is_persistent(rule) || !rule_live(rule, now))
			continue;
		copy = rule_clone(rule);
		if (!copy)
			return -ENOMEM;
		r = rules_add(dst, copy);
		if (r < 0)
			return r;
		moved++;
	}
	return moved;
}

/* OP itself, or the item of its top-level list, that is a simple
 * comparison of OPD; NULL if none. */
static const struct rule_op *simple_item(const struct rule_op *op, enum operand opd)
{
	if (op->type == OP_SIMPLE && op->operand == opd)
		return op;
	if (op->operand != OPD_LIST)
		return NULL;
	for (size_t i = 0; i < op->nlist; i++)
		if (op->list[i].type == OP_SIMPLE && op->list[i].operand == opd)
			return &op->list[i];
	return NULL;
}

const struct rule *rules_pinned_sha256(const struct rules *rs, const char *path,
				       const char *sha256, const char **ret_pinned)
{
	for (size_t i = 0; i < rs->all.n; i++) {
		const struct rule *r = rs->all.v[i];
		const struct rule_op *p = simple_item(&r->op, OPD_PROC_PATH);
		const struct rule_op *h = simple_item(&r->op, OPD_PROC_SHA256);

		if (!p || !h || strcmp(p->data, path) != 0)
			continue;
		if (sha256 && strcasecmp(h->data, sha256) == 0)
			continue;
		*ret_pinned = h->data;
		return r;
	}
	return NULL;
}
