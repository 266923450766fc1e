import type { ServerCounters } from '../../lb/load-balancer';
import type { SshTarget } from '../../transport/target';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/**
 * The counts of one window from two readings of HAProxy's cumulative counters. A request that
 * ended without any response is an error as surely as a 5xx: when a server resets or drops
 * requests, clients see read errors and HAProxy counts neither a 5xx nor (mostly) eresp — measured
 * on the fleet: 919 client read errors, eresp 6. What it always counts is the session (stot). So:
 * finished = sessions − in flight; errors = 5xx + (finished − responses − client aborts).
 *
 * `show stat` reads the counters while requests flow: a session counted in stot but not yet in
 * scur at that instant looks unanswered (seen: 1 phantom error in 300 requests of a clean
 * rollout, with the client seeing none). One such request per reading, two per window, is noise
 * and not counted; a server that resets requests loses hundreds.
 */
export const COUNTER_SKEW = 2;

export function counterDelta(from: ServerCounters, to: ServerCounters): Counts {
  const d = (k: keyof ServerCounters): number => Math.max(0, to[k] - from[k]);
  const requests = Math.max(0, d('sessions') - (to.inFlight - from.inFlight));
  const unanswered = Math.max(0, requests - d('responses') - d('clientAborts') - COUNTER_SKEW);
  return { requests, errors: Math.min(requests, d('http5xx') + unanswered) };
}

/**
 * HAProxy's per-server counters on the load balancer: 5xx responses, and requests that got no
 * response at all (resets, aborts, connection failures; see counterDelta).
 */
export class HaproxySource implements ErrorSource {
  readonly description = 'haproxy server counters (5xx + requests without a response)';
  private start: ServerCounters | undefined;
  /** Counters read at preflight: the window from then to the mark is the baseline. */
  private preflight: ServerCounters | null = null;
  private preflightAt = 0;
  private readonly peerStart = new Map<string, ServerCounters>();

  constructor(
    private readonly readCounters: (host: SshTarget) => Promise<ServerCounters>,
    private readonly host: SshTarget,
    private readonly now: () => number,
    /** The other servers of the backend, for the fleet-relative verdict (none: not compared). */
    private readonly others: SshTarget[] = [],
  ) {}

  async prime(): Promise<void> {
    this.preflightAt = this.now();
    this.preflight = await this.readCounters(this.host);
  }

  async mark(): Promise<void> {
    this.start = await this.readCounters(this.host);
    // A peer whose counters cannot be read is left out of the comparison, never a failure.
    for (const peer of this.others) {
      const c = await this.readCounters(peer).catch(() => null);
      if (c) this.peerStart.set(peer.name, c);
    }
  }

  async peers(): Promise<Counts | null> {
    if (!this.peerStart.size) return null;
    const sum: Counts = { requests: 0, errors: 0 };
    for (const peer of this.others) {
      const from = this.peerStart.get(peer.name);
      const to = from ? await this.readCounters(peer).catch(() => null) : null;
      if (!from || !to) continue;
      const d = counterDelta(from, to);
      sum.requests += d.requests;
      sum.errors += d.errors;
    }
    return sum;
  }

  async baseline(windowMs: number): Promise<Counts | null> {
    // Counters are cumulative, so the baseline is whatever ran between preflight and the mark,
    // used only when that stretch is at least half a window long.
    if (!this.preflight || !this.start || this.now() - this.preflightAt < windowMs / 2) return null;
    return counterDelta(this.preflight, this.start);
  }

  async read(): Promise<Counts> {
    if (!this.start) throw new Error('haproxy counters were not marked before the change');
    return counterDelta(this.start, await this.readCounters(this.host));
  }

  samples(): string[] {
    return [];
  }
}
