#!/bin/bash
# dest.host rules: a name is learned from the DNS reply that passes before
# the program connects. Under default deny, an allow rule on good.test lets
# curl reach it (IPv4 and IPv6), a reject rule (regexp) on bad.test, which
# resolves to another address, refuses it; events carry dst_host.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-dns.sh"

pk_netns_setup
pk_dns_setup
pk_rule_dns
pk_rule allow-good allow dest.host GOOD.test
pk_rule reject-bad reject dest.host '^bad\.test$' regexp
pk_start_daemon --default-action deny

pk_run_dns curl -sS -4 --max-time 3 http://good.test:8080/ok ||
	pk_fail "curl good.test via the stub: rc=$PK_RC $PK_OUT"
[ "$PK_OUT" = ok ] || pk_fail "curl got '$PK_OUT'"
pk_log "ok: curl good.test (v4) allowed by name"
pk_run_dns curl -sS -6 --max-time 3 http://good.test:8080/ok ||
	pk_fail "curl -6 good.test: rc=$PK_RC $PK_OUT"
pk_log "ok: curl good.test (v6) allowed by name"
t0=$(pk_now_ms)
pk_run_dns curl -sS -4 --max-time 3 http://bad.test:8080/ok &&
	pk_fail "curl bad.test was allowed: $PK_OUT"
[ $(($(pk_now_ms) - t0)) -lt 2500 ] || pk_fail "curl bad.test was not rejected fast"
pk_log "ok: curl bad.test rejected"

pk_wait_event 5 dst_host=good.test dst_ip=198.18.0.1 dst_port=8080 action=allow rule=allow-good ||
	pk_fail "no allow event with dst_host good.test: $(tail -n 5 "$PK_TMP/events.json")"
pk_wait_event 5 dst_host=good.test dst_ip=fd99::1 action=allow ||
	pk_fail "no v6 event with dst_host good.test"
pk_wait_event 5 dst_host=bad.test dst_ip=198.18.0.2 action=reject rule=reject-bad ||
	pk_fail "no reject event with dst_host bad.test"
pk_log "events: $(pk_events dst_port=8080 | head -n 1)"
