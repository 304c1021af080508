// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attrib against the real kernel: sockets on loopback, looked up through
 * sock_diag and /proc. Run as root, the test first moves into a network
 * namespace of its own (unshare; it vanishes with the process) so it can
 * bring lo up and allow ping sockets there without touching the host's
 * settings; otherwise it runs where it is and skips what it cannot do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "attrib/attrib.h"
#include "attrib/proc.h"
#include "attrib/sockdiag.h"

#define BENCH_CYCLES 2000
#define ICMP_ECHO_REQUEST 8 /* not <netinet/ip_icmp.h>: its echo_id macro breaks struct flow */

static struct attrib *A;
static char self_exe[PATH_MAX];
static int have_ipv6;

union sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static socklen_t sa_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static union sa loopback(int family, uint16_t port)
{
	union sa a;

	memset(&a, 0, sizeof(a));
	if (family == AF_INET) {
		a.in.sin_family = AF_INET;
		a.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.in.sin_port = htons(port);
	} else {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_addr = in6addr_loopback;
		a.in6.sin6_port = htons(port);
	}
	return a;
}

static uint16_t sa_port(const union sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port);
}

static void sa_addr(const union sa *a, union picket_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->sa.sa_family == AF_INET)
		ret->in = a->in.sin_addr;
	else
		ret->in6 = a->in6.sin6_addr;
}

static struct flow make_flow(int family, int proto, const union sa *local, const union sa *remote)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.family = (uint8_t)family;
	f.proto = (uint8_t)proto;
	sa_addr(local, &f.src);
	sa_addr(remote, &f.dst);
	if (flow_has_ports(&f)) {
		f.sport = sa_port(local);
		f.dport = sa_port(remote);
	}
	return f;
}

/* The flow FD sends to REMOTE; an unbound local address reads as loopback. */
static struct flow flow_of(int fd, int proto, const union sa *remote)
{
	union sa local;
	socklen_t len = sizeof(local);

	assert_int_equal(getsockname(fd, &local.sa, &len), 0);
	if (local.sa.sa_family == AF_INET && local.in.sin_addr.s_addr == INADDR_ANY)
		local.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (local.sa.sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&local.in6.sin6_addr))
		local.in6.sin6_addr = in6addr_loopback;
	return make_flow(local.sa.sa_family, proto, &local, remote);
}

static uint64_t inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static int listener(int family, int type, union sa *ret_addr)
{
	union sa a = loopback(family, 0);
	socklen_t len = sa_len(family);
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, &a.sa, len), 0);
	/* A child that failed to connect must not hang the test in accept(). */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 128), 0);
	assert_int_equal(getsockname(fd, &ret_addr->sa, &len), 0);
	return fd;
}

static void assert_is_self(const struct proc_info *p)
{
	char cwd[PATH_MAX];

	assert_non_null(p);
	assert_int_equal(p->pid, getpid());
	assert_int_equal(p->ppid, getppid());
	assert_string_equal(p->path, self_exe);
	assert_non_null(strstr(p->cmdline, "test-attrib"));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(p->cwd, cwd);
	assert_int_equal(p->uid, geteuid());
}

static void lookup_self(const struct flow *f)
{
	const struct proc_info *p = NULL;

	assert_int_equal(attrib_lookup(A, f, &p), 0);
	assert_is_self(p);
}

/* ---- TCP ---- */

static void tcp_case(int family, int nonblock)
{
	union sa srv;
	int l, c, r;
	struct flow f;

	l = listener(family, SOCK_STREAM, &srv);
	c = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	assert_true(c >= 0);
	r = connect(c, &srv.sa, sa_len(family));
	assert_true(r == 0 || (nonblock && errno == EINPROGRESS));
	f = flow_of(c, IPPROTO_TCP, &srv);
	lookup_self(&f);
	close(c);
	close(l);
}

static void test_tcp4_blocking(void **state) { tcp_case(AF_INET, 0); }
static void test_tcp4_nonblocking(void **state) { tcp_case(AF_INET, 1); }

