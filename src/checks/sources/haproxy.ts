import type { ServerCounters } from '../../lb/load-balancer';
import type { SshTarget } from '../../transport/target';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/**
 * HAProxy's per-server counters on the load balancer. Errors are 5xx responses plus failed or
 * aborted ones (eresp, srv_abrt, econ): when in-flight requests die, clients get resets, not 5xx.
 */
export class HaproxySource implements ErrorSource {
  readonly description = 'haproxy server counters (5xx + eresp + srv_abrt + econ)';
  private start: ServerCounters | undefined;

  constructor(
    private readonly readCounters: (host: SshTarget) => Promise<ServerCounters>,
    private readonly host: SshTarget,
    /** Counters read at preflight: the window from then to the mark is the baseline. */
    private readonly preflight: ServerCounters | null,
    private readonly preflightAt: number,
    private readonly now: () => number,
  ) {}

  private static delta(from: ServerCounters, to: ServerCounters): Counts {
    const errors = to.http5xx - from.http5xx + (to.failed - from.failed);
    const requests = Math.max(0, to.requests - from.requests);
    return { requests, errors: Math.min(Math.max(0, errors), requests) };
  }

  async mark(): Promise<void> {
    this.start = await this.readCounters(this.host);
  }

  async baseline(windowMs: number): Promise<Counts | null> {
    // Counters are cumulative, so the baseline is whatever ran between preflight and the mark,
    // used only when that stretch is at least half a window long.
    if (!this.preflight || !this.start || this.now() - this.preflightAt < windowMs / 2) return null;
    return HaproxySource.delta(this.preflight, this.start);
  }

  async read(): Promise<Counts> {
    if (!this.start) throw new Error('haproxy counters were not marked before the change');
    return HaproxySource.delta(this.start, await this.readCounters(this.host));
  }

  samples(): string[] {
    return [];
  }
}
