#!/usr/bin/env bash
# The worker's HTTP behaviour, checked with real requests on a loopback port.
# Usage: run.sh GROUP WORKER SOURCE_DIR [HANDOFF_DRIVER]
#   GROUP: static | conditional | mapping | config | connection | limits | shutdown | handoff
#          errors | protocol | redirect | filtering | auth | logging | delegation
# The worker runs alone (--listen), or, with APPHOSTD=path/to/apphostd in the
# environment (and optionally ROUTER=path/to/apphost-router), behind the real
# apphostd, its router and its workers as the pools' identities: the same
# groups check the same behaviour through the whole server.
# Expected values are those of IIS's documented behaviour and of RFC 9110/9112.
# Exit 77 (skipped) when curl is missing, or in the daemon mode when not root.
set -u
GROUP=$1
WORKER=$2
SRC=$3
command -v curl >/dev/null || { echo "curl is not installed: skipped"; exit 77; }
if [ -n "${APPHOSTD:-}" ] && [ "$(id -u)" -ne 0 ]; then
	echo "the daemon mode starts apphostd as root: skipped"
	exit 77
fi
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
	# The worker alone reads the file itself: the next request sees it.
	# apphostd applies a change 50 ms after its last write, then rewrites
	# the pool's file for the worker: within a moment.
	if [ -n "$APPHOSTD" ]; then
		style_hidden() { get a.test /style.css && [ "$CODE" = 404 ]; }
		eventually 5 style_hidden
	else
		get a.test /style.css
	fi
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

# SIGTERM (to the worker alone, or to apphostd): requests in progress finish,
# new connections are refused, exit 0.
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

