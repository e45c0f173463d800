#!/usr/bin/env bash
# The application pool lifecycle with the real worker (WAS behaviour,
# docs/apphostd.md "Lifecycle"): environmentVariables in the worker's
# environment; rapid-fail protection stopping a pool that keeps crashing
# (event 5002, 503) while another pool serves, and appcmd start bringing it
# back; a hung (SIGSTOPped) worker replaced after pingResponseTime (5010);
# the idle timeout (5186) and a new worker on the next request; the request
# limit of periodicRestart (5075); its time limit (5074) under load with no
# failed request; its memory and privateMemory limits (5077,
# 5117; a recycle without its flag in logEventOnRecycle logs nothing); overlapped recycles under wrk load with no
# failed request; a web garden (maxProcesses=2) whose two workers both get
# connections. Arguments: lib.sh's, apphost-worker, appcmd.
. "$(dirname "$0")/lib.sh"
WORKER=$6
APPCMD=${7:-}

P=$(freeport)
mkdir -p "$T/www"
echo "hello" >"$T/www/hello.txt"
chmod -R a+rX "$T/www"
site() { # site ID POOL HOST
	echo "<site name=\"S$1\" id=\"$1\"><application path=\"/\" applicationPool=\"$2\"><virtualDirectory path=\"/\" physicalPath=\"$T/www\" /></application><bindings><binding protocol=\"http\" bindingInformation=\"*:$P:$3\" /></bindings></site>"
}
# idleTimeout and periodicRestart/@time have a granularity of 60 s (the
# schema); a minute of them lasts 2 s here (APPHOSTD_MINUTE_MS, for tests).
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"Envy\">
                <environmentVariables>
                    <add name=\"LIFECYCLE_TEST\" value=\"hello world\" />
                    <add name=\"APP_POOL_ID\" value=\"forged\" />
                </environmentVariables>
            </add>
            <add name=\"Crashy\">
                <failure rapidFailProtectionMaxCrashes=\"3\" />
            </add>
            <add name=\"Hang\">
                <processModel pingInterval=\"00:00:01\" pingResponseTime=\"00:00:01\" />
            </add>
            <add name=\"Idle\">
                <processModel idleTimeout=\"00:01:00\" />
            </add>
            <add name=\"Req\">
                <recycling><periodicRestart requests=\"3\" /></recycling>
            </add>
            <add name=\"Load\" />
            <add name=\"Virt\">
                <recycling><periodicRestart memory=\"1\" /></recycling>
            </add>
            <add name=\"Priv\">
                <recycling logEventOnRecycle=\"PrivateMemory\"><periodicRestart privateMemory=\"1\" /></recycling>
            </add>
            <add name=\"Garden\">
                <processModel maxProcesses=\"2\" />
            </add>
            <add name=\"Time\">
                <recycling><periodicRestart time=\"00:01:00\" /></recycling>
            </add>
        </applicationPools>
        <sites>
            $(site 1 Envy env.test)
            $(site 2 Crashy crash.test)
            $(site 3 Hang hang.test)
            $(site 4 Idle idle.test)
            $(site 5 Req req.test)
            $(site 6 Load load.test)
            $(site 7 Garden garden.test)
            $(site 8 Virt virt.test)
            $(site 9 Priv priv.test)
            $(site 10 Time time.test)
        </sites>
    </system.applicationHost>
$(webserver_defaults)"
export APPHOSTD_MINUTE_MS=2000
start_daemon

appcmd() {
	if [ -n "$APPCMD" ] && [ -x "$APPCMD" ]; then
		APPHOST_RUN_DIR=$RUN APPHOST_CONFIG_DIR=$CFG APPHOST_SCHEMA_DIR=$SRC/schema \
			"$APPCMD" "$@" 2>&1 || true
	else # the control socket, as appcmd speaks it
		ctl "$(echo "$1" | tr a-z A-Z)" APPPOOL "$3"
	fi
}
logged() { grep -qF -- "$1" "$LOG"; }
count() { grep -cF -- "$1" "$LOG" || true; }
new_pid() { # new_pid POOL OLD: the pool has a worker other than OLD
	local pid
	pid=$(worker_pid "$1")
	[ -n "$pid" ] && [ "$pid" != "$2" ]
}

# ---- environmentVariables
expect 200 127.0.0.1 "$P" env.test /hello.txt hello
pid=$(worker_pid Envy)
[ -n "$pid" ] || fail "no worker for Envy"
tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "LIFECYCLE_TEST=hello world" ||
	fail "LIFECYCLE_TEST is not in the worker's environment"
tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "APP_POOL_ID=Envy" ||
	fail "APP_POOL_ID was replaced: $(tr '\0' '\n' <"/proc/$pid/environ" | grep APP_POOL_ID)"
logged "environment variable 'APP_POOL_ID=forged' is ignored" || fail "no warning for APP_POOL_ID"
pass "environmentVariables reach the worker; apphostd's own variables stay"

