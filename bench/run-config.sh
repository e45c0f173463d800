#!/usr/bin/env bash
# The configuration-scale benchmark, in one run on one machine: generate an
# applicationHost.config with many sites (bench/gen-apphost.py), then, on that
# same file, time these processes whole (start, work, exit):
#   * xmllint --noout (the anchor of DESIGN.md §7),
#   * config-load -1: the engine opening the store and loading the sites, and
#     loading and indexing them to answer a site path (bench/config-load.c),
#   * appcmd list apppool (when appcmd is built);
# then run config-load's in-process steps (cached lookups per second, memory),
# and print Markdown tables with the targets of DESIGN.md §7 and the ratios.
#
# Builds in Release in its own folder (build/bench). The processes are timed
# with hyperfine when it is installed, else with bash's `time`, one of each in
# turn per round so that a change of machine load weighs on all alike; every
# figure is the median of RUNS runs after a warm-up, in wall time and in CPU
# time (user + system: the steadier figure when other work shares the machine).
# Installs nothing itself except through scripts/install-deps.sh
# (--install-bench adds hyperfine and the other benchmark anchors).
#
# Usage: bench/run-config.sh [-n SITES] [-r RUNS] [--keep DIR] [--instructions]
#                             [--install-bench]
#   -n SITES         sites in the generated file (20000)
#   -r RUNS          runs per timing (5)
#   --keep DIR       write the generated configuration folder to DIR and keep it
#   --instructions   also count the instructions each process executes
#                    (valgrind --tool=callgrind, when installed; slow, but the
#                    same on a busy machine as on an idle one)
#   --install-bench  run scripts/install-deps.sh --bench first
# Environment: BENCH_BUILD (build folder), BENCH_CFLAGS (extra C flags).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sites=20000
runs=5
keep=""
install_bench=0
instructions=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n) sites=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--instructions) instructions=1; shift ;;
	--install-bench) install_bench=1; shift ;;
	-h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-config: unknown argument $1" >&2; exit 2 ;;
	esac
done

if [ "$install_bench" = 1 ]; then
	"$repo/scripts/install-deps.sh" --bench
else
	"$repo/scripts/install-deps.sh"
fi

# ---- build ------------------------------------------------------------------
build=${BENCH_BUILD:-$repo/build/bench}
# -Wmaybe-uninitialized depends on the optimizer's inlining: at -O3 it can
# fire where the debug build is clean; keep it a warning here.
cflags="-Wno-error=maybe-uninitialized ${BENCH_CFLAGS:-}"
echo "building in $build (Release)" >&2
mkdir -p "$build"
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAH_TESTS=OFF -DAH_BENCH=ON \
	-DCMAKE_C_FLAGS="$cflags" &&
	cmake --build "$build" -j"$(nproc)" --target config-load; } >"$build/build.log" 2>&1; then
	tail -n 30 "$build/build.log" >&2
	echo "run-config: the build failed (log: $build/build.log)" >&2
	exit 1
fi
appcmd=""
if compgen -G "$repo/src/cli/*.c" >/dev/null; then # the top CMakeLists.txt's test
	if cmake --build "$build" -j"$(nproc)" --target appcmd >"$build/appcmd-build.log" 2>&1; then
		appcmd=$build/appcmd
	else
		echo "run-config: appcmd does not build (see $build/appcmd-build.log); skipped" >&2
	fi
else
	echo "run-config: no appcmd target yet (src/cli is empty); skipped" >&2
fi

