/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket status: the daemon's state and counters.
 */
#include "cli/command.h"
#include "cli/output.h"

int cmd_status(struct ctx *ctx, int argc, char **argv)
{
	json_t *st;
	int r;

	if (argc > 1)
		return usage_error("status: unexpected argument '%s'", argv[1]);
	r = call(ctx, "status", NULL, &st);
	if (r)
		return r;
	if (ctx->json)
		print_json(st, JSON_INDENT(2));
	else
		print_status(st, stdout);
	json_decref(st);
	return 0;
}
