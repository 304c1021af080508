#!/bin/bash
# The connection history: the decisions of a real run are rows in the
# SQLite file (--db), `picket log` filters them (--exe, --port, --action,
# --rule, --host, --since, --until), `picket stats` counts them right,
# `picket export` writes them as CSV and JSON, and they survive a restart.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --tcp 7001
mkdir -p "$PK_TMP/www"
echo ok >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"

client=$(readlink -f "$PK_CLIENT")
curl_path=$(pk_realpath curl)
pk_rule allow-pk allow process.path "$client"
pk_rule reject-7001 reject dest.port 7001
pk_start_daemon --default-action allow

for i in 1 2 3 4 5; do
	expect_connect "pkclient to 7000 ($i)" "$client" "$PK_S4" 7000
done
for i in 1 2 3; do
	expect_blocked "pkclient to 7001 ($i)" "$client" "$PK_S4" 7001
done
for i in 1 2; do
	expect_connect "curl to 8080 ($i)" curl -sS -o /dev/null --max-time 3 "http://$PK_S4:8080/"
done

# count ARGS...: rows of `picket log --json ARGS`.
count() {
	local out
	out=$(pk_cli log --json -n 1000 "$@") || pk_fail "picket log $*: $out"
	grep -c . <<<"$out"
}
expect_count() {	# WANT ARGS...
	local want=$1 have
	shift
	have=$(count "$@")
	[ "$have" = "$want" ] || pk_fail "picket log $*: $have rows, want $want: $(pk_cli log -n 50 "$@")"
	pk_log "ok: picket log $* -> $have rows"
}

expect_count 10 --since 1h
expect_count 0 --until 1h
expect_count 5 --exe "$client" --port 7000
expect_count 3 --action reject
expect_count 3 --rule reject-7001 --exe "$client"
expect_count 2 --host "$PK_S4" --port 8080
expect_count 2 --exe "$curl_path"
expect_count 0 --exe /no/such/program
pk_cli log --json --action reject | "$PK_PY" "$PK_E2E_DIR/servers/evq.py" dst_port!=7001 &&
	pk_fail "a rejected row that is not to port 7001"
pk_cli log --json --since 1h --exe "$curl_path" | "$PK_PY" "$PK_E2E_DIR/servers/evq.py" \
	action=allow "reason=no UI" "process_args~http://$PK_S4:8080/" >/dev/null ||
	pk_fail "curl's rows lack action/reason/command line"
pk_cli log --since 1h >"$PK_TMP/log.txt" || pk_fail "picket log (table)"
grep -q "reject-7001" "$PK_TMP/log.txt" || pk_fail "the table lacks the rule: $(cat "$PK_TMP/log.txt")"

# stats: the same counts, summarized.
pk_cli stats --json >"$PK_TMP/stats.json" || pk_fail "picket stats: $(cat "$PK_TMP/stats.json")"
"$PK_PY" - "$PK_TMP/stats.json" "$client" "$curl_path" "$PK_S4" <<'PY' || pk_fail "stats: $(cat "$PK_TMP/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
client, curl, s4 = sys.argv[2:5]
def want(what, have, exp):
    if have != exp:
        sys.exit("stats: %s is %r, want %r" % (what, have, exp))
want("total", s["total"], 10)
want("allowed", s["allowed"], 7)
want("rejected", s["rejected"], 3)
want("denied", s["denied"], 0)
want("blocked", s["blocked"], 3)
exes = {e["exe"]: (e["count"], e["blocked"]) for e in s["executables"]}
want("executables", exes, {client: (8, 3), curl: (2, 0)})
want("top executable", s["executables"][0]["exe"], client)
ports = {(p["protocol"], p["port"]): (p["count"], p["blocked"]) for p in s["ports"]}
want("ports", ports, {("tcp", 7000): (5, 0), ("tcp", 7001): (3, 3), ("tcp", 8080): (2, 0)})
hosts = {h["host"]: h["count"] for h in s["hosts"]}
want("hosts", hosts, {s4: 10})
PY
pk_cli stats --since 1h | tee "$PK_TMP/stats.txt" | grep -q "10 connections, 7 allowed, 3 blocked" ||
	pk_fail "stats text: $(cat "$PK_TMP/stats.txt")"
pk_log "ok: stats counts"

# export: every row, CSV and JSON.
pk_cli export --format csv >"$PK_TMP/export.csv" || pk_fail "export csv"
[ "$(wc -l <"$PK_TMP/export.csv")" = 11 ] || pk_fail "export csv: $(cat "$PK_TMP/export.csv")"
head -n 1 "$PK_TMP/export.csv" | grep -q '^id,time,action,' || pk_fail "export csv header"
pk_cli export --format json --action reject >"$PK_TMP/export.json" || pk_fail "export json"
"$PK_PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==3 and all(x["action"]=="reject" for x in r), r' \
	"$PK_TMP/export.json" || pk_fail "export json: $(cat "$PK_TMP/export.json")"
pk_log "ok: export csv and json"

# The file itself, and the rows after a restart.
pk_stop_daemon TERM
"$PK_PY" - "$PK_TMP/picket.db" <<'PY' || pk_fail "the database file"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma user_version").fetchone()[0] == 3
assert db.execute("select sum(n) from rollup where kind = 0 and span = 1").fetchone()[0] == 10
assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
n = db.execute("select count(*) from events").fetchone()[0]
assert n == 10, n
PY
pk_start_daemon --default-action allow
expect_count 10 --since 1h
expect_connect "pkclient after the restart" "$client" "$PK_S4" 7000
pk_wait 3 test "$(count --since 1h)" = 11 || pk_fail "the new run's row is missing"
pk_log "ok: history kept across a restart"
