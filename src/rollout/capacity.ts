import type { FleetRun } from './fleet-run';

/**
 * A batch must fit the pool: the hosts of a batch that drain are out of rotation at once, so the
 * pool needs `min-healthy` healthy servers besides them. Checked in preflight, before any change,
 * against the servers healthy now; returns why not (naming the input and the largest safe batch),
 * or null. One drain at a time is left to the live guard before each drain, as it always was.
 */
export async function batchTooLarge(fleet: FleetRun): Promise<string | null> {
  const lb = fleet.rotation.lb;
  if (!lb) return null;
  const drainers = fleet.batches.map((b) => b.filter((r) => r.choice?.drain && !r.outOfService).length);
  const largest = Math.max(0, ...drainers);
  if (largest <= 1) return null;
  const min = fleet.settings.drain.minHealthy;
  const probe = fleet.runs[0]?.target;
  const others = probe ? await lb.healthyOthers(probe) : null;
  if (!probe || others === null) {
    fleet.deps.log.warning(
      `capacity guard not enforced: ${lb.description} cannot count healthy servers, and a batch drains up to ${largest} hosts at once (min-healthy ${min})`,
    );
    return null;
  }
  const healthy = others + ((await lb.isUp(probe)) === false ? 0 : 1);
  const safe = Math.max(0, healthy - min);
  if (largest <= safe) return null;
  return `Input 'batches': a batch would drain ${largest} hosts at once, but ${lb.description} has ${healthy} healthy server${healthy === 1 ? '' : 's'} in rotation and min-healthy is ${min}, so the largest safe batch is ${safe}. Nothing was changed; set batches to at most ${safe}${safe === 0 ? ' (no batch fits: bring servers back first)' : ''}.`;
}
