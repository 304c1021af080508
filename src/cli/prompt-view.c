/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/prompt-view.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char scope_keys[PROMPT_SCOPES] = {'e', 'h', 'i', 'p', 'c'};
static const char action_keys[PROMPT_ACTIONS] = {'a', 'd', 'r'};


#define SHORT_HASH 16 /* hex digits shown of a sha256 */
#define LABEL_W 12    /* "  parents   " */
#define NOTE_INDENT 9 /* "HH:MM:SS " */
#define OPTIONS_COL 9 /* "Duration " */

int prompt_word_index(const char *word, const char *const *table, size_t n)
{
	for (size_t i = 0; word && i < n; i++)
		if (strcmp(word, table[i]) == 0)
			return (int)i;
	return -1;
}

/* --- reading the prompt (leniently: a missing member is "not known") --- */

static json_t *member(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		size_t l = (size_t)(dot - path);

		if (l >= sizeof(key))
			return NULL;
		memcpy(key, path, l);
		key[l] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

static const char *str(json_t *p, const char *path)
{
	const char *s = json_string_value(member(p, path));

	return s && s[0] ? s : NULL;
}

static bool num(json_t *p, const char *path, long long *ret)
{
	json_t *v = member(p, path);

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

static const char *exe_path(json_t *p)
{
	const char *s = str(p, "process.path");

	return s ? s : "unknown";
}

bool prompt_scope_offered(json_t *p, int scope)
{
	long long port;

	switch (scope) {
	case PROMPT_SCOPE_HOST: return str(p, "destination.host") != NULL;
	case PROMPT_SCOPE_IP: return str(p, "destination.ip") != NULL;
	case PROMPT_SCOPE_PORT: return num(p, "destination.port", &port);
	case PROMPT_SCOPE_CMDLINE: return str(p, "process.cmdline") != NULL;
	default: return true;
	}
}

void prompt_choice_init(json_t *p, struct prompt_choice *ch)
{
	*ch = (struct prompt_choice){.action = -1, .duration = PROMPT_DUR_ALWAYS, .scope = PROMPT_SCOPE_EXE};
	if (json_is_true(member(p, "process.hash_changed")))
		ch->duration = PROMPT_DUR_ONCE;
}

enum prompt_key prompt_choice_key(json_t *p, struct prompt_choice *ch, int key, char *why,
				  size_t whysz)
{
	static const char *const scope_need[PROMPT_SCOPES] = {
		"", "the destination has no known host name", "the destination has no IP",
		"the destination has no port", "the command line is not known"};

	for (int i = 0; i < PROMPT_ACTIONS; i++) {
		if (key == action_keys[i]) {
			ch->action = i;
			return PROMPT_KEY_CHANGED;
		}
		if (key == action_keys[i] - 'a' + 'A') {
			ch->action = i;
			return PROMPT_KEY_SEND;
		}
	}
	if (key >= '1' && key <= '9') {
		ch->duration = key - '1';
		return PROMPT_KEY_CHANGED;
	}
	for (int i = 0; i < PROMPT_SCOPES; i++) {
		if (key != scope_keys[i])
			continue;
		if (!prompt_scope_offered(p, i)) {
			snprintf(why, whysz, "scope %s: %s", prompt_scopes[i], scope_need[i]);
			return PROMPT_KEY_REFUSED;
		}
		ch->scope = i;
		return PROMPT_KEY_CHANGED;
	}
	switch (key) {
	case 's':
		if (!str(p, "process.sha256")) {
			snprintf(why, whysz, "no sha256 to pin: the executable could not be hashed");
			return PROMPT_KEY_REFUSED;
		}
		ch->pin = !ch->pin;
		return PROMPT_KEY_CHANGED;
	case '\r':
	case '\n':
		if (ch->action < 0) {
			snprintf(why, whysz, "choose an action first: a allow, d deny, r reject");
			return PROMPT_KEY_REFUSED;
		}
		return PROMPT_KEY_SEND;
	case '\t':
	case 'n': return PROMPT_KEY_NEXT;
	case 'q': return PROMPT_KEY_QUIT;
	default: return PROMPT_KEY_IGNORED;
	}
}

json_t *prompt_answer_params(json_t *p, const struct prompt_choice *ch)
{
	long long id = 0;

	num(p, "id", &id);
	return json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)id, "action",
			 action_name((enum action)(ch->action < 0 ? 0 : ch->action)), "duration",
			 prompt_durations[ch->duration], "scope", prompt_scopes[ch->scope],
			 "pin_hash", ch->pin);
}

/* --- the screen ------------------------------------------------------------ */

