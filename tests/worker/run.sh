#!/usr/bin/env bash
# The worker's HTTP behaviour, checked with real requests on a loopback port.
# Usage: run.sh GROUP WORKER SOURCE_DIR [HANDOFF_DRIVER]
#   GROUP: static | conditional | mapping | config | connection | limits | shutdown | handoff
# Expected values are those of IIS's documented behaviour and of RFC 9110/9112.
# Exit 77 (skipped) when curl is missing.
set -u
GROUP=$1
WORKER=$2
SRC=$3
command -v curl >/dev/null || { echo "curl is not installed: skipped"; exit 77; }
T=$(mktemp -d)
trap cleanup EXIT
. "$SRC/tests/worker/lib.sh"

# 200 with the right bytes and type; HEAD; unknown extension; missing files.
group_static() {
	get a.test /hello.txt
	check "GET /hello.txt is 200" "$CODE" 200
	if cmp -s "$T/body" "$T/a/hello.txt"; then ok "the body is the file"; else bad "the body is the file"; fi
	check "Content-Type from the mimeMap" "$(header "$T/hdr" Content-Type)" "text/plain"
	check "Content-Length" "$(header "$T/hdr" Content-Length)" 1024
	check "Accept-Ranges" "$(header "$T/hdr" Accept-Ranges)" bytes
	local etag lm
	etag=$(header "$T/hdr" ETag)
	lm=$(header "$T/hdr" Last-Modified)
	case "$etag" in \"*:0\") ok "IIS-style strong ETag ($etag)" ;; *) bad "IIS-style ETag" "$etag" ;; esac
	check "Last-Modified is the file's mtime" "$lm" "$(TZ=GMT date -r "$T/a/hello.txt" '+%a, %d %b %Y %H:%M:%S GMT')"
	[ -n "$(header "$T/hdr" Date)" ] && ok "Date header" || bad "Date header"

	get a.test /style.css
	check "text/css" "$(header "$T/hdr" Content-Type)" "text/css"

	raw 'HEAD /hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
	check "HEAD is 200" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 200 OK"
	check "HEAD has the GET's Content-Length" "$(header "$T/raw" Content-Length)" 1024
	check "HEAD has no body" "$(awk 'f{n+=length($0)+1} /^\r?$/{f=1} END{print n+0}' "$T/raw")" 0

	get a.test /data.xyz
	check "unknown extension is 404" "$CODE" 404
	check_has "unknown extension is 404.3" "$T/body" "HTTP Error 404.3 - Not Found"
	check_has "404.3 says to add a MIME map" "$T/body" "add a MIME map"

	get a.test /missing.txt
	check "missing file is 404" "$CODE" 404
	check_has "missing file is 404.0" "$T/body" "HTTP Error 404.0 - Not Found"
	check "error page is HTML" "$(header "$T/hdr" Content-Type)" "text/html"

	get a.test /mixedcase.txt
	check "a name that differs in case is found (IIS is case-insensitive)" "$CODE" 200

	get a.test /shared/s.txt
	check "a second virtual directory maps to its own folder" "$(cat "$T/body")" "shared folder"

	get a.test /hello.txt -X POST -d x=1
	check "POST to a static file is 405" "$CODE" 405
	check "405 lists the allowed verbs" "$(header "$T/hdr" Allow)" "GET, HEAD"
}

