import * as core from '@actions/core';
import { createLoadBalancer } from './lb/create';
import { annotate, fail, print } from './report/progress';
import { readJournal } from './report/state';
import { reconcile } from './rollout/reconcile';
import { systemClock } from './runtime/clock';
import { processShell } from './runtime/local-shell';
import type { InputName } from './settings/inputs';
import { readSettings } from './settings/read-settings';
import { connectorFor } from './transport/connector-for';

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
      if (journal.drained.length) print(`Hosts left out of rotation by the main step (unhealthy after a failure): ${journal.drained.map((h) => h.name).join(', ')}.`);
      return;
    }
    if (journal.drained.length === 0 && journal.locks.length === 0) return;
    const read = readSettings((name: InputName) => core.getInput(name), process.env);
    if (!read.ok) return annotate('warning', 'post: the inputs are invalid, so drained hosts cannot be reconciled.');
    const settings = read.settings;
    print(`The main step did not finish. Reconciling: drained ${journal.drained.map((h) => h.name).join(', ') || 'none'}; ${journal.locks.length} lock(s).`);
    const result = await reconcile(settings, { connector: connectorFor(settings), local: processShell, clock: systemClock, openLoadBalancer: createLoadBalancer }, journal);
    for (const name of result.returned) annotate('warning', `post: ${name} had been left drained by the interrupted main step; it is healthy and was returned to service.`);
    for (const what of result.leftToOperator) annotate('warning', `post: ${what}, put there by an operator during the run; left as they set it.`);
    for (const why of result.leftDrained) annotate('error', `post: left drained: ${why}`, 'Host left out of rotation');
    if (result.locksReleased) print(`post: released ${result.locksReleased} lock(s) of the interrupted run.`);
    if (result.leftDrained.length) process.exitCode = core.ExitCode.Failure;
  } catch (err) {
    fail(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}
