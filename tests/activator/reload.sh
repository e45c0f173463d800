#!/usr/bin/env bash
# Configuration changes applied without a restart: a binding on a new port,
# a new site and pool, an application moved to another pool, a removed site
# and port, an IP-bound port turned into a wildcard one, a pool's own
# settings (recycle, unless disallowRotationOnConfigChange), and a broken
# file (logged; the running configuration stays).
. "$(dirname "$0")/lib.sh"

P=$(freeport)
Q=$(freeport)
R=$(freeport)
site_one() { # site_one POOL EXTRA-BINDINGS
	echo "<site name=\"One\" id=\"1\">
                <application path=\"/\" applicationPool=\"$1\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:one.test\" />$2</bindings>
            </site>"
}
config() { # config SITES [POOLS]
	write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" />
            ${2:-}
        </applicationPools>
        <sites>
            $1
        </sites>
    </system.applicationHost>"
}
config "$(site_one PoolA "")"
start_daemon
expect 200 127.0.0.1 "$P" one.test / "pool=PoolA"

config "$(site_one PoolA "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />")"
eventually 5 served_by PoolA 127.0.0.1 "$Q" any.test / || fail "the new port $Q is not served"
kill -0 "$DPID" || fail "apphostd is gone"
pass "a binding on a new port is served without a restart"

two="<site name=\"Two\" id=\"2\">
                <application path=\"/\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:two.test\" /></bindings>
            </site>"
config "$(site_one PoolA "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />") $two" \
	"<add name=\"PoolB\" />"
eventually 5 served_by PoolB 127.0.0.1 "$P" two.test / || fail "the new site is not served"
[ -s "$RUN/apppools/PoolB/PoolB.config" ] || fail "no isolated file for the new pool"
pass "a new site in a new pool is served"

config "$(site_one PoolB "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />") $two" \
	"<add name=\"PoolB\" />"
eventually 5 served_by PoolB 127.0.0.1 "$P" one.test / || fail "the application did not move"
grep -q 'name="One"' "$RUN/apppools/PoolA/PoolA.config" && fail "PoolA's file still has site One"
grep -q 'name="One"' "$RUN/apppools/PoolB/PoolB.config" || fail "PoolB's file lacks site One"
pass "an application moved to another pool is routed there, and the isolated files follow"

config "$(site_one PoolA "")"
eventually 5 bash -c "\"$ACTOOL\" get 127.0.0.1 $P two.test / | grep -q 'Invalid Hostname'" ||
	fail "the removed site is still served"
eventually 5 bash -c "! \"$ACTOOL\" get 127.0.0.1 $Q x / >/dev/null 2>&1" ||
	fail "the removed port $Q still accepts"
eventually 5 bash -c "[ ! -e \"$RUN/apppools/PoolB\" ]" || fail "the removed pool's folder stays"
pass "a removed site, port and pool are gone"

config "$(site_one PoolA "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$R:\" />")"
eventually 5 served_by PoolA 127.0.0.1 "$R" x.test / || fail "127.0.0.1:$R"
config "$(site_one PoolA "<binding protocol=\"http\" bindingInformation=\"*:$R:\" />")"
eventually 5 served_by PoolA ::1 "$R" x.test / || fail "*:$R does not take over from 127.0.0.1:$R"
pass "an IP-bound port turned into a wildcard one is re-bound"

old=$(worker_pid PoolA)
config "$(site_one PoolA "")" \
	"<applicationPoolDefaults><processModel idleTimeout=\"00:30:00\" /></applicationPoolDefaults>"
eventually 5 bash -c "! kill -0 $old" || fail "a pool setting changed, but worker $old stays"
grep -q "are being recycled due to 1 or more configuration changes" "$LOG" || fail "no 5080 event"
expect 200 127.0.0.1 "$P" one.test / "pool=PoolA"
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\"><recycling disallowRotationOnConfigChange=\"true\" /></add>
        </applicationPools>
        <sites>$(site_one PoolA "")</sites>
    </system.applicationHost>"
sleep 0.5
expect 200 127.0.0.1 "$P" one.test / "pool=PoolA"
kept=$(worker_pid PoolA)
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" queueLength=\"20\"><recycling disallowRotationOnConfigChange=\"true\" /></add>
        </applicationPools>
        <sites>$(site_one PoolA "")</sites>
    </system.applicationHost>"
sleep 0.5
[ "$(worker_pid PoolA)" = "$kept" ] || fail "disallowRotationOnConfigChange: the worker changed"
pass "a pool's own settings recycle its worker, unless disallowRotationOnConfigChange"

printf '<configuration><system.applicationHost>' >"$CFG/applicationHost.config"
eventually 5 grep -q "the running configuration stays in effect" "$LOG" || fail "no error logged"
grep -q "configuration error: .*applicationHost.config" "$LOG" || fail "the error does not name the file"
expect 200 127.0.0.1 "$P" one.test / "pool=PoolA"
config "$(site_one PoolA "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />")"
eventually 5 served_by PoolA 127.0.0.1 "$Q" any.test / || fail "not applied after the fix"
pass "a broken file is logged and the running configuration stays until it is fixed"

[ "$(ctl STATE SITE One)" = $'Started\nOK' ] || fail "site state lost"
grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
[ -z "${AH_TEST_SHOW_LOG:-}" ] || cat "$LOG"
