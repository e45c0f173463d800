#!/usr/bin/env bash
# Run one golden vector: tests/golden/run.sh CASE_DIR APPCMD SHARED_DIR
#
# A case folder holds:
#   cmd       a bash script run in a fresh copy of tree/ with `appcmd` on PATH
#             (usually one line: appcmd list site)
#   tree/     the input files (optional); config/ inside it is the
#             configuration folder (APPHOST_CONFIG_DIR), and the copy's root is
#             the system drive (APPHOST_SYSTEM_DRIVE), so C:\x maps to tree/x
#   schema    optional: the schema set to use, "iis10", "iis70", "iisexpress"
#             (from the shared reference files) or "project" (default: the
#             project's schema/; tree/config/schema wins when present)
#   expected  the exact expected standard output
#   exit      the expected exit code (default 0)
#   files/    optional: files that must exist in the copy afterwards, byte for byte
#   needs-shared   present: the case uses ../shared (skipped, exit 77, when absent)
# Environment for cmd: $TREE (the copy), $SHARED (the shared folder), $SRC (the source tree).
set -u
case_dir=$1
appcmd=$2
SHARED=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export SHARED SRC

if [ -e "$case_dir/needs-shared" ] && [ ! -d "$SHARED/reference" ]; then
	echo "skipped: $SHARED/reference is absent"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TREE=$tmp/tree
mkdir -p "$TREE"
[ -d "$case_dir/tree" ] && cp -a "$case_dir/tree/." "$TREE/"
mkdir -p "$tmp/bin"
ln -s "$appcmd" "$tmp/bin/appcmd"
export TREE
export APPHOST_CONFIG_DIR=$TREE/config
export APPHOST_SYSTEM_DRIVE=$TREE
# no service: appcmd must not find one the machine happens to run
export APPHOST_RUN_DIR=$tmp/run
schema=project
[ -f "$case_dir/schema" ] && schema=$(tr -d ' \n' <"$case_dir/schema")
case $schema in
project) export APPHOST_SCHEMA_DIR=$SRC/schema ;;
*) export APPHOST_SCHEMA_DIR=$SHARED/reference/schema/$schema ;;
esac
[ -d "$TREE/config/schema" ] && export APPHOST_SCHEMA_DIR=$TREE/config/schema

expected_exit=0
[ -f "$case_dir/exit" ] && expected_exit=$(tr -d ' \n' <"$case_dir/exit")

(cd "$TREE" && PATH="$tmp/bin:$PATH" bash "$case_dir/cmd") >"$tmp/stdout" 2>"$tmp/stderr"
status=$?

fail=0
if ! cmp -s "$tmp/stdout" "$case_dir/expected"; then
	echo "--- stdout differs (expected vs actual):"
	diff -u "$case_dir/expected" "$tmp/stdout" | head -60
	fail=1
fi
if [ "$status" != "$expected_exit" ]; then
	echo "--- exit code: expected $expected_exit, got $status"
	fail=1
fi
if [ -d "$case_dir/files" ]; then
	while IFS= read -r -d '' f; do
		rel=${f#"$case_dir/files/"}
		if ! cmp -s "$f" "$TREE/$rel"; then
			echo "--- file $rel differs:"
			diff -u "$f" "$TREE/$rel" | head -40
			fail=1
		fi
	done < <(find "$case_dir/files" -type f -print0)
fi
if [ $fail -ne 0 ] && [ -s "$tmp/stderr" ]; then
	echo "--- stderr:"
	head -40 "$tmp/stderr"
fi
exit $fail
