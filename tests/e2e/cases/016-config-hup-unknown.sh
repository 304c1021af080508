#!/bin/bash
# The config file is read and flags win over it; SIGHUP reloads the rules;
# UDPLITE and ICMPv6 echo are intercepted; a flow no process owns (a kernel
# vxlan socket) gets a verdict and an event, and a rule on
# process.path "unknown" decides it.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --udp 7001

# 1. Config file: default-action deny; the flag --default-action allow wins
# for the first start, the file decides for the second.
cat >"$PK_TMP/picketd.conf" <<CONF
# picketd test config
default-action = deny
queue = 3
CONF
pk_start_daemon --config "$PK_TMP/picketd.conf" --default-action allow
pk_cli --json status >"$PK_TMP/status.json" || pk_fail "status failed"
grep -q '"default_action": "allow"' "$PK_TMP/status.json" || pk_fail "flag did not win over the file: $(cat "$PK_TMP/status.json")"
grep -q '"queue": 3' "$PK_TMP/status.json" || pk_fail "queue from the file not used: $(cat "$PK_TMP/status.json")"
pk_stop_daemon TERM
pk_start_daemon --config "$PK_TMP/picketd.conf"
grep -q '"default_action": "deny"' <(pk_cli --json status) || pk_fail "config file's default-action deny not applied"
pk_log "ok: config file read, flags win"

# A bad config line stops start-up with file:line.
echo "default-action = maybe" >>"$PK_TMP/picketd.conf"
out=$(nsenter --net="/run/netns/$PK_NS_C" -- "$PICKETD" --config "$PK_TMP/picketd.conf" 2>&1)
grep -q "picketd.conf:4: default-action: expected allow|deny|reject, got \"maybe\"" <<<"$out" ||
	pk_fail "bad config line not reported with file:line: $out"
pk_log "ok: bad config line reported: $out"

# 2. UDPLITE and ICMPv6 under default deny, then allowed after SIGHUP.
udplite='import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM,136)
s.sendto(b"lite",(sys.argv[1],7009))'
pk_run_c "$PK_PY" -c "$udplite" "$PK_S4"
pk_wait_event 5 protocol=udplite action=deny dst_port=7009 || pk_fail "no deny event for UDPLITE"
expect_blocked "ping6 under default deny" "$PK_CLIENT" -6 -p icmp -t 1500 "$PK_S6"
pk_wait_event 5 protocol=icmpv6 action=deny || pk_fail "no deny event for ICMPv6 echo"

# SIGHUP reloads (inotify may also see this write; the log line shows the
# signal was handled, the ping that the reloaded rules apply).
pk_rule_json allow-icmpv6 allow protocol icmpv6 >"$PK_RULES/allow-icmpv6.json"
kill -HUP "$PK_DAEMON_PID"
_ping_ok() { pk_run_c "$PK_CLIENT" -6 -p icmp -t 1000 "$PK_S6"; }
pk_wait 5 _ping_ok || pk_fail "ICMPv6 echo still blocked after SIGHUP with an allow rule"
grep -q "SIGHUP: reloading rules" "$PK_TMP/picketd.log" || pk_fail "SIGHUP not logged"
pk_log "ok: SIGHUP reload"

# 3. A flow with no process: vxlan encapsulates in a kernel socket.
pk_c ip link add pkvx0 type vxlan id 42 remote "$PK_S4" dstport 4789 dev pkc0 || pk_skip "no vxlan"
pk_c ip addr add 192.168.250.1/30 dev pkvx0
pk_c ip link set pkvx0 up
pk_c ping -c 1 -W 1 192.168.250.2 >/dev/null 2>&1
pk_wait_event 5 protocol=udp dst_port=4789 process_path=unknown action=deny "reason=no UI" ||
	pk_fail "no event for the kernel's vxlan flow: $(tail -n 3 "$PK_TMP/events.json")"
pk_rule allow-unknown allow process.path unknown
_vx_allowed() {
	pk_c ping -c 1 -W 1 192.168.250.2 >/dev/null 2>&1
	pk_events protocol=udp dst_port=4789 process_path=unknown action=allow rule=allow-unknown >/dev/null
}
pk_wait 5 _vx_allowed || pk_fail "rule on process.path unknown did not decide the vxlan flow"
pk_log "ok: unknown process: $(pk_events rule=allow-unknown | head -n1)"