# httpErrors: IIS's detailed pages for local clients (the remote side is in
# handoff_driver.c), the 500.19 page, custom pages by File, ExecuteURL and
# Redirect, languages, defaultPath, existingResponse.
group_errors() {
	get a.test /missing.txt
	check "a missing file is 404" "$CODE" 404
	check_has "local: the detailed page" "$T/body" "Detailed Error Information:"
	check_has "its heading" "$T/body" "<h1>HTTP Error 404.0 - Not Found</h1>"
	check_has "its description" "$T/body" "The resource you are looking for has been removed"
	check_has "Module: the core" "$T/body" "<th>Module</th><td>IIS Web Core</td>"
	check_has "Notification" "$T/body" "<th>Notification</th><td>MapRequestHandler</td>"
	check_has "Handler" "$T/body" "<th>Handler</th><td>StaticFile</td>"
	check_has "Error Code: ERROR_FILE_NOT_FOUND" "$T/body" "<th>Error Code</th><td>0x80070002</td>"
	check_has "Requested URL" "$T/body" "<th>Requested URL</th><td>http://a.test:$PORT/missing.txt</td>"
	check_has "Physical Path" "$T/body" "<th>Physical Path</th><td>$T/a/missing.txt</td>"
	check_has "Logon Method" "$T/body" "<th>Logon Method</th><td>Anonymous</td>"
	check_has "Logon User" "$T/body" "<th>Logon User</th><td>Anonymous</td>"

	get a.test /web.config
	check_has "hidden segment: the request filtering module" "$T/body" "<th>Module</th><td>RequestFilteringModule</td>"
	check_has "at BeginRequest" "$T/body" "<th>Notification</th><td>BeginRequest</td>"
	check_has "before a handler is chosen" "$T/body" "<th>Handler</th><td>Not yet determined</td>"

	get a.test /broken/f.txt
	check "an unrecognized attribute: 500" "$CODE" 500
	check_has "500.19" "$T/body" "<h1>HTTP Error 500.19 - Internal Server Error</h1>"
	check_has "500.19 description" "$T/body" "related configuration data for the page is invalid"
	check_has "Error Code 0x8007000d" "$T/body" "<th>Error Code</th><td>0x8007000d</td>"
	check_has "Config Error" "$T/body" "<th>Config Error</th><td>Unrecognized attribute &#39;bogus&#39;</td>"
	check_has "Config File" "$T/body" "<th>Config File</th><td>$T/a/broken/web.config</td>"
	check_has "Config Source" "$T/body" "<h3>Config Source:</h3>"
	check_has "the line before" "$T/body" "    2:     &lt;system.webServer&gt;"
	check_has "the error line" "$T/body" "    3:         &lt;directoryBrowse enabled=&quot;true&quot; bogus=&quot;1&quot; /&gt;"
	check_has "the line after" "$T/body" "    4:     &lt;/system.webServer&gt;"
	check_has "More Information" "$T/body" "problem reading the configuration file"
	get a.test /locked/f.txt
	check_has "a locked section: 0x80070021" "$T/body" "<th>Error Code</th><td>0x80070021</td>"
	check_has "its message" "$T/body" "This configuration section cannot be used at this path."
	check_has "its line" "$T/body" "    5:                 &lt;anonymousAuthentication"
	get a.test /dup/f.txt
	check_has "a duplicate entry: 0x800700b7" "$T/body" "<th>Error Code</th><td>0x800700b7</td>"
	check_has "its message" "$T/body" "Cannot add duplicate collection entry of type &#39;add&#39;"
	get a.test /hello.txt
	check "the rest of the site still serves" "$CODE" 200

	get a.test /custom/missing.txt
	check "Custom: 404 keeps its status" "$CODE" 404
	check "Custom: the File page, relative to its level's folder" "$(cat "$T/body")" "<p>custom 404 page</p>"
	get a.test /custom/data.xyz
	check "ExecuteURL: the status is kept" "$CODE" 404
	check "ExecuteURL: the URL's file for 404.3" "$(cat "$T/body")" "<p>executed URL page</p>"
	get a.test /custom/bin/x.txt
	check "prefixLanguageFilePath: en-US without Accept-Language" "$(cat "$T/body")" "<p>not found (en-US)</p>"
	get a.test /custom/bin/x.txt -H 'Accept-Language: fr-FR,en;q=0.5'
	check "prefixLanguageFilePath: the client's language" "$(cat "$T/body")" "<p>introuvable (fr-FR)</p>"
	get a.test /custom/bin/x.txt -H 'Accept-Language: ../../etc'
	check "a language is never a path" "$(cat "$T/body")" "<p>not found (en-US)</p>"
	get a.test /custom/f.txt -X POST -d x=1
	check "Redirect: 302" "$CODE" 302
	check "Redirect: to path" "$(header "$T/hdr" Location)" "http://a.test/notallowed.htm"
	get a.test /custom/
	check "Custom without an entry: the status" "$CODE" 403
	check_has "Custom without an entry: the simple page" "$T/body" "<h1>HTTP Error 403.14 - Forbidden</h1>"
	check_lacks "Custom: no detailed information" "$T/body" "Detailed Error Information"
	get a.test /custom2/missing.txt
	check "defaultPath" "$(cat "$T/body")" "<p>default error page</p>"
	get a.test /passthrough/missing.txt
	check "PassThrough: the status" "$CODE" 404
	check "PassThrough: the empty response stays empty" "$(wc -c <"$T/body")" 0

	get a.test /noauth/f.txt
	check "no authentication method: 401" "$CODE" 401
	check_has "401.2" "$T/body" "HTTP Error 401.2 - Unauthorized"
	check_has "logon not yet determined" "$T/body" "<th>Logon Method</th><td>Not yet determined</td>"
	check "no challenge without basic authentication" "$(header "$T/hdr" WWW-Authenticate)" ""
}

