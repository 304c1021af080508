/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-procctx: the /etc/services parser and dpkg's .list and diversions
 * parsers. The first byte picks the parser so one target covers all three.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "procctx/pkgowner.h"
#include "procctx/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_path(const char *path, size_t len, void *ud)
{
	/* Touch every byte so ASan sees an out-of-bounds record. */
	volatile char sink = 0;

	for (size_t i = 0; i < len; i++)
		sink ^= path[i];
	(void)sink;
	(*(size_t *)ud)++;
	return 0;
}

static int on_div(const struct pkgowner_diversion *d, void *ud)
{
	on_path(d->from, d->from_len, ud);
	on_path(d->to, d->to_len, ud);
	on_path(d->by, d->by_len, ud);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t n = 0, len;

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 3) {
	case 0: {
		struct services *s = NULL;
		const char *name;

		if (services_parse(buf, len, &s) < 0)
			return 0;
		for (uint32_t port = 0; port < 65536; port += 97) {
			if (services_lookup(s, (uint16_t)port, IPPROTO_TCP, &name) == 0)
				n += strlen(name);
			if (services_lookup(s, (uint16_t)port, IPPROTO_UDP, &name) == 0)
				n += strlen(name);
		}
		services_free(s);
		break;
	}
	case 1:
		(void)pkgowner_parse_list(buf, len, on_path, &n);
		break;
	case 2:
		(void)pkgowner_parse_diversions(buf, len, on_div, &n);
		break;
	}
	return 0;
}
