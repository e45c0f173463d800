# Common set-up of the activator tests (sourced by each tests/activator/*.sh).
#
# Arguments: apphostd apphost-router fake_worker actool source-dir
# Each test gets its own temporary folder (configuration, run folder, log)
# and its own loopback ports, so tests may run in parallel. apphostd runs in
# the foreground as root, with the fake worker unless WORKER is set.
# No pipefail: `cmd | grep -q` would fail when grep stops reading early.
set -eu

APPHOSTD=$1 ROUTER=$2 FAKE=$3 ACTOOL=$4 SRC=$5
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the activator tests start apphostd as root"
	exit 77
fi

T=$(mktemp -d /tmp/apphost-test.XXXXXX)
chmod 755 "$T"
CFG=$T/config
RUN=$T/run
LOG=$T/apphostd.log
mkdir -p "$CFG" "$RUN"
DPID=
ACCOUNTS=
PAMSVC=

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill "$DPID"
		wait "$DPID" 2>/dev/null || true
	fi
	rm -rf "$T"
	local u
	for u in $ACCOUNTS; do
		userdel "$u" 2>/dev/null || true
		groupdel "$u" 2>/dev/null || true
	done
	if [ -n "$PAMSVC" ]; then rm -f "/etc/pam.d/$PAMSVC"; fi
}

# accounts USER:PASSWORD...: Linux accounts (no home, no login shell) with
# these passwords, and a PAM service of pam_unix for them, exported as
# APPHOST_PAM_SERVICE (apphostd and its workers use it); all removed by
# cleanup. Skips the test (77) when accounts cannot be made.
accounts() {
	command -v useradd >/dev/null && command -v chpasswd >/dev/null || { echo "SKIP: no useradd"; exit 77; }
	local a
	for a in "$@"; do
		useradd -M -s /usr/sbin/nologin "${a%%:*}" || { echo "SKIP: cannot create the test accounts"; exit 77; }
		ACCOUNTS="$ACCOUNTS ${a%%:*}"
	done
	printf '%s\n' "$@" | chpasswd
	PAMSVC="apphost-test-$$"
	printf 'auth required pam_unix.so nodelay\naccount required pam_unix.so\n' >"/etc/pam.d/$PAMSVC"
	export APPHOST_PAM_SERVICE=$PAMSVC
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "---- apphostd log"
	cat "$LOG" 2>/dev/null || true
	exit 1
}

pass() {
	echo "ok: $*"
}

freeport() {
	"$ACTOOL" freeport
}

# write_config BODY: applicationHost.config with the bundled section
# declarations and BODY (the rest of <configuration>), replaced atomically
# as the engine does.
write_config() {
	local src=$SRC/etc/applicationHost.config n
	n=$(grep -n '</configProtectedData>' "$src" | cut -d: -f1)
	{
		head -n "$n" "$src"
		printf '%s\n' "$1"
		echo '</configuration>'
	} >"$CFG/.applicationHost.config.new"
	mv "$CFG/.applicationHost.config.new" "$CFG/applicationHost.config"
}

start_daemon() {
	APPHOST_SCHEMA_DIR=$SRC/schema "$APPHOSTD" -f --config-dir "$CFG" --run-dir "$RUN" \
		--worker "${WORKER:-$FAKE}" --router "$ROUTER" >"$LOG" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 1 200); do
		[ -S "$RUN/control.sock" ] && grep -q "ready:" "$LOG" && return 0
		kill -0 "$DPID" 2>/dev/null || fail "apphostd exited at start"
		sleep 0.05
	done
	fail "apphostd did not become ready"
}

ctl() {
	"$ACTOOL" ctl "$RUN/control.sock" "$*"
}

# get ADDR PORT HOST PATH: the whole response
get() {
	"$ACTOOL" get "$@" 2>&1 || true
}

status_of() {
	head -n1 | cut -d' ' -f2
}

# expect STATUS ADDR PORT HOST PATH [TEXT...]: the status, and each TEXT in
# the response
expect() {
	local want=$1 out st
	shift
	out=$(get "$1" "$2" "$3" "$4")
	st=$(printf '%s\n' "$out" | status_of)
	[ "$st" = "$want" ] || fail "GET http://$3$4 on $1:$2: status '$st', want $want: $out"
	local t
	for t in "${@:5}"; do
		printf '%s\n' "$out" | grep -qF -- "$t" || fail "GET http://$3$4 on $1:$2: no '$t' in: $out"
	done
}

# eventually SECONDS COMMAND...: retry until COMMAND succeeds
eventually() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 20))); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

served_by() { # served_by POOL ADDR PORT HOST PATH
	get "$2" "$3" "$4" "$5" | grep -qx "pool=$1"
}

# The pid of a pool's worker from LIST WP ("<pid> <pool>" lines, then OK).
worker_pid() {
	local pid name
	ctl LIST WP | while read -r pid name; do
		if [ "$name" = "$1" ]; then echo "$pid"; fi
	done
}

# The number of workers LIST WP shows.
worker_count() {
	ctl LIST WP | grep -cv '^OK$' || true
}

# The server defaults of etc/applicationHost.config after <system.applicationHost>
# (system.webServer: MIME map, default documents, modules...), for write_config.
webserver_defaults() {
	awk '/<\/system.applicationHost>/ { f = 1; next } /<\/configuration>/ { f = 0 } f' \
		"$SRC/etc/applicationHost.config"
}

# What a process runs as, as IDENTITY APPPOOL writes it (docs/server.md), built
# from /proc/PID/status and getent: ids without an entry in the virtual-account
# range are POOL's IIS APPPOOL\POOL.
name_of() { # name_of passwd|group ID POOL: "ID(name)", as id(1) writes it
	local n
	n=$(getent "$1" "$2" | cut -d: -f1)
	if [ -n "$n" ]; then echo "$2($n)"
	elif [ "$2" -ge 61184 ] && [ "$2" -le 65519 ]; then echo "$2(IIS APPPOOL\\$3)"
	else echo "$2"; fi
}
identity_of() { # identity_of PID POOL: "uid=… gid=… groups=…" from /proc/PID/status
	local u g gs x out=""
	u=$(awk '/^Uid:/ { print $2 }' "/proc/$1/status")
	g=$(awk '/^Gid:/ { print $2 }' "/proc/$1/status")
	gs=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$1/status")
	for x in $gs; do out="$out,$(name_of group "$x" "$2")"; done
	echo "uid=$(name_of passwd "$u" "$2") gid=$(name_of group "$g" "$2") groups=${out#,}"
}
router_pid() {
	pgrep -P "$DPID" -x apphost-router || pgrep -P "$DPID" -f "$ROUTER" | head -n1
}

field() { # field PID NAME: a line of /proc/PID/status, without its name
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' ' | sed 's/ *$//'
}

fnv() { # the first-choice uid (and pool gid) of a pool: FNV-1a of the lower-cased name
	local s=${1,,} h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ c) * 16777619 & 0xffffffff))
	done
	echo $((61184 + h % 4336))
}

# number DATABASE ARRAY POOL...: the ids of the pools (given in name order),
# as ident.h numbers them: FNV-1a of the lower-cased name into 61184-65519,
# else the next number no earlier pool and no entry of DATABASE has.
number() {
	local db=$1 p n given=" "
	local -n ids=$2
	shift 2
	for p in "$@"; do
		n=$(fnv "$p")
		while [[ $given == *" $n "* ]] || getent "$db" "$n" >/dev/null; do
			n=$((n == 65519 ? 61184 : n + 1))
		done
		ids[$p]=$n
		given="$given$n "
	done
}
