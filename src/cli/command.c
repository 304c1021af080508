/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the picket commands share (command.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/client.h"
#include "cli/command.h"

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("picket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'picket --help')\n", stderr);
	return EXIT_USAGE;
}

int connect_daemon(struct ctx *ctx)
{
	int r = client_connect(ctx->socket, &ctx->cl);

	if (r < 0) {
		const char *hint = "";

		if (r == -ENOENT || r == -ECONNREFUSED)
			hint = " (is picketd running?)";
		else if (r == -EACCES || r == -EPERM)
			hint = " (are you root or in group picket?)";
		fprintf(stderr, "picket: cannot connect to %s: %s%s\n", ctx->socket, strerror(-r),
			hint);
		return EXIT_DAEMON;
	}
	return 0;
}

int call(struct ctx *ctx, const char *method, json_t *params, json_t **ret_result)
{
	char err[512];
	json_t *result = NULL;
	int r;

	r = connect_daemon(ctx);
	if (r == 0 && client_call(ctx->cl, method, params, &result, err, sizeof(err)) < 0) {
		fprintf(stderr, "picket: %s: %s\n", method, err);
		r = EXIT_DAEMON;
	}
	json_decref(params);
	if (r == 0)
		*ret_result = result;
	return r;
}

void print_json(json_t *v, size_t flags)
{
	json_dumpf(v, stdout, flags | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}
