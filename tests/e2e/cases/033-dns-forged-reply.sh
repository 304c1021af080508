#!/bin/bash
# A forged DNS reply that answers no query sent from the client namespace
# does not name an address: sent from the server namespace with source
# port 53 (a raw socket, as an off-path attacker would), claiming that
# good.test is 198.18.0.2 (bad.test's address) and that evil.test is
# 198.18.0.1 (good.test's). Afterwards 198.18.0.1 is still good.test and
# 198.18.0.2 is not good.test.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-dns.sh"

pk_netns_setup
pk_dns_setup
pk_rule_dns
pk_rule allow-good allow dest.host good.test
pk_start_daemon --default-action deny

pk_run_dns curl -sS --max-time 3 http://good.test:8080/ok || pk_fail "curl good.test: rc=$PK_RC $PK_OUT"

forge='import socket, struct, sys, random
src, dst = sys.argv[1], sys.argv[2]
def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"
def reply(q, ip):
    m = struct.pack(">HHHHHH", random.randrange(65536), 0x8580, 1, 1, 0, 0)
    m += name(q) + struct.pack(">HH", 1, 1)
    m += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 3600, 4) + socket.inet_aton(ip)
    return m
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for q, ip in (("good.test", "198.18.0.2"), ("evil.test", "198.18.0.1")):
    for port in (33333, 40000, 53000):
        payload = reply(q, ip)
        udp = struct.pack(">HHHH", 53, port, 8 + len(payload), 0) + payload
        iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                          socket.inet_aton(src), socket.inet_aton(dst))
        s.sendto(iph + udp, (dst, 0))
print("sent 6")'
pk_s "$PK_PY" -c "$forge" "$PK_S4" "$PK_C4" || pk_fail "could not send the forged replies"
pk_wait 5 grep -q 'answers no query seen, ignored' "$PK_TMP/picketd.log" ||
	pk_fail "picketd did not see the forged replies"
n=$(grep -c 'answers no query seen, ignored' "$PK_TMP/picketd.log")
pk_log "picketd ignored $n forged replies"

# By address, no DNS: the names are what the real replies said.
pk_run_c curl -sS --max-time 3 http://198.18.0.1:8080/ok || pk_fail "198.18.0.1 lost its name good.test"
pk_wait_event 5 dst_ip=198.18.0.1 dst_host=good.test rule=allow-good ||
	pk_fail "198.18.0.1 is not named good.test"
pk_events dst_host=evil.test >/dev/null && pk_fail "an event names evil.test"
pk_run_c curl -sS --max-time 2 http://198.18.0.2:8080/ok && pk_fail "198.18.0.2 was allowed as good.test"
pk_wait_event 5 dst_ip=198.18.0.2 action=deny reason=default ||
	pk_fail "no default deny event for 198.18.0.2"
pk_events dst_ip=198.18.0.2 dst_host=good.test >/dev/null && pk_fail "198.18.0.2 named good.test"
pk_log "ok: forged replies changed no name"

# The counters in `picket status` say the same.
pk_cli --json status >"$PK_TMP/status.json" || pk_fail "status failed"
"$PK_PY" - "$PK_TMP/status.json" "$n" <<'PY' || pk_fail "status dns counters wrong: $(cat "$PK_TMP/status.json")"
import json, sys
dns = json.load(open(sys.argv[1]))["dns"]
assert dns["unsolicited"] >= int(sys.argv[2]), dns
assert dns["replies"] >= 1 and dns["queries"] >= dns["replies"] and dns["cached"] >= 1, dns
PY
pk_log "ok: status dns: $(pk_cli status | sed -n '/^dns/,$p' | tr -s ' ' | tr '\n' ' ')"
