#!/usr/bin/env bash
# apphostd with the real worker (apphost-worker), through the handoff: two
# sites in two pools on one port, told apart by host; an unknown host; a
# pool stopped and started; a binding added on a new port without a
# restart. Runs when the worker is built (tests/CMakeLists.txt); the sixth
# argument names it.
. "$(dirname "$0")/lib.sh"
WORKER=$6

P=$(freeport)
mkdir -p "$T/www/a" "$T/www/b"
echo "hello from a" >"$T/www/a/hello.txt"
echo "hello from b" >"$T/www/b/hello.txt"
printf '<configuration />\n' >"$T/www/a/web.config"
chmod -R a+rX "$T/www"
config() { # config EXTRA-BINDING-OF-B
	write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" />
            <add name=\"PoolB\" />
        </applicationPools>
        <sites>
            <site name=\"A\" id=\"1\">
                <application path=\"/\" applicationPool=\"PoolA\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/a\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:a.test\" /></bindings>
            </site>
            <site name=\"B\" id=\"2\">
                <application path=\"/\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/b\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:b.test\" />$1</bindings>
            </site>
        </sites>
    </system.applicationHost>
$(webserver_defaults)"
}
config ""
start_daemon

expect 200 127.0.0.1 "$P" a.test /hello.txt "hello from a"
expect 200 127.0.0.1 "$P" b.test /hello.txt "hello from b"
expect 404 127.0.0.1 "$P" a.test /web.config
expect 400 127.0.0.1 "$P" c.test /hello.txt "Bad Request - Invalid Hostname"
pass "the real worker serves what the router hands it, per pool"

for pool in PoolA PoolB; do
	pid=$(worker_pid "$pool")
	[ -n "$pid" ] || fail "no worker for $pool: $(ctl LIST WP)"
	u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	[ "$u" -ge 61184 ] && [ "$u" -le 65519 ] || fail "$pool's worker runs as uid $u"
done
[ "$(ctl STOP APPPOOL PoolA)" = "OK" ] || fail "STOP APPPOOL"
expect 503 127.0.0.1 "$P" a.test /hello.txt
[ "$(ctl START APPPOOL PoolA)" = "OK" ] || fail "START APPPOOL"
expect 200 127.0.0.1 "$P" a.test /hello.txt "hello from a"
pass "stop and start with the real worker"

Q=$(freeport)
config "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />"
b_on_q() { get 127.0.0.1 "$Q" any.test /hello.txt | grep -q "hello from b"; }
eventually 5 b_on_q || fail "the new binding on port $Q is not served: $(get 127.0.0.1 "$Q" any.test /hello.txt)"
pass "a binding added on a new port is served by the real worker without a restart"
echo "PASS"