# httpProtocol: custom headers merged by level, redirect headers, keep-alive,
# and requestFiltering's removeServerHeader.
group_protocol() {
	get a.test /hello.txt
	check "a custom header on a 200" "$(header "$T/hdr" X-Powered-By)" "apphost tests"
	local etag
	etag=$(header "$T/hdr" ETag)
	get a.test /hello.txt -H "If-None-Match: $etag"
	check "and on a 304" "$(header "$T/hdr" X-Powered-By)" "apphost tests"
	get a.test /missing.txt
	check "and on an error" "$(header "$T/hdr" X-Powered-By)" "apphost tests"
	check "redirectHeaders are for redirects only" "$(header "$T/hdr" X-Redirected)" ""
	get a.test /sub
	check "a redirect gets the redirect headers" "$(header "$T/hdr" X-Redirected)" "yes"
	check "and the custom headers" "$(header "$T/hdr" X-Powered-By)" "apphost tests"
	get a.test /proto/f.txt
	check "<remove> at a lower level" "$(header "$T/hdr" X-Powered-By)" ""
	check "<add> at a lower level" "$(header "$T/hdr" X-Proto)" "child value"
	check "keep-alive by default" "$(header "$T/hdr" Connection)" ""
	get a.test /proto/cleared/f.txt
	check "<clear>" "$(header "$T/hdr" X-Proto)$(header "$T/hdr" X-Powered-By)" ""
	check "allowKeepAlive=false: Connection: close" "$(header "$T/hdr" Connection)" "close"
	check "removeServerHeader: no Server header" "$(header "$T/hdr" Server)" ""
	local out
	out=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' --resolve "a.test:$PORT:127.0.0.1" \
		"http://a.test:$PORT/proto/cleared/f.txt" "http://a.test:$PORT/proto/cleared/f.txt")
	check "allowKeepAlive=false: a connection per request" "$out" "1 1 "
	get a.test /hello.txt
	check "the Server header elsewhere" "$(header "$T/hdr" Server)" "apphost"
}

# httpRedirect: relative and exact destinations, variables, childOnly,
# wildcards, statuses, a web.config's own level.
group_redirect() {
	get a.test /old/a/b.htm
	check "enabled: Found (302) by default" "$CODE" 302
	check "relative to destination: the suffix appended" "$(header "$T/hdr" Location)" "http://new.test/newpath/a/b.htm"
	check_has "IIS's Object Moved body" "$T/body" "Object Moved"
	check "redirect headers" "$(header "$T/hdr" X-Redirected)" "yes"
	get a.test /old
	check "the level itself: the destination" "$(header "$T/hdr" Location)" "http://new.test/newpath"
	get a.test '/old/x.htm?q=1'
	check "the query string is not kept without \$Q" "$(header "$T/hdr" Location)" "http://new.test/newpath/x.htm"
	get a.test /old/a%20b.htm
	check "the suffix is written escaped" "$(header "$T/hdr" Location)" "http://new.test/newpath/a%20b.htm"
	get a.test /exact/any/thing
	check "Permanent: 301" "$CODE" 301
	check "exactDestination: the destination as written" "$(header "$T/hdr" Location)" "/landing.htm"
	get a.test '/vars/p/q.htm?x=1'
	check "Temporary: 307" "$CODE" 307
	check "\$S\$Q" "$(header "$T/hdr" Location)" "http://v.test/base/p/q.htm?x=1"
	get a.test '/vp/a.htm?x=1'
	check "PermRedirect: 308" "$CODE" 308
	check "\$V and \$P" "$(header "$T/hdr" Location)" "http://vp.test/vp/a.htm?from=x=1"
	get a.test /child/file.htm
	check "childOnly: a file of the folder is redirected" "$(header "$T/hdr" Location)" "http://c.test/file.htm"
	get a.test /child/sub/f.txt
	check "childOnly: not a sub folder's" "$CODE" 200
	get a.test /child/
	check "childOnly: not the folder itself" "$CODE" 403
	get a.test /wild/x.php
	check "a wildcard rule" "$(header "$T/hdr" Location)" "/wild/index.htm"
	get a.test /wild/docs/a/b.txt
	check "\$0: what the '*' matched" "$(header "$T/hdr" Location)" "/newdocs/a/b.txt"
	get a.test /wild/other.txt
	check "no rule matches: no redirect" "$CODE" 404
	get a.test /moved/x.htm
	check "a web.config's redirect is relative to its own folder" "$(header "$T/hdr" Location)" "/target/x.htm"
	get a.test /hello.txt
	check "elsewhere: no redirect" "$CODE" 200
}

