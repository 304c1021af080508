/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offending text made fit for a one-line message (rule-int.h), for the
 * parser (rule.c) and the operand compiler (match.c) alike.
 */
#include <string.h>

#include "rules/rule-int.h"

const char *rule_quote(const char *s, char buf[RULE_QUOTE_MAX])
{
	size_t i;

	for (i = 0; s[i] && i < RULE_QUOTE_MAX - 4; i++)
		buf[i] = (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f) ?
				 '?' :
				 s[i];
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}
