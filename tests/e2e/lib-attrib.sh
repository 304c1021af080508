# shellcheck shell=bash
# The attribution scorecard (issue 3), sourced by cases 040 (BPF) and 041
# (--no-bpf). att_scorecard TITLE STRICT [DAEMON ARGS...] runs every scenario
# against one picketd (default allow, so every flow gets an event), then
# scores the events with servers/attscore.py. Each flow has its own
# destination (127.S.x.y per scenario S, or its own port), so the event of
# each flow is found without trusting what it says about the process.
# PK_ATT_BURST (default 200): processes per burst; PK_ATT_REPS (default 10):
# repetitions of the other scenarios.

ATT_BURST=${PK_ATT_BURST:-200}
ATT_REPS=${PK_ATT_REPS:-10}
ATT_NOBODY=65534

att_build_client() {
	ATT=$PK_TMP/attclient
	local uring=()
	[ -e /usr/include/liburing.h ] && uring=(-DHAVE_URING -luring)
	cc -O2 -Wall -o "$ATT" "$PK_E2E_DIR/clients/attclient.c" -lpthread "${uring[@]}" ||
		pk_fail "cannot compile attclient"
	ATT_URING=${#uring[@]}
	ATT_PATH=$(readlink -f "$ATT")
}

att_dst() { echo "127.$1.$(($2 / 250)).$(($2 % 250 + 1))"; }

# att_expect SCENARIO PROTO UID PATH DST: reads "EXPECT pid key" lines on stdin.
att_expect() {
	local scen=$1 proto=$2 uid=$3 path=$4 dst=$5 tag pid key
	while read -r tag pid key; do
		[ "$tag" = EXPECT ] || continue
		echo "$scen $proto ${dst:-$ATT_DST} $key $pid $uid $path" >>"$ATT_EXPECT"
	done
}

# att_seq SCENARIO PROTO S MODE [FAMILY ADDR]: ATT_REPS runs, one at a time,
# each to its own destination 127.S.x.y (or to ADDR on its own port).
att_seq() {
	local scen=$1 proto=$2 s=$3 mode=$4 fam=${5:-4} addr=${6:-} i dst port
	for i in $(seq 1 "$ATT_REPS"); do
		if [ -n "$addr" ]; then
			dst=$addr port=$((s * 100 + i))
		else
			dst=$(att_dst "$s" "$i") port=$((1000 + s))
		fi
		pk_c "$ATT" "$mode" "$fam" "$dst" "$port" </dev/null 2>>"$PK_TMP/att.err" |
			att_expect "$scen" "$proto" 0 "$ATT_PATH" "$dst"
	done
}

# att_burst SCENARIO PROTO MODE ADDR PORT0 [UID]: ATT_BURST processes at once.
att_burst() {
	local scen=$1 proto=$2 mode=$3 addr=$4 port0=$5 uid=${6:-0} pre=()
	[ "$uid" != 0 ] && pre=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
	pk_c "${pre[@]}" "$ATT" spawn "$ATT_BURST" "$mode" 4 "$addr" "$port0" </dev/null \
		2>>"$PK_TMP/att.err" | att_expect "$scen" "$proto" "$uid" "$ATT_PATH" "$addr"
}

att_scenarios() {
	local i dst pid path pids=() cpid upid
	# TCP
	att_seq tcp-blocking tcp 11 tcp
	att_burst tcp-nonblock-exit-burst tcp tcpnb 127.0.0.12 30000 "$ATT_NOBODY"
	att_seq tcp-thread tcp 13 tcpthread
	# UDP
	att_burst udp-sendto-exit-burst udp udp 127.0.0.14 30000 "$ATT_NOBODY"
	att_seq udp-connected udp 15 udpconn
	# Many processes connect()ing to one destination at once (as to a local
	# resolver): the kernel's record is per destination, so these may be
	# unknown (sent, then gone), never another process's name.
	ATT_SAME_PORT=1 pk_c "$ATT" spawn "$ATT_REPS" udpconnsp 4 127.0.0.29 2900 </dev/null \
		2>>"$PK_TMP/att.err" | att_expect udp-connected-same-dst udp 0 "$ATT_PATH" 127.0.0.29
	for i in $(seq 1 "$ATT_REPS"); do
		dst=$(att_dst 16 "$i")
		pk_c "$ATT" udp 4 "$dst" 443 </dev/null | att_expect udp-443 udp 0 "$ATT_PATH" "$dst"
	done
	if command -v dig >/dev/null; then
		path=$(pk_realpath dig)
		pids=()
		for i in $(seq 1 "$ATT_REPS"); do
			dst=$(att_dst 17 "$i")
			# nsenter execs: $! is dig's own pid (pk_c would fork a subshell)
			nsenter --net="/run/netns/$PK_NS_C" -- dig +tries=1 +time=1 "@$dst" \
				picket.test >/dev/null 2>&1 &
			pids+=($!)
			echo "dns-query-53 udp $dst 53 $! 0 $path" >>"$ATT_EXPECT"
		done
		wait "${pids[@]}" 2>/dev/null
	else
		echo "SKIP dns-query-53 dig not installed" >>"$ATT_EXPECT"
	fi
	# IPv6
	att_seq tcp6 tcp 18 tcp 6 ::1
	att_seq udp6 udp 19 udp 6 ::1
	# ICMP and raw
	if command -v ping >/dev/null; then
		path=$(pk_realpath ping)
		pk_c sysctl -qw net.ipv4.ping_group_range="0 2147483647"
		pids=()
		for i in $(seq 1 "$ATT_REPS"); do
			dst=$(att_dst 20 "$i")
			nsenter --net="/run/netns/$PK_NS_C" -- ping -c 1 -W 1 "$dst" >/dev/null 2>&1 &
			pids+=($!)
			echo "icmp-ping-socket icmp $dst - $! 0 $path" >>"$ATT_EXPECT"
		done
		wait "${pids[@]}" 2>/dev/null
	else
		echo "SKIP icmp-ping-socket ping not installed" >>"$ATT_EXPECT"
	fi
	for i in $(seq 1 "$ATT_REPS"); do
		dst=$(att_dst 21 "$i")
		pk_c "$ATT" rawicmp 4 "$dst" "$((4000 + i))" </dev/null |
			att_expect icmp-raw-socket icmp 0 "$ATT_PATH" "$dst"
	done
	for i in $(seq 1 "$ATT_REPS"); do
		dst=$(att_dst 22 "$i")
		pk_c "$ATT" raw253 4 "$dst" 0 </dev/null | sed 's/ 0$/ -/' |
			att_expect raw-proto-253 253 0 "$ATT_PATH" "$dst"
	done
	if grep -qw '^SCTP' /proc/net/protocols 2>/dev/null || modprobe -q sctp 2>/dev/null; then
		echo "SKIP sctp the kernel has SCTP but this suite has no SCTP client yet" >>"$ATT_EXPECT"
	else
		echo "SKIP sctp the kernel has no SCTP (CONFIG_IP_SCTP off: not in /proc/net/protocols)" >>"$ATT_EXPECT"
	fi
	# io_uring, namespaces, odd executables
	if [ "$ATT_URING" != 0 ]; then
		att_seq io_uring-connect tcp 23 uring
	else
		echo "SKIP io_uring-connect liburing-dev not installed" >>"$ATT_EXPECT"
	fi
	for i in $(seq 1 "$ATT_REPS"); do
		dst=$(att_dst 24 "$i")
		# unshare forks; the client (pid 1 inside) is its child. Its host
		# pid comes from unshare's children list while the client waits.
		ATT_DELAY_MS=400 nsenter --net="/run/netns/$PK_NS_C" -- \
			unshare -pmf --mount-proc "$ATT" tcp 4 "$dst" 1024 \
			>/dev/null 2>&1 </dev/null &
		upid=$!
		cpid=
		for _ in $(seq 30); do
			cpid=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{print $1}')
			[ -n "$cpid" ] && break
			sleep 0.01
		done
		wait "$upid"
		echo "pid+mount-namespace tcp $dst 1024 ${cpid:-0} 0 $ATT_PATH" >>"$ATT_EXPECT"
	done
	for i in $(seq 1 "$ATT_REPS"); do
		dst=$(att_dst 25 "$i")
		cp "$ATT" "$PK_TMP/att-deleted-$i"
		path=$(readlink -f "$PK_TMP/att-deleted-$i")
		pk_c "$path" deleted 4 "$dst" 1025 </dev/null |
			att_expect deleted-executable tcp 0 "$path" "$dst"
	done
	att_seq renamed-prctl tcp 26 renamed
	pk_c "$ATT" parallel 4 127.0.0.27 27000 30 </dev/null |
		att_expect 30-parallel-one-process tcp 0 "$ATT_PATH" 127.0.0.27
	att_burst short-lived-burst tcp tcp 127.0.0.28 28000 0
}

# att_scorecard TITLE STRICT [DAEMON ARGS...]
att_scorecard() {
	local title=$1 strict=$2 n last=-1
	shift 2
	att_build_client
	ATT_EXPECT=$PK_TMP/att.expect
	: >"$ATT_EXPECT"
	pk_netns_setup
	pk_c ip addr add 127.0.0.0/8 dev lo 2>/dev/null
	pk_start_daemon --default-action allow --no-history "$@"
	att_scenarios
	# Events reach the log off the verdict path: wait until their count settles.
	for _ in $(seq 50); do
		n=$(pk_cli status --json | "$PK_PY" -c 'import json,sys; print(json.load(sys.stdin)["counters"]["packets"])')
		[ "$n" = "$last" ] && break
		last=$n
		sleep 0.2
	done
	pk_cli log --json -n 10000 >"$PK_TMP/att.events" || pk_fail "picket log failed"
	pk_log "$(grep -c . "$ATT_EXPECT") flows expected, $(grep -c . "$PK_TMP/att.events") events"
	local opt=()
	[ "$strict" = 1 ] && opt=(--strict)
	"$PK_PY" "$PK_E2E_DIR/servers/attscore.py" "$PK_TMP/att.events" "$ATT_EXPECT" "$title" \
		"${opt[@]}" | tee "$PK_TMP/att.score"
	ATT_RC=${PIPESTATUS[0]}
	[ -n "${PK_ATT_SCORE_OUT:-}" ] && cp "$PK_TMP/att.score" "$PK_ATT_SCORE_OUT"
	pk_cli status --json >"$PK_TMP/att.status"
	pk_log "status: $(cat "$PK_TMP/att.status")"
	return 0
}
