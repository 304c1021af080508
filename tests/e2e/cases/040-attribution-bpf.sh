#!/bin/bash
# e2e-timeout: 400
# Attribution scorecard, kernel side (BPF): every scenario of issue 3, each
# flow's event must name the right pid, uid and executable path. Fails on any
# wrong attribution; unknowns are reported in the scorecard (and listed in
# the README with their reason), not hidden.
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-attrib.sh"

[ -n "$PK_CG" ] || pk_skip "no writable cgroup v2 for the BPF programs"
att_scorecard "BPF" 1
grep -q 'attribution: BPF on cgroup' "$PK_TMP/picketd.log" ||
	pk_skip "BPF did not load here: $(grep -m1 'attribution:' "$PK_TMP/picketd.log")"
grep -q '"attribution": *"bpf"' "$PK_TMP/att.status" || pk_fail "status does not say attribution bpf"
[ "$ATT_RC" = 0 ] || pk_fail "wrong attributions (see WRONG lines)"
