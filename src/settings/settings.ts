import type { KnownHostEntry } from '../transport/known-hosts';
import type { SshTarget } from '../transport/target';
import type { CommandSourceSettings, PrometheusSettings } from './metrics-sources';

export type Strategy = 'auto' | 'reload' | 'drain-restart' | 'restart';
export type CheckSource = 'access-log' | 'haproxy' | 'probe' | 'prometheus' | 'command';

/** The load balancer in front of the hosts, if any, and how to reach it. */
export type LbSettings =
  | { kind: 'none' }
  | { kind: 'haproxy'; host: SshTarget; socket: string; backend: string }
  | { kind: 'nginx'; host: SshTarget; upstreamConfig: string; service: string }
  | { kind: 'command'; host: SshTarget | null; drainCommand: string; readyCommand: string };

/** Everything the action was asked to do, validated. Built once by readSettings; read-only after. */
export interface Settings {
  /** Targets in rollout order, each with its jump chain (jump-hosts or its own `jump`). */
  hosts: SshTarget[];
  ssh: {
    privateKey?: string;
    passphrase?: string;
    /** ssh-agent socket (SSH_AUTH_SOCK) when no private key is given. */
    agent?: string;
    /** The jump hosts' own key (jump-private-key); absent: they take the hosts' key or agent. */
    jumpCredentials?: { privateKey: string; passphrase?: string };
    hostKeyCheck: 'strict' | 'off';
    knownHosts: KnownHostEntry[];
    connectTimeoutMs: number;
    /** Longest any single remote command may run before it is killed on the host. */
    commandTimeoutMs: number;
    /** Prefix remote commands with `sudo -n` (non-root users with passwordless sudo). */
    sudo: boolean;
    /** How many hosts preflight inspects at once. */
    preflightConcurrency: number;
  };
  strategy: Strategy;
  /** The systemd unit acted on. */
  service: string;
  /** Run before any change; null when there is nothing to validate. */
  validateCommand: string | null;
  /** nginx's error log, read for `[emerg]` lines after a reload. */
  nginxErrorLog: string;
  lb: LbSettings;
  drain: {
    timeoutMs: number;
    /** What to do when in-flight requests do not reach zero in time. */
    onTimeout: 'fail' | 'proceed';
    /** Healthy in-rotation servers that must remain while one host is drained. */
    minHealthy: number;
    /** Drain even when the unit is socket-activated (Pattern D) and needs none. */
    force: boolean;
    /**
     * A host the load balancer shows out of service before the run (an operator's MAINT or drain,
     * an nginx `down`): skip it, left exactly as found, or refuse the run.
     */
    notInService: 'skip' | 'refuse';
    /** nginx stub_status URL on the host, for in-flight counts when the load balancer has none. */
    stubStatusUrl: string | null;
    /** Port whose connections the `ss` fallback counts. */
    port: number;
  };
  readiness: {
    url: string | null;
    timeoutMs: number;
    /** Consecutive 2xx answers that count as ready (rise). */
    successes: number;
    intervalMs: number;
  };
  /** Commands on the host that must pass before it returns to service. */
  dependencyChecks: string[];
  /** How unit-configuration findings (Pattern C) are treated. */
  unitWarnings: 'warn' | 'refuse';
  check: {
    windowMs: number;
    source: CheckSource;
    accessLog: string;
    /** A fraction: 0.01 for `1%`. */
    maxErrorRate: number;
    minRequests: number;
    failOnInconclusive: boolean;
    url: string | null;
    prometheus: PrometheusSettings | null;
    command: CommandSourceSettings | null;
    /** Judge a host against its peers too, where the source can see them (haproxy, prometheus). */
    fleetRelative: boolean;
  };
  /** Request paths the access-log check does not count (health checks); the readiness URL's is added. */
  checkIgnorePaths: string[];
  rollbackCommand: string | null;
  /**
   * The size of every batch, in order, summing to the number of hosts (`batches` resolved against
   * the fleet): [1, 1, 1] is one host at a time; [1, 3, 3, 2] a canary, then three at once.
   */
  batches: number[];
  /** Failed hosts tolerated before the run stops after the current batch (0: the first failure stops it). */
  maxFailedHosts: number;
  /** How long to wait for another rollout's lock on a host or the load balancer. */
  lockWaitMs: number;
  dryRun: boolean;
}