# requestFiltering: each check and its sub-status, on the detailed page.
group_filtering() {
	rf() { # NAME WANT [curl args...]: WANT is the sub-status, or 200
		local name=$1 want=$2
		shift 2
		get a.test "$@" --path-as-is
		if [ "$want" = 200 ]; then
			check "$name" "$CODE" 200
		else
			check "$name: 404.$want" "$CODE $(grep -o 'HTTP Error 404\.[0-9]*' "$T/body" | head -1)" "404 HTTP Error 404.$want"
		fi
	}
	rf "an allowed file" 200 /rf/f.txt
	rf "denyUrlSequences" 5 /rf/a~b.txt
	rf "denyUrlSequences, escaped" 5 /rf/a%7Eb.txt
	rf "alwaysAllowedUrls" 200 /rf/a~allowed.txt
	rf "denyQueryStringSequences, unescaped" 18 '/rf/f.txt?q=%3Cscript'
	rf "denyQueryStringSequences, as received" 18 '/rf/f.txt?x=drop+table'
	rf "alwaysAllowedQueryStrings" 200 '/rf/f.txt?q=%3Cscript%3E'
	rf "double escaping" 11 /rf/a%252Fb.txt
	rf "double escaping: '+'" 11 /rf/a+b.txt
	rf "high-bit characters" 12 /rf/%C3%A9.txt
	rf "an extension denied" 7 /rf/f.exe
	rf "an extension unlisted (allowUnlisted=false)" 7 /rf/f.css
	rf "a verb unlisted (allowUnlisted=false)" 6 /rf/f.txt -X POST -d x=1
	rf "a configured hidden segment" 8 /rf/private/f.txt
	rf "filteringRule: query string" 19 '/rf/f.txt?x=union%20select'
	rf "filteringRule: appliesTo other extensions" 200 '/rf/f.htm?x=union%20select'
	rf "filteringRule: denyUnescapedPercent" 19 '/rf/f.txt?a=100%'
	rf "filteringRule: scanHeaders" 19 /rf/f.txt -A 'Mozilla badbot/1.0'
	rf "filteringRule: scanUrl" 19 /rf/badbot.txt
	rf "a verb denied" 6 /rfverbs/f.txt -X DELETE
	get a.test /rfverbs/f.txt -X PUT
	check "a verb not listed (allowUnlisted=true) goes on" "$CODE" 405
	rf "allowHighBitCharacters is true elsewhere" 0 /%C3%A9.txt
	check "(so it is a 404.0)" "$(grep -o 'HTTP Error 404\.[0-9]*' "$T/body" | head -1)" "HTTP Error 404.0"
	rf "allowDoubleEscaping is false by default: a '+' anywhere" 11 /a+b.txt
}

# Authentication (anonymous, basic with PAM) and URL authorization, with
# real Linux accounts (root only: skipped otherwise).
auth_setup() {
	[ "$(id -u)" = 0 ] || { echo "not root: skipped"; exit 77; }
	command -v useradd >/dev/null && command -v chpasswd >/dev/null || { echo "no useradd: skipped"; exit 77; }
	[ -d /etc/pam.d ] || { echo "no /etc/pam.d: skipped"; exit 77; }
	AUTHUSER="ahw$$a"
	AUTHUSER2="ahw$$b"
	AUTHGROUP="ahw$$g"
	PASS1="Pw-$RANDOM-one"
	PASS2="Pw-$RANDOM-two"
	PAMSVC="apphost-test-$$"
	EXTRA_CLEANUP=auth_cleanup
	useradd -M -s /usr/sbin/nologin "$AUTHUSER" && useradd -M -s /usr/sbin/nologin "$AUTHUSER2" &&
		groupadd "$AUTHGROUP" && usermod -a -G "$AUTHGROUP" "$AUTHUSER" || {
		echo "cannot create the test accounts: skipped"
		exit 77
	}
	printf '%s:%s\n%s:%s\n' "$AUTHUSER" "$PASS1" "$AUTHUSER2" "$PASS2" | chpasswd
	printf 'auth required pam_unix.so nodelay\naccount required pam_unix.so\n' >"/etc/pam.d/$PAMSVC"
	export AUTHUSER AUTHUSER2 AUTHGROUP APPHOST_PAM_SERVICE="$PAMSVC"
	# Through apphostd, Site A's worker runs as its pool's identity
	# (ApplicationPoolIdentity): apphostd's logon broker checks the
	# passwords, as root (docs/apphostd.md, "Logon broker").
}

