/**
 * The report's shape: the `report` output, the job summary and the annotations are all built from
 * it. Field names documented for the `report` output in the README are public and kept; the rest adds detail.
 */
export type PhaseName = 'connect' | 'inspect' | 'validate' | 'lock' | 'drain' | 'change' | 'ready' | 'return' | 'watch' | 'rollback';

export interface PhaseRecord {
  name: PhaseName;
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  /** ISO time the phase began. */
  startedAt: string;
  durationMs: number;
  /** Of durationMs, the time spent waiting on the world (drain, readiness, LB checks, watch window). */
  waitMs: number;
  detail: string;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'skipped';

export interface ErrorCounts {
  requests: number;
  errors: number;
  /** errors / requests, 0 when there were no requests. */
  rate: number;
  verdict: Verdict;
  /** Where the counts came from, and the window watched. */
  source?: string;
  windowMs?: number;
  /** The host's own rate in an equal window before the change, when it was measured. */
  baseline?: { requests: number; errors: number; rate: number };
  reason?: string;
}

/** What a failed host shows for itself: error lines and the unit's journal since the change. */
export interface Evidence {
  logLines: string[];
  journal: string[];
}

export type HostStatus = 'success' | 'failed' | 'skipped' | 'planned';

export interface HostReport {
  host: string;
  name: string;
  /** The batch the host rolled in (or would have), from 1; each host is its own batch with `batches: 1`. */
  batch?: number;
  status: HostStatus;
  /** What "change" meant here, and why it was chosen. */
  strategy: string;
  strategyReason: string;
  phases: PhaseRecord[];
  errors: ErrorCounts | null;
  warnings: string[];
  /** Where the load balancer has this host when the run ends: in service, drained, or not behind one. */
  /** `not-in-service`: out of rotation by an operator's hand before or during the run, left as found. */
  lbState: 'in-service' | 'drained' | 'not-in-service' | 'none' | 'unknown';
  evidence?: Evidence;
}

export interface Report {
  status: 'success' | 'failed' | 'invalid';
  strategy: string;
  startedAt: string;
  durationMs: number;
  dryRun: boolean;
  failedHost: string;
  failedPhase: string;
  /** The batch of the host that halted the run; absent when no batch failed. */
  failedBatch?: number;
  /** How many batches the hosts were planned in. */
  batches?: number;
  /** One sentence: why the run failed (empty on success). */
  reason: string;
  hosts: HostReport[];
  /** Time the whole run spent in inherent waits (sum of waitMs). */
  waitMs: number;
}
