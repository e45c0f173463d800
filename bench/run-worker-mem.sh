#!/usr/bin/env bash
# A worker's memory with the 20,000-site configuration (DESIGN.md §7: under
# 20 MB, because a worker reads only its pool's slice). In one run:
#   * generate the configuration (bench/gen-apphost.py, N sites, N/10 pools),
#   * write the isolated file apphostd gives one pool (bench/pool-config.c,
#     the daemon's own code), content for that pool's sites,
#   * start apphost-worker on it (standalone, --listen, 2 threads), send one
#     request to every host name of the pool's sites and a few to each again,
#   * read the worker's peak and current resident memory (VmHWM, VmRSS);
#   * for comparison, the same with the whole applicationHost.config.
# Prints a Markdown table. Builds in Release in build/bench.
#
# Usage: bench/run-worker-mem.sh [-n SITES] [-p POOL]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sites=20000
pool=pool0001
while [ $# -gt 0 ]; do
	case "$1" in
	-n) sites=$2; shift 2 ;;
	-p) pool=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-worker-mem: unknown argument $1" >&2; exit 2 ;;
	esac
done

"$repo/scripts/install-deps.sh" >/dev/null
build=${BENCH_BUILD:-$repo/build/bench}
mkdir -p "$build"
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAH_TESTS=OFF -DAH_BENCH=ON \
	-DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" &&
	cmake --build "$build" -j"$(nproc)" --target pool-config apphost-worker; } \
	>"$build/build-mem.log" 2>&1; then
	tail -n 30 "$build/build-mem.log" >&2
	echo "run-worker-mem: the build failed" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/apphost-mem.XXXXXX")
chmod 755 "$dir"
worker_pid=""
cleanup() {
	[ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

mkdir -p "$dir/full/framework" "$dir/pool/framework"
cp "$repo"/etc/framework/*.config "$dir/full/framework/"
cp "$repo"/etc/framework/*.config "$dir/pool/framework/"
echo "generating $sites sites" >&2
python3 "$repo/bench/gen-apphost.py" -n "$sites" -o "$dir/full/applicationHost.config"
export APPHOST_SCHEMA_DIR=$repo/schema APPHOST_SYSTEM_DRIVE=$dir/drive
"$build/bench/pool-config" -d "$dir/full" -s "$repo/schema" -p "$pool" \
	-o "$dir/pool/applicationHost.config" >"$dir/hosts" 2>"$dir/pool-config.log"
# the worker listens on one port: the bindings' port 80 becomes it
for f in full pool; do
	sed -i "s/\(bindingInformation=\"[^\"]*\):80:/\1:$port:/" "$dir/$f/applicationHost.config"
done
while read -r host; do
	name=${host#www.}
	name=${name%.example.com}
	mkdir -p "$dir/drive/inetpub/sites/$name/wwwroot"
	head -c 1024 /dev/zero | tr '\0' 'a' >"$dir/drive/inetpub/sites/$name/wwwroot/index.htm"
done <"$dir/hosts"
nhosts=$(wc -l <"$dir/hosts")

# measure CONFIG_DIR: prints "<kB peak> <kB now> <200s>"
measure() {
	"$build/apphost-worker" --listen "127.0.0.1:$port" --config-dir "$1" --threads 2 \
		>"$dir/worker.log" 2>&1 &
	worker_pid=$!
	for _ in $(seq 1 600); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
		sleep 0.1
	done
	local ok=0
	for round in 1 2 3; do
		while read -r host; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" \
				"http://127.0.0.1:$port/") || code=000
			[ "$code" = 200 ] && ok=$((ok + 1))
		done <"$dir/hosts"
	done
	local hwm rss
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$worker_pid/status")
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$worker_pid/status")
	kill "$worker_pid"
	wait "$worker_pid" 2>/dev/null || true
	worker_pid=""
	echo "$hwm $rss $ok"
}

read -r pool_hwm pool_rss pool_ok < <(measure "$dir/pool")
read -r full_hwm full_rss full_ok < <(measure "$dir/full")
expected=$((nhosts * 3))
psize=$(stat -c %s "$dir/pool/applicationHost.config")
fsize=$(stat -c %s "$dir/full/applicationHost.config")

echo "| worker configuration | file size | 200 responses | peak RSS (VmHWM) | RSS at the end |"
echo "|---|---|---|---|---|"
echo "| $pool's isolated file | $psize B | $pool_ok / $expected | $pool_hwm kB | $pool_rss kB |"
echo "| the whole applicationHost.config ($sites sites) | $fsize B | $full_ok / $expected | $full_hwm kB | $full_rss kB |"
echo
echo "target: a worker's memory with that configuration under 20 MB (20480 kB): " \
	"$([ "$pool_hwm" -lt 20480 ] && echo met || echo missed) ($pool_hwm kB)"
