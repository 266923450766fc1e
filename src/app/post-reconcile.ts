import { reconcile } from '../rollout/reconcile';
import { distinctLocks, type JournalState } from '../rollout/journal';
import { readSettings } from '../settings/read-settings';
import type { PostIO, World } from './io';
import { maskSecrets } from './mask';

/** What a finished main step left for the post step: hosts the cancel caught before they were ready, unconfirmed locks. */
function finishedButLeft(notReady: string[], locks: number): string {
  const left = [
    notReady.length
      ? `it was cancelled before ${notReady.join(', ')} ${notReady.length > 1 ? 'were' : 'was'} ready again: checking again`
      : '',
    locks ? `the hosts did not confirm giving back ${locks} of its lock(s): trying again` : '',
  ];
  return `The main step finished, but ${left.filter(Boolean).join('; ')}.`;
}

/**
 * The post step after a killed main step: returns the hosts it had drained (healthy ones),
 * releases its locks, and says what it left. Its own module, loaded only when needed, so that the
 * post step of a run that finished costs no more than node's start.
 */
export async function reconcileKilledRun(io: PostIO, journal: JournalState, world: World): Promise<void> {
  // Before anything is printed: what follows carries host text.
  maskSecrets(io);
  const drained = journal.drained.map((h) => h.name);
  const locks = distinctLocks(journal.locks).length;
  const read = readSettings(io.input, io.env);
  if (!read.ok) return io.log.warning('post: the inputs are invalid, so what the main step left cannot be reconciled.');
  const { settings } = read;
  io.log.info(
    journal.completed
      ? finishedButLeft(drained, locks)
      : `The main step did not finish. Reconciling: drained ${drained.join(', ') || 'none'}; ${locks} lock(s).`,
  );
  const deps = {
    connector: world.connectorFor(settings),
    local: world.local,
    clock: world.clock,
    openLoadBalancer: world.openLoadBalancer,
  };
  const result = await reconcile(settings, deps, journal);
  for (const name of result.returned)
    io.log.warning(`post: ${name} had been left drained by the interrupted main step; it is healthy and was returned to service.`);
  for (const what of result.leftToOperator) io.log.warning(`post: ${what}, put there by an operator during the run; left as they set it.`);
  for (const what of result.leftToOtherRun) io.log.warning(`post: ${what}.`);
  for (const why of result.leftDrained) io.log.error(`post: left drained: ${why}`, 'Host left out of rotation');
  const released = result.locksReleased;
  if (released) io.log.info(`post: released ${released} lock(s) of the ${journal.completed ? 'main step' : 'interrupted run'}.`);
  if (released < locks)
    io.log.warning(`post: ${locks - released} lock(s) could not be given back; each expires by itself at the end of its TTL.`);
  if (result.claimsLeft.length)
    io.log.warning(
      `post: the lock taken to return ${result.claimsLeft.join(', ')} could not be given back; it expires by itself at the end of its TTL.`,
    );
  if (result.leftDrained.length) io.fail();
  if (result.leftDrained.length && !result.retryable && released === locks && !result.claimsLeft.length) io.keptOutOnly?.();
}
