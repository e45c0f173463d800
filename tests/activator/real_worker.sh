#!/usr/bin/env bash
# apphostd with the real worker (apphost-worker), through the handoff: two
# sites in two pools on one port, told apart by host; an unknown host; a
# site stopped under a kept-alive connection; a
# pool stopped and started; a binding added on a new port without a
# restart; the W3C log folders (siteDefaults' directory with %SystemDrive%,
# a site's own), made by apphostd for the pool's group, and one log for a
# site whose applications run in two pools (the folder's ACLs); what each worker
# runs as (IDENTITY APPPOOL, appcmd's workerIdentity and applicationPoolSid). Runs when the worker is built (tests/CMakeLists.txt); the sixth
# argument names it.
. "$(dirname "$0")/lib.sh"
WORKER=$6

P=$(freeport)
mkdir -p "$T/www/a" "$T/www/b" "$T/www/b/api"
echo "hello from a" >"$T/www/a/hello.txt"
echo "hello from b" >"$T/www/b/hello.txt"
echo "hello from a's /api" >"$T/www/b/api/hello.txt"
printf '<configuration />\n' >"$T/www/a/web.config"
chmod -R a+rX "$T/www"
config() { # config EXTRA-BINDING-OF-B [POOL-OF-A/api]
	write_config "
    <system.applicationHost>
        <applicationPools>
            <add name=\"PoolA\" />
            <add name=\"PoolB\" />
            <add name=\"PoolC\" />
        </applicationPools>
        <sites>
            <site name=\"A\" id=\"1\">
                <application path=\"/\" applicationPool=\"PoolA\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/a\" /></application>
                <application path=\"/api\" applicationPool=\"${2:-PoolB}\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/b/api\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:a.test\" /></bindings>
            </site>
            <site name=\"B\" id=\"2\">
                <application path=\"/\" applicationPool=\"PoolB\"><virtualDirectory path=\"/\" physicalPath=\"$T/www/b\" /></application>
                <bindings><binding protocol=\"http\" bindingInformation=\"*:$P:b.test\" />$1</bindings>
                <logFile directory=\"$T/blogs\" />
            </site>
            <siteDefaults><logFile directory=\"%SystemDrive%\\inetpub\\logs\\LogFiles\" /></siteDefaults>
        </sites>
    </system.applicationHost>
$(webserver_defaults)"
}
config ""
export APPHOST_SYSTEM_DRIVE=$T/sysdrive
start_daemon

expect 200 127.0.0.1 "$P" a.test /hello.txt "hello from a"
expect 200 127.0.0.1 "$P" b.test /hello.txt "hello from b"
expect 404 127.0.0.1 "$P" a.test /web.config
expect 400 127.0.0.1 "$P" c.test /hello.txt "Bad Request - Invalid Hostname"
pass "the real worker serves what the router hands it, per pool"


for pool in PoolA PoolB; do
	pid=$(worker_pid "$pool")
	[ -n "$pid" ] || fail "no worker for $pool: $(ctl LIST WP)"
	u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	[ "$u" -ge 61184 ] && [ "$u" -le 65519 ] || fail "$pool's worker runs as uid $u"
done
# IDENTITY APPPOOL (the control socket) and appcmd's workerIdentity: what the
# worker really runs as, checked against /proc and the user and group
# databases (identity_of, lib.sh); ids without an entry are the pool's
# virtual account.
sid_of() { # sid_of POOL: S-1-5-82- and the SHA-1 of the lower-cased UTF-16LE name
	local h i w
	h=$(printf '%s' "${1,,}" | iconv -f UTF-8 -t UTF-16LE | sha1sum | cut -c1-40)
	printf 'S-1-5-82'
	for i in 0 8 16 24 32; do
		w=${h:$i:8}
		printf -- '-%u' "0x${w:6:2}${w:4:2}${w:2:2}${w:0:2}"
	done
}
uid_a=$(awk '/^Uid:/ { print $2 }' "/proc/$(worker_pid PoolA)/status")
for pool in PoolA PoolB; do
	pid=$(worker_pid "$pool")
	want=$(identity_of "$pid" "$pool")
	case $want in "uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")(IIS APPPOOL\\$pool) "*) ;;
	*) fail "$pool's worker: a uid of another account: $want" ;; esac
	out=$(ctl IDENTITY APPPOOL "$pool")
	[ "$out" = "$pid $want"$'\n'"OK" ] || fail "IDENTITY APPPOOL $pool: '$out', want '$pid $want'"
