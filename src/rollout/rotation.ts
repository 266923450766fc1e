import type { LoadBalancer } from '../lb/load-balancer';
import type { HostReport } from '../report/report';
import type { SshTarget } from '../transport/target';
import type { Journal } from './journal';

/**
 * Where this run has put hosts in the load balancer: the one place a host is taken out of rotation
 * or put back, and the one record of it. Each move is journaled at once (the post step returns
 * what a killed run left drained), and the report's lbState is read from here at the end.
 */
export class Rotation {
  private readonly out = new Set<string>();
  private balancer: LoadBalancer | null = null;

  /** `configured`: the settings name a load balancer (even if it could not be opened). */
  constructor(
    private readonly journal: Journal,
    private readonly configured: boolean,
  ) {}

  /** The open load balancer, once preflight opened it. */
  get lb(): LoadBalancer | null {
    return this.balancer;
  }

  use(lb: LoadBalancer | null): void {
    this.balancer = lb;
  }

  private required(): LoadBalancer {
    if (!this.balancer) throw new Error('no load balancer is open');
    return this.balancer;
  }

  /** Takes the host out of rotation; requests in flight continue. */
  async drain(host: SshTarget): Promise<void> {
    await this.required().drain(host);
    this.out.add(host.name);
    this.journal.drained(host);
  }

  /** Puts the host back into rotation. */
  async undrain(host: SshTarget): Promise<void> {
    await this.required().undrain(host);
    this.out.delete(host.name);
    this.journal.returned(host);
  }

  /** True while this run has the host out of rotation. */
  isDrained(host: SshTarget): boolean {
    return this.out.has(host.name);
  }

  /** Where the load balancer has the host now, for the report. */
  stateOf(host: SshTarget): HostReport['lbState'] {
    if (!this.configured) return 'none';
    return this.isDrained(host) ? 'drained' : 'in-service';
  }
}
