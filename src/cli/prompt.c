/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/prompt-view.h"
#include "control/proto.h"

#define ANSWERS_MAX 64	  /* answers waiting for their reply; stdin waits past it */
#define NOTES_MAX 32	  /* settlement notes kept (shown: what fits) */
#define NOTE_LEN 320
#define DRAIN_MS 10000	  /* after stdin closes: how long replies may take */
#define SUBSCRIBE_MS 30000 /* picketd answers at once; silence means stuck */

struct pending {
	json_t *prompt;
	long long id, deadline_ms;
	struct prompt_choice ch;
	bool sending;
};

struct answer {
	long long req, prompt;
	char label[200]; /* the prompt may be settled before the reply comes */
};

struct prompter {
	struct client *cl;
	bool json;
	long long sub_req;
	bool subscribed;
	int timeout_s;
	struct pending q[PROMPT_QUEUE_MAX];
	size_t n, cur;
	struct answer ans[ANSWERS_MAX];
	size_t nans;
	char notes[NOTES_MAX][NOTE_LEN];
	size_t nnotes;
	char status[NOTE_LEN];
	/* --json: stdin lines */
	char *in;
	size_t inlen;
	bool in_eof, in_skip;
	long long in_line, drain_until;
	/* terminal */
	int sfd;
	struct screen *scr;
	int rc; /* >= 0: stop with this status */
};

/* The terminal as found, restored on every way out (atexit too). */
static struct termios saved_tio;
static bool tio_changed;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
}

static void tty_restore(void)
{
	static const char leave[] = "\033[0m\033[?25h\033[?1049l";

	if (!tio_changed)
		return;
	write_all(STDOUT_FILENO, leave, sizeof(leave) - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_changed = false;
}

bool prompt_tty_usable(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "picket: prompt: stdin and stdout must be a terminal; for scripts "
				"use 'picket prompt --json'\n");
		return false;
	}
	if (!term || !term[0] || strcmp(term, "dumb") == 0) {
		fprintf(stderr, "picket: prompt: TERM is %s, the prompter needs a terminal that "
				"takes ANSI sequences; use 'picket prompt --json' instead\n",
			term && term[0] ? "\"dumb\"" : "not set");
		return false;
	}
	return true;
}

/* Raw keys (no echo, no line editing), Ctrl-C still a signal, Ctrl-Z off
 * (a stopped prompter would hold nothing, but its terminal would stay raw),
 * the alternate screen and no cursor. */
static int tty_enter(void)
{
	static const char enter[] = "\033[?1049h\033[?25l";
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return -errno;
	t = saved_tio;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	t.c_cc[VSUSP] = _POSIX_VDISABLE;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return -errno;
	tio_changed = true;
	atexit(tty_restore);
	write_all(STDOUT_FILENO, enter, sizeof(enter) - 1);
	return 0;
}

static void tty_size(struct screen *s)
{
	struct winsize ws;

	s->cols = 80;
	s->rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		s->cols = ws.ws_col < SCREEN_LINE_MAX / 8 ? ws.ws_col : SCREEN_LINE_MAX / 8;
		s->rows = ws.ws_row < SCREEN_ROWS_MAX ? ws.ws_row : SCREEN_ROWS_MAX;
	}
}

/* --- the queue and notes ----------------------------------------------- */

static void note(struct prompter *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct prompter *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->nnotes == NOTES_MAX) {
		memmove(pr->notes[0], pr->notes[1], sizeof(pr->notes[0]) * (NOTES_MAX - 1));
		pr->nnotes--;
	}
	va_start(ap, fmt);
	vsnprintf(pr->notes[pr->nnotes++], NOTE_LEN, fmt, ap);
	va_end(ap);
}

static ssize_t queue_find(const struct prompter *pr, long long id)
{
	for (size_t i = 0; i < pr->n; i++)
		if (pr->q[i].id == id)
			return (ssize_t)i;
	return -1;
}

