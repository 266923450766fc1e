import type { LoadBalancer } from '../lb/load-balancer';
import type { Report } from '../report/report';
import type { Settings } from '../settings/settings';
import { describeTarget } from '../transport/target';
import { mapBounded } from './bounded';
import { newHostReport, type FlowContext, type HostRun, type RolloutDeps } from './context';
import { rollHost } from './host-flow';
import { PhaseError } from './phase';
import { planLines } from './plan';
import { preflightHost } from './preflight';
import { recover } from './recover';
import { acquireLock, LockedError, lockTtlSeconds, releaseLock } from './locks';

export interface RolloutResult {
  report: Report;
  /** The dry-run plan, when dry-run was asked for. */
  plan: string[];
}

/** Gives back every lock the host's turn took, so the next run (or host) can go on. */
async function releaseLocks(run: HostRun, deps: RolloutDeps): Promise<void> {
  for (const lock of run.locks.splice(0).reverse()) {
    await releaseLock(lock.remote, lock.name, deps.owner);
    deps.journal.unlocked(lock.remote.connection.target, lock.name);
  }
}

function asPhaseError(err: unknown, host: string): PhaseError {
  if (err instanceof PhaseError) return err;
  return new PhaseError(host, 'change', err instanceof Error ? err.message : String(err));
}

/**
 * The whole run: preflight every host (and the load balancer) without changing anything, then
 * change hosts one at a time in order, halting at the first failure with later hosts untouched.
 */
export async function rollout(settings: Settings, deps: RolloutDeps): Promise<RolloutResult> {
  const { clock, log } = deps;
  const started = clock.now();
  const runs: HostRun[] = settings.hosts.map((target) => ({ target, report: newHostReport(target), drained: false, changed: false, locks: [] }));
  const report: Report = {
    status: 'success',
    strategy: settings.strategy,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    dryRun: settings.dryRun,
    failedHost: '',
    failedPhase: '',
    reason: '',
    hosts: runs.map((r) => r.report),
    waitMs: 0,
  };
  let plan: string[] = [];
  let lb: LoadBalancer | null = null;

  const halted = (): boolean => report.status === 'failed';
  const fail = (host: string, phase: string, reason: string): void => {
    if (halted()) return;
    report.status = 'failed';
    report.failedHost = host;
    report.failedPhase = phase;
    report.reason = reason;
  };

  const ctx: FlowContext = { settings, deps, lb: null, preflightCounters: new Map() };
  try {
    const lbPreflight = async (): Promise<void> => {
      try {
        lb = await deps.openLoadBalancer(settings, deps.connector, deps.local);
        if (!lb) return;
        for (const w of await lb.preflight(settings.hosts)) log.warning(w);
        // One rollout drains a load balancer's pool at a time: capacity is counted live, but two
        // runs counting at the same moment would both see enough. Taken here, beside the hosts'
        // preflight, and held to the end of the run: a round trip per run, not two per host.
        if (lb.lock) {
          const { remote, name } = lb.lock;
          const ttlSeconds = lockTtlSeconds(settings) * settings.hosts.length;
          const progress = (line: string): void => log.info(`load balancer: ${line}`);
          const { note } = await acquireLock(remote, lb.lock, { owner: deps.owner, ttlSeconds, waitMs: settings.lockWaitMs, clock, signal: deps.signal, progress });
          ctx.lbLocked = true;
          deps.journal.locked(remote.connection.target, name);
          if (note) log.warning(`load balancer lock: ${note}`);
        }
        if (lb.counters && settings.check.source === 'haproxy') {
          for (const host of settings.hosts) ctx.preflightCounters.set(host.name, { at: clock.now(), counters: await lb.counters(host) });
        }
      } catch (err) {
        const target = settings.lb.kind !== 'none' ? settings.lb.host : null;
        const phase = err instanceof LockedError ? 'lock' : 'connect';
        fail(target ? `load balancer (${describeTarget(target)})` : 'load balancer', phase, `load balancer: ${(err as Error).message}`);
      }
    };
    await log.group(`Preflight: ${runs.length} host${runs.length === 1 ? '' : 's'}${settings.lb.kind !== 'none' ? ' and the load balancer' : ''}`, async () => {
      const hostFailures = mapBounded(runs, settings.ssh.preflightConcurrency, async (run) => {
        try {
          await preflightHost(run, ctx);
          log.info(`${run.target.name}: ${run.report.phases.map((p) => `${p.name} ${p.status}`).join(', ')}; ${run.report.strategy}`);
          return null;
        } catch (err) {
          run.report.status = 'failed';
          return asPhaseError(err, run.target.name);
        }
      });
      const [failures] = await Promise.all([hostFailures, lbPreflight()]);
      const first = failures.find((f) => f !== null);
      if (first) fail(first.host, first.phase, first.message);
    });
    ctx.lb = lb;

    if (halted()) {
      for (const run of runs) if (run.report.status === 'planned') run.report.status = 'skipped';
      return { report, plan };
    }
    if (settings.dryRun) {
      plan = planLines(settings, runs, (lb as LoadBalancer | null)?.description ?? null);
      return { report, plan };
    }

    for (const run of runs) {
      if (halted()) {
        run.report.status = 'skipped';
        continue;
      }
      if (deps.signal.aborted) {
        run.report.status = 'skipped';
        fail(run.target.name, 'cancelled', `cancelled before ${run.target.name}: ${String((deps.signal.reason as Error)?.message ?? deps.signal.reason)}`);
        continue;
      }
      await log.group(`${run.target.name}: ${run.report.strategy}`, async () => {
        try {
          await rollHost(run, ctx);
          run.report.status = 'success';
          log.info(`${run.target.name}: done in ${run.report.phases.reduce((n, p) => n + p.durationMs, 0)} ms`);
        } catch (err) {
          const failure = asPhaseError(err, run.target.name);
          run.report.status = 'failed';
          fail(run.target.name, failure.phase, failure.message);
          log.info(`${run.target.name}: failed in ${failure.phase}: ${failure.message}`);
          await recover(run, ctx, failure);
        } finally {
          await releaseLocks(run, deps);
        }
      });
    }
    return { report, plan };
  } finally {
    const held = (lb as LoadBalancer | null)?.lock;
    if (held && ctx.lbLocked) {
      await releaseLock(held.remote, held.name, deps.owner);
      deps.journal.unlocked(held.remote.connection.target, held.name);
    }
    await Promise.allSettled([...runs.map((r) => r.remote?.close()), (lb as LoadBalancer | null)?.close()]);
    for (const run of runs) {
      run.report.lbState = settings.lb.kind === 'none' ? 'none' : run.drained ? 'drained' : 'in-service';
    }
    report.durationMs = clock.now() - started;
    report.waitMs = runs.reduce((n, r) => n + r.report.phases.reduce((m, p) => m + p.waitMs, 0), 0);
  }
}
