import { notReady, type JournalState } from '../rollout/journal';
import type { PostIO, World } from './io';

/**
 * The post step of every entry point. When the main step finished, it only restates hosts left
 * out of rotation on purpose (and retries a lock release the host did not confirm): that path
 * reads the journal and exits, loading none of the rollout
 * (settings, SSH, the load balancers are imported only when there is something to reconcile).
 * When the main step was killed before it could finish, it returns the hosts it had drained
 * (healthy ones) and releases its locks. `world`: the outside world; production's by default.
 */
export async function runPost(io: PostIO, world?: World): Promise<void> {
  try {
    const journal = io.readJournal();
    if (!journal || nothingToReconcile(journal, io)) return;
    const { reconcileKilledRun } = await import('./post-reconcile');
    // A finished run's drained hosts were left so on purpose, but for those the cancel caught before
    // they were ready; and its unconfirmed locks are retried.
    const todo = journal.completed ? { ...journal, drained: notReady(journal) } : journal;
    await reconcileKilledRun(io, todo, world ?? (await import('./world')).productionWorld);
  } catch (err) {
    io.fail(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * True when the journal needs no SSH at all: the main step finished and gave back every lock it
 * took (a release the host did not confirm stays in the journal), or held nothing.
 */
function nothingToReconcile(journal: JournalState, io: PostIO): boolean {
  const drained = journal.drained.map((h) => h.name);
  if (journal.completed) {
    const kept = journal.drained.filter((h) => h.why !== 'not-ready').map((h) => h.name);
    if (kept.length) io.log.info(`Hosts left out of rotation by the main step (unhealthy after a failure): ${kept.join(', ')}.`);
    return journal.locks.length === 0 && notReady(journal).length === 0;
  }
  return drained.length === 0 && journal.locks.length === 0;
}
