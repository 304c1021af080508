/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * services: port + protocol -> service name ("443/tcp" -> "https"), from
 * /etc/services, parsed once into a sorted table (lookups are a binary search,
 * no NSS, no file access after load).
 *
 * Bounds: the file is read up to SERVICES_MAX_FILE bytes (-EFBIG past it), at
 * most SERVICES_MAX_ENTRIES entries are kept (the rest ignored), names longer
 * than SERVICES_NAME_MAX are skipped. Only tcp, udp, sctp and dccp lines are
 * kept; when a port/protocol appears twice the first line wins (as
 * getservbyport()). Aliases are ignored.
 */
#include <stddef.h>
#include <stdint.h>

#define SERVICES_MAX_FILE (4 * 1024 * 1024)
#define SERVICES_MAX_ENTRIES 65536
#define SERVICES_NAME_MAX 63

struct services;

/* Parse a services(5) buffer (need not be NUL-terminated). -ENOMEM only:
 * malformed lines are skipped, as glibc does. */
int services_parse(const char *buf, size_t len, struct services **ret);

/* Read and parse a file (NULL: /etc/services). -errno from open/read, -EFBIG. */
int services_load(const char *path, struct services **ret);

void services_free(struct services *s);

/*
 * Name of the service on port (host order) for an IPPROTO_* protocol
 * (IPPROTO_UDPLITE looks up udp). 0 and *ret_name (owned by s, valid until
 * services_free) or -ENOENT.
 */
int services_lookup(const struct services *s, uint16_t port, int ipproto, const char **ret_name);

/* Number of entries kept. */
size_t services_count(const struct services *s);
