#!/usr/bin/env bash
# The HTTP serving benchmark of DESIGN.md §7, in one run on one machine, on
# the same files for every server:
#   * apphost: apphostd, its router and the pool's worker (as root when run as
#     root; as the calling user otherwise), with a web.config in each of the
#     four folders of the path (a custom header each); when apphostd cannot
#     serve, the worker alone (apphost-worker --listen), and the output says so;
#   * nginx (the anchor): one worker process, sendfile, keep-alive, no access log;
#   * Apache, event MPM, with AllowOverride All and a .htaccess in each of the
#     four folders (a Header each), and with AllowOverride None.
# Content (in a temporary folder): /a/b/c/d/1k.html (1 KB) and
# /a/b/c/d/100k.bin (100 KB). Each server listens on its own loopback port;
# each measurement is `wrk -t1 -c50 -d<secs>` (keep-alive) on one file; per
# round every server and file is measured in turn, and the figures are the
# medians over the rounds. Then the time from a web.config write to the first
# response that carries it: the deepest web.config gets a new header value,
# and curl polls until a response has it (median of 10, in ms; the time of one
# curl request is printed too, as the resolution of that figure).
# Prints Markdown tables with the ratios to nginx and the verdicts of §7.
#
# Builds in Release in its own folder (build/bench-http). Installs nothing
# itself except through scripts/install-deps.sh --bench. Stops every server it
# started (by pid) when it ends.
#
# Usage: bench/run-http.sh [-r ROUNDS] [-d SECONDS] [-p BASEPORT] [--keep DIR]
#   -r ROUNDS    rounds (3)
#   -d SECONDS   duration of each wrk run (5)
#   -p BASEPORT  first of the four loopback ports (18480)
#   --keep DIR   put the content and server files in DIR and keep them
# Environment: BENCH_BUILD (build folder), BENCH_CFLAGS (extra C flags).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tpl=$repo/bench/http
rounds=3
secs=5
base=18480
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	-r) rounds=$2; shift 2 ;;
	-d) secs=$2; shift 2 ;;
	-p) base=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-http: unknown argument $1" >&2; exit 2 ;;
	esac
done

"$repo/scripts/install-deps.sh" --bench

# ---- build ------------------------------------------------------------------
build=${BENCH_BUILD:-$repo/build/bench-http}
cflags="-Wno-error=maybe-uninitialized ${BENCH_CFLAGS:-}"
echo "building in $build (Release)" >&2
mkdir -p "$build"
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAH_TESTS=OFF \
	-DCMAKE_C_FLAGS="$cflags" &&
	cmake --build "$build" -j"$(nproc)" --target apphostd apphost-router apphost-worker; } \
	>"$build/build.log" 2>&1; then
	tail -n 30 "$build/build.log" >&2
	echo "run-http: the build failed (log: $build/build.log)" >&2
	exit 1
fi

# ---- servers, stopped on exit -----------------------------------------------
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		# a bounded wait: each server stops within a few seconds
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
if [ -n "$keep" ]; then
	dir=$keep
	mkdir -p "$dir"
	trap stop_all EXIT
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/apphost-http.XXXXXX")
	trap 'stop_all; rm -rf "$dir"' EXIT
fi
chmod 0755 "$dir" # the servers' unprivileged users read the content

# ---- the content ------------------------------------------------------------
root=$dir/www
deep=$root/a/b/c/d
mkdir -p "$deep" "$dir/logs"
chmod -R a+rX "$root"
head -c 1024 /dev/zero | tr '\0' 'x' >"$deep/1k.html"
head -c 102400 /dev/urandom >"$deep/100k.bin"
fill() { # template level value
	sed -e "s|@LEVEL@|$2|g" -e "s|@VALUE@|$3|g" "$1"
}
folder=$root
for level in a b c d; do
	folder=$folder/$level
	fill "$tpl/web.config" "$level" 1 >"$folder/web.config"
	fill "$tpl/htaccess" "$level" 1 >"$folder/.htaccess"
done
chmod -R a+rX "$root"

p_apphost=$base p_nginx=$((base + 1)) p_all=$((base + 2)) p_none=$((base + 3))
subst() { # template port name > file
	sed -e "s|@DIR@|$dir|g" -e "s|@ROOT@|$root|g" -e "s|@PORT@|$2|g" -e "s|@NAME@|$3|g" \
		-e "s|@OVERRIDE@|${4:-None}|g" -e "s|@USER@|${5:-}|g" "$1"
}

