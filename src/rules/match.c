/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operators: what each operand reads from a connection, how each type
 * compares it, and compiling a rule's data once at load time so matching
 * does no parsing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rules/rule-int.h"

/* A pathological pattern must not stall the verdict path: cap the work of
 * one match (an exhausted limit counts as no match). */
#define RE_MATCH_LIMIT 100000
#define RE_DEPTH_LIMIT 10000
#define RE_HEAP_LIMIT_KIB 4096

enum value_kind { V_NONE, V_STR, V_NUM, V_IP, V_NET, V_PROTO };

struct operand_def {
	const char *name;
	enum operand operand;
	enum value_kind kind;
	uint64_t max; /* V_NUM */
	const char *what; /* V_NUM: how to describe a bad number */
};

static const struct operand_def operand_tbl[] = {
	{ "true", OPD_TRUE, V_NONE, 0, NULL },
	{ "process.path", OPD_PROC_PATH, V_STR, 0, NULL },
	{ "process.command", OPD_PROC_CMD, V_STR, 0, NULL },
	{ "process.id", OPD_PROC_ID, V_NUM, INT32_MAX, "a process id" },
	{ "process.parent.path", OPD_PROC_PPATH, V_STR, 0, NULL },
	{ "user.id", OPD_USER_ID, V_NUM, UINT32_MAX - 1, "a user id" },
	{ "user.name", OPD_USER_NAME, V_STR, 0, NULL },
	{ "dest.ip", OPD_DST_IP, V_IP, 0, NULL },
	{ "dest.host", OPD_DST_HOST, V_STR, 0, NULL },
	{ "dest.port", OPD_DST_PORT, V_NUM, 65535, "a port number 0-65535" },
	{ "dest.network", OPD_DST_NET, V_NET, 0, NULL },
	{ "source.ip", OPD_SRC_IP, V_IP, 0, NULL },
	{ "source.port", OPD_SRC_PORT, V_NUM, 65535, "a port number 0-65535" },
	{ "protocol", OPD_PROTO, V_PROTO, 0, NULL },
	{ "iface.out", OPD_IFACE_OUT, V_STR, 0, NULL },
	{ "process.hash.sha256", OPD_PROC_SHA256, V_STR, 0, NULL },
	{ "process.hash.md5", OPD_PROC_MD5, V_STR, 0, NULL },
};

#define ENV_PREFIX "process.env."
#define ENV_NAME_MAX 255

/* Names as the packet module prints them (packet_proto_name). OpenSnitch
 * also writes "tcp6"/"udp6"/...: accepted, meaning that protocol over IPv6. */
static const struct {
	uint8_t num;
	const char *name;
	bool v6_form;
} proto_tbl[] = {
	{ IPPROTO_TCP, "tcp", true },	     { IPPROTO_UDP, "udp", true },
	{ IPPROTO_UDPLITE, "udplite", true }, { IPPROTO_SCTP, "sctp", true },
	{ IPPROTO_ICMP, "icmp", false },     { IPPROTO_ICMPV6, "icmpv6", false },
};

static const char *proto_name(uint8_t num)
{
	for (size_t i = 0; i < sizeof(proto_tbl) / sizeof(proto_tbl[0]); i++)
		if (proto_tbl[i].num == num)
			return proto_tbl[i].name;
	return NULL;
}

static const struct operand_def *operand_find(const char *s)
{
	for (size_t i = 0; i < sizeof(operand_tbl) / sizeof(operand_tbl[0]); i++)
		if (strcmp(operand_tbl[i].name, s) == 0)
			return &operand_tbl[i];
	return NULL;
}

__attribute__((format(printf, 5, 6))) static int bad(char *err, size_t errsz, const char *field,
							const char *sub, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "field '%s.%s': %s", field, sub, what);
	return -EINVAL;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

