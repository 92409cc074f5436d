#!/usr/bin/env bash
# Installs HashiCorp Serf (Debian's `serf` package) when no `serf` is on PATH.
#
# The interop tests (test/interop/) and the membership benchmarks (bench/membership/) drive
# real Serf agents as the reference peer. Idempotent and silent when serf is already there;
# `apt-get update` runs at most once per call, only when an install is needed. Exits non-zero
# with a message naming what failed when serf cannot be installed (no root, no apt-get, or
# the package cannot be fetched); the tests then skip with their own message.
set -euo pipefail

if command -v serf >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "install-serf: $1; the Serf interop tests will be skipped" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "serf is not on PATH and apt-get is missing (install Serf by hand)"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "serf is not on PATH and installing it needs root (no sudo)"
  SUDO=(sudo -n)
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${SUDO[@]}" apt-get update -qq >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get update failed"
fi
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends serf >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get install serf failed"
fi
command -v serf >/dev/null 2>&1 || fail "apt-get installed serf but it is not on PATH"
echo "install-serf: installed $(serf version | head -n 1)"
