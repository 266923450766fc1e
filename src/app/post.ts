import { reconcile } from '../rollout/reconcile';
import { readSettings } from '../settings/read-settings';
import type { PostIO, World } from './io';
import { productionWorld } from './world';

/**
 * The post step of every entry point. When the main step finished, it only restates hosts left
 * out of rotation on purpose. When the main step was killed before it could finish, it returns the
 * hosts it had drained (healthy ones) and releases its locks.
 */
export async function runPost(io: PostIO, world: World = productionWorld): Promise<void> {
  try {
    const journal = io.readJournal();
    if (!journal) return;
    const drained = journal.drained.map((h) => h.name);
    if (journal.completed) {
      if (drained.length) io.log.info(`Hosts left out of rotation by the main step (unhealthy after a failure): ${drained.join(', ')}.`);
      return;
    }
    if (drained.length === 0 && journal.locks.length === 0) return;
    const read = readSettings(io.input, io.env);
    if (!read.ok) return io.log.warning('post: the inputs are invalid, so drained hosts cannot be reconciled.');
    const { settings } = read;
    io.log.info(`The main step did not finish. Reconciling: drained ${drained.join(', ') || 'none'}; ${journal.locks.length} lock(s).`);
    const deps = {
      connector: world.connectorFor(settings),
      local: world.local,
      clock: world.clock,
      openLoadBalancer: world.openLoadBalancer,
    };
    const result = await reconcile(settings, deps, journal);
    for (const name of result.returned)
      io.log.warning(`post: ${name} had been left drained by the interrupted main step; it is healthy and was returned to service.`);
    for (const what of result.leftToOperator)
      io.log.warning(`post: ${what}, put there by an operator during the run; left as they set it.`);
    for (const why of result.leftDrained) io.log.error(`post: left drained: ${why}`, 'Host left out of rotation');
    if (result.locksReleased) io.log.info(`post: released ${result.locksReleased} lock(s) of the interrupted run.`);
    if (result.leftDrained.length) io.fail();
  } catch (err) {
    io.fail(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}