static bool parse_ip(const char *s, uint8_t *ret_family, union picket_addr *ret_addr)
{
	union picket_addr a;

	if (inet_pton(AF_INET, s, &a.in) == 1) {
		*ret_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.in6) == 1) {
		*ret_family = AF_INET6;
	} else {
		return false;
	}
	*ret_addr = a;
	return true;
}

/* "addr/len" or a bare address (a host network). Host bits are cleared, as
 * Go's net.ParseCIDR does for OpenSnitch. */
static bool parse_cidr(const char *s, struct rule_op *op)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	uint64_t len;
	uint8_t fam, max;
	union picket_addr a;
	uint8_t *b;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if (slash)
		buf[slash - s] = '\0';
	if (!parse_ip(buf, &fam, &a))
		return false;
	max = fam == AF_INET ? 32 : 128;
	len = max;
	if (slash && !parse_u64(slash + 1, max, &len))
		return false;
	b = fam == AF_INET ? (uint8_t *)&a.in : a.in6.s6_addr;
	for (unsigned i = (unsigned)len; i < max; i++)
		b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	op->family = fam;
	op->prefix = (uint8_t)len;
	op->addr = a;
	return true;
}

static bool parse_proto(const char *s, struct rule_op *op)
{
	uint64_t n;

	for (size_t i = 0; i < sizeof(proto_tbl) / sizeof(proto_tbl[0]); i++) {
		size_t l = strlen(proto_tbl[i].name);

		if (strcasecmp(s, proto_tbl[i].name) == 0) {
			op->proto = proto_tbl[i].num;
			op->family = 0;
			return true;
		}
		if (proto_tbl[i].v6_form && strncasecmp(s, proto_tbl[i].name, l) == 0 &&
		    strcmp(s + l, "6") == 0) {
			op->proto = proto_tbl[i].num;
			op->family = AF_INET6;
			return true;
		}
	}
	if (!parse_u64(s, 255, &n))
		return false;
	op->proto = (uint8_t)n;
	op->family = 0;
	return true;
}

static pcre2_match_context *match_ctx(void)
{
	/* Shared by every regexp; the module is single-threaded by contract. */
	static pcre2_match_context *ctx;

	if (!ctx) {
		ctx = pcre2_match_context_create(NULL);
		if (!ctx)
			return NULL;
		pcre2_set_match_limit(ctx, RE_MATCH_LIMIT);
		pcre2_set_depth_limit(ctx, RE_DEPTH_LIMIT);
		pcre2_set_heap_limit(ctx, RE_HEAP_LIMIT_KIB);
	}
	return ctx;
}

static int compile_regexp(struct rule_op *op, const char *field, char *err, size_t errsz)
{
	uint32_t opts = PCRE2_NEVER_BACKSLASH_C | (op->sensitive ? 0 : PCRE2_CASELESS);
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[128];

	if (!match_ctx())
		return -ENOMEM;
	op->re = pcre2_compile((PCRE2_SPTR)op->data, strlen(op->data), opts, &code, &off, NULL);
	if (!op->re) {
		if (code == PCRE2_ERROR_NOMEMORY)
			return -ENOMEM;
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errsz, "field '%s.data': bad regexp at offset %zu: %s", field,
			 (size_t)off, (const char *)msg);
		return -EINVAL;
	}
	/* JIT is an optimisation only: without it (no executable memory
	 * allowed, say) the interpreter gives the same answers. */
	(void)pcre2_jit_compile(op->re, PCRE2_JIT_COMPLETE);
	op->md = pcre2_match_data_create(1, NULL);
	if (!op->md)
		return -ENOMEM;
	return 0;
}

