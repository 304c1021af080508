#!/bin/bash
# `picket prompt` in a terminal, driven through tmux (send-keys,
# capture-pane) against fake-picketd: the context shown, the countdown,
# queued prompts, what keys send, settlements elsewhere, control characters
# from the daemon defused, and the terminal restored on q, Ctrl-C and when
# the daemon goes away. Set PROMPT_CAPTURE=FILE to keep a capture of a
# prompt (for the README).
# Usage: test-prompt-tmux.sh PICKET FAKE_PICKETD
set -u
picket=$1 fake=$2
unset TMUX # a private server (-S), even when run inside tmux
command -v tmux >/dev/null || { echo "SKIP: no tmux"; exit 77; }
dir=$(mktemp -d /tmp/picket-prompt-tmux-XXXXXX)
sock=$dir/p.sock
tm=(tmux -S "$dir/tmux.sock" -f /dev/null)
fake_pid=
cleanup() {
	"${tm[@]}" kill-server 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
screen() { "${tm[@]}" capture-pane -p -t "$1"; }
# The screen with wrapped notes (continued 9 columns in) joined up.
joined() { screen "$1" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n         / /g'; }
# wait_screen NAME TARGET TEXT [SECONDS]: until the pane shows TEXT.
wait_screen() {
	local i
	for ((i = 0; i < ${4:-5} * 20; i++)); do
		{ screen "$2"; joined "$2"; } | grep -qF -- "$3" && { ok; return 0; }
		sleep 0.05
	done
	bad "$1: no '$3' on the screen:"
	screen "$2"
	return 1
}
no_screen() { # NAME TARGET TEXT
	if screen "$2" | grep -qF -- "$3"; then bad "$1: '$3' on the screen"; screen "$2"; else ok; fi
}
wait_file() { # NAME FILE TEXT
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$3" "$2" 2>/dev/null && { ok; return 0; }
		sleep 0.05
	done
	bad "$1: no '$3' in ${2##*/}:"
	cat "$2"
	return 1
}
start_fake() {
	"$fake" "$sock" <"$dir/fake.in" >>"$dir/fake.out" 2>&1 &
	fake_pid=$!
	exec 3>"$dir/fake.in"
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
}
# prompter NAME: `picket prompt` in a new 80x24 tmux session NAME; when it
# ends, its exit status and the terminal settings land in $dir/NAME.*.
prompter() {
	local cmd="$picket --socket $sock prompt 2>$dir/$1.err; echo rc=\$? >$dir/$1.rc; stty -a >$dir/$1.stty; exec sleep 600"
	"${tm[@]}" new-session -d -s "$1" -x 80 -y 24 "$cmd"
	wait_screen "$1-start" "$1" "waiting for prompts from picketd"
}
# restored NAME RC: the prompter exited with RC and left the terminal sane.
restored() {
	wait_file "$1-rc" "$dir/$1.rc" "rc=$2"
	if grep -qw -- -icanon "$dir/$1.stty" || grep -qw -- -echo "$dir/$1.stty"; then
		bad "$1: terminal left raw: $(grep -o -- '-\?icanon\|-\?echo ' "$dir/$1.stty" | tr '\n' ' ')"
	else
		ok
	fi
}

mkfifo "$dir/fake.in"
start_fake
prompter p

# Two prompts: the first shown with its context, the second queued.
# Long deadlines, so a slow machine does not time them out mid-test.
echo 'prompt {"timeout_s":600}' >&3
echo 'prompt {"timeout_s":600,"process":{"path":"/usr/bin/nc","cmdline":"nc 10.0.0.1 22","package":null,"hash_changed":true,"previous_sha256":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff","previous_rule":"allow-usr-bin-nc"},"destination":{"host":null,"port":22,"service":"ssh"}}' >&3
wait_screen queued p "picket prompt: 1 of 2 pending"
for t in "/usr/bin/curl wants to connect to example.org port 443" \
	"to        example.org (10.0.0.1), port 443/https, tcp" \
	"command   curl -s https://example.org/" \
	"process   pid 5121, user alice (uid 1000)" \
	"package   from package curl" \
	"sha256    ab12cd34ef56ab12..." \
	"parents   5000 /usr/bin/bash < 1 /sbin/init" \
	"cwd       /root" \
	"from      10.0.0.2 port 40114" \
	"Scope     [e exe]  h exe+host   i exe+ip   p exe+port   c cmdline" \
	"[3 always]" \
	"> choose an action: a allow, d deny, r reject"; do
	wait_screen context p "$t"
done
no_screen no-warning p "changed since"
[ -n "${PROMPT_CAPTURE:-}" ] && screen p >"$PROMPT_CAPTURE"
# The countdown runs: the seconds shown go down.
s1=$(screen p | grep -o 'deny in [0-9]*s' | grep -o '[0-9]*')
sleep 2.5
s2=$(screen p | grep -o 'deny in [0-9]*s' | grep -o '[0-9]*')
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" -lt "$s1" ] && [ "$s1" -le 600 ] && ok ||
	bad "countdown: '$s1' then '$s2'"

# Enter before an action: refused with a word, nothing sent.
"${tm[@]}" send-keys -t p Enter
wait_screen no-action p "choose an action first: a allow, d deny, r reject"
# Tab: the second prompt, with the changed-executable warning, no exe+host
# (no host name known) and "once" preselected.
"${tm[@]}" send-keys -t p Tab
wait_screen second p "picket prompt: 2 of 2 pending"
wait_screen warning p "!! The executable changed since rule allow-usr-bin-nc allowed it"
wait_screen warning-hash p "!! sha256 was 0011223344556677..., now ab12cd34ef56ab12..."
wait_screen nc p "/usr/bin/nc wants to connect to 10.0.0.1 port 22"
wait_screen no-package p "package   not from a package"
wait_screen once p "[1 once]"
no_screen no-host-scope p "exe+host"
# A small terminal (SIGWINCH): the options wrap, none is cut off, the
# warning stays; back to 80x24 after.
"${tm[@]}" resize-window -t p -x 56 -y 18
wait_screen narrow p "           s pin sha256: no"
wait_screen narrow-scope p "Scope     [e exe]  i exe+ip   p exe+port   c cmdline"
wait_screen narrow-warning p "!! The executable changed since rule allow-usr-bin-nc"
no_screen narrow-details p "cwd       /root"
"${tm[@]}" resize-window -t p -x 80 -y 24
wait_screen wide-again p "cwd       /root"
"${tm[@]}" send-keys -t p h
wait_screen host-refused p "scope exe+host: the destination has no known host name"
# d Enter: deny once, scope exe.
"${tm[@]}" send-keys -t p d
wait_screen shown-before-send p "> deny this connection once (no rule is made)"
"${tm[@]}" send-keys -t p Enter
wait_file deny "$dir/fake.out" 'answer {"id":2,"action":"deny","duration":"once","scope":"exe","pin_hash":false}'
wait_screen deny-note p "#2 /usr/bin/nc -> 10.0.0.1:22: deny once"
wait_screen back-to-first p "picket prompt: 1 of 1 pending"
# a h Enter: allow always, exe+host.
"${tm[@]}" send-keys -t p a h
wait_screen summary p "> allow always (saved rule): /usr/bin/curl to example.org"
"${tm[@]}" send-keys -t p Enter
wait_file allow "$dir/fake.out" 'answer {"id":1,"action":"allow","duration":"always","scope":"exe+host","pin_hash":false}'
wait_screen allow-note p "#1 /usr/bin/curl -> example.org:443: allow always exe+host, rule allow-usr-bin-curl-example-org"
wait_screen empty p "waiting for prompts from picketd"

# 8 s p A: 1h, pinned, by port, allow and send in one key.
echo 'prompt {"timeout_s":600}' >&3
wait_screen third p "picket prompt: 1 of 1 pending"
"${tm[@]}" send-keys -t p 8 s p
wait_screen pinned p "[s pin sha256: yes]"
wait_screen pinned-1h p "[8 1h]"
wait_screen pinned-port p "[p exe+port]"
"${tm[@]}" send-keys -t p a
wait_screen pinned-summary p "> allow for 1h: /usr/bin/curl to port 443/tcp, sha256 pinned"
"${tm[@]}" send-keys -t p A
wait_file allow-now "$dir/fake.out" 'answer {"id":3,"action":"allow","duration":"1h","scope":"exe+port","pin_hash":true}'

# Settled elsewhere, and by timeout: gone, with a note saying how.
echo 'prompt {"timeout_s":600}' >&3
wait_screen fourth p "picket prompt: 1 of 1 pending"
echo 'settle 4 answer allow' >&3
wait_screen elsewhere p "#4 /usr/bin/curl -> example.org:443: answered elsewhere (uid 0, pid 4242): allow always, rule allow-usr-bin-curl"
wait_screen empty-again p "waiting for prompts from picketd"
echo 'prompt {"timeout_s":2}' >&3
wait_screen fifth p "deny in 2s"
wait_screen timeout p "#5 /usr/bin/curl -> example.org:443: nobody answered in time, deny applied" 4

# Control characters in what a program controls are shown as '?'.
printf '%s\n' 'prompt {"process":{"cmdline":"curl \u001b[2J\u001b[31mevil\u0007 \u009b1m"}}' >&3
wait_screen defused p "command   curl ?[2J?[31mevil? ?1m"
"${tm[@]}" send-keys -t p r Enter
wait_file reject "$dir/fake.out" 'answer {"id":6,"action":"reject","duration":"always","scope":"exe","pin_hash":false}'

# q: exit 0, terminal restored, what happened printed on the normal screen.
"${tm[@]}" send-keys -t p q
restored p 0
wait_screen summary-after p "#2 /usr/bin/nc -> 10.0.0.1:22: deny once"

# Ctrl-C with a prompt pending: exit 130, restored, the prompt reported.
prompter c
echo 'prompt {"timeout_s":600}' >&3
wait_screen c-prompt c "picket prompt: 1 of 1 pending"
"${tm[@]}" send-keys -t c C-c
restored c 130
wait_screen c-left c "1 prompt left unanswered (picketd applies the default action)"

# The daemon goes away: exit 1, restored, a clear line.
prompter g
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null
fake_pid=
restored g 1
wait_file gone "$dir/g.err" "picket: prompt: picketd closed the connection"

# TERM=dumb: refused, pointing at --json.
"${tm[@]}" new-session -d -s d -x 80 -y 24 \
	"TERM=dumb $picket --socket $sock prompt 2>$dir/d.err; echo rc=\$? >$dir/d.rc; exec sleep 600"
wait_file dumb-rc "$dir/d.rc" "rc=2"
wait_file dumb "$dir/d.err" "TERM is \"dumb\""
wait_file dumb-json "$dir/d.err" "use 'picket prompt --json' instead"

echo "prompt-tmux: $pass passed, $fail failed"
[ "$fail" = 0 ]
