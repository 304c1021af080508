/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Private to src/rules: the layout of a parsed rule, shared by rule.c
 * (JSON), match.c (operators) and rules.c (collection).
 */
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/conn.h"
#include "rules/lists.h"
#include "rules/rule.h"

enum op_type { OP_SIMPLE, OP_REGEXP, OP_LIST, OP_NETWORK, OP_LISTS };

enum operand {
	OPD_TRUE,
	OPD_PROC_PATH,
	OPD_PROC_CMD,
	OPD_PROC_ID,
	OPD_PROC_PPATH,
	OPD_PROC_ENV, /* process.env.NAME */
	OPD_USER_ID,
	OPD_USER_NAME,
	OPD_DST_IP,
	OPD_DST_HOST,
	OPD_DST_PORT,
	OPD_DST_NET,
	OPD_SRC_IP,
	OPD_SRC_PORT,
	OPD_PROTO,
	OPD_IFACE_OUT,
	OPD_PROC_SHA256, /* process.hash.sha256 */
	OPD_PROC_MD5,    /* process.hash.md5 (OpenSnitch's) */
	OPD_LIST, /* the operand of a type list operator */
	OPD_LISTS_DOMAINS, /* type lists: dest.host in a domain list */
	OPD_LISTS_DOMAINS_RE,
	OPD_LISTS_IPS,     /* dest.ip in an address list */
	OPD_LISTS_NETS,
};

enum rule_duration { DUR_ONCE, DUR_RESTART, DUR_ALWAYS, DUR_TIMED };

struct rule_op {
	enum op_type type;
	enum operand operand;
	bool sensitive;
	char *operand_text; /* as written, e.g. "process.env.HOME" */
	char *data;         /* as written; "" when absent */

	/* compiled by op_compile() */
	const char *env_name; /* points into operand_text */
	uint64_t num;         /* numeric simple compare: port, pid, uid */
	uint8_t family;       /* ip/network; protocol: 0 = any family */
	uint8_t prefix;       /* network prefix length */
	uint8_t proto;        /* protocol number */
	union picket_addr addr;
	pcre2_code *re;
	pcre2_match_data *md; /* scratch for re; why rules aren't thread-safe */
	struct rule_op *list;
	size_t nlist;
	struct list *lists; /* type lists: shared, one reference (lists.h) */
};

struct rule {
	char *name;
	char *description;
	time_t created;
	time_t updated;
	bool enabled;
	bool precedence;
	bool nolog;
	bool in_file; /* loaded by rules_load_dir */
	enum action action;
	enum rule_duration dur;
	char *duration; /* text as written */
	time_t expires; /* 0 = never */
	struct rule_op op;
};

/* match.c */
/* Check OP's data against its operand and type and compile it. FIELD names
 * the operator in messages ("operator", "operator.list[1]"). -EINVAL + ERR. */
int op_compile(struct rule_op *op, const char *field, char *err, size_t errsz);
void op_release(struct rule_op *op);
bool op_match(const struct rule_op *op, const struct conn *c);
/* Path the process.path operand sees for C. */
const char *conn_proc_path(const struct conn *c);

/* rule.c */
/* Unexpired (enabled-ness is not looked at). */
bool rule_live(const struct rule *r, time_t now);
/* quote.c */
/* S made fit for a one-line message: at most ~80 bytes, non-printable bytes
 * and quotes as '?', "..." when cut. Returns BUF. */
#define RULE_QUOTE_MAX 88
const char *rule_quote(const char *s, char buf[RULE_QUOTE_MAX]);