done
[ "$(ctl IDENTITY APPPOOL NoSuchPool)" = "ERROR 800710d8 The object identifier does not represent a valid object." ] ||
	fail "IDENTITY APPPOOL of an unknown pool: $(ctl IDENTITY APPPOOL NoSuchPool)"
pass "IDENTITY APPPOOL shows the uid, gid and groups the worker runs as, from /proc"
if [ -n "${AH_APPCMD:-}" ] && [ -x "$AH_APPCMD" ]; then
	appcmd() {
		APPHOST_RUN_DIR=$RUN APPHOST_CONFIG_DIR=$CFG APPHOST_SCHEMA_DIR=$SRC/schema \
			"$AH_APPCMD" "$@" 2>&1 || true
	}
	pid=$(worker_pid PoolA)
	want=$(identity_of "$pid" PoolA)
	out=$(appcmd list apppool PoolA /text:* | sed -n 5,7p)
	exp="  state: Started
  applicationPoolSid: $(sid_of PoolA)
  workerIdentity: $want"
	[ "$out" = "$exp" ] || fail "appcmd list apppool /text:*: '$out', want '$exp'"
	[ "$(appcmd list apppool PoolB /text:workerIdentity)" = "$(identity_of "$(worker_pid PoolB)" PoolB)" ] ||
		fail "appcmd /text:workerIdentity: $(appcmd list apppool PoolB /text:workerIdentity)"
	appcmd list apppool PoolA /xml | grep -q 'workerIdentity\|applicationPoolSid' &&
		fail "appcmd /xml shows apphost's additions: $(appcmd list apppool PoolA /xml)"
	[ "$(appcmd list apppool PoolA)" = 'APPPOOL "PoolA" (MgdVersion:,MgdMode:Integrated,state:Started)' ] ||
		fail "appcmd list apppool: $(appcmd list apppool PoolA)"
	pass "appcmd list apppool /text:* shows the pool's SID and what its worker runs as"
fi

