# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are for the sourcing case
# Picket end-to-end harness: sourced by every case in tests/e2e/cases/.
#
# A case gets two fresh network namespaces joined by a veth pair:
#   client ($PK_NS_C, $PK_C4, $PK_C6) <-> server ($PK_NS_S, $PK_S4, $PK_S6)
# picketd runs in the client namespace; servers run in the server namespace.
# Nothing runs in, or sends traffic through, the host's own namespace. A trap
# kills every process the case started (by PID, plus whatever is left inside
# its own namespaces) and deletes the namespaces on every exit path.
#
# Exit codes of a case: 0 pass, 1 fail, 77 skip.
#
# Inputs (set by tests/e2e/run; a case can also be run on its own as root):
#   PICKETD, PICKET     the binaries (default: $PICKET_BUILD or <repo>/build)
#   PK_CLIENT           tests/e2e/clients/pkclient, compiled on demand
#   PK_NS_PREFIX        namespace name prefix (the runner sweeps it afterwards)
#   PK_KEEP=1           keep the temp dir (logs, rules) after the case
#   PK_DAEMON_ARGS      extra arguments for every picketd start
#   PK_LOG_LEVEL        picketd's --log-level (default debug)
#   PK_DB               picketd's --db (default $PK_TMP/picket.db)
#
# Each case also gets a cgroup v2 of its own ($PK_CG, under the cgroup2
# mount): the case's shell moves into it, so every process it starts is
# there, and picketd attaches its BPF programs to it (--cgroup), never to the
# machine's root cgroup. The trap moves the shell back and removes it.

PK_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PK_REPO=$(cd "$PK_E2E_DIR/../.." && pwd)
PK_CASE=$(basename "${0%.sh}")
PK_PY=/usr/bin/python3
[ -x "$PK_PY" ] || PK_PY=$(command -v python3)
PK_TIMEOUT=${PK_TIMEOUT:-5}
PK_READY_TIMEOUT=${PK_READY_TIMEOUT:-10}

# Clients must talk to the namespace's server directly, never via a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

PK_PIDS=()
PK_NETNS=()
PK_DAEMON_PID=
PK_NS_N=0

pk_log() { printf '%s: %s\n' "$PK_CASE" "$*"; }
pk_fail() { printf '%s: FAIL: %s\n' "$PK_CASE" "$*" >&2; exit 1; }
pk_skip() { printf '%s: SKIP: %s\n' "$PK_CASE" "$*" >&2; exit 77; }

# Milliseconds since the epoch, from bash's own clock (no fork).
pk_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

pk_dump_logs() {
	local f
	for f in "$PK_TMP/picketd.stderr" "$PK_TMP/picketd.log"; do
		[ -s "$f" ] || continue
		echo "---- tail of ${f##*/} ----"
		tail -n "${PK_LOG_TAIL:-40}" "$f"
	done
	if [ -s "$PK_TMP/server.rec" ]; then
		echo "---- server record ----"
		tail -n 20 "$PK_TMP/server.rec"
	fi
}

pk_kill_pid() {	# pid: TERM, then KILL after 2 s
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

pk_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	set +e
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${PK_TMP:-}" ]; then
		pk_dump_logs >&2
	fi
	# The daemon first, so it gets to remove its ruleset while it can.
	[ -n "$PK_DAEMON_PID" ] && pk_kill_pid "$PK_DAEMON_PID"
	for pid in "${PK_PIDS[@]}"; do
		pk_kill_pid "$pid"
	done
	# Anything still inside our own namespaces was started by this case.
	for ns in "${PK_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${PK_CG:-}" ] && [ -d "$PK_CG" ]; then
		echo $$ >"$PK_CG_ROOT$PK_CG_ORIG/cgroup.procs" 2>/dev/null ||
			echo $$ >"$PK_CG_ROOT/cgroup.procs"
		for pid in $(cat "$PK_CG/cgroup.procs" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		for _ in $(seq 20); do
			rmdir "$PK_CG" 2>/dev/null && break
			sleep 0.1
		done
	fi
	if [ -n "${PK_TMP:-}" ]; then
		if [ "${PK_KEEP:-0}" = 1 ]; then
			echo "$PK_CASE: kept $PK_TMP" >&2
		else
			rm -rf "$PK_TMP"
		fi
	fi
	exit "$rc"
}

trap pk_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || pk_skip "needs root"
for _t in ip nft nsenter "$PK_PY" timeout; do
	command -v "$_t" >/dev/null || pk_skip "missing tool $_t"
done

