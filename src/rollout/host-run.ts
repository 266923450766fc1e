import type { ErrorCheck } from '../checks/error-check';
import type { UnitInfo } from '../inspect/unit-info';
import type { OutOfService } from '../lb/load-balancer';
import type { RemoteHost } from '../remote/remote-host';
import type { ErrorCounts, Evidence, HostReport, HostStatus, PhaseName, PhaseRecord } from '../report/report';
import type { StrategyChoice } from '../strategies/choose';
import type { SshTarget } from '../transport/target';

/** The verdict of a host whose watch was skipped. */
const UNWATCHED: ErrorCounts = { requests: 0, errors: 0, rate: 0, verdict: 'skipped', reason: 'check-window is 0' };

/**
 * One host's state through the rollout: what preflight learned, how far its turn got, and what it
 * left behind. The host's report is built from it at the end (toReport), never kept alongside it.
 */
export class HostRun {
  status: HostStatus = 'planned';
  /** Every phase run or skipped, in order (written by runPhase / skipPhase). */
  readonly phases: PhaseRecord[] = [];
  readonly warnings: string[] = [];
  /** The host, once connected. */
  remote?: RemoteHost;
  unit?: UnitInfo;
  choice?: StrategyChoice;
  /** The error check of this host's watch; null when check-window is 0. Created after preflight. */
  errorCheck?: ErrorCheck | null;
  /** When the change began (runner clock): from then on a failure may need a rollback. */
  changedAt?: number;
  /** The watch phase's verdict. */
  errors: ErrorCounts | null = null;
  /** Error lines and journal of a changed host that failed. */
  evidence?: Evidence;
  /** Out of service by an operator's hand, as the load balancer showed it in preflight (or at the return). */
  outOfService?: OutOfService;
  /** The batch this host rolls in, from 1 (batches). */
  batch = 1;
  /** The phase of its turn running now, and since when: for the batch's progress line. */
  current?: { phase: PhaseName; since: number };
  /** The latest in-flight count of its drain wait. */
  inFlight?: number;
  /** Locks this run holds on the host itself, released at the end of the host's turn. */
  readonly locks: { remote: RemoteHost; name: string }[] = [];

  constructor(readonly target: SshTarget) {}

  /** The host's display name (also its server name in the load balancer). */
  get name(): string {
    return this.target.name;
  }

  /** True once the change phase began. */
  get changed(): boolean {
    return this.changedAt !== undefined;
  }

  /** The host's part of the report; `lbState` is where the load balancer has it at the end. */
  toReport(lbState: HostReport['lbState']): HostReport {
    return {
      host: this.target.host,
      name: this.target.name,
      batch: this.batch,
      status: this.status,
      strategy: this.choice?.label ?? '',
      strategyReason: this.choice?.reason ?? '',
      phases: this.phases,
      errors: this.errors ?? (this.phases.some((p) => p.name === 'watch' && p.status === 'skipped') ? { ...UNWATCHED } : null),
      warnings: this.warnings,
      lbState,
      ...(this.evidence ? { evidence: this.evidence } : {}),
    };
  }
}
