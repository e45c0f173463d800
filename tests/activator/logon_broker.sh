#!/usr/bin/env bash
# The logon broker (docs/apphostd.md, "Logon broker"), with apphostd, the
# real worker and real accounts: the broker is apphostd's child and runs as
# root while the workers run as their pools' identities; Basic credentials
# of a real account are accepted (200) and a wrong password refused (401);
# the CHECK/RESULT bytes of docs/server.md on a worker's logon channel (fd
# 5, copied with pidfd_getfd); a broker killed with SIGKILL is started
# again and serves the same workers; a malformed packet closes that
# worker's channel (its Basic requests: 500) while the broker lives on and
# serves the other pool. Arguments: those of lib.sh, then the worker.
. "$(dirname "$0")/lib.sh"
WORKER=$6

USR="ahlb$$a"
USR2="ahlb$$b"
PASS="Pw-$RANDOM-one"
PASS2="Pw-$RANDOM-two"
accounts "$USR:$PASS" "$USR2:$PASS2"

P=$(freeport)
W=$T/www
mkdir -m 755 "$W"
echo "members only" >"$W/f.txt" && chmod 644 "$W/f.txt"
site() { # site POOL HOST ID
	echo "<site name=\"S$1\" id=\"$3\">
                <application path=\"/\" applicationPool=\"$1\"><virtualDirectory path=\"/\" physicalPath=\"$W\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:$2\" /></bindings>
            </site>"
}
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" startMode=\"AlwaysRunning\" />
            <add name=\"PoolB\" startMode=\"AlwaysRunning\" />
        </applicationPools>
        <sites>
            $(site PoolA a.test 1)
            $(site PoolB b.test 2)
        </sites>
    </system.applicationHost>
$(webserver_defaults | sed 's#<basicAuthentication enabled="false" */>#<basicAuthentication enabled="true" />#; s#<anonymousAuthentication enabled="true" userName="IUSR" */>#<anonymousAuthentication enabled="false" />#')"
grep -q '<basicAuthentication enabled="true"' "$CFG/applicationHost.config" &&
	grep -q '<anonymousAuthentication enabled="false"' "$CFG/applicationHost.config" ||
	fail "the test configuration does not enable basic authentication only"

# basic HOST USER:PASSWORD: the status of GET /f.txt with those credentials
basic() {
	printf 'GET /f.txt HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n' \
		"$1" "$(printf '%s' "$2" | base64 -w0)" | "$ACTOOL" raw 127.0.0.1 "$P" 15 2>/dev/null |
		head -n1 | cut -d' ' -f2
}
expect_basic() { # expect_basic STATUS HOST USER:PASSWORD WHAT
	local st
	st=$(basic "$2" "$3")
	[ "$st" = "$1" ] || fail "$4: status '$st', want $1"
	pass "$4: $1"
}
broker_pid() {
	local p
	for p in $(pgrep -P "$DPID"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '--logon-broker' && echo "$p"
	done
	return 0
}
# hexstr TEXT: a protocol string (u16 length, little-endian, then the bytes)
hexstr() {
	local n=${#1}
	printf '%02x%02x' $((n & 255)) $((n >> 8))
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

start_daemon
eventually 15 test -n "$(worker_pid PoolA)" -a -n "$(worker_pid PoolB)" || fail "the pools' workers did not start"

# 1. the broker: apphostd's child, root; the workers are not root
B1=$(broker_pid)
[ -n "$B1" ] || fail "no logon broker among apphostd's children"
[ "$(field "$B1" PPid)" = "$DPID" ] || fail "the broker's parent is $(field "$B1" PPid), not apphostd ($DPID)"
[ "$(field "$B1" Uid)" = "0 0 0 0" ] || fail "the broker runs as uid $(field "$B1" Uid), not root"
pass "the logon broker ($B1) is apphostd's child and runs as root"
WA=$(worker_pid PoolA)
WB=$(worker_pid PoolB)
[ "$(field "$WA" Uid | cut -d' ' -f1)" != 0 ] || fail "PoolA's worker runs as root"
[ "$(readlink "/proc/$WA/fd/5")" != "" ] || fail "PoolA's worker has no fd 5"
pass "the workers run as their pools' identities, with a logon channel on fd 5"

# 2. Basic authentication of a real account through the broker
expect_basic 200 a.test "$USR:$PASS" "the right password"
expect_basic 401 a.test "$USR:wrong-$PASS" "a wrong password"
expect_basic 401 a.test "nosuch$$:x" "an unknown account"
# after a refusal the broker reads that worker's channel again only 2 s later
# (pam_unix's failure delay, without holding up the other workers): a check
# right after it waits, then succeeds
t0=$(date +%s%N)
expect_basic 200 a.test "$USR2:$PASS2" "another account right after a refusal"
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$waited" -ge 1500 ] || fail "the check after a refusal was answered in $waited ms, before the delay"
pass "a check right after a refusal waits for the failure delay ($waited ms)"

# 3. the messages themselves on PoolB's channel (docs/server.md):
#    CHECK = 01 01 id(u32) user password rhost; RESULT = 01 02 id verdict
ok=$("$ACTOOL" peer "$WB" 5 "01012a000000$(hexstr "$USR2")$(hexstr "$PASS2")$(hexstr 127.0.0.1)" 10)
[ "$ok" = "reply 01022a00000000" ] || fail "CHECK with the right password: '$ok'"
no=$("$ACTOOL" peer "$WB" 5 "01010b000000$(hexstr "$USR2")$(hexstr "x")$(hexstr "")" 10)
[ "$no" = "reply 01020b00000001" ] || fail "CHECK with a wrong password: '$no'"
pass "CHECK answered by RESULT: accepted (0) and refused (1), with the request's id"

# 4. SIGKILL: the broker is started again and serves the same workers
kill -KILL "$B1"
eventually 10 sh -c "[ -n \"\$(pgrep -P $DPID -f -- --logon-broker)\" ] && ! kill -0 $B1" ||
	fail "the logon broker was not started again"
B2=$(broker_pid)
[ -n "$B2" ] && [ "$B2" != "$B1" ] || fail "no new broker ($B2)"
grep -q "the logon broker exited; it is started again" "$LOG" || fail "the broker's death is not logged"
[ "$(worker_pid PoolA)" = "$WA" ] || fail "PoolA's worker was replaced"
expect_basic 200 a.test "$USR2:$PASS2" "after a restart of the broker, the same worker: the right password"
expect_basic 401 a.test "$USR2:wrong" "after a restart of the broker: a wrong password"

# 5. a malformed packet (a CHECK cut short) closes that worker's channel only
bad=$("$ACTOOL" peer "$WB" 5 "01012a000000ff00" 10)
[ "$bad" = "closed" ] || fail "a malformed CHECK: '$bad', want the channel closed"
[ "$(broker_pid)" = "$B2" ] || fail "the broker died on a malformed packet"
grep -q "logon broker: a malformed request" "$LOG" || fail "the malformed request is not logged"
expect_basic 500 b.test "$USR:$PASS" "PoolB's worker without its logon channel"
expect_basic 401 a.test "$USR:wrong-again" "PoolA is still served: a wrong password"
expect_basic 200 a.test "$USR:$PASS" "PoolA is still served: the right password"
pass "a malformed packet closed that worker's channel; the broker ($B2) serves the others"

grep -q "AddressSanitizer\|runtime error" "$LOG" && fail "a sanitizer report"
pass "the logon broker"