# RFC 9110 §13 and §14 with the static file handler.
group_conditional() {
	get a.test /hello.txt
	local etag lm
	etag=$(header "$T/hdr" ETag)
	lm=$(header "$T/hdr" Last-Modified)

	get a.test /hello.txt -H "If-None-Match: $etag"
	check "If-None-Match with the ETag is 304" "$CODE" 304
	check "304 has no body" "$(wc -c <"$T/body")" 0
	check "304 carries the ETag" "$(header "$T/hdr" ETag)" "$etag"
	get a.test /hello.txt -H "If-None-Match: \"other\", W/$etag"
	check "If-None-Match uses the weak comparison" "$CODE" 304
	get a.test /hello.txt -H 'If-None-Match: "other"'
	check "another ETag is 200" "$CODE" 200
	get a.test /hello.txt -H "If-Modified-Since: $lm"
	check "If-Modified-Since the mtime is 304" "$CODE" 304
	get a.test /hello.txt -H "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"
	check "If-Modified-Since an older date is 200" "$CODE" 200
	get a.test /hello.txt -H 'If-None-Match: "other"' -H "If-Modified-Since: $lm"
	check "If-None-Match takes precedence over If-Modified-Since" "$CODE" 200
	get a.test /hello.txt -H 'If-Match: "other"'
	check "If-Match that fails is 412" "$CODE" 412

	get a.test /hello.txt -H 'Range: bytes=0-9'
	check "Range is 206" "$CODE" 206
	check "206 body is the range" "$(cat "$T/body")" "$(head -c 10 "$T/a/hello.txt")"
	check "Content-Range" "$(header "$T/hdr" Content-Range)" "bytes 0-9/1024"
	check "206 Content-Length" "$(header "$T/hdr" Content-Length)" 10
	get a.test /hello.txt -H 'Range: bytes=-24'
	check "suffix range" "$(header "$T/hdr" Content-Range)" "bytes 1000-1023/1024"
	get a.test /hello.txt -H 'Range: bytes=1000-'
	check "open range" "$(header "$T/hdr" Content-Range)" "bytes 1000-1023/1024"
	get a.test /hello.txt -H 'Range: bytes=5000-'
	check "unsatisfiable range is 416" "$CODE" 416
	check "416 Content-Range" "$(header "$T/hdr" Content-Range)" "bytes */1024"
	get a.test /hello.txt -H 'Range: bytes=0-1,5-6'
	check "several ranges: the whole file (RFC 9110 allows it)" "$CODE" 200
	get a.test /hello.txt -H 'Range: bytes=0-9' -H 'If-Range: "stale"'
	check "If-Range that does not match: the whole file" "$CODE" 200
	get a.test /hello.txt -H 'Range: bytes=0-9' -H "If-Range: $etag"
	check "If-Range that matches: the range" "$CODE" 206

	get a.test /cached/f.txt
	check "clientCache UseMaxAge + custom" "$(header "$T/hdr" Cache-Control)" "public,max-age=3600"
	get a.test /hello.txt
	check "NoControl: no Cache-Control" "$(header "$T/hdr" Cache-Control)" ""
}

