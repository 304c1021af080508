# shellcheck shell=bash
# Prompters for end-to-end cases 050-059: sourced after lib.sh.
#
# pk_prompter_start NAME: runs `picket prompt --json` (the real CLI) as
#   prompter NAME; what it prints goes to $PK_TMP/NAME.out, and answers are
#   written to its stdin with pk_prompter_say. Waits until the daemon counts
#   it as a prompter.
# pk_prompter_say NAME JSON: one answer line, e.g.
#   {"id":1,"action":"allow","duration":"always","scope":"exe"}
# pk_prompts NAME FILTERS...: lines NAME printed that match FILTERS (evq.py:
#   event=prompt data.process.path=...); exit 1 if none.
# pk_wait_prompt NAME SECONDS FILTERS...: waits for such a line; its prompt
#   id is in $PK_PROMPT_ID.
# pk_prompter_kill NAME: SIGKILL, as a crashed UI.

declare -A _PK_PFD _PK_PPID

_pk_prompters() {	# number of prompters the daemon counts
	pk_cli --json status 2>/dev/null | "$PK_PY" -c \
		'import json,sys; print(json.load(sys.stdin).get("prompts",{}).get("prompters",0))'
}

pk_prompter_start() {
	local name=$1 fifo=$PK_TMP/$1.in fd want
	want=$(($(_pk_prompters) + 1))
	mkfifo "$fifo"
	# Opened read-write, so neither side blocks and the prompter sees EOF
	# only when this shell closes it.
	exec {fd}<>"$fifo"
	_PK_PFD[$name]=$fd
	"$PICKET" --socket "$PK_SOCK" prompt --json <"$fifo" >"$PK_TMP/$name.out" \
		2>"$PK_TMP/$name.err" &
	_PK_PPID[$name]=$!
	PK_PIDS+=("$!")
	pk_wait 5 _pk_prompters_ge "$want" ||
		pk_fail "prompter $name not subscribed: $(cat "$PK_TMP/$name.err")"
}

_pk_prompters_ge() { [ "$(_pk_prompters)" -ge "$1" ]; }

pk_prompter_say() {
	printf '%s\n' "$2" >&"${_PK_PFD[$1]}"
}

pk_prompts() {
	local name=$1
	shift
	"$PK_PY" "$PK_E2E_DIR/servers/evq.py" "$@" <"$PK_TMP/$name.out"
}

pk_wait_prompt() {
	local name=$1 s=$2
	shift 2
	pk_wait "$s" pk_prompts "$name" event=prompt "$@" >/dev/null || return 1
	PK_PROMPT_ID=$(pk_prompts "$name" event=prompt "$@" | tail -n 1 |
		"$PK_PY" -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
}

pk_prompter_kill() {
	kill -KILL "${_PK_PPID[$1]}" 2>/dev/null
	wait "${_PK_PPID[$1]}" 2>/dev/null
	return 0
}
