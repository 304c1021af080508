/* history: the connection history's write and query speed.
 *
 *   history [-n ROWS] DB_PATH
 *
 * Inserts ROWS (default 1000000) events through the history module in
 * batches of HISTORY_BATCH (as picketd does), over 200 executables, 5000
 * hosts, 50 ports and 30 days, then times filtered queries (each the
 * median of 5 runs) and a 24 h summary. One line per measurement:
 *
 *   insert rows=1000000 seconds=... rows_per_s=... file_mb=...
 *   query name=exe+since rows=50 ms=0.41
 *
 * DB_PATH is removed first. Bounds: ROWS <= 10000000.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history/history.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void timed_query(struct history *h, const char *name, const struct history_filter *f)
{
	double t[5];
	size_t n = 0;
	char msg[512];

	for (int i = 0; i < 5; i++) {
		json_t *rows = NULL;
		double t0 = now_ms();

		if (history_query(h, f, &rows, msg, sizeof(msg)) < 0) {
			printf("query name=%s error=\"%s\"\n", name, msg);
			return;
		}
		t[i] = now_ms() - t0;
		n = json_array_size(rows);
		json_decref(rows);
	}
	qsort(t, 5, sizeof(t[0]), cmp_double);
	printf("query name=%s rows=%zu ms=%.2f\n", name, n, t[2]);
}

int main(int argc, char **argv)
{
	long rows = 1000000;
	const char *path;
	char exe[64], host[64], sidecar[4200], msg[1024];
	struct history *h;
	struct stat st;
	time_t now = time(NULL);
	double t0, secs;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n')
			rows = atol(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc || rows < 1 || rows > 10000000) {
		fprintf(stderr, "usage: history [-n ROWS] DB_PATH\n");
		return 2;
	}
	path = argv[optind];
	unlink(path);
	snprintf(sidecar, sizeof(sidecar), "%s-wal", path);
	unlink(sidecar);
	snprintf(sidecar, sizeof(sidecar), "%s-shm", path);
	unlink(sidecar);
	if (history_new(path, NULL, &h) < 0 || history_open(h, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "history: %s: %s\n", path, msg);
		return 1;
	}

	srand(1);
	t0 = now_ms();
	for (long i = 0; i < rows; i++) {
		int e = rand() % 200, ho = rand() % 5000, port = 1000 + rand() % 50;
		int64_t t = (int64_t)now - 30 * 86400 + (int64_t)(30.0 * 86400 * (double)i / (double)rows);
		struct history_event ev = {
			.time_ms = t * 1000,
			.action = rand() % 10 == 0 ? "deny" : "allow",
			.reason = "rule",
			.rule = e % 3 ? "allow-app" : "deny-app",
			.protocol = "tcp",
			.src_ip = "10.0.0.1",
			.dst_ip = "10.0.0.2",
			.src_port = 40000 + (int)(i % 20000),
			.dst_port = port,
			.dst_host = host,
			.pid = 1000 + e,
			.uid = 1000,
			.exe = exe,
			.cmdline = "/usr/bin/app --flag value https://example.com/some/path",
			.iface_out = "eth0",
		};
		snprintf(exe, sizeof(exe), "/usr/bin/app%d", e);
		snprintf(host, sizeof(host), "host%d.example.com", ho);
		history_append(h, &ev);
		if (history_pending(h) >= HISTORY_BATCH && history_flush(h, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "history: flush: %s\n", msg);
			return 1;
		}
	}
	if (history_flush(h, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "history: flush: %s\n", msg);
		return 1;
	}
	secs = (now_ms() - t0) / 1000;
	stat(path, &st);
	printf("insert rows=%ld seconds=%.2f rows_per_s=%.0f us_per_row=%.2f file_mb=%.0f\n", rows,
	       secs, (double)rows / secs, secs * 1e6 / (double)rows,
	       (double)st.st_size / 1048576.0);

	timed_query(h, "newest-50", &(struct history_filter){.limit = 50});
	timed_query(h, "since-1h", &(struct history_filter){.since = now - 3600, .limit = 1000});
	timed_query(h, "exe", &(struct history_filter){.exe = "/usr/bin/app7", .limit = 50});
	timed_query(h, "exe+since-24h",
		    &(struct history_filter){.exe = "/usr/bin/app7", .since = now - 86400,
					     .limit = 1000});
	timed_query(h, "host", &(struct history_filter){.host = "host42.example.com", .limit = 1000});
	timed_query(h, "port+action",
		    &(struct history_filter){.port = 1007, .action = "deny", .limit = 50});
	timed_query(h, "action-deny-since-7d",
		    &(struct history_filter){.action = "deny", .since = now - 7 * 86400, .limit = 50});
	timed_query(h, "rule", &(struct history_filter){.rule = "deny-app", .limit = 50});
	timed_query(h, "page-after-id",
		    &(struct history_filter){.after_id = (uint64_t)rows / 2, .limit = 1000});
	timed_query(h, "no-match", &(struct history_filter){.exe = "/nonexistent", .limit = 50});
	{
		json_t *s = NULL;
		t0 = now_ms();
		if (history_stats(h, now - 86400, 0, 10, &s, msg, sizeof(msg)) < 0)
			printf("stats name=24h error=\"%s\"\n", msg);
		else
			printf("stats name=24h rows=%lld ms=%.2f\n",
			       (long long)json_integer_value(json_object_get(s, "total")), now_ms() - t0);
		json_decref(s);
		t0 = now_ms();
		if (history_stats(h, now - 7 * 86400, 0, 10, &s, msg, sizeof(msg)) < 0)
			printf("stats name=7d error=\"%s\"\n", msg);
		else
			printf("stats name=7d rows=%lld ms=%.2f\n",
			       (long long)json_integer_value(json_object_get(s, "total")), now_ms() - t0);
		json_decref(s);
	}
	{
		struct history_limits lim = {.max_rows = (uint64_t)rows / 2};
		struct history *h2;
		bool more = true;
		long deleted = 0;
		int r, calls = 0;

		history_free(h);
		history_new(path, &lim, &h2);
		t0 = now_ms();
		while (more && (r = history_retain(h2, now, &more, msg, sizeof(msg))) >= 0) {
			deleted += r;
			calls++;
		}
		printf("retain max_rows=%ld deleted=%ld calls=%d ms=%.0f ms_per_call=%.1f\n", rows / 2,
		       deleted, calls, now_ms() - t0, (now_ms() - t0) / calls);
		history_free(h2);
	}
	return 0;
}
