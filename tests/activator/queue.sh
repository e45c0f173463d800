#!/usr/bin/env bash
# A pool's queue while its worker starts: at most queueLength connections
# wait (and are served once the worker is ready); the ones beyond get 503 at
# once. A worker that does not become ready within startupTimeLimit is
# killed and the waiting connections get 503.
. "$(dirname "$0")/lib.sh"

P=$(freeport)
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"Slow\" queueLength=\"10\">
                <environmentVariables><add name=\"FAKE_WORKER_READY_DELAY_MS\" value=\"2500\" /></environmentVariables>
            </add>
            <add name=\"Stuck\"><processModel startupTimeLimit=\"00:00:01\" />
                <environmentVariables><add name=\"FAKE_WORKER_READY_DELAY_MS\" value=\"2500\" /></environmentVariables>
            </add>
        </applicationPools>
        <sites>
            <site name=\"Slow\" id=\"1\">
                <application path=\"/\" applicationPool=\"Slow\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:slow.test\" /></bindings>
            </site>
            <site name=\"Stuck\" id=\"2\">
                <application path=\"/\" applicationPool=\"Stuck\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:stuck.test\" /></bindings>
            </site>
        </sites>
    </system.applicationHost>"
start_daemon

start=$(date +%s%N)
clients=()
for i in $(seq 1 14); do
	(
		out=$("$ACTOOL" get 127.0.0.1 "$P" slow.test "/$i" 2>&1 || true)
		st=$(printf '%s\n' "$out" | head -n1 | cut -d' ' -f2)
		echo "$st $((($(date +%s%N) - start) / 1000000))" >"$T/r$i"
	) &
	clients+=($!)
	sleep 0.02
done
wait "${clients[@]}"
ok=$(cat "$T"/r[0-9]* | grep -c '^200 ' || true)
busy=$(cat "$T"/r[0-9]* | grep -c '^503 ' || true)
[ "$ok" = 10 ] && [ "$busy" = 4 ] ||
	fail "10 served and 4 refused expected: $(for f in "$T"/r[0-9]*; do echo "$f: $(cat "$f")"; done)"
while read -r st ms; do
	if [ "$st" = 503 ] && [ "$ms" -gt 1500 ]; then fail "a 503 came after $ms ms"; fi
	if [ "$st" = 200 ] && [ "$ms" -lt 2000 ]; then fail "a 200 came before the worker was ready"; fi
done < <(cat "$T"/r[0-9]*)
pass "queueLength=10: ten wait for the starting worker, the others get 503 at once"

t0=$(date +%s%N)
expect 503 127.0.0.1 "$P" stuck.test / "Service Unavailable"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 900 ] && [ "$ms" -lt 2400 ] || fail "startupTimeLimit=1s, but the 503 came after $ms ms"
grep -q "A process serving application pool 'Stuck' exceeded time limits during start up" "$LOG" ||
	fail "no start-up time limit event"
pass "a worker not ready within startupTimeLimit is killed; its waiting requests get 503"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
