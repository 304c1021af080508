/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket: the command-line front end of picketd, over the control socket
 * (docs/protocol.md). Global options, then a command from the table below
 * (one file per group: cmd-*.c, as wireguard-tools' wg.c does). Exit
 * status: 0 success, 1 an error from the daemon or the connection, 2 a
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/command.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static int cmd_help(struct ctx *ctx, int argc, char **argv);

static const struct command {
	const char *name;
	int (*run)(struct ctx *ctx, int argc, char **argv);
	bool own_json;     /* parses --json itself (else taken after the command too) */
	const char *help;  /* its lines of --help; NULL: not listed */
} commands[] = {
	{"status", cmd_status, false,
	 "  status                         the daemon's state and counters\n"},
	{"rules", cmd_rules, false,
	 "  rules [list]                   the rules\n"
	 "  rules add FILE|-               add a rule from an OpenSnitch JSON file or stdin\n"
	 "  rules add --name N --action allow|deny|reject --operand OPERAND --data DATA\n"
	 "            [--type simple|regexp|network|lists] [--duration always|\"until "
	 "restart\"|1h|...]\n"
	 "            [--precedence] [--nolog] [--disabled] [--description TEXT]\n"
	 "  rules delete|enable|disable NAME\n"},
	{"log", cmd_log, true,
	 "  log [-n N] [--follow] [--json] the last N decisions (default " STR(LOG_DEFAULT) "); --follow keeps\n"
	 "                                 printing new ones until interrupted\n"
	 "  log [-n N] FILTERS             the last N decisions in the history that match\n"
	 "  log --follow FILTERS           the ring's last N matches, then new ones that match\n"},
	{"stats", cmd_stats, false,
	 "  stats [--since 24h] [--until T] [--top N]\n"
	 "                                 top executables, hosts, ports; blocked counts\n"},
	{"export", cmd_export, false,
	 "  export [--format csv|json] [FILTERS]\n"
	 "                                 every matching history row to stdout\n"},
	{"prompt", cmd_prompt, false,
	 "  prompt [--json]                answer prompts for unknown connections: in a\n"
	 "                                 terminal with single keys; with --json prompts\n"
	 "                                 as JSON lines on stdout, answers on stdin\n"
	 "                                 ({\"id\":7,\"action\":\"allow\",\"duration\":\"always\",\n"
	 "                                 \"scope\":\"exe+host\"})\n"},
	{"help", cmd_help, false, NULL},
};

static void usage(FILE *out)
{
	fputs("Usage: picket [--socket PATH] [--json] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fputs(commands[i].help, out);
	fprintf(out,
		"\n"
		"Filters: --since T --until T --exe PATH --host NAME|IP --port N\n"
		"         --action allow|deny|reject --rule NAME\n"
		"         T: 30m, 1h, 7d (ago), @EPOCH, 2026-11-23 or '2026-11-23 10:00'\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH  control socket (default $PICKET_SOCKET or %s)\n"
		"  -j, --json         print the daemon's JSON instead of tables\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version of this program\n",
		DEFAULT_SOCKET);
}

static int cmd_help(struct ctx *ctx, int argc, char **argv)
{
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctx ctx = {.socket = getenv("PICKET_SOCKET")};
	const struct command *cmd = NULL;
	int o, r;

	if (!ctx.socket || !ctx.socket[0])
		ctx.socket = DEFAULT_SOCKET;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (o) {
		case 's': ctx.socket = optarg; break;
		case 'j': ctx.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("picket %s\n", PICKET_VERSION); return 0;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing COMMAND");
	argc -= optind;
	argv += optind;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[0]);
	/* "picket status --json" reads as naturally as "picket --json status":
	 * take --json/-j after the command too. */
	if (!cmd->own_json) {
		int w = 1;
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
				ctx.json = true;
			else
				argv[w++] = argv[i];
		}
		argc = w;
		argv[argc] = NULL;
	}
	r = cmd->run(&ctx, argc, argv);
	client_close(ctx.cl);
	if (fflush(stdout) != 0 && r == 0) {
		fprintf(stderr, "picket: cannot write output: %s\n", strerror(errno));
		r = EXIT_DAEMON;
	}
	return r;
}
