/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services: /etc/services parser and lookup. See services.h. */
#include "procctx/services.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/readfile.h"

enum { P_TCP, P_UDP, P_SCTP, P_DCCP };

struct svc {
	uint16_t port;
	uint8_t proto;
	uint32_t seq;                       /* line order, so the first line wins */
	char name[SERVICES_NAME_MAX + 1];
};

struct services {
	struct svc *v;
	size_t n;
};

static const struct {
	const char *name;
	uint8_t proto;
} proto_tbl[] = {
	{ "tcp", P_TCP },
	{ "udp", P_UDP },
	{ "sctp", P_SCTP },
	{ "dccp", P_DCCP },
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next whitespace-separated token in [*p, end), stopping at '#'. */
static bool next_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len)
{
	const char *s = *p, *t;

	while (s < end && is_space(*s))
		s++;
	if (s == end || *s == '#')
		return false;
	t = s;
	while (t < end && !is_space(*t) && *t != '#')
		t++;
	*ret_tok = s;
	*ret_len = (size_t)(t - s);
	*p = t;
	return true;
}

/* "443/tcp" -> port, proto. */
static bool parse_port_proto(const char *s, size_t n, uint16_t *ret_port, uint8_t *ret_proto)
{
	uint32_t port = 0;
	size_t i = 0;

	if (n == 0 || s[0] < '0' || s[0] > '9')
		return false;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		port = port * 10 + (uint32_t)(s[i] - '0');
		if (port > 65535)
			return false;
	}
	if (i == n || s[i] != '/')
		return false;
	i++;
	for (size_t k = 0; k < sizeof(proto_tbl) / sizeof(proto_tbl[0]); k++) {
		size_t l = strlen(proto_tbl[k].name);

		if (n - i == l && strncasecmp(s + i, proto_tbl[k].name, l) == 0) {
			*ret_port = (uint16_t)port;
			*ret_proto = proto_tbl[k].proto;
			return true;
		}
	}
	return false;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int services_parse(const char *buf, size_t len, struct services **ret)
{
	struct services *s = NULL;
	const char *p = buf, *end = buf + len;
	size_t cap = 0;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *q = p, *name, *pp;
		size_t nname, npp;
		uint16_t port;
		uint8_t proto;

		p = eol ? eol + 1 : end;
		if (!next_token(&q, le, &name, &nname) || !next_token(&q, le, &pp, &npp))
			continue;
		if (nname > SERVICES_NAME_MAX || memchr(name, '\0', nname))
			continue;
		if (!parse_port_proto(pp, npp, &port, &proto))
			continue;
		if (s->n == SERVICES_MAX_ENTRIES)
			break;
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			struct svc *v = realloc(s->v, ncap * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				goto cleanup;
			}
			s->v = v;
			cap = ncap;
		}
		s->v[s->n].port = port;
		s->v[s->n].proto = proto;
		s->v[s->n].seq = (uint32_t)s->n;
		memcpy(s->v[s->n].name, name, nname);
		s->v[s->n].name[nname] = '\0';
		s->n++;
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), svc_cmp);
	/* Drop later duplicates of a port/proto: the first line in the file wins. */
	if (s->n) {
		size_t w = 1;

		for (size_t i = 1; i < s->n; i++)
			if (s->v[i].port != s->v[w - 1].port || s->v[i].proto != s->v[w - 1].proto)
				s->v[w++] = s->v[i];
		s->n = w;
	}
	*ret = s;
	s = NULL;
	r = 0;
cleanup:
	services_free(s);
	return r;
}

int services_load(const char *path, struct services **ret)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	r = read_file_at(AT_FDCWD, path ? path : "/etc/services", SERVICES_MAX_FILE, &buf, &cap,
			 &len);
	if (r == 0)
		r = services_parse(buf, len, ret);
	free(buf);
	return r;
}

void services_free(struct services *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

size_t services_count(const struct services *s)
{
	return s->n;
}

int services_lookup(const struct services *s, uint16_t port, int ipproto, const char **ret_name)
{
	struct svc key = { .port = port };
	size_t lo = 0, hi = s->n;

	switch (ipproto) {
	case IPPROTO_TCP:
		key.proto = P_TCP;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		key.proto = P_UDP;
		break;
	case IPPROTO_SCTP:
		key.proto = P_SCTP;
		break;
	case IPPROTO_DCCP:
		key.proto = P_DCCP;
		break;
	default:
		return -ENOENT;
	}
	/* Entries are unique per (port, proto) after parse, so seq plays no part here. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct svc *v = &s->v[mid];

		if (v->port < key.port || (v->port == key.port && v->proto < key.proto)) {
			lo = mid + 1;
		} else if (v->port == key.port && v->proto == key.proto) {
			*ret_name = v->name;
			return 0;
		} else {
			hi = mid;
		}
	}
	return -ENOENT;
}
