import { readinessProbe, waitReady } from '../checks/readiness';
import type { LoadBalancer } from '../lb/load-balancer';
import { userCommand } from '../remote/commands/exec';
import type { ErrorCheck } from '../checks/error-check';
import type { UnitInfo } from '../inspect/unit-info';
import type { RemoteHost } from '../remote/remote-host';
import type { PhaseName } from '../report/report';
import { sayProgress } from '../runtime/log';
import type { StrategyChoice } from '../strategies/choose';
import { changeFor } from '../strategies/strategy';
import type { FlowContext } from './context';
import { drainHost, returnHost } from './drain';
import type { HostRun } from './host-run';
import { regainedNote } from './lock-hold';
import { takeHostLock, type TurnOverlap } from './overlap';
import { PhaseError, runPhase, skipPhase, type PhaseHandle } from './phase';

const s = (ms: number): string => `${ms / 1000}s`;

/** A host of a halted batch stopped at its safe point, before its change: not a failure of its own. */
export class StoppedError extends Error {}

/** One phase of a host's turn: what the dry run says of it, and what it does when it runs. */
export interface Step {
  phase: PhaseName;
  /** The phase is not needed on this host, and why: it is recorded as skipped. */
  skip?: string;
  /** A cancelled run stops before this phase starts (nothing has changed yet). */
  safePoint?: boolean;
  /** The dry-run plan's lines for this phase, with the exact commands it would send. */
  plan(): string[];
  run(phase: PhaseHandle): Promise<void>;
}

/** A host that passed preflight: connected, inspected, its change chosen. */
export interface Preflighted {
  run: HostRun;
  remote: RemoteHost;
  unit: UnitInfo;
  choice: StrategyChoice;
  check: ErrorCheck | null;
}

export function preflighted(run: HostRun): Preflighted {
  const { remote, unit, choice } = run;
  if (!remote || !unit || !choice) throw new Error(`${run.name} was not preflighted`);
  return { run, remote, unit, choice, check: run.errorCheck ?? null };
}

function lockStep({ run }: Preflighted, ctx: FlowContext, overlap: TurnOverlap | undefined): Step {
  return {
    phase: 'lock',
    plan: () => [],
    run: async (phase) => {
      // Before anything of this host changes: a load balancer connection lost since the last host
      // is made again here, and the run's lock on it renewed; a lock lost to another run halts here.
      const regained = regainedNote(await ctx.lbLock?.regain());
      if (regained) ctx.deps.log.warning(`${run.name}: ${regained}`);
      // Usually taken while the previous host's turn ran (TurnOverlap): then this only collects it.
      const { note, waitedMs } = await (overlap ? overlap.lock(run, ctx) : takeHostLock(run, ctx, ctx.deps.signal));
      phase.addWait(waitedMs);
      phase.detail(`locked for ${ctx.deps.owner}`);
      for (const warning of [regained, note]) if (warning) phase.warn(warning);
    },
  };
}

function drainStep(host: Preflighted, ctx: FlowContext, lb: LoadBalancer): Step {
  const { drain } = ctx.settings;
  return {
    phase: 'drain',
    plan: () => [
      `  drain: capacity guard (min-healthy ${drain.minHealthy}), drain, wait up to ${s(drain.timeoutMs)} for 0 in flight, then ${drain.onTimeout}`,
    ],
    run: async (phase) => {
      await host.check?.mark();
      await drainHost(host.run, ctx, lb, phase);
    },
  };
}

function returnStep(host: Preflighted, ctx: FlowContext, lb: LoadBalancer): Step {
  return {
    phase: 'return',
    plan: () => ['  return: back into rotation, wait until the load balancer sees it UP'],
    run: (phase) => returnHost(host.run, ctx, lb, phase),
  };
}

function changeStep(host: Preflighted, ctx: FlowContext, progress: (line: string) => void): Step {
  const { settings, deps } = ctx;
  const { run, remote, unit, choice, check } = host;
  const change = changeFor(choice.action, settings, unit);
  return {
    phase: 'change',
    safePoint: true,
    plan: () => [
      `  change: systemctl ${choice.action}, then prove it took effect (${change.plan.proof})`,
      `      $ ${remote.line(change.plan.command)}`,
    ],
    run: async (phase) => {
      // The error check counts from just before the change (or the drain, when there is one).
      await check?.mark();
      run.changedAt = deps.clock.now();
      phase.detail(
        await change.apply({ remote, settings, unit, clock: deps.clock, signal: deps.signal, addWait: phase.addWait, progress }),
      );
    },
  };
}

