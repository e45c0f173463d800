#!/usr/bin/env bash
# What a worker can reach of apphostd's secrets and processes (docs/apphostd.md,
# "Security"), with apphostd as root, the real worker and real credentials:
#   - applicationHost.config, redirection.config and administration.config
#     lose their "other" bits (at start and at a reload, with a notice) and
#     the keys folder becomes 0711: with a worker's own uid, gid and groups
#     (read from /proc, applied with setpriv) none of them can be read nor
#     the folder listed; iisConfigurationKey is readable through iis_iusrs
#     only, iisWasKey not at all;
#   - the worker's environment is built from scratch (a variable of
#     apphostd's does not reach it; the fixed PATH and the locale do);
#   - an identity change recycles a pool even with
#     disallowRotationOnConfigChange (which still holds for other changes);
#   - a process the pool's uid left detached (its own session) dies with
#     the last worker of an ApplicationPoolIdentity pool; a child still in
#     the worker's process group dies when the worker does (fake worker);
#   - iis-localservice resolving to uid 0 refuses its pool (a private mount
#     namespace with its own /etc/passwd).
# Arguments: those of lib.sh, then the worker; appcmd is $AH_APPCMD.
. "$(dirname "$0")/lib.sh"
REAL=$6
APPCMD=${AH_APPCMD:-}
[ -n "$APPCMD" ] && [ -x "$APPCMD" ] || { echo "SKIP: no appcmd"; exit 77; }
command -v setpriv >/dev/null && command -v setsid >/dev/null || { echo "SKIP: no setpriv"; exit 77; }

appcmd() {
	APPHOST_RUN_DIR=$RUN APPHOST_CONFIG_DIR=$CFG APPHOST_SCHEMA_DIR=$SRC/schema \
		"$APPCMD" "$@" 2>&1 || true
}
mode() { stat -c %a "$1"; }

P=$(freeport)
W=$T/www
mkdir -p "$W"
echo "shared text" >"$W/shared.txt"
chmod -R a+rX "$W"

# pool NAME HOST SITE-ID ADD-ATTRIBUTES INNER-XML
POOLS="" SITES=""
pool() {
	POOLS="$POOLS
            <add name=\"$1\" startMode=\"AlwaysRunning\" $4>$5</add>"
	SITES="$SITES
            <site name=\"S$1\" id=\"$3\">
                <application path=\"/\" applicationPool=\"$1\"><virtualDirectory path=\"/\" physicalPath=\"$W\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:$2\" /></bindings>
            </site>"
}
pool Sec sec.test 1 "" "<processModel identityType=\"ApplicationPoolIdentity\" />"
pool Man man.test 2 "" "<processModel identityType=\"ApplicationPoolIdentity\" manualGroupMembership=\"true\" />"
pool Rot rot.test 3 "" "<processModel identityType=\"ApplicationPoolIdentity\" /><recycling disallowRotationOnConfigChange=\"true\" />"
pool Kid kid.test 4 "" "<processModel identityType=\"ApplicationPoolIdentity\" />"
config() {
	write_config "
    <system.applicationHost>
        <applicationPools>$POOLS
        </applicationPools>
        <sites>$SITES
        </sites>
    </system.applicationHost>
$(webserver_defaults)"
}
config
printf '<configuration>\n    <configurationRedirection enabled="false" />\n</configuration>\n' >"$CFG/redirection.config"
printf '<configuration>\n</configuration>\n' >"$CFG/administration.config"
chmod 644 "$CFG/applicationHost.config" "$CFG/redirection.config" "$CFG/administration.config"
mkdir -m 755 "$CFG/keys"

# an administrator's variable in apphostd's environment
# and one of apphost's own (APPHOST_*), as %VAR% of a physicalPath may name
export SECRET_TOKEN=hardening-$$ LANG=C.UTF-8 APPHOST_EXAMPLE_ROOT=/srv/example-$$
WORKER=$REAL start_daemon
unset SECRET_TOKEN APPHOST_EXAMPLE_ROOT

