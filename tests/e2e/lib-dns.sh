# shellcheck shell=bash
# DNS for end-to-end cases 030-039: sourced after lib.sh.
#
# pk_dns_setup: on top of pk_netns_setup,
#  - test addresses on the server's lo (198.18.0.1-9, fd99::1-9), routed from
#    the client through the veth pair, and an HTTP server on port 8080;
#  - dnsmasq in the server namespace answering for the zone "test" from its
#    own records (never forwarding):
#        good.test       A 198.18.0.1, AAAA fd99::1
#        bad.test        A 198.18.0.2
#        real.test       A 198.18.0.3;  www.alias.test CNAME real.test
#        *.blocked.test  A 198.18.0.4  (and blocked.test itself)
#        tcp.test        A 198.18.0.7
#  - a stub forwarder (a second dnsmasq, no cache) on 127.0.0.53 in the
#    client namespace, forwarding to the server's; programs run with
#    pk_run_dns use it through a private /etc/resolv.conf.
# Needs dnsmasq (Debian: dnsmasq-base) and, for TCP, dig (bind9-dnsutils).

PK_DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$PK_DNSMASQ" ] || pk_skip "dnsmasq not installed (apt-get install dnsmasq-base)"
PK_DNSMASQ=$(readlink -f "$PK_DNSMASQ")

_pk_dns_up() { pk_c "$@" 2>/dev/null | grep -q 'status: NOERROR'; }

pk_dns_setup() {
	local i
	for i in 1 2 3 4 5 6 7 8 9; do
		ip -n "$PK_NS_S" addr add "198.18.0.$i/32" dev lo
		ip -n "$PK_NS_S" addr add "fd99::$i/128" dev lo nodad
	done
	ip -n "$PK_NS_C" route add 198.18.0.0/24 via "$PK_S4"
	ip -n "$PK_NS_C" -6 route add fd99::/64 via "$PK_S6"
	mkdir -p "$PK_TMP/www"
	echo ok >"$PK_TMP/www/ok"
	pk_start_http 8080 "$PK_TMP/www"

	pk_spawn "$PK_NS_S" "$PK_TMP/dnsmasq-server.out" "$PK_DNSMASQ" --keep-in-foreground \
		--conf-file=/dev/null --no-resolv --no-hosts --pid-file= --user=root \
		--bind-interfaces --listen-address="$PK_S4" --port=53 --local=/test/ \
		--log-queries --log-facility=- \
		--host-record=good.test,198.18.0.1,fd99::1 --host-record=bad.test,198.18.0.2 \
		--host-record=real.test,198.18.0.3 --cname=www.alias.test,real.test \
		--address=/blocked.test/198.18.0.4 --host-record=tcp.test,198.18.0.7
	pk_spawn "$PK_NS_C" "$PK_TMP/dnsmasq-stub.out" "$PK_DNSMASQ" --keep-in-foreground \
		--conf-file=/dev/null --no-resolv --no-hosts --pid-file= --user=root \
		--bind-interfaces --listen-address=127.0.0.53 --port=53 --cache-size=0 \
		--server="$PK_S4" --log-queries --log-facility=-
	printf 'nameserver 127.0.0.53\noptions attempts:2 timeout:1\n' >"$PK_TMP/resolv.conf"
	# Ready when the stub answers through the server (before picketd starts).
	if command -v dig >/dev/null; then
		pk_wait 5 _pk_dns_up dig +time=1 +tries=1 @127.0.0.53 good.test ||
			pk_fail "dnsmasq does not answer: $(cat "$PK_TMP"/dnsmasq-*.out)"
	else
		sleep 0.5
	fi
}

# pk_run_dns CMD...: pk_run_c with /etc/resolv.conf pointing at the stub (a
# private mount namespace: the host's file is not touched). CMD is exec'd, so
# its process path is its own.
pk_run_dns() {
	pk_run_c unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$PK_TMP/resolv.conf" "$@"
}

# The rule every DNS case needs under default deny: programs may ask the
# stub, the stub may ask the server.
pk_rule_dns() { pk_rule allow-dns allow dest.port 53; }
