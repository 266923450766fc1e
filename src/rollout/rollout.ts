import type { Report } from '../report/report';
import type { Settings } from '../settings/settings';
import { batchProgress } from './batch-progress';
import type { RolloutDeps } from './context';
import { asPhaseError, FleetRun, releaseHost } from './fleet-run';
import { rollHost, StoppedError } from './host-flow';
import type { HostRun } from './host-run';
import { planLines } from './plan';
import { TurnOverlap } from './overlap';
import { preflightFleet } from './preflight';
import { LeftAsFound } from './phase';
import { recover } from './recover';

export interface RolloutResult {
  report: Report;
  /** The dry-run plan, when dry-run was asked for. */
  plan: string[];
}

/** How often a batch says where each of its hosts is, besides when one finishes. */
const PROGRESS_MS = 5000;

/**
 * One host's turn: roll it, or recover it (and maybe halt the run). Never throws. Its locks, then
 * its connection, go back either way: in the background when the turns overlap (one host at a
 * time), so the next host does not wait for them.
 */
async function turn(fleet: FleetRun, run: HostRun, overlap?: TurnOverlap): Promise<void> {
  const { deps } = fleet;
  try {
    await run.remote?.reconnectIfLost();
    await rollHost(run, fleet, overlap);
    run.status = 'success';
    deps.log.info(`${run.name}: done in ${run.phases.reduce((n, p) => n + p.durationMs, 0)} ms`);
  } catch (err) {
    if (err instanceof LeftAsFound) {
      // Nothing of this run's is on it yet (the check comes before the drain): nothing to recover.
      run.status = 'skipped';
      run.outOfService = err.outOfService;
      run.warnings.push(err.message);
      deps.log.warning(`${run.name}: ${err.message}`);
      return;
    }
    const failure = asPhaseError(err, run.name);
    if (err instanceof StoppedError) {
      // Another host of the batch failed: this one was not changed, and goes back as it was.
      run.status = 'skipped';
      run.warnings.push(`${err.message}; not changed`);
      deps.log.info(`${run.name}: ${err.message}; not changed`);
      await recover(run, fleet, failure, true);
    } else {
      run.status = 'failed';
      fleet.hostFailed(run, failure);
      deps.log.info(`${run.name}: failed in ${failure.phase}: ${failure.message}`);
      await recover(run, fleet, failure);
    }
  } finally {
    if (overlap) overlap.release(run, deps);
    else await releaseHost(run, deps);
  }
}

/**
 * A batch of several hosts at once, in one log group (GitHub's groups cannot interleave): every
 * line names its host, and a progress line says where each host is, every few seconds and
 * whenever one finishes (on a terminal, one line redrawn in place). It ends when every host's
 * turn ended.
 */
async function rollBatch(fleet: FleetRun, batch: HostRun[], index: number): Promise<void> {
  const { log, clock } = fleet.deps;
  const total = fleet.batches.length;
  const started = clock.now();
  const line = (): string => batchProgress(batch, index, total, clock.now());
  await log.group(`Batch ${index}/${total}: ${batch.map((r) => r.name).join(', ')}`, async () => {
    // A terminal redraws the line in place; a log (the action's, a CI log) gets it as lines.
    const live = log.batch?.(line) ?? false;
    const say = (): void => {
      if (!live) log.info(line());
    };
    const ticker = setInterval(say, PROGRESS_MS);
    ticker.unref();
    try {
      const turns = batch.map(async (run) => {
        if (run.outOfService) return void (run.status = 'skipped');
        await turn(fleet, run);
        say();
      });
      await Promise.all(turns);
    } finally {
      clearInterval(ticker);
    }
    log.info(`batch ${index}/${total} ${fleet.halted ? 'halted' : 'done'} after ${Math.round((clock.now() - started) / 1000)} s`);
  });
}

/**
 * The batches in order; the next starts when every host of this one ended its turn (passed its
 * watch, or failed and was recovered). After a halt or a cancel, the later batches are skipped
 * untouched. One host per batch (the default) is the classic run: a log group per host, and the
 * next host's lock taken while the current host's turn runs (TurnOverlap).
 */
async function roll(fleet: FleetRun, overlap: TurnOverlap | undefined): Promise<void> {
  const { signal, log } = fleet.deps;
  for (const [i, batch] of fleet.batches.entries()) {
    const first = batch[0] as HostRun;
    if (fleet.halted || (fleet.serial && first.outOfService)) {
      for (const run of batch) run.status = 'skipped';
    } else if (signal.aborted) {
      for (const run of batch) run.status = 'skipped';
      fleet.fail(first.name, 'cancelled', `cancelled before ${first.name}: ${String((signal.reason as Error)?.message ?? signal.reason)}`);
    } else if (overlap) {
      const next = fleet.batches.slice(i + 1).find((b) => !b[0]?.outOfService)?.[0];
      if (next) overlap.lockAhead(next, fleet);
      await log.group(`${first.name}: ${first.choice?.label ?? ''}`, () => turn(fleet, first, overlap));
    } else {
      await rollBatch(fleet, batch, i + 1);
    }
  }
}

/**
 * The whole run: preflight every host (and the load balancer) without changing anything, then
 * either print the plan (dry run) or roll the hosts batch by batch (one at a time by default),
 * halting after the batch of the first failure (beyond max-failed-hosts) with later batches
 * untouched; finally give back locks and connections, and report.
 */
export async function rollout(settings: Settings, deps: RolloutDeps): Promise<RolloutResult> {
  const fleet = new FleetRun(settings, deps);
  // One host at a time: locks are taken ahead of the turns that use them (TurnOverlap). A dry run takes none.
  const overlap = fleet.serial && !settings.dryRun ? new TurnOverlap() : undefined;
  let plan: string[] = [];
  try {
    await preflightFleet(fleet, overlap);
    if (!fleet.halted && settings.dryRun) plan = planLines(settings, fleet.runs, fleet);
    else if (!fleet.halted) await roll(fleet, overlap);
  } finally {
    // Locks still being taken or given back finish before any connection closes; the last host's
    // release runs on while the load balancer's lock goes back (fleet.close).
    if (overlap) fleet.windDown(overlap.settle());
    await fleet.close();
  }
  return { report: fleet.report(), plan };
}
