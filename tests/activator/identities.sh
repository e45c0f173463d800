#!/usr/bin/env bash
# Application pool identities (DESIGN.md §3), with apphostd, the real worker
# and real accounts: the uid, gid and groups of the worker of every
# identityType (ApplicationPoolIdentity, LocalService, NetworkService,
# SpecificUser, LocalSystem); the pool's own group and iis_iusrs, and
# manualGroupMembership; a file given only to one pool's group, read by that
# pool and refused to another (401.3); SpecificUser with a real user and its
# password (set through appcmd, stored encrypted) checked by PAM, a wrong
# password stopping the pool with IIS's events 5021 and 5057; LocalService
# without network outside its own loopback; an identity changed on a running
# pool. Arguments: those of lib.sh, then the worker; appcmd is $AH_APPCMD.
. "$(dirname "$0")/lib.sh"
WORKER=$6
APPCMD=${AH_APPCMD:-}
[ -n "$APPCMD" ] && [ -x "$APPCMD" ] || { echo "SKIP: no appcmd"; exit 77; }
command -v nsenter >/dev/null && command -v ip >/dev/null || { echo "SKIP: no nsenter or ip"; exit 77; }
# LocalService's worker needs a network namespace of its own (it does not start without one)
unshare -n true 2>/dev/null || { echo "SKIP: this machine gives no network namespace (unshare -n)"; exit 77; }

USR="ahid$$u"
GRP="ahid$$g"
PASS="Pw-$RANDOM-ok"
ident_cleanup() {
	cleanup
	groupdel "$GRP" 2>/dev/null || true
}
trap ident_cleanup EXIT
accounts "$USR:$PASS"
groupadd "$GRP" && usermod -a -G "$GRP" "$USR" || {
	echo "SKIP: cannot create the test group"
	exit 77
}

appcmd() {
	APPHOST_RUN_DIR=$RUN APPHOST_CONFIG_DIR=$CFG APPHOST_SCHEMA_DIR=$SRC/schema \
		"$APPCMD" "$@" 2>&1 || true
}

P=$(freeport)
W=$T/www
mkdir -p "$W"
echo "shared text" >"$W/shared.txt"
chmod 755 "$W"
chmod 644 "$W/shared.txt"

# pool NAME HOST SITE-ID PROCESS-MODEL-ATTRIBUTES
POOLS="" SITES=""
pool() {
	POOLS="$POOLS
            <add name=\"$1\" startMode=\"AlwaysRunning\"><processModel $4 /></add>"
	SITES="$SITES
            <site name=\"S$1\" id=\"$3\">
                <application path=\"/\" applicationPool=\"$1\"><virtualDirectory path=\"/\" physicalPath=\"$W\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:$2\" /></bindings>
            </site>"
}
pool AppA a.test 1 'identityType="ApplicationPoolIdentity"'
pool AppB b.test 2 'identityType="ApplicationPoolIdentity" manualGroupMembership="true"'
pool Local l.test 3 'identityType="LocalService"'
pool Net n.test 4 'identityType="NetworkService"'
pool Sys y.test 5 'identityType="LocalSystem"'
pool Spec s.test 6 'identityType="ApplicationPoolIdentity"'
pool Chg c.test 7 'identityType="ApplicationPoolIdentity"'
# anonymous requests run as the pool identity: the worker's own open() decides
write_config "
    <system.applicationHost>
        <applicationPools>$POOLS
        </applicationPools>
        <sites>$SITES
        </sites>
    </system.applicationHost>
$(webserver_defaults | sed 's/<anonymousAuthentication enabled="true" userName="IUSR" \/>/<anonymousAuthentication enabled="true" userName="" \/>/')"
grep -q 'userName=""' "$CFG/applicationHost.config" || fail "the test configuration has no empty anonymous user"

# SpecificUser through appcmd: the password is stored encrypted
out=$(appcmd set apppool Spec /processModel.identityType:SpecificUser "/processModel.userName:.\\$USR" \
	"/processModel.password:$PASS")
printf '%s' "$out" | grep -q 'APPPOOL object "Spec" changed' || fail "appcmd set apppool Spec: $out"
grep -q "password=\"\[enc:" "$CFG/applicationHost.config" || fail "the password is not stored encrypted"
grep -qF "$PASS" "$CFG/applicationHost.config" && fail "the password is stored in clear"

start_daemon
IUSRS=$(getent group iis_iusrs | cut -d: -f3)
[ -n "$IUSRS" ] || fail "apphostd did not create the group iis_iusrs"
for u in iis-localservice iis-networkservice iis-iusr; do
	getent passwd "$u" >/dev/null || fail "apphostd did not create the system user $u"
done
pass "the system accounts iis-localservice, iis-networkservice, iis-iusr and iis_iusrs exist"

