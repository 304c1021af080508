/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process context (context.h): procctx's digest cache, package index and
 * service names, with a short cache of package answers (events ask for
 * every flow; pkgowner answers in a few stat() calls).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conn.h"
#include "common/log.h"
#include "common/hash.h"
#include "attrib/attrib.h"
#include "daemon/context.h"
#include "procctx/exehash.h"
#include "procctx/pkgowner.h"
#include "procctx/services.h"

#define PKG_CACHE_SLOTS 256 /* executable -> package, for events */
#define PKG_CACHE_TTL_S 5   /* then dpkg's database is asked again (a stat or two) */

struct pkg_slot {
	char *path;
	char *package; /* NULL: not from a package */
	time_t at;     /* CLOCK_MONOTONIC seconds */
};

struct context {
	struct exehash *hash;
	struct pkgowner *pkg; /* NULL: no package names */
	struct services *svc; /* NULL: no service names */
	struct pkg_slot pkg_cache[PKG_CACHE_SLOTS];
	char digest[65]; /* the last answer of context_exe_digest */
};

int context_new(struct context **ret)
{
	struct context *ctx = calloc(1, sizeof(*ctx));
	int r;

	if (!ctx)
		return -ENOMEM;
	r = exehash_new(&ctx->hash);
	if (r < 0) {
		free(ctx);
		return r;
	}
	r = services_load(NULL, &ctx->svc);
	if (r < 0)
		log_warn("context: no service names: /etc/services: %s", strerror(-r));
	r = pkgowner_new(NULL, &ctx->pkg);
	if (r < 0) {
		log_warn("context: no package names: %s", strerror(-r));
	} else {
		struct pkgowner_stats st;

		/* Built now, not at the first flow, so no flow waits for it. */
		r = pkgowner_stats(ctx->pkg, &st);
		if (r < 0)
			log_warn("context: no package names: dpkg database: %s", strerror(-r));
		else
			log_info("context: package index: %zu paths of %zu packages, %zu KiB, in %" PRIu64
				 " ms",
				 st.paths, st.packages, st.bytes / 1024, st.build_ns / 1000000);
	}
	*ret = ctx;
	return 0;
}

void context_free(struct context *ctx)
{
	if (!ctx)
		return;
	exehash_free(ctx->hash);
	pkgowner_free(ctx->pkg);
	services_free(ctx->svc);
	for (size_t i = 0; i < PKG_CACHE_SLOTS; i++) {
		free(ctx->pkg_cache[i].path);
		free(ctx->pkg_cache[i].package);
	}
	free(ctx);
}

const char *context_package(struct context *ctx, const char *path)
{
	struct pkg_slot *slot;
	const char *pkg = NULL;
	struct timespec now;

	if (!ctx || !ctx->pkg || !path || strcmp(path, PROC_UNKNOWN_PATH) == 0)
		return NULL;
	slot = &ctx->pkg_cache[fnv1a32_str(path) % PKG_CACHE_SLOTS];
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (slot->path && strcmp(slot->path, path) == 0 && now.tv_sec - slot->at < PKG_CACHE_TTL_S)
		return slot->package;
	free(slot->path);
	free(slot->package);
	*slot = (struct pkg_slot){.at = now.tv_sec};
	if (pkgowner_lookup(ctx->pkg, path, &pkg) < 0)
		pkg = NULL;
	slot->path = strdup(path);
	slot->package = pkg ? strdup(pkg) : NULL;
	if (!slot->path) {
		free(slot->package);
		slot->package = NULL;
		return NULL;
	}
	return slot->package;
}

const char *context_exe_digest(const struct conn *c, int kind)
{
	struct context *ctx = c->digest_ctx;
	struct exe_digest dg;

	if (!ctx || !c->proc || exehash_of_pid(ctx->hash, c->proc->pid, &dg) < 0)
		return NULL;
	snprintf(ctx->digest, sizeof(ctx->digest), "%s", kind == CONN_SHA256 ? dg.sha256 : dg.md5);
	return ctx->digest;
}

int context_sha256_of_pid(struct context *ctx, pid_t pid, char out[65])
{
	struct exe_digest dg;
	int r = exehash_of_pid(ctx->hash, pid, &dg);

	if (r < 0)
		return r;
	snprintf(out, 65, "%s", dg.sha256);
	return 0;
}

const char *context_service(struct context *ctx, uint16_t port, uint8_t proto)
{
	const char *name = NULL;

	if (!ctx->svc || services_lookup(ctx->svc, port, proto, &name) < 0)
		return NULL;
	return name;
}
