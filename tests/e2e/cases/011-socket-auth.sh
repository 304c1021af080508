#!/bin/bash
# The control socket admits root (and group picket) only: a user outside
# group picket is refused, even when the socket file's mode would let it in.
. "$(dirname "$0")/../lib.sh"

command -v setpriv >/dev/null || pk_skip "setpriv missing"
pk_netns_setup
pk_start_daemon

pk_cli status >"$PK_TMP/root.out" 2>&1 || pk_fail "root: picket status failed: $(cat "$PK_TMP/root.out")"
[ -s "$PK_TMP/root.out" ] || pk_fail "root: picket status printed nothing"
pk_log "root status: $(head -c 300 "$PK_TMP/root.out")"

# A copy of the CLI that nobody can surely execute.
cp "$PICKET" "$PK_TMP/picket-cli" && chmod 755 "$PK_TMP/picket-cli"
as_nobody() {
	timeout "$PK_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PK_TMP/picket-cli" --socket "$PK_SOCK" "$@"
}
as_nobody status >"$PK_TMP/nobody.out" 2>&1 &&
	pk_fail "nobody got status with the default socket mode: $(cat "$PK_TMP/nobody.out")"
pk_log "nobody refused (default mode $(stat -c '%a %U:%G' "$PK_SOCK")): $(head -c 200 "$PK_TMP/nobody.out")"

# Past the file mode: the daemon's own peer check must refuse.
chmod 666 "$PK_SOCK"
as_nobody status >"$PK_TMP/nobody2.out" 2>&1 &&
	pk_fail "nobody got status through a 0666 socket: the daemon did not check SO_PEERCRED: $(cat "$PK_TMP/nobody2.out")"
as_nobody rules list >"$PK_TMP/nobody3.out" 2>&1 &&
	pk_fail "nobody got 'rules list' through a 0666 socket"
pk_log "nobody refused by the daemon: $(head -c 200 "$PK_TMP/nobody2.out")"

if gid=$(getent group picket | cut -d: -f3) && [ -n "$gid" ]; then
	timeout "$PK_TIMEOUT" setpriv --reuid=65534 --regid=65534 --groups="$gid" \
		"$PK_TMP/picket-cli" --socket "$PK_SOCK" status >"$PK_TMP/member.out" 2>&1 ||
		pk_fail "a member of group picket was refused: $(cat "$PK_TMP/member.out")"
	pk_log "ok: member of group picket admitted"
else
	pk_log "note: no group picket on this machine; member check skipped"
fi

kill -0 "$PK_DAEMON_PID" || pk_fail "picketd died"
pk_cli status >/dev/null 2>&1 || pk_fail "root: status failed after the refused clients"
