#!/usr/bin/env bash
# Installs what the sandbox and the test suite need on a fresh Debian machine (run as root):
# the fleet's system packages and the project's npm dependencies. Quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(debootstrap systemd-container haproxy wrk socat openssh-server openssh-client zstd iproute2 curl shellcheck prometheus jq)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[setup] apt-get install ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci wipes node_modules; skip it when the installed tree is newer than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
