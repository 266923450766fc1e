import type { Clock } from '../runtime/clock';
import type { OutOfService } from '../lb/load-balancer';
import type { PhaseName, PhaseRecord } from '../report/report';

/** Where phases are recorded: a host (HostRun) by its name. */
export interface PhaseLog {
  readonly name: string;
  readonly phases: PhaseRecord[];
}

/** A phase that failed on a host (or `cancelled`: the run stopped before it): the verdict the rollout halts with. */
export class PhaseError extends Error {
  constructor(
    readonly host: string,
    readonly phase: PhaseName | 'cancelled',
    message: string,
    /** What was thrown inside the phase, when it was not a PhaseError itself. */
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'PhaseError';
  }
}

/**
 * Thrown inside a phase when the host is to be left as it is, not failed: an operator took it out
 * of service during the run. The phase is recorded as skipped, with the reason.
 */
export class LeftAsFound extends Error {
  constructor(
    message: string,
    readonly outOfService: OutOfService,
  ) {
    super(message);
    this.name = 'LeftAsFound';
  }
}

/** What a running phase can tell its record. */
export interface PhaseHandle {
  /** Replaces the phase's one-line detail. */
  detail(text: string): void;
  /** Marks the phase as passed with a warning (it still succeeds). */
  warn(text: string): void;
  /** Runs `fn` and counts its time as an inherent wait, not orchestration. */
  waiting<T>(fn: () => Promise<T>): Promise<T>;
  /** Counts time a host spent waiting for an event (measured there) as an inherent wait. */
  addWait(ms: number): void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one named phase of one host and records it: start time, duration, waits, outcome. A throw
 * becomes a PhaseError naming the host and phase (unless it already is one) and is rethrown.
 */
export async function runPhase<T>(clock: Clock, host: PhaseLog, name: PhaseName, fn: (phase: PhaseHandle) => Promise<T>): Promise<T> {
  const started = clock.now();
  const record: PhaseRecord = { name, status: 'ok', startedAt: new Date(started).toISOString(), durationMs: 0, waitMs: 0, detail: '' };
  host.phases.push(record);
  // A warning said before the detail is set (a connection made again mid-phase) is kept after it.
  let said = '';
  const warnings: string[] = [];
  const show = (): void => void (record.detail = [said, ...warnings].filter(Boolean).join('; '));
  const handle: PhaseHandle = {
    detail: (text) => {
      said = text;
      show();
    },
    warn: (text) => {
      record.status = 'warning';
      warnings.push(text);
      show();
    },
    addWait: (ms) => void (record.waitMs += Math.max(0, ms)),
    waiting: async (inner) => {
      const from = clock.now();
      try {
        return await inner();
      } finally {
        record.waitMs += clock.now() - from;
      }
    },
  };
  try {
    const value = await fn(handle);
    return value;
  } catch (err) {
    if (err instanceof LeftAsFound) {
      record.status = 'skipped';
      record.detail = err.message;
      throw err;
    }
    record.status = 'failed';
    record.detail = messageOf(err);
    throw err instanceof PhaseError ? err : new PhaseError(host.name, name, messageOf(err), err);
  } finally {
    record.durationMs = clock.now() - started;
  }
}

/** Records a phase that was not needed, with the reason. */
export function skipPhase(clock: Clock, host: PhaseLog, name: PhaseName, detail: string): void {
  host.phases.push({ name, status: 'skipped', startedAt: new Date(clock.now()).toISOString(), durationMs: 0, waitMs: 0, detail });
}