static void queue_add(struct prompter *pr, json_t *prompt)
{
	json_t *id = json_object_get(prompt, "id"), *dl = json_object_get(prompt, "deadline_ms");
	json_t *to = json_object_get(prompt, "timeout_s");
	struct pending *p;

	if (!json_is_integer(id) || queue_find(pr, json_integer_value(id)) >= 0)
		return;
	if (pr->n == PROMPT_QUEUE_MAX) {
		/* The daemon applies its default when nobody answers. */
		note(pr, "prompt #%lld not shown: %d prompts queued already",
		     (long long)json_integer_value(id), PROMPT_QUEUE_MAX);
		return;
	}
	p = &pr->q[pr->n++];
	p->prompt = json_incref(prompt);
	p->id = json_integer_value(id);
	p->sending = false;
	if (json_is_integer(dl))
		p->deadline_ms = json_integer_value(dl);
	else
		p->deadline_ms = now_ms() + 1000LL * (json_is_integer(to) ? json_integer_value(to)
									  : pr->timeout_s);
	prompt_choice_init(prompt, &p->ch);
}

static void queue_remove(struct prompter *pr, size_t i)
{
	json_decref(pr->q[i].prompt);
	memmove(&pr->q[i], &pr->q[i + 1], (pr->n - i - 1) * sizeof(pr->q[0]));
	pr->n--;
	if (pr->cur > i || pr->cur >= pr->n)
		pr->cur = pr->cur > 0 && (pr->cur > i || pr->cur >= pr->n) ? pr->cur - 1 : 0;
}

static ssize_t answer_find(const struct prompter *pr, long long req, long long prompt)
{
	for (size_t i = 0; i < pr->nans; i++)
		if ((req >= 0 && pr->ans[i].req == req) || (req < 0 && pr->ans[i].prompt == prompt))
			return (ssize_t)i;
	return -1;
}

/* --- messages from picketd --------------------------------------------- */

