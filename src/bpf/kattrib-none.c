/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kattrib when the build had no BPF toolchain or kernel BTF: picketd
 * attributes through /proc only. */
#include "bpf/kattrib.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int kattrib_open(const char *cgroup, uint32_t allow_mark, struct kattrib **ret, char *err,
		 size_t errsz)
{
	snprintf(err, errsz, "built without BPF (clang, bpftool, libbpf or kernel BTF missing)");
	return -EOPNOTSUPP;
}

void kattrib_free(struct kattrib *k)
{
}

const char *kattrib_cgroup(const struct kattrib *k)
{
	return "";
}

const char *kattrib_programs(const struct kattrib *k)
{
	return "";
}

int kattrib_lookup(struct kattrib *k, struct attrib *live, const struct flow *flow,
		   const struct proc_info **ret_proc)
{
	return -ENOENT;
}

int kattrib_cache_put(struct kattrib *k, const struct flow *flow, const char *path, uid_t uid,
		      bool allow, time_t expires, uint32_t tag)
{
	return -ENOENT;
}

void kattrib_invalidate(struct kattrib *k)
{
}

int kattrib_drain(struct kattrib *k, struct attrib *live,
		  void (*fn)(void *ud, const struct kattrib_hit *hit), void *ud)
{
	return 0;
}

void kattrib_get_stats(const struct kattrib *k, struct kattrib_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
}
