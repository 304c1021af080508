#!/bin/bash
# Prompting is on (the default), but no prompter is connected: a flow no rule
# decides gets the default action at once (reject: the connect fails in
# under 50 ms), and its event says why ("no UI"). With prompting off
# (--prompt-timeout 0) the reason is "default".
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action reject

worst=0
for i in 1 2 3 4 5; do
	expect_blocked "connect $i, no prompter" "$PK_CLIENT" -n 3 "$PK_S4" 7000
	[[ $PK_OUT == *"errno="* ]] || pk_fail "expected an immediate reject, got: $PK_OUT"
	ms=$(pk_out_ms)
	ms=${ms%.*}
	[ "$ms" -gt "$worst" ] && worst=$ms
done
[ "$worst" -lt 50 ] || pk_fail "a flow waited ${worst} ms with no prompter (limit 50 ms)"
pk_log "slowest of 5 rejects: ${worst} ms"
pk_wait_event 5 dst_port=7000 action=reject "reason=no UI" ||
	pk_fail "no event with reason \"no UI\": $(tail -n 2 "$PK_TMP/events.json")"
# The first is queued (and counted); with the kernel's verdict cache the
# others fail in the kernel, but every one is logged with its reason.
[ "$(pk_cli --json status | "$PK_PY" -c 'import json,sys; print(json.load(sys.stdin)["prompts"]["no_ui"])')" -ge 1 ] ||
	pk_fail "status prompts.no_ui did not count the flows"
_noui() { [ "$(PK_EVENTS_N=50 pk_events dst_port=7000 action=reject "reason=no UI" | wc -l)" -ge 5 ]; }
pk_wait 5 _noui || pk_fail "fewer than 5 events with reason \"no UI\": $(grep -c 'no UI' "$PK_TMP/events.json")"

pk_stop_daemon
pk_start_daemon --default-action reject --prompt-timeout 0
expect_blocked "prompting off" "$PK_CLIENT" -n 3 "$PK_S4" 7000
pk_wait_event 5 dst_port=7000 action=reject reason=default ||
	pk_fail "prompting off: no event with reason default"
