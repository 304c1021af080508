/* acceptd: the connection-rate benchmark's server. Accepts on [::]:PORT
 * (dual stack) with epoll and closes every connection at once; prints
 * "ready" when listening and the count of accepted connections on SIGTERM.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	int one = 1, zero = 0, lfd, efd, sfd;
	unsigned long accepted = 0;
	sigset_t mask;

	if (argc != 2) {
		fprintf(stderr, "usage: acceptd PORT\n");
		return 2;
	}
	sin6.sin6_port = htons((uint16_t)atoi(argv[1]));

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || sfd < 0) {
		perror("acceptd: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || listen(lfd, 4096) < 0) {
		perror("acceptd: bind/listen");
		return 1;
	}
	efd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	epoll_ctl(efd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(efd, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				printf("accepted %lu\n", accepted);
				return 0;
			}
			for (;;) {
				int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				if (c < 0)
					break;
				accepted++;
				close(c);
			}
		}
	}
}