static void test_tcp6(void **state)
{
	if (!have_ipv6)
		skip();
	tcp_case(AF_INET6, 0);
	tcp_case(AF_INET6, 1);
}

/* ---- UDP ---- */

static void udp_case(int family, int connected)
{
	union sa srv;
	int l, c;
	struct flow f;

	l = listener(family, SOCK_DGRAM, &srv);
	c = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	if (connected) {
		assert_int_equal(connect(c, &srv.sa, sa_len(family)), 0);
		assert_int_equal(send(c, "x", 1, 0), 1);
	} else {
		assert_int_equal(sendto(c, "x", 1, 0, &srv.sa, sa_len(family)), 1);
	}
	f = flow_of(c, IPPROTO_UDP, &srv);
	lookup_self(&f);
	close(c);
	close(l);
}

static void test_udp4(void **state)
{
	udp_case(AF_INET, 0);
	udp_case(AF_INET, 1);
}

static void test_udp6(void **state)
{
	if (!have_ipv6)
		skip();
	udp_case(AF_INET6, 0);
	udp_case(AF_INET6, 1);
}

/* A dual-stack IPv6 socket talking to an IPv4 peer sends IPv4 packets. */
static void test_v4_mapped(void **state)
{
	union sa srv4, srv6;
	struct flow f;
	int protos[] = { IPPROTO_TCP, IPPROTO_UDP };

	if (!have_ipv6)
		skip();
	for (size_t i = 0; i < 2; i++) {
		int type = protos[i] == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
		int l = listener(AF_INET, type, &srv4), c, off = 0;

		memset(&srv6, 0, sizeof(srv6));
		srv6.in6.sin6_family = AF_INET6;
		srv6.in6.sin6_port = srv4.in.sin_port;
		srv6.in6.sin6_addr.s6_addr[10] = 0xff;
		srv6.in6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&srv6.in6.sin6_addr.s6_addr[12], &srv4.in.sin_addr, 4);
		c = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
		assert_true(c >= 0);
		assert_int_equal(setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)), 0);
		assert_int_equal(connect(c, &srv6.sa, sizeof(srv6.in6)), 0);
		if (type == SOCK_DGRAM)
			assert_int_equal(send(c, "x", 1, 0), 1);
		/* The flow as the IPv4 packet shows it. */
		f = make_flow(AF_INET, protos[i], &srv4, &srv4);
		{
			union sa local;
			socklen_t len = sizeof(local);

			assert_int_equal(getsockname(c, &local.sa, &len), 0);
			f.sport = ntohs(local.in6.sin6_port);
		}
		lookup_self(&f);
		close(c);
		close(l);
	}
}

/* Pins down which end sock_diag wants in idiag_src (see sockdiag.c). The
 * wrong order finds nothing, or on loopback the peer's socket. */
static void test_diag_order(void **state)
{
	struct sockdiag *sd = NULL;
	union sa srv, peer;
	socklen_t len = sizeof(peer);
	uint64_t ino;
	struct flow f;
	int l, c, s, r;

	assert_int_equal(sockdiag_new(&sd), 0);

	l = listener(AF_INET, SOCK_STREAM, &srv);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, &srv.sa, sa_len(AF_INET)), 0);
	s = accept4(l, &peer.sa, &len, SOCK_CLOEXEC);
	assert_true(s >= 0);
	f = flow_of(c, IPPROTO_TCP, &srv);
	assert_int_equal(sockdiag_inet_exact(sd, &f, true, &ino), 0);
	assert_int_equal(ino, inode_of(c));
	r = sockdiag_inet_exact(sd, &f, false, &ino);
	print_message("diag order: TCP local-in-src finds the socket; remote-in-src: %s\n",
		      r < 0 ? strerror(-r) : ino == inode_of(s) ? "the peer's socket" : "other");
	assert_true(r < 0 || ino != inode_of(c));
	close(s);
	close(c);
	close(l);

	l = listener(AF_INET, SOCK_DGRAM, &srv);
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, &srv.sa, sa_len(AF_INET)), 0);
	f = flow_of(c, IPPROTO_UDP, &srv);
	assert_int_equal(sockdiag_inet_exact(sd, &f, false, &ino), 0);
	assert_int_equal(ino, inode_of(c));
	r = sockdiag_inet_exact(sd, &f, true, &ino);
	print_message("diag order: UDP remote-in-src finds the socket; local-in-src: %s\n",
		      r < 0 ? strerror(-r) : ino == inode_of(l) ? "the peer's socket" : "other");
	assert_true(r < 0 || ino != inode_of(c));
	close(c);

	/* Unconnected: the exact 4-tuple finds it (the kernel's lookup does
	 * the wildcard match), and so does a remote of 0.0.0.0:0. */
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(sendto(c, "x", 1, 0, &srv.sa, sa_len(AF_INET)), 1);
	f = flow_of(c, IPPROTO_UDP, &srv);
	assert_int_equal(sockdiag_inet_exact(sd, &f, false, &ino), 0);
	assert_int_equal(ino, inode_of(c));
	f.dst.in.s_addr = 0;
	f.dport = 0;
	r = sockdiag_inet_exact(sd, &f, false, &ino);
	print_message("diag order: unconnected UDP with remote 0.0.0.0:0: %s\n",
		      r < 0 ? strerror(-r) : ino == inode_of(c) ? "found" : "other");
	close(c);
	close(l);
	sockdiag_free(sd);
}

