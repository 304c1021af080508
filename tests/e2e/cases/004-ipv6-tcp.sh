#!/bin/bash
# IPv6 TCP: curl allowed, nc denied (by process.path), default deny.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo hello-v6 >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"
pk_start_echo --tcp 7000

pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_rule deny-nc deny process.path "$(pk_realpath nc)"
pk_start_daemon --default-action deny

expect_connect "curl over IPv6" curl -sS -g --max-time 3 "http://[$PK_S6]:8080/index.html"
[ "$PK_OUT" = hello-v6 ] || pk_fail "curl got '$PK_OUT'"
expect_blocked "nc over IPv6 denied" bash -c "echo secret6 | nc -6 -N -w 2 $PK_S6 7000"
expect_blocked "pkclient over IPv6 (default deny)" "$PK_CLIENT" -6 -t 1500 "$PK_S6" 7000
sleep 0.3
[ "$(pk_rec_count "^tcp-")" = 0 ] || pk_fail "server saw denied IPv6 traffic: $(cat "$PK_REC")"
