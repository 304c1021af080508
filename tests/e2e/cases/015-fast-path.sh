#!/bin/bash
# Later packets of an allowed flow stay in the kernel: a 10 MB download and
# a 1 MB upload pass only their first packets through picketd (counters.packets
# of `picket --json status` stays small).
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
head -c 10485760 /dev/zero >"$PK_TMP/www/big"
pk_start_http 8080 "$PK_TMP/www"
pk_start_echo --tcp 7000
pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_rule allow-pkclient allow process.path "$(readlink -f "$PK_CLIENT")"
pk_start_daemon --default-action deny

packets() {	# sets $packets
	pk_cli --json status >"$PK_TMP/status.json" 2>&1 || pk_fail "picket --json status failed: $(cat "$PK_TMP/status.json")"
	packets=$("$PK_PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["counters"]["packets"]))' \
		"$PK_TMP/status.json" 2>/dev/null) || pk_fail "no counters.packets in: $(head -c 500 "$PK_TMP/status.json")"
}
packets
p0=$packets
expect_connect "10 MB download" curl -sS -o /dev/null -w '%{size_download}' --max-time 20 "http://$PK_S4:8080/big"
[ "$PK_OUT" = 10485760 ] || pk_fail "downloaded $PK_OUT bytes"
expect_connect "1 MB upload" "$PK_CLIENT" -e -n 1048576 -t 10000 "$PK_S4" 7000
grep -q 'recv=1048576' <<<"$PK_OUT" || pk_fail "upload echo incomplete: $PK_OUT"
packets
p1=$packets
n=$((p1 - p0))
pk_log "picketd saw $n packets for 2 flows (~8000 packets on the wire)"
[ "$n" -ge 1 ] || pk_fail "picketd saw no packet at all (counters.packets $p0 -> $p1)"
[ "$n" -le 40 ] || pk_fail "picketd saw $n packets for 2 flows: later packets are not on the fast path"