/* type lists: the operand names the kind, data the directory of list files. */
static int compile_lists(struct rule_op *op, const char *field, char *err, size_t errsz)
{
	static const struct {
		const char *name;
		enum list_kind kind;
		enum operand operand;
	} tbl[] = {
		{ "lists.domains", LIST_DOMAINS, OPD_LISTS_DOMAINS },
		{ "lists.domains_regexp", LIST_DOMAINS_REGEXP, OPD_LISTS_DOMAINS_RE },
		{ "lists.ips", LIST_IPS, OPD_LISTS_IPS },
		{ "lists.nets", LIST_NETS, OPD_LISTS_NETS },
	};
	char qbuf[RULE_QUOTE_MAX];
	size_t i;
	int r;

	if (strncmp(op->operand_text, "lists.", 6) != 0)
		return bad(err, errsz, field, "type", "lists needs a lists.* operand, got \"%s\"",
			   rule_quote(op->operand_text, qbuf));
	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
		if (strcmp(op->operand_text, tbl[i].name) == 0)
			break;
	if (i == sizeof(tbl) / sizeof(tbl[0]))
		return bad(err, errsz, field, "operand",
			   "expected lists.domains, lists.domains_regexp, lists.ips or lists.nets, got \"%s\"",
			   rule_quote(op->operand_text, qbuf));
	if (op->type != OP_LISTS)
		return bad(err, errsz, field, "type", "%s needs type lists", tbl[i].name);
	if (op->data[0] != '/')
		return bad(err, errsz, field, "data",
			   "expected the absolute path of a directory of list files, got \"%s\"",
			   rule_quote(op->data, qbuf));
	r = list_get(op->data, tbl[i].kind, &op->lists);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return bad(err, errsz, field, "data", "cannot read the list directory \"%s\": %s",
			   rule_quote(op->data, qbuf), strerror(-r));
	op->operand = tbl[i].operand;
	return 0;
}

int op_compile(struct rule_op *op, const char *field, char *err, size_t errsz)
{
	char qbuf[RULE_QUOTE_MAX];
#define Q(x) rule_quote((x), qbuf)
	const struct operand_def *def;
	const char *s = op->operand_text;

	if (op->type == OP_LIST) {
		if (*s && strcmp(s, "list") != 0)
			return bad(err, errsz, field, "operand",
				   "type list expects operand \"list\", got \"%s\"", Q(s));
		op->operand = OPD_LIST;
		return 0;
	}
	if (op->type == OP_LISTS || strncmp(s, "lists.", 6) == 0)
		return compile_lists(op, field, err, errsz);
	if (strncmp(s, ENV_PREFIX, strlen(ENV_PREFIX)) == 0) {
		const char *name = s + strlen(ENV_PREFIX);

		if (!*name || strlen(name) > ENV_NAME_MAX || strchr(name, '='))
			return bad(err, errsz, field, "operand",
				   "expected process.env.NAME with a NAME of 1-255 bytes and no '=', got \"%s\"",
				   Q(s));
		op->operand = OPD_PROC_ENV;
		op->env_name = name;
		def = NULL;
	} else {
		def = operand_find(s);
		if (!def)
			return bad(err, errsz, field, "operand",
				   "unknown operand \"%s\" (expected true, process.path, process.command, "
				   "process.id, process.parent.path, process.env.NAME, user.id, user.name, "
				   "dest.ip, dest.host, dest.port, dest.network, source.ip, source.port, "
				   "protocol, iface.out, process.hash.sha256 or process.hash.md5)",
				   Q(s));
		op->operand = def->operand;
	}

	if (op->operand == OPD_TRUE)
		return 0; /* data is not looked at */
	if (op->type == OP_NETWORK) {
		if (op->operand != OPD_DST_IP && op->operand != OPD_DST_NET &&
		    op->operand != OPD_SRC_IP)
			return bad(err, errsz, field, "type",
				   "network works with dest.network, dest.ip or source.ip, not \"%s\"", Q(s));
		if (!parse_cidr(op->data, op))
			return bad(err, errsz, field, "data",
				   "expected a network such as 10.0.0.0/8 or fd00::/8, got \"%s\"",
				   Q(op->data));
		return 0;
	}
	if (op->operand == OPD_DST_NET)
		return bad(err, errsz, field, "type", "dest.network needs type network, got \"%s\"",
			   op->type == OP_SIMPLE ? "simple" : "regexp");
	if (op->type == OP_REGEXP)
		return compile_regexp(op, field, err, errsz);

	/* OP_SIMPLE: validate and pre-parse so matching compares binary values. */
	switch (def ? def->kind : V_STR) {
	case V_NUM:
		if (!parse_u64(op->data, def->max, &op->num)) {
			snprintf(err, errsz, "field '%s.data': expected %s, got \"%s\"", field,
				 def->what, Q(op->data));
			return -EINVAL;
		}
		break;
	case V_IP:
		if (!parse_ip(op->data, &op->family, &op->addr))
			return bad(err, errsz, field, "data", "expected an IP address, got \"%s\"",
				   Q(op->data));
		break;
	case V_PROTO:
		if (!parse_proto(op->data, op))
			return bad(err, errsz, field, "data",
				   "expected a protocol (tcp, udp, udplite, sctp, icmp, icmpv6, "
				   "tcp6, udp6, ... or a number 0-255), got \"%s\"",
				   Q(op->data));
		break;
	default:
		if (op->operand == OPD_PROC_SHA256 || op->operand == OPD_PROC_MD5) {
			size_t want = op->operand == OPD_PROC_SHA256 ? 64 : 32;

			if (strlen(op->data) != want || strspn(op->data, "0123456789abcdefABCDEF") != want)
				return bad(err, errsz, field, "data", "expected %zu hex digits, got \"%s\"",
					   want, Q(op->data));
		}
		break;
	}
	return 0;
#undef Q
}

