#!/bin/bash
# `picket prompt --json` against fake-picketd: prompts in, answers out,
# results printed; bad answer lines get one line on stderr and the prompter
# carries on; prompts settled elsewhere or by timeout; the daemon going
# away; no terminal without --json.
# Usage: test-prompt-json.sh PICKET FAKE_PICKETD
set -u
picket=$1 fake=$2
dir=$(mktemp -d /tmp/picket-prompt-json-XXXXXX)
sock=$dir/p.sock
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	exec 3>&- 4>&- 5>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# wait_grep FILE TEXT [SECONDS]: until FILE has a line containing TEXT.
wait_grep() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
expect() { # NAME FILE TEXT [SECONDS]
	if wait_grep "$2" "$3" "${4:-5}"; then ok; else bad "$1: no '$3' in ${2##*/}:"; cat "$2"; fi
}
expect_not() { # NAME FILE TEXT
	if grep -qF -- "$3" "$2"; then bad "$1: unexpected '$3' in ${2##*/}"; else ok; fi
}

# Not a terminal, no --json: refused, pointing at --json (before connecting).
out=$("$picket" --socket "$sock" prompt </dev/null 2>&1)
rc=$?
[ "$rc" = 2 ] && grep -qF "use 'picket prompt --json'" <<<"$out" && ok ||
	bad "no-tty: rc $rc: $out"

mkfifo "$dir/fake.in" "$dir/ans" "$dir/ans2"
"$fake" "$sock" <"$dir/fake.in" >"$dir/fake.out" 2>&1 &
pids+=($!)
fake_pid=$!
exec 3>"$dir/fake.in"
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

# The prompter, answers from the fifo on fd 4.
"$picket" --socket "$sock" prompt --json <"$dir/ans" >"$dir/out" 2>"$dir/err" &
pids+=($!)
prompter=$!
exec 4>"$dir/ans"
expect subscribed "$dir/out" '{"event":"subscribed","data":{"timeout_s":30,"pending":0}}'
expect subscribed-fake "$dir/fake.out" subscribed

# A prompt in, an answer out, the result printed.
echo 'prompt {"timeout_s":600}' >&3
expect prompt "$dir/out" '{"event":"prompt","data":{"time":"2026-11-23T10:00:00.123Z"'
expect prompt-id "$dir/out" '"id":1,"deadline_ms":'
echo '{"id":1,"action":"allow","duration":"always","scope":"exe+host"}' >&4
expect answer-sent "$dir/fake.out" 'answer {"id":1,"action":"allow","duration":"always","scope":"exe+host"}'
expect answered "$dir/out" '{"event":"answer","id":1,"result":{"id":1,"action":"allow","duration":"always","scope":"exe+host","rule":"allow-usr-bin-curl-example-org"}}'
expect settled-own "$dir/out" '{"event":"prompt.settled","data":{"id":1,"by":"answer"'

# Bad lines: one line each on stderr naming the line and what is wrong,
# nothing sent, and the prompter carries on.
echo 'prompt {"timeout_s":600}' >&3
expect prompt2 "$dir/out" '"id":2,"deadline_ms":'
{
	echo 'garbage'
	echo '[1,2]'
	echo '{"id":2}'
	echo '{"id":"2","action":"allow"}'
	echo '{"id":2,"action":"allow","scope":"everything"}'
	echo '{"id":2,"action":"allow","duration":"2d"}'
	echo '{"id":2,"action":"allow","color":"red"}'
	echo '{"id":2,"action":"allow","pin_hash":"yes"}'
	echo
	echo '{"id":2,"action":"deny","duration":"once"}'
} >&4
expect answered2 "$dir/out" '{"event":"answer","id":2,"result":{"id":2,"action":"deny","duration":"once","scope":"exe","rule":null}}'
n=$(grep -c '^picket: prompt: stdin line' "$dir/err")
[ "$n" = 8 ] && ok || { bad "bad lines: $n error lines, want 8:"; cat "$dir/err"; }
expect err-json "$dir/err" "stdin line 2: not JSON: '[' or '{' expected near 'garbage' (column 7), ignored"
expect err-object "$dir/err" "stdin line 3: expected an object"
expect err-action "$dir/err" "stdin line 4: field 'action': expected allow, deny or reject, ignored"
expect err-id "$dir/err" "stdin line 5: field 'id': expected the prompt's id"
expect err-scope "$dir/err" "stdin line 6: field 'scope': expected exe, exe+host, exe+ip, exe+port or cmdline"
expect err-duration "$dir/err" "stdin line 7: field 'duration': expected once"
expect err-field "$dir/err" "stdin line 8: unknown field 'color'"
expect err-pin "$dir/err" "stdin line 9: field 'pin_hash': expected true or false"
[ "$(grep -c '^answer ' "$dir/fake.out")" = 2 ] && ok ||
	{ bad "bad lines reached the daemon:"; cat "$dir/fake.out"; }

