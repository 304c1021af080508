/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the packet parser. Besides "no crash, no bad read",
 * it checks the contract: known return codes, a valid family on success,
 * no ports on portless protocols, and that the text helpers take any flow.
 * Run: fuzz-packet tests/fuzz/packet/corpus
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[INET6_ADDRSTRLEN], name[8];
	const char *pn;
	struct flow f;
	int r;

	r = packet_parse(data, size, &f);
	if (r != 0 && r != -EINVAL && r != -EBADMSG)
		abort();
	if (r == 0) {
		if (f.family != AF_INET && f.family != AF_INET6)
			abort();
		if (!flow_has_ports(&f) && (f.sport || f.dport))
			abort();
		if (!flow_addr_str(f.family, &f.src, a, sizeof(a)) ||
		    !flow_addr_str(f.family, &f.dst, a, sizeof(a)))
			abort();
		pn = packet_proto_name(f.proto);
		if (pn && packet_proto_from_name(pn) != f.proto)
			abort();
	}

	/* The name parser on the first bytes, as a C string. */
	memset(name, 0, sizeof(name));
	if (size > 0)
		memcpy(name, data, size < sizeof(name) - 1 ? size : sizeof(name) - 1);
	r = packet_proto_from_name(name);
	if (r < -EINVAL || r > 255 || (r < 0 && r != -EINVAL))
		abort();
	return 0;
}
