#!/usr/bin/env bash
# npm-ci.sh DIR [COMMAND:PACKAGE,PACKAGE...]: the npm packages pinned in DIR's
# package-lock.json, installed when node_modules is missing or older than the lock
# file; npm itself, and each COMMAND that is missing (its Debian PACKAGEs, e.g.
# chromium:chromium,fonts-dejavu-core), from Debian when absent.
# The Makefile's contract, portal and webtools targets share it.
set -euo pipefail
dir=$1
shift
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }
missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
for need in "$@"; do
	if ! command -v "${need%%:*}" >/dev/null; then
		IFS=, read -ra pkgs <<<"${need#*:}"
		missing+=("${pkgs[@]}")
	fi
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
cd "$dir"
[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