# ---- the configuration files and the keys folder
for f in applicationHost.config redirection.config administration.config; do
	[ "$(mode "$CFG/$f")" = 640 ] || fail "$f has mode $(mode "$CFG/$f"), want 640"
	grep -qF "$CFG/$f was readable by every user (mode 0644); its mode is now 0640" "$LOG" ||
		fail "no notice for $f"
done
[ "$(mode "$CFG/keys")" = 711 ] || fail "keys/ has mode $(mode "$CFG/keys"), want 711"
grep -qF "the key folder $CFG/keys had mode 0755; it is now 0711" "$LOG" || fail "no notice for keys/"
pass "applicationHost.config, redirection.config, administration.config: 0644 -> 0640; keys/ 0755 -> 0711, with notices"

all_up() { [ "$(worker_count)" = 4 ]; }
eventually 30 all_up || fail "the workers did not start: $(ctl LIST WP)"

# the keys: iisConfigurationKey (AesProvider, a vdir password) and iisWasKey
# (IISWASOnlyAesProvider, a pool password), made by appcmd as root
applied() { [ "$(grep -c "configuration applied" "$LOG")" -gt "$1" ]; }
n=$(grep -c "configuration applied" "$LOG" || true)
out=$(appcmd set vdir "SSec/" /password:vdir-secret)
printf '%s' "$out" | grep -q 'VDIR object "SSec/" changed' || fail "appcmd set vdir: $out"
out=$(appcmd set apppool Man /processModel.password:pool-secret)
printf '%s' "$out" | grep -q 'APPPOOL object "Man" changed' || fail "appcmd set apppool: $out"
eventually 20 applied "$n" || fail "the change was not applied"
KEYC=$CFG/keys/iisConfigurationKey.key KEYW=$CFG/keys/iisWasKey.key
[ "$(stat -c '%a %U %G' "$KEYC")" = "640 root iis_iusrs" ] || fail "iisConfigurationKey: $(stat -c '%a %U %G' "$KEYC")"
[ "$(stat -c '%a %U' "$KEYW")" = "600 root" ] || fail "iisWasKey: $(stat -c '%a %U' "$KEYW")"

# as_worker PID CMD...: CMD with the uid, gid and groups of process PID
as_worker() {
	local pid=$1 u g gs
	shift
	u=$(field "$pid" Uid | cut -d' ' -f1)
	g=$(field "$pid" Gid | cut -d' ' -f1)
	gs=$(field "$pid" Groups | tr ' ' ',')
	if [ -n "$gs" ]; then
		setpriv --reuid "$u" --regid "$g" --groups "$gs" "$@"
	else
		setpriv --reuid "$u" --regid "$g" --clear-groups "$@"
	fi
}
eventually 20 all_up || fail "the workers did not come back: $(ctl LIST WP)"
sec=$(worker_pid Sec) man=$(worker_pid Man)
IUSRS=$(getent group iis_iusrs | cut -d: -f3)
field "$sec" Groups | tr ' ' '\n' | grep -qx "$IUSRS" || fail "Sec's worker is not in iis_iusrs"
field "$man" Groups | tr ' ' '\n' | grep -qx "$IUSRS" && fail "Man's worker is in iis_iusrs"
for pid in "$sec" "$man"; do
	for f in applicationHost.config redirection.config administration.config; do
		as_worker "$pid" cat "$CFG/$f" >/dev/null 2>&1 && fail "worker $pid reads $f"
	done
	as_worker "$pid" ls "$CFG/keys" >/dev/null 2>&1 && fail "worker $pid lists keys/"
	as_worker "$pid" cat "$KEYW" >/dev/null 2>&1 && fail "worker $pid reads iisWasKey"
	as_worker "$pid" cat "$CFG/applicationHost.config" 2>&1 | grep -q "Permission denied" ||
		fail "worker $pid: no 'Permission denied' on applicationHost.config"
