/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket prompt: answer prompts (the prompter is prompt.c).
 */
#include "cli/command.h"
#include "cli/prompt.h"

int cmd_prompt(struct ctx *ctx, int argc, char **argv)
{
	int r;

	if (argc > 1)
		return usage_error("prompt: unexpected argument '%s'", argv[1]);
	if (!ctx->json && !prompt_tty_usable())
		return EXIT_USAGE;
	r = connect_daemon(ctx);
	return r ? r : prompt_main(ctx->cl, ctx->json);
}
