#!/bin/bash
# The picket CLI against fake-picketd: output shapes, errors, exit codes.
# Usage: test-cli.sh PICKET FAKE_PICKETD
set -u
picket=$1 fake=$2
dir=$(mktemp -d /tmp/picket-cli-XXXXXX)
sock=$dir/p.sock
fake_pid=
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
pass=0 fail=0
check() { # NAME EXPECTED_RC COMMAND... ; output in $out
	local name=$1 want=$2; shift 2
	out=$("$@" 2>&1); local rc=$?
	if [ "$rc" = "$want" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL $name: rc $rc, want $want: $out"; fi
}
contains() { # NAME TEXT
	if grep -qF -- "$2" <<<"$out"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL $1: no '$2' in: $out"; fi
}

check no-daemon 1 "$picket" --socket "$sock" status
contains no-daemon "cannot connect to $sock: No such file or directory (is picketd running?)"

"$fake" "$sock" 20 & fake_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
p=("$picket" --socket "$sock")

check status 0 "${p[@]}" status;            contains status "default action     allow"
check status-json 0 "${p[@]}" --json status; contains status-json '"backend": "xt-nfqueue"'
check rules 0 "${p[@]}" rules list
contains rules "NAME          ACTION  DURATION       ENABLED  OPERATOR"
contains rules "allow-curl    allow   always         yes      process.path == /usr/bin/curl"
check add 0 "${p[@]}" rules add --name ssh --action deny --operand dest.port --data 22
contains add "added rule ssh"
check add-dup 1 "${p[@]}" rules add --name ssh --action deny --operand dest.port --data 22
contains add-dup 'picket: rules.add: a rule named "ssh" exists (invalid_params)'
echo '{"name":"f","action":"allow","duration":"once","operator":{"type":"simple","operand":"true"}}' >"$dir/r.json"
check add-file 0 "${p[@]}" rules add "$dir/r.json"
check add-stdin 1 "${p[@]}" rules add - <"$dir/r.json"
check disable 0 "${p[@]}" rules disable ssh; contains disable "disabled rule ssh"
check listed 0 "${p[@]}" rules; contains listed "ssh           deny    always         no       dest.port == 22"
check delete-missing 1 "${p[@]}" rules delete nope
contains delete-missing 'picket: rules.delete: no rule named "nope" (not_found)'
check log 0 "${p[@]}" log -n 3
[ "$(wc -l <<<"$out")" = 4 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL log lines: $out"; }
contains log "TIME                 ACTION  PROTO  DESTINATION"
check log-json 0 "${p[@]}" log --json -n 2
[ "$(grep -c '^{"id":[0-9]*,"time":' <<<"$out")" = 2 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL log-json: $out"; }
check follow 124 timeout 1 "${p[@]}" --json log --follow -n 1
ids=$(grep -o '^{"id":[0-9]*' <<<"$out" | cut -d: -f2)
[ "$(wc -l <<<"$ids")" -ge 5 ] && [ "$(sort -n <<<"$ids" | uniq)" = "$ids" ] &&
	pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL follow ids: $ids"; }
check usage 2 "${p[@]}" frobnicate; contains usage "unknown command 'frobnicate'"
check usage-n 2 "${p[@]}" log -n 0
check usage-action 2 "${p[@]}" rules add --name x --action maybe --operand true

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
