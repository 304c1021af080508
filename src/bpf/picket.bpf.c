// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Picket's kernel side: who opened each flow, recorded in the caller's own
 * context, and the verdict cache. Loaded and read by kattrib.c; facts behind
 * each choice (what loads on which kernel, what each hook sees) are in
 * docs/design/bpf-attribution.md.
 *
 * Socket programs act only on sockets of picketd's network namespace
 * (netns_cookie); the process trackers only on tasks under the target
 * cgroup (cgroup_map). Nothing here blocks a flow except a cached deny that
 * user space wrote for exactly that executable, user and destination.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/kattrib-abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define SOL_SOCKET 1
#define SO_MARK 36
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_UDPLITE 136

const volatile __u64 netns_cookie = 0; /* picketd's network namespace */
const volatile __u32 allow_mark = 0;   /* PICKET_MARK_ALLOW */

__u32 epoch = 1;                  /* verdict cache generation (user space bumps it) */
struct pk_counters counters = {}; /* read by user space */

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32); /* tgid */
	__type(value, struct pk_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* socket cookie */
	__type(value, struct pk_who);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pk_flow_key);
	__type(value, struct pk_who);
} flows SEC(".maps");

/* connected UDP: connect() runs before the source port exists, and send()
 * on a connected socket runs no hook; keyed without sport. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pk_flow_key);
	__type(value, struct pk_who);
} udp_conn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pk_vkey);
	__type(value, struct pk_vval);
} verdicts SEC(".maps");

/* 4 MiB of 96-byte records: ~40k cached flows between two drains (the
 * daemon drains at least every 500 ms). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pk_proc);
} scratch SEC(".maps");

static __always_inline void who_fill(struct pk_who *w)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 pt = bpf_get_current_pid_tgid();
	struct file *f;

	w->ktime = bpf_ktime_get_ns();
	w->tgid = pt >> 32;
	w->pid = (__u32)pt;
	/* fsuid: what a socket's owner (and so a rule's user.id) is */
	w->uid = BPF_CORE_READ(t, cred, fsuid.val);
	w->gid = BPF_CORE_READ(t, cred, fsgid.val);
	w->start_time = BPF_CORE_READ(t, group_leader, start_time);
	f = BPF_CORE_READ(t, mm, exe_file);
	if (f) {
		w->ino = BPF_CORE_READ(f, f_inode, i_ino);
		w->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	}
}

/* ::ffff:a.b.c.d leaves as IPv4: store it as family 4, as the packet will be. */
static __always_inline void key_addr6(struct pk_flow_key *k, __u32 a0, __u32 a1, __u32 a2,
				      __u32 a3)
{
	if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0xffff)) {
		k->family = 4;
		k->daddr[0] = a3;
	} else {
		k->family = 6;
		k->daddr[0] = a0;
		k->daddr[1] = a1;
		k->daddr[2] = a2;
		k->daddr[3] = a3;
	}
}

static __always_inline void key_from_ctx(struct bpf_sock_addr *ctx, struct pk_flow_key *k, int v6)
{
	k->proto = (__u8)ctx->protocol;
	k->dport = bpf_ntohs((__u16)ctx->user_port);
	if (v6) {
		key_addr6(k, ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			  ctx->user_ip6[3]);
	} else {
		k->family = 4;
		k->daddr[0] = ctx->user_ip4;
	}
}

/* The cached verdict for W going to K (0 when none is valid) and its tag. */
static __always_inline __u32 cached_verdict(const struct pk_who *w, const struct pk_flow_key *k,
					    __u32 *ret_tag)
{
	struct pk_vkey vk = {};
	struct pk_vval *v;

	if (!w->ino)
		return 0;
	vk.ino = w->ino;
	vk.dev = w->dev;
	vk.uid = w->uid;
	vk.family = k->family;
	vk.proto = k->proto;
	vk.dport = k->dport;
	vk.daddr[0] = k->daddr[0];
	vk.daddr[1] = k->daddr[1];
	vk.daddr[2] = k->daddr[2];
	vk.daddr[3] = k->daddr[3];
	v = bpf_map_lookup_elem(&verdicts, &vk);
	if (!v || v->epoch != epoch)
		return 0;
	if (v->expires_ns && bpf_ktime_get_ns() >= v->expires_ns)
		return 0;
	*ret_tag = v->tag;
	return v->verdict;
}

/* A flow the cache decided (it never reaches the queue): a record for the
 * event log. No wake-up: one per connection would cost a third of the rate. */
static __always_inline void report_hit(const struct pk_who *w, const struct pk_flow_key *k,
				       __u32 verdict, __u32 tag)
{
	struct pk_hit h = {};

	h.ktime = bpf_ktime_get_ns();
	h.who = *w;
	h.key = *k;
	h.verdict = verdict;
	h.tag = tag;
	if (bpf_ringbuf_output(&hits, &h, sizeof(h), BPF_RB_NO_WAKEUP) < 0)
		__sync_fetch_and_add(&counters.hits_lost, 1);
}

