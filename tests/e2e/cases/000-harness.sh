#!/bin/bash
# The harness itself, without picketd: namespaces, servers and clients work,
# so a failure in a later case is picketd's and not the harness's.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo hello-picket >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"
pk_start_echo --tcp 7000 --udp 7001 --raw 253

expect_connect "curl v4" curl -sS --max-time 3 "http://$PK_S4:8080/index.html"
[ "$PK_OUT" = hello-picket ] || pk_fail "curl v4 got '$PK_OUT'"
expect_connect "curl v6" curl -sS -g --max-time 3 "http://[$PK_S6]:8080/index.html"
expect_connect "tcp v4 echo" "$PK_CLIENT" -e -n 100 "$PK_S4" 7000
grep -q 'recv=100' <<<"$PK_OUT" || pk_fail "tcp echo incomplete: $PK_OUT"
expect_connect "tcp v6 echo" "$PK_CLIENT" -6 -e "$PK_S6" 7000
expect_connect "udp v4 echo" "$PK_CLIENT" -p udp "$PK_S4" 7001
expect_connect "udp v6 echo" "$PK_CLIENT" -6 -p udp "$PK_S6" 7001
expect_connect "icmp v4 echo" "$PK_CLIENT" -p icmp "$PK_S4"
expect_connect "icmp v6 echo" "$PK_CLIENT" -6 -p icmp "$PK_S6"
expect_connect "nc v4" bash -c "echo nc-bytes | nc -N -w 2 $PK_S4 7000"
expect_connect "raw 253" "$PK_CLIENT" -p raw:253 "$PK_S4"
pk_wait 2 grep -q "^raw253 $PK_C4 4 " "$PK_REC" || pk_fail "raw 253 not received"

# A closed port is refused at once, an unrouted one times out: the two
# outcomes the other cases tell apart.
expect_blocked "closed port" "$PK_CLIENT" "$PK_S4" 7999
[ "$PK_RC" = 1 ] || pk_fail "closed port: want rc 1 (refused), got $PK_RC"
expect_blocked "udp closed port" "$PK_CLIENT" -p udp "$PK_S4" 7999
[ "$PK_RC" = 1 ] || pk_fail "udp closed port: want rc 1 (ICMP), got $PK_RC"
pk_s nft add table inet pk_test
pk_s nft add chain inet pk_test in '{ type filter hook input priority 0; }'
pk_s nft add rule inet pk_test in tcp dport 7998 drop
expect_blocked "dropped" "$PK_CLIENT" -t 500 "$PK_S4" 7998
[ "$PK_RC" = 2 ] || pk_fail "dropped: want rc 2 (timeout), got $PK_RC"

[ "$(pk_rec_count "^tcp-accept $PK_C4 7000")" -ge 2 ] || pk_fail "server did not record accepts"
[ "$(pk_rec_count "^udp $PK_C4 7001 5")" = 1 ] || pk_fail "server did not record udp"
pk_log "harness ok: client $PK_C4/$PK_C6 server $PK_S4/$PK_S6"
