import * as core from '@actions/core';
import { createLoadBalancer } from './lb/create';
import { readJournal } from './action/state';
import { reconcile } from './rollout/reconcile';
import { systemClock } from './runtime/clock';
import { processShell } from './runtime/local-shell';
import type { InputName } from './settings/inputs';
import { readSettings } from './settings/read-settings';
import { connectorFor } from './app/connector';

/**
 * The post step (`runs.post`, always). When the main step finished, it only restates hosts left
 * out of rotation on purpose. When the main step was killed before it could finish, it returns the
 * hosts it had drained (healthy ones) and releases its locks.
 */
export async function post(): Promise<void> {
  try {
    const journal = readJournal();
    if (!journal) return;
    if (journal.completed) {
      if (journal.drained.length) core.info(`Hosts left out of rotation by the main step (unhealthy after a failure): ${journal.drained.map((h) => h.name).join(', ')}.`);
      return;
    }
    if (journal.drained.length === 0 && journal.locks.length === 0) return;
    const read = readSettings((name: InputName) => core.getInput(name), process.env);
    if (!read.ok) return core.warning('post: the inputs are invalid, so drained hosts cannot be reconciled.');
    const settings = read.settings;
    core.info(`The main step did not finish. Reconciling: drained ${journal.drained.map((h) => h.name).join(', ') || 'none'}; ${journal.locks.length} lock(s).`);
    const result = await reconcile(settings, { connector: connectorFor(settings), local: processShell, clock: systemClock, openLoadBalancer: createLoadBalancer }, journal);
    for (const name of result.returned) core.warning(`post: ${name} had been left drained by the interrupted main step; it is healthy and was returned to service.`);
    for (const why of result.leftDrained) core.error(`post: left drained: ${why}`, { title: 'Host left out of rotation' });
    if (result.locksReleased) core.info(`post: released ${result.locksReleased} lock(s) of the interrupted run.`);
    if (result.leftDrained.length) process.exitCode = core.ExitCode.Failure;
  } catch (err) {
    core.setFailed(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}
