#!/bin/bash
# 20 parallel connects of one program to one destination make exactly one
# prompt; every one of them gets its verdict from the one answer.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

pk_netns_setup
pk_start_echo --tcp 7000
pk_start_daemon --default-action deny --prompt-timeout 20
pk_prompter_start p

# One process, 20 sockets connecting at once (python: one pid for all).
cat >"$PK_TMP/par.py" <<'PY'
import socket, sys, threading
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = []
def one():
    try:
        s = socket.create_connection((host, port), timeout=15)
        s.sendall(b"hi"); s.recv(2); s.close(); ok.append(1)
    except OSError as e:
        print("fail", e)
ts = [threading.Thread(target=one) for _ in range(n)]
[t.start() for t in ts]; [t.join() for t in ts]
print("ok", len(ok))
PY
timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_PY" "$PK_TMP/par.py" "$PK_S4" 7000 20 \
	>"$PK_TMP/par.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 data.destination.port=7000 || pk_fail "no prompt"
sleep 1 # let the other 19 SYNs (and retransmissions) join
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"allow\",\"duration\":\"once\"}"
wait "$cpid" || pk_fail "the parallel client failed: $(cat "$PK_TMP/par.out")"
grep -qx "ok 20" "$PK_TMP/par.out" || pk_fail "not all 20 connected: $(cat "$PK_TMP/par.out")"
n=$(pk_prompts p event=prompt | wc -l)
[ "$n" = 1 ] || pk_fail "expected exactly one prompt, got $n"
conns=$(pk_prompts p event=prompt.settled | "$PK_PY" -c 'import json,sys; print(json.load(sys.stdin)["data"]["connections"])')
pk_log "one prompt, $conns connections joined it"
[ "$conns" = 20 ] || pk_fail "the settled prompt counts $conns connections, not 20"