/* ---- ICMP and raw ---- */

static void ping_case(int family)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint8_t echo[8] = { family == AF_INET ? ICMP_ECHO_REQUEST : 128, 0 };
	union sa dst = loopback(family, 0), local;
	socklen_t len = sizeof(local);
	struct flow f;
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		print_message("ping socket (family %d): %s, skipped "
			      "(net.ipv4.ping_group_range)\n", family, strerror(errno));
		skip();
	}
	assert_int_equal(sendto(fd, echo, sizeof(echo), 0, &dst.sa, sa_len(family)), sizeof(echo));
	assert_int_equal(getsockname(fd, &local.sa, &len), 0);
	f = make_flow(family, proto, &dst, &dst); /* src: loopback */
	f.icmp_type = echo[0];
	f.echo_id = sa_port(&local); /* a ping socket's "port" is its echo id */
	lookup_self(&f);
	close(fd);
}

static void test_ping4(void **state) { ping_case(AF_INET); }

static void test_ping6(void **state)
{
	if (!have_ipv6)
		skip();
	ping_case(AF_INET6);
}

static void raw_case(int family, int proto, uint8_t icmp_type)
{
	union sa dst = loopback(family, 0);
	const char *table = family == AF_INET ? "/proc/net/raw" : "/proc/net/raw6";
	struct flow f;
	uint64_t ino;
	int fd;

	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		print_message("raw socket %d: %s, skipped\n", proto, strerror(errno));
		skip();
	}
	f = make_flow(family, proto, &dst, &dst);
	f.icmp_type = icmp_type;
	f.echo_id = 54321; /* no ping socket has it: the raw socket must be found */
	lookup_self(&f);
	/* The fallback for kernels without raw_diag reads the same socket. */
	assert_int_equal(procnet_find_inode(table, (uint8_t)family, &f.src, (uint16_t)proto, &f.dst,
					    0, &ino), 0);
	assert_int_equal(ino, inode_of(fd));
	close(fd);
}

static void test_raw(void **state)
{
	raw_case(AF_INET, 253, 0);
	raw_case(AF_INET, IPPROTO_ICMP, ICMP_ECHO_REQUEST);
	if (have_ipv6)
		raw_case(AF_INET6, 253, 0);
}

/* ---- other processes ---- */

static double elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}


/* Fork; the child runs SETUP (which returns the fd to keep) and execs ARGV
 * with ENVP. Returns when the exec has happened (the CLOEXEC pipe closed). */
static pid_t spawn(int (*setup)(void *), void *arg, char *const argv[], char *const envp[])
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setup && setup(arg) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(p[1]);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int connect_to(void *arg)
{
	const union sa *srv = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0); /* inherited by the exec */

	return fd < 0 ? -1 : connect(fd, &srv->sa, sa_len(AF_INET));
}

