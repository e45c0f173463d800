#!/usr/bin/env bash
# 20 writers at once on one applicationHost.config: every change is present
# afterwards unless its writer reported failure, and the file parses at every
# moment (xmllint --noout, polled while the writers run) and at the end
# (xmllint and a read through the engine).
#
#   concurrent_writers.sh FORM TXWRITER APPCMD SRC_DIR
#
# FORM "tx": each writer is txwriter (one write transaction of the library).
# FORM "appcmd": each writer is `appcmd add apppool /name:PoolN`, then
# `appcmd set apppool PoolN /queueLength:N`; skipped (exit 77) while this
# appcmd has no such command.
# Round 1: writer N adds pool PoolN. Round 2: writer N sets PoolN's
# queueLength to 1000+N. The store is the project's default configuration
# with the project's schema; the configuration history folder exists, so every
# write also takes a history snapshot when one is due.
set -u
form=$1
txwriter=$2
appcmd=$3
src=$4
N=20

tmp=$(mktemp -d)
trap 'kill $poller 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config" "$tmp/inetpub/history"
cp "$src/etc/applicationHost.config" "$tmp/config/applicationHost.config"
export APPHOST_CONFIG_DIR=$tmp/config
export APPHOST_SCHEMA_DIR=$src/schema
export APPHOST_SYSTEM_DRIVE=$tmp
file=$tmp/config/applicationHost.config

add_cmd() {
	if [ "$form" = tx ]; then "$txwriter" add-pool "Pool$1"; else "$appcmd" add apppool "/name:Pool$1"; fi
}
set_cmd() {
	if [ "$form" = tx ]; then "$txwriter" set-pool "Pool$1" queueLength $((1000 + $1))
	else "$appcmd" set apppool "Pool$1" "/queueLength:$((1000 + $1))"; fi
}

if [ "$form" = appcmd ]; then
	mkdir -p "$tmp/probe"
	cp "$file" "$tmp/probe/applicationHost.config"
	out=$(APPHOST_CONFIG_DIR=$tmp/probe "$appcmd" add apppool /name:Probe 2>&1)
	if [ $? -ne 0 ] || ! grep -q 'name="Probe"' "$tmp/probe/applicationHost.config"; then
		echo "skipped: this appcmd cannot add an application pool yet: $out"
		exit 77
	fi
fi

# Poll the file while the writers run: it must parse every time.
: >"$tmp/poll.log"
(
	while [ ! -e "$tmp/stop" ]; do
		if ! xmllint --noout "$file" 2>>"$tmp/poll.log"; then
			echo "not well-formed while writing" >>"$tmp/poll.log"
			cp "$file" "$tmp/broken.config"
		fi
		echo x >>"$tmp/polls"
	done
) &
poller=$!

mkfifo "$tmp/go"
run_round() { # $1: add_cmd or set_cmd
	local i
	for i in $(seq 1 $N); do
		( cat "$tmp/go" >/dev/null; $1 "$i" >"$tmp/out.$i" 2>&1; echo $? >"$tmp/rc.$i" ) &
	done
	sleep 0.3
	: >"$tmp/go" # every writer starts now
	wait $(jobs -p | grep -v "^$poller\$")
}

fail=0
start=$(date +%s%N)
for round in add_cmd set_cmd; do
	rm -f "$tmp"/rc.*
	run_round $round
	pools=$("$txwriter" list-pools) || { echo "the engine cannot read the file after $round"; fail=1; }
	for i in $(seq 1 $N); do
		rc=$(cat "$tmp/rc.$i" 2>/dev/null || echo missing)
		if [ "$rc" != 0 ]; then
			echo "$round $i reported failure ($rc): $(cat "$tmp/out.$i")"
			continue
		fi
		if [ $round = add_cmd ] && ! grep -q "^Pool$i " <<<"$pools"; then
			echo "Pool$i was added (exit 0) but is missing"
			fail=1
		fi
		if [ $round = set_cmd ] && ! grep -qx "Pool$i $((1000 + i))" <<<"$pools"; then
			echo "queueLength of Pool$i was set (exit 0) but is not in the file"
			fail=1
		fi
	done
	grep -q "^DefaultAppPool " <<<"$pools" || { echo "DefaultAppPool was lost"; fail=1; }
done
touch "$tmp/stop"
wait $poller
end=$(date +%s%N)

xmllint --noout "$file" || fail=1
if grep -q "not well-formed" "$tmp/poll.log"; then
	echo "the file did not parse while being written:"
	cat "$tmp/poll.log"
	fail=1
fi
[ -e "$file.lock" ] && { echo "a lock file was left behind"; fail=1; }
ls -a "$tmp/config" | grep -q '\.tmp\.' && { echo "a temporary file was left behind"; fail=1; }
nhist=$(ls "$tmp/inetpub/history" | grep -c '^CFGHISTORY_' || true)
[ "$nhist" -ge 1 ] || { echo "no configuration history snapshot was taken"; fail=1; }
echo "form $form: $((2 * N)) writers in 2 rounds, $(wc -l <"$tmp/polls") xmllint polls," \
	"$nhist history snapshot(s), $(((end - start) / 1000000)) ms"
exit $fail
