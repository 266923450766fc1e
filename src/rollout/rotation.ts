import type { BeforeSend, LoadBalancer } from '../lb/load-balancer';
import type { HostReport } from '../report/report';
import type { SshTarget } from '../transport/target';
import type { DrainReason, Journal } from './journal';

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

  /** The reservation before this one; the next waits for it (see reserve). */
  private reservations: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` (count the healthy servers, then drain) while no other host of the run does: hosts of
   * a batch drain concurrently, and two that counted at the same moment would both see enough.
   * Each count sees the drains before it applied, so the capacity guard holds across the batch.
   */
  reserve<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.reservations.then(fn);
    this.reservations = next.catch(() => undefined);
    return next;
  }

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

  /**
   * Takes the host out of rotation; requests in flight continue. Journaled first, with why: an
   * answer can be lost (a timeout, a dropped connection) after the drain was applied, and a killed
   * run must not leave the host out unrecorded.
   */
  async drain(host: SshTarget, why: DrainReason, detail?: string, beforeSend?: BeforeSend): Promise<void> {
    const lb = this.required();
    this.journal.drained(host, why, detail);
    await lb.drain(host, beforeSend);
    this.out.add(host.name);
  }

  /** A drain held back before it reached the load balancer: the journal's record of it is undone. */
  neverSent(host: SshTarget): void {
    this.journal.returned(host);
  }

  /** A drain whose answer was lost may have been applied: the host counts as drained (and is put back). */
  assumeDrained(host: SshTarget): void {
    this.out.add(host.name);
  }

  /** Keeps a drained host out for a new reason (journaled, so a killed run's post step knows it). */
  keepOut(host: SshTarget, why: DrainReason, detail: string): void {
    if (this.isDrained(host)) this.journal.drained(host, why, detail);
  }

  /** An operator took the drained host over (their maintenance): this run no longer holds it out. */
  release(host: SshTarget): void {
    this.out.delete(host.name);
    this.journal.returned(host);
  }

  /**
   * Puts the host back into rotation. Returns whether the load balancer sees it UP when it could
   * tell in the same round trip (undefined otherwise: ask isUp).
   */
  async undrain(host: SshTarget): Promise<boolean | undefined> {
    const lb = this.required();
    let up: boolean | undefined;
    if (lb.undrainAndCheck) up = await lb.undrainAndCheck(host);
    else await lb.undrain(host);
    this.out.delete(host.name);
    this.journal.returned(host);
    return up;
  }

  /** True while this run has the host out of rotation. */
  isDrained(host: SshTarget): boolean {
    return this.out.has(host.name);
  }

  /** Where the load balancer has the host now, for the report; `outOfService`: an operator's hand. */
  stateOf(host: SshTarget, outOfService = false): HostReport['lbState'] {
    if (!this.configured) return 'none';
    if (this.isDrained(host)) return 'drained';
    return outOfService ? 'not-in-service' : 'in-service';
  }
}
