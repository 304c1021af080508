#!/bin/bash
# An answer can pin the executable's SHA-256. When the binary is replaced on
# disk, the pinned rule no longer matches it, and the new prompt says the
# executable changed since that rule was made (hash_changed, previous_sha256,
# previous_rule).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action reject --prompt-timeout 20
pk_prompter_start p

bin=$PK_TMP/hc
cp "$PK_CLIENT" "$bin"
sha1=$(sha256sum "$bin" | cut -d' ' -f1)

timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$bin" -t 15000 -e -n 3 "$PK_S4" 7000 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 "data.process.path=$bin" || pk_fail "no prompt for $bin"
pk_prompts p event=prompt "data.process.sha256=$sha1" data.process.hash_changed=false >/dev/null ||
	pk_fail "the prompt lacks the right sha256 ($sha1): $(pk_prompts p event=prompt)"
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"allow\",\"duration\":\"always\",\"scope\":\"exe\",\"pin_hash\":true}"
wait "$cpid" || pk_fail "the allowed connection failed: $(cat "$PK_TMP/c.out")"
rule=$(ls "$PK_RULES" | sed -n 's/\.json$//p' | head -n 1)
grep -q "$sha1" "$PK_RULES/$rule.json" || pk_fail "rule $rule does not pin the hash"
pk_log "rule $rule pins $sha1"
expect_connect "same binary: the pinned rule allows it" "$bin" -e -n 3 "$PK_S4" 7000

# Replace the binary: same path, different content (a byte appended to the ELF).
cp "$PK_CLIENT" "$bin.new" && printf 'x' >>"$bin.new" && mv "$bin.new" "$bin"
sha2=$(sha256sum "$bin" | cut -d' ' -f1)
[ "$sha1" != "$sha2" ] || pk_fail "the test binary did not change"
timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$bin" -t 15000 -e -n 3 "$PK_S4" 7000 \
	>"$PK_TMP/c2.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 "data.process.sha256=$sha2" ||
	pk_fail "the replaced binary was not prompted for (the pinned rule still matched?)"
pk_prompts p event=prompt "data.process.sha256=$sha2" data.process.hash_changed=true \
	"data.process.previous_sha256=$sha1" "data.process.previous_rule=$rule" >/dev/null ||
	pk_fail "the prompt does not flag the change: $(pk_prompts p event=prompt | tail -n 1)"
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"reject\",\"duration\":\"once\"}"
wait "$cpid" && pk_fail "the replaced binary connected after a reject"
exit 0
