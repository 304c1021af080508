#!/bin/bash
# The kernel's verdict cache: a cached deny fails connect() with EPERM at
# once and queues nothing; a cached allow passes without queueing; a rule
# change invalidates; a rule set with an operand the cache cannot key on
# (process.command) caches nothing; a timed rule's entries end with it; a
# default cached while no prompter was connected goes when one subscribes;
# and SIGKILL leaves no BPF program or link of picketd behind.
. "$(dirname "$0")/../lib.sh"

[ -n "$PK_CG" ] || pk_skip "no writable cgroup v2 for the BPF programs"
command -v bpftool >/dev/null || pk_skip "bpftool not installed"

pk_netns_setup
pk_start_echo --tcp 7000 --tcp 7002 --tcp 7004 --tcp 7006
client=$(readlink -f "$PK_CLIENT")

# A deny for the client to port 7000 only (a list: path and port).
cat >"$PK_RULES/deny-7000.json" <<JSON
{"name":"deny-7000","enabled":true,"precedence":false,"action":"deny","duration":"always",
 "operator":{"type":"list","operand":"list","data":"","list":[
  {"type":"simple","operand":"process.path","data":"$client","sensitive":false},
  {"type":"simple","operand":"dest.port","data":"7000","sensitive":false}]}}
JSON
pk_start_daemon --default-action allow
grep -q 'attribution: BPF on cgroup' "$PK_TMP/picketd.log" ||
	pk_skip "BPF did not load: $(grep -m1 'attribution:' "$PK_TMP/picketd.log")"