static bool line_full(const struct screen *s)
{
	return s->n >= SCREEN_ROWS_MAX;
}

static void new_line(struct screen *s)
{
	if (line_full(s))
		return;
	s->line[s->n].b[0] = '\0';
	s->line[s->n].len = 0;
	s->line[s->n].width = 0;
	s->n++;
}

static void put_bytes(struct screen *s, const char *b, size_t n)
{
	typeof(s->line[0]) *l = &s->line[s->n - 1];

	if (l->len + n >= SCREEN_LINE_MAX)
		return;
	memcpy(l->b + l->len, b, n);
	l->len += n;
	l->b[l->len] = '\0';
}

static void attr(struct screen *s, const char *esc)
{
	if (s->color && s->n > 0)
		put_bytes(s, esc, strlen(esc));
}

/* Length of the UTF-8 sequence at T (1 for a stray byte). */
static size_t char_len(const unsigned char *t)
{
	size_t n = *t >= 0xf0 ? 4 : *t >= 0xe0 ? 3 : *t >= 0xc0 ? 2 : 1;

	for (size_t i = 1; i < n; i++)
		if ((t[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static int text_width(const char *t)
{
	int w = 0;

	for (const unsigned char *u = (const unsigned char *)t; *u; u += char_len(u))
		w++;
	return w;
}

/* Appends TEXT with control characters made '?', clipped at the screen
 * width with "..." when it does not fit. Returns the columns used. */
static int put_text(struct screen *s, const char *text)
{
	typeof(s->line[0]) *l;
	int room, w = text_width(text), used = 0;
	bool clip;

	if (s->n == 0)
		return 0;
	l = &s->line[s->n - 1];
	room = s->cols - l->width;
	if (room <= 0)
		return 0;
	clip = w > room;
	if (clip)
		room = room > 3 ? room - 3 : 0;
	for (const unsigned char *u = (const unsigned char *)text; *u && used < room;) {
		size_t n = char_len(u);

		if (*u < 0x20 || *u == 0x7f || (n == 1 && *u >= 0x80) ||
		    (n == 2 && u[0] == 0xc2 && u[1] < 0xa0))
			put_bytes(s, "?", 1);
		else
			put_bytes(s, (const char *)u, n);
		u += n;
		used++;
	}
	if (clip) {
		int dots = s->cols - l->width - used < 3 ? s->cols - l->width - used : 3;

		put_bytes(s, "...", (size_t)dots);
		used += dots;
	}
	l->width += used;
	return used;
}

static void putf(struct screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct screen *s, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put_text(s, buf);
}

static void pad_to(struct screen *s, int col)
{
	while (s->n > 0 && s->line[s->n - 1].width < col && s->line[s->n - 1].width < s->cols)
		put_text(s, " ");
}

/* "  label       TEXT", wrapped onto at most MAXLINES lines. */
/* TEXT after PREFIX, wrapped onto at most MAXLINES lines; continuation
 * lines start at column INDENT. */
static void wrap_attr(struct screen *s, const char *esc, const char *prefix, int indent,
		      const char *text, int maxlines)
{
	const unsigned char *u = (const unsigned char *)text;

	for (int i = 0; i < maxlines && (i == 0 || *u); i++) {
		char chunk[SCREEN_LINE_MAX];
		size_t len = 0;
		int w = 0, room;

		new_line(s);
		if (esc)
			attr(s, esc);
		if (i == 0)
			put_text(s, prefix);
		else
			pad_to(s, indent);
		room = s->cols - s->line[s->n - 1].width;
		if (room <= 0)
			continue;
		/* The last line keeps the rest: put_text clips it with "...". */
		while (*u && (i + 1 == maxlines || w < room) && len + 4 < sizeof(chunk)) {
			size_t n = char_len(u);

			memcpy(chunk + len, u, n);
			len += n;
			u += n;
			w++;
		}
		chunk[len] = '\0';
		/* Break after a word when one ends in the second half. */
		if (*u && *u != ' ' && i + 1 < maxlines) {
			char *sp = strrchr(chunk, ' ');

			if (sp && sp - chunk > (ptrdiff_t)len / 2) {
				u -= len - (size_t)(sp + 1 - chunk);
				sp[1] = '\0';
			}
		}
		while (*u == ' ')
			u++;
		put_text(s, chunk);
		if (esc)
			attr(s, "\033[0m");
	}
}

static void wrap(struct screen *s, const char *prefix, int indent, const char *text, int maxlines)
{
	wrap_attr(s, NULL, prefix, indent, text, maxlines);
}

/* "  label     TEXT", TEXT wrapped under itself. */
static void field(struct screen *s, const char *label, const char *text, int maxlines)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "  %-*s", LABEL_W - 2, label);
	wrap(s, prefix, LABEL_W, text, maxlines);
}

static void short_hash(const char *h, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%.*s%s", SHORT_HASH, h, strlen(h) > SHORT_HASH ? "..." : "");
}

static void dest_text(json_t *p, char *buf, size_t bufsz)
{
	const char *host = str(p, "destination.host"), *ip = str(p, "destination.ip");
	const char *svc = str(p, "destination.service"), *proto = str(p, "protocol");
	char port[64] = "";
	long long n;

	if (num(p, "destination.port", &n))
		snprintf(port, sizeof(port), ", port %lld%s%s", n, svc ? "/" : "", svc ? svc : "");
	if (host && ip)
		snprintf(buf, bufsz, "%s (%s)%s, %s", host, ip, port, proto ? proto : "?");
	else
		snprintf(buf, bufsz, "%s%s, %s", ip ? ip : host ? host : "unknown", port,
			 proto ? proto : "?");
}

void prompt_label(json_t *p, char *buf, size_t bufsz)
{
	const char *host = str(p, "destination.host"), *ip = str(p, "destination.ip");
	const char *dst = host ? host : ip ? ip : "unknown";
	long long port;

	if (num(p, "destination.port", &port))
		snprintf(buf, bufsz, "%s -> %s%s%s:%lld", exe_path(p), strchr(dst, ':') ? "[" : "",
			 dst, strchr(dst, ':') ? "]" : "", port);
	else
		snprintf(buf, bufsz, "%s -> %s", exe_path(p), dst);
}

static void render_details(struct screen *s, json_t *p)
{
	char buf[2048], h[64], h2[64];
	const char *v;
	long long n, uid;
	json_t *parents = member(p, "process.parents"), *par;
	size_t i, used = 0;

	if (json_is_true(member(p, "process.hash_changed"))) {
		const char *rule = str(p, "process.previous_rule");

		snprintf(buf, sizeof(buf), "The executable changed since rule %s allowed it",
			 rule ? rule : "(unnamed)");
		wrap_attr(s, "\033[1;31m", "!! ", 3, buf, 2);
		short_hash(str(p, "process.previous_sha256") ?: "?", h, sizeof(h));
		short_hash(str(p, "process.sha256") ?: "?", h2, sizeof(h2));
		snprintf(buf, sizeof(buf), "sha256 was %s, now %s", h, h2);
		wrap_attr(s, "\033[1;31m", "!! ", 3, buf, 2);
	}
	dest_text(p, buf, sizeof(buf));
	field(s, "to", buf, 1);
	field(s, "command", str(p, "process.cmdline") ?: "not known", 2);
	buf[0] = '\0';
	if (num(p, "process.pid", &n))
		snprintf(buf, sizeof(buf), "pid %lld", n);
	if (num(p, "process.uid", &uid)) {
		v = str(p, "process.user");
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%suser %s (uid %lld)",
			 buf[0] ? ", " : "", v ? v : "?", uid);
	}
	field(s, "process", buf[0] ? buf : "not known", 1);
	v = str(p, "process.package");
	snprintf(buf, sizeof(buf), "%s%s", v ? "from package " : "not from a package", v ? v : "");
	field(s, "package", buf, 1);
	v = str(p, "process.sha256");
	if (v)
		short_hash(v, buf, sizeof(buf));
	field(s, "sha256", v ? buf : "not known (could not be hashed)", 1);
	buf[0] = '\0';
	json_array_foreach(parents, i, par) {
		const char *pp = str(par, "path");
		int k;

		n = -1;
		num(par, "pid", &n);
		k = snprintf(buf + used, sizeof(buf) - used, "%s%lld %s", i ? " < " : "", n,
			     pp ? pp : "?");
		if (k < 0 || (size_t)k >= sizeof(buf) - used)
			break;
		used += (size_t)k;
	}
	field(s, "parents", buf[0] ? buf : "not known", 2);
	field(s, "cwd", str(p, "process.cwd") ?: "not known", 1);
	v = str(p, "source.ip");
	if (v && num(p, "source.port", &n))
		snprintf(buf, sizeof(buf), "%s port %lld", v, n);
	else
		snprintf(buf, sizeof(buf), "%s", v ? v : "not known");
	if (num(p, "connections", &n) && n > 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (%lld connections waiting)",
			 n);
	field(s, "from", buf, 1);
}

static void option(struct screen *s, bool on, bool offered, char key, const char *text)
{
	if (!offered || s->n == 0)
		return;
	/* A narrow terminal: the options go on under the first one. */
	if (s->line[s->n - 1].width + 1 + text_width(text) + 4 > s->cols &&
	    s->line[s->n - 1].width > OPTIONS_COL + 1) {
		new_line(s);
		pad_to(s, OPTIONS_COL);
	}
	put_text(s, " ");
	if (on) {
		attr(s, "\033[7m");
		putf(s, "[%c %s]", key, text);
		attr(s, "\033[0m");
	} else {
		putf(s, " %c %s ", key, text);
	}
}

static void render_choices(struct screen *s, json_t *p, const struct prompt_choice *ch)
{
	new_line(s);
	put_text(s, "Action   ");
	for (int i = 0; i < PROMPT_ACTIONS; i++)
		option(s, ch->action == i, true, action_keys[i], action_name((enum action)i));
	if (str(p, "process.sha256")) {
		put_text(s, "    ");
		option(s, ch->pin, true, 's', ch->pin ? "pin sha256: yes" : "pin sha256: no");
	}
	new_line(s);
	put_text(s, "Duration ");
	for (int i = 0; i < PROMPT_DURATIONS; i++) {
		if (i == 3) {
			new_line(s);
			pad_to(s, OPTIONS_COL);
		}
		option(s, ch->duration == i, true, (char)('1' + i), prompt_durations[i]);
	}
	new_line(s);
	put_text(s, "Scope    ");
	for (int i = 0; i < PROMPT_SCOPES; i++)
		option(s, ch->scope == i, prompt_scope_offered(p, i), scope_keys[i],
		       prompt_scopes[i]);
}

static void render_summary(struct screen *s, json_t *p, const struct prompt_choice *ch,
			   bool sending)
{
	const char *d = prompt_durations[ch->duration];
	char dur[64], what[1024], pin[64] = "";
	long long port;

	new_line(s);
	attr(s, "\033[1m");
	if (ch->action < 0) {
		put_text(s, "> choose an action: a allow, d deny, r reject");
		attr(s, "\033[0m");
		return;
	}
	if (ch->duration == PROMPT_DUR_ONCE) {
		putf(s, "> %s%s this connection once (no rule is made)", sending ? "sending: " : "",
		     action_name((enum action)ch->action));
		attr(s, "\033[0m");
		return;
	}
	if (ch->duration == PROMPT_DUR_RESTART)
		snprintf(dur, sizeof(dur), "until picketd restarts");
	else if (ch->duration == PROMPT_DUR_ALWAYS)
		snprintf(dur, sizeof(dur), "always (saved rule)");
	else
		snprintf(dur, sizeof(dur), "for %s", d);
	switch (ch->scope) {
	case PROMPT_SCOPE_HOST: snprintf(what, sizeof(what), "%s to %s", exe_path(p),
			      str(p, "destination.host")); break;
	case PROMPT_SCOPE_IP: snprintf(what, sizeof(what), "%s to %s", exe_path(p),
			    str(p, "destination.ip")); break;
	case PROMPT_SCOPE_PORT:
		port = 0;
		num(p, "destination.port", &port);
		snprintf(what, sizeof(what), "%s to port %lld/%s", exe_path(p), port,
			 str(p, "protocol") ?: "?");
		break;
	case PROMPT_SCOPE_CMDLINE: snprintf(what, sizeof(what), "command line \"%s\"",
				 str(p, "process.cmdline")); break;
	default: snprintf(what, sizeof(what), "%s to any destination", exe_path(p)); break;
	}
	if (ch->pin)
		snprintf(pin, sizeof(pin), ", sha256 pinned");
	putf(s, "> %s%s %s: %s%s", sending ? "sending: " : "", action_name((enum action)ch->action), dur, what,
	     pin);
	attr(s, "\033[0m");
}

void prompt_render(struct screen *s, const struct prompt_view *v)
{
	char right[64] = "";
	size_t footer_start, keep, nbody;
	long long left;

	s->n = 0;
	new_line(s);
	attr(s, "\033[1m");
	if (!v->prompt) {
		put_text(s, "picket prompt: waiting for prompts from picketd");
		attr(s, "\033[0m");
		new_line(s);
		for (int i = 0; i < s->cols && i < SCREEN_LINE_MAX / 2; i++)
			put_text(s, "-");
		new_line(s);
		put_text(s, "Unknown connections wait here for an answer. q quit");
		if (v->status) {
			new_line(s);
			put_text(s, v->status);
		}
		goto notes;
	}
	left = v->deadline_ms - v->now_ms;
	snprintf(right, sizeof(right), "%s in %llds", str(v->prompt, "default_action") ?: "default",
		 left > 0 ? (left + 999) / 1000 : 0);
	putf(s, "picket prompt: %zu of %zu pending", v->index + 1, v->count);
	attr(s, "\033[0m");
	pad_to(s, s->cols - text_width(right));
	attr(s, left <= 5000 ? "\033[1;31m" : "\033[1m");
	put_text(s, right);
	attr(s, "\033[0m");
	new_line(s);
	for (int i = 0; i < s->cols && i < SCREEN_LINE_MAX / 2; i++)
		put_text(s, "-");
	new_line(s);
	attr(s, "\033[1m");
	{
		char dst[512];
		const char *host = str(v->prompt, "destination.host");
		long long port;

		snprintf(dst, sizeof(dst), "%s", host ? host : str(v->prompt, "destination.ip") ?: "?");
		if (num(v->prompt, "destination.port", &port))
			putf(s, "%s wants to connect to %s port %lld", exe_path(v->prompt), dst, port);
		else
			putf(s, "%s wants to send %s to %s", exe_path(v->prompt),
			     str(v->prompt, "protocol") ?: "packets", dst);
	}
	attr(s, "\033[0m");
	/* Details go where there is room: lay them out apart, then copy. */
	footer_start = s->n;
	render_details(s, v->prompt);
	nbody = s->n - footer_start;
	new_line(s);
	render_choices(s, v->prompt, v->ch);
	new_line(s);
	render_summary(s, v->prompt, v->ch, v->sending);
	new_line(s);
	put_text(s, "  Enter send   A/D/R choose+send   Tab next prompt   q quit");
	if (v->status) {
		new_line(s);
		put_text(s, v->status);
	}
	/* Too tall: drop details from the bottom (the warning comes first). */
	if ((int)s->n > s->rows && nbody > 0) {
		size_t over = s->n - (size_t)s->rows;

		keep = over >= nbody ? 0 : nbody - over;
		memmove(&s->line[footer_start + keep], &s->line[footer_start + nbody],
			(s->n - footer_start - nbody) * sizeof(s->line[0]));
		s->n -= nbody - keep;
	}
notes:
	/* Notes fill what rows are left, newest last, after a blank line;
	 * each takes one or two lines. */
	if ((int)s->n + 1 < s->rows && v->nnotes > 0) {
		int room = s->rows - (int)s->n - 1;
		size_t from = v->nnotes;

		while (from > 0) {
			int need = text_width(v->notes[from - 1]) > s->cols ? 2 : 1;

			if (need > room)
				break;
			room -= need;
			from--;
		}
		new_line(s);
		for (size_t i = from; i < v->nnotes; i++)
			wrap(s, "", NOTE_INDENT, v->notes[i], 2);
	}
	if ((int)s->n > s->rows)
		s->n = (size_t)s->rows;
}

void prompt_settled_note(json_t *p, json_t *settled, char *buf, size_t bufsz)
{
	const char *by = str(settled, "by"), *action = str(settled, "action");
	const char *dur = str(settled, "duration"), *rule = str(settled, "rule");
	char label[512] = "?", rulebuf[300] = "", who[96] = "";
	long long id = -1, uid, pid;
	time_t now = time(NULL);
	struct tm tm;
	char t[16] = "";

	if (localtime_r(&now, &tm))
		strftime(t, sizeof(t), "%H:%M:%S", &tm);
	num(settled, "id", &id);
	if (p)
		prompt_label(p, label, sizeof(label));
	if (rule)
		snprintf(rulebuf, sizeof(rulebuf), ", rule %s", rule);
	if (!by)
		by = "?";
	if (strcmp(by, "answer") == 0) {
		json_t *ab = member(settled, "answered_by");

		if (num(ab, "uid", &uid) && num(ab, "pid", &pid))
			snprintf(who, sizeof(who), " (uid %lld, pid %lld)", uid, pid);
		snprintf(buf, bufsz, "%s #%lld %s: answered elsewhere%s: %s %s%s", t, id, label, who,
			 action ?: "?", dur ?: "once", rulebuf);
	} else {
		snprintf(buf, bufsz, "%s #%lld %s: %s, %s applied", t, id, label,
			 strcmp(by, "timeout") == 0	 ? "nobody answered in time"
			 : strcmp(by, "disconnect") == 0 ? "the prompters went away"
			 : strcmp(by, "shutdown") == 0	 ? "picketd stopped"
							 : by,
			 action ?: "the default action");
	}
}
