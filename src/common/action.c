/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "common/action.h"

static const char *const action_tbl[] = {
	[ACTION_ALLOW] = "allow",
	[ACTION_DENY] = "deny",
	[ACTION_REJECT] = "reject",
};

#define N_ACTIONS ((int)(sizeof(action_tbl) / sizeof(action_tbl[0])))

const char *action_name(enum action a)
{
	return (int)a >= 0 && (int)a < N_ACTIONS ? action_tbl[a] : "unknown";
}

int action_from_name(const char *s)
{
	for (int i = 0; s && i < N_ACTIONS; i++)
		if (strcmp(action_tbl[i], s) == 0)
			return i;
	return -EINVAL;
}
