#!/bin/bash
# A CNAME'd name matches by the name the program asked for: www.alias.test
# is a CNAME of real.test; a rule on www.alias.test allows curl and the
# event names www.alias.test, while the reject rule on real.test (the end
# of the chain) does not match. Asked directly, real.test's rule decides.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-dns.sh"

pk_netns_setup
pk_dns_setup
pk_rule_dns
pk_rule allow-alias allow dest.host www.alias.test
pk_rule deny-real reject dest.host real.test
pk_start_daemon --default-action deny

pk_run_dns curl -sS --max-time 3 http://www.alias.test:8080/ok ||
	pk_fail "curl www.alias.test: rc=$PK_RC $PK_OUT"
pk_log "ok: curl www.alias.test allowed by the asked name"
pk_wait_event 5 dst_host=www.alias.test dst_ip=198.18.0.3 action=allow rule=allow-alias ||
	pk_fail "no event with dst_host www.alias.test: $(tail -n 5 "$PK_TMP/events.json")"
grep -q 'dns: www.alias.test: 1 address' "$PK_TMP/picketd.log" ||
	pk_fail "picketd did not log the name learned"

# Asked directly, the same address is real.test, and its rule decides.
pk_run_dns curl -sS --max-time 3 http://real.test:8080/ok &&
	pk_fail "curl real.test allowed: $PK_OUT"
pk_wait_event 5 dst_host=real.test dst_ip=198.18.0.3 action=reject rule=deny-real ||
	pk_fail "no reject event with dst_host real.test"
pk_log "ok: real.test (the CNAME target, asked directly) rejected by its own rule"
