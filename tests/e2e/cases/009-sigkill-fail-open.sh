#!/bin/bash
# After SIGKILL, traffic still flows (NFQUEUE bypass: fail open), even flows
# the daemon denied while alive.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --udp 7001
pk_start_daemon --default-action deny

expect_blocked "tcp while picketd denies" "$PK_CLIENT" -t 1000 "$PK_S4" 7000
expect_blocked "udp while picketd denies" "$PK_CLIENT" -p udp -t 1000 "$PK_S4" 7001

pk_stop_daemon KILL
expect_connect "tcp after SIGKILL" "$PK_CLIENT" -e -t 2000 "$PK_S4" 7000
expect_connect "udp after SIGKILL" "$PK_CLIENT" -p udp -t 2000 "$PK_S4" 7001
expect_connect "tcp v6 after SIGKILL" "$PK_CLIENT" -6 -e -t 2000 "$PK_S6" 7000
