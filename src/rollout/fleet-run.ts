import type { RemoteHost } from '../remote/remote-host';
import type { Report } from '../report/report';
import type { Settings } from '../settings/settings';
import type { FlowContext, RolloutDeps } from './context';
import { HostRun } from './host-run';
import { releaseLock } from './locks';
import { PhaseError } from './phase';
import { Rotation } from './rotation';

/** Why the run halted: the first failure, naming the host (or the load balancer) and the phase. */
export interface Halt {
  host: string;
  phase: string;
  reason: string;
}

/** A lock this run holds: where it is kept and its name there; `stop` ends its heartbeat. */
export interface HeldLock {
  remote: RemoteHost;
  name: string;
  stop?: () => void;
}

/** Any throw from a host's turn as the PhaseError the run halts with. */
export function asPhaseError(err: unknown, host: string): PhaseError {
  if (err instanceof PhaseError) return err;
  return new PhaseError(host, 'change', err instanceof Error ? err.message : String(err));
}

/**
 * The state of one rollout: its hosts, the load balancer's rotation and lock, and the halt. Every
 * piece has one owner here or in HostRun / Rotation; the report is built from them at the end.
 */
export class FleetRun implements FlowContext {
  readonly startedAt: number;
  readonly runs: HostRun[];
  readonly rotation: Rotation;
  /** The load balancer's lock, held from preflight to the run's end. */
  lbLock: HeldLock | null = null;
  private halt: Halt | null = null;

  constructor(
    readonly settings: Settings,
    readonly deps: RolloutDeps,
  ) {
    this.startedAt = deps.clock.now();
    this.runs = settings.hosts.map((target) => new HostRun(target));
    this.rotation = new Rotation(deps.journal, settings.lb.kind !== 'none');
  }

  get halted(): boolean {
    return this.halt !== null;
  }

  /** Records why the run halts; the first failure is the one reported. */
  fail(host: string, phase: string, reason: string): void {
    this.halt ??= { host, phase, reason };
  }

  /** Gives back every lock this run still holds and closes every connection. Never throws. */
  async close(): Promise<void> {
    const { deps } = this;
    for (const run of this.runs) await releaseHostLocks(run, deps);
    if (this.lbLock) {
      this.lbLock.stop?.();
      await releaseLock(this.lbLock.remote, this.lbLock.name, deps.owner);
      deps.journal.unlocked(this.lbLock.remote.connection.target, this.lbLock.name);
      this.lbLock = null;
    }
    await Promise.allSettled([...this.runs.map((r) => r.remote?.close()), this.rotation.lb?.close()]);
    await deps.connector.close?.().catch(() => undefined);
  }

  /** The report of the run as it stands: hosts, where the load balancer has them, the halt, times. */
  report(): Report {
    const hosts = this.runs.map((run) => {
      if (this.halted && run.status === 'planned') run.status = 'skipped';
      return run.toReport(this.rotation.stateOf(run.target, run.outOfService !== undefined));
    });
    const halt = this.halt;
    return {
      status: halt ? 'failed' : 'success',
      strategy: this.settings.strategy,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: this.deps.clock.now() - this.startedAt,
      dryRun: this.settings.dryRun,
      failedHost: halt?.host ?? '',
      failedPhase: halt?.phase ?? '',
      reason: halt?.reason ?? '',
      hosts,
      waitMs: hosts.reduce((n, h) => n + h.phases.reduce((m, p) => m + p.waitMs, 0), 0),
    };
  }
}

/** Gives back the locks a host's turn took, so the next run (or host) can go on. */
export async function releaseHostLocks(run: HostRun, deps: RolloutDeps): Promise<void> {
  for (const lock of run.locks.splice(0).reverse()) {
    await releaseLock(lock.remote, lock.name, deps.owner);
    deps.journal.unlocked(lock.remote.connection.target, lock.name);
  }
}