logged() { # logged FOLDER TEXT: a W3C log file in FOLDER has TEXT
	cat "$1"/u_ex*.log 2>/dev/null | grep -q "$2"
}
check_logs() { # check_logs POOL FOLDER
	local pid u g
	pid=$(worker_pid "$1")
	u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	eventually 5 logged "$2" "GET /hello.txt" || fail "no log line in $2: $(ls -la "$2" 2>&1)"
	# root:<pool group> 0770; an ApplicationPoolIdentity's primary group is its pool group
	g=$(sed -n 's/^Gid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	[ "$(stat -c %u:%g:%a "$2")" = "0:$g:770" ] || fail "$2 is $(stat -c %u:%g:%a "$2"), not 0:$g:770"
	[ "$(stat -c %u "$(ls "$2"/u_ex*.log | head -n1)")" = "$u" ] || fail "the log file is not the worker's"
}
check_logs PoolA "$T/sysdrive/inetpub/logs/LogFiles/W3SVC1"
check_logs PoolB "$T/blogs/W3SVC2"
grep -q "Permission denied" "$LOG" && fail "a worker could not write: $(grep 'Permission denied' "$LOG")"
pass "each site's log folder is made for its worker, which writes its log there"

# Site A's / runs in PoolA, its /api in PoolB: as HTTP.sys does in IIS, both
# pools' workers append to the one W3SVC1 log, which the folder's ACLs let
# PoolB's group write; PoolC, which serves nothing of A, cannot get in.
command -v getfacl >/dev/null || fail "getfacl is missing (Debian package acl, scripts/install-deps.sh)"
W1=$T/sysdrive/inetpub/logs/LogFiles/W3SVC1
creds_of() { # creds_of POOL: "UID GID GROUPS" (GROUPS comma-separated), from IDENTITY APPPOOL
	ctl IDENTITY APPPOOL "$1" | head -n1 |
		sed -e 's/([^)]*)//g' -e 's/^[^ ]* uid=\([0-9]*\) gid=\([0-9]*\) groups=\(.*\)$/\1 \2 \3/'
}
as_pool() { # as_pool POOL COMMAND...: COMMAND with the credentials of the pool's worker
	local u g gs
	read -r u g gs <<<"$(creds_of "$1")"
	shift
	setpriv --reuid="$u" --regid="$g" --groups="$gs" -- "$@"
}
read -r _ gB _ <<<"$(creds_of PoolB)" # an ApplicationPoolIdentity's gid is its pool group
read -r _ gC _ <<<"$(creds_of PoolC)"
[ -n "$gB" ] && [ -n "$gC" ] || fail "IDENTITY APPPOOL: $(ctl IDENTITY APPPOOL PoolB) $(ctl IDENTITY APPPOOL PoolC)"
acl=$(getfacl -cnp "$W1")
printf '%s\n' "$acl" | grep -qx "group:$gB:rwx" || fail "the ACL of $W1 does not name PoolB's group $gB: $acl"
printf '%s\n' "$acl" | grep -qx "default:group:$gB:rw-" ||
	fail "the default ACL of $W1 does not give PoolB's group $gB rw-: $acl"
printf '%s\n' "$acl" | grep -qx "other::---" || fail "others can use $W1: $acl"
printf '%s\n' "$acl" | grep -q ":$gC:" && fail "the ACL of $W1 names PoolC's group: $acl"

burst() { # burst PATH: 30 requests to a.test
	local i
	for i in $(seq 1 30); do get 127.0.0.1 "$P" a.test "$1?n=$i" >/dev/null; done
}
burst /hello.txt &
b1=$!
burst /api/hello.txt &
b2=$!
wait "$b1" "$b2"
lines_of() { # lines_of PATH: the lines of W3SVC1's log files for the bursts to PATH
	cat "$W1"/u_ex*.log | grep -c " GET $1 n=[0-9]* " || true
}
all_logged() { [ "$(lines_of /hello.txt)" = 30 ] && [ "$(lines_of /api/hello.txt)" = 30 ]; }
eventually 10 all_logged ||
	fail "W3SVC1 has $(lines_of /hello.txt) of PoolA's 30 lines and $(lines_of /api/hello.txt) of PoolB's: $(ls -la "$W1")"
one_file=""
for f in "$W1"/u_ex*.log; do
	grep -q " GET /hello.txt n=" "$f" && grep -q " GET /api/hello.txt n=" "$f" && one_file=$f
done
[ -n "$one_file" ] || fail "the two pools' requests are in different files: $(ls -la "$W1")"
# whole lines only: every line is a header line or starts with a date, and ends with CRLF
bad=$(grep -v '^#' "$one_file" | grep -cv $'^[0-9]\\{4\\}-[0-9][0-9]-[0-9][0-9] [0-9:]\\{8\\} .*\r$' || true)
[ "$bad" = 0 ] || fail "$bad torn or interleaved lines in $one_file: $(grep -v '^#' "$one_file" | head -n5)"
grep -q "cannot open the log file $W1" "$LOG" && fail "a worker could not open W3SVC1's log: $(grep "$W1" "$LOG")"
fileacl=$(getfacl -cnp "$one_file")
printf '%s\n' "$fileacl" | grep -qx "group:$gB:rw-" || fail "the log file does not let PoolB's group write: $fileacl"
pass "both pools of site A append to the same W3SVC1 log file, whole lines, through the folder's ACLs"

as_pool PoolB sh -c 'echo probe >"$1"' sh "$W1/probe-b" 2>/dev/null ||
	fail "PoolB's credentials cannot make a file in $W1 ($(getfacl -cnp "$W1" | tr '\n' ' '))"
rm -f "$W1/probe-b"
as_pool PoolC sh -c 'echo probe >"$1"' sh "$W1/probe-c" 2>/dev/null &&
	fail "PoolC, which serves nothing of site A, made a file in $W1"
as_pool PoolC sh -c 'echo forged >>"$1"' sh "$one_file" 2>/dev/null &&
	fail "PoolC appended to $one_file"
[ -e "$W1/probe-c" ] && fail "PoolC's file is in $W1"
pass "a pool that serves nothing of the site cannot write its log folder"

ka() { # ka HOST1 HOST2 PATH: the two responses of one kept-alive connection
	"$ACTOOL" keepalive 127.0.0.1 "$P" "$1" "$2" "$3" 2>&1 || true
}
for try in 1 2; do
	out=$(ka a.test b.test /hello.txt)
	printf '%s' "${out%%----*}" | grep -q "hello from a" || fail "keep-alive, first: $out"
	printf '%s' "${out#*----}" | grep -q "hello from b" || fail "keep-alive, second: $out"
	out=$(ka b.test a.test /hello.txt)
	printf '%s' "${out%%----*}" | grep -q "hello from b" || fail "keep-alive, first: $out"
	printf '%s' "${out#*----}" | grep -q "hello from a" || fail "keep-alive, second: $out"
done
pass "a keep-alive request for another pool's site goes back to the router and on to its worker"
out=$(printf 'GET /hello.txt HTTP/1.1\r\nHost: a.test\r\n\r\nGET /api/hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n' |
	"$ACTOOL" raw 127.0.0.1 "$P" 5 2>&1 || true)
printf '%s' "$out" | grep -q "hello from a$" || fail "pipelined, first: $out"
printf '%s' "$out" | grep -q "hello from a's /api" || fail "pipelined, second: $out"
printf '%s' "$out" | grep -q "503" && fail "pipelined: a 503: $out"
pass "a pipelined request for another pool's application of the same site goes there too"

# A site stopped while a worker holds one of its kept-alive connections: the
# next request on it goes back to the router, which answers what HTTP.sys
# answers for a stopped site (no other binding matches here): 404, "The
# requested resource is not found." (docs/apphostd.md, Routing); after START
# SITE it is served again. The worker
# reads its routes file at most once a second (src/worker/route.c), so the
# second request is sent a little over a second after apphostd rewrote it.
ROUTES=$RUN/apppools/PoolA/PoolA.routes
ka_hold() { # ka_hold HOST: first request now, the second once $T/go exists
	rm -f "$T/go" "$T/ka.out"
	"$ACTOOL" keepalive 127.0.0.1 "$P" "$1" "$1" /hello.txt "$T/go" >"$T/ka.out" 2>&1 &
	ka_pid=$!
}
ka_first() { grep -q "^HTTP/1.1 200" "$T/ka.out" && grep -q "hello from" "$T/ka.out"; }
ka_second() { # ka_second: sets out to the second response, once the first was read
	eventually 10 ka_first || fail "keep-alive, first: $(cat "$T/ka.out")"
	touch "$T/go"
	wait "$ka_pid" || fail "keep-alive: $(cat "$T/ka.out")"
	out=$(sed -n '/^----\r\?$/,$p' "$T/ka.out")
}
routes_say() { grep -qx "s $1" "$ROUTES"; }
ka_hold a.test
eventually 10 ka_first || fail "keep-alive, first: $(cat "$T/ka.out")"
[ "$(ctl STOP SITE A)" = "OK" ] || fail "STOP SITE A"
eventually 5 routes_say "1 0" || fail "the routes file does not say site 1 is stopped: $(cat "$ROUTES")"
routes_say "2 1" || fail "the routes file does not say site 2 is started: $(cat "$ROUTES")"
sleep 1.2
ka_second
printf '%s' "$out" | grep -q "^HTTP/1.1 404 Not Found" &&
	printf '%s' "$out" | grep -q "The requested resource is not found" ||
	fail "keep-alive after STOP SITE: not the stopped site's 404: $(cat "$T/ka.out")"
printf '%s' "$out" | grep -q "hello from" && fail "keep-alive after STOP SITE: served: $out"
ka_hold b.test
sleep 1.2
ka_second
printf '%s' "$out" | grep -q "hello from b" || fail "keep-alive on a started site, second: $out"
expect 404 127.0.0.1 "$P" a.test /hello.txt "The requested resource is not found."
[ "$(ctl START SITE A)" = "OK" ] || fail "START SITE A"
eventually 5 routes_say "1 1" || fail "the routes file does not say site 1 is started: $(cat "$ROUTES")"
ka_hold a.test
sleep 1.2
ka_second
printf '%s' "$out" | grep -q "^HTTP/1.1 200" && printf '%s' "$out" | grep -q "hello from a" ||
	fail "keep-alive after START SITE, second: $out"
pass "a kept-alive request for a site stopped meanwhile gets the router's 404; served again once started"

[ "$(ctl STOP APPPOOL PoolA)" = "OK" ] || fail "STOP APPPOOL"
expect 503 127.0.0.1 "$P" a.test /hello.txt
# no worker: what the next one would run as (the pool's account), no pid
no_worker() { [ -z "$(worker_pid PoolA)" ]; }
eventually 10 no_worker || fail "PoolA's worker did not stop: $(ctl LIST WP)"
out=$(ctl IDENTITY APPPOOL PoolA)
case $out in "- uid=$uid_a(IIS APPPOOL\PoolA) "*$'\n'OK) ;;
*) fail "IDENTITY APPPOOL of a stopped pool: '$out'" ;; esac
[ "$(ctl START APPPOOL PoolA)" = "OK" ] || fail "START APPPOOL"
expect 200 127.0.0.1 "$P" a.test /hello.txt "hello from a"
pass "stop and start with the real worker"

