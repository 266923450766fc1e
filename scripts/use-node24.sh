# shellcheck shell=bash
# Sourced by scripts/test and scripts/sandbox: the project needs Node.js >= 24 (package.json engines;
# the action runs on node24 on GitHub). Where the machine's node is older, node 24 comes from the npm
# registry (scripts/node24.sh) and goes first on PATH, so npm, vitest, tsx and the spawned
# dist/index.js all run on it. ZDR_NODE names that node, so the tests that prove dist/index.js runs
# on node 24 (test/unit/node24.test.ts) run instead of being skipped.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  node24=$(./scripts/node24.sh)
  PATH="$(dirname "$node24"):$PATH"
  export PATH
  echo "[node] $(node -v) from $node24 (the machine's node is older than the project's engines, >=24)" >&2
fi
if [ -z "${ZDR_NODE:-}" ] && node -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'; then
  ZDR_NODE=$(command -v node)
  export ZDR_NODE
fi