# The daemon refuses an answer: the error is printed, the prompter goes on.
echo 'prompt {"timeout_s":600,"destination":{"host":null}}' >&3
expect prompt3 "$dir/out" '"id":3,"deadline_ms":'
echo '{"id":3,"action":"allow","scope":"exe+host"}' >&4
expect refused "$dir/out" '{"event":"answer","id":3,"error":{"code":"invalid_params","message":"scope exe+host: the destination has no host name"}}'
echo '{"id":3,"action":"allow","duration":"1h","scope":"exe+ip","pin_hash":true}' >&4
expect answered3 "$dir/out" '"rule":"allow-usr-bin-curl-10-0-0-1"'

# Settled elsewhere (another UI), then our late answer: not_found.
echo 'prompt {"timeout_s":600}' >&3
expect prompt4 "$dir/out" '"id":4,"deadline_ms":'
echo 'settle 4 answer allow' >&3
expect settled-elsewhere "$dir/out" '{"event":"prompt.settled","data":{"id":4,"by":"answer","action":"allow","duration":"always","scope":"exe","rule":"allow-usr-bin-curl","connections":1,"answered_by":{"uid":0,"pid":4242}}}'
echo '{"id":4,"action":"deny"}' >&4
expect too-late "$dir/out" '{"event":"answer","id":4,"error":{"code":"not_found"'

# Nobody answers: settled by timeout.
echo 'prompt {"timeout_s":1}' >&3
expect prompt5 "$dir/out" '"id":5,"deadline_ms":'
expect timeout "$dir/out" '{"event":"prompt.settled","data":{"id":5,"by":"timeout","action":"deny","duration":"once"' 4

# A second prompter sees what is pending when it subscribes.
echo 'prompt {"timeout_s":600}' >&3
expect prompt6 "$dir/out" '"id":6,"deadline_ms":'
"$picket" --socket "$sock" prompt --json <"$dir/ans2" >"$dir/out2" 2>"$dir/err2" &
pids+=($!)
second=$!
exec 5>"$dir/ans2"
expect pending "$dir/out2" '{"event":"subscribed","data":{"timeout_s":30,"pending":1}}'
expect pending-prompt "$dir/out2" '{"event":"prompt","data":{"time":"2026-11-23T10:00:00.123Z"'
# Both see the settlement of the first answer.
echo '{"id":6,"action":"reject","duration":"5m","scope":"exe+port"}' >&5
expect answered6 "$dir/out2" '"rule":"reject-usr-bin-curl-port-443"'
expect settled6 "$dir/out" '{"event":"prompt.settled","data":{"id":6,"by":"answer","action":"reject"'
# stdin closes right after an answer: its reply is still printed, exit 0.
echo 'prompt {"timeout_s":600}' >&3
expect prompt7 "$dir/out2" '"id":7,"deadline_ms":'
echo '{"id":7,"action":"allow","duration":"until restart"}' >&5
exec 5>&-
wait "$second"
rc=$?
[ "$rc" = 0 ] && ok || bad "stdin closed: exit $rc"
expect drained "$dir/out2" '{"event":"answer","id":7,"result":{"id":7,"action":"allow","duration":"until restart","scope":"exe","rule":"allow-usr-bin-curl"}}' 1

# The daemon goes away: exit 1 with a clear line.
kill "$fake_pid"
wait "$prompter"
rc=$?
[ "$rc" = 1 ] && ok || bad "daemon gone: exit $rc"
expect gone "$dir/err" "picket: prompt: picketd closed the connection"

echo "prompt-json: $pass passed, $fail failed"
[ "$fail" = 0 ]