PK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/picket-e2e.XXXXXX")
PK_CG_ROOT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
PK_CG=
if [ -n "$PK_CG_ROOT" ] && [ -w "$PK_CG_ROOT/cgroup.procs" ]; then
	PK_CG_ORIG=$(awk -F: '$1 == "0" {print $3; exit}' /proc/self/cgroup)
	PK_CG=$PK_CG_ROOT/${PK_NS_PREFIX:-pk$$}-cg
	if mkdir "$PK_CG" && echo $$ >"$PK_CG/cgroup.procs"; then
		:
	else
		rmdir "$PK_CG" 2>/dev/null
		PK_CG=
	fi
fi
chmod 755 "$PK_TMP"	# lets an unprivileged user reach the socket (case 011)
PK_RULES=$PK_TMP/rules
PK_SOCK=$PK_TMP/picket.sock
PK_REC=$PK_TMP/server.rec
mkdir -p "$PK_RULES"
: >"$PK_REC"

# Binaries.
if [ -z "${PICKETD:-}" ] || [ -z "${PICKET:-}" ]; then
	_b=${PICKET_BUILD:-$PK_REPO/build}
	PICKETD=${PICKETD:-$_b/src/daemon/picketd}
	PICKET=${PICKET:-$_b/src/cli/picket}
fi

pk_need_daemon() {
	[ -x "$PICKETD" ] || pk_fail "picketd not found at $PICKETD"
	[ -x "$PICKET" ] || pk_fail "picket CLI not found at $PICKET"
}

# The C client: use the runner's, else compile one for this case.
if [ -z "${PK_CLIENT:-}" ] || [ ! -x "$PK_CLIENT" ]; then
	PK_CLIENT=$PK_TMP/pkclient
	cc -O2 -Wall -o "$PK_CLIENT" "$PK_E2E_DIR/clients/pkclient.c" ||
		pk_fail "cannot compile pkclient"
fi

# ---------------------------------------------------------------- namespaces

# Creates the client and server namespaces and the veth pair between them.
# Addresses: a random /30 inside 10.200.0.0/13 and a random fd00::/64, so
# parallel runs (and runs on a machine that uses 10/8) do not collide.
pk_netns_setup() {
	local prefix=${PK_NS_PREFIX:-pk$$}
	PK_NS_N=$((PK_NS_N + 1))
	PK_NS_C=$prefix-c$PK_NS_N
	PK_NS_S=$prefix-s$PK_NS_N
	ip netns add "$PK_NS_C" || pk_fail "ip netns add $PK_NS_C"
	PK_NETNS+=("$PK_NS_C")
	ip netns add "$PK_NS_S" || pk_fail "ip netns add $PK_NS_S"
	PK_NETNS+=("$PK_NS_S")

	local a=$((200 + RANDOM % 8)) b=$((RANDOM % 256)) c=$(((RANDOM % 64) * 4))
	PK_C4=10.$a.$b.$((c + 1))
	PK_S4=10.$a.$b.$((c + 2))
	local h1 h2
	h1=$(printf %x $((RANDOM + 1))) h2=$(printf %x $((RANDOM + 1)))
	PK_C6=fd00:$h1:$h2::1
	PK_S6=fd00:$h1:$h2::2

	ip -n "$PK_NS_C" link add pkc0 type veth peer name pks0 netns "$PK_NS_S" ||
		pk_fail "veth pair"
	ip -n "$PK_NS_C" link set lo up
	ip -n "$PK_NS_S" link set lo up
	ip -n "$PK_NS_C" addr add "$PK_C4/30" dev pkc0
	ip -n "$PK_NS_S" addr add "$PK_S4/30" dev pks0
	ip -n "$PK_NS_C" addr add "$PK_C6/64" dev pkc0 nodad
	ip -n "$PK_NS_S" addr add "$PK_S6/64" dev pks0 nodad
	ip -n "$PK_NS_C" link set pkc0 up
	ip -n "$PK_NS_S" link set pks0 up
	# The link is up when both ends say so; neighbour discovery is then quick.

	for _ in $(seq 50); do
		ip -n "$PK_NS_C" -o link show pkc0 | grep -q 'state UP' &&
			ip -n "$PK_NS_S" -o link show pks0 | grep -q 'state UP' && break
		sleep 0.1
	done
}

# nsenter, not `ip netns exec`: the latter remounts /sys, which hides the
# cgroup tree and tracefs from the daemon (see DESIGN.md).
pk_c() { nsenter --net="/run/netns/$PK_NS_C" -- "$@"; }
pk_s() { nsenter --net="/run/netns/$PK_NS_S" -- "$@"; }

