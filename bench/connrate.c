/* connrate: new-connection rate and connect() latency.
 *
 * Opens N TCP connections one after the other to HOST PORT, each closed at
 * once with SO_LINGER 0 (an RST, so neither side keeps TIME_WAIT and the
 * ephemeral ports last), and times every connect() with CLOCK_MONOTONIC.
 * Prints one line:
 *
 *   connrate n=20000 errors=0 seconds=0.541 rate=36968 p50_us=24.1 p99_us=48.7 max_us=912.4
 *
 * -u (unique destinations): connection i goes to HOST + i (IPv4: the
 * address as a number; IPv6: its low 32 bits), so no two connections share
 * a destination and a per-destination cache never hits. The addresses must
 * be routed to a server that accepts on all of them (an AnyIP "local" route
 * in the server's namespace); HOST + N - 1 must not wrap.
 *
 * A connect() that takes more than 2 s counts as an error; more than 1 %
 * errors -> exit 1. Bounds: N <= 1000000.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_N 1000000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);

	return sorted[i < n ? i : n - 1];
}

/* The destination of connection I: BASE itself, or BASE + I with -u. */
static void destination(struct sockaddr_storage *dst, const struct sockaddr_storage *base,
			bool unique, long i)
{
	*dst = *base;
	if (!unique)
		return;
	if (dst->ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)dst;
		sin->sin_addr.s_addr = htonl(ntohl(sin->sin_addr.s_addr) + (uint32_t)i);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)dst;
		uint32_t low;
		memcpy(&low, &sin6->sin6_addr.s6_addr[12], sizeof(low));
		low = htonl(ntohl(low) + (uint32_t)i);
		memcpy(&sin6->sin6_addr.s6_addr[12], &low, sizeof(low));
	}
}

int main(int argc, char **argv)
{
	long n = 20000, ok = 0, errors = 0;
	int family = AF_INET, opt, first_err = 0;
	bool unique = false;
	struct sockaddr_storage ss, dst;
	uint32_t low;
	socklen_t salen;
	double *lat;

	while ((opt = getopt(argc, argv, "46n:u")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'u': unique = true; break;
		case 'n': n = atol(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || n <= 0 || n > MAX_N)
		goto usage;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(argv[optind + 1]));
		if (inet_pton(AF_INET, argv[optind], &sin->sin_addr) != 1)
			goto usage;
		salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(argv[optind + 1]));
		if (inet_pton(AF_INET6, argv[optind], &sin6->sin6_addr) != 1)
			goto usage;
		salen = sizeof(*sin6);
	}
	if (family == AF_INET)
		low = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
	else {
		memcpy(&low, &((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[12], sizeof(low));
		low = ntohl(low);
	}
	if (unique && (uint64_t)low + (uint64_t)n - 1 > UINT32_MAX) {
		fprintf(stderr, "connrate: -u: %s + %ld addresses wraps around\n", argv[optind], n);
		return 2;
	}

	lat = calloc((size_t)n, sizeof(*lat));
	if (!lat) {
		fprintf(stderr, "connrate: out of memory\n");
		return 2;
	}
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct timeval tmo = {.tv_sec = 2};
	double start = now_us();
	for (long i = 0; i < n; i++) {
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fprintf(stderr, "connrate: socket: %s\n", strerror(errno));
			return 2;
		}
		/* SO_SNDTIMEO bounds a blocking connect(): a dropped SYN costs 2 s,
		 * not the kernel's minutes of retries. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
		destination(&dst, &ss, unique, i);
		double t0 = now_us();
		int r = connect(fd, (struct sockaddr *)&dst, salen);
		double t1 = now_us();
		if (r == 0) {
			lat[ok++] = t1 - t0;
		} else {
			if (!errors)
				first_err = errno;
			errors++;
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		if (errors > n / 100 + 1)
			break;
	}
	double secs = (now_us() - start) / 1e6;

	if (ok == 0) {
		printf("connrate n=%ld errors=%ld first_error=%s\n", n, errors,
		       strerror(first_err));
		free(lat);
		return 1;
	}
	qsort(lat, (size_t)ok, sizeof(*lat), cmp_double);
	printf("connrate n=%ld errors=%ld seconds=%.3f rate=%.0f p50_us=%.1f p99_us=%.1f "
	       "max_us=%.1f",
	       ok + errors, errors, secs, (double)(ok + errors) / secs,
	       percentile(lat, ok, 50), percentile(lat, ok, 99), lat[ok - 1]);
	if (errors)
		printf(" first_error=\"%s\"", strerror(first_err));
	printf("\n");
	free(lat);
	return errors > n / 100 ? 1 : 0;

usage:
	fprintf(stderr, "usage: connrate [-4|-6] [-n N] [-u] HOST PORT\n");
	return 2;
}
