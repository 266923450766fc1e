import type { ErrorSource } from '../checks/sources/error-source';
import type { UnitInfo } from '../inspect/unit-info';
import type { LoadBalancer, ServerCounters } from '../lb/load-balancer';
import type { RemoteHost } from '../remote/remote-host';
import type { HostReport } from '../report/report';
import type { Clock } from '../runtime/clock';
import type { Journal } from './journal';
import type { LocalShell } from '../runtime/local-shell';
import type { Log } from '../runtime/log';
import type { Settings } from '../settings/settings';
import type { StrategyChoice } from '../strategies/choose';
import type { Connector } from '../transport/connection';
import type { SshTarget } from '../transport/target';

/** Every side effect the rollout uses, passed in so tests can substitute each one. */
export interface RolloutDeps {
  connector: Connector;
  local: LocalShell;
  clock: Clock;
  log: Log;
  journal: Journal;
  /** Aborts at the next safe point (cancellation). */
  signal: AbortSignal;
  /** Who this run is, written into the locks it takes (e.g. `octo/app run 123 attempt 1`). */
  owner: string;
  /** Connects to the configured load balancer (lb/create.ts in production). */
  openLoadBalancer: (settings: Settings, connector: Connector, local: LocalShell) => Promise<LoadBalancer | null>;
}

/** One host's state through the rollout. */
export interface HostRun {
  target: SshTarget;
  report: HostReport;
  remote?: RemoteHost;
  unit?: UnitInfo;
  choice?: StrategyChoice;
  /** True while this run has the host out of the load balancer. */
  drained: boolean;
  /** True once the change phase began: from then on a failure may need a rollback. */
  changed: boolean;
  /** When the change began (runner clock), for journal evidence. */
  changedAt?: number;
  /** Where the watch phase counts errors; marked before the drain or, without one, the change. */
  errorSource?: ErrorSource;
  /** Locks this run holds on the host itself, released at the end of the host's turn. */
  locks: { remote: RemoteHost; name: string }[];
}

/** What the per-host flow needs besides the host. */
export interface FlowContext {
  settings: Settings;
  deps: RolloutDeps;
  lb: LoadBalancer | null;
  /** True once this run holds the load balancer's lock (taken at preflight, held to the run's end). */
  lbLocked?: boolean;
  /** HAProxy counters of every host at preflight: the haproxy check's baseline. */
  preflightCounters: Map<string, { at: number; counters: ServerCounters }>;
}

export function newHostReport(target: SshTarget): HostReport {
  return {
    host: target.host,
    name: target.name,
    status: 'planned',
    strategy: '',
    strategyReason: '',
    phases: [],
    errors: null,
    warnings: [],
    lbState: 'unknown',
  };
}