void op_release(struct rule_op *op)
{
	if (!op)
		return;
	for (size_t i = 0; i < op->nlist; i++)
		op_release(&op->list[i]);
	free(op->list);
	list_put(op->lists);
	pcre2_match_data_free(op->md);
	pcre2_code_free(op->re);
	free(op->operand_text);
	free(op->data);
	memset(op, 0, sizeof(*op));
}

const char *conn_proc_path(const struct conn *c)
{
	return c->proc ? c->proc->path : PROC_UNKNOWN_PATH;
}

/* The value of NAME in the process environment (not NUL-terminated when the
 * kept environment was truncated inside it: hence the length). */
static const char *env_value(const struct proc_info *p, const char *name, size_t *ret_len)
{
	size_t nlen = strlen(name);
	const char *e = p->environ, *end = p->environ + p->environ_len;

	if (!e)
		return NULL;
	while (e < end) {
		const char *nul = memchr(e, '\0', (size_t)(end - e));
		size_t l = nul ? (size_t)(nul - e) : (size_t)(end - e);

		if (l > nlen && e[nlen] == '=' && memcmp(e, name, nlen) == 0) {
			*ret_len = l - nlen - 1;
			return e + nlen + 1;
		}
		e += l + 1;
	}
	return NULL;
}

static bool str_match(const struct rule_op *op, const char *v, size_t len)
{
	int rc;

	if (op->type == OP_REGEXP) {
		rc = pcre2_match(op->re, (PCRE2_SPTR)v, len, 0, 0, op->md, match_ctx());
		return rc >= 0;
	}
	if (strlen(op->data) != len)
		return false;
	return op->sensitive ? memcmp(op->data, v, len) == 0 : strncasecmp(op->data, v, len) == 0;
}

static bool cstr_match(const struct rule_op *op, const char *v)
{
	return v && str_match(op, v, strlen(v));
}

static bool num_match(const struct rule_op *op, uint64_t v)
{
	char buf[24];

	if (op->type == OP_SIMPLE)
		return op->num == v;
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cstr_match(op, buf);
}

