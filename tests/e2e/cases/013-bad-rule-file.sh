#!/bin/bash
# A bad rule file is reported in the log with its file name and the field at
# fault; every other rule still works, at start-up and on reload.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo ok >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"

pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_rule_json bad-action explode process.path /usr/bin/true >"$PK_RULES/bad-action.json"
echo '{"name": "broken", "action": "allow", ' >"$PK_RULES/broken-syntax.json"
pk_start_daemon --default-action deny

logs() { cat "$PK_TMP/picketd.stderr" "$PK_TMP/picketd.log" 2>/dev/null; }
logs | grep 'bad-action.json' | grep -q 'action' ||
	pk_fail "log does not name bad-action.json and its field 'action'"
pk_log "logged: $(logs | grep -m1 'bad-action.json')"
logs | grep -q 'broken-syntax.json' || pk_fail "log does not name broken-syntax.json"
pk_log "logged: $(logs | grep -m1 'broken-syntax.json')"
expect_connect "curl still allowed" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"

# On reload: a bad operand dropped in while running.
pk_rule_json bad-operand allow process.nonsense x >"$PK_TMP/bad-operand.json"
mv "$PK_TMP/bad-operand.json" "$PK_RULES/bad-operand.json"
_logged() { logs | grep 'bad-operand.json' | grep -q 'operand'; }
pk_wait 5 _logged || pk_fail "log does not name bad-operand.json and 'operand' within 5 s"
pk_log "logged: $(logs | grep -m1 'bad-operand.json')"
kill -0 "$PK_DAEMON_PID" || pk_fail "picketd died on a bad rule"
expect_connect "curl still allowed after reload" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"
expect_blocked "default deny still applies" "$PK_CLIENT" -t 1000 "$PK_S4" 8080