done
[ "$(as_worker "$sec" cat "$KEYC" | wc -c)" = 32 ] || fail "Sec's worker (iis_iusrs) cannot read iisConfigurationKey"
as_worker "$man" cat "$KEYC" >/dev/null 2>&1 && fail "Man's worker (no iis_iusrs) reads iisConfigurationKey"
pass "a worker's credentials read none of the configuration files, cannot list keys/ nor read iisWasKey; iisConfigurationKey only through iis_iusrs"

# at a reload: the mode is checked again
chmod 644 "$CFG/applicationHost.config"
n=$(grep -c "configuration applied" "$LOG" || true)
appcmd set apppool Sec /queueLength:1001 >/dev/null
eventually 20 applied "$n" || fail "the change was not applied"
[ "$(mode "$CFG/applicationHost.config")" = 640 ] || fail "after a reload applicationHost.config is $(mode "$CFG/applicationHost.config")"
[ "$(grep -c "applicationHost.config was readable by every user" "$LOG")" = 2 ] || fail "no second notice"
pass "at a reload applicationHost.config loses its other bits again"

# ---- the worker's environment
env_of() { tr '\0' '\n' <"/proc/$1/environ"; }
sec=$(worker_pid Sec)
env_of "$sec" | grep -q "^SECRET_TOKEN=" && fail "apphostd's SECRET_TOKEN reached the worker"
env_of "$sec" | grep -qx "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ||
	fail "the worker's PATH: $(env_of "$sec" | grep ^PATH=)"
env_of "$sec" | grep -qx "LANG=C.UTF-8" || fail "the worker lost LANG"
env_of "$sec" | grep -qx "APP_POOL_ID=Sec" || fail "the worker has no APP_POOL_ID"
env_of "$sec" | grep -qx "APPHOST_EXAMPLE_ROOT=/srv/example-$$" || fail "the worker lost APPHOST_EXAMPLE_ROOT"
pass "the worker's environment: no SECRET_TOKEN of apphostd's, the fixed PATH, LANG, APPHOST_*, APP_POOL_ID"

# ---- disallowRotationOnConfigChange: kept for a setting, not for an identity
old=$(worker_pid Rot)
n=$(grep -c "configuration applied" "$LOG" || true)
appcmd set apppool Rot /queueLength:1002 >/dev/null
eventually 20 applied "$n" || fail "the change was not applied"
[ "$(worker_pid Rot)" = "$old" ] || fail "Rot was recycled for a setting despite disallowRotationOnConfigChange"
olduid=$(field "$old" Uid | cut -d' ' -f1)
ns=$(id -u iis-networkservice)
appcmd set apppool Rot /processModel.identityType:NetworkService >/dev/null
rotated() { local p; p=$(worker_pid Rot); [ -n "$p" ] && [ "$p" != "$old" ] && [ "$(field "$p" Uid)" = "$ns $ns $ns $ns" ]; }
eventually 20 rotated || fail "Rot's worker did not change identity: $(ctl LIST WP)"
grep -q "application pool 'Rot': its identity changed (uid $olduid, .*disallowRotationOnConfigChange is true" "$LOG" ||
	fail "no notice of the identity recycle"
pass "disallowRotationOnConfigChange: a setting keeps the worker; an identity change gets a new one as iis-networkservice"

# ---- leftovers of a pool's uid: a detached process dies with the last worker
kid=$(worker_pid Kid)
ku=$(field "$kid" Uid | cut -d' ' -f1)
as_worker "$kid" setsid sleep 1000 </dev/null >/dev/null 2>&1 &
spawned() { pgrep -u "$ku" -x sleep; }
eventually 10 spawned || fail "the pool's detached sleep did not start"
sp=$(pgrep -u "$ku" -x sleep)
[ "$(ps -o sid= -p "$sp" | tr -d ' ')" = "$sp" ] || fail "the sleep is not in a session of its own"
[ "$(ctl STOP APPPOOL Kid)" = OK ] || fail "STOP APPPOOL Kid"
sleep_gone() { ! kill -0 "$sp" 2>/dev/null || [ "$(field "$sp" State | cut -c1)" = Z ]; }
eventually 20 sleep_gone || fail "the pool's detached process $sp survived its last worker"
eventually 10 grep -q "1 process left by the workers of uid $ku was killed" "$LOG" || fail "no notice of the leftover"
pass "a process of the pool's uid in its own session dies with the pool's last worker"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
kill "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=

