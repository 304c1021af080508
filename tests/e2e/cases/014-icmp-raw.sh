#!/bin/bash
# Not only TCP/UDP: ICMP echo (denied by protocol) and a raw IP socket with
# protocol 253 (denied by process) are intercepted, blocked and logged.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --raw 253
py=$(readlink -f "$PK_PY")
raw='import socket,sys,time
s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
s.sendto(b"picket-raw-253", (sys.argv[1], 0))
time.sleep(1)'

# Both work without picketd.
expect_connect "ping without picketd" "$PK_CLIENT" -p icmp "$PK_S4"
expect_connect "raw 253 without picketd" "$PK_PY" -c "$raw" "$PK_S4"
pk_wait 2 grep -q "^raw253 $PK_C4 4 " "$PK_REC" || pk_fail "raw 253 did not arrive without picketd"

pk_rule deny-icmp deny protocol icmp
pk_rule deny-python deny process.path "$py"
pk_start_daemon --default-action allow

expect_blocked "ping (protocol icmp denied)" "$PK_CLIENT" -p icmp -t 1500 "$PK_S4"
if command -v ping >/dev/null; then
	expect_blocked "ping(8) denied" ping -c 1 -W 1 "$PK_S4"
fi
before=$(pk_rec_count '^raw253')
pk_run_c "$PK_PY" -c "$raw" "$PK_S4"
sleep 0.5
[ "$(pk_rec_count '^raw253')" = "$before" ] || pk_fail "raw protocol 253 from a denied python reached the server"
pk_log "ok: raw 253 blocked"

pk_wait_event 5 dst_ip="$PK_S4" action=deny rule=deny-icmp ||
	pk_fail "no deny event for ICMP: $(tail -n 5 "$PK_TMP/events.json")"
pk_log "icmp event: $(pk_events dst_ip="$PK_S4" rule=deny-icmp | head -n1)"
pk_wait_event 5 dst_ip="$PK_S4" action=deny rule=deny-python process_path="$py" ||
	pk_fail "no deny event naming $py for raw 253: $(tail -n 5 "$PK_TMP/events.json")"
pk_log "raw event: $(pk_events dst_ip="$PK_S4" rule=deny-python | head -n1)"