# Sites by host, applications, default documents, hidden segments, URLs.
group_mapping() {
	get a.test /hello.txt
	check "Host a.test is Site A" "$(head -c 7 "$T/body")" "line 00"
	get b.test /hello.txt
	check "Host b.test is Site B" "$(cat "$T/body")" "site B hello"
	get other.test /hello.txt
	check "an unbound host falls to the IP-bound binding 127.0.0.1:PORT: (Site B)" "$(cat "$T/body")" "site B hello"

	get a.test /
	check "default document of the site root" "$(cat "$T/body")" "<p>site A default</p>"
	check "default document type" "$(header "$T/hdr" Content-Type)" "text/html"
	get a.test /sub
	check "folder without slash is 301" "$CODE" 301
	check "301 to the slash URL" "$(header "$T/hdr" Location)" "http://a.test:$PORT/sub/"
	get a.test '/sub?x=1'
	check "301 keeps the query string" "$(header "$T/hdr" Location)" "http://a.test:$PORT/sub/?x=1"
	get a.test /sub/
	check "default document of a folder" "$(cat "$T/body")" "<p>sub index</p>"
	get a.test /empty/
	check "no default document, browsing off: 403" "$CODE" 403
	check_has "403.14" "$T/body" "HTTP Error 403.14 - Forbidden"
	get a.test /app/
	check "child application's own default document (its web.config)" "$(cat "$T/body")" "<p>app home</p>"
	get a.test /app
	check "child application root without slash is 301" "$(header "$T/hdr" Location)" "http://a.test:$PORT/app/"

	get a.test /web.config
	check "web.config is never served" "$CODE" 404
	check_has "web.config is a hidden segment (404.8)" "$T/body" "HTTP Error 404.8 - Not Found"
	get a.test /WEB.CONFIG
	check "WEB.CONFIG neither" "$CODE" 404
	get a.test /app/web.config
	check "nor an application's web.config" "$CODE" 404
	get a.test /bin/x.txt
	check_has "bin is a hidden segment (404.8)" "$T/body" "HTTP Error 404.8"
	get a.test /App_Data/x.txt
	check_has "configured hiddenSegments (App_Data): 404.8" "$T/body" "HTTP Error 404.8"
	get a.test /app_data/x.txt
	check "hidden segments compare without case" "$CODE" 404

	get a.test /%68ello.txt
	check "percent-decoding" "$CODE" 200
	get a.test /sub/../hello.txt --path-as-is
	check "dot segments are resolved" "$CODE" 200
	raw 'GET /../hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
	check "'..' above the root is 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	check_has "HTTP.sys's Invalid URL page" "$T/raw" "Bad Request - Invalid URL"
	raw 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
	check "escaped '..' above the root is 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	raw 'GET /hello.txt%00.htm HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
	check "a NUL byte is 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	raw 'GET http://b.test/hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'
	check_has "absolute-form target: its host wins (RFC 9112 §3.2.2)" "$T/raw" "site B hello"
}

# A web.config change is seen by the next request; 500.19 for one site only.
group_config() {
	get a.test /sub2/
	check "no default document yet: 403.14" "$CODE" 403
	cat >"$T/a/sub2/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <defaultDocument>
	            <files>
	                <add value="start.htm" />
	            </files>
	        </defaultDocument>
	    </system.webServer>
	</configuration>
	EOF
	get a.test /sub2/
	check "a new web.config is seen by the next request" "$(cat "$T/body")" "<p>start</p>"
	rm "$T/a/sub2/web.config"
	get a.test /sub2/
	check "a deleted web.config too" "$CODE" 403

	cat >"$T/app/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <defaultDocument enabled="false" />
	    </system.webServer>
	</configuration>
	EOF
	get a.test /app/
	check "an edited web.config too" "$CODE" 403

	get b.test /hello.txt
	check "Site B serves" "$CODE" 200
	printf '<configuration>\n  <system.webServer>\n    <broken\n' >"$T/b/web.config"
	get b.test /hello.txt
	check "a malformed web.config: 500" "$CODE" 500
	check_has "500.19" "$T/body" "HTTP Error 500.19 - Internal Server Error"
	check_has "500.19 text" "$T/body" "related configuration data for the page is invalid"
	get a.test /hello.txt
	check "the other site still serves" "$CODE" 200
	check_has "the error is logged with its file" "$T/worker.log" "$T/b/web.config"
	cat >"$T/b/web.config" <<-'EOF'
	<configuration>
	    <system.webServer>
	        <security><requestFiltering><hiddenSegments><add segment="hello.txt" /></hiddenSegments></requestFiltering></security>
	    </system.webServer>
	</configuration>
	EOF
	get b.test /hello.txt
	check "fixed: the new configuration applies at once" "$CODE" 404
	check_has "its hidden segment" "$T/body" "HTTP Error 404.8"
	printf '<configuration />\n' >"$T/b/web.config"
	get b.test /hello.txt
	check "and again" "$CODE" 200

	cp "$T/cfg/applicationHost.config" "$T/ahc"
	sed -i 's#<add segment="App_Data" />#<add segment="App_Data" /><add segment="style.css" />#' "$T/ahc"
	mv "$T/ahc" "$T/cfg/applicationHost.config"
	get a.test /style.css
	check "an applicationHost.config change (atomic rename) is seen" "$CODE" 404
}