# ---- the worker's process group (fake worker: one child per connection)
POOLS="" SITES=""
pool Grp grp.test 1 "" "<processModel identityType=\"NetworkService\" />" # a shared uid: no uid sweep
config
LOG=$T/apphostd-fake.log
start_daemon
# a request every half second: the child serving the connection stays
# (it waits 3 s for the next one)
(
	exec 7<>"/dev/tcp/127.0.0.1/$P"
	for i in $(seq 1 60); do
		printf 'GET /x HTTP/1.1\r\nHost: grp.test\r\n\r\n' >&7 || exit 0
		sleep 0.5
	done
) 2>/dev/null &
held=$!
wp=
serving() { wp=$(worker_pid Grp); [ -n "$wp" ] && [ -n "$(pgrep -P "$wp")" ]; }
eventually 20 serving || fail "the fake worker has no child serving the connection"
wp=$(worker_pid Grp)
child=$(pgrep -P "$wp" | head -n1)
[ "$(ps -o pgid= -p "$child" | tr -d ' ')" = "$wp" ] || fail "the child is not in the worker's group"
sleep 1
kill -0 "$child" 2>/dev/null || fail "the child did not stay while requests came"
kill -9 "$wp"
child_gone() { ! kill -0 "$child" 2>/dev/null || [ "$(field "$child" State | cut -c1)" = Z ]; }
eventually 20 child_gone || fail "the worker's child $child survived the worker"
kill "$held" 2>/dev/null || true
wait "$held" 2>/dev/null || true
pass "a child in the worker's process group dies with the worker"
kill "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=

# ---- iis-localservice as uid 0 (its own /etc/passwd in a mount namespace)
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	getent passwd iis-localservice >/dev/null || fail "no iis-localservice"
	sed 's/^\(iis-localservice:[^:]*:\)[0-9]*:/\10:/' /etc/passwd >"$T/passwd"
	grep -q "^iis-localservice:[^:]*:0:" "$T/passwd" || fail "cannot make the test passwd"
	POOLS="" SITES=""
	pool Loc loc.test 1 "" "<processModel identityType=\"LocalService\" />"
	pool Ok ok.test 2 "" ""
	config
	LOG=$T/apphostd-root.log
	APPHOST_SCHEMA_DIR=$SRC/schema unshare -m sh -c 'mount --bind "$0" /etc/passwd && exec "$@"' "$T/passwd" \
		"$APPHOSTD" -f --config-dir "$CFG" --run-dir "$RUN" --worker "$FAKE" --router "$ROUTER" >"$LOG" 2>&1 &
	DPID=$!
	eventually 20 grep -q "ready:" "$LOG" || fail "apphostd (private /etc/passwd) did not start"
	ok_up() { [ -n "$(worker_pid Ok)" ]; }
	eventually 20 ok_up || fail "pool Ok did not start: $(ctl LIST WP)"
	grep -q "application pool 'Loc': the system user iis-localservice has uid 0 and gid [0-9]*; a service account must not be root: the pool cannot start" "$LOG" ||
		fail "no error for iis-localservice as root"
	[ -z "$(worker_pid Loc)" ] || fail "pool Loc has a worker as root"
	expect 503 127.0.0.1 "$P" loc.test /
	pass "iis-localservice with uid 0: its pool refuses to start, with an error"
else
	echo "skipped: iis-localservice as root (no mount namespace)"
fi

grep -qE "AddressSanitizer|runtime error" "$T"/apphostd*.log && fail "errors in the log"
echo "PASS"
