#!/usr/bin/env bash
# Install the Debian packages apphost needs to build and test, when missing.
# Usage: scripts/install-deps.sh [--bench]
#   --bench  also the benchmark anchors (nginx, apache2, hyperfine)
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libexpat1-dev libssl-dev libcmocka-dev libpam0g-dev
      libxml2-utils)
pkgs+=(node-llhttp curl) # apphost-worker: llhttp's C sources; curl for its tests
pkgs+=(iproute2 util-linux) # activator/identities: ip and nsenter look into a worker's network
pkgs+=(wrk) # tests/activator/lifecycle.sh: recycles under load (ss comes with iproute2)
pkgs+=(acl) # tests/activator/real_worker.sh: getfacl reads the ACLs of a site's log folder
if [ "${1:-}" = "--bench" ]; then
	pkgs+=(nginx-light apache2 hyperfine)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
