import type { Report } from '../report/report';
import type { Settings } from '../settings/settings';
import type { RolloutDeps } from './context';
import { asPhaseError, FleetRun, releaseHostLocks } from './fleet-run';
import { rollHost } from './host-flow';
import type { HostRun } from './host-run';
import { planLines } from './plan';
import { preflightFleet } from './preflight';
import { recover } from './recover';

export interface RolloutResult {
  report: Report;
  /** The dry-run plan, when dry-run was asked for. */
  plan: string[];
}

/** One host's turn in its own log group: roll it, or recover it and halt the run. Locks go back either way. */
async function turn(fleet: FleetRun, run: HostRun): Promise<void> {
  const { deps } = fleet;
  await deps.log.group(`${run.name}: ${run.choice?.label ?? ''}`, async () => {
    try {
      await rollHost(run, fleet);
      run.status = 'success';
      deps.log.info(`${run.name}: done in ${run.phases.reduce((n, p) => n + p.durationMs, 0)} ms`);
    } catch (err) {
      const failure = asPhaseError(err, run.name);
      run.status = 'failed';
      fleet.fail(run.name, failure.phase, failure.message);
      deps.log.info(`${run.name}: failed in ${failure.phase}: ${failure.message}`);
      await recover(run, fleet, failure);
    } finally {
      await releaseHostLocks(run, deps);
      // Connections are held only for the hosts being rolled, so memory stays flat as the fleet grows.
      await run.remote?.release();
    }
  });
}

/** The hosts one at a time, in order; after a failure or a cancel, the rest are skipped untouched. */
async function roll(fleet: FleetRun): Promise<void> {
  const { signal } = fleet.deps;
  for (const run of fleet.runs) {
    if (fleet.halted || run.outOfService) {
      run.status = 'skipped';
    } else if (signal.aborted) {
      run.status = 'skipped';
      fleet.fail(run.name, 'cancelled', `cancelled before ${run.name}: ${String((signal.reason as Error)?.message ?? signal.reason)}`);
    } else {
      await turn(fleet, run);
    }
  }
}

/**
 * The whole run: preflight every host (and the load balancer) without changing anything, then
 * either print the plan (dry run) or roll the hosts one at a time in order, halting at the first
 * failure with later hosts untouched; finally give back locks and connections, and report.
 */
export async function rollout(settings: Settings, deps: RolloutDeps): Promise<RolloutResult> {
  const fleet = new FleetRun(settings, deps);
  let plan: string[] = [];
  try {
    await preflightFleet(fleet);
    if (!fleet.halted && settings.dryRun) plan = planLines(settings, fleet.runs, fleet);
    else if (!fleet.halted) await roll(fleet);
  } finally {
    await fleet.close();
  }
  return { report: fleet.report(), plan };
}
