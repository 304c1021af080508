#!/bin/bash
# A full disk never stops filtering: picketd's database on a small tmpfs
# (mounted in picketd's own mount namespace), the tmpfs filled up: one
# warning, decisions go on (the events wait in memory), and once space is
# freed they are written and picketd says so.
. "$(dirname "$0")/../lib.sh"
command -v unshare >/dev/null || pk_skip "needs unshare"

pk_netns_setup
# A C accept loop: with the kernel's verdict cache, the 3000 connections below
# come at the kernel's rate, faster than the Python echo server accepts them.
cc -O2 -Wall -D_GNU_SOURCE -o "$PK_TMP/acceptd" "$PK_REPO/bench/acceptd.c" || pk_fail "cannot build acceptd"
pk_spawn "$PK_NS_S" "$PK_TMP/acceptd.out" "$PK_TMP/acceptd" 7000
pk_wait 5 grep -q ready "$PK_TMP/acceptd.out" || pk_fail "acceptd did not start"
dbdir=$PK_TMP/dbdir
mkdir -p "$dbdir"
export PK_DB=$dbdir/picket.db

# picketd in its own mount namespace where dbdir is an 8 MB tmpfs (the
# host's mounts are not touched: the namespace's propagation is private).
real=$PICKETD
PICKETD=$PK_TMP/picketd-tmpfs
cat >"$PICKETD" <<SH
#!/bin/bash
exec unshare -m --propagation private bash -c '
	mount -t tmpfs -o size=8m picket-e2e "$dbdir" || exit 3
	exec "\$0" "\$@"' "$real" "\$@"
SH
chmod +x "$PICKETD"
pk_start_daemon --default-action allow
mnt=/proc/$PK_DAEMON_PID/ns/mnt
expect_connect "before the disk is full" "$PK_CLIENT" "$PK_S4" 7000
pk_wait 3 bash -c "'$PICKET' --socket '$PK_SOCK' log --json --port 7000 | grep -q ." ||
	pk_fail "the first row is not in the file"

# Fill the tmpfs (dd stops at ENOSPC).
nsenter --mount="$mnt" dd if=/dev/zero of="$dbdir/filler" bs=64k 2>/dev/null
n0=$(grep -c "history: cannot write" "$PK_TMP/picketd.log")
[ "$n0" = 0 ] || pk_fail "a warning before the disk was full"
# Enough decisions to need new pages in the WAL: a connection load.
cc -O2 -Wall -D_GNU_SOURCE -o "$PK_TMP/connrate" "$PK_REPO/bench/connrate.c" || pk_fail "cannot build connrate"
pk_run_c "$PK_TMP/connrate" -n 3000 "$PK_S4" 7000
[ "$PK_RC" = 0 ] && grep -q ' errors=0 ' <<<"$PK_OUT" || pk_fail "connections failed while the disk is full: $PK_OUT"
pk_wait 8 grep -q "history: cannot write $PK_DB" "$PK_TMP/picketd.log" ||
	pk_fail "no warning about the full disk"
pk_log "ok: $(grep -m1 'history: cannot write' "$PK_TMP/picketd.log")"
expect_connect "while the disk is full" "$PK_CLIENT" "$PK_S4" 7000
pk_wait_event 3 dst_port=7000 "process_path=$(readlink -f "$PK_CLIENT")" ||
	pk_fail "the events are not in memory"
sleep 1
n=$(grep -c "history: cannot write" "$PK_TMP/picketd.log")
[ "$n" = 1 ] || pk_fail "the warning was logged $n times, want once"
pk_log "ok: filtering goes on (3001 connections), one warning"

# Space again: within the retry period everything kept is written.
nsenter --mount="$mnt" rm -f "$dbdir/filler" || pk_fail "cannot remove the filler"
pk_wait 8 grep -q "history: writing to $PK_DB again" "$PK_TMP/picketd.log" ||
	pk_fail "picketd did not start writing again"
pk_log "ok: $(grep -m1 'writing to .* again' "$PK_TMP/picketd.log")"
# export pages through (1000 rows a request): a header line and the rows.
pk_cli export --format csv --port 7000 >"$PK_TMP/export.csv" 2>"$PK_TMP/export.err" ||
	pk_fail "picket export: $(cat "$PK_TMP/export.err")"
rows=$(($(wc -l <"$PK_TMP/export.csv") - 1))
[ "$rows" = 3002 ] || pk_fail "want the 3002 decisions in the file, got $rows"
pk_log "ok: the 3002 decisions kept in memory are in the file"