# stat KEY: a number from `picket status --json` (counters.packets, bpf.cache_deny, ...)
stat() {
	pk_cli status --json | "$PK_PY" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# --- cached deny
expect_blocked "first connect to 7000 (queued, denied)" "$PK_CLIENT" -t 800 "$PK_S4" 7000
q0=$(stat counters.packets)
expect_blocked "second connect to 7000 (cached deny)" "$PK_CLIENT" -t 800 "$PK_S4" 7000
grep -q 'errno=EPERM' <<<"$PK_OUT" || pk_fail "cached deny: expected EPERM, got: $PK_OUT"
[ "$(pk_out_ms | cut -d. -f1)" -lt 200 ] || pk_fail "cached deny took $(pk_out_ms) ms"
q1=$(stat counters.packets)
[ "$q1" = "$q0" ] || pk_fail "cached deny queued $((q1 - q0)) packet(s)"
[ "$(stat bpf.cache_deny)" -ge 1 ] || pk_fail "bpf.cache_deny did not count"
pk_log "ok: cached deny: EPERM in $(pk_out_ms) ms, queued packets $q0 -> $q1"

# --- cached allow
expect_connect "first connect to 7002 (queued, allowed)" "$PK_CLIENT" -e "$PK_S4" 7002
q0=$(stat counters.packets)
expect_connect "second connect to 7002 (cached allow)" "$PK_CLIENT" -e "$PK_S4" 7002
q1=$(stat counters.packets)
[ "$q1" = "$q0" ] || pk_fail "cached allow queued $((q1 - q0)) packet(s)"
[ "$(stat bpf.cache_allow)" -ge 1 ] || pk_fail "bpf.cache_allow did not count"
pk_log "ok: cached allow: queued packets $q0 -> $q1"

# --- a rule change invalidates: without the deny rule, 7000 connects.
rm "$PK_RULES/deny-7000.json"
pk_wait 5 grep -q 'rules: reloaded 0' "$PK_TMP/picketd.log" || pk_fail "no reload after rm"
q0=$(stat counters.packets)
expect_connect "connect to 7000 after the deny rule went" "$PK_CLIENT" -e "$PK_S4" 7000
q1=$(stat counters.packets)
[ "$q1" -gt "$q0" ] || pk_fail "after the rule change the flow was not queued (stale cache)"

# --- a rule the cache cannot key on: nothing is cached while it exists.
pk_rule by-cmdline allow process.command "no-such-command-line"
pk_wait 5 grep -q 'rules: reloaded 1' "$PK_TMP/picketd.log" || pk_fail "no reload after add"
puts0=$(stat bpf.cache_puts)
expect_connect "connect to 7004 (command rule present)" "$PK_CLIENT" -e "$PK_S4" 7004
q0=$(stat counters.packets)
expect_connect "connect to 7004 again" "$PK_CLIENT" -e "$PK_S4" 7004
q1=$(stat counters.packets)
[ "$q1" -gt "$q0" ] || pk_fail "with a process.command rule a flow was served from the cache"
[ "$(stat bpf.cache_puts)" = "$puts0" ] || pk_fail "with a process.command rule a verdict was cached"
rm "$PK_RULES/by-cmdline.json"
pk_wait 5 grep -q 'rules: reloaded 0 .*0 kept' <(tail -n 1 "$PK_TMP/picketd.log") 2>/dev/null
sleep 0.3

# --- a timed deny: cached, and the entry ends when the rule does.
pk_cli rules add --name deny-7006-timed --action deny --duration 3s --operand dest.port \
	--data 7006 >/dev/null || pk_fail "cannot add a timed rule"
t0=$(pk_now_ms)
expect_blocked "7006 under the timed deny (queued)" "$PK_CLIENT" -t 500 "$PK_S4" 7006
expect_blocked "7006 under the timed deny (cached)" "$PK_CLIENT" -t 500 "$PK_S4" 7006
grep -q 'errno=EPERM' <<<"$PK_OUT" || pk_fail "timed deny was not cached: $PK_OUT"
sleep $(((3500 - ($(pk_now_ms) - t0)) / 1000 + 1))
expect_connect "7006 after the timed deny ran out" "$PK_CLIENT" -e "$PK_S4" 7006

# --- a default cached while no prompter was connected (7002 above) is
# dropped when one subscribes: the next connection is asked about.
. "$PK_E2E_DIR/lib-prompt.sh"
pk_prompter_start p
timeout 20 nsenter --net="/run/netns/$PK_NS_C" -- "$PK_CLIENT" -t 10000 -e "$PK_S4" 7002 \
	>"$PK_TMP/c.out" 2>&1 &
cpid=$!
pk_wait_prompt p 5 data.destination.port=7002 ||
	pk_fail "with a prompter connected, the cached default for 7002 was not asked about"
pk_prompter_say p "{\"id\":$PK_PROMPT_ID,\"action\":\"allow\",\"duration\":\"once\"}"
wait "$cpid" || pk_fail "7002 allowed by the prompt did not connect: $(cat "$PK_TMP/c.out")"
pk_prompter_kill p
pk_log "ok: a prompter's arrival empties the cached defaults"

# --- SIGKILL leaves nothing: every program and link picketd held is gone.
ids() {	# ids of the BPF programs (prog_id) or links (link_id) pid $1 holds fds on
	grep -h "^$2:" /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un
}
dpid=$PK_DAEMON_PID
progs=$(ids "$dpid" prog_id)
links=$(ids "$dpid" link_id)
[ -n "$progs" ] || pk_fail "picketd ($dpid) holds no BPF program"
[ -n "$links" ] || pk_fail "picketd ($dpid) holds no BPF link"
attached=$(bpftool cgroup show "$PK_CG" 2>/dev/null | grep -c pk_)
[ "$attached" -ge 4 ] || pk_fail "bpftool cgroup show lists $attached picket programs on $PK_CG"
pk_log "before SIGKILL: programs $(echo $progs), links $(echo $links), $attached on the cgroup"
pk_stop_daemon KILL
sleep 0.5
for id in $progs; do
	bpftool prog show id "$id" >/dev/null 2>&1 && pk_fail "program $id still loaded after SIGKILL"
done
for id in $links; do
	bpftool link show id "$id" >/dev/null 2>&1 && pk_fail "link $id still there after SIGKILL"
done
left=$(bpftool cgroup show "$PK_CG" 2>/dev/null | grep -c pk_)
[ "$left" = 0 ] || pk_fail "$left programs still attached to $PK_CG after SIGKILL"
expect_connect "7000 after SIGKILL (nothing left that blocks)" "$PK_CLIENT" -e "$PK_S4" 7000
pk_log "ok: after SIGKILL no program, link or cgroup attachment of picketd remains"