static void test_child(void **state)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	char *envp[] = { "PICKET_TEST=child", "A=b", NULL };
	const struct proc_info *p = NULL;
	char sleep_path[PATH_MAX];
	union sa srv, peer;
	socklen_t len = sizeof(peer);
	struct timespec t0, t1;
	struct flow f;
	pid_t pid;
	int l, s;

	assert_non_null(realpath("/bin/sleep", sleep_path));
	l = listener(AF_INET, SOCK_STREAM, &srv);
	pid = spawn(connect_to, &srv, argv, envp);
	s = accept4(l, &peer.sa, &len, SOCK_CLOEXEC);
	assert_true(s >= 0);
	f = make_flow(AF_INET, IPPROTO_TCP, &peer, &srv);

	/* A process not seen before: found by the scan of all of /proc. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(attrib_lookup(A, &f, &p), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("attrib: first lookup of a new process (full /proc scan, proc_info read): "
		      "%.0f us\n", elapsed_us(&t0, &t1));
	assert_int_equal(p->pid, pid);
	assert_int_equal(p->ppid, getpid());
	assert_string_equal(p->path, sleep_path);
	assert_string_equal(p->cmdline, "/bin/sleep 30");
	assert_string_equal(p->parent_path, self_exe);
	assert_int_equal(p->environ_len, sizeof("PICKET_TEST=child\0A=b"));
	assert_memory_equal(p->environ, "PICKET_TEST=child\0A=b", p->environ_len);

	/* The same again comes from the caches. */
	assert_int_equal(attrib_lookup(A, &f, &p), 0);
	assert_int_equal(p->pid, pid);

	reap(pid);
	assert_int_equal(attrib_lookup(A, &f, &p), -ENOENT);
	assert_int_equal(attrib_proc_by_pid(A, pid, &p), -ENOENT);
	attrib_expire(A);
	assert_int_equal(attrib_proc_by_pid(A, getpid(), &p), 0);
	assert_is_self(p);
	close(s);
	close(l);
}

struct exec_arg {
	int stdin_fd;
	union sa srv;
};

static int keep_socket_stdin_pipe(void *data)
{
	struct exec_arg *arg = data;

	if (dup2(arg->stdin_fd, 0) < 0)
		return -1;
	return connect_to(&arg->srv);
}

/* A process that exec()s keeps its sockets: the new program is seen once the
 * cached entry is older than ATTRIB_PROC_TTL_MS. */
static void test_exec_seen(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "read x; exec /bin/sleep 30", NULL };
	char *envp[] = { NULL };
	struct exec_arg *arg;
	const struct proc_info *p = NULL;
	char sh_path[PATH_MAX], sleep_path[PATH_MAX], exe[PATH_MAX], link[64];
	union sa peer;
	socklen_t len = sizeof(peer);
	struct flow f;
	int l, s, in[2];
	pid_t pid;

	assert_non_null(realpath("/bin/sh", sh_path));
	assert_non_null(realpath("/bin/sleep", sleep_path));
	arg = calloc(1, sizeof(*arg));
	assert_non_null(arg);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	l = listener(AF_INET, SOCK_STREAM, &arg->srv);
	arg->stdin_fd = in[0];
	pid = spawn(keep_socket_stdin_pipe, arg, argv, envp);
	close(in[0]);
	s = accept4(l, &peer.sa, &len, SOCK_CLOEXEC);
	assert_true(s >= 0);
	f = make_flow(AF_INET, IPPROTO_TCP, &peer, &arg->srv);
	assert_int_equal(attrib_lookup(A, &f, &p), 0);
	assert_int_equal(p->pid, pid);
	assert_string_equal(p->path, sh_path);

	assert_int_equal(write(in[1], "\n", 1), 1);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 200; i++) {
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);

		if (n > 0 && (exe[n] = '\0', strcmp(exe, sleep_path) == 0))
			break;
		usleep(10000);
	}
	usleep((ATTRIB_PROC_TTL_MS + 100) * 1000);
	assert_int_equal(attrib_lookup(A, &f, &p), 0);
	assert_int_equal(p->pid, pid);
	assert_string_equal(p->path, sleep_path);
	assert_string_equal(p->cmdline, "/bin/sleep 30");
	reap(pid);
	close(in[1]);
	close(s);
	close(l);
	free(arg);
}

