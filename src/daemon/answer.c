/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule an answer to a prompt makes: its operator from the scope, and a
 * readable name that is not in use (allow-usr-bin-curl-example-org).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "control/vocab.h"
#include "daemon/answer.h"
#include "daemon/daemon.h"
#include "packet/packet.h"
#include "rules/rules.h"

#define RULE_BASE_MAX 200 /* bytes of a generated rule name before any -N suffix */

/* Lower case, [a-z0-9] kept, anything else one '-', appended to OUT. */
static void slug_append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);

	for (; *s && n + 1 < size; s++) {
		char ch = *s;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[n++] = ch;
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

/* strcat within SIZE (cut, never past it). */
static void append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, size - n, "%s", s);
}

static json_t *simple_op(const char *operand, json_t *data)
{
	return json_pack("{s:s,s:s,s:o}", "type", "simple", "operand", operand, "data", data);
}

int answer_rule(struct daemon *d, const struct answer_target *t, const char *action,
		const char *duration, const char *scope, bool pin, uint64_t uid, struct rule **ret,
		char *err, size_t errsz)
{
	const struct flow *f = t->flow;
	const char *path = t->path;
	char base[RULE_BASE_MAX + 1] = "", name[RULE_NAME_MAX + 1], ip[INET6_ADDRSTRLEN], desc[160];
	json_t *items = json_array(), *op, *obj;
	int r, sc = prompt_scope_from_name(scope);

	if (sc < 0) {
		snprintf(err, errsz, "scope %s: not a scope", scope);
		json_decref(items);
		return -EINVAL;
	}
	/* "unknown" stands for every flow no process could be found for: a
	 * lasting rule on it alone would decide all of those, whatever they
	 * are. Only narrowed to a destination. */
	if (!t->known && (sc == PROMPT_SCOPE_EXE || sc == PROMPT_SCOPE_CMDLINE)) {
		snprintf(err, errsz,
			 "scope %s: the process is not known; a lasting rule needs exe+host, "
			 "exe+ip or exe+port (or answer once)",
			 scope);
		json_decref(items);
		return -EINVAL;
	}
	snprintf(base, sizeof(base), "%s-", action);
	slug_append(base, sizeof(base), path);
	json_array_append_new(items, simple_op("process.path", json_string(path)));
	switch ((enum prompt_scope)sc) {
	case PROMPT_SCOPE_EXE:
		break;
	case PROMPT_SCOPE_HOST:
		if (!t->host) {
			snprintf(err, errsz, "scope exe+host: the destination has no host name");
			json_decref(items);
			return -EINVAL;
		}
		json_array_append_new(items, simple_op("dest.host", json_string(t->host)));
		append(base, sizeof(base), "-");
		slug_append(base, sizeof(base), t->host);
		break;
	case PROMPT_SCOPE_IP:
		flow_addr_str(f->family, &f->dst, ip, sizeof(ip));
		json_array_append_new(items, simple_op("dest.ip", json_string(ip)));
		append(base, sizeof(base), "-");
		slug_append(base, sizeof(base), ip);
		break;
	case PROMPT_SCOPE_PORT: {
		char port[8];

		if (!flow_has_ports(f)) {
			snprintf(err, errsz, "scope exe+port: protocol %s has no ports",
				 packet_proto_name(f->proto) ? packet_proto_name(f->proto) : "?");
			json_decref(items);
			return -EINVAL;
		}
		snprintf(port, sizeof(port), "%u", f->dport);
		json_array_append_new(items, simple_op("dest.port", json_string(port)));
		json_array_append_new(items,
				      simple_op("protocol", json_string(packet_proto_name(f->proto))));
		append(base, sizeof(base), "-port-");
		slug_append(base, sizeof(base), port);
		break;
	}
	case PROMPT_SCOPE_CMDLINE: {
		uint32_t h;

		if (!t->known || !t->cmdline[0] ||
		    strlen(t->cmdline) > RULE_DATA_MAX) {
			snprintf(err, errsz, "scope cmdline: the command line is not known");
			json_decref(items);
			return -EINVAL;
		}
		h = fnv1a32_str(t->cmdline); /* a short, stable tag for the command */
		json_array_append_new(items,
				      json_pack("{s:s,s:s,s:s,s:b}", "type", "simple", "operand",
						"process.command", "data", t->cmdline,
						"sensitive", true));
		snprintf(base + strlen(base), sizeof(base) - strlen(base), "-cmd-%08x", h);
		break;
	}
	}
	if (pin) {
		if (!t->sha256[0]) {
			snprintf(err, errsz, "pin_hash: the executable's digest is not known");
			json_decref(items);
			return -EINVAL;
		}
		/* Last: a list stops at the first mismatch, so other programs
		 * never pay for a digest. */
		json_array_append_new(items, simple_op("process.hash.sha256", json_string(t->sha256)));
		snprintf(base + strlen(base), sizeof(base) - strlen(base), "-sha-%.8s", t->sha256);
	}
	if (json_array_size(items) == 1) {
		op = json_incref(json_array_get(items, 0));
		json_decref(items);
	} else {
		op = json_pack("{s:s,s:s,s:o}", "type", "list", "operand", "list", "list", items);
	}
	snprintf(name, sizeof(name), "%s", base);
	for (int i = 2; rules_lookup(d->rules, name); i++) {
		if (i == 1000) {
			snprintf(err, errsz, "rules %s to %s-999 exist already", base, base);
			json_decref(op);
			return -EEXIST;
		}
		snprintf(name, sizeof(name), "%s-%d", base, i);
	}
	snprintf(desc, sizeof(desc), "answer to prompt %" PRIu64 " by uid %" PRIu64 " (scope %s)",
		 t->prompt_id, uid, scope);
	obj = json_pack("{s:s,s:s,s:s,s:s,s:o}", "name", name, "action", action, "duration",
			duration, "description", desc, "operator", op);
	if (!obj)
		return -ENOMEM;
	r = rule_from_json(obj, time(NULL), ret, err, errsz);
	json_decref(obj);
	return r;
}
