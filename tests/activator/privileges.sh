#!/usr/bin/env bash
# Who runs as whom: apphostd as root; the router as apphost-router (never
# root) with no_new_privs and no capabilities; each ApplicationPoolIdentity
# pool's worker as its own dynamic uid (61184-65519, from the pool name),
# NetworkService as iis-networkservice, LocalSystem as root with a warning; and
# apphostd started as another user runs everything as that user. IDENTITY
# APPPOOL tells each of these as /proc shows it (and, for a pool without a
# worker under a non-root apphostd, apphostd's own ids).
. "$(dirname "$0")/lib.sh"

P=$(freeport)
write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"Alpha\" startMode=\"AlwaysRunning\" />
            <add name=\"Beta\" startMode=\"AlwaysRunning\" />
            <add name=\"Net\" startMode=\"AlwaysRunning\"><processModel identityType=\"NetworkService\" /></add>
            <add name=\"Sys\" startMode=\"AlwaysRunning\"><processModel identityType=\"LocalSystem\" /></add>
        </applicationPools>
        <sites>
            <site name=\"S\" id=\"1\">
                <application path=\"/\" applicationPool=\"Alpha\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"127.0.0.1:$P:\" /></bindings>
            </site>
        </sites>
    </system.applicationHost>"
start_daemon

rp=$(router_pid)
[ -n "$rp" ] || fail "no router process"
ru=$(field "$rp" Uid)
case " $ru " in *" 0 "*) fail "the router runs as root: Uid $ru" ;; esac
want=$(id -u apphost-router 2>/dev/null || id -u nobody)
[ "$ru" = "$want $want $want $want" ] || fail "router Uid '$ru', want $want"
[ "$(field "$rp" NoNewPrivs)" = 1 ] || fail "router NoNewPrivs"
[ "$(field "$rp" CapEff)" = 0000000000000000 ] || fail "router CapEff $(field "$rp" CapEff)"
[ "$(field "$rp" Groups)" = "$(id -g apphost-router 2>/dev/null || id -g nobody)" ] ||
	fail "router Groups '$(field "$rp" Groups)'"
[ "$(field "$DPID" Uid)" = "0 0 0 0" ] || fail "apphostd is not root"
pass "the router runs as $want (not root), no_new_privs, no capabilities"

four_workers() { [ "$(worker_count)" = 4 ]; }
eventually 10 four_workers || fail "AlwaysRunning pools did not start: $(ctl LIST WP)"
for pool in Alpha Beta; do
	pid=$(worker_pid "$pool")
	u=$(fnv "$pool")
	[ "$(field "$pid" Uid)" = "$u $u $u $u" ] || fail "$pool's worker Uid '$(field "$pid" Uid)', want $u"
	[ "$(field "$pid" Gid)" = "$u $u $u $u" ] || fail "$pool's worker Gid '$(field "$pid" Gid)'"
	[ "$(field "$pid" Groups | tr ' ' '\n' | sort -n | xargs)" = "$(printf '%s\n' "$u" "$(getent group iis_iusrs | cut -d: -f3)" | sort -n | xargs)" ] ||
		fail "$pool's worker Groups '$(field "$pid" Groups)'"
	[ "$(field "$pid" NoNewPrivs)" = 1 ] || fail "$pool's worker NoNewPrivs"
	[ "$(field "$pid" CapEff)" = 0000000000000000 ] || fail "$pool's worker has capabilities"
	getent passwd "$u" >/dev/null && fail "uid $u of $pool has an account"
	tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "APP_POOL_ID=$pool" || fail "$pool: APP_POOL_ID"
	tr '\0' '\n' <"/proc/$pid/environ" |
		grep -qx "APP_POOL_CONFIG=$RUN/apppools/$pool/$pool.config" || fail "$pool: APP_POOL_CONFIG"
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-ap $pool -h $RUN/apppools/$pool/$pool.config" ||
		fail "$pool: command line $(tr '\0' ' ' <"/proc/$pid/cmdline")"
done
[ "$(fnv Alpha)" != "$(fnv Beta)" ] || fail "Alpha and Beta share a uid"
pass "ApplicationPoolIdentity: uid = gid = 61184 + FNV-1a(name) mod 4336, its own group and iis_iusrs"

ns=$(id -u iis-networkservice)
[ "$(field "$(worker_pid Net)" Uid)" = "$ns $ns $ns $ns" ] || fail "NetworkService worker"
[ "$(field "$(worker_pid Sys)" Uid)" = "0 0 0 0" ] || fail "LocalSystem worker"
grep -q "application pool 'Sys' runs as LocalSystem" "$LOG" || fail "no LocalSystem warning"
for pool in Net Sys; do
	pid=$(worker_pid "$pool")
	[ "$(ctl IDENTITY APPPOOL "$pool")" = "$pid $(identity_of "$pid" "$pool")"$'\n'"OK" ] ||
		fail "IDENTITY APPPOOL $pool: '$(ctl IDENTITY APPPOOL "$pool")'"
done
pass "NetworkService runs as iis-networkservice; LocalSystem as root, with a warning"
nob=$(id -u nobody)

# apphostd started by another user: everything runs as that user.
kill "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=
LOG=$T/apphostd-nobody.log
RUN2=$T/run-nobody
mkdir -p "$RUN2"
chown nobody "$RUN2"
# apphostd as root made the configuration root's alone; this one must read it
[ "$(stat -c %a "$CFG/applicationHost.config")" = 640 ] ||
	fail "applicationHost.config is $(stat -c %a "$CFG/applicationHost.config") after apphostd as root"
chown nobody "$CFG/applicationHost.config"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	env APPHOST_SCHEMA_DIR="$SRC/schema" "$APPHOSTD" -f --config-dir "$CFG" --run-dir "$RUN2" \
	--worker "$FAKE" --router "$ROUTER" >"$LOG" 2>&1 &
DPID=$!
eventually 10 grep -q "ready:" "$LOG" || fail "apphostd as nobody did not start"
grep -q "apphostd is not running as root" "$LOG" || fail "no warning when not root"
grep -q "LocalService pools keep their network access" "$LOG" || fail "the warning does not say LocalService keeps its network"
expect 200 127.0.0.1 "$P" x.test / "pool=Alpha" "uid=$nob"
rp=$(router_pid)
[ "$(field "$rp" Uid)" = "$nob $nob $nob $nob" ] || fail "the router of a non-root apphostd"
# Beta stopped: no worker, so IDENTITY tells what the next one would run as
[ "$("$ACTOOL" ctl "$RUN2/control.sock" "STOP APPPOOL Beta")" = OK ] || fail "STOP APPPOOL Beta"
for pool in Alpha Beta; do
	out=$("$ACTOOL" ctl "$RUN2/control.sock" "IDENTITY APPPOOL $pool")
	pid=${out%% *}
	case $pool:$pid in Alpha:[0-9]* | Beta:-) ;; *) fail "IDENTITY APPPOOL $pool: '$out'" ;; esac
	[ "$pid" = - ] && pid=$DPID # no worker: it would run as apphostd does
	[ "$out" = "${out%% *} $(identity_of "$pid" "$pool")"$'\n'"OK" ] ||
		fail "IDENTITY APPPOOL $pool of a non-root apphostd: '$out'"
done
pass "apphostd as nobody: the router and the workers run as nobody, with a warning"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
