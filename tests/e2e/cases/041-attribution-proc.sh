#!/bin/bash
# e2e-timeout: 400
# Attribution scorecard with --no-bpf (sock_diag + /proc only): the column
# the README compares with the BPF one. Reported, and it fails only on a
# wrong attribution (a process named that did not send the flow).
. "$(dirname "$0")/../lib.sh"
. "$PK_E2E_DIR/lib-attrib.sh"

att_scorecard "--no-bpf: sock_diag + /proc" 1 --no-bpf
grep -q 'attribution: sock_diag + /proc (--no-bpf)' "$PK_TMP/picketd.log" ||
	pk_fail "the log does not say --no-bpf is active"
[ "$ATT_RC" = 0 ] || pk_fail "wrong attributions (see WRONG lines)"
