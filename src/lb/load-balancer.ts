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

/** The adapter between the rollout and whatever sends traffic to the hosts. */
export interface LoadBalancer {
  /** e.g. `haproxy backend web on root@lb:22`. */
  readonly description: string;
  /** Where the load balancer's lock lives (its SSH host), and the lock's name; null: no lock. */
  readonly lock: ({ remote: RemoteHost } & LockId) | null;
  /** Checks every host is known to the load balancer, before anything changes. Returns warnings. */
  preflight(hosts: SshTarget[]): Promise<string[]>;
  /** Healthy servers in rotation other than `host`; null when the load balancer cannot tell. */
  healthyOthers(host: SshTarget): Promise<number | null>;
  /** Stops new requests going to the host; requests in flight continue. */
  drain(host: SshTarget): Promise<void>;
  /** Puts the host back into rotation. */
  undrain(host: SshTarget): Promise<void>;
  /** Requests in flight to the host as the load balancer counts them; null when it cannot. */
  inFlight(host: SshTarget): Promise<number | null>;
  /** Whether the load balancer sends the host traffic and sees it healthy; null when it cannot tell. */
  isUp(host: SshTarget): Promise<boolean | null>;
  /** Per-server counters, where the load balancer keeps them. */
  counters?(host: SshTarget): Promise<ServerCounters>;
  close(): Promise<void>;
}
