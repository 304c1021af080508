/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picket rules [list|add|delete|enable|disable].
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/output.h"
#include "control/proto.h"

static int rules_list(struct ctx *ctx)
{
	json_t *res;
	int r = call(ctx, "rules.list", NULL, &res);

	if (r)
		return r;
	if (ctx->json)
		print_json(res, JSON_INDENT(2));
	else if (!json_is_array(json_object_get(res, "rules"))) {
		fprintf(stderr, "picket: rules.list: reply without a \"rules\" array\n");
		r = EXIT_DAEMON;
	} else {
		print_rules(json_object_get(res, "rules"), stdout);
	}
	json_decref(res);
	return r;
}

/* A rule file: JSON object, at most CONTROL_LINE_MAX bytes (it has to fit
 * in one request line). */
static int read_rule_file(const char *path, json_t **ret_rule)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	const char *name = f == stdin ? "stdin" : path;
	json_error_t jerr;
	char *buf = NULL;
	size_t len;
	json_t *rule;
	int r = EXIT_DAEMON;

	if (!f) {
		fprintf(stderr, "picket: %s: %s\n", path, strerror(errno));
		return EXIT_DAEMON;
	}
	buf = malloc(CONTROL_LINE_MAX + 1);
	if (!buf)
		goto cleanup;
	len = fread(buf, 1, CONTROL_LINE_MAX + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "picket: %s: %s\n", name, strerror(errno));
		goto cleanup;
	}
	if (len > CONTROL_LINE_MAX) {
		fprintf(stderr, "picket: %s: too large (max %d bytes)\n", name, CONTROL_LINE_MAX);
		goto cleanup;
	}
	rule = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rule) {
		fprintf(stderr, "picket: %s: line %d, column %d: %s\n", name, jerr.line, jerr.column,
			jerr.text);
		goto cleanup;
	}
	if (!json_is_object(rule)) {
		fprintf(stderr, "picket: %s: a rule is a JSON object\n", name);
		json_decref(rule);
		goto cleanup;
	}
	*ret_rule = rule;
	r = 0;
cleanup:
	free(buf);
	if (f != stdin)
		fclose(f);
	return r;
}

static bool word_in(const char *w, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(w, *words) == 0)
			return true;
	return false;
}

/* `rules add --name ...`: an OpenSnitch rule from options. */
static int rule_from_options(int argc, char **argv, json_t **ret_rule)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"action", required_argument, NULL, 'a'},
		{"operand", required_argument, NULL, 'o'},
		{"data", required_argument, NULL, 'd'},
		{"type", required_argument, NULL, 't'},
		{"duration", required_argument, NULL, 'D'},
		{"description", required_argument, NULL, 'c'},
		{"precedence", no_argument, NULL, 'p'},
		{"nolog", no_argument, NULL, 'L'},
		{"disabled", no_argument, NULL, 'x'},
		{"sensitive", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	static const char *const actions[] = {"allow", "deny", "reject", NULL};
	static const char *const types[] = {"simple", "regexp", "network", "lists", NULL};
	const char *name = NULL, *action = NULL, *operand = NULL, *data = NULL;
	const char *type = "simple", *duration = "always", *desc = "";
	bool precedence = false, nolog = false, enabled = true, sensitive = false;
	json_t *rule;
	int o;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'a': action = optarg; break;
		case 'o': operand = optarg; break;
		case 'd': data = optarg; break;
		case 't': type = optarg; break;
		case 'D': duration = optarg; break;
		case 'c': desc = optarg; break;
		case 'p': precedence = true; break;
		case 'L': nolog = true; break;
		case 'x': enabled = false; break;
		case 'S': sensitive = true; break;
		default:
			return usage_error("rules add: unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("rules add: unexpected argument '%s' after options", argv[optind]);
	if (!name || !name[0])
		return usage_error("rules add: %s", "--name is required");
	if (!action || !word_in(action, actions))
		return usage_error("rules add: --action must be allow, deny or reject (got '%s')",
				   action ? action : "");
	if (!word_in(type, types))
		return usage_error("rules add: --type must be simple, regexp, network or lists "
				   "(got '%s')", type);
	if (!operand)
		return usage_error("rules add: %s", "--operand is required");
	if (!data && strcmp(operand, "true") != 0)
		return usage_error("rules add: %s", "--data is required");
	rule = json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:b, s:{s:s, s:s, s:s, s:b, s:[]}}",
			 "name", name, "description", desc, "enabled", enabled, "precedence",
			 precedence, "action", action, "duration", duration, "nolog", nolog,
			 "operator", "type", type, "operand", operand, "data", data ? data : "",
			 "sensitive", sensitive, "list");
	if (!rule) {
		fprintf(stderr, "picket: rules add: the options are not valid UTF-8\n");
		return EXIT_USAGE;
	}
	*ret_rule = rule;
	return 0;
}

static int rules_add(struct ctx *ctx, int argc, char **argv)
{
	json_t *rule = NULL, *res;
	const char *name;
	int r;

	if (argc < 2)
		return usage_error("rules add: %s", "expected FILE, '-' or --name ... options");
	if (argv[1][0] == '-' && argv[1][1] != '\0')
		r = rule_from_options(argc, argv, &rule);
	else if (argc > 2)
		r = usage_error("rules add: unexpected argument '%s'", argv[2]);
	else
		r = read_rule_file(argv[1], &rule);
	if (r)
		return r;
	r = call(ctx, "rules.add", json_pack("{s:o}", "rule", rule), &res);
	if (r)
		return r;
	name = json_string_value(json_object_get(res, "name"));
	if (ctx->json)
		print_json(res, JSON_INDENT(2));
	else
		printf("added rule %s\n", name ? name : "(unnamed)");
	json_decref(res);
	return 0;
}

static int rules_by_name(struct ctx *ctx, const char *verb, int argc, char **argv)
{
	static const char *const done[][2] = {
		{"delete", "deleted"}, {"enable", "enabled"}, {"disable", "disabled"}};
	char method[32];
	json_t *res;
	int r;

	if (argc != 2)
		return usage_error("rules %s: expected exactly one rule NAME", verb);
	snprintf(method, sizeof(method), "rules.%s", verb);
	r = call(ctx, method, json_pack("{s:s}", "name", argv[1]), &res);
	if (r)
		return r;
	if (ctx->json) {
		print_json(res, JSON_INDENT(2));
	} else {
		for (size_t i = 0; i < sizeof(done) / sizeof(done[0]); i++)
			if (strcmp(verb, done[i][0]) == 0)
				printf("%s rule %s\n", done[i][1], argv[1]);
	}
	json_decref(res);
	return 0;
}

int cmd_rules(struct ctx *ctx, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "list";

	if (strcmp(sub, "list") == 0) {
		if (argc > 2)
			return usage_error("rules list: unexpected argument '%s'", argv[2]);
		return rules_list(ctx);
	}
	if (strcmp(sub, "add") == 0)
		return rules_add(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "delete") == 0 || strcmp(sub, "enable") == 0 ||
	    strcmp(sub, "disable") == 0)
		return rules_by_name(ctx, sub, argc - 1, argv + 1);
	return usage_error("rules: unknown subcommand '%s'", sub);
}
