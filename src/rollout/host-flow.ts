import { waitReady } from '../checks/readiness';
import { createErrorSource } from '../checks/sources/create';
import { watchWindow } from '../checks/watch';
import { reload } from '../strategies/reload';
import { restart } from '../strategies/restart';
import type { FlowContext, HostRun } from './context';
import { drainHost, returnHost } from './drain';
import { hostLock } from '../remote/commands/locks';
import { acquireLock, lockTtlSeconds } from './locks';
import { runPhase, skipPhase } from './phase';

/**
 * One host's change, top to bottom: drain → change → ready → return → watch. Preflight has already
 * connected, inspected and validated it. Any throw is a PhaseError naming the host and phase; the
 * caller recovers the host and halts the rollout.
 */
export async function rollHost(run: HostRun, ctx: FlowContext): Promise<void> {
  const { settings, deps, lb } = ctx;
  const { clock, log, signal } = deps;
  const { remote, choice, unit } = run;
  if (!remote || !choice || !unit) throw new Error(`${run.target.name} was not preflighted`);
  const report = run.report;
  const progress = (line: string): void => log.info(`${run.target.name} ${line}`);
  const window = settings.check.windowMs;
  let baseline: Awaited<ReturnType<NonNullable<HostRun['errorSource']>['baseline']>> = null;

  // The error check counts from just before the change; the host's own background is read now.
  const markErrors = async (): Promise<void> => {
    if (window === 0 || run.errorSource) return;
    const source = createErrorSource(settings, run.target, remote, lb, ctx.preflightCounters.get(run.target.name) ?? null, clock.now);
    await source.mark();
    run.errorSource = source;
    baseline = await source.baseline(window);
  };

  await runPhase(clock, report, 'lock', async (phase) => {
    const lock = hostLock(run.target.name);
    const { note, waitedMs } = await acquireLock(remote, lock, { owner: deps.owner, ttlSeconds: lockTtlSeconds(settings), waitMs: settings.lockWaitMs, clock, signal, progress });
    phase.addWait(waitedMs);
    run.locks.push({ remote, name: lock.name });
    deps.journal.locked(run.target, lock.name);
    phase.detail(note || `locked for ${deps.owner}`);
    if (note) phase.warn(note);
  });

  if (choice.drain && lb) {
    await runPhase(clock, report, 'drain', async (phase) => {
      await markErrors();
      await drainHost(run, ctx, lb, phase);
    });
  }

  signal.throwIfAborted();
  await runPhase(clock, report, 'change', async (phase) => {
    await markErrors();
    run.changed = true;
    run.changedAt = clock.now();
    const change = choice.action === 'reload' ? reload : restart;
    phase.detail(await change({ remote, settings, unit, clock, signal, addWait: phase.addWait, progress }));
  });

  const readiness = { ...settings.readiness, dependencyChecks: settings.dependencyChecks };
  if (readiness.url || readiness.dependencyChecks.length) {
    await runPhase(clock, report, 'ready', async (phase) => {
      const result = await phase.waiting(() => waitReady(remote, readiness, clock, signal, progress));
      phase.detail(result.summary);
    });
  } else {
    skipPhase(clock, report, 'ready', 'no readiness-url or dependency-checks: ready means the unit is active again');
  }

  if (run.drained && lb) await runPhase(clock, report, 'return', (phase) => returnHost(run, ctx, lb, phase));

  const source = run.errorSource;
  if (!source) {
    skipPhase(clock, report, 'watch', 'check-window is 0');
    report.errors = { requests: 0, errors: 0, rate: 0, verdict: 'skipped', reason: 'check-window is 0' };
    return;
  }
  await runPhase(clock, report, 'watch', async (phase) => {
    const outcome = await phase.waiting(() => watchWindow(source, baseline, settings.check, clock, signal, progress));
    report.errors = outcome.counts;
    const c = outcome.counts;
    const text = `${c.verdict}: ${c.reason} (${c.source})`;
    if (c.verdict === 'fail') throw new Error(`error check tripped: ${c.reason} (${c.source})`);
    phase.detail(text);
    if (c.verdict === 'inconclusive') {
      phase.warn('inconclusive');
      log.warning(`${run.target.name}: error check inconclusive: ${c.reason}`);
    }
  });
}
