/**
 * Stands in for @actions/exec in the bundle (tsconfig `paths`, as no-http-client.ts does).
 * @actions/core imports it only for `core.platform.getDetails()`, which this action never calls;
 * the real module (with @actions/io) loads node:child_process and node:assert into every start,
 * main and post step alike (~8 ms, measured). The action runs its local commands with its own
 * LocalShell. Anything that does reach this fails loudly.
 */
export function getExecOutput(): never {
  throw new Error('@actions/exec is not bundled in zero-downtime-restart (core.platform is not used)');
}