static void emit(json_t *msg)
{
	json_dumpf(msg, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
}

static void emit_event(const char *event, json_t *data)
{
	json_t *m = json_pack("{s:s, s:O}", "event", event, "data", data);

	if (m)
		emit(m);
	json_decref(m);
}

static void on_subscribed(struct prompter *pr, json_t *msg)
{
	json_t *res = json_object_get(msg, "result"), *pending, *p;
	json_t *to = json_object_get(res, "timeout_s");
	char err[512];
	size_t i;

	if (json_is_object(json_object_get(msg, "error")) || !json_is_object(res)) {
		client_error_text(json_object_get(msg, "error"), err, sizeof(err));
		fprintf(stderr, "picket: prompts.subscribe: %s\n", err);
		pr->rc = 1;
		return;
	}
	pr->subscribed = true;
	if (json_is_integer(to))
		pr->timeout_s = (int)json_integer_value(to);
	pending = json_object_get(res, "pending");
	if (pr->json) {
		json_t *d = json_pack("{s:i, s:I}", "timeout_s", pr->timeout_s, "pending",
				      (json_int_t)json_array_size(pending));
		emit_event("subscribed", d);
		json_decref(d);
	}
	json_array_foreach(pending, i, p) {
		if (pr->json)
			emit_event("prompt", p);
		queue_add(pr, p);
	}
}

static void on_answer_reply(struct prompter *pr, size_t ai, json_t *msg)
{
	long long pid = pr->ans[ai].prompt;
	json_t *res = json_object_get(msg, "result"), *error = json_object_get(msg, "error");
	ssize_t qi = queue_find(pr, pid);
	char err[256], label[sizeof(pr->ans[0].label)];

	memcpy(label, pr->ans[ai].label, sizeof(label));
	pr->ans[ai] = pr->ans[--pr->nans];
	if (pr->json) {
		/* The reply, tagged, with the prompt's id: scripts match
		 * {"event":"answer","id":7,"result"|"error":...}. */
		json_t *m = json_pack("{s:s, s:I, s:O}", "event", "answer", "id", (json_int_t)pid,
				      json_is_object(error) ? "error" : "result",
				      json_is_object(error) ? error : res ?: json_null());

		if (m)
			emit(m);
		json_decref(m);
		if (qi >= 0)
			queue_remove(pr, (size_t)qi);
		return;
	}
	if (json_is_object(error)) {
		const char *code = json_string_value(json_object_get(error, "code"));

		client_error_text(error, err, sizeof(err));
		if (code && strcmp(code, "not_found") == 0) {
			note(pr, "#%lld %s: too late: %s", pid, label, err);
			if (qi >= 0)
				queue_remove(pr, (size_t)qi);
		} else {
			/* Let the person choose again (another scope, say). */
			snprintf(pr->status, sizeof(pr->status), "picketd refused the answer: %s",
				 err);
			if (qi >= 0)
				pr->q[qi].sending = false;
		}
		return;
	}
	{
		const char *a = json_string_value(json_object_get(res, "action"));
		const char *d = json_string_value(json_object_get(res, "duration"));
		const char *sc = json_string_value(json_object_get(res, "scope"));
		const char *rule = json_string_value(json_object_get(res, "rule"));
		time_t now = time(NULL);
		struct tm tm;
		char t[16] = "";

		if (localtime_r(&now, &tm))
			strftime(t, sizeof(t), "%H:%M:%S", &tm);
		note(pr, "%s #%lld %s: %s %s%s%s%s%s", t, pid, label, a ?: "?", d ?: "once",
		     sc && d && strcmp(d, "once") ? " " : "", sc && d && strcmp(d, "once") ? sc : "",
		     rule ? ", rule " : "", rule ?: "");
	}
	if (qi >= 0)
		queue_remove(pr, (size_t)qi);
}

static void on_settled(struct prompter *pr, json_t *data)
{
	json_t *id = json_object_get(data, "id");
	ssize_t qi;
	char buf[NOTE_LEN];

	if (!json_is_integer(id))
		return;
	qi = queue_find(pr, json_integer_value(id));
	/* Our own answer: its reply makes the note (with the rule's name). */
	if (!pr->json && answer_find(pr, -1, json_integer_value(id)) < 0) {
		prompt_settled_note(qi >= 0 ? pr->q[qi].prompt : NULL, data, buf, sizeof(buf));
		note(pr, "%s", buf);
	}
	if (qi >= 0)
		queue_remove(pr, (size_t)qi);
}

static void on_message(struct prompter *pr, json_t *msg)
{
	json_t *id = json_object_get(msg, "id"), *error = json_object_get(msg, "error");
	const char *event = json_string_value(json_object_get(msg, "event"));
	json_t *data = json_object_get(msg, "data");
	ssize_t ai;
	char err[512];

	if (json_is_integer(id)) {
		if (json_integer_value(id) == pr->sub_req)
			on_subscribed(pr, msg);
		else if ((ai = answer_find(pr, json_integer_value(id), -1)) >= 0)
			on_answer_reply(pr, (size_t)ai, msg);
		return;
	}
	if (json_is_null(id) && json_is_object(error)) {
		/* About the connection itself (permission denied, ...). */
		client_error_text(error, err, sizeof(err));
		fprintf(stderr, "picket: prompt: %s\n", err);
		pr->rc = 1;
		return;
	}
	if (!event || !json_is_object(data))
		return;
	if (strcmp(event, "prompt") == 0) {
		if (pr->json)
			emit(msg);
		queue_add(pr, data);
	} else if (strcmp(event, "prompt.settled") == 0) {
		if (pr->json)
			emit(msg);
		on_settled(pr, data);
	}
}

static int send_answer(struct prompter *pr, json_t *params)
{
	struct answer *a;
	long long req;
	ssize_t qi;
	int r;

	r = client_send(pr->cl, "prompts.answer", params, &req);
	if (r < 0)
		return r;
	a = &pr->ans[pr->nans++];
	a->req = req;
	a->prompt = json_integer_value(json_object_get(params, "id"));
	qi = queue_find(pr, a->prompt);
	snprintf(a->label, sizeof(a->label), "?");
	if (qi >= 0)
		prompt_label(pr->q[qi].prompt, a->label, sizeof(a->label));
	return 0;
}

/* --- --json: answers on stdin ------------------------------------------- */

static void bad_line(struct prompter *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bad_line(struct prompter *pr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "picket: prompt: stdin line %lld: ", pr->in_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(", ignored\n", stderr);
}

/* One answer line: checked here, so a typo gets a clear word at once
 * rather than an error reply later. */
static void answer_line(struct prompter *pr, const char *line, size_t len)
{
	static const char *const keys[] = {"id", "action", "duration", "scope", "pin_hash"};
	json_error_t jerr;
	json_t *a, *v;
	const char *key;
	int r;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	a = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!a) {
		bad_line(pr, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return;
	}
	if (!json_is_object(a)) {
		bad_line(pr, "expected an object like {\"id\":7,\"action\":\"allow\"}");
		goto cleanup;
	}
	json_object_foreach(a, key, v) {
		if (prompt_word_index(key, keys, sizeof(keys) / sizeof(keys[0])) < 0) {
			bad_line(pr, "unknown field '%s' (expected id, action, duration, scope, "
				     "pin_hash)", key);
			goto cleanup;
		}
	}
	v = json_object_get(a, "id");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		bad_line(pr, "field 'id': expected the prompt's id, a non-negative integer");
		goto cleanup;
	}
	v = json_object_get(a, "action");
	if (action_from_name(json_string_value(v)) < 0) {
		bad_line(pr, "field 'action': expected allow, deny or reject");
		goto cleanup;
	}
	v = json_object_get(a, "duration");
	if (v && prompt_duration_from_name(json_string_value(v)) < 0) {
		bad_line(pr, "field 'duration': expected once, until restart, always, 30s, 5m, "
			     "15m, 30m, 1h or 12h");
		goto cleanup;
	}
	v = json_object_get(a, "scope");
	if (v && prompt_scope_from_name(json_string_value(v)) < 0) {
		bad_line(pr, "field 'scope': expected exe, exe+host, exe+ip, exe+port or cmdline");
		goto cleanup;
	}
	v = json_object_get(a, "pin_hash");
	if (v && !json_is_boolean(v)) {
		bad_line(pr, "field 'pin_hash': expected true or false");
		goto cleanup;
	}
	r = send_answer(pr, a);
	if (r < 0) {
		fprintf(stderr, "picket: prompt: cannot send the answer: %s\n", strerror(-r));
		pr->rc = 1;
	}
cleanup:
	json_decref(a);
}

static void read_stdin(struct prompter *pr)
{
	ssize_t n;
	char *nl;

	n = read(STDIN_FILENO, pr->in + pr->inlen, CONTROL_LINE_MAX + 1 - pr->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (pr->inlen > 0 && !pr->in_skip) {
			pr->in_line++;
			answer_line(pr, pr->in, pr->inlen);
		}
		pr->inlen = 0;
		pr->in_eof = true;
		pr->drain_until = now_ms() + DRAIN_MS;
		return;
	}
	pr->inlen += (size_t)n;
	while ((nl = memchr(pr->in, '\n', pr->inlen))) {
		size_t l = (size_t)(nl - pr->in);

		pr->in_line++;
		if (pr->in_skip)
			pr->in_skip = false;
		else
			answer_line(pr, pr->in, l);
		memmove(pr->in, nl + 1, pr->inlen - l - 1);
		pr->inlen -= l + 1;
	}
	if (pr->inlen > CONTROL_LINE_MAX) {
		if (!pr->in_skip)
			bad_line(pr, "longer than %d bytes", CONTROL_LINE_MAX);
		pr->in_skip = true; /* up to its end */
		pr->inlen = 0;
	}
}

/* --- the terminal -------------------------------------------------------- */

static void tty_draw(struct prompter *pr)
{
	struct pending *p = pr->n ? &pr->q[pr->cur] : NULL;
	const char *notes[NOTES_MAX];
	struct prompt_view v = {
		.prompt = p ? p->prompt : NULL,
		.ch = p ? &p->ch : NULL,
		.index = pr->cur,
		.count = pr->n,
		.now_ms = now_ms(),
		.deadline_ms = p ? p->deadline_ms : 0,
		.sending = p && p->sending,
		.status = pr->status[0] ? pr->status : NULL,
		.notes = notes,
		.nnotes = pr->nnotes,
	};
	char *out;
	size_t len = 0;

	for (size_t i = 0; i < pr->nnotes; i++)
		notes[i] = pr->notes[i];
	tty_size(pr->scr);
	pr->scr->color = getenv("NO_COLOR") == NULL;
	prompt_render(pr->scr, &v);
	out = malloc(SCREEN_ROWS_MAX * (SCREEN_LINE_MAX + 8) + 16);
	if (!out)
		return;
	memcpy(out, "\033[H", 3);
	len = 3;
	for (size_t i = 0; i < pr->scr->n; i++) {
		memcpy(out + len, pr->scr->line[i].b, pr->scr->line[i].len);
		len += pr->scr->line[i].len;
		memcpy(out + len, i + 1 < pr->scr->n ? "\033[K\r\n" : "\033[K", i + 1 < pr->scr->n ? 5 : 3);
		len += i + 1 < pr->scr->n ? 5 : 3;
	}
	memcpy(out + len, "\033[J", 3);
	len += 3;
	write_all(STDOUT_FILENO, out, len);
	free(out);
}

static void tty_key(struct prompter *pr, int c)
{
	struct pending *p = pr->n ? &pr->q[pr->cur] : NULL;
	char why[NOTE_LEN];
	json_t *params;
	int r;

	if (c == 'q' || c == 4 /* Ctrl-D */) {
		pr->rc = 0;
		return;
	}
	if (!p)
		return;
	if (p->sending) {
		if (c == '\t' || c == 'n')
			pr->cur = (pr->cur + 1) % pr->n;
		return;
	}
	pr->status[0] = '\0';
	switch (prompt_choice_key(p->prompt, &p->ch, c, why, sizeof(why))) {
	case PROMPT_KEY_REFUSED:
		snprintf(pr->status, sizeof(pr->status), "%s", why);
		break;
	case PROMPT_KEY_NEXT:
		pr->cur = (pr->cur + 1) % pr->n;
		break;
	case PROMPT_KEY_QUIT:
		pr->rc = 0;
		break;
	case PROMPT_KEY_SEND:
		if (pr->nans == ANSWERS_MAX) {
			snprintf(pr->status, sizeof(pr->status), "too many answers on their way");
			break;
		}
		params = prompt_answer_params(p->prompt, &p->ch);
		r = params ? send_answer(pr, params) : -ENOMEM;
		json_decref(params);
		if (r < 0)
			snprintf(pr->status, sizeof(pr->status), "cannot send the answer: %s",
				 strerror(-r));
		else
			p->sending = true;
		break;
	default:
		break;
	}
}

static void read_keys(struct prompter *pr)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n == 0) {
		pr->rc = 0; /* the terminal went away */
		return;
	}
	for (ssize_t i = 0; i < n && pr->rc < 0; i++) {
		/* An escape sequence (arrows, function keys): skip it whole. */
		if (buf[i] == '\033') {
			if (i + 1 < n && (buf[i + 1] == '[' || buf[i + 1] == 'O')) {
				i += 2;
				while (i < n && !(buf[i] >= 0x40 && buf[i] <= 0x7e))
					i++;
			}
			continue;
		}
		tty_key(pr, (unsigned char)buf[i]);
	}
}

