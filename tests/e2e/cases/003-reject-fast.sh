#!/bin/bash
# reject: the client fails at once (TCP RST -> ECONNREFUSED; UDP -> ICMP
# unreachable) instead of waiting for a timeout; nothing reaches the server.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --udp 7001

pk_rule reject-pkclient reject process.path "$(readlink -f "$PK_CLIENT")"
pk_start_daemon --default-action allow

expect_blocked "tcp rejected" "$PK_CLIENT" -t 3000 "$PK_S4" 7000
[ "$PK_RC" = 1 ] || pk_fail "tcp: want a fast error (rc 1), got rc=$PK_RC: $PK_OUT"
ms=$(pk_out_ms)
[ "$ms" -lt 1000 ] || pk_fail "tcp: failed after ${ms} ms, want < 1000"
grep -qE 'ECONNREFUSED|ECONNRESET' <<<"$PK_OUT" || pk_log "note: tcp error is not a RST: $PK_OUT"

expect_blocked "udp rejected" "$PK_CLIENT" -p udp -t 3000 "$PK_S4" 7001
[ "$PK_RC" = 1 ] || pk_fail "udp: want an ICMP error (rc 1), got rc=$PK_RC: $PK_OUT"
ms=$(pk_out_ms)
[ "$ms" -lt 1000 ] || pk_fail "udp: failed after ${ms} ms, want < 1000"

sleep 0.3
[ "$(pk_rec_count "^(tcp|udp)")" = 0 ] || pk_fail "server saw rejected traffic: $(cat "$PK_REC")"
