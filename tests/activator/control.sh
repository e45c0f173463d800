#!/usr/bin/env bash
# The control socket (appcmd's way to apphostd): stop a pool and its
# requests get 503 and its worker goes; start it and they are served again;
# recycle gives a new worker; stop a site and its URLs get 404 (HTTP.sys's
# answer once a site's URLs are no longer registered) while a lower-ranked
# binding takes over; state, list wp and IIS's errors.
. "$(dirname "$0")/lib.sh"

P=$(freeport)
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"Pool A\" />
            <add name=\"Lazy\" autoStart=\"false\" />
        </applicationPools>
        <sites>
            <site name=\"Web Site\" id=\"7\">
                <application path=\"/\" applicationPool=\"Pool A\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:web.test\" /></bindings>
            </site>
            <site name=\"Catch All\" id=\"8\">
                <application path=\"/\" applicationPool=\"Lazy\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:\" /></bindings>
            </site>
            <site name=\"Off\" id=\"9\" serverAutoStart=\"false\">
                <application path=\"/\" applicationPool=\"Pool A\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:off.test\" /></bindings>
            </site>
        </sites>
    </system.applicationHost>"
start_daemon

started=$'Started\nOK' stopped=$'Stopped\nOK'
[ "$(ctl STATE APPPOOL Pool A)" = "$started" ] || fail "state of Pool A: $(ctl STATE APPPOOL Pool A)"
[ "$(ctl STATE APPPOOL lazy)" = "$stopped" ] || fail "autoStart=false: $(ctl STATE APPPOOL lazy)"
[ "$(ctl STATE SITE Off)" = "$stopped" ] || fail "serverAutoStart=false"
[ "$(ctl STATE SITE Web Site)" = "$started" ] || fail "state of Web Site"
pass "STATE follows autoStart and serverAutoStart at start"

[ "$(ctl LIST WP)" = "OK" ] || fail "no worker before the first request: $(ctl LIST WP)"
expect 200 127.0.0.1 "$P" web.test / "pool=Pool A"
pid=$(worker_pid "Pool A")
[ -n "$pid" ] || fail "LIST WP: $(ctl LIST WP)"
pass "a worker starts on demand and LIST WP shows it ($pid)"

[ "$(ctl STOP APPPOOL Pool A)" = "OK" ] || fail "STOP APPPOOL"
expect 503 127.0.0.1 "$P" web.test / "HTTP Error 503. The service is unavailable."
eventually 5 bash -c "! kill -0 $pid" || fail "the stopped pool's worker $pid is still running"
[ "$(ctl STOP APPPOOL Pool A)" = "ERROR 80070426 The service has not been started." ] ||
	fail "stopping a stopped pool"
pass "a stopped pool answers 503 and its worker exits"

[ "$(ctl START APPPOOL Pool A)" = "OK" ] || fail "START APPPOOL"
expect 200 127.0.0.1 "$P" web.test / "pool=Pool A"
[ "$(ctl START APPPOOL Pool A)" = "ERROR 80070420 An instance of the service is already running." ] ||
	fail "starting a started pool"
pass "started again, it serves"

old=$(worker_pid "Pool A")
[ "$(ctl RECYCLE APPPOOL Pool A)" = "OK" ] || fail "RECYCLE"
eventually 5 bash -c "! kill -0 $old" || fail "the recycled worker $old is still running"
expect 200 127.0.0.1 "$P" web.test / "pool=Pool A"
new=$(worker_pid "Pool A")
[ -n "$new" ] && [ "$new" != "$old" ] || fail "recycle: worker $old, then '$new'"
[ "$(ctl RECYCLE APPPOOL Lazy)" = "ERROR 80070426 The service has not been started." ] ||
	fail "recycling a stopped pool"
pass "recycle replaces the worker ($old -> $new)"

expect 503 127.0.0.1 "$P" any.test / "Service Unavailable"
[ "$(ctl START APPPOOL Lazy)" = "OK" ] || fail "START Lazy"
expect 200 127.0.0.1 "$P" any.test / "pool=Lazy" "site=8"
[ "$(ctl STOP SITE Web Site)" = "OK" ] || fail "STOP SITE"
expect 200 127.0.0.1 "$P" web.test / "pool=Lazy" "site=8"
pass "a stopped site's host goes to the next binding (the wildcard site)"