static __always_inline int on_connect(struct bpf_sock_addr *ctx, int v6)
{
	struct pk_flow_key k = {};
	struct pk_who w = {};
	struct bpf_sock *sk;
	__u64 cookie;
	__u32 verdict, tag = 0;
	int mark;

	if (bpf_get_netns_cookie(ctx) != netns_cookie)
		return 1;
	who_fill(&w);
	cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&socks, &cookie, &w, BPF_ANY);
	key_from_ctx(ctx, &k, v6);
	if (k.proto == PROTO_UDP || k.proto == PROTO_UDPLITE) {
		struct pk_who *prev = bpf_map_lookup_elem(&udp_conn, &k);
		struct pk_who wc = w;

		if (prev && prev->tgid != w.tgid && w.ktime - prev->ktime < PK_AMBIGUOUS_NS)
			wc.flags |= PK_WHO_AMBIGUOUS;
		bpf_map_update_elem(&udp_conn, &k, &wc, BPF_ANY);
	}

	verdict = cached_verdict(&w, &k, &tag);
	if (verdict == PK_VERDICT_DENY) {
		__sync_fetch_and_add(&counters.cache_deny, 1);
		report_hit(&w, &k, verdict, tag);
		return 0; /* connect() fails with EPERM */
	}
	/* Only TCP gets the allow mark: a TCP socket connects once, while a UDP
	 * socket's mark would also pass its later datagrams to other places. */
	sk = ctx->sk;
	if (k.proto != PROTO_TCP || !sk)
		return 1;
	if (verdict == PK_VERDICT_ALLOW && sk->mark == 0) {
		mark = (int)allow_mark;
		if (bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0) {
			__sync_fetch_and_add(&counters.cache_allow, 1);
			report_hit(&w, &k, verdict, tag);
		}
	} else if (verdict != PK_VERDICT_ALLOW && sk->mark == allow_mark) {
		/* A second connect() of the same socket is a new decision. */
		mark = 0;
		bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	}
	return 1;
}

static __always_inline int on_sendmsg(struct bpf_sock_addr *ctx, int v6)
{
	struct pk_flow_key k = {};
	struct pk_who w = {};
	struct bpf_sock *sk;
	__u32 tag = 0;

	if (bpf_get_netns_cookie(ctx) != netns_cookie)
		return 1;
	who_fill(&w);
	key_from_ctx(ctx, &k, v6);
	sk = ctx->sk;
	if (sk)
		k.sport = (__u16)sk->src_port; /* set: inet_send_prepare autobinds first */
	bpf_map_update_elem(&flows, &k, &w, BPF_ANY);
	__sync_fetch_and_add(&counters.flows, 1);
	if (cached_verdict(&w, &k, &tag) == PK_VERDICT_DENY) {
		__sync_fetch_and_add(&counters.cache_deny, 1);
		report_hit(&w, &k, PK_VERDICT_DENY, tag);
		return 0; /* sendto() fails with EPERM */
	}
	return 1;
}

SEC("cgroup/connect4")
int pk_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, 0);
}

SEC("cgroup/connect6")
int pk_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, 1);
}

SEC("cgroup/sendmsg4")
int pk_sendmsg4(struct bpf_sock_addr *ctx)
{
	return on_sendmsg(ctx, 0);
}

SEC("cgroup/sendmsg6")
int pk_sendmsg6(struct bpf_sock_addr *ctx)
{
	return on_sendmsg(ctx, 1);
}

/* Every inet socket: the only hook in the creator's context for ping and
 * raw sockets (no connect/sendmsg hook runs for them). */
SEC("cgroup/sock_create")
int pk_sock_create(struct bpf_sock *ctx)
{
	struct pk_who w = {};
	__u64 cookie;

	if (bpf_get_netns_cookie(ctx) != netns_cookie)
		return 1;
	who_fill(&w);
	cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&socks, &cookie, &w, BPF_ANY);
	return 1;
}

/* TCP: the source port exists from TCP_CONNECT_CB on (not at connect4). The
 * identity is the one connect4 recorded for this socket. */
