# Helpers of the worker tests (sourced by run.sh): a temporary configuration
# and content tree, the real apphost-worker (alone, or behind apphostd) on a
# free loopback port, HTTP requests with curl or raw bytes over bash's
# /dev/tcp, and checks.

PASS=0
FAIL=0
WPID=""

# The server under test: the worker alone (apphost-worker --listen), or, when
# $APPHOSTD names apphostd, the daemon with its router and real workers on
# the same configuration, with a private run and configuration folder (the
# daemon mode needs root: its workers run as the pools' identities).
APPHOSTD=${APPHOSTD:-}
ROUTER=${ROUTER:-}
if [ -n "$APPHOSTD" ]; then
	READY="ready:"
else
	READY="listening on"
fi

note() { printf '%s\n' "$*" >&2; }

ok() {
	PASS=$((PASS + 1))
	printf 'ok   %s\n' "$1"
}

bad() {
	FAIL=$((FAIL + 1))
	printf 'FAIL %s\n' "$1"
	shift
	for l in "$@"; do printf '     %s\n' "$l"; done
}

# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got:  [$2]" "want: [$3]"; fi
}

# check_has NAME FILE TEXT: FILE contains TEXT
check_has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "no [$3] in:" "$(head -c 600 "$2")"; fi
}

# check_lacks NAME FILE TEXT
check_lacks() {
	if grep -qiF -- "$3" "$2"; then bad "$1" "unexpected [$3] in:" "$(head -c 600 "$2")"; else ok "$1"; fi
}

# A header's value from a curl header dump (last response of the dump).
header() {
	tr -d '\r' <"$1" | awk -v h="$2" 'BEGIN{IGNORECASE=1}
		/^HTTP\//{v=""} index(tolower($0), tolower(h) ":")==1{sub(/^[^:]*:[ \t]*/, ""); v=$0}
		END{print v}'
}

# Make the configuration and content tree under $T.
make_tree() {
	mkdir -p "$T/cfg" "$T/a/sub" "$T/a/empty" "$T/a/bin" "$T/a/App_Data" "$T/a/limits" \
		"$T/a/cached" "$T/a/sub2" "$T/app" "$T/b" "$T/shared"
	sed -e "s#@PORT@#$PORT#g" -e "s#@ROOT@#$T#g" -e "s#@AUTHUSER@#${AUTHUSER:-ahnone1}#g" \
		-e "s#@AUTHUSER2@#${AUTHUSER2:-ahnone2}#g" -e "s#@AUTHGROUP@#${AUTHGROUP:-ahnone}#g" \
		-e "s#@POOLA@#${POOLA:-}#g" \
		"$SRC/tests/worker/applicationHost.config.in" >"$T/cfg/applicationHost.config"
	# 1 KB of known bytes
	awk 'BEGIN{for(i=0;i<20;i++){printf "line %02d of the one kilobyte file, sixty-four bytes a line...\n", i}}' \
		| head -c 1024 >"$T/a/hello.txt"
	printf 'body { color: red; }\n' >"$T/a/style.css"
	printf 'unknown extension\n' >"$T/a/data.xyz"
	printf '<p>sub index</p>\n' >"$T/a/sub/index.htm"
	printf '<p>site A default</p>\n' >"$T/a/Default.htm"
	printf 'in bin\n' >"$T/a/bin/x.txt"
	printf 'in App_Data\n' >"$T/a/App_Data/x.txt"
	printf 'Mixed case\n' >"$T/a/MixedCase.TXT"
	printf 'short\n' >"$T/a/limits/f.txt"
	printf 'cached\n' >"$T/a/cached/f.txt"
	printf '<p>start</p>\n' >"$T/a/sub2/start.htm"
	printf 'shared folder\n' >"$T/shared/s.txt"
	printf '<configuration />\n' >"$T/a/web.config"
	printf '<p>app home</p>\n' >"$T/app/home.html"
	cat >"$T/app/web.config" <<-'EOF'
	<?xml version="1.0" encoding="UTF-8"?>
	<configuration>
	    <system.webServer>
	        <defaultDocument>
	            <files>
	                <add value="home.html" />
	            </files>
	        </defaultDocument>
	    </system.webServer>
	</configuration>
	EOF
	printf 'site B hello\n' >"$T/b/hello.txt"
	printf '<configuration />\n' >"$T/b/web.config"
	make_module_tree
}

