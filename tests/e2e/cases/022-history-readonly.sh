#!/bin/bash
# A history database that cannot be written (its directory mounted
# read-only) never stops filtering: picketd logs one warning, keeps
# deciding (and keeps the events in memory: `picket log` shows them), and
# when the file is writable again it writes them and says so.
. "$(dirname "$0")/../lib.sh"
command -v unshare >/dev/null || pk_skip "needs unshare"

pk_netns_setup
pk_start_echo --tcp 7000 --tcp 7001
dbdir=$PK_TMP/dbdir
mkdir -p "$dbdir"
export PK_DB=$dbdir/picket.db

# A first run creates the file.
pk_start_daemon --default-action allow
expect_connect "first run" "$PK_CLIENT" "$PK_S4" 7000
pk_stop_daemon TERM
[ -s "$PK_DB" ] || pk_fail "no database after the first run"

# picketd in its own mount namespace where dbdir is read-only (the host's
# mounts are not touched: the namespace's propagation is private).
real=$PICKETD
PICKETD=$PK_TMP/picketd-ro
cat >"$PICKETD" <<SH
#!/bin/bash
exec unshare -m --propagation private bash -c '
	mount --bind "$dbdir" "$dbdir" && mount -o remount,bind,ro "$dbdir" || exit 3
	exec "\$0" "\$@"' "$real" "\$@"
SH
chmod +x "$PICKETD"
pk_rule deny-7001 deny dest.port 7001
pk_start_daemon --default-action allow
pk_wait 3 grep -q "history: cannot write $PK_DB" "$PK_TMP/picketd.log" ||
	pk_fail "no warning about the read-only database"
pk_log "ok: $(grep -m1 'history: cannot write' "$PK_TMP/picketd.log")"

for i in 1 2 3; do
	expect_connect "allowed while read-only ($i)" "$PK_CLIENT" "$PK_S4" 7000
	expect_blocked "denied while read-only ($i)" "$PK_CLIENT" -t 1 "$PK_S4" 7001
done
pk_wait_event 3 dst_port=7001 action=deny || pk_fail "the events are not in memory"
sleep 1
n=$(grep -c "history: cannot write" "$PK_TMP/picketd.log")
[ "$n" = 1 ] || pk_fail "the warning was logged $n times, want once"
pk_log "ok: filtering goes on, one warning"

# Writable again: within the retry period the kept events are written.
mount_ns=/proc/$PK_DAEMON_PID/ns/mnt
nsenter --mount="$mount_ns" mount -o remount,bind,rw "$dbdir" || pk_fail "cannot remount rw"
pk_wait 8 grep -q "history: writing to $PK_DB again" "$PK_TMP/picketd.log" ||
	pk_fail "picketd did not start writing again"
pk_log "ok: $(grep -m1 'writing to .* again' "$PK_TMP/picketd.log")"
out=$(pk_cli log --json --port 7001 --action deny) || pk_fail "picket log: $out"
[ "$(grep -c . <<<"$out")" = 3 ] || pk_fail "want the 3 denied events in the file, got: $out"
pk_log "ok: the events kept in memory are in the file"
