/* pkclient: the e2e tests' one-shot network client.
 *
 * Opens one flow (TCP, UDP, ICMP echo or a raw IP protocol), over IPv4 or
 * IPv6, sends a few bytes and says on one line what happened and how long it
 * took, so a case can tell "allowed", "silently dropped" (timeout) and
 * "rejected" (fast error) apart:
 *
 *   ok      proto=tcp family=4 sent=5 recv=5 ms=0.42
 *   fail    proto=tcp family=4 stage=connect errno=ECONNREFUSED ms=0.31
 *   timeout proto=tcp family=4 stage=connect ms=2000.12
 *
 * Exit status: 0 ok, 1 fail (an error from the kernel or the peer),
 * 2 timeout, 3 usage or local set-up error.
 *
 * Bounds: at most 1 MiB sent (-n), timeout at most 60 s (-t).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEND (1024 * 1024)
#define MAX_TIMEOUT_MS 60000

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_TIMEOUT = 2, EXIT_USAGE = 3 };
enum proto { P_TCP, P_UDP, P_ICMP, P_RAW };

static const char *proto_name;
static int family_num = 4;
static struct timespec t_start;

static double elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t_start.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t_start.tv_nsec) / 1e6;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPIPE: return "EPIPE";
	case EPROTO: return "EPROTO";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	default: return "OTHER";
	}
}

static int report_fail(const char *stage, int err)
{
	printf("fail proto=%s family=%d stage=%s errno=%s (%s) ms=%.2f\n", proto_name,
	       family_num, stage, errno_name(err), strerror(err), elapsed_ms());
	return EXIT_FAIL;
}

static int report_timeout(const char *stage)
{
	printf("timeout proto=%s family=%d stage=%s ms=%.2f\n", proto_name, family_num,
	       stage, elapsed_ms());
	return EXIT_TIMEOUT;
}

static int report_ok(size_t sent, size_t recvd)
{
	printf("ok proto=%s family=%d sent=%zu recv=%zu ms=%.2f\n", proto_name, family_num,
	       sent, recvd, elapsed_ms());
	return EXIT_OK;
}

static int remaining_ms(int timeout_ms)
{
	double left = timeout_ms - elapsed_ms();

	return left < 0 ? 0 : (int)left + 1;
}

/* Waits for events on fd until the overall deadline; returns revents or 0. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int r = poll(&p, 1, remaining_ms(timeout_ms));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		return p.revents;
	}
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int run_tcp(int fd, const struct sockaddr *sa, socklen_t salen, const char *buf,
		   size_t n, int want_echo, int timeout_ms)
{
	size_t sent = 0, recvd = 0;
	char rbuf[4096];

	if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS)
		return report_fail("connect", errno);
	int ev = wait_fd(fd, POLLOUT, timeout_ms);
	if (!ev)
		return report_timeout("connect");
	int err = sock_error(fd);
	if (err)
		return report_fail("connect", err);

	/* Read the echo while sending: a peer that echoes as it reads would
	 * otherwise block on our full receive buffer, and we on its. */
	while (sent < n) {
		int wev = wait_fd(fd, POLLOUT | (want_echo ? POLLIN : 0), timeout_ms);
		if (!wev)
			return report_timeout("send");
		if (wev & POLLIN) {
			ssize_t r = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return report_fail("recv", errno);
			if (r > 0)
				recvd += (size_t)r;
		}
		if (!(wev & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		ssize_t w = send(fd, buf + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return report_fail("send", errno);
		}
		sent += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	if (!want_echo)
		return report_ok(sent, 0);
	/* Read the echo until EOF: proves the bytes crossed both ways. */
	for (;;) {
		if (!wait_fd(fd, POLLIN, timeout_ms))
			return report_timeout("recv");
		ssize_t r = recv(fd, rbuf, sizeof(rbuf), 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return report_fail("recv", errno);
		}
		if (r == 0)
			break;
		recvd += (size_t)r;
	}
	return report_ok(sent, recvd);
}

/* UDP and raw: a connected socket, so ICMP errors come back as SO_ERROR. */
static int run_dgram(int fd, const struct sockaddr *sa, socklen_t salen, const void *pkt,
		     size_t n, int want_reply, int timeout_ms, enum proto p, uint16_t echo_id)
{
	char rbuf[65536];

	if (connect(fd, sa, salen) < 0)
		return report_fail("connect", errno);
	if (send(fd, pkt, n, 0) < 0)
		return report_fail("send", errno);
	if (!want_reply)
		return report_ok(n, 0);
	for (;;) {
		int ev = wait_fd(fd, POLLIN, timeout_ms);
		if (!ev)
			return report_timeout("recv");
		ssize_t r = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return report_fail("recv", errno);
		}
		if (p != P_ICMP)
			return report_ok(n, (size_t)r);
		/* Raw ICMP sockets see every ICMP packet: wait for our echo reply. */
		if (family_num == 4) {
			const struct iphdr *ip = (const void *)rbuf;
			size_t hl = (size_t)ip->ihl * 4;
			if ((size_t)r < hl + sizeof(struct icmphdr))
				continue;
			const struct icmphdr *ic = (const void *)(rbuf + hl);
			if (ic->type == ICMP_ECHOREPLY && ic->un.echo.id == echo_id)
				return report_ok(n, (size_t)r);
			if (ic->type == ICMP_DEST_UNREACH)
				return report_fail("recv", EHOSTUNREACH);
		} else {
			const struct icmp6_hdr *ic = (const void *)rbuf;
			if ((size_t)r < sizeof(*ic))
				continue;
			if (ic->icmp6_type == ICMP6_ECHO_REPLY && ic->icmp6_id == echo_id)
				return report_ok(n, (size_t)r);
			if (ic->icmp6_type == ICMP6_DST_UNREACH)
				return report_fail("recv", EHOSTUNREACH);
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pkclient [-4|-6] [-p tcp|udp|icmp|raw:N] [-n BYTES] [-t MS] [-e]\n"
		"                [-b BYTE] HOST [PORT]\n"
		"  -e  expect an echo (TCP: read to EOF; UDP: wait for one reply;\n"
		"      ICMP always waits for the echo reply)\n");
}

int main(int argc, char **argv)
{
	enum proto p = P_TCP;
	int raw_proto = 0, want_echo = 0, timeout_ms = 2000, opt, fd = -1;
	int family = AF_INET;
	long n = 5;
	int fill = 'x';
	struct sockaddr_storage ss;
	socklen_t salen;
	char *buf = NULL;

	proto_name = "tcp";
	while ((opt = getopt(argc, argv, "46p:n:t:eb:h")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'p':
			if (!strcmp(optarg, "tcp")) {
				p = P_TCP;
			} else if (!strcmp(optarg, "udp")) {
				p = P_UDP;
			} else if (!strcmp(optarg, "icmp")) {
				p = P_ICMP;
			} else if (!strncmp(optarg, "raw:", 4)) {
				p = P_RAW;
				raw_proto = atoi(optarg + 4);
				if (raw_proto <= 0 || raw_proto > 255) {
					usage();
					return EXIT_USAGE;
				}
			} else {
				usage();
				return EXIT_USAGE;
			}
			proto_name = optarg;
			break;
		case 'n': n = atol(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'e': want_echo = 1; break;
		case 'b': fill = optarg[0]; break;
		default: usage(); return opt == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (n < 0 || n > MAX_SEND || timeout_ms <= 0 || timeout_ms > MAX_TIMEOUT_MS) {
		usage();
		return EXIT_USAGE;
	}
	int need_port = p == P_TCP || p == P_UDP;
	if (argc - optind != 1 + need_port) {
		usage();
		return EXIT_USAGE;
	}
	family_num = family == AF_INET ? 4 : 6;

	memset(&ss, 0, sizeof(ss));
	int port = need_port ? atoi(argv[optind + 1]) : 0;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, argv[optind], &sin->sin_addr) != 1) {
			fprintf(stderr, "pkclient: bad IPv4 address %s\n", argv[optind]);
			return EXIT_USAGE;
		}
		salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, argv[optind], &sin6->sin6_addr) != 1) {
			fprintf(stderr, "pkclient: bad IPv6 address %s\n", argv[optind]);
			return EXIT_USAGE;
		}
		salen = sizeof(*sin6);
	}

	buf = malloc((size_t)n + 64);
	if (!buf) {
		fprintf(stderr, "pkclient: out of memory\n");
		return EXIT_USAGE;
	}
	memset(buf, fill, (size_t)n + 64);

	int type = SOCK_STREAM, sproto = 0;
	if (p == P_UDP) {
		type = SOCK_DGRAM;
	} else if (p == P_ICMP) {
		type = SOCK_RAW;
		sproto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	} else if (p == P_RAW) {
		type = SOCK_RAW;
		sproto = raw_proto;
	}
	fd = socket(family, type | SOCK_CLOEXEC | (p == P_TCP ? SOCK_NONBLOCK : 0), sproto);
	if (fd < 0) {
		fprintf(stderr, "pkclient: socket: %s\n", strerror(errno));
		free(buf);
		return EXIT_USAGE;
	}

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	int rc;
	if (p == P_TCP) {
		rc = run_tcp(fd, (struct sockaddr *)&ss, salen, buf, (size_t)n, want_echo,
			     timeout_ms);
	} else if (p == P_ICMP) {
		/* Echo request: 8-byte header + payload; the kernel fills the
		 * ICMPv6 checksum, ICMPv4's is ours. */
		uint16_t id = (uint16_t)(getpid() & 0xffff);
		size_t len = 8 + (size_t)n;
		uint8_t *pkt = (uint8_t *)buf;
		memmove(pkt + 8, pkt, (size_t)n);
		memset(pkt, 0, 8);
		pkt[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
		memcpy(pkt + 4, &id, 2);
		pkt[7] = 1;
		if (family == AF_INET) {
			uint16_t c = inet_csum(pkt, len);
			memcpy(pkt + 2, &c, 2);
		}
		rc = run_dgram(fd, (struct sockaddr *)&ss, salen, pkt, len, 1, timeout_ms, p, id);
	} else {
		rc = run_dgram(fd, (struct sockaddr *)&ss, salen, buf, (size_t)n,
			       p == P_UDP || want_echo, timeout_ms, p, 0);
	}
	fflush(stdout);
	close(fd);
	free(buf);
	return rc;
}
