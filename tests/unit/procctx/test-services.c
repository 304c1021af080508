/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "procctx/services.h"
#include "tmpdir.h"

static const char sample[] =
	"# comment line\n"
	"tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
	"http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
	"first\t\t99/tcp\n"
	"second\t\t99/tcp\n"            /* duplicate: the first line wins */
	"big\t\t70000/tcp\n"            /* out of range: skipped */
	"noproto\t\t12\n"               /* malformed: skipped */
	"weird\t\t13/icmp\n"            /* protocol we do not keep */
	"   \t\n"
	"domain\t\t53/udp\n"
	"sctpsvc\t\t9999/sctp\n"
	"lastline\t5000/udp";           /* no trailing newline */

static void test_parse_buffer(void **state)
{
	struct services *s = NULL;
	const char *name;

	(void)state;
	assert_int_equal(services_parse(sample, sizeof(sample) - 1, &s), 0);
	assert_int_equal(services_count(s), 6);
	assert_int_equal(services_lookup(s, 80, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "http");
	assert_int_equal(services_lookup(s, 80, IPPROTO_UDP, &name), -ENOENT);
	assert_int_equal(services_lookup(s, 99, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "first");
	assert_int_equal(services_lookup(s, 53, IPPROTO_UDPLITE, &name), 0);
	assert_string_equal(name, "domain");
	assert_int_equal(services_lookup(s, 9999, IPPROTO_SCTP, &name), 0);
	assert_string_equal(name, "sctpsvc");
	assert_int_equal(services_lookup(s, 5000, IPPROTO_UDP, &name), 0);
	assert_string_equal(name, "lastline");
	assert_int_equal(services_lookup(s, 13, IPPROTO_ICMP, &name), -ENOENT);
	assert_int_equal(services_lookup(s, 12, IPPROTO_TCP, &name), -ENOENT);
	assert_int_equal(services_lookup(s, 1, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "tcpmux");
	services_free(s);
}

static void test_empty_and_long_names(void **state)
{
	struct services *s = NULL;
	char buf[256];
	const char *name;

	(void)state;
	assert_int_equal(services_parse("", 0, &s), 0);
	assert_int_equal(services_count(s), 0);
	assert_int_equal(services_lookup(s, 80, IPPROTO_TCP, &name), -ENOENT);
	services_free(s);

	memset(buf, 'a', 64);
	strcpy(buf + 64, " 81/tcp\n");
	assert_int_equal(services_parse(buf, strlen(buf), &s), 0);
	assert_int_equal(services_count(s), 0); /* 64 > SERVICES_NAME_MAX */
	services_free(s);
}

static void test_etc_services(void **state)
{
	struct services *s = NULL;
	const char *name;
	uint64_t t0, t1;
	int r;

	(void)state;
	t0 = mono_ns();
	r = services_load(NULL, &s);
	t1 = mono_ns();
	if (r == -ENOENT)
		skip();
	assert_int_equal(r, 0);
	assert_int_equal(services_lookup(s, 443, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "https");
	assert_int_equal(services_lookup(s, 22, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "ssh");
	assert_int_equal(services_lookup(s, 53, IPPROTO_UDP, &name), 0);
	assert_string_equal(name, "domain");
	print_message("bench: /etc/services: %zu entries, parsed in %.1f us\n",
		      services_count(s), (double)(t1 - t0) / 1e3);
	t0 = mono_ns();
	for (int i = 0; i < 100000; i++)
		(void)services_lookup(s, (uint16_t)i, IPPROTO_TCP, &name);
	t1 = mono_ns();
	print_message("bench: services_lookup: %.1f ns per lookup\n", (double)(t1 - t0) / 1e5);
	services_free(s);
}

static void test_load_errors(void **state)
{
	struct services *s = NULL;
	char dir[] = "/tmp/picket-svc-XXXXXX", path[64];
	const char *name;

	(void)state;
	assert_int_equal(services_load("/nonexistent/services", &s), -ENOENT);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/services", dir);
	assert_int_equal(write_file(path, "x 8080/tcp\n", 11), 0);
	assert_int_equal(services_load(path, &s), 0);
	assert_int_equal(services_lookup(s, 8080, IPPROTO_TCP, &name), 0);
	assert_string_equal(name, "x");
	services_free(s);
	/* Past SERVICES_MAX_FILE: refused, not truncated. */
	assert_int_equal(truncate(path, SERVICES_MAX_FILE + 1), 0);
	assert_int_equal(services_load(path, &s), -EFBIG);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_buffer),
		cmocka_unit_test(test_empty_and_long_names),
		cmocka_unit_test(test_etc_services),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
