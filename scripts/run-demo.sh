#!/usr/bin/env bash
# Set up apphost and run it on its bundled default configuration (etc/).
#
# Installs what is missing, builds, then shows with appcmd what the bundled
# configuration defines: sites, application pools, applications, virtual
# directories, and the effective configuration of the child application /app,
# whose web.config adds a default document and a custom header on top of the
# site's (delegation at work). Everything runs from the source tree; nothing is
# installed system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DAH_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

export APPHOST_CONFIG_DIR=$PWD/etc
export APPHOST_SCHEMA_DIR=$PWD/schema
export APPHOST_DEMO_ROOT=$PWD/etc/demo
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