/* cmdline and environ are cut at their bounds, environ at a whole pair. */
static void test_bounds(void **state)
{
	enum { NARGS = 3000, NENV = 2000 };
	char **argv = calloc(NARGS + 3, sizeof(char *));
	char **envp = calloc(NENV + 1, sizeof(char *));
	const struct proc_info *p = NULL;
	pid_t pid;

	assert_non_null(argv);
	assert_non_null(envp);
	argv[0] = "/bin/sleep";
	argv[1] = "30";
	for (int i = 0; i < NARGS; i++)
		argv[2 + i] = "0";
	for (int i = 0; i < NENV; i++) {
		envp[i] = malloc(64);
		assert_non_null(envp[i]);
		snprintf(envp[i], 64, "VAR%04d=%050d", i, i);
	}
	pid = spawn(NULL, NULL, argv, envp);
	assert_int_equal(attrib_proc_by_pid(A, pid, &p), 0);
	assert_int_equal(strlen(p->cmdline), PROC_CMDLINE_MAX - 1);
	assert_memory_equal(p->cmdline, "/bin/sleep 30 0 0 ", 18);
	assert_true(p->environ_len > 0 && p->environ_len <= PROC_ENVIRON_MAX);
	assert_int_equal(p->environ[p->environ_len - 1], '\0');
	assert_int_equal(p->environ_len % 59, 0); /* whole "VARnnnn=<50>\0" pairs */
	assert_string_equal(p->environ, envp[0]);
	reap(pid);
	for (int i = 0; i < NENV; i++)
		free(envp[i]);
	free(envp);
	free(argv);
}

static void test_stale(void **state)
{
	const struct proc_info *p = NULL;
	struct attrib_stats before, after;
	union sa srv, dst;
	struct flow f;
	pid_t pid;
	int l;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(attrib_proc_by_pid(A, pid, &p), -ENOENT);
	assert_int_equal(attrib_proc_by_pid(A, 0, &p), -EINVAL);
	assert_int_equal(attrib_proc_by_pid(A, -1, &p), -EINVAL);

	/* A port nobody uses: no socket. */
	l = listener(AF_INET, SOCK_STREAM, &srv);
	close(l);
	dst = loopback(AF_INET, 9);
	f = make_flow(AF_INET, IPPROTO_TCP, &srv, &dst);
	attrib_get_stats(A, &before);
	assert_int_equal(attrib_lookup(A, &f, &p), -ENOENT);
	f.proto = 253;
	assert_int_equal(attrib_lookup(A, &f, &p), -ENOENT);
	attrib_get_stats(A, &after);
	assert_int_equal(after.misses, before.misses + 2);
	f.family = AF_UNIX;
	assert_int_equal(attrib_lookup(A, &f, &p), -EAFNOSUPPORT);
}

static void send_fd(int via, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_int_equal(sendmsg(via, &msg, 0), 1);
}

static int recv_fd(int via)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	assert_int_equal(recvmsg(via, &msg, MSG_CMSG_CLOEXEC), 1);
	cm = CMSG_FIRSTHDR(&msg);
	assert_non_null(cm);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* A socket whose only reference is an fd in flight: sock_diag finds it, no
 * process holds it. The second miss skips the full scan. */
static void test_no_owner(void **state)
{
	const struct proc_info *p = NULL;
	struct attrib_stats before, after;
	union sa srv;
	struct flow f;
	int l, c, pair[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
	l = listener(AF_INET, SOCK_DGRAM, &srv);
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, &srv.sa, sa_len(AF_INET)), 0);
	f = flow_of(c, IPPROTO_UDP, &srv);
	send_fd(pair[0], c);
	close(c);
	attrib_get_stats(A, &before);
	assert_int_equal(attrib_lookup(A, &f, &p), -ENOENT);
	assert_int_equal(attrib_lookup(A, &f, &p), -ENOENT);
	attrib_get_stats(A, &after);
	assert_int_equal(after.misses, before.misses + 2);
	c = recv_fd(pair[1]);
	lookup_self(&f);
	close(c);
	close(l);
	close(pair[0]);
	close(pair[1]);
}

