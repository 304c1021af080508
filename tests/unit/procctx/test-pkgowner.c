/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "procctx/pkgowner.h"
#include "tmpdir.h"

static char dir[] = "/tmp/picket-pkgowner-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	return 0;
}

static void put(const char *rel, const char *body)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(write_file(path, body, strlen(body)), 0);
}

static void expect_owner(struct pkgowner *p, const char *path, const char *want)
{
	const char *pkg = NULL;
	int r = pkgowner_lookup(p, path, &pkg);

	if (!want) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	if (r != 0)
		fail_msg("%s: %d, expected %s", path, r, want);
	assert_string_equal(pkg, want);
}

/* ---- parsers ---- */

static int count_path(const char *path, size_t len, void *ud)
{
	(void)path;
	(void)len;
	(*(int *)ud)++;
	return 0;
}

static int count_div(const struct pkgowner_diversion *d, void *ud)
{
	(void)d;
	(*(int *)ud)++;
	return 0;
}

static void test_parse_list(void **state)
{
	static const char list[] = "/.\n/usr\n\nrelative\n/usr/bin/x\n/usr/bin/no-newline";
	int n = 0;

	(void)state;
	assert_int_equal(pkgowner_parse_list(list, sizeof(list) - 1, count_path, &n), 3);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(pkgowner_parse_list("", 0, count_path, &n), 0);
}

static void test_parse_diversions(void **state)
{
	static const char ok[] = "/a\n/a.distrib\npkg\n/b\n/b.x\n:\n";
	static const char bad[] = "/a\n/a.distrib\npkg\n/b\n/b.x\n";
	int n = 0;

	(void)state;
	assert_int_equal(pkgowner_parse_diversions(ok, sizeof(ok) - 1, count_div, &n), 2);
	n = 0;
	assert_int_equal(pkgowner_parse_diversions(bad, sizeof(bad) - 1, count_div, &n), -EBADMSG);
	assert_int_equal(n, 1); /* the valid group before the bad tail was passed */
	n = 0;
	assert_int_equal(pkgowner_parse_diversions("x\n/y\np\n", 7, count_div, &n), -EBADMSG);
}

/* ---- a fake dpkg database ---- */