static int tty_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGWINCH);
	int fd;

	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Returns the exit status for a signal that ends the prompter, else -1. */
static int read_signals(struct prompter *pr)
{
	struct signalfd_siginfo si;

	while (read(pr->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGWINCH)
			return 128 + (int)si.ssi_signo;
	}
	return -1; /* SIGWINCH: the next draw asks for the size */
}

/* --- the loop ------------------------------------------------------------ */

/* How long poll may sleep: until the countdown shown changes (a terminal),
 * or the drain deadline (--json after stdin closed). */
static int poll_timeout(const struct prompter *pr)
{
	long long left;

	if (!pr->subscribed)
		return SUBSCRIBE_MS;
	if (pr->json) {
		if (!pr->in_eof)
			return -1;
		left = pr->drain_until - now_ms();
		return left > 0 ? (int)left : 0;
	}
	if (pr->n == 0)
		return -1;
	left = pr->q[pr->cur].deadline_ms - now_ms();
	if (left <= 0)
		return 1000;
	return (int)(left % 1000) + 1;
}

static void loop(struct prompter *pr)
{
	while (pr->rc < 0) {
		struct pollfd pfd[3] = {
			{.fd = client_fd(pr->cl), .events = POLLIN},
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = pr->sfd, .events = POLLIN},
		};
		int timeout = poll_timeout(pr), r;

		/* --json: no new answers while ANSWERS_MAX wait for replies. */
		if (pr->in_eof || (pr->json && pr->nans == ANSWERS_MAX) || !pr->subscribed)
			pfd[1].fd = -1;
		if (!pr->json)
			tty_draw(pr);
		if (pr->json && pr->in_eof && pr->nans == 0) {
			pr->rc = 0;
			break;
		}
		r = poll(pfd, 3, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "picket: prompt: poll: %s\n", strerror(errno));
			pr->rc = 1;
			break;
		}
		if (r == 0 && !pr->subscribed) {
			fprintf(stderr, "picket: prompts.subscribe: no reply from picketd in %d s\n",
				SUBSCRIBE_MS / 1000);
			pr->rc = 1;
			break;
		}
		if (r == 0 && pr->json && pr->in_eof) {
			fprintf(stderr, "picket: prompt: no reply from picketd to %zu answer%s in "
					"%d s\n", pr->nans, pr->nans == 1 ? "" : "s", DRAIN_MS / 1000);
			pr->rc = 1;
			break;
		}
		if (pfd[2].revents & POLLIN) {
			int sig = read_signals(pr);

			if (sig >= 0) {
				pr->rc = sig;
				break;
			}
		}
		if (pfd[0].revents) {
			json_t *msg;

			/* Take every line that is there: some may be buffered. */
			while (pr->rc < 0 && (r = client_read(pr->cl, 0, &msg)) == 0) {
				on_message(pr, msg);
				json_decref(msg);
			}
			if (pr->rc < 0 && r != -ETIMEDOUT) {
				tty_restore();
				fprintf(stderr, "picket: prompt: %s\n",
					r == -ECONNRESET ? "picketd closed the connection"
					: r == -EBADMSG	 ? "picketd sent a line that is not a JSON object"
							 : strerror(-r));
				pr->rc = 1;
				break;
			}
		}
		if (pr->rc < 0 && pfd[1].revents) {
			if (pr->json)
				read_stdin(pr);
			else
				read_keys(pr);
		}
	}
}