[ "$(ctl STOP SITE Catch All)" = "OK" ] || fail "STOP SITE Catch All"
expect 404 127.0.0.1 "$P" off.test / "HTTP Error 404. The requested resource is not found."
expect 404 127.0.0.1 "$P" web.test / "Not Found"
expect 404 127.0.0.1 "$P" nosuch.test / "Not Found"
[ "$(ctl START SITE Off)" = "OK" ] || fail "START SITE Off"
expect 200 127.0.0.1 "$P" off.test / "site=9"
[ "$(ctl START SITE Web Site)" = "OK" ] || fail "START SITE"
[ "$(ctl START SITE Web Site)" = "ERROR 80070420 An instance of the service is already running." ] ||
	fail "starting a started site"
expect 200 127.0.0.1 "$P" web.test / "site=7"
pass "what only stopped sites' bindings match gets 404"

[ "$(ctl STATE SITE Nope)" = "ERROR 800710d8 The object identifier does not represent a valid object." ] ||
	fail "unknown site"
[ "$(ctl START APPPOOL Nope)" = "ERROR 800710d8 The object identifier does not represent a valid object." ] ||
	fail "unknown pool"
[ "$(ctl FROB APPPOOL Lazy)" = "ERROR 80070057 The parameter is incorrect." ] || fail "unknown verb"
[ "$(ctl START APPPOOL)" = "ERROR 80070057 The parameter is incorrect." ] || fail "no name"
[ "$(ctl START PLANET Earth)" = "ERROR 80070057 The parameter is incorrect." ] || fail "unknown type"
[ "$(ctl LIST WP extra)" = "ERROR 80070057 The parameter is incorrect." ] || fail "LIST WP extra"
pass "errors carry IIS's HRESULT and message"

# appcmd against this apphostd, when the build has it (AH_APPCMD).
if [ -n "${AH_APPCMD:-}" ] && [ -x "$AH_APPCMD" ]; then
	appcmd() {
		APPHOST_RUN_DIR=$RUN APPHOST_CONFIG_DIR=$CFG APPHOST_SCHEMA_DIR=$SRC/schema \
			"$AH_APPCMD" "$@" 2>&1 || true
	}
	out=$(appcmd stop apppool "pool a")
	[ "$out" = '"Pool A" successfully stopped.' ] || fail "appcmd stop apppool: $out"
	expect 503 127.0.0.1 "$P" web.test / "Service Unavailable"
	appcmd stop apppool "Pool A" | grep -q "hresult:80070426" || fail "appcmd stop apppool twice"
	appcmd list apppool "Pool A" | grep -q ",state:Stopped)" ||
		fail "appcmd list apppool: state of a stopped pool: $(appcmd list apppool "Pool A")"
	out=$(appcmd start apppool "Pool A")
	[ "$out" = '"Pool A" successfully started.' ] || fail "appcmd start apppool: $out"
	appcmd list apppool "Pool A" | grep -q ",state:Started)" ||
		fail "appcmd list apppool: state of a started pool: $(appcmd list apppool "Pool A")"
	expect 200 127.0.0.1 "$P" web.test / "pool=Pool A"
	appcmd list wp | grep -qx "WP \"$(worker_pid "Pool A")\" (applicationPool:Pool A)" ||
		fail "appcmd list wp: $(appcmd list wp)"
	[ "$(appcmd stop site "Web Site")" = '"Web Site" successfully stopped.' ] || fail "appcmd stop site"
	[ "$(ctl STATE SITE Web Site)" = "$stopped" ] || fail "appcmd stop site: not stopped"
	appcmd list site "Web Site" | grep -q ",state:Stopped)" ||
		fail "appcmd list site: state of a stopped site: $(appcmd list site "Web Site")"
	[ "$(appcmd start site "Web Site")" = '"Web Site" successfully started.' ] || fail "appcmd start site"
	[ "$(appcmd recycle apppool "Pool A")" = '"Pool A" successfully recycled.' ] || fail "appcmd recycle"
	pass "appcmd start, stop, recycle and list wp through the control socket"
fi

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
