#!/usr/bin/env bash
# Set up apphost and run it on its bundled default configuration (etc/).
#
# Installs what is missing, builds, shows with appcmd what the bundled
# configuration defines (sites, application pools, applications, virtual
# directories, and the effective configuration of the child application /app,
# whose web.config adds a default document and a custom header on top of the
# site's), then starts apphostd in the foreground: "Default Web Site" answers
# on http://127.0.0.1:8080/ until Ctrl-C. Everything runs from the source
# tree; nothing is installed system-wide.
#
#   scripts/run-demo.sh            build, list, serve
#   scripts/run-demo.sh --no-serve build and list only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DAH_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

export APPHOST_CONFIG_DIR=$PWD/etc
export APPHOST_SCHEMA_DIR=$PWD/schema
export APPHOST_DEMO_ROOT=$PWD/etc/demo
export APPHOST_RUN_DIR=${APPHOST_RUN_DIR:-$PWD/build/run}
appcmd=$build/appcmd

run() {
	printf "$ appcmd"; printf " %q" "$@"; echo
	"$appcmd" "$@"
	echo
}
run list site
run list apppool
run list app
run list vdir
run list config "Default Web Site/app" /section:defaultDocument
run list config "Default Web Site/app" /section:httpProtocol
run list config "Default Web Site/docs" /section:directoryBrowse

[ "${1:-}" = "--no-serve" ] && exit 0
mkdir -p "$APPHOST_RUN_DIR"
echo "Serving the bundled configuration: try  curl -i http://127.0.0.1:8080/app/  (Ctrl-C stops)"
exec "$build/apphostd" -f
