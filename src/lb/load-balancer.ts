import type { LockId } from '../remote/commands/locks';
import type { RemoteHost } from '../remote/remote-host';
import type { SshTarget } from '../transport/target';

/** Cumulative per-server counters, for the error check's `haproxy` source. */
export interface ServerCounters {
  /** Sessions (requests) sent to the server: HAProxy stot. */
  sessions: number;
  /** Of those, still in flight now: scur. */
  inFlight: number;
  /** Responses the server sent, any status: the sum of hrsp_*. */
  responses: number;
  http5xx: number;
  /** Sessions the client gave up on: cli_abrt. Not the server's fault. */
  clientAborts: number;
}

/** A host the load balancer does not send traffic to by someone's choice: the operator's maintenance or drain. */
export interface OutOfService {
  state: 'maint' | 'drain';
  /** For people, e.g. `in MAINT in haproxy backend web`. */
  text: string;
}

/** Called right before a command goes out; throws to keep it unsent (see LoadBalancer.drain). */
export type BeforeSend = () => void;

/** The adapter between the rollout and whatever sends traffic to the hosts. */
export interface LoadBalancer {
  /** e.g. `haproxy backend web on root@lb:22`. */
  readonly description: string;
  /** Where the load balancer's lock lives (its SSH host), and the lock's name; null: no lock. */
  readonly lock: ({ remote: RemoteHost } & LockId) | null;
  /**
   * Every exchange may be asked again after the connection dropped under it: its questions only
   * read, and its drain and return set a state rather than toggle one. Not a user's commands.
   */
  readonly repeatable?: boolean;
  /** Checks every host is known to the load balancer, before anything changes. Returns warnings. */
  preflight(hosts: SshTarget[]): Promise<string[]>;
  /**
   * Hosts an operator has taken out of service (maintenance, drain, an nginx `down`), by name;
   * hosts in service are absent. Asked in preflight, before this run changes anything. Absent
   * where the load balancer cannot tell (a user's drain/ready commands).
   */
  notInService?(hosts: SshTarget[]): Promise<Map<string, OutOfService>>;
  /**
   * Why the host is in maintenance now by someone else's hand (not this run's drain), or null.
   * Asked before a return, so that an operator's MAINT set during the run is never cleared.
   */
  operatorMaintenance?(host: SshTarget): Promise<string | null>;
  /** Healthy servers in rotation other than `host`; null when the load balancer cannot tell. */
  healthyOthers(host: SshTarget): Promise<number | null>;
  /**
   * Stops new requests going to the host; requests in flight continue. `beforeSend`, where given,
   * is called right before the drain goes out, not when it is asked for: a drain can wait behind
   * other questions, and its connection be made again meanwhile. It throws to keep the drain unsent.
   */
  drain(host: SshTarget, beforeSend?: BeforeSend): Promise<void>;
  /**
   * True where drain calls `beforeSend` right before every write of the drain, and writes nothing
   * else of it: a drain that failed without passing it certainly never went out (so the host is
   * not counted as drained). Elsewhere a failed drain may have been applied.
   */
  readonly checksBeforeSend?: boolean;
  /** Puts the host back into rotation. */
  undrain(host: SshTarget): Promise<void>;
  /**
   * undrain and, in the same round trip, isUp's answer right after it; undefined when that
   * answer did not come with it. Where the load balancer can fold the two (one exchange, not two).
   */
  undrainAndCheck?(host: SshTarget): Promise<boolean | undefined>;
  /** Requests in flight to the host as the load balancer counts them; null when it cannot. */
  inFlight(host: SshTarget): Promise<number | null>;
  /** Whether the load balancer sends the host traffic and sees it healthy; null when it cannot tell. */
  isUp(host: SshTarget): Promise<boolean | null>;
  /** Per-server counters, where the load balancer keeps them. */
  counters?(host: SshTarget): Promise<ServerCounters>;
  close(): Promise<void>;
}