Q=$(freeport)
config "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />"
b_on_q() { get 127.0.0.1 "$Q" any.test /hello.txt | grep -q "hello from b"; }
eventually 5 b_on_q || fail "the new binding on port $Q is not served: $(get 127.0.0.1 "$Q" any.test /hello.txt)"
pass "a binding added on a new port is served by the real worker without a restart"

# /api moves to PoolC: the folder's ACLs follow (PoolC's group in, PoolB's out)
config "<binding protocol=\"http\" bindingInformation=\"127.0.0.1:$Q:\" />" PoolC
acl_follows() {
	local acl
	acl=$(getfacl -cnp "$W1")
	printf '%s\n' "$acl" | grep -qx "group:$gC:rwx" && ! printf '%s\n' "$acl" | grep -q ":$gB:"
}
eventually 10 acl_follows || fail "the ACL of $W1 after /api moved to PoolC: $(getfacl -cnp "$W1" | tr '\n' ' ')"
as_pool PoolB sh -c 'echo probe >"$1"' sh "$W1/probe-b" 2>/dev/null &&
	fail "PoolB still writes $W1 after leaving site A"
as_pool PoolC sh -c 'echo probe >"$1"' sh "$W1/probe-c" 2>/dev/null ||
	fail "PoolC cannot write $W1 after joining site A"
pass "the log folder's ACLs follow the pools of the site at a configuration change"
echo "PASS"