# The folders of the module tests (locations of applicationHost.config.in).
make_module_tree() {
	local d
	for d in broken locked dup custom/errors custom2 passthrough detailed proto/cleared moved \
		child/sub wild rf/private rfverbs basic/members basic/denied/sub basic/readonly \
		both/private noauth anonfile nolog errorsonly; do
		mkdir -p "$T/a/$d"
	done
	mkdir -p "$T/custerr/en-US" "$T/custerr/fr-FR"
	for d in broken locked dup custom custom2 passthrough detailed proto proto/cleared moved \
		child child/sub wild rf rf/private rfverbs basic basic/members basic/denied \
		basic/denied/sub basic/readonly both both/private noauth nolog errorsonly; do
		printf 'f in %s\n' "$d" >"$T/a/$d/f.txt"
	done
	# an unrecognized attribute on line 3 (0x8007000D)
	cat >"$T/a/broken/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <directoryBrowse enabled="true" bogus="1" />
	    </system.webServer>
	</configuration>
	EOF
	# a section locked at the server level (0x80070021)
	cat >"$T/a/locked/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <security>
	            <authentication>
	                <anonymousAuthentication enabled="false" />
	            </authentication>
	        </security>
	    </system.webServer>
	</configuration>
	EOF
	# a duplicate collection entry (0x800700B7)
	cat >"$T/a/dup/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <defaultDocument>
	            <files>
	                <add value="Default.htm" />
	            </files>
	        </defaultDocument>
	    </system.webServer>
	</configuration>
	EOF
	printf '<p>custom 404 page</p>\n' >"$T/a/custom/errors/404.htm"
	printf '<p>executed URL page</p>\n' >"$T/a/custom/errors/exec.htm"
	printf 'unknown type\n' >"$T/a/custom/data.xyz"
	printf '<p>not found (en-US)</p>\n' >"$T/custerr/en-US/404.htm"
	printf '<p>introuvable (fr-FR)</p>\n' >"$T/custerr/fr-FR/404.htm"
	printf '<p>default error page</p>\n' >"$T/custerr/default.htm"
	cat >"$T/a/moved/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <httpRedirect enabled="true" destination="/target" />
	    </system.webServer>
	</configuration>
	EOF
	printf '<p>rf</p>\n' >"$T/a/rf/f.htm"
	printf 'always allowed\n' >"$T/a/rf/a~allowed.txt"
	printf 'css\n' >"$T/a/rf/f.css"
	printf 'private\n' >"$T/a/rf/private/f.txt"
	cat >"$T/a/basic/denied/sub/web.config" <<-EOF
	<configuration>
	    <system.webServer>
	        <security>
	            <authorization>
	                <add accessType="Allow" users="${AUTHUSER:-ahnone1}" verbs="GET" />
	            </authorization>
	        </security>
	    </system.webServer>
	</configuration>
	EOF
	printf 'secret\n' >"$T/a/anonfile/secret.txt"
}

# Start the server on a free port (tries a few). Sets PORT, WPID.
start_worker() {
	local tries=0
	while [ $tries -lt 8 ]; do
		tries=$((tries + 1))
		PORT=$((20000 + RANDOM % 40000))
		rm -rf "$T"
		mkdir -p "$T"
		chmod 755 "$T"
		make_tree
		launch "$@"
		local i=0
		while [ $i -lt 100 ]; do
			if ! kill -0 "$WPID" 2>/dev/null; then
				break
			fi
			if grep -q "$READY" "$T/worker.log" 2>/dev/null; then
				grep -q "cannot listen" "$T/worker.log" || return 0
				break
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill "$WPID" 2>/dev/null
		wait "$WPID" 2>/dev/null
		if ! grep -q "cannot listen" "$T/worker.log"; then
			note "the server did not start:"
			cat "$T/worker.log" >&2
			return 1
		fi
	done
	return 1
}

# Start the server (the worker alone, or apphostd) in the background, its
# output appended to $T/worker.log. Sets WPID.
launch() {
	if [ -n "$APPHOSTD" ]; then
		mkdir -p "$T/run"
		APPHOST_SCHEMA_DIR="$SRC/schema" "$APPHOSTD" -f --config-dir "$T/cfg" \
			--run-dir "$T/run" --worker "$WORKER" ${ROUTER:+--router "$ROUTER"} \
			>>"$T/worker.log" 2>&1 &
	else
		APPHOST_SCHEMA_DIR="$SRC/schema" "$WORKER" --listen "127.0.0.1:$PORT" \
			--config-dir "$T/cfg" --threads 2 --shutdown-timeout 10 "$@" \
			>>"$T/worker.log" 2>&1 &
	fi
	WPID=$!
}

# Stop the server with SIGTERM; check it exits 0 with a clean log.
stop_worker() {
	[ -n "$WPID" ] || return 0
	kill -TERM "$WPID" 2>/dev/null
	local rc=0
	wait "$WPID" || rc=$?
	WPID=""
	check "the server exits 0 on SIGTERM" "$rc" "0"
	if grep -q "AddressSanitizer\|runtime error" "$T/worker.log"; then
		bad "no sanitizer report" "$(cat "$T/worker.log")"
	fi
}

cleanup() {
	if [ -n "$WPID" ]; then
		kill -KILL "$WPID" 2>/dev/null
		wait "$WPID" 2>/dev/null
	fi
	[ -n "${EXTRA_CLEANUP:-}" ] && "$EXTRA_CLEANUP"
	[ -n "${T:-}" ] && rm -rf "$T"
}

# Start the server again on the same port and tree (after stop_worker).
start_worker_again() {
	local n
	n=$(grep -c "$READY" "$T/worker.log")
	launch
	local i=0
	while [ $i -lt 100 ] && [ "$(grep -c "$READY" "$T/worker.log")" -le "$n" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# eventually SECONDS COMMAND...: retry COMMAND until it succeeds.
eventually() {
	local i=0
	while [ $i -lt $(($1 * 10)) ]; do
		"${@:2}" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# get HOST PATH [curl args...]: body in $T/body, headers in $T/hdr, status in $CODE.
get() {
	local host=$1 path=$2
	shift 2
	rm -f "$T/body" "$T/hdr"
	touch "$T/body"
	CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' --max-time 5 \
		--resolve "$host:$PORT:127.0.0.1" "$@" "http://$host:$PORT$path")
}

# raw BYTES: send raw bytes on a new connection, the reply in $T/raw.
raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%b' "$1" >&3
	timeout 5 cat <&3 >"$T/raw"
	exec 3<&-
}

finish() {
	stop_worker
	printf '%d passed, %d failed\n' "$PASS" "$FAIL"
	[ "$FAIL" -eq 0 ]
}
