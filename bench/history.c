/* history: the connection history's write and query speed.
 *
 *   history [-n ROWS] DB_PATH
 *
 * Inserts ROWS (default 1000000) events through the history module in
 * batches of HISTORY_BATCH with history_write() (as picketd's writer
 * thread does), over 200 executables, 5000 hosts, 50 ports and 30 days,
 * then times filtered queries (each the median of 5 runs) and summaries
 * over 24 hours, 7 days and everything. One line per measurement:
 *
 *   insert rows=1000000 seconds=... rows_per_s=... cpu_us_per_row=... file_mb=...
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

/* This process's CPU time (user + system): what the writer thread costs. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* stats over [SINCE, UNTIL): the median of 5 runs. */
static void timed_stats(struct history *h, const char *name, int64_t since, int64_t until)
{
	double t[5];
	long long total = 0;
	char msg[512];

	for (int i = 0; i < 5; i++) {
		json_t *s = NULL;
		double t0 = now_ms();

		if (history_stats(h, since, until, 10, &s, msg, sizeof(msg)) < 0) {
			printf("stats name=%s error=\"%s\"\n", name, msg);
			return;
		}
		t[i] = now_ms() - t0;
		total = (long long)json_integer_value(json_object_get(s, "total"));
		json_decref(s);
	}
	qsort(t, 5, sizeof(t[0]), cmp_double);
	printf("stats name=%s rows=%lld ms=%.2f\n", name, total, t[2]);
}

int main(int argc, char **argv)
{
	long rows = 1000000;
	const char *path;
	char exe[HISTORY_BATCH][64], host[HISTORY_BATCH][64], sidecar[4200], msg[1024];
	static struct history_event batch[HISTORY_BATCH];
	size_t nb = 0;
	double c0;
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
	c0 = cpu_ms();
	for (long i = 0; i < rows; i++) {
		int e = rand() % 200, ho = rand() % 5000, port = 1000 + rand() % 50;
		int64_t t = (int64_t)now - 30 * 86400 + (int64_t)(30.0 * 86400 * (double)i / (double)rows);
		batch[nb] = (struct history_event){
			.time_ms = t * 1000,
			.action = rand() % 10 == 0 ? "deny" : "allow",
			.reason = "rule",
			.rule = e % 3 ? "allow-app" : "deny-app",
			.protocol = "tcp",
			.src_ip = "10.0.0.1",
			.dst_ip = "10.0.0.2",
			.src_port = 40000 + (int)(i % 20000),
			.dst_port = port,
			.dst_host = host[nb],
			.pid = 1000 + e,
			.uid = 1000,
			.exe = exe[nb],
			.cmdline = "/usr/bin/app --flag value https://example.com/some/path",
			.iface_out = "eth0",
		};
		snprintf(exe[nb], sizeof(exe[nb]), "/usr/bin/app%d", e);
		snprintf(host[nb], sizeof(host[nb]), "host%d.example.com", ho);
		if (++nb == HISTORY_BATCH || i == rows - 1) {
			if (history_write(h, batch, nb, msg, sizeof(msg)) < 0) {
				fprintf(stderr, "history: write: %s\n", msg);
				return 1;
			}
			nb = 0;
		}
	}
	secs = (now_ms() - t0) / 1000;
	stat(path, &st);
	printf("insert rows=%ld seconds=%.2f rows_per_s=%.0f cpu_us_per_row=%.2f file_mb=%.0f\n",
	       rows, secs, (double)rows / secs, (cpu_ms() - c0) * 1e3 / (double)rows,
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
	timed_stats(h, "24h", now - 86400, 0);
	timed_stats(h, "7d", now - 7 * 86400, 0);
	timed_stats(h, "all", 0, 0);
	timed_stats(h, "7d-ago-for-1d", now - 7 * 86400 - 1800, now - 6 * 86400 - 1800);
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