# ---- rapid-fail protection: 3 crashes stop Crashy
for i in 1 2 3; do
	expect 200 127.0.0.1 "$P" crash.test /hello.txt hello
	pid=$(worker_pid Crashy)
	[ -n "$pid" ] || fail "crash $i: no worker for Crashy"
	kill -9 "$pid"
	eventually 10 logged "serving application pool 'Crashy' terminated unexpectedly. The process id was '$pid'" ||
		fail "crash $i: no event 5009 for $pid"
done
eventually 5 logged "event 5002: Application pool 'Crashy' is being automatically disabled due to a series of failures in the process(es) serving that application pool." ||
	fail "no event 5002 after 3 crashes"
[ "$(ctl STATE APPPOOL Crashy)" = "$(printf 'Stopped\nOK')" ] || fail "Crashy is not stopped"
expect 503 127.0.0.1 "$P" crash.test /hello.txt "Service Unavailable"
expect 200 127.0.0.1 "$P" env.test /hello.txt hello
pass "rapid-fail protection stops the crashing pool (5002, 503); the other pool serves"
appcmd start apppool Crashy >/dev/null
expect 200 127.0.0.1 "$P" crash.test /hello.txt hello
pid=$(worker_pid Crashy)
kill -9 "$pid"
eventually 10 logged "The process id was '$pid'" || fail "no 5009 for $pid"
expect 200 127.0.0.1 "$P" crash.test /hello.txt hello
[ "$(count "event 5002: Application pool 'Crashy'")" = 1 ] || fail "the count was not reset by start"
pass "appcmd start apppool starts it again with a fresh count; a crash is followed by a new worker"

# ---- pinging: a SIGSTOPped worker is replaced
expect 200 127.0.0.1 "$P" hang.test /hello.txt hello
hung=$(worker_pid Hang)
kill -STOP "$hung"
eventually 10 logged "event 5010: A process serving application pool 'Hang' failed to respond to a ping. The process id was '$hung'." ||
	fail "no event 5010 for the hung worker"
eventually 5 sh -c "! kill -0 $hung" || fail "the hung worker $hung was not killed"
expect 200 127.0.0.1 "$P" hang.test /hello.txt hello
new_pid Hang "$hung" || fail "no new worker for Hang"
pass "a worker that does not answer pings is killed (5010) and replaced"

# ---- idle timeout
expect 200 127.0.0.1 "$P" idle.test /hello.txt hello
idle=$(worker_pid Idle)
eventually 10 logged "event 5186: A worker process with process id of '$idle' serving application pool 'Idle' was shutdown due to inactivity. Application Pool timeout configuration was set to 1 minutes. A new worker process will be started when needed." ||
	fail "no event 5186"
eventually 5 sh -c "! kill -0 $idle" || fail "the idle worker $idle did not exit"
[ -z "$(worker_pid Idle)" ] || fail "Idle still has a worker"
expect 200 127.0.0.1 "$P" idle.test /hello.txt hello
new_pid Idle "$idle" || fail "no new worker for Idle"
pass "an idle worker shuts down (5186); the next request starts a new one"

# ---- periodicRestart requests="3"
for i in 1 2 3; do
	expect 200 127.0.0.1 "$P" req.test /hello.txt hello
	[ "$i" = 1 ] && first=$(worker_pid Req)
done
eventually 10 logged "event 5075: A worker process with process id of '$first' serving application pool 'Req' has requested a recycle because it reached its allowed request limit." ||
	fail "no event 5075"
eventually 10 new_pid Req "$first" || fail "no new worker for Req"
eventually 10 sh -c "! kill -0 $first" || fail "the recycled worker did not exit"
expect 200 127.0.0.1 "$P" req.test /hello.txt hello
pass "the request limit recycles the worker (5075)"

# ---- periodicRestart time="00:01:00": 2 s here, so the worker is recycled
# (5074) 2 s after it started, and so is each next one; overlapped, under
# load: no request fails
if ! command -v wrk >/dev/null; then
	fail "wrk is missing (scripts/install-deps.sh installs it)"
fi
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
expect 200 127.0.0.1 "$P" time.test /hello.txt hello
first=$(worker_pid Time)
[ -n "$first" ] || fail "no worker for Time"
wrk -t1 -c4 -d5s -H "Host: time.test" "http://127.0.0.1:$P/hello.txt" >"$T/wrk-time.out" 2>&1 &
WRK=$!
eventually 10 logged "event 5074: A worker process with process id of '$first' serving application pool 'Time' has requested a recycle because the worker process reached its allowed processing time limit." ||
	fail "no event 5074 for $first"
[ $(($(ms) - t0)) -ge 2000 ] || fail "5074 came $(($(ms) - t0)) ms after the first request, before the worker's 2 s"
eventually 10 sh -c "! kill -0 $first" || fail "the recycled worker $first did not exit"
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk-time.out")"
grep -q "requests in" "$T/wrk-time.out" || fail "wrk: $(cat "$T/wrk-time.out")"
grep -q "Non-2xx" "$T/wrk-time.out" && fail "failed requests during recycles: $(cat "$T/wrk-time.out")"
grep -q "Socket errors" "$T/wrk-time.out" && fail "socket errors during recycles: $(cat "$T/wrk-time.out")"
[ "$(count "event 5074: A worker process with process id of ")" -ge 2 ] ||
	fail "the next worker was not recycled in its turn: $(grep 5074 "$LOG")"
