#!/bin/bash
# DNS over TCP names addresses like UDP: dig +tcp asks the server directly
# (the query segment leaves on an allowed flow, the reply comes in with the
# two-byte length), then a connection by address matches a dest.host rule.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-dns.sh"
command -v dig >/dev/null || pk_skip "dig not installed (apt-get install bind9-dnsutils)"

pk_netns_setup
pk_dns_setup
pk_rule_dns
pk_rule allow-tcp-name allow dest.host tcp.test
pk_start_daemon --default-action deny

pk_run_c curl -sS --max-time 2 http://198.18.0.7:8080/ok && pk_fail "198.18.0.7 allowed before any DNS"
expect_connect "dig +tcp tcp.test" dig +tcp +time=2 +tries=1 +short @"$PK_S4" tcp.test
[ "$PK_OUT" = 198.18.0.7 ] || pk_fail "dig said '$PK_OUT'"
pk_run_c curl -sS --max-time 3 http://198.18.0.7:8080/ok || pk_fail "198.18.0.7 not named tcp.test: rc=$PK_RC"
pk_wait_event 5 dst_ip=198.18.0.7 dst_host=tcp.test rule=allow-tcp-name action=allow ||
	pk_fail "no event naming tcp.test"
pk_log "ok: a TCP DNS reply named 198.18.0.7"

# And through the stub over TCP (dnsmasq forwards TCP queries over TCP).
pk_run_c dig +tcp +time=2 +tries=1 +short @127.0.0.53 good.test
[ "$PK_OUT" = 198.18.0.1 ] || pk_fail "dig via the stub said '$PK_OUT'"
grep -q 'dns: good.test: 1 address' "$PK_TMP/picketd.log" || pk_fail "good.test not learned over TCP"