static void test_parse_stat(void **state)
{
	const char ok[] = "42 (a) b (c) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			  "123456789 1000 100 18446744073709551615\n";
	uint64_t start = 0;
	pid_t ppid = 0;

	assert_int_equal(proc_parse_stat(ok, strlen(ok), &ppid, &start), 0);
	assert_int_equal(ppid, 7);
	assert_int_equal(start, 123456789);
	assert_int_equal(proc_parse_stat(ok, 30, &ppid, &start), -EINVAL);
	assert_int_equal(proc_parse_stat("42 (x", 5, &ppid, &start), -EINVAL);
	assert_int_equal(proc_parse_stat("", 0, &ppid, &start), -EINVAL);
}

/* ---- micro-benchmark: one process, connect/close cycles ---- */

static void test_bench(void **state)
{
	struct attrib_stats before, after;
	struct sockdiag *sd = NULL;
	double total = 0, diag = 0;
	union sa srv;
	int l;

	assert_int_equal(sockdiag_new(&sd), 0);
	l = listener(AF_INET, SOCK_STREAM, &srv);
	attrib_get_stats(A, &before);
	for (int i = 0; i < BENCH_CYCLES; i++) {
		const struct proc_info *p = NULL;
		struct timespec t0, t1, t2;
		struct flow f;
		uint64_t ino;
		int c, s, r;

		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(c >= 0);
		assert_int_equal(connect(c, &srv.sa, sa_len(AF_INET)), 0);
		s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		assert_true(s >= 0);
		f = flow_of(c, IPPROTO_TCP, &srv);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = attrib_lookup(A, &f, &p);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(r, 0);
		assert_int_equal(p->pid, getpid());
		/* The sock_diag round trip alone, for the breakdown. */
		assert_int_equal(sockdiag_flow_inode(sd, &f, &ino), 0);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		total += elapsed_us(&t0, &t1);
		diag += elapsed_us(&t1, &t2);
		/* Server closes first: TIME_WAIT stays on its side, not on the
		 * client's ephemeral ports. */
		close(s);
		close(c);
	}
	attrib_get_stats(A, &after);
	print_message("attrib bench: %d connect/close cycles, attrib_lookup avg %.2f us "
		      "(sock_diag alone %.2f us); hits_fast %llu, hits_scan %llu, misses %llu\n",
		      BENCH_CYCLES, total / BENCH_CYCLES, diag / BENCH_CYCLES,
		      (unsigned long long)(after.hits_fast - before.hits_fast),
		      (unsigned long long)(after.hits_scan - before.hits_scan),
		      (unsigned long long)(after.misses - before.misses));
	assert_true(after.hits_fast - before.hits_fast >= BENCH_CYCLES / 2);
	close(l);
	sockdiag_free(sd);
}

/* ---- setup ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static void private_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		print_message("attrib tests: no private network namespace (%s), "
			      "using the current one\n", strerror(errno));
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		abort();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		abort();
	close(fd);
	/* Per namespace: this allows ping sockets here only. */
	(void)write_file("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
}

static int group_setup(void **state)
{
	union sa a = loopback(AF_INET6, 0);
	ssize_t n;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	private_netns();
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n < 0)
		return -1;
	self_exe[n] = '\0';
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	have_ipv6 = fd >= 0 && bind(fd, &a.sa, sizeof(a.in6)) == 0;
	if (fd >= 0)
		close(fd);
	return attrib_new(&A) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	attrib_free(A);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_tcp4_blocking),
		cmocka_unit_test(test_tcp4_nonblocking),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_udp4),
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_diag_order),
		cmocka_unit_test(test_ping4),
		cmocka_unit_test(test_ping6),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_exec_seen),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_no_owner),
		cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests_name("attrib", tests, group_setup, group_teardown);
}
