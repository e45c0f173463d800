#!/usr/bin/env bash
# Each pool's isolated configuration file (DESIGN.md §4): only the pool's
# applications (with their sites and bindings), only the pool in
# <applicationPools> and no password, only the locations that apply to the
# pool, everything else unchanged; root:<pool group> 0440 in a folder
# root:<pool group> 0750 (docs/apphostd.md, "The run folder"): readable by
# that pool's workers and no other, even another pool of the same user;
# nothing in it the worker can change (it once could, and so get any file
# handed to itself); rewritten when the source changes, and only then. Site
# log folders: root:<pool group> 0770, and a link in their place is refused.
. "$(dirname "$0")/lib.sh"

P=$(freeport)
body() { # body DEFAULT-DOCUMENT-OF-S2
	echo "
    <!-- pools -->
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" />
            <add name=\"PoolB\">
                <processModel identityType=\"NetworkService\" userName=\"bob\" password=\"secret-of-b\" />
            </add>
            <add name=\"PoolC\"><processModel identityType=\"NetworkService\" /></add>
            <applicationPoolDefaults>
                <processModel identityType=\"ApplicationPoolIdentity\" password=\"secret-default\" />
            </applicationPoolDefaults>
        </applicationPools>
        <sites>
            <site name=\"S1\" id=\"1\">
                <application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <application path=\"/b\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:s1.test\" /></bindings>
            </site>
            <site name=\"S2\" id=\"2\">
                <application path=\"/\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:s2.test\" /></bindings>
            </site>
            <site name=\"S3\" id=\"3\">
                <application path=\"/\" applicationPool=\"PoolC\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:s3.test\" /></bindings>
            </site>
            <siteDefaults><logFile directory=\"$T/logs\" /></siteDefaults>
            <applicationDefaults applicationPool=\"PoolA\" />
        </sites>
    </system.applicationHost>
    <system.webServer>
        <directoryBrowse enabled=\"true\" />
    </system.webServer>
    <location path=\"S1\"><system.webServer><defaultDocument enabled=\"true\" /></system.webServer></location>
    <location path=\"S1/a/deep\"><system.webServer><httpRedirect enabled=\"true\" /></system.webServer></location>
    <location path=\"S1/b/x\"><system.webServer><httpRedirect enabled=\"false\" /></system.webServer></location>
    <location path=\"S2\"><system.webServer><defaultDocument enabled=\"$1\" /></system.webServer></location>
    <location path=\"Nowhere\"><system.webServer><defaultDocument enabled=\"false\" /></system.webServer></location>"
}
write_config "$(body true)"
# S2's log folder: a link to a folder of root's elsewhere, planted before
# apphostd starts (as a user who could write the logs' folder would)
mkdir -p "$T/logs" "$T/victim"
chmod 700 "$T/victim"
ln -s "$T/victim" "$T/logs/W3SVC2"
start_daemon
A=$RUN/apppools/PoolA/PoolA.config
B=$RUN/apppools/PoolB/PoolB.config
[ -f "$A" ] && [ -f "$B" ] || fail "no isolated files: $(ls -R "$RUN")"

has() { grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks: $2"; }
lacks() { grep -qF -- "$2" "$1" && fail "$(basename "$1") has: $2"; return 0; }

has "$A" '<site name="S1" id="1">'
has "$A" '<application path="/">'
lacks "$A" '<application path="/b"'
lacks "$A" '<site name="S2"'
lacks "$A" '<site name="S3"'
has "$A" '<add name="PoolA" />'
lacks "$A" 'name="PoolB"'
has "$A" 'bindingInformation="*:'"$P"':s1.test"'
lacks "$A" 's2.test'
has "$A" '<location path="S1">'
has "$A" '<location path="S1/a/deep">'
lacks "$A" '<location path="S1/b/x">'
lacks "$A" '<location path="S2">'
lacks "$A" 'Nowhere'
pass "PoolA's file: its application, its site and bindings, its pool, its locations"

has "$B" '<site name="S1" id="1">'
has "$B" '<application path="/b" applicationPool="PoolB">'
# S1's root application (PoolA's) stays for its folders: /b inherits its web.config
has "$B" '<application path="/"><virtualDirectory path="/" physicalPath="/tmp" /></application>'
has "$B" '<site name="S2" id="2">'
has "$B" '<processModel identityType="NetworkService" userName="bob" />'
lacks "$B" '<add name="PoolA"'
has "$B" '<location path="S1">'
has "$B" '<location path="S1/b/x">'
has "$B" '<location path="S2">'
lacks "$B" '<location path="S1/a/deep">'
pass "PoolB's file: the site-wide location of S1 applies to its /b too"

for f in "$A" "$B"; do
	lacks "$f" 'secret'
	lacks "$f" 'password='
	has "$f" '<directoryBrowse enabled="true" />'
	has "$f" '<!-- pools -->'
	has "$f" '<section name="sites" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />'
	has "$f" '<applicationDefaults applicationPool="PoolA" />'
done
pass "no password in either file; every other section, declaration and comment is kept"

expect 200 127.0.0.1 "$P" s1.test / "pool=PoolA" "config=$A" "readable=yes"
expect 200 127.0.0.1 "$P" s2.test / "pool=PoolB" "config=$B" "readable=yes"
C=$RUN/apppools/PoolC/PoolC.config
expect 200 127.0.0.1 "$P" s3.test / "pool=PoolC" "config=$C" "readable=yes"

# as_worker POOL COMMAND...: COMMAND with the credentials of POOL's worker
# (its uid, gid and supplementary groups, from /proc)
as_worker() {
	local pid gs
	pid=$(worker_pid "$1")
	[ -n "$pid" ] || fail "no worker for $1: $(ctl LIST WP)"
	gs=$(field "$pid" Groups | tr ' ' ,)
	shift
	setpriv --reuid="$(field "$pid" Uid | cut -d' ' -f1)" --regid="$(field "$pid" Gid | cut -d' ' -f1)" \
		--groups="$gs" "$@"
}
nob=$(id -u iis-networkservice)
# the pool groups, numbered as DESIGN.md §3 and docs/apphostd.md say
declare -A GID
number group GID PoolA PoolB PoolC
ga=${GID[PoolA]} gb=${GID[PoolB]} gc=${GID[PoolC]}
for x in "PoolA $ga" "PoolB $gb" "PoolC $gc"; do
	set -- $x
	pid=$(worker_pid "$1")
	case " $(field "$pid" Groups) " in *" $2 "*) ;; *) fail "$1's worker lacks its pool group $2: $(field "$pid" Groups)" ;; esac
	[ "$(stat -c '%a %u %g' "$RUN/apppools/$1")" = "750 0 $2" ] ||
		fail "$1's folder: $(stat -c '%a %u %g' "$RUN/apppools/$1")"
	for f in "$RUN/apppools/$1/$1.config" "$RUN/apppools/$1/$1.routes"; do
		[ "$(stat -c '%a %u %g' "$f")" = "440 0 $2" ] || fail "$f: $(stat -c '%a %u %g' "$f")"
	done
done
[ "$(stat -c '%a %u' "$RUN/apppools")" = "711 0" ] || fail "apppools: $(stat -c '%a %u' "$RUN/apppools")"
pass "folders root:<pool group> 0750, files root:<pool group> 0440, apppools 0711 root"

as_worker PoolA ls "$RUN/apppools/PoolA" >/dev/null || fail "PoolA cannot list its folder (nor watch it)"
as_worker PoolA cat "$A" >/dev/null || fail "PoolA cannot read its file"
as_worker PoolA ls "$RUN/apppools/PoolB" >/dev/null 2>&1 && fail "PoolA lists PoolB's folder"
as_worker PoolA cat "$B" >/dev/null 2>&1 && fail "PoolA reads PoolB's file"
as_worker PoolA ls "$RUN/apppools" >/dev/null 2>&1 && fail "PoolA lists the pools"
# PoolB and PoolC both run as iis-networkservice: only the pool group tells them apart
[ "$(get 127.0.0.1 "$P" s2.test / | sed -n 's/^uid=//p')" = "$nob" ] &&
	[ "$(get 127.0.0.1 "$P" s3.test / | sed -n 's/^uid=//p')" = "$nob" ] || fail "PoolB and PoolC are not both NetworkService"
