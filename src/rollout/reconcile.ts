import type { LoadBalancer } from '../lb/load-balancer';
import { hostLock } from '../remote/commands/locks';
import { RemoteHost } from '../remote/remote-host';
import type { Clock } from '../runtime/clock';
import { poll } from '../runtime/poll';
import type { Settings } from '../settings/settings';
import type { SshTarget } from '../transport/target';
import type { RolloutDeps } from './context';
import { distinctLocks, type DrainedHost, type JournalState } from './journal';
import { acquireLock, LockedError, lockTtlSeconds, releaseLock } from './locks';
import { healthy } from './recover';

/** How long the post step waits for the load balancer to see a returned host UP. */
const CONFIRM_MS = 10_000;

export interface Reconciliation {
  /** Drained hosts found healthy and put back. */
  returned: string[];
  /** Drained hosts left out: unhealthy, or they could not be reached. Each with why. */
  leftDrained: string[];
  /** Drained hosts an operator has since put in maintenance: left as they set them. */
  leftToOperator: string[];
  /** Drained hosts whose lock another run holds now (it may have drained them for its own turn): left to it. */
  leftToOtherRun: string[];
  /** Some of leftDrained may come back on a later try (unhealthy, unreachable); the others were kept out on purpose. */
  retryable: boolean;
  /** Host locks this reconcile took to return a host and could not confirm giving back: each expires by itself. */
  claimsLeft: string[];
  locksReleased: number;
}

/**
 * The host's lock, taken as the interrupted run before the host is returned, in one try. Its own
 * locks may have expired since (a CLI's reconcile can come hours later), and another run may now
 * have drained the same host for its own turn: a return then would put it back mid-restart.
 * Null when taken (given back after the return); else who holds it.
 */
async function claimHost(remote: RemoteHost, host: SshTarget, settings: Settings, owner: string, clock: Clock): Promise<string | null> {
  const request = {
    owner,
    ttlSeconds: lockTtlSeconds(settings),
    waitMs: 0,
    clock,
    signal: new AbortController().signal,
    progress: () => {},
  };
  try {
    await acquireLock(remote, hostLock(host.name), request);
    return null;
  } catch (err) {
    if (!(err instanceof LockedError)) throw err;
    return `${err.held}: another run has it now, so it is left to that run`;
  }
}

type ReconcileDeps = Pick<RolloutDeps, 'connector' | 'local' | 'clock' | 'openLoadBalancer'>;

/** One drained host of the interrupted run, and where it goes in the result. */
async function settleHost(
  host: DrainedHost,
  lb: LoadBalancer | Error | null,
  ctx: { settings: Settings; deps: ReconcileDeps; owner: string; remoteFor: (t: SshTarget) => Promise<RemoteHost> },
  result: Reconciliation,
): Promise<void> {
  const { settings, deps } = ctx;
  if (host.why === 'failed-check')
    throw new Error(`it was taken out after a failed check (${host.detail ?? 'see the main step'}); it is never returned automatically`);
  if (lb instanceof Error) throw new Error(`the load balancer cannot be reached: ${lb.message}`);
  if (!lb) throw new Error('no load balancer is configured');
  const maint = lb.operatorMaintenance ? await lb.operatorMaintenance(host) : null;
  if (maint) return void result.leftToOperator.push(`${host.name}: ${maint}`);
  const remote = await ctx.remoteFor(host);
  const giveBack = async (): Promise<void> => {
    if (!(await releaseLock(remote, hostLock(host.name).name, ctx.owner))) result.claimsLeft.push(host.name);
  };
  // An answer lost while taking it: the lock may be held, so it is given back before the failure counts.
  const other = await claimHost(remote, host, settings, ctx.owner, deps.clock).catch(async (err: unknown) => {
    await giveBack();
    throw err;
  });
  if (other) return void result.leftToOtherRun.push(`${host.name}: ${other}`);
  try {
    if (!(await healthy(remote, settings, deps.clock))) throw new Error(`${settings.service} is not healthy`);
    await lb.undrain(host);
    await poll(
      { clock: deps.clock, timeoutMs: CONFIRM_MS, intervalMs: 250 },
      () => lb.isUp(host),
      (up) => up !== false,
    );
    result.returned.push(host.name);
  } finally {
    await giveBack();
  }
}

/**
 * The post step's work after a main step that was killed: hosts it had drained for their turn are
 * returned when healthy and no other run holds them (else left out, and said so), hosts taken out
 * after a failed check stay out, and the locks it held are released. Never throws for one host;
 * every outcome is in the result.
 */
export async function reconcile(
  settings: Settings,
  deps: ReconcileDeps,
  journal: Pick<JournalState, 'owner' | 'drained' | 'locks'>,
): Promise<Reconciliation> {
  const result: Reconciliation = {
    returned: [],
    leftDrained: [],
    leftToOperator: [],
    leftToOtherRun: [],
    retryable: false,
    claimsLeft: [],
    locksReleased: 0,
  };
  const remotes = new Map<string, RemoteHost>();
  const remoteFor = async (target: SshTarget): Promise<RemoteHost> => {
    const key = `${target.host}:${target.port}`;
    let remote = remotes.get(key);
    if (!remote) {
      remote = new RemoteHost(await deps.connector.connect(target), settings.ssh.sudo);
      remotes.set(key, remote);
    }
    return remote;
  };
  const lb = journal.drained.length ? await deps.openLoadBalancer(settings, deps.connector, deps.local).catch((err: Error) => err) : null;
  try {
    for (const host of journal.drained) {
      await settleHost(host, lb, { settings, deps, owner: journal.owner, remoteFor }, result).catch((err: Error) => {
        result.leftDrained.push(`${host.name}: ${err.message}`);
        if (host.why !== 'failed-check') result.retryable = true;
      });
    }
    for (const lock of distinctLocks(journal.locks)) {
      try {
        if (await releaseLock(await remoteFor(lock.target), lock.name, journal.owner)) result.locksReleased += 1;
      } catch {
        // Unreachable: the lock expires by itself.
      }
    }
  } finally {
    if (lb && !(lb instanceof Error)) await lb.close().catch(() => undefined);
    await Promise.allSettled([...remotes.values()].map((r) => r.close()));
    await deps.connector.close?.().catch(() => undefined);
  }
  return result;
}
