#!/usr/bin/env bash
# Configuration inherited across pools, with the real worker: a child
# application in another pool than the site's root inherits the web.config
# of the root's folder (its customHeaders), as in IIS, and a
# <location path="." inheritInChildApplications="false"> of that web.config
# (a clientCache max-age) stays with the root application. The child pool's isolated file keeps the
# root application's folders for that (src/activator/isolate.h). Runs when
# the worker is built; the sixth argument names it.
. "$(dirname "$0")/lib.sh"
WORKER=$6

P=$(freeport)
mkdir -p "$T/www/root" "$T/www/child"
echo "root" >"$T/www/root/hello.txt"
echo "child" >"$T/www/child/hello.txt"
cat >"$T/www/root/web.config" <<'XML'
<configuration>
    <system.webServer>
        <httpProtocol>
            <customHeaders>
                <add name="X-From-Root" value="inherited" />
            </customHeaders>
        </httpProtocol>
    </system.webServer>
    <location path="." inheritInChildApplications="false">
        <system.webServer>
            <staticContent>
                <clientCache cacheControlMode="UseMaxAge" cacheControlMaxAge="01:00:00" />
            </staticContent>
        </system.webServer>
    </location>
</configuration>
XML
cat >"$T/www/child/web.config" <<'XML'
<configuration>
    <system.webServer>
        <httpProtocol>
            <customHeaders>
                <add name="X-From-Child" value="own" />
            </customHeaders>
        </httpProtocol>
    </system.webServer>
</configuration>
XML
chmod -R a+rX "$T/www"
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"RootPool\" />
            <add name=\"ChildPool\" />
        </applicationPools>
        <sites>
            <site name=\"S\" id=\"1\">
                <application path=\"/\" applicationPool=\"RootPool\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/root\" /></application>
                <application path=\"/child\" applicationPool=\"ChildPool\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/child\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:s.test\" /></bindings>
            </site>
            <siteDefaults><logFile directory=\"$T/logs\" /></siteDefaults>
        </sites>
    </system.applicationHost>
$(webserver_defaults)"
start_daemon

expect 200 127.0.0.1 "$P" s.test /hello.txt "root" "X-From-Root: inherited" "max-age=3600"
out=$(get 127.0.0.1 "$P" s.test /child/hello.txt)
printf '%s\n' "$out" | head -n1 | grep -q ' 200 ' || fail "/child/hello.txt: $out"
for h in "child" "X-From-Root: inherited" "X-From-Child: own"; do
	printf '%s\n' "$out" | grep -qF -- "$h" || fail "/child/hello.txt has no '$h': $out"
done
printf '%s\n' "$out" | grep -qF "max-age=3600" &&
	fail "inheritInChildApplications=\"false\" reached the child application: $out"
[ -n "$(worker_pid ChildPool)" ] || fail "ChildPool has no worker: $(ctl LIST WP)"
[ "$(worker_pid ChildPool)" != "$(worker_pid RootPool)" ] || fail "one worker for both pools"
pass "the child application's pool inherits the root folder's web.config"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
