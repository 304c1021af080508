#!/bin/bash
# A prompter killed in the middle of a prompt: the held flow gets the default
# action at once (reject: the client fails well before the prompt's timeout),
# with reason "no UI". A prompt nobody answers gets it at the timeout.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action reject --prompt-timeout 60
pk_prompter_start p

timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 15000 -n 3 "$PK_S4" 7000 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 data.destination.port=7000 || pk_fail "no prompt"
t0=$(pk_now_ms)
pk_prompter_kill p
wait "$cpid"
rc=$?
dt=$(($(pk_now_ms) - t0))
pk_log "client rc=$rc $(cat "$PK_TMP/c.out"), ${dt} ms after the kill"
grep -q "errno=" "$PK_TMP/c.out" || pk_fail "expected the default reject, got: $(cat "$PK_TMP/c.out")"
[ "$dt" -lt 1000 ] || pk_fail "the default action came ${dt} ms after the prompter died"
pk_wait_event 5 dst_port=7000 action=reject "reason=no UI" || pk_fail "no event reason=no UI"
grep -q "prompts: #1 disconnect: reject" "$PK_TMP/picketd.log" || pk_fail "no log line for the settlement"

# Nobody answers: the default action when the prompt times out.
pk_stop_daemon
pk_start_daemon --default-action reject --prompt-timeout 2
pk_prompter_start q
t0=$(pk_now_ms)
pk_run_c "$PK_CLIENT" -t 15000 -n 3 "$PK_S4" 7000
dt=$(($(pk_now_ms) - t0))
[[ $PK_OUT == *"errno="* ]] || pk_fail "expected the default reject after the timeout: $PK_OUT"
[ "$dt" -ge 1900 ] && [ "$dt" -lt 4000 ] || pk_fail "the timeout took ${dt} ms (expected about 2000)"
pk_wait 3 pk_prompts q event=prompt.settled data.by=timeout data.action=reject >/dev/null ||
	pk_fail "no settled line by=timeout"
pk_wait_event 5 dst_port=7000 action=reject "reason=prompt timeout" || pk_fail "no event reason=prompt timeout"