auth_cleanup() {
	userdel "$AUTHUSER" 2>/dev/null
	userdel "$AUTHUSER2" 2>/dev/null
	groupdel "$AUTHGROUP" 2>/dev/null
	groupdel "$AUTHUSER" 2>/dev/null
	groupdel "$AUTHUSER2" 2>/dev/null
	rm -f "/etc/pam.d/$PAMSVC"
}

group_auth() {
	get a.test /basic/f.txt
	check "anonymous disabled, no credentials: 401" "$CODE" 401
	check_has "401.2" "$T/body" "HTTP Error 401.2 - Unauthorized"
	check "the Basic challenge with the realm" "$(header "$T/hdr" WWW-Authenticate)" 'Basic realm="apphost test"'
	get a.test /basic/f.txt -u "$AUTHUSER:$PASS1"
	check "a Linux account's password (PAM): 200" "$CODE" 200
	check "the file" "$(cat "$T/body")" "f in basic"
	get a.test /basic/f.txt -u "$AUTHUSER:$PASS1"
	check "again (remembered credentials)" "$CODE" 200
	get a.test /basic/f.txt -u "$AUTHUSER:wrong-$PASS1"
	check "a wrong password: 401" "$CODE" 401
	check_has "401.1" "$T/body" "HTTP Error 401.1 - Unauthorized"
	check "401.1 challenges too" "$(header "$T/hdr" WWW-Authenticate)" 'Basic realm="apphost test"'
	get a.test /basic/f.txt -u "nosuchuser$$:x"
	check_has "an unknown user: 401.1" "$T/body" "HTTP Error 401.1"
	get a.test /basic/f.txt -H 'Authorization: Basic !!!'
	check_has "malformed credentials: 401.1" "$T/body" "HTTP Error 401.1"
	get a.test /basic/f.txt -u "$AUTHUSER:$PASS1" -X POST -d x=1
	check_has "the detailed page names the logon user" "$T/body" "<th>Logon User</th><td>$AUTHUSER</td>"
	check_has "and the method" "$T/body" "<th>Logon Method</th><td>Basic</td>"

	get a.test /both/f.txt
	check "anonymous and basic enabled: anonymous is served" "$CODE" 200
	get a.test /both/f.txt -u "$AUTHUSER:wrong"
	check "but credentials sent are checked" "$CODE" 401
	check "an empty realm is the host name" "$(header "$T/hdr" WWW-Authenticate)" 'Basic realm="a.test"'
	get a.test /both/private/f.txt
	check "deny users=\"?\": anonymous is 401" "$CODE" 401
	check_has "401.2 (URL authorization)" "$T/body" "<th>Module</th><td>UrlAuthorizationModule</td>"
	check "with the challenge" "$(header "$T/hdr" WWW-Authenticate)" 'Basic realm="a.test"'
	get a.test /both/private/f.txt -u "$AUTHUSER2:$PASS2"
	check "an authenticated user passes" "$CODE" 200

	get a.test /basic/members/f.txt -u "$AUTHUSER:$PASS1"
	check "roles: a member of the Linux group" "$CODE" 200
	get a.test /basic/members/f.txt -u "$AUTHUSER2:$PASS2"
	check "roles: not a member: 401" "$CODE" 401
	check_has "401.2" "$T/body" "HTTP Error 401.2"
	get a.test /basic/denied/f.txt -u "$AUTHUSER:$PASS1"
	check "deny rules first: the user is denied despite allow *" "$CODE" 401
	get a.test /basic/denied/f.txt -u "$AUTHUSER2:$PASS2"
	check "others are allowed" "$CODE" 200
	get a.test /basic/denied/sub/f.txt -u "$AUTHUSER:$PASS1"
	check "a parent's deny wins over a child web.config's allow" "$CODE" 401
	get a.test /basic/readonly/f.txt -u "$AUTHUSER:$PASS1"
	check "verbs: GET is allowed" "$CODE" 200
	get a.test /basic/readonly/f.txt -u "$AUTHUSER:$PASS1" -I
	check "verbs: HEAD is not" "$CODE" 401

	get a.test /anonfile/secret.txt
	check "anonymous userName: a file its account may read" "$CODE" 200
	chmod 600 "$T/a/anonfile/secret.txt"
	get a.test /anonfile/secret.txt
	check "a file it may not read: 401" "$CODE" 401
	check_has "401.3" "$T/body" "HTTP Error 401.3 - Unauthorized"
	chown "$AUTHUSER2" "$T/a/anonfile/secret.txt"
	get a.test /anonfile/secret.txt
	if [ -z "$APPHOSTD" ]; then
		check "its own file" "$CODE" 200
	else
		# the worker opens files as its pool's identity, which may not read
		# this one: no impersonation (docs/worker.md, Authentication)
		check "its own file, which the pool's identity may not open: 401.3" \
			"$(grep -o 'HTTP Error 401.3' "$T/body")" "HTTP Error 401.3"
	fi
	chmod 600 "$T/a/basic/f.txt"
	get a.test /basic/f.txt -u "$AUTHUSER:$PASS1"
	check "a Basic user may not read a file: 401.3" "$(grep -o 'HTTP Error 401.3' "$T/body")" "HTTP Error 401.3"

	stop_worker
	local log="$T/logs/W3SVC1/u_ex$(date -u +%y%m%d).log"
	check "the log names the Basic user" "$(awk -v u="$AUTHUSER" '$5 == "/basic/members/f.txt" && $8 == u {n++} END {print n+0}' "$log")" 1
	check "with the default logon domain" "$(awk -v u="TESTDOM\\\\$AUTHUSER2" '$5 == "/both/private/f.txt" && $8 == u {n++} END {print n+0}' "$log")" 1
	check "401.2 logs win32 status 5" "$(awk '$5 == "/basic/f.txt" && $12 == 401 && $13 == 2 {print $14; exit}' "$log")" 5
	check "401.1 logs 1326 (logon failure)" "$(awk '$5 == "/basic/f.txt" && $12 == 401 && $13 == 1 {print $14; exit}' "$log")" 1326
}

