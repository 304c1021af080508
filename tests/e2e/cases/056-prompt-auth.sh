#!/bin/bash
# A user outside group picket can neither subscribe to prompts nor answer
# them, even through a socket file anyone may open: the daemon refuses the
# peer (SO_PEERCRED) before reading a byte, and logs it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

command -v setpriv >/dev/null || pk_skip "setpriv missing"
pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action reject --prompt-timeout 20
chmod 666 "$PK_SOCK"
cp "$PICKET" "$PK_TMP/picket-cli" && chmod 755 "$PK_TMP/picket-cli"
as_nobody() { timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# The CLI prompter as nobody.
out=$(as_nobody "$PK_TMP/picket-cli" --socket "$PK_SOCK" prompt --json </dev/null 2>&1)
pk_log "picket prompt --json as nobody: $out"
[[ $out == *"not allowed"* ]] || pk_fail "expected a refusal, got: $out"

# A raw client as nobody: subscribe, then answer prompt 1 (which exists:
# root's prompter below holds it).
pk_prompter_start p
timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 10000 -n 3 "$PK_S4" 7000 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 data.destination.port=7000 || pk_fail "no prompt"
cat >"$PK_TMP/raw.py" <<PY
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("$PK_SOCK")
try:  # the daemon may already have refused us and closed: read its line anyway
    s.sendall(b'{"id":1,"method":"prompts.subscribe"}\n'
              b'{"id":2,"method":"prompts.answer","params":{"id":$PK_PROMPT_ID,"action":"allow"}}\n')
except (BrokenPipeError, ConnectionResetError):
    pass
s.settimeout(3)
data = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
except OSError:
    pass
sys.stdout.write(data.decode())
PY
raw=$(as_nobody "$PK_PY" "$PK_TMP/raw.py" 2>&1)
pk_log "raw client as nobody: $raw"
[[ $raw == *permission_denied* ]] || pk_fail "the raw client was not refused: $raw"
[[ $raw == *'"event"'* || $raw == *'"result"'* ]] && pk_fail "nobody got an answer or a prompt: $raw"
[ "$(_pk_prompters)" = 1 ] || pk_fail "nobody counts as a prompter"
# The prompt is still pending: root answers it.
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"deny\",\"duration\":\"once\"}"
wait "$cpid" && pk_fail "nobody's allow went through"
pk_prompts p event=prompt.settled data.by=answer data.action=deny data.answered_by.uid=0 >/dev/null ||
	pk_fail "the prompt was not settled by root's deny"
[ "$(grep -c "control: refused a client (uid 65534" "$PK_TMP/picketd.log")" -ge 2 ] ||
	pk_fail "the refusals were not logged"