# pk_spawn NS OUTFILE CMD...: starts CMD in the background in namespace NS;
# its PID (nsenter execs, so it is CMD's own) is in $PK_LAST_PID.
pk_spawn() {
	local ns=$1 out=$2
	shift 2
	nsenter --net="/run/netns/$ns" -- "$@" >"$out" 2>&1 </dev/null &
	PK_LAST_PID=$!
	PK_PIDS+=("$PK_LAST_PID")
}

# pk_wait SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
pk_wait() {
	local deadline=$(($(pk_now_ms) + ${1%.*} * 1000))
	shift
	while :; do
		"$@" && return 0
		[ "$(pk_now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- servers

# pk_start_echo [--tcp P]... [--udp P]... [--raw PROTO]...: the recording echo
# server in the server namespace; records into $PK_REC.
pk_start_echo() {
	pk_spawn "$PK_NS_S" "$PK_TMP/echo.out" "$PK_PY" "$PK_E2E_DIR/servers/echo.py" \
		--record "$PK_REC" "$@"
	pk_wait 5 grep -qx ready "$PK_REC" || {
		cat "$PK_TMP/echo.out" >&2
		pk_fail "echo server did not start"
	}
}

_pk_listening() { pk_s ss -Hltn "sport = :$1" | grep -q .; }

# pk_start_http PORT DIR: python3 -m http.server (dual stack) serving DIR.
pk_start_http() {
	pk_spawn "$PK_NS_S" "$PK_TMP/http.out" "$PK_PY" -m http.server --bind :: \
		--directory "$2" "$1"
	pk_wait 5 _pk_listening "$1" || {
		cat "$PK_TMP/http.out" >&2
		pk_fail "http server did not start"
	}
}

# pk_start_nc_listen PORT OUTFILE: a one-shot nc listener keeping what it got.
pk_start_nc_listen() {
	pk_spawn "$PK_NS_S" "$2" nc -l -k "$1"
	pk_wait 5 _pk_listening "$1" || pk_fail "nc listener did not start"
}

# Lines of the server record matching an extended regex (0 if none).
pk_rec_count() { grep -cE "$1" "$PK_REC"; }

# ---------------------------------------------------------------- rules

_pk_json_str() {	# escapes \ and " for a JSON string
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

# pk_rule_json NAME ACTION OPERAND DATA [TYPE]: prints an OpenSnitch rule.
pk_rule_json() {
	local type=${5:-simple}
	printf '{"name":%s,"enabled":true,"precedence":false,"action":%s,' \
		"$(_pk_json_str "$1")" "$(_pk_json_str "$2")"
	printf '"duration":"always","operator":{"type":%s,"operand":%s,' \
		"$(_pk_json_str "$type")" "$(_pk_json_str "$3")"
	printf '"sensitive":false,"data":%s}}\n' "$(_pk_json_str "$4")"
}

# pk_rule NAME ACTION OPERAND DATA [TYPE]: writes $PK_RULES/NAME.json
# atomically (temp + rename), as a person's editor or the daemon would.
pk_rule() {
	pk_rule_json "$@" >"$PK_RULES/.$1.tmp" && mv "$PK_RULES/.$1.tmp" "$PK_RULES/$1.json"
}

# ---------------------------------------------------------------- daemon

# Looks at what this start wrote only: a restarted daemon appends to the
# same log file, whose old "picketd ready" must not count.
_pk_ready() {
	grep -qs 'picketd ready' "$PK_TMP/picketd.stderr" ||
		tail -c +"$((PK_LOG_OFFSET + 1))" "$PK_TMP/picketd.log" 2>/dev/null | grep -q 'picketd ready'
}

# pk_start_daemon [ARGS...]: picketd in the client namespace, with the case's
# rules dir, socket and log file; returns once it logged "picketd ready".
pk_start_daemon() {
	pk_need_daemon
	# Keep the previous start's stderr for the failure dump.
	[ -s "$PK_TMP/picketd.stderr" ] && cat "$PK_TMP/picketd.stderr" >>"$PK_TMP/picketd.stderr.old"
	: >"$PK_TMP/picketd.stderr"
	PK_LOG_OFFSET=$(stat -c %s "$PK_TMP/picketd.log" 2>/dev/null || echo 0)
	# BPF only on the case's own cgroup; without one, none at all.
	local bpf_args=(--no-bpf)
	[ -n "$PK_CG" ] && bpf_args=(--cgroup "$PK_CG")
	# shellcheck disable=SC2086
	nsenter --net="/run/netns/$PK_NS_C" -- "$PICKETD" --rules-dir "$PK_RULES" \
		--socket "$PK_SOCK" --log-file "$PK_TMP/picketd.log" --log-level "${PK_LOG_LEVEL:-debug}" \
		--db "${PK_DB:-$PK_TMP/picket.db}" "${bpf_args[@]}" ${PK_DAEMON_ARGS:-} "$@" >>"$PK_TMP/picketd.stderr" 2>&1 </dev/null &
	PK_DAEMON_PID=$!
	local deadline=$(($(pk_now_ms) + PK_READY_TIMEOUT * 1000))
	while ! _pk_ready; do
		if ! kill -0 "$PK_DAEMON_PID" 2>/dev/null; then
			wait "$PK_DAEMON_PID"
			pk_fail "picketd exited (status $?) before 'picketd ready'"
		fi
		[ "$(pk_now_ms)" -ge "$deadline" ] &&
			pk_fail "picketd not ready after ${PK_READY_TIMEOUT}s"
		sleep 0.05
	done
}

# pk_stop_daemon [SIGNAL]: signals picketd and waits up to 5 s; sets
# PK_STOP_MS (time to exit) and PK_STOP_STATUS. Fails if it does not exit.
pk_stop_daemon() {
	local sig=${1:-TERM} t0 pid=$PK_DAEMON_PID
	[ -n "$pid" ] || return 0
	t0=$(pk_now_ms)
	# bash reports a job killed by a signal ("Killed ...") on its own
	# stderr; that is what we asked for, so keep it out of the case's output.
	exec 3>&2 2>/dev/null
	kill -"$sig" "$pid"
	while kill -0 "$pid" 2>/dev/null; do
		# A zombie has exited already; wait reaps it below.
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
		if [ $(($(pk_now_ms) - t0)) -gt 5000 ]; then
			exec 2>&3 3>&-
			pk_fail "picketd still running 5 s after SIG$sig"
		fi
		sleep 0.01
	done
	PK_STOP_MS=$(($(pk_now_ms) - t0))
	wait "$pid"
	PK_STOP_STATUS=$?
	exec 2>&3 3>&-
	PK_DAEMON_PID=
}

# pk_cli ARGS...: the CLI on the case's socket (a unix socket: no netns needed).
pk_cli() { timeout "$PK_TIMEOUT" "$PICKET" --socket "$PK_SOCK" "$@"; }

# pk_events [FILTERS...]: prints the events (picket log --json) that match
# every FILTER: key=value (equal), key~text (contains), key!=value. Returns 1
# if none matched.
pk_events() {
	pk_cli log --json -n "${PK_EVENTS_N:-500}" >"$PK_TMP/events.json" 2>"$PK_TMP/events.err"
	"$PK_PY" "$PK_E2E_DIR/servers/evq.py" "$@" <"$PK_TMP/events.json"
}

# pk_wait_event SECONDS FILTERS...: the event log is written off the verdict
# path, so an event may show up a little after its verdict.
pk_wait_event() {
	local s=$1
	shift
	pk_wait "$s" pk_events "$@" >/dev/null
}

# ---------------------------------------------------------------- clients

# pk_run_c CMD...: runs CMD in the client namespace under a timeout; keeps its
# output in $PK_OUT and its status in $PK_RC, and logs both.
pk_run_c() {
	PK_OUT=$(timeout -k 2 "$PK_TIMEOUT" nsenter --net="/run/netns/$PK_NS_C" -- "$@" 2>&1 </dev/null)
	PK_RC=$?
	local cmd="${1##*/} ${*:2}"
	cmd=${cmd//$'\n'/; }
	pk_log "\$ ${cmd:0:160} -> rc=$PK_RC ${PK_OUT:0:300}"
	return $PK_RC
}

# expect_connect DESC CMD...: CMD (in the client namespace) must succeed.
expect_connect() {
	local desc=$1
	shift
	pk_run_c "$@" || pk_fail "$desc: expected to connect, got rc=$PK_RC: $PK_OUT"
	pk_log "ok: $desc"
}

# expect_blocked DESC CMD...: CMD must fail (error or timeout).
expect_blocked() {
	local desc=$1
	shift
	pk_run_c "$@" && pk_fail "$desc: expected to be blocked, but it succeeded: $PK_OUT"
	pk_log "ok: $desc"
}

# The "ms=" field of pkclient's last output.
pk_out_ms() { sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$PK_OUT"; }

# Real path of a program, as the kernel reports it in /proc/PID/exe.
pk_realpath() { readlink -f "$(command -v "$1")"; }