# W3C logging: the site's logFile over siteDefaults, the default fields,
# custom fields, periods, localTimeRollover, httpLogging, flushing.
group_logging() {
	local day hour1 hour2 log logb
	day=$(date -u +%y%m%d)
	hour1=$(date +%y%m%d%H)
	log="$T/logs/W3SVC1/u_ex$day.log"
	get a.test '/hello.txt?a=1&b=2' -A 'Test Agent/1.0' -e 'http://ref.test/page'
	get a.test /missing.txt
	get a.test /nolog/f.txt
	get a.test /errorsonly/f.txt
	get a.test /errorsonly/missing.txt
	get a.test /web.config
	get b.test /hello.txt
	sleep 1.6
	[ -f "$log" ] && ok "the site's folder is created, the file named u_exYYMMDD.log (UTC)" ||
		bad "the log file" "$(find "$T/logs" 2>&1)"
	check "flushed within seconds: a line per logged request" "$(grep -vc '^#' "$log")" 4
	check "#Software" "$(sed -n 1p "$log" | tr -d '\r')" "#Software: apphost"
	check "#Version" "$(sed -n 2p "$log" | tr -d '\r')" "#Version: 1.0"
	case "$(sed -n 3p "$log")" in "#Date: 20"??-??-??" "??:??:??$'\r') ok "#Date" ;; *) bad "#Date" "$(sed -n 3p "$log")" ;; esac
	check "#Fields: IIS's default set" "$(sed -n 4p "$log" | tr -d '\r')" \
		"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
	check "CRLF line ends" "$(grep -c $'\r$' "$log")" "$(wc -l <"$log")"
	local l
	l=$(grep ' /hello.txt ' "$log" | tr -d '\r')
	check "a 200 line" "$(echo "$l" | cut -d' ' -f3-14)" \
		"127.0.0.1 GET /hello.txt a=1&b=2 $PORT - 127.0.0.1 Test+Agent/1.0 http://ref.test/page 200 0 0"
	case "$(echo "$l" | cut -d' ' -f1)" in "$(date -u +%Y-%m-%d)") ok "date (UTC)" ;; *) bad "date" "$l" ;; esac
	case "$(echo "$l" | cut -d' ' -f15)" in '' | *[!0-9]*) bad "time-taken in ms" "$l" ;; *) ok "time-taken in ms" ;; esac
	check "404.0 logs win32 status 2" "$(grep ' /missing.txt ' "$log" | cut -d' ' -f12-14)" "404 0 2"
	check "404.8 logs its sub-status" "$(grep ' /web.config ' "$log" | cut -d' ' -f12-14)" "404 8 0"
	check "dontLog" "$(grep -c '/nolog/' "$log")" 0
	check "selectiveLogging=LogError: not the 200" "$(grep -c '/errorsonly/f.txt' "$log")" 0
	check "selectiveLogging=LogError: the 404" "$(grep -c '/errorsonly/missing.txt' "$log")" 1

	hour2=$(date +%y%m%d%H)
	logb="$T/logs/W3SVC2/u_ex$hour1.log"
	[ -f "$logb" ] || logb="$T/logs/W3SVC2/u_ex$hour2.log"
	[ -f "$logb" ] && ok "Site B: Hourly, named in local time (localTimeRollover), in siteDefaults' directory" ||
		bad "Site B's hourly file" "$(ls -R "$T/logs")"
	check "Site B: its own logExtFileFlags" "$(grep '^#Fields' "$logb" | tr -d '\r')" \
		"#Fields: date time s-sitename cs-method cs-uri-stem cs-version cs-host sc-status sc-bytes cs-bytes"
	l=$(grep -v '^#' "$logb" | tr -d '\r')
	check "Site B's line" "$(echo "$l" | cut -d' ' -f3-8)" "W3SVC2 GET /hello.txt HTTP/1.1 b.test:$PORT 200"
	local sc cs
	sc=$(echo "$l" | cut -d' ' -f9)
	cs=$(echo "$l" | cut -d' ' -f10)
	if [ "$sc" -gt 13 ] && [ "$sc" -lt 1000 ]; then ok "sc-bytes: head and body ($sc)"; else bad "sc-bytes" "$l"; fi
	if [ "$cs" -gt 30 ] && [ "$cs" -lt 300 ]; then ok "cs-bytes: the request head ($cs)"; else bad "cs-bytes" "$l"; fi

	get a.test /sub/
	stop_worker
	check "shutdown writes what is buffered" "$(grep -c ' /sub/ ' "$log")" 1
	check "a default document is logged as the URL asked" "$(grep -c '/sub/index.htm' "$log")" 0
	start_worker_again
	get a.test /hello.txt
	stop_worker
	check "a new process appends a new header block" "$(grep -c '^#Fields' "$log")" 2
}

