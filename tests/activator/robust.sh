#!/usr/bin/env bash
# Workers that break the protocol, and lifecycle corners (docs/apphostd.md,
# "Lifecycle" and "Security"; docs/server.md): garbage on a handoff end, an
# oversized worker-channel packet and a PONG flood get the worker killed as
# untrusted (event 5127) and the pool served by a new one, with the router's
# descriptors bounded; sockets a worker made itself are not taken back; a
# worker giving every connection back (AGAIN) gets no loop (503); a no-overlap
# recycle of a starting worker answers the connection waiting for it; an
# AlwaysRunning worker killed for a ping is replaced without a request; a
# leftover process that execs apphostd is swept with its child;
# a router that does not stop is killed at shutdown; a recycle that
# cannot start its new worker backs off.
. "$(dirname "$0")/lib.sh"

P=$(freeport)
mkdir -m 1777 "$T/once"
env_of() { # env_of MODE [ONCE]: environmentVariables for the fake worker
	echo "<environmentVariables><add name=\"FAKE_WORKER_MISBEHAVE\" value=\"$1\" />"
	[ -n "${2:-}" ] && echo "<add name=\"FAKE_WORKER_ONCE\" value=\"$T/once/$2\" />"
	echo "<add name=\"FAKE_WORKER_APPHOSTD\" value=\"$APPHOSTD\" /></environmentVariables>"
}
site() { # site ID POOL HOST
	echo "<site name=\"S$1\" id=\"$1\"><application path=\"/\" applicationPool=\"$2\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application><bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:$3\" /></bindings></site>"
}
sites() { # a site for each pool: <pool without its R, lower case>.test
	local i=0 p
	for p in RGarb ROver RFlood RAgain ROwn RNoOverlap RHang RLeft; do
		i=$((i + 1))
		site "$i" "$p" "$(echo "${p#R}" | tr A-Z a-z).test"
	done
}
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"RGarb\">$(env_of garbage garb)</add>
            <add name=\"ROver\">$(env_of oversized over)</add>
            <add name=\"RFlood\"><processModel pingInterval=\"00:00:01\" />$(env_of pongflood flood)</add>
            <add name=\"RAgain\">$(env_of again)</add>
            <add name=\"ROwn\">$(env_of ownsocket)</add>
            <add name=\"RNoOverlap\">
                <recycling disallowOverlappingRotation=\"true\" />
                <environmentVariables><add name=\"FAKE_WORKER_READY_DELAY_MS\" value=\"3000\" /></environmentVariables>
            </add>
            <add name=\"RHang\" startMode=\"AlwaysRunning\">
                <processModel pingInterval=\"00:00:01\" pingResponseTime=\"00:00:01\" />
            </add>
            <add name=\"RLeft\" startMode=\"AlwaysRunning\">$(env_of leftover)</add>
        </applicationPools>
        <sites>$(sites)
        </sites>
    </system.applicationHost>"
mkdir "$T/bin"
cp "$FAKE" "$T/bin/worker" # removed below: a worker that cannot start
WORKER=$T/bin/worker
start_daemon
RPID=$(router_pid)
[ -n "$RPID" ] || fail "no router"
fds() { ls "/proc/$RPID/fd" | wc -l; }
logged() { grep -qF -- "$1" "$LOG"; }
base=$(fds)

# ---- garbage on the handoff end: 5127, a new worker, bounded descriptors
get 127.0.0.1 "$P" garb.test /first >/dev/null # its answer: whatever the worker did
eventually 10 logged "event 5127: A worker process '" || fail "no event 5127 for RGarb"
grep -q "event 5127: .*application pool 'RGarb'" "$LOG" || fail "event 5127 is not RGarb's"
bad=$(grep "event 5127: .*'RGarb'" "$LOG" | sed -n "s/.*worker process '\([0-9]*\)'.*/\1/p" | head -n1)
expect 200 127.0.0.1 "$P" garb.test /next "pool=RGarb"
expect 200 127.0.0.1 "$P" garb.test /again "pool=RGarb"
now=$(worker_pid RGarb)
[ -n "$now" ] && [ "$now" != "$bad" ] || fail "RGarb is served by worker '$now', the untrusted one was $bad"
starts=$(grep -c "application pool 'RGarb': worker process .* started" "$LOG")
[ "$starts" -le 3 ] || fail "$starts workers started for RGarb (a DEMAND/WORKER loop)"
[ "$(fds)" -le $((base + 20)) ] || fail "the router holds $(fds) descriptors (it had $base)"
pass "garbage on a handoff end: the worker is killed (5127), the next requests get a new one"

# ---- an oversized packet on the worker channel; a PONG flood
get 127.0.0.1 "$P" over.test /first >/dev/null
get 127.0.0.1 "$P" flood.test /first >/dev/null
eventually 10 grep -q "event 5127: .*'ROver'" "$LOG" || fail "no event 5127 for the oversized packet"
eventually 10 grep -q "event 5127: .*'RFlood'" "$LOG" || fail "no event 5127 for the PONG flood"
sleep 0.5
[ "$(grep -c "event 5127: .*'ROver'" "$LOG")" = 1 ] || fail "5127 logged more than once for ROver"
expect 200 127.0.0.1 "$P" over.test /next "pool=ROver"
expect 200 127.0.0.1 "$P" flood.test /next "pool=RFlood"
pass "an oversized worker-channel packet and unasked PONGs: 5127 once, a new worker serves"

# ---- sockets of its own given back: refused, closed
expect 200 127.0.0.1 "$P" own.test / "pool=ROwn"
eventually 10 logged "a worker of pool 'ROwn' gave back a connection it was not given" ||
	fail "no notice of the refused sockets"
expect 200 127.0.0.1 "$P" own.test /again "pool=ROwn"
[ "$(grep -c "pool 'ROwn' gave back a connection it was not given" "$LOG")" = 1 ] ||
	fail "the refusal is logged more than once"
[ "$(fds)" -le $((base + 20)) ] || fail "the router holds $(fds) descriptors (it had $base)"
pass "sockets a worker made are not taken back (the router's descriptors stay bounded)"

# ---- AGAIN from a worker that is not stopping: no loop
t0=$(date +%s%N)
expect 503 127.0.0.1 "$P" again.test / "Service Unavailable"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 5000 ] || fail "the connection given back again and again took $ms ms"
logged "given back by the worker of pool 'RAgain' routes to that pool again" ||
	fail "no notice of the connection given back"
