import type { LoadBalancer } from '../lb/load-balancer';
import type { Clock } from '../runtime/clock';
import type { LocalShell } from '../runtime/local-shell';
import type { Log } from '../runtime/log';
import type { Settings } from '../settings/settings';
import type { Connector } from '../transport/connection';
import type { Journal } from './journal';
import type { LockHold } from './lock-hold';
import type { Rotation } from './rotation';

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

/** What the per-host flow needs besides the host. */
export interface FlowContext {
  settings: Settings;
  deps: RolloutDeps;
  /** The load balancer (once preflight opened it) and where this run has put each host in it. */
  rotation: Rotation;
  /** Aborted when the run halts: a host not yet changed stops at its safe point (before the change). */
  stopped?: AbortSignal;
  /** The load balancer's lock, once preflight took it: regained at each safe point if its connection was lost. */
  lbLock?: LockHold | null;
}
