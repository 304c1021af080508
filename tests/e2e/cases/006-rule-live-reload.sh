#!/bin/bash
# A rule added while picketd runs takes effect without a restart: a file
# dropped into the rules dir (inotify), and one added with `picket rules add`.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action deny
pid=$PK_DAEMON_PID

expect_blocked "nc before any rule" bash -c "echo x | nc -N -w 1 $PK_S4 7000"

# 1. A file dropped into the directory (written elsewhere, renamed in).
pk_rule allow-nc allow process.path "$(pk_realpath nc)"
_nc_ok() { pk_run_c bash -c "echo dropped-in | nc -N -w 1 $PK_S4 7000"; }
pk_wait 5 _nc_ok || pk_fail "rule file dropped into $PK_RULES not applied within 5 s"
pk_log "ok: dropped-in rule applied"

# 2. `picket rules add FILE`.
pk_rule_json allow-pkclient allow process.path "$(readlink -f "$PK_CLIENT")" >"$PK_TMP/add.json"
expect_blocked "pkclient before rules add" "$PK_CLIENT" -t 1000 "$PK_S4" 7000
pk_cli rules add "$PK_TMP/add.json" || pk_fail "picket rules add failed (rc $?)"
_pkc_ok() { pk_run_c "$PK_CLIENT" -t 1000 "$PK_S4" 7000; }
pk_wait 5 _pkc_ok || pk_fail "rule added with 'picket rules add' not applied within 5 s"
pk_log "ok: rules add applied"

pk_cli rules list >"$PK_TMP/list.out" 2>&1 || pk_fail "rules list failed: $(cat "$PK_TMP/list.out")"
grep -q allow-nc "$PK_TMP/list.out" || pk_fail "rules list lacks allow-nc: $(cat "$PK_TMP/list.out")"
grep -q allow-pkclient "$PK_TMP/list.out" || pk_fail "rules list lacks allow-pkclient: $(cat "$PK_TMP/list.out")"
{ [ "$PK_DAEMON_PID" = "$pid" ] && kill -0 "$pid"; } || pk_fail "picketd restarted or died"
