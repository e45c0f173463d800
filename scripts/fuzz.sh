#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run one or all of them.
#
# Usage: scripts/fuzz.sh [--merge] [TARGET|all] [SECONDS] [-- LIBFUZZER_ARGS...]
#
#   TARGET     the <name> of a tests/fuzz/fuzz_<name>.c (config, xml, ...) or
#              fuzz_<name>; default: all, one after the other
#   SECONDS    run time of each target; default 120
#   --merge    afterwards, merge what the run found into tests/fuzz/corpus/<target>
#              (libFuzzer -merge=1 adds only inputs that reach new code)
#
# The build lives in build/fuzz (override with AH_FUZZ_BUILD). New inputs go to
# build/fuzz/corpus/<target>, the checked-in corpus is read but never written
# (except by --merge), and crashes, leaks and timeouts are written to
# build/fuzz/artifacts/<target>/. docs/fuzzing.md has the details.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//'
}

merge=0
target=all
seconds=120
extra=()
npos=0
while (($#)); do
	case $1 in
	--merge) merge=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		extra=("$@")
		break
		;;
	*)
		case $npos in
		0) target=$1 ;;
		1) seconds=$1 ;;
		*)
			usage >&2
			exit 2
			;;
		esac
		npos=$((npos + 1))
		;;
	esac
	shift
done
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
	usage >&2
	exit 2
fi

build=${AH_FUZZ_BUILD:-build/fuzz}
cc=${CC:-clang}
if ! command -v "$cc" >/dev/null; then
	echo "fuzz.sh: $cc not found; the fuzzers need clang (scripts/install-deps.sh)" >&2
	exit 1
fi

cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DAH_FUZZ=ON -DAH_TESTS=OFF -DAH_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzzers >/dev/null

if [[ $target == all ]]; then
	targets=()
	for src in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$src" .c)")
	done
else
	targets=("fuzz_${target#fuzz_}")
fi

status=0
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/$t
	if [[ ! -x $bin ]]; then
		echo "fuzz.sh: no fuzz target $t (tests/fuzz/$t.c)" >&2
		exit 1
	fi
	seeds=tests/fuzz/corpus/$t
	work=$build/corpus/$t
	artifacts=$build/artifacts/$t
	mkdir -p "$seeds" "$work" "$artifacts"
	dict=()
	if [[ -f tests/fuzz/$t.dict ]]; then
		dict=(-dict="tests/fuzz/$t.dict")
	fi
	echo "== $t: ${seconds}s, corpus $work + $seeds, artifacts in $artifacts/"
	rc=0
	"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "${dict[@]}" "${extra[@]}" "$work" "$seeds" \
		2>"$build/$t.log" || rc=$?
	grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' \
		"$build/$t.log" || true
	if [[ $rc != 0 ]]; then
		echo "== $t: FAILED (exit $rc); log: $build/$t.log; reproducers:" >&2
		ls -1 "$artifacts" >&2 || true
		status=1
		continue
	fi
	if [[ $merge == 1 ]]; then
		before=$(find "$seeds" -type f | wc -l)
		# edges only (-use_counters=0): hit counts would add far more files
		"$bin" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=20 "$seeds" "$work" \
			2>>"$build/$t.log"
		after=$(find "$seeds" -type f | wc -l)
		echo "== $t: merged $((after - before)) new inputs into $seeds ($after in all)"
		if ((after > 100)); then
			echo "== $t: more than 100 inputs: keep those that matter (docs/fuzzing.md)"
		fi
	fi
done
exit $status