pass "AGAIN from a worker still in use is not honoured: 503, no loop"

# ---- a no-overlap recycle while the worker starts, a connection waiting
t0=$(date +%s%N)
(get 127.0.0.1 "$P" nooverlap.test /waiting | status_of >"$T/slow") &
cl=$!
has_worker() { [ -n "$(worker_pid "$1")" ]; }
eventually 10 has_worker RNoOverlap || fail "RNoOverlap's worker did not start"
starting=$(worker_pid RNoOverlap)
[ "$(ctl RECYCLE APPPOOL RNoOverlap)" = OK ] || fail "RECYCLE APPPOOL RNoOverlap"
for i in $(seq 1 300); do kill -0 "$cl" 2>/dev/null || break; sleep 0.05; done
kill -0 "$cl" 2>/dev/null && fail "the connection waiting for RNoOverlap's recycled worker hangs"
wait "$cl" || true
ms=$((($(date +%s%N) - t0) / 1000000))
st=$(cat "$T/slow")
[ "$st" = 200 ] || [ "$st" = 503 ] || fail "the waiting connection got '$st'"
[ "$(worker_pid RNoOverlap)" != "$starting" ] || fail "the recycled worker $starting still serves"
pass "a no-overlap recycle of a starting worker: the waiting connection gets $st ($ms ms)"

