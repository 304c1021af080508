#!/bin/bash
# `picket log --follow` with filters: the in-memory ring's last N matches
# first, then only the new decisions that match (--port, --action, --exe,
# --host), filtered in the CLI; decisions that do not match never show.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --tcp 7001
client=$(readlink -f "$PK_CLIENT")
pk_rule allow-pk allow process.path "$client"
pk_rule reject-7001 reject dest.port 7001
pk_start_daemon --default-action allow

# Before the followers start: 2 rejected, 3 allowed.
for i in 1 2; do expect_blocked "to 7001 before ($i)" "$client" "$PK_S4" 7001; done
for i in 1 2 3; do expect_connect "to 7000 before ($i)" "$client" "$PK_S4" 7000; done

"$PICKET" --socket "$PK_SOCK" log --follow --json --port 7001 --action reject \
	>"$PK_TMP/f1.json" 2>"$PK_TMP/f1.err" &
f1=$!
PK_PIDS+=("$f1")
"$PICKET" --socket "$PK_SOCK" log --follow --json -n 1 --exe "$client" --host "$PK_S4" --port 7000 \
	>"$PK_TMP/f2.json" 2>"$PK_TMP/f2.err" &
f2=$!
PK_PIDS+=("$f2")
pk_wait 5 test -s "$PK_TMP/f1.json" || pk_fail "follower 1 printed nothing: $(cat "$PK_TMP/f1.err")"
pk_wait 5 test -s "$PK_TMP/f2.json" || pk_fail "follower 2 printed nothing: $(cat "$PK_TMP/f2.err")"

# Live: 2 more of each.
for i in 1 2; do
	expect_blocked "to 7001 live ($i)" "$client" "$PK_S4" 7001
	expect_connect "to 7000 live ($i)" "$client" "$PK_S4" 7000
done
pk_wait 5 bash -c "[ \$(grep -c . '$PK_TMP/f1.json') -ge 4 ]" ||
	pk_fail "follower 1: want 4 rows (2 from the ring, 2 live): $(cat "$PK_TMP/f1.json")"
pk_wait 5 bash -c "[ \$(grep -c . '$PK_TMP/f2.json') -ge 3 ]" ||
	pk_fail "follower 2: want 3 rows (the ring's last match, 2 live): $(cat "$PK_TMP/f2.json")"
sleep 0.5
kill "$f1" "$f2" 2>/dev/null
wait "$f1" "$f2" 2>/dev/null

[ "$(grep -c . "$PK_TMP/f1.json")" = 4 ] || pk_fail "follower 1: $(cat "$PK_TMP/f1.json")"
"$PK_PY" "$PK_E2E_DIR/servers/evq.py" dst_port!=7001 <"$PK_TMP/f1.json" &&
	pk_fail "follower 1 printed a row not to port 7001"
"$PK_PY" "$PK_E2E_DIR/servers/evq.py" action!=reject <"$PK_TMP/f1.json" &&
	pk_fail "follower 1 printed a row that is not rejected"
pk_log "ok: --follow --port 7001 --action reject: 4 rows, all match"

[ "$(grep -c . "$PK_TMP/f2.json")" = 3 ] || pk_fail "follower 2: $(cat "$PK_TMP/f2.json")"
"$PK_PY" "$PK_E2E_DIR/servers/evq.py" dst_port!=7000 <"$PK_TMP/f2.json" &&
	pk_fail "follower 2 printed a row not to port 7000"
"$PK_PY" "$PK_E2E_DIR/servers/evq.py" "process_path!=$client" <"$PK_TMP/f2.json" &&
	pk_fail "follower 2 printed a row of another program"
pk_log "ok: --follow -n 1 --exe --host --port 7000: the ring's last match, then 2 live rows"