# Keep-alive, pipelining, HTTP/1.0, Host, Expect, chunked bodies, timeouts.
group_connection() {
	local out
	out=$(curl -s -o /dev/null -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' --resolve "a.test:$PORT:127.0.0.1" \
		"http://a.test:$PORT/hello.txt" "http://a.test:$PORT/style.css" \
		"http://a.test:$PORT/missing" "http://a.test:$PORT/sub/")
	check "keep-alive: four requests, one connection" "$out" "1 0 0 0 "

	raw 'GET /hello.txt HTTP/1.1\r\nHost: b.test\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: a.test\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n'
	check "pipelining: three responses in order" "$(grep -ao 'HTTP/1.1 200 OK' "$T/raw" | wc -l)" 3
	check "pipelining: B's body then A's" "$(grep -a -e 'site B hello' -e '^line 00' -o "$T/raw" | tr '\n' '|')" "site B hello|line 00|"
	check "the last asked to close" "$(grep -ci '^Connection: close' "$T/raw")" 1

	raw 'GET /hello.txt HTTP/1.0\r\n\r\n'
	check "HTTP/1.0 without Host is served" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 200 OK"
	check_has "HTTP/1.0 closes by default" "$T/raw" "Connection: close"
	raw 'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n'
	check "HTTP/1.0 keep-alive" "$(grep -c '^HTTP/1.1 200' "$T/raw")" 2
	check_has "HTTP/1.0 keep-alive is confirmed" "$T/raw" "Connection: keep-alive"

	raw 'GET /hello.txt HTTP/1.1\r\n\r\n'
	check "HTTP/1.1 without Host is 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	check_has "HTTP.sys's Invalid Hostname page" "$T/raw" "Bad Request - Invalid Hostname"
	raw 'GET /hello.txt HTTP/1.1\r\nX-Empty:\r\nHost: b.test\r\nConnection: close\r\n\r\n'
	check_has "a header with an empty value, then Host" "$T/raw" "site B hello"
	raw 'GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n'
	check "two Host headers are 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	raw 'GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nBad Header\r\n\r\n'
	check "a malformed header is 400" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"

	raw 'GET /hello.txt HTTP/1.1\r\nHost: b.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n'
	check "a chunked body is read and dropped, the next request served" "$(grep -c '^HTTP/1.1 200' "$T/raw")" 2
	raw 'GET /hello.txt HTTP/1.1\r\nHost: b.test\r\nContent-Length: 3\r\n\r\nabcGET /hello.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n'
	check "a Content-Length body too" "$(grep -c '^HTTP/1.1 200' "$T/raw")" 2

	head -c 3000 /dev/zero >"$T/post"
	curl -s -v -o /dev/null --resolve "a.test:$PORT:127.0.0.1" -X GET -H 'Expect: 100-continue' \
		--data-binary @"$T/post" "http://a.test:$PORT/hello.txt" 2>"$T/verbose"
	check_has "Expect: 100-continue gets 100 Continue" "$T/verbose" "HTTP/1.1 100 Continue"
	check_has "then the response" "$T/verbose" "HTTP/1.1 200 OK"

	# Site B: connectionTimeout 1 s; webLimits headerWaitTimeout 2 s.
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /hello.txt HTTP/1.1\r\nHost: b.test\r\n\r\n' >&3
	sleep 3
	timeout 2 cat <&3 >"$T/raw"
	local rc=$?
	exec 3<&-
	check "an idle keep-alive connection is closed after the site's connectionTimeout" "$rc" 0
	check_has "after its response" "$T/raw" "site B hello"
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /hello.txt HTTP/1.1\r\nHost: a.test\r\n' >&3
	sleep 3.2
	timeout 2 cat <&3 >"$T/raw"
	rc=$?
	exec 3<&-
	check "a head not finished within headerWaitTimeout: closed" "$rc" 0
	check "without a response" "$(wc -c <"$T/raw")" 0
}

# requestFiltering requestLimits (IIS's 404 sub-statuses) and HTTP.sys's head limit.
group_limits() {
	get a.test /limits/f.txt
	check "within the limits" "$CODE" 200
	get a.test /limits/f.txt?a=1234567890
	check "query string over maxQueryString: 404" "$CODE" 404
	check_has "404.15" "$T/body" "HTTP Error 404.15 - Not Found"
	get a.test /limits/f.txt/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	check_has "URL over maxUrl: 404.14" "$T/body" "HTTP Error 404.14 - Not Found"
	get a.test /limits/f.txt -H 'X-Test: 123456789'
	check_has "header over its headerLimits sizeLimit: 404.10" "$T/body" "HTTP Error 404.10 - Not Found"
	get a.test /limits/f.txt -H 'X-Test: 12345678'
	check "header at its limit" "$CODE" 200
	raw 'GET /limits/f.txt HTTP/1.1\r\nHost: a.test\r\nContent-Length: 101\r\n\r\n'
	check "Content-Length over maxAllowedContentLength: 404" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 404 Not Found"
	check_has "404.13" "$T/raw" "HTTP Error 404.13 - Not Found"
	check_has "and the connection closes" "$T/raw" "Connection: close"
	raw 'GET /limits/f.txt HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n'"$(printf 'x%.0s' $(seq 128))"'\r\n0\r\n\r\n'
	check_has "a chunked body over the limit: 404.13" "$T/raw" "HTTP Error 404.13"
	local big
	big=$(printf 'a%.0s' $(seq 17000))
	raw "GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nX-Big: $big\r\n\r\n"
	check "a head over 16 KB is 400 (HTTP.sys MaxRequestBytes)" "$(head -n1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
	check_has "Request Too Long" "$T/raw" "Request Too Long"
	get a.test /hello.txt
	check "the server still serves" "$CODE" 200
}

# SIGTERM: requests in progress finish, new connections are refused, exit 0.
group_shutdown() {
	head -c 16777216 /dev/zero >"$T/a/big.bin"
	curl -s -o "$T/big.out" --limit-rate 8M --resolve "a.test:$PORT:127.0.0.1" \
		"http://a.test:$PORT/big.bin" &
	local cpid=$!
	sleep 0.5
	kill -TERM "$WPID"
	sleep 0.3
	local rc=0
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/hello.txt" || rc=$?
	check "new connections are refused while stopping (curl: couldn't connect)" "$rc" 7
	wait "$cpid"
	check "the request in progress got its whole body" "$(wc -c <"$T/big.out")" 16777216
	rc=0
	wait "$WPID" || rc=$?
	WPID=""
	check "worker exits 0 after finishing" "$rc" 0
	check_lacks "nothing logged but the start" "$T/worker.log" "accept:"
	if grep -q "AddressSanitizer\|runtime error" "$T/worker.log"; then
		bad "no sanitizer report" "$(cat "$T/worker.log")"
	fi
}

# Router mode: handoff_driver plays apphostd and the router.
group_handoff() {
	PORT=$((20000 + RANDOM % 40000))
	make_tree
	APPHOST_SCHEMA_DIR="$SRC/schema" APPHOST_CONFIG_DIR="$T/cfg" \
		"$DRIVER" "$WORKER" "$T/cfg/applicationHost.config" "$PORT"
}

if [ "$GROUP" = handoff ]; then
	DRIVER=$4
	group_handoff
	exit $?
fi
start_worker || exit 1
case "$GROUP" in
static | conditional | mapping | config | connection | limits | shutdown) "group_$GROUP" ;;
*)
	echo "unknown group $GROUP"
	exit 2
	;;
esac
finish
