#!/bin/bash
# Two prompters see the same prompt; the first answer wins, the second is
# told the prompt is no longer pending, and both see how it was settled.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action deny --prompt-timeout 20
pk_prompter_start a
pk_prompter_start b

timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 15000 -e -n 3 "$PK_S4" 7000 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt a 5 data.destination.port=7000 || pk_fail "prompter a got no prompt"
pk_wait_prompt b 5 data.destination.port=7000 || pk_fail "prompter b got no prompt"
pk_prompter_say a "{\"id\":$PK_PROMPT_ID,\"action\":\"allow\",\"duration\":\"once\"}"
pk_wait 5 pk_prompts a event=prompt.settled >/dev/null || pk_fail "a saw no settlement"
pk_prompter_say b "{\"id\":$PK_PROMPT_ID,\"action\":\"deny\",\"duration\":\"always\"}"
wait "$cpid" || pk_fail "the first answer (allow) did not win: $(cat "$PK_TMP/c.out")"
pk_wait 5 pk_prompts b error.code=not_found >/dev/null ||
	pk_fail "b's late answer was not refused: $(cat "$PK_TMP/b.out")"
pk_prompts b event=prompt.settled data.by=answer data.action=allow >/dev/null ||
	pk_fail "b was not told the prompt was settled"
ls "$PK_RULES"/deny-* 2>/dev/null && pk_fail "the losing answer made a rule"
exit 0