# Waits until http://127.0.0.1:PORT/a/b/c/d/1k.html answers 200.
wait_up() {
	local i
	for i in $(seq 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/a/b/c/d/1k.html")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# apphost: a configuration folder with the bundled applicationHost.config,
# its sites replaced by one site on the content.
conf=$dir/apphost
mkdir -p "$conf/framework" "$dir/run"
cp "$repo"/etc/framework/*.config "$conf/framework/"
subst "$tpl/applicationHost-site.xml" "$p_apphost" apphost >"$dir/sites.xml"
awk -v sites="$dir/sites.xml" '
	/^[ \t]*<sites>/ { skip = 1; while ((getline l < sites) > 0) print l }
	!skip { print }
	/^[ \t]*<\/sites>/ { skip = 0 }' "$repo/etc/applicationHost.config" >"$conf/applicationHost.config"
chmod -R a+rX "$conf"
export APPHOST_SCHEMA_DIR=$repo/schema APPHOST_CONFIG_DIR=$conf

apphost_mode=""
"$build/apphostd" -f --config-dir "$conf" --run-dir "$dir/run" >"$dir/apphostd.log" 2>&1 &
pids+=($!)
if wait_up "$p_apphost"; then
	if [ "$(id -u)" = 0 ]; then
		apphost_mode="apphostd (root) + apphost-router + the pool's apphost-worker (ApplicationPoolIdentity)"
	else
		apphost_mode="apphostd + apphost-router + apphost-worker, all as $(id -un) (not root)"
	fi
else
	echo "run-http: apphostd does not serve (log: $dir/apphostd.log); the worker alone instead" >&2
	tail -n 5 "$dir/apphostd.log" >&2 || true
	stop_all
	"$build/apphost-worker" --listen "127.0.0.1:$p_apphost" --config-dir "$conf" \
		>"$dir/worker.log" 2>&1 &
	pids+=($!)
	wait_up "$p_apphost" || { echo "run-http: the worker does not serve either" >&2; exit 1; }
	apphost_mode="apphost-worker alone (--listen), as $(id -un): apphostd could not serve"
fi

nuser="" auser=""
if [ "$(id -u)" = 0 ]; then
	nuser="user www-data;"
	auser="User www-data\\nGroup www-data"
fi
subst "$tpl/nginx.conf" "$p_nginx" nginx None "$nuser" >"$dir/nginx.conf"
nginx -c "$dir/nginx.conf" -e "$dir/nginx-error.log" 2>"$dir/nginx.out" &
pids+=($!)
for o in All None; do
	port=$p_all name=all
	[ "$o" = None ] && port=$p_none name=none
	subst "$tpl/apache2.conf" "$port" "$name" "$o" "$auser" >"$dir/apache-$name.conf"
	apache2 -f "$dir/apache-$name.conf" -DFOREGROUND >"$dir/apache-$name.out" 2>&1 &
	pids+=($!)
done
for p in "$p_nginx" "$p_all" "$p_none"; do
	wait_up "$p" || { echo "run-http: nothing serves on port $p (logs in $dir)" >&2; exit 1; }
done

# Every server sends the same bytes; apphost and Apache with .htaccess carry
# the four folders' headers.
check_headers() { # port label
	local h
	h=$(curl -s -D - -o /dev/null "http://127.0.0.1:$1/a/b/c/d/1k.html")
	for level in a b c d; do
		if ! grep -qi "^X-Folder-$level: 1" <<<"$h"; then
			echo "run-http: $2 does not send the header of folder $level:" >&2
			echo "$h" >&2
			exit 1
		fi
	done
}
check_headers "$p_apphost" apphost
check_headers "$p_all" "Apache (AllowOverride All)"
for p in "$p_apphost" "$p_nginx" "$p_all" "$p_none"; do
	for f in 1k.html 100k.bin; do
		if ! curl -s "http://127.0.0.1:$p/a/b/c/d/$f" | cmp -s - "$deep/$f"; then
			echo "run-http: port $p does not serve $f as it is" >&2
			exit 1
		fi
	done
done

# ---- throughput ---------------------------------------------------------------
servers=(apphost nginx all none)
declare -A port=([apphost]=$p_apphost [nginx]=$p_nginx [all]=$p_all [none]=$p_none)
declare -A label=([apphost]="apphost, web.config in the 4 folders" [nginx]="nginx (anchor)"
		  [all]="Apache event, AllowOverride All, .htaccess in the 4 folders"
		  [none]="Apache event, AllowOverride None")
files=(1k.html 100k.bin)
results=$dir/wrk.txt
: >"$results"
: >"$dir/errors.txt"
median() {
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${servers[@]}"; do # a short warm-up: caches filled, workers started
	for f in "${files[@]}"; do
		wrk -t1 -c50 -d1s "http://127.0.0.1:${port[$s]}/a/b/c/d/$f" >/dev/null
	done
done
for r in $(seq "$rounds"); do
	for f in "${files[@]}"; do
		for s in "${servers[@]}"; do
			out=$(wrk -t1 -c50 -d"${secs}s" "http://127.0.0.1:${port[$s]}/a/b/c/d/$f")
			rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
			bad=$(awk '/Non-2xx or 3xx responses:/ || /Socket errors:/' <<<"$out")
			if [ -n "$bad" ]; then # wrk counts connections cut at the end as read errors
				echo "round $r: $s $f:" $bad >>"$dir/errors.txt"
			fi
			echo "$s $f $rps" >>"$results"
			echo "round $r: $s $f $rps requests/s" >&2
		done
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
med() { awk -v s="$1" -v f="$2" '$1 == s && $2 == f {print $3}' "$results" | median; }
declare -A rps
for s in "${servers[@]}"; do
	for f in "${files[@]}"; do
		rps[$s,$f]=$(med "$s" "$f")
	done
done

# ---- a web.config change, until it is served ----------------------------------
now_ns() { date +%s%N; }
url="http://127.0.0.1:$p_apphost/a/b/c/d/1k.html"
lat=$dir/change.txt
: >"$lat"
for i in $(seq 10); do
	value="rev$i-$RANDOM"
	fill "$tpl/web.config" d "$value" >"$dir/web.config.new"
	t0=$(now_ns)
	cat "$dir/web.config.new" >"$deep/web.config" # written in place, as an editor saves
	n=0
	while :; do
		n=$((n + 1))
		if curl -s -D - -o /dev/null "$url" | grep -qi "^X-Folder-d: $value"; then
			break
		fi
		if [ $(( $(now_ns) - t0 )) -gt 5000000000 ]; then
			echo "run-http: the change $value was not served within 5 s" >&2
			exit 1
		fi
	done
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $n" >>"$lat"
	sleep 0.2
done
change_ms=$(awk '{print $1 / 1000}' "$lat" | median)
change_max=$(awk '{print $1 / 1000}' "$lat" | sort -g | tail -n 1)
polls_max=$(awk '{print $2}' "$lat" | sort -g | tail -n 1)
curl_ms=$(for i in $(seq 10); do
	t0=$(now_ns); curl -s -o /dev/null "$url"; t1=$(now_ns); echo "$(( (t1 - t0) / 1000 ))"
done | awk '{print $1 / 1000}' | median)

stop_all

# ---- report -------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
echo
echo "apphost ran as: $apphost_mode"
echo "load average (1, 5, 15 min): $load_before before the wrk runs, $load_after after; $(nproc) CPUs"
echo "wrk -t1 -c50 -d${secs}s, keep-alive, loopback; medians of $rounds rounds"
echo
echo "| server | 1 KB: requests/s | ratio to nginx | 100 KB: requests/s | ratio to nginx |"
echo "| --- | ---: | ---: | ---: | ---: |"
for s in "${servers[@]}"; do
	echo "| ${label[$s]} | $(fmt "${rps[$s,1k.html]}") | $(ratio "${rps[$s,1k.html]}" "${rps[nginx,1k.html]}") |" \
		"$(fmt "${rps[$s,100k.bin]}") | $(ratio "${rps[$s,100k.bin]}" "${rps[nginx,100k.bin]}") |"
done
echo
if [ -s "$dir/errors.txt" ]; then
	echo "wrk's error counts (requests/s above count only complete responses):"
	echo
	echo '```'
	cat "$dir/errors.txt"
	echo '```'
	echo
fi
echo "Every round (requests/s):"
echo
echo '```'
cat "$results"
echo '```'
echo
verdict_rps=no
if awk -v a="${rps[apphost,1k.html]}" -v b="${rps[nginx,1k.html]}" \
	-v c="${rps[apphost,100k.bin]}" -v d="${rps[nginx,100k.bin]}" 'BEGIN { exit !(a >= b && c >= d) }'; then
	verdict_rps=yes
fi
verdict_change=no
awk -v m="$change_ms" 'BEGIN { exit !(m <= 50) }' && verdict_change=yes
echo "| target (DESIGN.md §7) | result | met |"
echo "| --- | --- | --- |"
echo "| static files through apphost with web.config in every folder: ≥ nginx | 1 KB: $(ratio "${rps[apphost,1k.html]}" "${rps[nginx,1k.html]}")× nginx; 100 KB: $(ratio "${rps[apphost,100k.bin]}" "${rps[nginx,100k.bin]}")× nginx | $verdict_rps |"
echo "| (which is 3.5× Apache with .htaccess on 1 KB) | apphost: $(ratio "${rps[apphost,1k.html]}" "${rps[all,1k.html]}")× Apache with .htaccess; nginx: $(ratio "${rps[nginx,1k.html]}" "${rps[all,1k.html]}")× | |"
echo "| a web.config change served within 50 ms of the write | median $(printf %.1f "$change_ms") ms of 10, max $(printf %.1f "$change_max") ms (at most $polls_max polls; one curl request alone takes $(printf %.1f "$curl_ms") ms) | $verdict_change |"
