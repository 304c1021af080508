/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "control/vocab.h"

const char *const prompt_durations[PROMPT_DURATIONS] = {
	[PROMPT_DUR_ONCE] = "once", [PROMPT_DUR_RESTART] = "until restart",
	[PROMPT_DUR_ALWAYS] = "always", [PROMPT_DUR_30S] = "30s", [PROMPT_DUR_5M] = "5m",
	[PROMPT_DUR_15M] = "15m", [PROMPT_DUR_30M] = "30m", [PROMPT_DUR_1H] = "1h",
	[PROMPT_DUR_12H] = "12h",
};

const char *const prompt_scopes[PROMPT_SCOPES] = {
	[PROMPT_SCOPE_EXE] = "exe", [PROMPT_SCOPE_HOST] = "exe+host", [PROMPT_SCOPE_IP] = "exe+ip",
	[PROMPT_SCOPE_PORT] = "exe+port", [PROMPT_SCOPE_CMDLINE] = "cmdline",
};

static int find(const char *const *tbl, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(tbl[i], s) == 0)
			return i;
	return -EINVAL;
}

int prompt_duration_from_name(const char *s)
{
	return find(prompt_durations, PROMPT_DURATIONS, s);
}

int prompt_scope_from_name(const char *s)
{
	return find(prompt_scopes, PROMPT_SCOPES, s);
}
