#!/bin/bash
# lists.domains: a hosts-format list with "*.blocked.test" blocks
# ads.blocked.test (a subdomain) while other names pass; bad lines are
# counted and reported; editing the list file takes effect without touching
# the rules.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-dns.sh"

pk_netns_setup
pk_dns_setup
mkdir -p "$PK_TMP/lists"
printf '# test list\n0.0.0.0 *.blocked.test\nnot a name at all\n' >"$PK_TMP/lists/hosts"
pk_rule_dns
pk_rule allow-curl allow process.path "$(pk_realpath curl)"
cat >"$PK_RULES/block-list.json" <<JSON
{"name":"block-list","enabled":true,"precedence":false,"action":"reject","duration":"always",
 "operator":{"type":"lists","operand":"lists.domains","data":"$PK_TMP/lists","sensitive":false}}
JSON
pk_start_daemon --default-action deny

grep -q "lists: $PK_TMP/lists (lists.domains): 1 entries from 1 files, 1 bad lines" "$PK_TMP/picketd.log" ||
	pk_fail "no report of the list's entries and bad line: $(grep lists: "$PK_TMP/picketd.log")"
pk_run_dns curl -sS --max-time 3 http://good.test:8080/ok || pk_fail "curl good.test: rc=$PK_RC $PK_OUT"
pk_log "ok: good.test not in the list"
pk_run_dns curl -sS --max-time 3 http://ads.blocked.test:8080/ok &&
	pk_fail "curl ads.blocked.test allowed: $PK_OUT"
pk_log "ok: ads.blocked.test blocked by *.blocked.test"
pk_wait_event 5 dst_host=ads.blocked.test action=reject rule=block-list ||
	pk_fail "no reject event for ads.blocked.test"

# The list changes: good.test is blocked after the next check (<= 5 s).
printf '0.0.0.0 *.blocked.test\ngood.test\n' >"$PK_TMP/lists/hosts.new"
mv "$PK_TMP/lists/hosts.new" "$PK_TMP/lists/hosts"
pk_wait 8 grep -q "lists: $PK_TMP/lists (lists.domains): 2 entries" "$PK_TMP/picketd.log" ||
	pk_fail "the list was not reloaded"
pk_run_dns curl -sS --max-time 3 http://good.test:8080/ok && pk_fail "good.test still allowed"
pk_log "ok: good.test blocked after the list changed"
