/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * picketd: start-up, the one event loop, and an orderly stop.
 *
 * The loop waits on: the NFQUEUE socket (new flows), the control server,
 * inotify on the rules directory, a timer (debounced reloads, expiry), and
 * a signalfd (TERM/INT stop, HUP reloads). Everything runs on this thread;
 * nothing on the verdict path blocks or touches the disk.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "attrib/attrib.h"
#include "bpf/kattrib.h"
#include "common/log.h"
#include "control/server.h"
#include "daemon/context.h"
#include "daemon/daemon.h"
#include "daemon/eventlog.h"
#include "daemon/events.h"
#include "daemon/methods.h"
#include "daemon/names.h"
#include "daemon/policy.h"
#include "daemon/privileges.h"
#include "daemon/prompts.h"
#include "daemon/vcache.h"
#include "daemon/verdict.h"
#include "netfilter/marks.h"
#include "netfilter/nfq.h"
#include "rules/rules.h"

/* Bytes of each packet. A SYN is far shorter, so this costs nothing for
 * most flows; DNS messages must come whole to be read (EDNS answers up to
 * 4096 bytes; nfq caps the copy at RECV_SLOT / 2 = 4096). */
#define COPY_RANGE 4096
#define HOUSEKEEPING_SECONDS 5  /* expiry of timed rules, dead processes */
#define RELOAD_DEBOUNCE_MS 100  /* one reload for a burst of file changes */
#define DRAIN_MS 200            /* at exit, time to answer what is still queued */
#define HISTORY_FLUSH_MS 500    /* history batches: at most this old when written */

enum { TAG_NFQ = 1, TAG_CONTROL, TAG_INOTIFY, TAG_SIGNAL, TAG_HOUSEKEEPING, TAG_RELOAD,
       TAG_HISTORY, TAG_PROMPTS };

struct loop {
	int epfd;
	int sigfd;
	int inotify_fd;
	int housekeeping_fd;
	int reload_fd;
	int history_fd;
	uint64_t rules_seen; /* rules_generation() when last told around */
};

static int epoll_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int timer_arm(int fd, long first_ms, long interval_ms)
{
	struct itimerspec its = {
		.it_value = {first_ms / 1000, (first_ms % 1000) * 1000000},
		.it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000},
	};
	return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static void drain(int fd)
{
	char buf[4096];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Watch the rules directory (created if missing, so rules can be dropped in
 * later). Changes are debounced through reload_fd. */
static int watch_rules(struct daemon *d, struct loop *l)
{
	if (mkdir(d->cfg.rules_dir, 0750) < 0 && errno != EEXIST)
		log_warn("rules: cannot create %s: %s", d->cfg.rules_dir, strerror(errno));
	l->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->inotify_fd < 0)
		return -errno;
	if (inotify_add_watch(l->inotify_fd, d->cfg.rules_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_ATTRIB) < 0)
		return -errno;
	return 0;
}

/* The one place rule changes are noticed (control methods, answers,
 * reloads, expiry all move the generation): cached verdicts must not
 * outlive the rules, and a pending prompt a rule now decides is settled. */
static void notice_rule_changes(struct daemon *d, struct loop *l)
{
	uint64_t g = rules_generation(d->rules);

	if (g == l->rules_seen)
		return;
	l->rules_seen = g;
	vcache_rules_changed(d);
	prompts_rules_changed(d);
}

static void on_packets(struct daemon *d)
{
	int r = nfq_receive(d->nfq, verdict_packet, d);
	if (r < 0)
		log_warn("nfq: receive: %s", strerror(-r));
}

/* At exit: answer every packet waiting in the queue, for at most
 * DRAIN_MS, so that leaving drops none of the packets waiting there. */
static void drain_queue(struct daemon *d)
{
	struct timespec t0, now;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = nfq_receive(d->nfq, verdict_packet, d);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (n > 0 && (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 <
				  DRAIN_MS);
}

/* Returns false when the daemon should stop. */
static bool on_signal(struct daemon *d, struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			log_info("SIGHUP: reloading rules");
			verdict_forget_names();
			policy_reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("%s: stopping", strsignal((int)si.ssi_signo));
			return false;
		default:
			break;
		}
	}
	return true;
}

