#!/bin/bash
# With --fail-closed, after SIGKILL new connections are blocked, even those
# of a program that has an allow rule.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --udp 7001
pk_rule allow-pkclient allow process.path "$(readlink -f "$PK_CLIENT")"
pk_start_daemon --default-action allow --fail-closed

expect_connect "tcp while picketd runs" "$PK_CLIENT" -e -t 2000 "$PK_S4" 7000
expect_connect "udp while picketd runs" "$PK_CLIENT" -p udp -t 2000 "$PK_S4" 7001

pk_stop_daemon KILL
before=$(pk_rec_count "^(tcp-accept|udp)")
expect_blocked "tcp after SIGKILL" "$PK_CLIENT" -t 1500 "$PK_S4" 7000
expect_blocked "udp after SIGKILL" "$PK_CLIENT" -p udp -t 1500 "$PK_S4" 7001
expect_blocked "tcp v6 after SIGKILL" "$PK_CLIENT" -6 -t 1500 "$PK_S6" 7000
sleep 0.3
[ "$(pk_rec_count "^(tcp-accept|udp)")" = "$before" ] || pk_fail "server saw traffic after SIGKILL: $(tail -n 3 "$PK_REC")"