function readyStep({ remote }: Preflighted, ctx: FlowContext, progress: (line: string) => void): Step {
  const { settings, deps } = ctx;
  const readiness = { ...settings.readiness, dependencyChecks: settings.dependencyChecks };
  const needed = readiness.url !== null || readiness.dependencyChecks.length > 0;
  return {
    phase: 'ready',
    ...(needed ? {} : { skip: 'no readiness-url or dependency-checks: ready means the unit is active again' }),
    plan: () => [
      ...(readiness.url
        ? [
            `  ready: ${readiness.successes} consecutive 2xx within ${s(readiness.timeoutMs)}, every ${s(readiness.intervalMs)}`,
            `      $ ${remote.line(readinessProbe(readiness.url, readiness.intervalMs))}`,
          ]
        : []),
      ...readiness.dependencyChecks.flatMap((c) => [
        '  ready: dependency check',
        `      $ ${remote.line(userCommand('dependency check', c, settings.ssh.commandTimeoutMs))}`,
      ]),
    ],
    run: async (phase) => {
      const result = await phase.waiting(() => waitReady(remote, readiness, deps.clock, deps.signal, progress));
      phase.detail(result.summary);
    },
  };
}

function watchStep({ run, check }: Preflighted, ctx: FlowContext, progress: (line: string) => void): Step {
  const { deps } = ctx;
  return {
    phase: 'watch',
    ...(check ? {} : { skip: 'check-window is 0' }),
    plan: () => {
      const c = ctx.settings.check;
      return [
        c.windowMs > 0
          ? `  watch: ${c.source} for ${s(c.windowMs)}; fail above ${c.maxErrorRate * 100}% errors (at least ${c.minRequests} requests)`
          : '  watch: off (check-window 0)',
        ...(check?.plan() ?? []),
      ];
    },
    run: async (phase) => {
      if (!check) return;
      const counts = await phase.waiting(() => check.watch(deps.signal, progress));
      run.errors = counts;
      if (counts.verdict === 'fail') throw new Error(`error check tripped: ${counts.reason} (${counts.source})`);
      phase.detail(`${counts.verdict}: ${counts.reason} (${counts.source})`);
      if (counts.verdict === 'inconclusive') {
        phase.warn('inconclusive');
        deps.log.warning(`${run.name}: error check inconclusive: ${counts.reason}`);
      }
    },
  };
}

/**
 * One host's turn as steps, top to bottom: lock → drain → change → ready → return → watch. The
 * same steps run the host and describe it in the dry-run plan, so the two cannot drift apart.
 */
export function hostSteps(host: Preflighted, ctx: FlowContext, overlap?: TurnOverlap): Step[] {
  const { deps, rotation } = ctx;
  const progress = (line: string): void => sayProgress(deps.log, host.run.name, line);
  const lb = host.choice.drain ? rotation.lb : null;
  const steps = [lockStep(host, ctx, overlap)];
  if (lb) steps.push(drainStep(host, ctx, lb));
  steps.push(changeStep(host, ctx, progress), readyStep(host, ctx, progress));
  if (lb) steps.push(returnStep(host, ctx, lb));
  steps.push(watchStep(host, ctx, progress));
  return steps;
}

/**
 * Runs one host's turn. Preflight has already connected, inspected and validated it. Any throw is
 * a PhaseError naming the host and phase; the caller recovers the host and halts the rollout.
 */
export async function rollHost(run: HostRun, ctx: FlowContext, overlap?: TurnOverlap): Promise<void> {
  const { clock, signal } = ctx.deps;
  for (const step of hostSteps(preflighted(run), ctx, overlap)) {
    if (step.skip !== undefined) {
      skipPhase(clock, run, step.phase, step.skip);
      continue;
    }
    // A cancel is no verdict on the host: the report names the phase it stopped before, as `cancelled`.
    if (step.safePoint && signal.aborted)
      throw new PhaseError(
        run.name,
        'cancelled',
        `cancelled before ${step.phase}: ${String((signal.reason as Error)?.message ?? signal.reason)}`,
      );
    // Another host halted the run: until its change begins, this host stops at each step's start.
    if (!run.changed && ctx.stopped?.aborted) throw new StoppedError(String((ctx.stopped.reason as Error)?.message ?? ctx.stopped.reason));
    run.current = { phase: step.phase, since: clock.now() };
    ctx.deps.log.phase?.(run.name, step.phase);
    try {
      await runPhase(clock, run, step.phase, (phase) => step.run(phase));
    } finally {
      run.current = undefined;
      ctx.deps.log.phase?.(run.name, null);
    }
  }
}