new_pid Time "$first" || fail "no new worker for Time"
expect 200 127.0.0.1 "$P" time.test /hello.txt hello
appcmd stop apppool Time >/dev/null
pass "periodicRestart time recycles each worker when it reached its time (5074), no request failed: $(grep -o '[0-9]* requests in' "$T/wrk-time.out")"

# ---- periodicRestart memory="1" and privateMemory="1" (KB): every worker is above
for pool in Virt Priv; do
	host=$(echo "$pool" | tr A-Z a-z).test
	expect 200 127.0.0.1 "$P" "$host" /hello.txt hello
done
eventually 10 grep -q "event 5077: A worker process with process id of '[0-9]*' serving application pool 'Virt' has requested a recycle because it reached its virtual memory limit." "$LOG" ||
	fail "no event 5077"
eventually 10 grep -q "event 5117: A worker process with process id of '[0-9]*' serving application pool 'Priv' has requested a recycle because it reached its private bytes memory limit." "$LOG" ||
	fail "no event 5117"
appcmd stop apppool Virt >/dev/null
# Priv logs PrivateMemory only: the recycle of its configuration change does not log 5080
sed -i 's|<recycling logEventOnRecycle="PrivateMemory"><periodicRestart privateMemory="1" />|<recycling logEventOnRecycle="PrivateMemory">|' "$CFG/applicationHost.config"
eventually 10 logged "application pool 'Priv': worker process" || fail "Priv: no recycle"
stable() { local a; a=$(worker_pid Priv); sleep 1.5; [ -n "$a" ] && [ "$a" = "$(worker_pid Priv)" ]; }
eventually 10 stable || fail "Priv keeps recycling after its limit went"
logged "event 5080: The worker processes serving application pool 'Priv'" && fail "5080 logged without its flag"
expect 200 127.0.0.1 "$P" priv.test /hello.txt hello
pass "memory and privateMemory recycle the worker (5077, 5117); events only with their flag"

# ---- overlapped recycles under load: no request lost
expect 200 127.0.0.1 "$P" load.test /hello.txt hello
before=$(worker_pid Load)
wrk -t2 -c16 -d5s -H "Host: load.test" "http://127.0.0.1:$P/hello.txt" >"$T/wrk.out" 2>&1 &
WRK=$!
sleep 1
for i in 1 2 3; do
	appcmd recycle apppool Load >/dev/null
	sleep 1
done
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk.out")"
grep -q "requests in" "$T/wrk.out" || fail "wrk: $(cat "$T/wrk.out")"
grep -q "Non-2xx" "$T/wrk.out" && fail "failed requests during recycles: $(cat "$T/wrk.out")"
grep -q "Socket errors" "$T/wrk.out" && fail "socket errors during recycles: $(cat "$T/wrk.out")"
[ "$(count "serving application pool 'Load' has requested a recycle because of an administrator's on-demand request.")" = 3 ] ||
	fail "not 3 events 5079: $(grep 5079 "$LOG")"
new_pid Load "$before" || fail "Load still has its first worker"
pass "3 overlapped recycles under load: $(grep -o '[0-9]* requests in' "$T/wrk.out"), none failed"

# ---- web garden: maxProcesses="2"
expect 200 127.0.0.1 "$P" garden.test /hello.txt hello
garden_pids() { worker_pid Garden | sort | tr '\n' ' '; }
two_workers() { [ "$(worker_pid Garden | wc -l)" = 2 ]; }
eventually 10 two_workers || fail "Garden has not 2 workers: $(ctl LIST WP)"
# the workers holding kept-alive connections (ss shows each socket's process)
holders() {
	local i out
	for i in 3 4 5 6; do
		eval "exec $i<>/dev/tcp/127.0.0.1/$P"
		printf 'GET /hello.txt HTTP/1.1\r\nHost: garden.test\r\n\r\n' >&"$i"
		head -c 1 <&"$i" >/dev/null # the response began: the worker holds it
	done
	out=$(ss -tnpH state established "( sport = :$P )" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ')
	for i in 3 4 5 6; do eval "exec $i>&-"; done
	echo "$out"
}
both_serve() { [ "$(holders)" = "$(garden_pids)" ]; }
eventually 10 both_serve || fail "not both workers serve: $(holders) vs $(garden_pids)"
appcmd list wp | grep -c "applicationPool:Garden" | grep -qx 2 || fail "list wp: $(appcmd list wp)"
old=$(garden_pids)
appcmd recycle apppool Garden >/dev/null
renewed() { two_workers && [ -z "$(comm -12 <(garden_pids | tr ' ' '\n' | sort) <(echo "$old" | tr ' ' '\n' | sort) | tr -d '\n')" ]; }
eventually 10 renewed || fail "Garden was not recycled whole: $old -> $(garden_pids)"
expect 200 127.0.0.1 "$P" garden.test /hello.txt hello
pass "a web garden: two workers serve the pool round-robin, list wp shows each, a recycle replaces both"
