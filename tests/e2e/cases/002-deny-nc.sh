#!/bin/bash
# A denied program (nc, by process.path) is blocked: not one byte, not even
# a connection, reaches the server. Another program still gets through.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000

nc_path=$(pk_realpath nc)
pk_rule deny-nc deny process.path "$nc_path"
pk_start_daemon --default-action allow

# Control: the recorder sees an allowed (default) client's bytes.
expect_connect "pkclient (default allow)" "$PK_CLIENT" -e -n 11 "$PK_S4" 7000
[ "$(pk_rec_count "^tcp-data $PK_C4 7000 11$")" = 1 ] || pk_fail "server did not record the control bytes"

before=$(pk_rec_count "^tcp-")
expect_blocked "nc ($nc_path) denied" bash -c "echo secret-bytes | nc -N -w 2 $PK_S4 7000"
sleep 0.5
after=$(pk_rec_count "^tcp-")
[ "$after" = "$before" ] || pk_fail "server saw the denied nc: $(tail -n 3 "$PK_REC")"
grep -q secret "$PK_TMP/echo.out" && pk_fail "secret bytes reached the server"
pk_log "server record unchanged ($after lines)"