as_worker PoolB cat "$B" >/dev/null || fail "PoolB cannot read its file"
as_worker PoolB cat "$C" >/dev/null 2>&1 && fail "PoolB reads PoolC's file (same user)"
as_worker PoolC cat "$B" >/dev/null 2>&1 && fail "PoolC reads PoolB's file (same user)"
as_worker PoolC cat "$RUN/apppools/PoolB/PoolB.routes" >/dev/null 2>&1 && fail "PoolC reads PoolB's routes"
as_worker PoolC cat "$C" >/dev/null || fail "PoolC cannot read its file"
pass "each pool reads its own files and no other's, even another pool of the same user"

# What a worker did to be handed a file of root's: make its folder writable,
# then put a link (or a FIFO) in place of its file. None of it is possible.
as_worker PoolA chmod 700 "$RUN/apppools/PoolA" 2>/dev/null && fail "PoolA's worker changed its folder's mode"
as_worker PoolA chmod 600 "$A" 2>/dev/null && fail "PoolA's worker changed its file's mode"
as_worker PoolA touch "$RUN/apppools/PoolA/planted" 2>/dev/null && fail "PoolA's worker made a file in its folder"
as_worker PoolA ln -s /etc/shadow "$RUN/apppools/PoolA/planted" 2>/dev/null && fail "PoolA's worker made a link in its folder"
as_worker PoolA mv "$A" "$A.old" 2>/dev/null && fail "PoolA's worker renamed its file"
as_worker PoolA mkfifo "$RUN/apppools/PoolA/fifo" 2>/dev/null && fail "PoolA's worker made a FIFO in its folder"
as_worker PoolB chmod 700 "$RUN/apppools/PoolB" 2>/dev/null && fail "PoolB's worker changed its folder's mode"
[ "$(stat -c '%a %u %g' "$RUN/apppools/PoolA")" = "750 0 $ga" ] && [ "$(stat -c '%a %u %g' "$A")" = "440 0 $ga" ] &&
	[ "$(ls -A "$RUN/apppools/PoolA" | xargs)" = "PoolA.config PoolA.routes" ] || fail "PoolA's folder changed: $(ls -la "$RUN/apppools/PoolA")"
pass "a worker cannot change its folder's mode, nor make, link or rename anything in it"

# Log folders: the site's root application's pool group; the planted link refused
[ "$(stat -c '%a %u %g' "$T/logs/W3SVC1")" = "770 0 $ga" ] || fail "S1's log folder: $(stat -c '%a %u %g' "$T/logs/W3SVC1")"
[ "$(stat -c '%a %u %g' "$T/logs/W3SVC3")" = "770 0 $gc" ] || fail "S3's log folder: $(stat -c '%a %u %g' "$T/logs/W3SVC3")"
[ -L "$T/logs/W3SVC2" ] || fail "the link in place of S2's log folder was replaced"
[ "$(stat -c '%a %u %g' "$T/victim")" = "700 0 0" ] || fail "the link's target was changed: $(stat -c '%a %u %g' "$T/victim")"
grep -qF "application pool 'PoolB': cannot prepare the log folder '$T/logs/W3SVC2' of site 'S2': it is a symbolic link" "$LOG" ||
	fail "no warning for the link in place of S2's log folder"
pass "log folders root:<pool group> 0770; a link in place of one is refused with a warning, its target untouched"

ino_a=$(stat -c '%i %Y' "$A")
ino_b=$(stat -c '%i' "$B")
write_config "$(body false)"
eventually 5 grep -q '<defaultDocument enabled="false" /></system.webServer></location>' "$B" ||
	fail "PoolB's file was not rewritten"
[ "$(stat -c '%i %Y' "$A")" = "$ino_a" ] || fail "PoolA's file was rewritten, though unchanged"
[ "$(stat -c '%i' "$B")" != "$ino_b" ] || fail "PoolB's file was not replaced atomically"
[ "$(stat -c '%a %u %g' "$B")" = "440 0 $gb" ] || fail "the rewritten file: $(stat -c '%a %u %g' "$B")"
pass "a change rewrites the files whose content changes, and only those"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
