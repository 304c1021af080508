/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Process context for verdicts, events and prompts: the executable's digest,
 * the Debian package that installed it, and port service names. Each is a
 * procctx service opened once at start-up; a service that cannot start only
 * leaves its answers unknown (logged once, here).
 */
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct context;

/* Opens the digest cache (required: -errno) and, when they can be read,
 * the package index and /etc/services (warnings otherwise). */
int context_new(struct context **ret);
void context_free(struct context *ctx);

/* The Debian package that installed PATH (cached PKG_CACHE_TTL_S seconds),
 * or NULL: not from a package, or not known. Valid until the next call. */
const char *context_package(struct context *ctx, const char *path);
/* A conn's exe_digest callback for live processes (conn->digest_ctx is the
 * context): digests cached by file identity. Valid until the next call. */
const char *context_exe_digest(const struct conn *c, int kind);
/* The SHA-256 of PID's executable into OUT (65 bytes): 0, or -errno. */
int context_sha256_of_pid(struct context *ctx, pid_t pid, char out[65]);
/* The service name of PORT/PROTO (e.g. "https"), or NULL. */
const char *context_service(struct context *ctx, uint16_t port, uint8_t proto);
