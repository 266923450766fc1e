import type { Report } from '../report/report';
import type { Settings } from '../settings/settings';
import type { FlowContext, RolloutDeps } from './context';
import { HostRun } from './host-run';
import type { LockHold } from './lock-hold';
import { releaseLock, type HeldLock } from './locks';
import { PhaseError } from './phase';
import { Rotation } from './rotation';

/** Why the run halted: the first failure, naming the host (or the load balancer) and the phase. */
export interface Halt {
  host: string;
  phase: string;
  reason: string;
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
  /** The hosts in their batches, in order (settings.batches); one host per batch by default. */
  readonly batches: HostRun[][];
  /** One host per batch (the default): hosts roll strictly one after another. */
  readonly serial: boolean;
  /** Hosts whose turn failed, in the order they failed. */
  readonly failed: HostRun[] = [];
  /** The load balancer's lock, held from preflight to the run's end. */
  lbLock: LockHold | null = null;
  private halt: Halt | null = null;
  /** Aborted when the run halts, so the hosts of the batch not yet changed stop at their safe point. */
  private readonly stop = new AbortController();

  constructor(
    readonly settings: Settings,
    readonly deps: RolloutDeps,
  ) {
    this.startedAt = deps.clock.now();
    this.runs = settings.hosts.map((target) => new HostRun(target));
    this.rotation = new Rotation(deps.journal, settings.lb.kind !== 'none');
    let next = 0;
    this.batches = settings.batches.map((size, i) => {
      const batch = this.runs.slice(next, next + size);
      next += size;
      for (const run of batch) run.batch = i + 1;
      return batch;
    });
    this.serial = this.batches.every((b) => b.length === 1);
  }

  get stopped(): AbortSignal {
    return this.stop.signal;
  }

  get halted(): boolean {
    return this.halt !== null;
  }

  /** Records why the run halts; the first failure is the one reported. */
  fail(host: string, phase: string, reason: string): void {
    this.halt ??= { host, phase, reason };
    this.stop.abort(new Error(`stopped before its change: the run halted at ${this.halt.host} (${this.halt.phase})`));
  }

  /**
   * A host's turn failed. Beyond max-failed-hosts (or when the run was cancelled) the run halts:
   * no later batch starts. Within it, the run goes on and the host is reported failed.
   */
  hostFailed(run: HostRun, failure: PhaseError): void {
    this.failed.push(run);
    const max = this.settings.maxFailedHosts;
    // Halted already (the load balancer's lock lost, say): nothing is tolerated any more.
    if (this.deps.signal.aborted || this.halted || this.failed.length > max) return this.fail(run.name, failure.phase, failure.message);
    const text = `${run.name} failed in ${failure.phase}; tolerated (${this.failed.length} of max-failed-hosts ${max}), the run goes on`;
    run.warnings.push(text);
    this.deps.log.warning(text);
  }

  /** Work still running when the turns end (the last host's release); close() waits for it. */
  private readonly winding: Promise<unknown>[] = [];

  /** Hands close() something to finish before any connection closes. */
  windDown(work: Promise<unknown>): void {
    this.winding.push(work);
  }

  /**
   * Gives back every lock this run still holds and closes every connection. Never throws. The load
   * balancer's lock goes back beside the hosts' last releases: nothing orders them, and each is a
   * round trip at the end of every run.
   */
  async close(): Promise<void> {
    const { deps } = this;
    const lbName = this.lbLock?.name;
    const lb = this.releaseLbLock();
    await Promise.allSettled(this.winding.splice(0));
    await Promise.allSettled(this.runs.map((run) => releaseHostLocks(run, deps)));
    const lbLeft = await lb.catch(() => lbName);
    const left = [
      ...this.runs.flatMap((r) => r.locks.map((l) => `${l.name} on ${r.name}`)),
      ...(lbLeft ? [`${lbLeft} on the load balancer`] : []),
    ];
    if (left.length)
      deps.log.warning(
        `could not give back ${left.join(', ')}: the host did not confirm; each expires by itself at the end of its TTL (the action's post step tries once more; from the command, run \`reconcile\`)`,
      );
    await Promise.allSettled([...this.runs.map((r) => r.remote?.close()), this.rotation.lb?.close()]);
    await deps.connector.close?.().catch(() => undefined);
  }

  /** Gives back the load balancer's lock; the lock's name when the host did not confirm it. */
  private async releaseLbLock(): Promise<string | undefined> {
    const held = this.lbLock;
    if (!held) return undefined;
    this.lbLock = null;
    await held.stop();
    if (!(await releaseLock(held.remote, held.name, this.deps.owner))) return held.name;
    this.deps.journal.unlocked(held.remote.connection.target, held.name);
    return undefined;
  }

  /** The report of the run as it stands: hosts, where the load balancer has them, the halt, times. */
  report(): Report {
    const hosts = this.runs.map((run) => {
      if (this.halted && run.status === 'planned') run.status = 'skipped';
      return run.toReport(this.rotation.stateOf(run.target, run.outOfService !== undefined));
    });
    const halt = this.halt;
    const failedBatch = halt ? this.runs.find((r) => r.name === halt.host)?.batch : undefined;
    return {
      status: halt ? 'failed' : 'success',
      strategy: this.settings.strategy,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: this.deps.clock.now() - this.startedAt,
      dryRun: this.settings.dryRun,
      failedHost: halt?.host ?? '',
      failedPhase: halt?.phase ?? '',
      ...(failedBatch ? { failedBatch } : {}),
      batches: this.batches.length,
      reason: halt?.reason ?? '',
      hosts,
      waitMs: hosts.reduce((n, h) => n + h.phases.reduce((m, p) => m + p.waitMs, 0), 0),
    };
  }
}

/**
 * Gives back the locks a host's turn took, so the next run (or host) can go on. One the host did
 * not confirm stays, in the journal (if the run is killed, whoever reconciles it tries again) and
 * on the host's list (the run's close tries again). True when none is left.
 */
export async function releaseHostLocks(run: HostRun, deps: RolloutDeps): Promise<boolean> {
  const kept: HeldLock[] = [];
  for (const lock of run.locks.splice(0).reverse()) {
    if (await releaseLock(lock.remote, lock.name, deps.owner)) deps.journal.unlocked(lock.remote.connection.target, lock.name);
    else kept.unshift(lock);
  }
  run.locks.unshift(...kept);
  return kept.length === 0;
}

/** A host's turn is over: its locks go back, then its connection (held only while it is rolled). */
export async function releaseHost(run: HostRun, deps: RolloutDeps): Promise<void> {
  await releaseHostLocks(run, deps);
  // Connections are held only for the hosts being rolled, so memory stays flat as the fleet grows.
  await run.remote?.release();
}