# Two sites on one port in two pools; delegation: a site's web.config
# changes a response; the same web.config where the section is locked
# (overrideMode="Deny" on Site B's location) is a 500.19 for that site only;
# web.config edits are seen by the next request and it is never served.
group_delegation() {
	local deleg='<configuration>
    <system.webServer>
        <httpProtocol>
            <customHeaders>
                <add name="X-Delegated" value="@V@" />
            </customHeaders>
        </httpProtocol>
    </system.webServer>
</configuration>'
	get a.test /hello.txt
	check "Host a.test is Site A" "$(head -c 7 "$T/body")" "line 00"
	check "no X-Delegated yet" "$(header "$T/hdr" X-Delegated)" ""
	get b.test /hello.txt
	check "Host b.test on the same port is Site B" "$(cat "$T/body")" "site B hello"
	if [ -n "$APPHOSTD" ]; then
		local pa pb
		pa=$(pgrep -P "$WPID" -f -- '-ap PoolA ')
		pb=$(pgrep -P "$WPID" -f -- '-ap PoolB ')
		if [ -n "$pa" ] && [ -n "$pb" ] && [ "$pa" != "$pb" ]; then
			ok "each site's pool has its own worker"
		else
			bad "each site's pool has its own worker" "PoolA: [$pa] PoolB: [$pb]"
		fi
		local ua ub
		ua=$(stat -c %u "/proc/$pa" 2>/dev/null)
		ub=$(stat -c %u "/proc/$pb" 2>/dev/null)
		if [ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != 0 ] && [ "$ub" != 0 ] && [ "$ua" != "$ub" ]; then
			ok "each worker runs as its pool's identity ($ua, $ub)"
		else
			bad "each worker runs as its pool's identity" "uids [$ua] [$ub]"
		fi
	fi

	printf '%s\n' "${deleg/@V@/one}" >"$T/a/web.config"
	printf '%s\n' "${deleg/@V@/one}" >"$T/b/web.config"
	get a.test /hello.txt
	check "Site A's web.config is seen by the next request" "$CODE" 200
	check "its delegated section changes the response" "$(header "$T/hdr" X-Delegated)" "one"
	get b.test /hello.txt
	check "the same web.config in Site B, where the section is locked: 500" "$CODE" 500
	check_has "500.19" "$T/body" "HTTP Error 500.19 - Internal Server Error"
	check_has "locked: 0x80070021" "$T/body" "<th>Error Code</th><td>0x80070021</td>"
	check_has "this configuration section cannot be used at this path" "$T/body" \
		"This configuration section cannot be used at this path."
	check_has "Site B's file" "$T/body" "<th>Config File</th><td>$T/b/web.config</td>"
	get a.test /style.css
	check "Site A still serves" "$CODE" 200
	check "with its header" "$(header "$T/hdr" X-Delegated)" "one"

	printf '%s\n' "${deleg/@V@/two}" >"$T/a/web.config"
	get a.test /hello.txt
	check "an edited web.config is seen by the next request" "$(header "$T/hdr" X-Delegated)" "two"
	printf '<configuration />\n' >"$T/b/web.config"
	get b.test /hello.txt
	check "Site B without the locked section serves again" "$CODE" 200
	check "without the header" "$(header "$T/hdr" X-Delegated)" ""

	get a.test /web.config
	check "GET /web.config is 404" "$CODE" 404
	check_has "404.8" "$T/body" "HTTP Error 404.8 - Not Found"
	check_lacks "not its content" "$T/body" "X-Delegated"
	get b.test /web.config
	check "in Site B too" "$CODE" 404
}

# Router mode: handoff_driver plays apphostd and the router.
group_handoff() {
	PORT=$((20000 + RANDOM % 40000))
	make_tree
	APPHOST_SCHEMA_DIR="$SRC/schema" APPHOST_CONFIG_DIR="$T/cfg" \
		"$DRIVER" "$WORKER" "$T/cfg/applicationHost.config" "$PORT"
}

if [ "$GROUP" = handoff ]; then
	# Its driver plays apphostd and the router: nothing to run behind apphostd.
	if [ -n "$APPHOSTD" ]; then
		echo "handoff tests the worker's side of the handoff alone: skipped"
		exit 77
	fi
	DRIVER=$4
	group_handoff
	exit $?
fi
[ "$GROUP" = auth ] && auth_setup
[ "$GROUP" = logging ] && export TZ=Etc/GMT-5 # localTimeRollover: a local time that is not UTC
start_worker || exit 1
case "$GROUP" in
static | conditional | mapping | config | connection | limits | shutdown | errors | protocol | \
	redirect | filtering | auth | logging | delegation) "group_$GROUP" ;;
*)
	echo "unknown group $GROUP"
	exit 2
	;;
esac
finish
