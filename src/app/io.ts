import type { LoadBalancer } from '../lb/load-balancer';
import type { Report } from '../report/report';
import type { Journal, JournalState } from '../rollout/journal';
import type { Clock } from '../runtime/clock';
import type { LocalShell } from '../runtime/local-shell';
import type { Log } from '../runtime/log';
import type { InputSource } from '../settings/inputs';
import type { Settings } from '../settings/settings';
import type { Connector } from '../transport/connection';

/** A finished run as the entry point publishes it; `errors` are the invalid inputs, when any. */
export interface Outcome {
  report: Report;
  plan: string[];
  errors: string[];
}

/** What every entry point gives the core: where inputs come from and where results go. */
export interface EntryIO {
  /** Raw inputs ('' when not given). */
  input: InputSource;
  env: NodeJS.ProcessEnv;
  /** Ends the step (or command) as failed: with a message, or quietly when the output says why. */
  fail(message?: string): void;
  /** Registers a secret so that no later output shows it. */
  maskSecret(value: string): void;
}

/** The main step's I/O: the action backs it with @actions/core; a CLI with argv, stdout and a file. */
export interface MainIO extends EntryIO {
  /** Where the run says what it does; flush() once it ends (e.g. a roll-up of capped warnings). */
  log: Log & { flush?(): void };
  /** A journal the post step can read after a killed run; complete() when the run ended itself. */
  openJournal(owner: string): Journal & { complete(): void };
  /** Outputs, summary and annotations of the outcome. */
  publish(outcome: Outcome): Promise<void>;
  /** Calls `stop` with the signal's name when the entry point is told to stop (SIGINT, SIGTERM). */
  onStop(stop: (signal: string) => void): void;
}

/** The post step's I/O. */
export interface PostIO extends EntryIO {
  /** What the main step journaled; null when it journaled nothing. */
  readJournal(): JournalState | null;
  log: Pick<Log, 'info' | 'warning'> & { error(message: string, title: string): void };
  /**
   * What this reconcile left drained was kept out on purpose (a failed check): no later reconcile
   * changes it. Not called when anything else is left, or when the reconcile itself failed.
   */
  keptOutOnly?(): void;
}

/** The outside world the rollout acts on; production's is in world.ts, tests pass fakes. */
export interface World {
  connectorFor(settings: Settings): Connector;
  openLoadBalancer(settings: Settings, connector: Connector, local: LocalShell): Promise<LoadBalancer | null>;
  local: LocalShell;
  clock: Clock;
}