# ---- an AlwaysRunning worker that stops answering pings is replaced
hung=$(worker_pid RHang)
[ -n "$hung" ] || fail "RHang has no worker"
kill -STOP "$hung"
eventually 10 logged "event 5010: A process serving application pool 'RHang' failed to respond to a ping. The process id was '$hung'." ||
	fail "no event 5010"
replaced() { local p; p=$(worker_pid RHang); [ -n "$p" ] && [ "$p" != "$hung" ]; }
eventually 10 replaced || fail "the AlwaysRunning worker killed for a ping was not replaced"
pass "an AlwaysRunning worker killed for a ping gets a successor without a request"

# ---- leftovers that exec apphostd (a chain of 12, the last the parent of a
# sleep): swept, every one (a parent of the pool's uid spares nothing)
lw=$(worker_pid RLeft)
lu=$(field "$lw" Uid | cut -d' ' -f1)
spawned() { pgrep -u "$lu" -x sleep && [ "$(pgrep -u "$lu" -f -- "--logon-broker" | wc -l)" = 12 ]; }
eventually 10 spawned || fail "RLeft's leftover processes did not start"
sp=$(pgrep -u "$lu" -x sleep)
grep -q -- "--logon-broker" "/proc/$(ps -o ppid= -p "$sp" | tr -d ' ')/cmdline" ||
	fail "the sleep is not the child of an apphostd process"
[ "$(ctl STOP APPPOOL RLeft)" = OK ] || fail "STOP APPPOOL RLeft"
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(field "$1" State | cut -c1)" = Z ]; }
none_left() { local p; for p in $(pgrep -u "$lu"); do gone "$p" || return 1; done; }
eventually 10 none_left || fail "processes of RLeft's uid survived its last worker: $(pgrep -a -u "$lu")"
eventually 5 logged "13 processes left by the workers of uid $lu were killed" || fail "no notice of the 13 leftovers"
pass "leftovers that exec apphostd are swept, and their children with them"

# ---- an overlapped recycle whose new worker cannot start: tried again 5 s later, then 10 s
rm "$WORKER"
[ "$(ctl RECYCLE APPPOOL ROwn)" = OK ] || fail "RECYCLE APPPOOL ROwn"
nostart="application pool 'ROwn': the new worker could not start; the old one goes on serving"
eventually 5 logged "$nostart (the recycle is tried again in 5 s)" || fail "no notice of the failed recycle"
t0=$(date +%s%N)
expect 200 127.0.0.1 "$P" own.test /old "pool=ROwn"
[ "$(ctl RECYCLE APPPOOL ROwn)" = OK ] || fail "RECYCLE APPPOOL ROwn again"
sleep 1
[ "$(grep -c "application pool 'ROwn': cannot start" "$LOG")" = 1 ] || fail "a recycle was tried within 5 s of the failure"
eventually 10 logged "$nostart (the recycle is tried again in 10 s)" || fail "the recycle was not tried again"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 3500 ] || fail "the recycle was tried again after $ms ms"
pass "a recycle whose new worker cannot start backs off (5 s, then 10 s); the old worker serves"

# ---- shutdown with a router that does not stop: killed after 5 s
for p in RGarb ROver RFlood RAgain ROwn RNoOverlap RHang RLeft; do ctl STOP APPPOOL "$p" >/dev/null; done
no_workers() { [ "$(worker_count)" = 0 ]; }
eventually 15 no_workers || fail "workers left after their pools stopped: $(ctl LIST WP)"
kill -STOP "$RPID" # the broker is stopped the same way (ad_child_stop)
t0=$(date +%s%N)
kill "$DPID"
for i in $(seq 1 400); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DPID" 2>/dev/null && fail "apphostd hangs on a router that does not stop"
ms=$((($(date +%s%N) - t0) / 1000000))
logged "the router (pid $RPID) did not stop within 5 s; it was killed" || fail "no notice of the router killed"
gone "$RPID" || fail "the router $RPID is left"
pass "apphostd stops in $ms ms although its router does not: it is killed after 5 s"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