static void test_fake_db(void **state)
{
	char path[PATH_MAX];
	struct pkgowner *p = NULL;
	struct pkgowner_stats st;

	(void)state;
	snprintf(path, sizeof(path), "%s/info", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("info/foo.list", "/.\n/usr\n/usr/bin\n/usr/bin/foo\n/usr/bin/tool\n/bin/oldstyle\n");
	put("info/bar:amd64.list", "/usr\n/usr/bin/tool\n/usr/lib/bar.so\n");
	put("info/local.list", "/etc/conf\n");
	put("info/foo.md5sums", "not a list\n");
	/* bar diverts foo's tool; a local diversion moves /etc/conf. */
	put("diversions", "/usr/bin/tool\n/usr/bin/tool.foo\nbar:amd64\n/etc/conf\n/etc/conf.orig\n:\n");

	assert_int_equal(pkgowner_new(dir, &p), 0);
	expect_owner(p, "/usr/bin/foo", "foo");
	expect_owner(p, "/usr/bin/foo (deleted)", "foo");
	expect_owner(p, "/usr/bin/tool", "bar:amd64");
	expect_owner(p, "/usr/bin/tool.foo", "foo");
	expect_owner(p, "/usr/lib/bar.so", "bar:amd64");
	expect_owner(p, "/etc/conf", NULL);
	expect_owner(p, "/etc/conf.orig", "local");
	expect_owner(p, "/usr/bin/oldstyle", "foo"); /* usrmerge: listed as /bin/oldstyle */
	expect_owner(p, "/bin/foo", "foo");           /* and the other way round */
	expect_owner(p, "/usr/bin/nothing", NULL);
	expect_owner(p, "/", NULL);
	assert_int_equal(pkgowner_lookup(p, "relative", &(const char *){ NULL }), -EINVAL);
	assert_int_equal(pkgowner_stats(p, &st), 0);
	assert_int_equal(st.packages, 3);
	assert_int_equal(st.diversions, 2);
	assert_int_equal(st.builds, 1);

	/* dpkg installs a package: info/ changes, the index is rebuilt. */
	put("info/new.list", "/usr/bin/new\n");
	expect_owner(p, "/usr/bin/new", "new");
	expect_owner(p, "/usr/bin/foo", "foo");
	assert_int_equal(pkgowner_stats(p, &st), 0);
	assert_int_equal(st.packages, 4);
	assert_int_equal(st.builds, 2);
	expect_owner(p, "/usr/bin/new", "new");
	assert_int_equal(pkgowner_stats(p, &st), 0);
	assert_int_equal(st.builds, 2); /* unchanged: no rebuild */
	pkgowner_free(p);

	/* No dpkg database at all: nothing is from a package. */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(pkgowner_new(path, &p), 0);
	expect_owner(p, "/usr/bin/foo", NULL);
	pkgowner_free(p);
}

static void test_bounds(void **state)
{
	char path[PATH_MAX];
	struct pkgowner *p = NULL;
	const char *pkg;

	(void)state;
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/big/info", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("big/info/huge.list", "");
	snprintf(path, sizeof(path), "%s/big/info/huge.list", dir);
	assert_int_equal(truncate(path, PKGOWNER_MAX_LIST_FILE + 1), 0);
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_int_equal(pkgowner_new(path, &p), 0);
	assert_int_equal(pkgowner_lookup(p, "/usr/bin/x", &pkg), -E2BIG);
	pkgowner_free(p);
}

/* ---- this machine's dpkg database ---- */

static void test_real_db(void **state)
{
	struct pkgowner *p = NULL;
	struct pkgowner_stats st;
	char tmp[PATH_MAX], link[PATH_MAX];
	const char *pkg;
	long rss0, rss1;
	uint64_t t0, t1;
	const int n = 100000;

	(void)state;
	if (access("/var/lib/dpkg/info/coreutils.list", R_OK) < 0)
		skip();
	assert_int_equal(pkgowner_new(NULL, &p), 0);
	rss0 = rss_kib();
	t0 = mono_ns();
	expect_owner(p, "/bin/ls", "coreutils");
	t1 = mono_ns();
	rss1 = rss_kib();
	expect_owner(p, "/usr/bin/ls", "coreutils");
	if (access("/var/lib/dpkg/info/curl.list", R_OK) == 0)
		expect_owner(p, "/usr/bin/curl", "curl");
	snprintf(tmp, sizeof(tmp), "%s/not-packaged", dir);
	assert_int_equal(write_file(tmp, "x", 1), 0);
	expect_owner(p, tmp, NULL);
	/* A symlink of nobody's to a packaged file: found through realpath. */
	snprintf(link, sizeof(link), "%s/ls-link", dir);
	assert_int_equal(symlink("/bin/ls", link), 0);
	expect_owner(p, link, "coreutils");

	assert_int_equal(pkgowner_stats(p, &st), 0);
	print_message("bench: pkgowner index: %zu paths, %zu packages, %zu diversions, "
		      "built in %.1f ms (first lookup %.1f ms), heap %.1f MiB, RSS +%.1f MiB\n",
		      st.paths, st.packages, st.diversions, (double)st.build_ns / 1e6,
		      (double)(t1 - t0) / 1e6, (double)st.bytes / (1024.0 * 1024),
		      (double)(rss1 - rss0) / 1024.0);
	t0 = mono_ns();
	for (int i = 0; i < n; i++)
		assert_int_equal(pkgowner_lookup(p, "/usr/bin/ls", &pkg), 0);
	t1 = mono_ns();
	print_message("bench: pkgowner_lookup hit: %.2f us (incl. 2 stat() for freshness)\n",
		      (double)(t1 - t0) / n / 1e3);
	t0 = mono_ns();
	for (int i = 0; i < n / 10; i++)
		assert_int_equal(pkgowner_lookup(p, tmp, &pkg), -ENOENT);
	t1 = mono_ns();
	print_message("bench: pkgowner_lookup miss (all fallbacks, realpath): %.2f us\n",
		      (double)(t1 - t0) / (n / 10) / 1e3);
	pkgowner_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_diversions),
		cmocka_unit_test(test_fake_db),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_real_db),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
