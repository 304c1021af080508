#!/bin/bash
# The default action applies to a flow no rule matches: deny drops it (and
# logs reason "no UI": prompting is on, nobody is asked), reject makes it fail at once.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000
mkdir -p "$PK_TMP/www"
echo ok >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"
pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_start_daemon --default-action deny

expect_connect "curl (rule allow)" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"
expect_blocked "pkclient (no rule, default deny)" "$PK_CLIENT" -t 1500 "$PK_S4" 7000
sleep 0.3
[ "$(pk_rec_count "^tcp-")" = 0 ] || pk_fail "server saw default-denied traffic"
pk_wait_event 5 dst_port=7000 action=deny "reason=no UI" ||
	pk_fail "no event action=deny reason=\"no UI\" for port 7000: $(grep 7000 "$PK_TMP/events.json" | tail -n 3)"

pk_stop_daemon TERM
pk_start_daemon --default-action reject
expect_blocked "pkclient (no rule, default reject)" "$PK_CLIENT" -t 3000 "$PK_S4" 7000
[ "$PK_RC" = 1 ] || pk_fail "default reject should fail fast (rc 1), got rc=$PK_RC: $PK_OUT"
[ "$(pk_out_ms)" -lt 1000 ] || pk_fail "default reject took $(pk_out_ms) ms"
expect_connect "curl (rule allow) under default reject" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"