int prompt_main(struct client *cl, bool json)
{
	struct prompter *pr = calloc(1, sizeof(*pr));
	sigset_t oldmask;
	int r, rc = 1;

	if (!pr)
		return 1;
	pr->cl = cl;
	pr->json = json;
	pr->rc = -1;
	pr->sfd = -1;
	pr->timeout_s = 30;
	r = client_send(cl, "prompts.subscribe", NULL, &pr->sub_req);
	if (r < 0) {
		json_t *msg = NULL, *error;
		char err[512];

		/* A refused peer is told why, then closed: that line is the
		 * real answer, not the broken pipe. */
		if (client_read(cl, 1000, &msg) == 0 &&
		    json_is_object(error = json_object_get(msg, "error"))) {
			client_error_text(error, err, sizeof(err));
			fprintf(stderr, "picket: prompt: %s\n", err);
		} else {
			fprintf(stderr, "picket: prompts.subscribe: cannot send: %s\n",
				strerror(-r));
		}
		json_decref(msg);
		goto cleanup;
	}
	if (json) {
		pr->in = malloc(CONTROL_LINE_MAX + 1);
		if (!pr->in)
			goto cleanup;
	} else {
		pr->scr = malloc(sizeof(*pr->scr));
		if (!pr->scr)
			goto cleanup;
		pr->sfd = tty_signals(&oldmask);
		if (pr->sfd < 0) {
			fprintf(stderr, "picket: prompt: signals: %s\n", strerror(-pr->sfd));
			goto cleanup;
		}
		r = tty_enter();
		if (r < 0) {
			fprintf(stderr, "picket: prompt: terminal: %s\n", strerror(-r));
			goto cleanup;
		}
	}
	loop(pr);
	rc = pr->rc;
cleanup:
	if (!json) {
		tty_restore();
		/* The alternate screen is gone: say what happened here. */
		for (size_t i = 0; i < pr->nnotes; i++)
			printf("%s\n", pr->notes[i]);
		if (pr->n > 0)
			printf("picket prompt: %zu prompt%s left unanswered (picketd applies the "
			       "default action)\n", pr->n, pr->n == 1 ? "" : "s");
		if (pr->sfd >= 0) {
			close(pr->sfd);
			sigprocmask(SIG_SETMASK, &oldmask, NULL);
		}
	}
	for (size_t i = 0; i < pr->n; i++)
		json_decref(pr->q[i].prompt);
	free(pr->in);
	free(pr->scr);
	free(pr);
	return rc;
}
