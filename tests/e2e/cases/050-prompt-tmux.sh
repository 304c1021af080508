#!/bin/bash
# `picket prompt` in a terminal (tmux) against the real daemon: a held curl
# is shown with its executable, command line and destination and a running
# countdown; the keys a 3 e Enter (allow, always, this executable) let it
# through and leave a rule file that `picket rules list` shows and that
# decides the next curl without a prompt; an unanswered prompt times out to
# the default action with a note on the screen; q restores the terminal.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null || pk_skip "missing tool tmux"
pk_netns_setup
mkdir -p "$PK_TMP/www"
echo hello-prompt >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"
pk_start_daemon --default-action deny --prompt-timeout 10

curl_path=$(pk_realpath curl)
# The tmux server runs in the client namespace: the harness sweeps it.
tm=(nsenter --net="/run/netns/$PK_NS_C" -- tmux -S "$PK_TMP/tmux.sock" -f /dev/null)
screen() { "${tm[@]}" capture-pane -p -t p; }
# Notes wrap onto lines indented 9 columns: join them for matching.
joined() { screen | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n         / /g'; }
_on_screen() { joined | grep -qF -- "$1"; }
wait_screen() { # SECONDS TEXT
	pk_wait "$1" _on_screen "$2" || pk_fail "no '$2' on the screen: $(screen)"
}

unset TMUX
"${tm[@]}" new-session -d -s p -x 80 -y 24 \
	"$PICKET --socket $PK_SOCK prompt 2>$PK_TMP/prompt.err; echo rc=\$? >$PK_TMP/prompt.rc; stty -a >$PK_TMP/prompt.stty; exec sleep 600"
wait_screen 5 "waiting for prompts from picketd"

# A curl no rule decides: held while the prompter shows it.
url="http://$PK_S4:8080/index.html"
nsenter --net="/run/netns/$PK_NS_C" -- curl -sS --max-time 15 "$url" >"$PK_TMP/curl.out" 2>&1 &
cpid=$!
wait_screen 5 "$curl_path wants to connect to $PK_S4 port 8080"
wait_screen 2 "command   curl -sS --max-time 15 $url"
wait_screen 2 "process   pid $cpid, user root (uid 0)"
wait_screen 2 "to        $PK_S4, port 8080"
wait_screen 2 "picket prompt: 1 of 1 pending"
s1=$(screen | grep -o 'deny in [0-9]*s' | grep -o '[0-9]*')
[ -n "$s1" ] && [ "$s1" -le 10 ] || pk_fail "no countdown from 10 s: $(screen)"
pk_log "prompt on screen:"
screen | sed 's/^/    | /'
kill -0 "$cpid" 2>/dev/null || pk_fail "curl was not held: $(cat "$PK_TMP/curl.out")"

"${tm[@]}" send-keys -t p a 3 e
wait_screen 2 "> allow always (saved rule): $curl_path to any destination"
"${tm[@]}" send-keys -t p Enter
wait "$cpid" || pk_fail "curl failed after allow: $(cat "$PK_TMP/curl.out")"
[ "$(cat "$PK_TMP/curl.out")" = hello-prompt ] || pk_fail "curl got: $(cat "$PK_TMP/curl.out")"
pk_log "ok: allowed from the terminal"
wait_screen 3 "allow always exe, rule allow-"
wait_screen 3 "waiting for prompts from picketd"

# The rule: in the list, as a file, and deciding the next curl unasked.
pk_cli rules list >"$PK_TMP/rules.txt" || pk_fail "rules list failed"
grep -E "^allow-[a-z0-9-]*curl +allow +always +yes +process.path == $curl_path\$" \
	"$PK_TMP/rules.txt" >/dev/null || pk_fail "no allow-always curl rule: $(cat "$PK_TMP/rules.txt")"
ls "$PK_RULES"/allow-*curl*.json >/dev/null 2>&1 || pk_fail "no rule file in $PK_RULES"
expect_connect "curl again, by the rule" curl -sS --max-time 5 "$url"
_on_screen "1 of 1 pending" && pk_fail "the second curl was prompted: $(screen)"

# Nobody answers: the default action at the deadline, and a note says so.
nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 15000 "$PK_S4" 8080 >"$PK_TMP/pk.out" 2>&1 &
kpid=$!
wait_screen 5 "wants to connect to $PK_S4 port 8080"
wait_screen 13 "nobody answered in time, deny applied"
wait "$kpid" && pk_fail "the unanswered connection went through: $(cat "$PK_TMP/pk.out")"
pk_log "ok: timed out to deny: $(cat "$PK_TMP/pk.out")"

"${tm[@]}" send-keys -t p q
pk_wait 5 grep -qx "rc=0" "$PK_TMP/prompt.rc" || pk_fail "prompter did not exit 0: $(cat "$PK_TMP/prompt.rc" "$PK_TMP/prompt.err" 2>&1)"
grep -qw -- -icanon "$PK_TMP/prompt.stty" && pk_fail "terminal left raw"
"${tm[@]}" kill-server 2>/dev/null
exit 0
