# shellcheck shell=bash
# shellcheck disable=SC2034  # OS_* are read by bench/run
# The OpenSnitch peer for bench/run (sourced after tests/e2e/lib.sh).
#
# Runs the Debian package's opensnitchd, if installed, headless in a client
# namespace the bench created (see /work/shared/PEERS.md): iptables firewall,
# /proc process monitor, default deny, one rule allowing the benchmark client
# by path, no UI (unmatched flows get the default action). It has no config
# file flag, so its /etc/opensnitchd is replaced by a bind mount inside a
# private mount namespace of its own: the host's /etc/opensnitchd, host
# firewall and host log files are never touched. What it installs (iptables
# rules, a queue) lives in the client network namespace; os_stop removes it,
# and deleting the namespace (lib.sh's trap) removes whatever is left.

OS_BIN=$(command -v opensnitchd 2>/dev/null || true)
OS_PID=
OS_NS=
OS_DIR=
OS_ERR=
OS_HOW=

# os_version: "1.5.8", or nothing when not installed.
os_version() {
	[ -n "$OS_BIN" ] || return 1
	"$OS_BIN" -version 2>/dev/null | head -n 1
}

# os_start NS EXE: opensnitchd in network namespace NS, allowing EXE; returns
# once it says it is on the queue. On failure returns 1 with why in OS_ERR.
os_start() {
	local ns=$1 exe=$2 dir=$PK_TMP/opensnitch
	mkdir -p "$dir/etc" "$dir/rules" || return 1
	OS_DIR=$dir
	# Server.LogFile must be -log-file: the config's log settings are
	# re-applied on reload. LogLevel 2 (important): per-connection lines
	# would be part of what is measured.
	cat >"$dir/etc/default-config.json" <<-EOF
	{
	    "Server": {"Address": $(_pk_json_str "unix://$dir/no-ui.sock"), "LogFile": $(_pk_json_str "$dir/log")},
	    "DefaultAction": "deny",
	    "DefaultDuration": "once",
	    "InterceptUnknown": false,
	    "ProcMonitorMethod": "proc",
	    "LogLevel": 2,
	    "Firewall": "iptables",
	    "Stats": {"MaxEvents": 150, "MaxStats": 25}
	}
	EOF
	echo '{"SystemRules": []}' >"$dir/etc/system-fw.json"
	pk_rule_json allow-connrate allow process.path "$exe" >"$dir/rules/allow-connrate.json"
	# nsenter, unshare and sh all exec: $! is opensnitchd itself.
	# shellcheck disable=SC2016  # $0 and $@ are the inner shell's
	nsenter --net="/run/netns/$ns" -- unshare -m --propagation private \
		sh -c 'mount --bind "$0" /etc/opensnitchd && exec "$@"' "$dir/etc" \
		"$OS_BIN" -rules-path "$dir/rules" -log-file "$dir/log" \
		-process-monitor-method proc -ui-socket "unix://$dir/no-ui.sock" \
		>"$dir/out" 2>&1 </dev/null &
	OS_PID=$!
	OS_NS=$ns
	PK_PIDS+=("$OS_PID")
	if ! pk_wait 15 grep -qs 'Running on netfilter queue' "$dir/log"; then
		OS_ERR="opensnitchd did not start: $(tail -q -n 3 "$dir/log" "$dir/out" 2>/dev/null | tr '\n' ' ')"
		os_stop
		return 1
	fi
	# It must have put its queue rule in the client namespace.
	if ! nsenter --net="/run/netns/$ns" -- iptables-save 2>/dev/null | grep -q NFQUEUE; then
		OS_ERR="opensnitchd started but installed no NFQUEUE rule"
		os_stop
		return 1
	fi
}

# os_stop: SIGTERM (it can take ~7 s: "queue stuck, closing by timeout"),
# SIGKILL after 15 s; then flushes the client namespace, where it leaves
# empty iptables-nft tables. Says how it stopped in OS_HOW.
os_stop() {
	local pid=$OS_PID t0 how
	[ -n "$pid" ] || return 0
	OS_PID=
	t0=$(pk_now_ms)
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
		if [ $(($(pk_now_ms) - t0)) -gt 15000 ]; then
			kill -KILL "$pid" 2>/dev/null
			how="killed (still running 15 s after SIGTERM)"
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	local rc=$?
	how=${how:-"exited $rc, $(($(pk_now_ms) - t0)) ms after SIGTERM"}
	# A Go panic or fatal error says where (it once aborted in nfq_close).
	if [ "$rc" != 0 ] && [ -n "$OS_DIR" ]; then
		how="$how ($(grep -m 1 -E '^(panic|fatal error|SIG[A-Z]+:)' "$OS_DIR/out" 2>/dev/null ||
			tail -n 1 "$OS_DIR/out" 2>/dev/null))"
	fi
	if [ -n "$OS_NS" ]; then
		nsenter --net="/run/netns/$OS_NS" -- nft flush ruleset 2>/dev/null
		if nsenter --net="/run/netns/$OS_NS" -- nft list ruleset 2>/dev/null | grep -q .; then
			how="$how; its namespace still has rules after flush"
		fi
	fi
	OS_HOW="opensnitchd $how"
}