# ---- the configuration ------------------------------------------------------
if [ -n "$keep" ]; then
	dir=$keep
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/apphost-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir/framework"
cp "$repo"/etc/framework/*.config "$dir/framework/"
file=$dir/applicationHost.config
echo "generating $sites sites into $file" >&2
python3 "$repo/bench/gen-apphost.py" -n "$sites" -o "$file"
size=$(stat -c %s "$file")
export APPHOST_CONFIG_DIR=$dir APPHOST_SCHEMA_DIR=$repo/schema

# ---- timing -----------------------------------------------------------------
# median of a list of numbers on stdin
median() {
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The engine's steps, in process (medians of its own repeats).
echo "config-load: every step, $runs times" >&2
results=$dir/config-load.txt
"$build/bench/config-load" -d "$dir" -s "$repo/schema" -r "$runs" >"$results"
get() { awk -v k="$1" '$1 == k {print $2}' "$results"; }
if [ "$(get check_first_default_document)" != "index.php" ]; then
	echo "run-config: a site with a <location> tag does not see its own default document" >&2
	exit 1
fi
sample=$(sed -n 's/^sample_path //p' "$results")

# The processes compared, each a command line (printf %q quoted).
names=(xmllint load first)
declare -A label=([xmllint]="xmllint --noout" [load]="engine load (config-load -1 APPHOST)"
		  [first]="engine load and index (config-load -1 <site path>)"
		  [appcmd]="appcmd list apppool")
cmds=("$(printf '%q ' xmllint --noout "$file")"
      "$(printf '%q ' "$build/bench/config-load" -d "$dir" -s "$repo/schema" -1 MACHINE/WEBROOT/APPHOST)"
      "$(printf '%q ' "$build/bench/config-load" -d "$dir" -s "$repo/schema" -1 "$sample")")
if [ -n "$appcmd" ]; then
	listed=$("$appcmd" list apppool | grep -c '^APPPOOL ' || true)
	if [ "$listed" != "$(get pools)" ]; then
		echo "run-config: warning: appcmd lists $listed pools, the engine $(get pools)" >&2
	fi
	names+=(appcmd)
	cmds+=("$(printf '%q ' "$appcmd" list apppool)")
fi

# wall[name] and cpu[name]: medians in milliseconds. Without hyperfine the
# commands run interleaved (one of each per round), so that a change of
# machine load during the run weighs on all of them alike.
declare -A wall cpu
if command -v hyperfine >/dev/null; then
	timer="hyperfine"
	echo "timing with hyperfine, $runs runs each" >&2
	json=$dir/hyperfine.json
	hyperfine --shell=none --warmup 1 --runs "$runs" --export-json "$json" --style none \
		"${cmds[@]}" >/dev/null
	i=0
	while read -r w c; do
		wall[${names[$i]}]=$w
		cpu[${names[$i]}]=$c
		i=$((i + 1))
	done < <(python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.1f %.1f" % (r["median"] * 1e3, (r["user"] + r["system"]) * 1e3))' "$json")
else
	timer="bash time, the commands interleaved"
	echo "timing with bash time: $runs rounds of ${names[*]}" >&2
	declare -A walls cpus
	TIMEFORMAT='%3R %3U %3S'
	for ((round = 0; round <= runs; round++)); do # round 0 warms up
		for i in "${!names[@]}"; do
			out=$({ time eval "${cmds[$i]}" >/dev/null 2>&1; } 2>&1)
			[ "$round" -eq 0 ] && continue
			read -r r u s <<<"$out"
			walls[${names[$i]}]+="$r "
			cpus[${names[$i]}]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
		done
	done
	for n in "${names[@]}"; do
		wall[$n]=$(tr ' ' '\n' <<<"${walls[$n]}" | grep . | median | awk '{printf "%.1f", $1 * 1000}')
		cpu[$n]=$(tr ' ' '\n' <<<"${cpus[$n]}" | grep . | median | awk '{printf "%.1f", $1 * 1000}')
	done
fi

# Instructions executed (callgrind's Ir), one run of each process.
declare -A instr
if [ "$instructions" = 1 ]; then
	if command -v valgrind >/dev/null; then
		for i in "${!names[@]}"; do
			echo "counting instructions: ${names[$i]}" >&2
			instr[${names[$i]}]=$(eval "valgrind --tool=callgrind --callgrind-out-file=/dev/null ${cmds[$i]}" 2>&1 >/dev/null |
				sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		done
	else
		echo "run-config: valgrind is not installed; no instruction counts" >&2
	fi
fi

# ---- report -----------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "met" : "**missed**"}'; }
row() { local IFS='|' line; line="$*"; printf '| %s |\n' "${line//|/ | }"; }

xml=${wall[xmllint]}
ns=$(get lookup_ns)
mb=$(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1e6}')
merge=$(awk -v a="$(get load_ms)" -v b="$(get parse_ms)" 'BEGIN {printf "%.1f", a - b}')
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')

echo
echo "Configuration benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($model)," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; timer: $timer; medians of $runs."
echo
echo "File: $mb MB, $(get sites) sites, $(get pools) application pools," \
	"$((sites / 20)) site \`<location>\` tags."
echo
echo "Processes, each timed whole (start, work, exit):"
echo
row "process" "wall" "CPU" "target (DESIGN.md §7)" "ratio wall / CPU" "verdict"
row "---" "---:" "---:" "---" "---:" "---"
row "\`xmllint --noout\`" "$xml ms" "${cpu[xmllint]} ms" "anchor" "1.00 / 1.00" ""
row "engine load: \`config-load -1 MACHINE/WEBROOT/APPHOST\` (open, parse, merge \`sites\`)" \
	"${wall[load]} ms" "${cpu[load]} ms" "≤ xmllint" \
	"$(ratio "${wall[load]}" "$xml") / $(ratio "${cpu[load]}" "${cpu[xmllint]}")" \
	"$(verdict "${wall[load]}" "$xml")"
row "engine load and index: \`config-load -1 <site path>\` (open, parse, sites index, \`defaultDocument\`)" \
	"${wall[first]} ms" "${cpu[first]} ms" "≤ xmllint" \
	"$(ratio "${wall[first]}" "$xml") / $(ratio "${cpu[first]}" "${cpu[xmllint]}")" \
	"$(verdict "${wall[first]}" "$xml")"
if [ -n "$appcmd" ]; then
	row "\`appcmd list apppool\`" "${wall[appcmd]} ms" "${cpu[appcmd]} ms" "< 200 ms" \
		"$(ratio "${wall[appcmd]}" 200) / $(ratio "${cpu[appcmd]}" 200) of target" \
		"$(verdict "${wall[appcmd]}" 200)"
else
	row "\`appcmd list apppool\`" "not built" "" "< 200 ms" "" ""
fi
if [ "${#instr[@]}" -gt 0 ]; then
	echo
	echo "Instructions executed (valgrind --tool=callgrind, one run each):"
	echo
	row "process" "instructions" "ratio to xmllint"
	row "---" "---:" "---:"
	for n in "${names[@]}"; do
		row "${label[$n]}" "$(awk -v v="${instr[$n]}" 'BEGIN {printf "%.3f G", v / 1e9}')" \
			"$(ratio "${instr[$n]}" "${instr[xmllint]}")"
	done
fi
echo
echo "In process (bench/config-load, medians of $runs):"
echo
row "step" "value" "target (DESIGN.md §7)" "verdict"
row "---" "---:" "---" "---"
row "cached \`ah_config_lookup\`, $(get lookup_paths) site paths" "$ns ns" "< 1000 ns" \
	"$(verdict "$ns" 1000)"
row "cached lookups per second" "$(get lookups_per_s)" "" ""
row "\`ah_config_open\` (schema)" "$(get open_ms) ms" "" ""
row "open + parse (a one-line section)" "$(get parse_ms) ms" "" ""
row "open + parse + merge of \`sites\` at APPHOST" "$(get load_ms) ms (CPU $(get load_cpu_ms) ms)" "" ""
row "merge of \`sites\` alone (difference)" "$merge ms" "" ""
row "open + parse + sites index + \`defaultDocument\` at a site" \
	"$(get site_cold_ms) ms (CPU $(get site_cold_cpu_ms) ms)" "" ""
row "open + parse + \`applicationPools\`" "$(get pools_cold_ms) ms (CPU $(get pools_cold_cpu_ms) ms)" "" ""
row "\`applicationPools\` again, file cached" "$(get pools_warm_ms) ms" "" ""
row "uncached \`defaultDocument\` at a site path, sites indexed" "$(get site_warm_us) µs" "" ""
row "$(get lookup_paths) first lookups after \`ah_config_invalidate\` (sites index rebuilt)" \
	"$(get cache_fill_ms) ms" "" ""
row "heap in use: schema + parsed file" "$(get heap_parsed_kb) KB" "" ""
row "heap in use: + merged \`sites\` section" "$(get heap_sites_kb) KB" "" ""
row "heap per cached section" "$(get cached_section_bytes) bytes" "" ""
row "peak RSS after the first load" "$(get peak_rss_load_kb) KB" "" ""
row "peak RSS at the end" "$(get peak_rss_end_kb) KB" "" ""
