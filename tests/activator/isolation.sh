#!/usr/bin/env bash
# Each pool's isolated configuration file (DESIGN.md §4): only the pool's
# applications (with their sites and bindings), only the pool in
# <applicationPools> and no password, only the locations that apply to the
# pool, everything else unchanged; mode 0400, owned by the pool's worker
# user; readable by that worker and no other; rewritten when the source
# changes, and only then.
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
ua=$(get 127.0.0.1 "$P" s1.test / | sed -n 's/^uid=//p')
[ "$(stat -c '%a %u %g' "$A")" = "400 $ua $ua" ] || fail "PoolA's file: $(stat -c '%a %u %g' "$A")"
nob=$(id -u iis-networkservice)
[ "$(stat -c '%a %u' "$B")" = "400 $nob" ] || fail "PoolB's file: $(stat -c '%a %u' "$B")"
[ "$(stat -c '%a %u' "$RUN/apppools")" = "711 0" ] || fail "apppools: $(stat -c '%a %u' "$RUN/apppools")"
[ "$(stat -c '%a %u' "$RUN/apppools/PoolA")" = "500 $ua" ] ||
	fail "PoolA's folder: $(stat -c '%a %u' "$RUN/apppools/PoolA")"
setpriv --reuid="$ua" --regid="$ua" --clear-groups ls "$RUN/apppools/PoolA" >/dev/null ||
	fail "PoolA cannot list its folder (nor watch it)"
setpriv --reuid="$ua" --regid="$ua" --clear-groups ls "$RUN/apppools/PoolB" >/dev/null 2>&1 &&
	fail "PoolA lists PoolB's folder"
setpriv --reuid="$ua" --regid="$ua" --clear-groups cat "$A" >/dev/null || fail "PoolA cannot read its file"
setpriv --reuid="$ua" --regid="$ua" --clear-groups cat "$B" >/dev/null 2>&1 && fail "PoolA reads PoolB's file"
setpriv --reuid="$ua" --regid="$ua" --clear-groups ls "$RUN/apppools" >/dev/null 2>&1 &&
	fail "PoolA lists the pools"
pass "mode 0400, owned by the worker's user, in its own folder; the other pool cannot read it"

ino_a=$(stat -c '%i %Y' "$A")
ino_b=$(stat -c '%i' "$B")
write_config "$(body false)"
eventually 5 grep -q '<defaultDocument enabled="false" /></system.webServer></location>' "$B" ||
	fail "PoolB's file was not rewritten"
[ "$(stat -c '%i %Y' "$A")" = "$ino_a" ] || fail "PoolA's file was rewritten, though unchanged"
[ "$(stat -c '%i' "$B")" != "$ino_b" ] || fail "PoolB's file was not replaced atomically"
[ "$(stat -c '%a %u' "$B")" = "400 $nob" ] || fail "the rewritten file: $(stat -c '%a %u' "$B")"
pass "a change rewrites the files whose content changes, and only those"

grep -qE "AddressSanitizer|runtime error" "$LOG" && fail "errors in the log"
echo "PASS"
