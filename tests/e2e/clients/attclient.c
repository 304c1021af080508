/* attclient: the attribution scorecard's client (tests/e2e/cases/04x).
 *
 *   attclient MODE FAMILY ADDR PORT [N]
 *   attclient spawn N MODE FAMILY ADDR PORT0   N children, child i: PORT0 + i
 *
 * Opens one flow the way MODE says, then exits at once unless MODE waits
 * for something, and prints "EXPECT pid port" per flow it opened, so the
 * scorecard knows which process must be named for which flow. MODE:
 *   tcp        blocking connect          tcpnb     non-blocking connect, exit
 *   tcpthread  connect from a new thread uring     connect through io_uring
 *   udp        sendto, exit              udpconn   connect + send, exit
 *   udpconnsp  connect + send, exit; says "EXPECT pid sport:N" (for many
 *              processes sending to the same destination)
 *   renamed    prctl(PR_SET_NAME) first, then tcp
 *   deleted    unlink our own executable first, then tcp
 *   parallel   N non-blocking connects to PORT..PORT+N-1 from one process
 *   rawicmp    raw socket ICMP echo with id PORT, waits 300 ms for the reply
 *   raw253     raw IP protocol 253 datagram, waits 200 ms
 * ATT_DELAY_MS in the environment: sleep that long before the flow.
 * Exit status: 0 done (the flow's own result does not matter), 3 set-up error.
 * Bounds: N <= 1000.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_URING
#include <liburing.h>
#endif

static int family;
static struct sockaddr_storage dst;
static socklen_t dstlen;

static void expect(int port)
{
	printf("EXPECT %d %d\n", (int)getpid(), port);
	fflush(stdout);
}

static int set_dst(const char *fam, const char *addr, int port)
{
	memset(&dst, 0, sizeof(dst));
	family = strcmp(fam, "6") == 0 ? AF_INET6 : AF_INET;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&dst;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		dstlen = sizeof(*s);
		return inet_pton(AF_INET, addr, &s->sin_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	dstlen = sizeof(*s6);
	return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? 0 : -1;
}

static void tcp_connect(int nonblock)
{
	struct timeval tv = {2, 0};
	int s = socket(family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (s < 0)
		exit(3);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	connect(s, (struct sockaddr *)&dst, dstlen);
	if (!nonblock)
		close(s);
}

static void *thread_main(void *arg)
{
	tcp_connect(0);
	return arg;
}

static void udp_send(int connected)
{
	int s = socket(family, SOCK_DGRAM, 0);

	if (s < 0)
		exit(3);
	if (connected) {
		if (connect(s, (struct sockaddr *)&dst, dstlen) < 0)
			return;
		if (connected == 2) {
			struct sockaddr_storage me;
			socklen_t len = sizeof(me);
			getsockname(s, (struct sockaddr *)&me, &len);
			printf("EXPECT %d sport:%u\n", (int)getpid(),
			       ntohs(((struct sockaddr_in *)&me)->sin_port));
			fflush(stdout);
		}
		send(s, "att", 3, 0);
	} else {
		sendto(s, "att", 3, 0, (struct sockaddr *)&dst, dstlen);
	}
}

static void uring_connect(void)
{
#ifdef HAVE_URING
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int s = socket(family, SOCK_STREAM, 0);

	if (s < 0 || io_uring_queue_init(4, &ring, 0) < 0)
		exit(3);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, s, (struct sockaddr *)&dst, dstlen);
	io_uring_submit(&ring);
	if (io_uring_wait_cqe(&ring, &cqe) == 0)
		io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
#else
	fprintf(stderr, "attclient: built without liburing\n");
	exit(3);
#endif
}

static void raw_send(int proto, int id, int wait_ms)
{
	int s = socket(AF_INET, SOCK_RAW, proto);
	char buf[64] = {0};
	size_t len = 16;

	if (s < 0)
		exit(3);
	if (proto == IPPROTO_ICMP) {
		struct icmphdr *h = (struct icmphdr *)buf;
		uint32_t sum = 0;
		h->type = ICMP_ECHO;
		h->un.echo.id = htons((uint16_t)id);
		h->un.echo.sequence = htons(1);
		for (size_t i = 0; i < len; i += 2)
			sum += (uint16_t)((unsigned char)buf[i] << 8 | (unsigned char)buf[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		h->checksum = htons((uint16_t)~sum);
	}
	sendto(s, buf, len, 0, (struct sockaddr *)&dst, dstlen);
	poll(NULL, 0, wait_ms);
}

static int run(const char *mode, const char *fam, const char *addr, int port, int n)
{
	const char *delay = getenv("ATT_DELAY_MS");

	if (set_dst(fam, addr, port) < 0) {
		fprintf(stderr, "attclient: bad address %s\n", addr);
		return 3;
	}
	if (delay)
		poll(NULL, 0, atoi(delay));
	if (strcmp(mode, "parallel") == 0) {
		for (int i = 0; i < n; i++) {
			set_dst(fam, addr, port + i);
			tcp_connect(1);
			expect(port + i);
		}
		poll(NULL, 0, 300);
		return 0;
	}
	if (strcmp(mode, "udpconnsp") == 0) {
		udp_send(2);
		return 0;
	}
	expect(port);
	if (strcmp(mode, "tcp") == 0) {
		tcp_connect(0);
	} else if (strcmp(mode, "tcpnb") == 0) {
		tcp_connect(1);
	} else if (strcmp(mode, "tcpthread") == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, NULL) != 0)
			return 3;
		pthread_join(t, NULL);
	} else if (strcmp(mode, "udp") == 0) {
		udp_send(0);
	} else if (strcmp(mode, "udpconn") == 0) {
		udp_send(1);
	} else if (strcmp(mode, "uring") == 0) {
		uring_connect();
	} else if (strcmp(mode, "renamed") == 0) {
		prctl(PR_SET_NAME, "not-attclient", 0, 0, 0);
		tcp_connect(0);
	} else if (strcmp(mode, "deleted") == 0) {
		char self[4096];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len <= 0)
			return 3;
		self[len] = '\0';
		if (unlink(self) < 0)
			return 3;
		tcp_connect(0);
	} else if (strcmp(mode, "rawicmp") == 0) {
		raw_send(IPPROTO_ICMP, port, 300);
	} else if (strcmp(mode, "raw253") == 0) {
		raw_send(253, 0, 200);
	} else {
		fprintf(stderr, "attclient: unknown mode %s\n", mode);
		return 3;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && strcmp(argv[1], "spawn") == 0) {
		int n = atoi(argv[2]), port0 = atoi(argv[6]);
		if (n < 1 || n > 1000)
			return 3;
		for (int i = 0; i < n; i++) {
			pid_t c = fork();
			if (c == 0) {
				char port[16];
				/* ATT_SAME_PORT: every child to the same port */
				snprintf(port, sizeof(port), "%d",
					 getenv("ATT_SAME_PORT") ? port0 : port0 + i);
				execl("/proc/self/exe", argv[0], argv[3], argv[4], argv[5], port,
				      (char *)NULL);
				_exit(3);
			}
		}
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return 0;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: attclient MODE FAMILY ADDR PORT [N]\n");
		return 3;
	}
	return run(argv[1], argv[2], argv[3], atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 1);
}
