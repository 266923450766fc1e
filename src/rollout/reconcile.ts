import { RemoteHost } from '../remote/remote-host';
import { poll } from '../runtime/poll';
import type { Settings } from '../settings/settings';
import type { SshTarget } from '../transport/target';
import type { RolloutDeps } from './context';
import { distinctLocks, type JournalState } from './journal';
import { releaseLock } from './locks';
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
  locksReleased: number;
}

/**
 * The post step's work after a main step that was killed: hosts it had drained for their turn are
 * returned when healthy (else left out, and said so), hosts taken out after a failed check stay out, and the locks it held are released. Never throws for one
 * host; every outcome is in the result.
 */
export async function reconcile(
  settings: Settings,
  deps: Pick<RolloutDeps, 'connector' | 'local' | 'clock' | 'openLoadBalancer'>,
  journal: Pick<JournalState, 'owner' | 'drained' | 'locks'>,
): Promise<Reconciliation> {
  const result: Reconciliation = { returned: [], leftDrained: [], leftToOperator: [], locksReleased: 0 };
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
      try {
        if (host.why === 'failed-check')
          throw new Error(
            `it was taken out after a failed check (${host.detail ?? 'see the main step'}); it is never returned automatically`,
          );
        if (lb instanceof Error) throw new Error(`the load balancer cannot be reached: ${lb.message}`);
        if (!lb) throw new Error('no load balancer is configured');
        const maint = lb.operatorMaintenance ? await lb.operatorMaintenance(host) : null;
        if (maint) {
          result.leftToOperator.push(`${host.name}: ${maint}`);
          continue;
        }
        const ok = await healthy(await remoteFor(host), settings, deps.clock);
        if (!ok) throw new Error(`${settings.service} is not healthy`);
        await lb.undrain(host);
        await poll(
          { clock: deps.clock, timeoutMs: CONFIRM_MS, intervalMs: 250 },
          () => lb.isUp(host),
          (up) => up !== false,
        );
        result.returned.push(host.name);
      } catch (err) {
        result.leftDrained.push(`${host.name}: ${(err as Error).message}`);
      }
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
