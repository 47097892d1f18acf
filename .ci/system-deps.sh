#!/usr/bin/env bash
# Debian packages the test suite needs. As root, install whatever is missing; otherwise fail
# loudly naming it. Nothing is skipped. With arguments, only those commands (each the package of that
# name) are checked instead, e.g. `.ci/system-deps.sh wrk` for the benchmarks.
set -euo pipefail
missing=()
extra=()
for command in "$@"; do command -v "$command" >/dev/null 2>&1 || missing+=("$command"); done
if [ $# -eq 0 ]; then
  extra=(fonts-noto-core)  # the browser tests' pages render Vietnamese text
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libmagic.so.1 ] || missing+=(libmagic1)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ -x /usr/sbin/clamd ] || command -v clamd >/dev/null 2>&1 || missing+=(clamav-daemon)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# freshclam must never run here (it downloads from the ClamAV CDN): the tests use a local test signature.
echo "clamav-freshclam clamav-freshclam/autoupdate_freshclam select manual" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" "${extra[@]}"