static int run(struct daemon *d, struct loop *l)
{
	struct epoll_event evs[16];
	bool running = true;

	while (running) {
		int n = epoll_wait(l->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		/* Flows the kernel's cache decided come first: a `log` request
		 * in this batch must see them. */
		vcache_drain(d);
		for (int i = 0; i < n && running; i++) {
			switch (evs[i].data.u64) {
			case TAG_NFQ:
				on_packets(d);
				break;
			case TAG_CONTROL:
				control_process(d->control);
				break;
			case TAG_INOTIFY:
				drain(l->inotify_fd);
				timer_arm(l->reload_fd, RELOAD_DEBOUNCE_MS, 0);
				break;
			case TAG_RELOAD:
				drain(l->reload_fd);
				policy_reload(d);
				break;
			case TAG_HOUSEKEEPING:
				drain(l->housekeeping_fd);
				policy_expire(d);
				attrib_expire(d->attrib);
				names_expire(d);
				policy_lists_refresh(d);
				break;
			case TAG_HISTORY:
				drain(l->history_fd);
				eventlog_tick(d);
				break;
			case TAG_PROMPTS:
				prompts_on_timer(d);
				break;
			case TAG_SIGNAL:
				running = on_signal(d, l);
				break;
			}
			notice_rule_changes(d, l);
		}
	}
	return 0;
}

static int setup_loop(struct daemon *d, struct loop *l)
{
	sigset_t mask;
	int r;

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	l->housekeeping_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->reload_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->history_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->sigfd < 0 || l->housekeeping_fd < 0 || l->reload_fd < 0 || l->history_fd < 0)
		return -errno;
	r = timer_arm(l->housekeeping_fd, HOUSEKEEPING_SECONDS * 1000, HOUSEKEEPING_SECONDS * 1000);
	if (r == 0)
		r = timer_arm(l->history_fd, HISTORY_FLUSH_MS, HISTORY_FLUSH_MS);
	if (r < 0)
		return r;
	if ((r = epoll_add(l->epfd, l->sigfd, TAG_SIGNAL)) < 0 ||
	    (r = epoll_add(l->epfd, l->housekeeping_fd, TAG_HOUSEKEEPING)) < 0 ||
	    (r = epoll_add(l->epfd, l->reload_fd, TAG_RELOAD)) < 0 ||
	    (r = epoll_add(l->epfd, l->history_fd, TAG_HISTORY)) < 0 ||
	    (r = epoll_add(l->epfd, l->inotify_fd, TAG_INOTIFY)) < 0 ||
	    (r = epoll_add(l->epfd, control_fd(d->control), TAG_CONTROL)) < 0 ||
	    (r = epoll_add(l->epfd, prompts_fd(d), TAG_PROMPTS)) < 0 ||
	    (r = epoll_add(l->epfd, nfq_fd(d->nfq), TAG_NFQ)) < 0)
		return r;
	return 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct daemon d = {0};
	struct loop l = {.epfd = -1, .sigfd = -1, .inotify_fd = -1, .housekeeping_fd = -1,
			 .reload_fd = -1, .history_fd = -1};
	struct nft_options nopts;
	char err[512] = "";
	bool installed = false;
	int r, ret = EXIT_FAILURE;

	r = config_load(&d.cfg, argc, argv);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : 2;
	log_set_level(d.cfg.log_level);
	if (d.cfg.log_file[0] && (r = log_open_file(d.cfg.log_file)) < 0) {
		fprintf(stderr, "picketd: --log-file %s: %s\n", d.cfg.log_file, strerror(-r));
		return EXIT_FAILURE;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.started);
	log_info("picketd %s starting (pid %d), default action %s, queue %u%s", PICKET_VERSION,
		 (int)getpid(), action_name(d.cfg.default_action), d.cfg.queue,
		 d.cfg.fail_closed ? ", fail-closed" : "");

	d.events = events_new(EVENTS_MAX);
	if (!d.events) {
		log_error("out of memory");
		goto cleanup;
	}
	if (policy_load(&d) < 0)
		goto cleanup;
	if (eventlog_open(&d) < 0) {
		log_error("out of memory");
		goto cleanup;
	}

	r = context_new(&d.context);
	if (r < 0) {
		log_error("context: cannot start: %s", strerror(-r));
		goto cleanup;
	}
	r = names_new(&d.names);
	if (r < 0) {
		log_error("dns: %s", strerror(-r));
		goto cleanup;
	}
	r = attrib_new(&d.attrib);
	if (r < 0) {
		log_error("attribution: cannot start: %s", strerror(-r));
		goto cleanup;
	}
	if (d.cfg.no_bpf) {
		log_info("attribution: sock_diag + /proc (--no-bpf)");
	} else if ((r = kattrib_open(d.cfg.cgroup, PICKET_MARK_ALLOW, &d.kattrib, err,
				     sizeof(err))) < 0) {
		log_warn("attribution: BPF not loaded: %s; using sock_diag + /proc", err);
	} else if ((r = vcache_new(&d.vcache)) < 0) {
		log_error("attribution: verdict cache: %s", strerror(-r));
		goto cleanup;
	} else {
		log_info("attribution: BPF on cgroup %s (%s), sock_diag + /proc as fallback",
			 kattrib_cgroup(d.kattrib), kattrib_programs(d.kattrib));
	}

	r = control_open(d.cfg.socket_path, "picket", daemon_methods, &d, &d.control);
	if (r < 0) {
		log_error("control: cannot listen on %s: %s", d.cfg.socket_path, strerror(-r));
		goto cleanup;
	}
	log_info("control: listening on %s (root and group picket)", d.cfg.socket_path);
	r = prompts_open(&d);
	if (r < 0) {
		log_error("prompts: cannot start: %s", strerror(-r));
		goto cleanup;
	}
	if (d.cfg.prompt_timeout)
		log_info("prompts: flows no rule decides are held up to %us while a prompter is "
			 "connected; with none, the default action applies at once",
			 d.cfg.prompt_timeout);
	else
		log_info("prompts: off (prompt-timeout 0)");

	/* Bind the queue before any packet can be sent to it. */
	r = nfq_open(d.cfg.queue, COPY_RANGE, &d.nfq);
	if (r < 0) {
		log_error("nfq: cannot bind queue %u: %s%s", d.cfg.queue, strerror(-r),
			  r == -EBUSY ? " (another program holds it; try --queue)" : "");
		goto cleanup;
	}
	log_info("nfq: bound queue %u", d.cfg.queue);

	nopts = (struct nft_options){.queue = d.cfg.queue, .fail_closed = d.cfg.fail_closed};
	r = nftables_install(&nopts, &d.backend, err, sizeof(err));
	if (r < 0) {
		/* Never run while filtering nothing. */
		log_error("netfilter: cannot install the ruleset: %s", err);
		goto cleanup;
	}
	installed = true;
	log_info("netfilter: table inet picket installed, queueing with %s%s",
		 nftables_backend_name(d.backend),
		 d.backend == NFT_BACKEND_XT_NFQUEUE ? " (this kernel has no nft queue expression)"
						     : "");

	r = watch_rules(&d, &l);
	if (r < 0) {
		log_error("rules: cannot watch %s: %s", d.cfg.rules_dir, strerror(-r));
		goto cleanup;
	}
	r = setup_loop(&d, &l);
	if (r < 0) {
		log_error("event loop: %s", strerror(-r));
		goto cleanup;
	}
	r = privileges_drop();
	if (r < 0)
		log_warn("privileges: cannot drop capabilities: %s, continuing with all", strerror(-r));
	else
		log_info("privileges: kept CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH");
	notice_rule_changes(&d, &l); /* the first rule set, for the verdict cache */
	log_info("picketd ready");
	if (run(&d, &l) == 0)
		ret = EXIT_SUCCESS;

cleanup:
	/* Held packets first: they get the default action, not a drop. */
	prompts_close(&d);
	if (installed) {
		/* Answer what is queued first: removing the table unregisters its
		 * hooks, and the kernel then drops every packet still queued. */
		drain_queue(&d);
		r = nftables_remove(err, sizeof(err));
		if (r < 0)
			log_error("netfilter: cannot remove table inet picket: %s", err);
		else
			log_info("netfilter: table inet picket removed");
	}
	nfq_close(d.nfq);
	control_close(d.control);
	vcache_free(d.vcache);
	kattrib_free(d.kattrib);
	attrib_free(d.attrib);
	names_free(d.names);
	context_free(d.context);
	rules_free(d.rules);
	eventlog_close(&d);
	events_free(d.events);
	close_fd(l.epfd);
	close_fd(l.sigfd);
	close_fd(l.inotify_fd);
	close_fd(l.housekeeping_fd);
	close_fd(l.reload_fd);
	close_fd(l.history_fd);
	log_info("picketd stopped");
	log_close();
	return ret;
}