sorted() { tr ' ' '\n' | grep . | sort -nu | xargs; }
groups_of() { field "$1" Groups | sorted; }
declare -A GID UID_OF
number group GID AppA AppB Chg Local Net Spec Sys # every pool has its group
number passwd UID_OF AppA AppB Chg                # the ApplicationPoolIdentity ones

all_up() { [ "$(worker_count)" = 7 ]; }
eventually 20 all_up || fail "the workers did not start: $(ctl LIST WP)"

# check POOL UID GID GROUPS...: the worker's real, effective, saved and fs ids
check() {
	local pool=$1 u=$2 g=$3 pid
	shift 3
	pid=$(worker_pid "$pool")
	[ -n "$pid" ] || fail "no worker for $pool: $(ctl LIST WP)"
	[ "$(field "$pid" Uid)" = "$u $u $u $u" ] || fail "$pool: Uid '$(field "$pid" Uid)', want $u"
	[ "$(field "$pid" Gid)" = "$g $g $g $g" ] || fail "$pool: Gid '$(field "$pid" Gid)', want $g"
	[ "$(groups_of "$pid")" = "$(echo "$@" | sorted)" ] ||
		fail "$pool: Groups '$(groups_of "$pid")', want '$(echo "$@" | sorted)'"
	[ "$(field "$pid" NoNewPrivs)" = 1 ] || fail "$pool: NoNewPrivs"
}
a=${UID_OF[AppA]}
check AppA "$a" "${GID[AppA]}" "${GID[AppA]}" "$IUSRS"
getent passwd "$a" >/dev/null && fail "the virtual account $a has an account entry"
getent group iis_iusrs | cut -d: -f4 | grep -q . && fail "iis_iusrs got members in /etc/group"
pass "ApplicationPoolIdentity: uid $a, its pool group ${GID[AppA]} as primary group, and iis_iusrs"
check AppB "${UID_OF[AppB]}" "${GID[AppB]}" "${GID[AppB]}"
pass "manualGroupMembership=true: the pool group only, without iis_iusrs"
ls=$(id -u iis-localservice) lsg=$(id -g iis-localservice)
check Local "$ls" "$lsg" "$lsg" "${GID[Local]}" "$IUSRS"
ns=$(id -u iis-networkservice) nsg=$(id -g iis-networkservice)
check Net "$ns" "$nsg" "$nsg" "${GID[Net]}" "$IUSRS"
pass "LocalService runs as iis-localservice, NetworkService as iis-networkservice, with their pool groups and iis_iusrs"
check Sys 0 0 0 "${GID[Sys]}" "$IUSRS"
grep -q "application pool 'Sys' runs as LocalSystem" "$LOG" || fail "no LocalSystem warning"
pass "LocalSystem runs as root, with a warning"
su=$(id -u "$USR") sg=$(id -g "$USR")
check Spec "$su" "$sg" "$sg" "$(getent group "$GRP" | cut -d: -f3)" "${GID[Spec]}" "$IUSRS"
expect 200 127.0.0.1 "$P" s.test /shared.txt "shared text"
pass "SpecificUser '.\\$USR' (password checked by PAM) runs as $USR with its groups, its pool group and iis_iusrs"

# A file given only to AppA's group: AppA reads it, the others get 401.3.
echo "for AppA only" >"$W/secret.txt"
chown root:"${GID[AppA]}" "$W/secret.txt"
chmod 640 "$W/secret.txt"
expect 200 127.0.0.1 "$P" a.test /secret.txt "for AppA only"
expect 401 127.0.0.1 "$P" b.test /secret.txt "401.3"
expect 401 127.0.0.1 "$P" n.test /secret.txt "401.3"
expect 200 127.0.0.1 "$P" b.test /shared.txt "shared text"
pass "a file of AppA's pool group (0640) is served to AppA; AppB and Net get 401.3"

# LocalService: its own network namespace, with only loopback (up); the
# connections handed to it are served.
lp=$(worker_pid Local) np=$(worker_pid Net)
[ "$(readlink "/proc/$lp/ns/net")" != "$(readlink /proc/$DPID/ns/net)" ] ||
	fail "the LocalService worker shares apphostd's network namespace"
[ "$(readlink "/proc/$np/ns/net")" = "$(readlink /proc/$DPID/ns/net)" ] ||
	fail "the NetworkService worker has a network namespace of its own"
