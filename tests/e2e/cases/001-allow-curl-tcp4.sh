#!/bin/bash
# An allowed program (curl, by a process.path rule) connects over TCP/IPv4,
# while the default action is deny.
. "$(dirname "$0")/../lib.sh"

pk_netns_setup
mkdir -p "$PK_TMP/www"
echo hello-picket >"$PK_TMP/www/index.html"
pk_start_http 8080 "$PK_TMP/www"

pk_rule allow-curl allow process.path "$(pk_realpath curl)"
pk_start_daemon --default-action deny

expect_connect "curl allowed by process.path" \
	curl -sS --max-time 3 "http://$PK_S4:8080/index.html"
[ "$PK_OUT" = hello-picket ] || pk_fail "curl got '$PK_OUT', want hello-picket"
# A second connection (cached verdict, if any) works too.
expect_connect "curl again" curl -sS --max-time 3 "http://$PK_S4:8080/index.html"