static bool addr_match(const struct rule_op *op, uint8_t family, const union picket_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	const uint8_t *x, *y;
	unsigned full, rest;

	switch (op->type) {
	case OP_SIMPLE:
		if (family != op->family)
			return false;
		return family == AF_INET ? memcmp(&a->in, &op->addr.in, 4) == 0 :
					   memcmp(&a->in6, &op->addr.in6, 16) == 0;
	case OP_NETWORK:
		if (family != op->family)
			return false;
		x = family == AF_INET ? (const uint8_t *)&a->in : a->in6.s6_addr;
		y = family == AF_INET ? (const uint8_t *)&op->addr.in : op->addr.in6.s6_addr;
		full = op->prefix / 8;
		rest = op->prefix % 8;
		if (memcmp(x, y, full) != 0)
			return false;
		return !rest || ((x[full] ^ y[full]) & (uint8_t)(0xff00u >> rest)) == 0;
	default:
		if (!inet_ntop(family, a, buf, sizeof(buf)))
			return false;
		return cstr_match(op, buf);
	}
}

static bool proto_match(const struct rule_op *op, const struct flow *f)
{
	const char *name;
	char buf[16];

	if (op->type == OP_SIMPLE)
		return op->proto == f->proto && (!op->family || op->family == f->family);
	name = proto_name(f->proto);
	if (!name) {
		snprintf(buf, sizeof(buf), "%u", f->proto);
		return cstr_match(op, buf);
	}
	if (cstr_match(op, name))
		return true;
	/* OpenSnitch's names for IPv6 flows, so its regexps keep working. */
	if (f->family == AF_INET6 && f->proto != IPPROTO_ICMP && f->proto != IPPROTO_ICMPV6) {
		snprintf(buf, sizeof(buf), "%s6", name);
		return cstr_match(op, buf);
	}
	return false;
}

bool op_match(const struct rule_op *op, const struct conn *c)
{
	const struct proc_info *p = c->proc;
	const char *v;
	size_t len;

	switch (op->operand) {
	case OPD_TRUE:
		return true;
	case OPD_LIST:
		for (size_t i = 0; i < op->nlist; i++)
			if (!op_match(&op->list[i], c))
				return false;
		return op->nlist > 0;
	case OPD_PROC_PATH:
		return cstr_match(op, conn_proc_path(c));
	case OPD_PROC_CMD:
		return p && cstr_match(op, p->cmdline);
	case OPD_PROC_ID:
		return p && num_match(op, (uint64_t)p->pid);
	case OPD_PROC_PPATH:
		return p && p->parent_path[0] && cstr_match(op, p->parent_path);
	case OPD_PROC_ENV:
		if (!p)
			return false;
		v = env_value(p, op->env_name, &len);
		return v && str_match(op, v, len);
	case OPD_USER_ID:
		if (c->has_uid)
			return num_match(op, c->uid);
		return p && num_match(op, p->uid);
	case OPD_USER_NAME:
		return cstr_match(op, c->user_name);
	case OPD_DST_IP:
	case OPD_DST_NET:
		return addr_match(op, c->flow.family, &c->flow.dst);
	case OPD_SRC_IP:
		return addr_match(op, c->flow.family, &c->flow.src);
	case OPD_DST_HOST:
		return cstr_match(op, c->dst_host);
	case OPD_DST_PORT:
		return flow_has_ports(&c->flow) && num_match(op, c->flow.dport);
	case OPD_SRC_PORT:
		return flow_has_ports(&c->flow) && num_match(op, c->flow.sport);
	case OPD_PROTO:
		return proto_match(op, &c->flow);
	case OPD_IFACE_OUT:
		return c->iface_out[0] && cstr_match(op, c->iface_out);
	case OPD_PROC_SHA256:
	case OPD_PROC_MD5:
		/* A list stops at its first mismatch: rules made from prompts
		 * put the hash last, so other executables never pay for it. */
		return p && c->exe_digest &&
		       cstr_match(op, c->exe_digest(c, op->operand == OPD_PROC_SHA256 ? CONN_SHA256
											   : CONN_MD5));
	case OPD_LISTS_DOMAINS:
	case OPD_LISTS_DOMAINS_RE:
		return c->dst_host && list_match_host(op->lists, c->dst_host);
	case OPD_LISTS_IPS:
	case OPD_LISTS_NETS:
		return list_match_addr(op->lists, c->flow.family, &c->flow.dst);
	}
	return false;
}
