#!/bin/bash
# SIGTERM: picketd exits within 1 s and leaves the namespace's ruleset exactly
# as it found it, including rules that were there before it (nft and
# iptables-nft).
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo ok >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"

# Pre-existing rules that match nothing in this test (so counters stay 0).
pk_c nft add table inet pk_pre || pk_fail "nft add table"
pk_c nft add chain inet pk_pre out '{ type filter hook output priority 10; policy accept; }'
pk_c nft add rule inet pk_pre out ip daddr 192.0.2.99 drop
if command -v iptables >/dev/null; then
	pk_c iptables -A OUTPUT -d 192.0.2.98 -j DROP || pk_fail "iptables -A"
	pk_c ip6tables -A OUTPUT -d 2001:db8::98 -j DROP || pk_fail "ip6tables -A"
fi
pk_c nft list ruleset >"$PK_TMP/before.nft"
pk_c iptables-save 2>/dev/null | grep -v '^#' >"$PK_TMP/before.ipt"

pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_start_daemon --default-action deny
pk_c nft list ruleset >"$PK_TMP/during.nft" 2>"$PK_TMP/during.err"
[ -s "$PK_TMP/during.err" ] && pk_log "note: 'nft list ruleset' while picketd runs says: $(tr '\n' ' ' <"$PK_TMP/during.err")"
cmp -s "$PK_TMP/before.nft" "$PK_TMP/during.nft" && pk_fail "picketd installed no ruleset"
grep -q '^table inet picket ' "$PK_TMP/during.nft" || pk_fail "no table inet picket while picketd runs"
grep -q 'table inet pk_pre' "$PK_TMP/during.nft" || pk_fail "pre-existing table gone while picketd runs"
expect_connect "traffic through picketd" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"
expect_blocked "denied traffic" "$PK_CLIENT" -t 1000 "$PK_S4" 8080

pk_stop_daemon TERM
pk_log "picketd exited in ${PK_STOP_MS} ms with status $PK_STOP_STATUS"
pk_c nft list ruleset >"$PK_TMP/after.nft"
pk_c iptables-save 2>/dev/null | grep -v '^#' >"$PK_TMP/after.ipt"
diff -u "$PK_TMP/before.nft" "$PK_TMP/after.nft" ||
	pk_fail "nft ruleset differs after SIGTERM (diff above)"
diff -u "$PK_TMP/before.ipt" "$PK_TMP/after.ipt" ||
	pk_fail "iptables-save differs after SIGTERM (diff above)"
[ "$PK_STOP_MS" -le 1000 ] || pk_fail "picketd took ${PK_STOP_MS} ms to exit, want <= 1000"
[ "$PK_STOP_STATUS" = 0 ] || pk_fail "picketd exit status $PK_STOP_STATUS after SIGTERM, want 0"
expect_connect "traffic after picketd is gone" "$PK_CLIENT" -t 1000 "$PK_S4" 8080