links=$(nsenter -t "$lp" -n ip -o link show | awk -F': ' '{print $2}' | xargs)
[ "$links" = lo ] || fail "the LocalService worker's interfaces: '$links'"
nsenter -t "$lp" -n ip -o link show lo | grep -q "UP" || fail "loopback is down in the LocalService worker"
expect 200 127.0.0.1 "$P" l.test /shared.txt "shared text"
out=$(nsenter -t "$lp" -n "$ACTOOL" get 127.0.0.1 "$P" l.test /shared.txt 2>&1 || true)
printf '%s' "$out" | grep -q "^HTTP/1.1 200" && fail "the LocalService worker reached the host's port $P: $out"
out=$(nsenter -t "$np" -n "$ACTOOL" get 127.0.0.1 "$P" n.test /shared.txt 2>&1 || true)
printf '%s' "$out" | grep -q "^HTTP/1.1 200" || fail "the NetworkService worker did not reach port $P: $out"
pass "LocalService: its own network with only loopback, no connection to the host's port $P; it serves requests"

# Identity change of a running pool: a new worker under the new identity,
# which reads the pool's folder and file as the old one did (pool group).
old=$(worker_pid Chg)
check Chg "${UID_OF[Chg]}" "${GID[Chg]}" "${GID[Chg]}" "$IUSRS"
out=$(appcmd set apppool Chg /processModel.identityType:NetworkService)
printf '%s' "$out" | grep -q 'APPPOOL object "Chg" changed' || fail "appcmd set apppool Chg: $out"
changed() { local p; p=$(worker_pid Chg); [ -n "$p" ] && [ "$p" != "$old" ] && [ "$(field "$p" Uid)" = "$ns $ns $ns $ns" ]; }
eventually 20 changed || fail "Chg's worker did not change: $(ctl LIST WP)"
check Chg "$ns" "$nsg" "$nsg" "${GID[Chg]}" "$IUSRS"
gone() { ! kill -0 "$old" 2>/dev/null || [ "$(field "$old" State | cut -c1)" = Z ]; }
eventually 20 gone || fail "Chg's old worker $old did not exit"
# the pool's files stay root:<pool group>: the new identity carries that group too
[ "$(stat -c '%u %g %a' "$RUN/apppools/Chg")" = "0 ${GID[Chg]} 750" ] ||
	fail "Chg's folder: $(stat -c '%u %g %a' "$RUN/apppools/Chg")"
[ "$(stat -c '%u %g %a' "$RUN/apppools/Chg/Chg.config")" = "0 ${GID[Chg]} 440" ] ||
	fail "Chg's file: $(stat -c '%u %g %a' "$RUN/apppools/Chg/Chg.config")"
expect 200 127.0.0.1 "$P" c.test /shared.txt "shared text"
pass "an identity change stops the running worker and starts one as the new identity, which reads the pool's files through its pool group"

# A wrong password: the worker does not start, the pool stops (503), with
# IIS's events 5021 and 5057. The right one again, and a start: served.
appcmd set apppool Spec "/processModel.password:wrong-$PASS" >/dev/null
stopped() { appcmd list apppool Spec | grep -q "state:Stopped"; }
eventually 20 stopped || fail "Spec is not stopped after a wrong password: $(appcmd list apppool Spec)"
grep -q "The identity of application pool 'Spec' is invalid. The user name or password that is specified for the identity may be incorrect, or the user may not have batch logon rights." "$LOG" ||
	fail "no event 5021 in the log"
grep -q "Application pool 'Spec' has been disabled. apphostd did not create a worker process to serve the application pool because the application pool identity is invalid." "$LOG" ||
	fail "no event 5057 in the log"
expect 503 127.0.0.1 "$P" s.test /shared.txt
pass "a wrong password: events 5021 and 5057, the pool stopped, 503"

applied() { [ "$(grep -c "configuration applied" "$LOG")" -gt "$1" ]; }
n=$(grep -c "configuration applied" "$LOG")
appcmd set apppool Spec "/processModel.password:$PASS" >/dev/null
eventually 20 applied "$n" || fail "the new password was not applied"
appcmd start apppool Spec | grep -q 'successfully started' || fail "appcmd start apppool Spec"
spec_up() { get 127.0.0.1 "$P" s.test /shared.txt | grep -q "shared text"; }
eventually 20 spec_up || fail "Spec is not served again with its password"
pid=$(worker_pid Spec)
[ "$(field "$pid" Uid)" = "$su $su $su $su" ] || fail "Spec's worker: Uid $(field "$pid" Uid)"
pass "the right password again and a start: served as $USR"

appcmd set apppool Spec "/processModel.userName:nosuchuser$$" >/dev/null
eventually 20 stopped || fail "Spec is not stopped with an unknown user"
expect 503 127.0.0.1 "$P" s.test /shared.txt
[ "$(grep -c "The identity of application pool 'Spec' is invalid" "$LOG")" -ge 2 ] || fail "no 5021 for an unknown user"
pass "an unknown user: the pool stopped, 503, event 5021"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
