#!/bin/bash
# picket prompt --json answers: allow, deny and reject take effect on the held
# connection; durations once / until restart / always / 30s and the scopes
# exe, exe+ip, exe+port, cmdline make the rules they should (a file only for
# always; none for once), and the timed one expires.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

pk_netns_setup
pk_start_echo --tcp 7000 --tcp 7001 --tcp 7002 --tcp 7003
pk_start_daemon --default-action deny --prompt-timeout 20
pk_prompter_start p

cl=$(readlink -f "$PK_CLIENT")
# ask PORT ACTION DURATION SCOPE: runs a client in the background, answers
# its prompt, and leaves the client's output in $PK_TMP/ask.out.
ask() {
	local port=$1 action=$2 duration=$3 scope=$4 n
	n=$(pk_prompts p event=prompt | wc -l)
	timeout 15 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 12000 -e -n 4 "$PK_S4" "$port" \
		>"$PK_TMP/ask.out" 2>&1 &
	local cpid=$!
	pk_wait 5 _more_prompts "$n" || pk_fail "no prompt for port $port"
	pk_wait_prompt p 1 "data.destination.port=$port"
	pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"$action\",\"duration\":\"$duration\",\"scope\":\"$scope\"}"
	wait "$cpid"
	ASK_RC=$?
	pk_log "port $port: $action/$duration/$scope -> rc=$ASK_RC $(cat "$PK_TMP/ask.out")"
}
_more_prompts() { [ "$(pk_prompts p event=prompt | wc -l)" -gt "$1" ]; }
_no_rule() { ! pk_cli rules list | grep -q -- "$1"; }

# The prompt carries the context.
ask 7000 allow once exe
[ "$ASK_RC" = 0 ] || pk_fail "allow once: the held connection did not go through"
pk_prompts p event=prompt "data.process.path=$cl" "data.process.pid~" "data.process.user=root" \
	"data.destination.ip=$PK_S4" data.destination.port=7000 data.protocol=tcp \
	"data.process.cmdline~-n 4 $PK_S4 7000" "data.process.cwd~/" >/dev/null ||
	pk_fail "the prompt lacks context: $(pk_prompts p event=prompt | head -n 1)"
pk_prompts p event=prompt.settled data.by=answer data.action=allow data.rule= >/dev/null ||
	pk_fail "no settled line for the once answer"
[ "$(pk_cli --json rules list | "$PK_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["rules"]))')" = 0 ] ||
	pk_fail "a once answer made a rule"
pk_wait_event 5 dst_port=7000 action=allow reason=prompt || pk_fail "no event reason=prompt"

# once means once: the next connection asks again; deny it.
ask 7000 deny once exe
[ "$ASK_RC" != 0 ] || pk_fail "deny: the held connection went through"
[ "$(pk_rec_count "^tcp-accept $PK_C4 7000")" = 1 ] || pk_fail "the denied connection reached the server"

# reject: the held connection fails at once with a reset, not a timeout.
ask 7001 reject "until restart" exe+port
grep -q "errno=" "$PK_TMP/ask.out" || pk_fail "reject: expected an immediate failure"
pk_cli rules list | grep -q "reject-.*-port-7001 .*until restart" ||
	pk_fail "no until-restart rule for port 7001: $(pk_cli rules list)"
expect_blocked "port 7001 now rejected by the rule" "$PK_CLIENT" -n 3 "$PK_S4" 7001

# always + exe+ip: a rule file appears; the rule decides the next time.
ask 7002 allow always exe+ip
[ "$ASK_RC" = 0 ] || pk_fail "allow always: the held connection did not go through"
f=$(ls "$PK_RULES"/allow-*.json 2>/dev/null | head -n 1)
[ -n "$f" ] || pk_fail "allow always wrote no rule file"
grep -q "\"dest.ip\"" "$f" && grep -q "$PK_S4" "$f" || pk_fail "rule file lacks dest.ip: $(cat "$f")"
pk_log "rule file $(basename "$f")"
expect_connect "port 7002 allowed by the rule" "$PK_CLIENT" -e -n 3 "$PK_S4" 7002
expect_connect "port 7003 too (same ip)" "$PK_CLIENT" -e -n 3 "$PK_S4" 7003

# 30s + cmdline: a timed rule, matching this exact command line only, that expires.
rm -f "$f"
pk_wait 3 _no_rule "always" ||
	pk_fail "the deleted rule file was not unloaded"
ask 7003 allow 30s cmdline
[ "$ASK_RC" = 0 ] || pk_fail "allow 30s: the held connection did not go through"
pk_cli rules list | grep -q "allow-.*-cmd-.* 30s .*process.command ==" ||
	pk_fail "no 30s cmdline rule: $(pk_cli rules list)"
start=$(pk_now_ms)
pk_wait 45 _no_rule "-cmd-" ||
	pk_fail "the 30s rule did not expire"
pk_log "the 30s rule expired after $(( ($(pk_now_ms) - start) / 1000 )) s more"

# until restart: gone after a restart; always rules stay (none left here).
pk_stop_daemon
pk_start_daemon --default-action deny --prompt-timeout 20
pk_cli rules list | grep -q "port-7001" && pk_fail "the until-restart rule survived a restart"
exit 0
