#!/bin/bash
# A prompt names the Debian package that installed the executable (from
# dpkg's database), and says when a program is not from a package; it names
# the service of the port from /etc/services and the parent chain. Events and
# the history carry the package as well.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-prompt.sh"

command -v curl >/dev/null || pk_skip "curl missing"
curl_path=$(pk_realpath curl)
pkg=$(dpkg -S "$curl_path" 2>/dev/null | head -n 1 | cut -d: -f1)
[ -n "$pkg" ] || pk_skip "$curl_path is not from a Debian package here"
pk_netns_setup
pk_start_echo --tcp 80
pk_start_daemon --default-action reject --prompt-timeout 20
pk_prompter_start p

timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- curl -s -m 15 "http://$PK_S4:80/" \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 "data.process.path=$curl_path" || pk_fail "no prompt for curl"
pk_prompts p event=prompt "data.process.package=$pkg" data.destination.service=http \
	"data.process.parents~$(readlink -f "$(command -v timeout)")" >/dev/null ||
	pk_fail "the prompt does not name package $pkg / service http / parent timeout: $(pk_prompts p event=prompt)"
pk_log "curl's prompt: package $pkg, service http"
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"reject\",\"duration\":\"once\"}"
wait "$cpid"

timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 10000 -n 3 "$PK_S4" 80 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 "data.process.path=$(readlink -f "$PK_CLIENT")" || pk_fail "no prompt for pkclient"
pk_prompts p event=prompt "data.process.path=$(readlink -f "$PK_CLIENT")" data.process.package= \
	>/dev/null || pk_fail "pkclient is not from a package, but the prompt names one"
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"reject\",\"duration\":\"once\"}"
wait "$cpid"

# The events (and the history) carry the package too.
pk_wait_event 5 "process_path=$curl_path" "package=$pkg" reason=prompt ||
	pk_fail "curl's event lacks package $pkg: $(grep curl "$PK_TMP/events.json" | tail -n 1)"
pk_events "process_path=$(readlink -f "$PK_CLIENT")" package= >/dev/null ||
	pk_fail "pkclient's event names a package"
_export_has_pkg() {
	pk_cli export --format json | "$PK_PY" -c \
		'import json,sys; sys.exit(0 if any(r.get("package") == sys.argv[1] for r in json.load(sys.stdin)) else 1)' "$1"
}
pk_wait 5 _export_has_pkg "$pkg" || pk_fail "the history export lacks package $pkg"
exit 0