SEC("sockops")
int pk_sockops(struct bpf_sock_ops *ctx)
{
	struct pk_flow_key k = {};
	struct pk_who *wp, w = {};
	__u64 cookie;

	if (ctx->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	if (bpf_get_netns_cookie(ctx) != netns_cookie)
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	wp = bpf_map_lookup_elem(&socks, &cookie);
	if (!wp) {
		who_fill(&w); /* TCP_CONNECT_CB runs in the caller's context */
		wp = &w;
	}
	k.proto = PROTO_TCP;
	k.sport = (__u16)ctx->local_port;
	k.dport = (__u16)bpf_ntohl(ctx->remote_port);
	if (ctx->family == AF_INET6) {
		key_addr6(&k, ctx->remote_ip6[0], ctx->remote_ip6[1], ctx->remote_ip6[2],
			  ctx->remote_ip6[3]);
	} else {
		k.family = 4;
		k.daddr[0] = ctx->remote_ip4;
	}
	bpf_map_update_elem(&flows, &k, wp, BPF_ANY);
	__sync_fetch_and_add(&counters.flows, 1);
	return 1;
}

static __always_inline int tracked(void)
{
	return bpf_current_task_under_cgroup(&cgroup_map, 0) == 1;
}

static __always_inline struct pk_proc *scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* The executable's path, leaf first, crossing mount points; bounded. */
static __always_inline void walk_exe(struct pk_proc *e, struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct mount *m = container_of(vm, struct mount, mnt);
	int n = 0;
	bool top = false; /* reached the root: the path is whole */

	if (BPF_CORE_READ(d, d_hash.pprev) == 0)
		e->flags |= PK_PROC_DELETED;
	for (int i = 0; i < PK_COMP_MAX + 4; i++) {
		struct dentry *root = BPF_CORE_READ(m, mnt.mnt_root);
		struct dentry *p;
		const unsigned char *nm;
		long len;

		if (d == root) {
			struct mount *mp = BPF_CORE_READ(m, mnt_parent);
			if (mp == m) {
				top = true;
				break;
			}
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = mp;
			continue;
		}
		p = BPF_CORE_READ(d, d_parent);
		if (p == d) {
			top = true;
			break;
		}
		if (n >= PK_COMP_MAX) {
			e->flags |= PK_PROC_TRUNCATED;
			break;
		}
		nm = BPF_CORE_READ(d, d_name.name);
		len = bpf_probe_read_kernel_str(&e->path[(n & (PK_COMP_MAX - 1)) * PK_COMP_LEN],
						PK_COMP_LEN, nm);
		if (len == PK_COMP_LEN && BPF_CORE_READ(d, d_name.len) >= PK_COMP_LEN)
			e->flags |= PK_PROC_TRUNCATED;
		n++;
		d = p;
	}
	/* Out of iterations (mount points crossed count too): the top part
	 * is missing, and a suffix of a path must never pass for the path. */
	if (!top)
		e->flags |= PK_PROC_TRUNCATED;
	e->ncomp = n;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pk_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pk_proc *e;
	struct file *f;
	unsigned long a0, a1;
	__u64 ug;
	__u32 tgid;

	if (!tracked())
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	ug = bpf_get_current_uid_gid();
	tgid = BPF_CORE_READ(p, tgid);
	e->start_time = BPF_CORE_READ(p, group_leader, start_time);
	e->tgid = tgid;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)ug;
	e->gid = ug >> 32;
	e->flags = 0;
	e->ncomp = 0;
	e->ino = 0;
	e->dev = 0;
	e->args_len = 0;
	f = BPF_CORE_READ(p, mm, exe_file);
	if (f) {
		e->ino = BPF_CORE_READ(f, f_inode, i_ino);
		e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		walk_exe(e, f);
	}
	/* argv was just copied in by exec: its pages are present. */
	a0 = BPF_CORE_READ(p, mm, arg_start);
	a1 = BPF_CORE_READ(p, mm, arg_end);
	if (a1 > a0) {
		__u64 len = a1 - a0;
		if (len > PK_ARGS_LEN - 1)
			len = PK_ARGS_LEN - 1;
		/* keep clang from folding the mask into the clamp above: the
		 * verifier must see the bound on the register passed */
		asm volatile("" : "+r"(len));
		len &= PK_ARGS_LEN - 1;
		if (bpf_probe_read_user(e->args, len, (void *)a0) == 0)
			e->args_len = len;
	}
	bpf_map_update_elem(&procs, &tgid, e, BPF_ANY);
	__sync_fetch_and_add(&counters.execs, 1);
	return 0;
}

/* A fork without exec runs the parent's image: copy its record. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(pk_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pk_proc *e, *pr;
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);

	if (ptgid == ctgid || !tracked())
		return 0;
	pr = bpf_map_lookup_elem(&procs, &ptgid);
	e = scratch_get();
	if (!pr || !e)
		return 0;
	if (bpf_probe_read_kernel(e, sizeof(*e), pr) < 0)
		return 0;
	e->tgid = ctgid;
	e->ppid = ptgid;
	e->start_time = BPF_CORE_READ(child, start_time);
	e->flags |= PK_PROC_FORKED;
	bpf_map_update_elem(&procs, &ctgid, e, BPF_ANY);
	return 0;
}

/* Run once at start: the processes already running (bpf_d_path is allowed
 * in iterators, not in tp_btf). Records exec made are kept. */
SEC("iter/task")
int pk_iter_task(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct pk_proc *e;
	struct file *f;
	__u32 tgid;

	if (!t || t->pid != t->tgid || !t->mm)
		return 0;
	f = t->mm->exe_file;
	if (!f)
		return 0;
	tgid = t->tgid;
	if (bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	e->start_time = t->start_time;
	e->tgid = tgid;
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->uid = BPF_CORE_READ(t, cred, uid.val);
	e->gid = BPF_CORE_READ(t, cred, gid.val);
	e->ino = BPF_CORE_READ(f, f_inode, i_ino);
	e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	e->flags = PK_PROC_FLAT;
	e->ncomp = 0;
	e->args_len = 0;
	if (bpf_d_path((struct path *)&f->f_path, e->path, sizeof(e->path)) < 0)
		return 0;
	bpf_map_update_elem(&procs, &tgid, e, BPF_NOEXIST);
	return 0;
}
