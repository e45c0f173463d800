#!/usr/bin/env bash
# Routing as HTTP.sys does it: sites told apart by host name on one port,
# IP-bound and wildcard bindings, IPv6, the longest application path, 400
# for an unknown host and for what is not a request, the header wait
# timeout, and a keep-alive connection given back by a worker to reach
# another pool.
. "$(dirname "$0")/lib.sh"

P=$(freeport)
Q=$(freeport)
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" />
            <add name=\"PoolB\" />
            <add name=\"PoolC\" />
        </applicationPools>
        <sites>
            <site name=\"One\" id=\"1\">
                <application path=\"/\" applicationPool=\"PoolA\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <application path=\"/Shop\" applicationPool=\"PoolC\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:one.test\" /></bindings>
            </site>
            <site name=\"Two\" id=\"2\">
                <application path=\"/\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings>
                    <binding protocol=\"http\" bindingInformation=\"*:$P:two.test\" />
                    <binding protocol=\"http\" bindingInformation=\"[::1]:$Q:\" />
                </bindings>
            </site>
            <site name=\"Local\" id=\"3\">
                <application path=\"/\" applicationPool=\"PoolC\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:\" /></bindings>
            </site>
        </sites>
        <webLimits headerWaitTimeout=\"00:00:02\" />
    </system.applicationHost>"
start_daemon

expect 200 127.0.0.1 "$P" one.test /index.htm "pool=PoolA" "site=1" "app=/" "path=/index.htm"
expect 200 127.0.0.1 "$P" TWO.test /x "pool=PoolB" "site=2" "host=TWO.test"
pass "two sites on one port, told apart by the Host header (case-insensitive)"

expect 200 127.0.0.1 "$P" "one.test:$P" /shop/cart "pool=PoolC" "site=1" "app=/Shop"
expect 200 127.0.0.1 "$P" one.test /shopping "pool=PoolA" "app=/"
expect 200 127.0.0.1 "$P" one.test "/a/../SHOP/%63art" "pool=PoolC" "app=/Shop"
pass "the longest application path, by segments, decoded, case-insensitive"

expect 200 127.0.0.1 "$P" other.test / "pool=PoolC" "site=3"
expect 400 ::1 "$P" other.test / "Bad Request - Invalid Hostname" "HTTP Error 400. The request hostname is invalid."
expect 200 ::1 "$P" one.test / "pool=PoolA" "local=[::1]:$P" "peer=[::1]:"
pass "an IP-bound binding takes any host on its address; elsewhere an unknown host gets 400"

expect 200 ::1 "$Q" whatever.test / "pool=PoolB" "site=2"
out=$(get 127.0.0.1 "$Q" whatever.test /)
case $out in *"Connection refused"*) ;; *) fail "127.0.0.1:$Q should not be bound: $out" ;; esac
pass "an IPv6 binding listens on that address only"

expect 400 ::1 "$P" nothere.test / "Bad Request - Invalid Hostname"
expect 400 127.0.0.1 "$P" "bad/host" / "Bad Request - Invalid Hostname"
pass "no site for the host: 400 Invalid Hostname"

raw() { printf "$1" | "$ACTOOL" raw 127.0.0.1 "$P" 5 2>/dev/null || true; }
raw 'garbage\r\n\r\n' | grep -q "HTTP Error 400. The request is badly formed." || fail "garbage"
raw '\x16\x03\x01\x02\x00\x01\x00' | grep -q "HTTP/1.1 400" || fail "a TLS hello is not HTTP"
raw 'GET / HTTP/2.0\r\nHost: one.test\r\n\r\n' | grep -q "HTTP/1.1 505" || fail "HTTP/2.0"
raw 'GET / HTTP/1.1\r\n\r\n' | grep -q "Invalid Hostname" || fail "HTTP/1.1 without Host"
raw 'GET / HTTP/1.1\r\nHost: one.test\r\nHost: two.test\r\n\r\n' | grep -q "Invalid Hostname" ||
	fail "two Host headers"
raw 'GET /%%00 HTTP/1.1\r\nHost: one.test\r\n\r\n' | grep -q "Invalid URL" || fail "%%00"
raw 'GET /../x HTTP/1.1\r\nHost: one.test\r\n\r\n' | grep -q "Invalid URL" || fail "above the root"
raw 'GET / HTTP/1.1\r\nHost: one.test\r\n folded\r\n\r\n' | grep -q "HTTP/1.1 400" || fail "folding"
raw 'GET / HTTP/1.1\r\nBad Name: x\r\nHost: one.test\r\n\r\n' | grep -q "Invalid Header" ||
	fail "a header name with a space"
raw 'GET http://two.test/abs HTTP/1.1\r\nHost: one.test\r\n\r\n' | grep -q "pool=PoolB" ||
	fail "the host of an absolute URL wins"
raw 'GET / HTTP/1.0\r\n\r\n' | grep -q "pool=PoolC" || fail "HTTP/1.0 without Host (IP-bound)"
long=$(head -c 17000 /dev/zero | tr '\0' 'a')
raw "GET / HTTP/1.1\r\nHost: one.test\r\nX: $long\r\n\r\n" | grep -q "Request Too Long" ||
	fail "a head over 16 KB"
out=$(raw 'HEAD / HTTP/1.1\r\n\r\n')
printf '%s' "$out" | grep -q "Content-Length: 334" || fail "HEAD: $out"
printf '%s' "$out" | grep -q "</HTML>" && fail "a body for HEAD: $out"
pass "what is not a strict request gets HTTP.sys's 400 (or 505)"

start=$(date +%s)
printf 'GET / HTTP/1.1\r\nHost: one.test\r\n' | "$ACTOOL" raw 127.0.0.1 "$P" 10 >"$T/slow" 2>&1 ||
	fail "a partial head was not closed within 10 s"
[ ! -s "$T/slow" ] || grep -q "closed after" "$T/slow" || fail "partial head: $(cat "$T/slow")"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -ge 1 ] && [ "$elapsed" -le 5 ] || fail "header wait timeout took $elapsed s (want 2)"
pass "a head not complete within webLimits/@headerWaitTimeout is closed"

out=$("$ACTOOL" keepalive 127.0.0.1 "$P" one.test two.test /k)
first=${out%%----*}
second=${out#*----}
printf '%s' "$first" | grep -q "pool=PoolA" || fail "keep-alive, first: $out"
printf '%s' "$second" | grep -q "pool=PoolB" || fail "keep-alive, second: $out"
pass "a keep-alive request for another pool goes back to the router and on to that pool"

grep -qE "ERROR|AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
