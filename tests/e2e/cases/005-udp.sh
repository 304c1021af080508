#!/bin/bash
# UDP: python3 sendto() is allowed by process.path; a deny rule on one
# destination port wins over that allow; the server records what arrived.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --udp 7001 --udp 7002

py=$(readlink -f "$PK_PY")
pk_rule allow-python allow process.path "$py"
pk_rule deny-port-7002 deny dest.port 7002
pk_start_daemon --default-action deny

send='import socket,sys
s=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"dgram-"+sys.argv[2].encode(), (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(100)[0].decode())'

expect_connect "python udp v4 to 7001 allowed" "$PK_PY" -c "$send" "$PK_S4" 7001
[ "$PK_OUT" = dgram-7001 ] || pk_fail "reply '$PK_OUT'"
expect_connect "python udp v6 to 7001 allowed" "$PK_PY" -c "$send" "$PK_S6" 7001
expect_blocked "python udp to 7002 denied" "$PK_PY" -c "$send" "$PK_S4" 7002
expect_blocked "pkclient udp (default deny)" "$PK_CLIENT" -p udp -t 1500 "$PK_S4" 7001
sleep 0.3
[ "$(pk_rec_count "^udp $PK_C4 7001 ")" = 1 ] || pk_fail "server: want exactly one v4 datagram on 7001: $(cat "$PK_REC")"
[ "$(pk_rec_count "^udp .* 7002 ")" = 0 ] || pk_fail "server got a datagram on denied port 7002"
