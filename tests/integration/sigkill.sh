#!/usr/bin/env bash
# Writers killed with SIGKILL at random points (killwriters.c): the file is
# always the old or the new version, and stale lock files never stop the next
# writer.
#
#   sigkill.sh FORM KILLWRITERS TXWRITER APPCMD SRC_DIR
#
# FORM "tx": the writer is txwriter setting DefaultAppPool's queueLength;
# FORM "appcmd": `appcmd set apppool DefaultAppPool /queueLength:N` (skipped,
# exit 77, while this appcmd has no such command). ITERATIONS (default 300)
# sets the number of kills.
set -u
form=$1
killwriters=$2
txwriter=$3
appcmd=$4
src=$5
iterations=${ITERATIONS:-300}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config" "$tmp/inetpub/history" "$tmp/ref/inetpub/history"
cp "$src/etc/applicationHost.config" "$tmp/config/applicationHost.config"
export APPHOST_SCHEMA_DIR=$src/schema
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0

if [ "$form" = tx ]; then
	cmd=("$txwriter" set-pool DefaultAppPool queueLength "1{}")
else
	mkdir -p "$tmp/probe"
	cp "$tmp/config/applicationHost.config" "$tmp/probe/"
	out=$(APPHOST_CONFIG_DIR=$tmp/probe "$appcmd" set apppool DefaultAppPool /queueLength:1234 2>&1)
	if [ $? -ne 0 ] || ! grep -q 'queueLength="1234"' "$tmp/probe/applicationHost.config"; then
		echo "skipped: this appcmd cannot set an application pool yet: $out"
		exit 77
	fi
	cmd=("$appcmd" set apppool DefaultAppPool "/queueLength:1{}")
fi
"$killwriters" "$iterations" "$tmp" "${cmd[@]}"
