#!/bin/bash
# Events name the right executable and command line: `picket log --json`
# has process_path == the real binary, process_args with the URL, the pid and
# uid of the process, and the flow's destination.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo ok >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"

curl_path=$(pk_realpath curl)
pk_rule allow-curl allow process.path "$curl_path"
pk_start_daemon --default-action deny

# check_event WHAT PID UID URL: the event of that curl run, field by field.
check_event() {
	local what=$1 pid=$2 uid=$3 url=$4 ev f want have
	pk_wait_event 5 pid="$pid" dst_port=8080 ||
		pk_fail "$what: no event with pid=$pid dst_port=8080; events: $(tail -n 5 "$PK_TMP/events.json") $(cat "$PK_TMP/events.err")"
	ev=$(pk_events pid="$pid" dst_port=8080 | head -n 1)
	pk_log "$what event: $ev"
	for f in "process_path=$curl_path" "uid=$uid" "dst_ip=$PK_S4" "dst_port=8080" \
		"src_ip=$PK_C4" "action=allow" "reason=rule" "rule=allow-curl" "protocol=tcp"; do
		want=${f#*=}
		have=$("$PK_PY" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(v if v is not None else "<missing>")' "$ev" "${f%%=*}")
		[ "${have,,}" = "${want,,}" ] || pk_fail "$what: ${f%%=*} is '$have', want '$want'"
	done
	pk_events pid="$pid" "process_args~$url" >/dev/null ||
		pk_fail "$what: process_args lacks the URL $url"
	pk_events pid="$pid" "process_args~--max-time" >/dev/null ||
		pk_fail "$what: process_args lacks the other arguments"
	pk_events pid="$pid" iface_out=pkc0 >/dev/null ||
		pk_log "note: $what: iface_out is not pkc0"
}

# As root. nsenter execs curl, so $! is curl's own pid.
url1="http://$PK_S4:8080/index.html?case=007-root-$$"
nsenter --net="/run/netns/$PK_NS_C" -- curl -sS -o /dev/null --max-time 3 "$url1" &
pid1=$!
wait $pid1 || pk_fail "curl as root failed (rc $?)"
check_event "root curl" "$pid1" 0 "$url1"

# As nobody (setpriv execs curl: same pid).
url2="http://$PK_S4:8080/index.html?case=007-nobody-$$"
nsenter --net="/run/netns/$PK_NS_C" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
	curl -sS -o /dev/null --max-time 3 "$url2" &
pid2=$!
wait $pid2 || pk_fail "curl as nobody failed (rc $?)"
check_event "nobody curl" "$pid2" 65534 "$url2"
