import { lockAcquire, lockRelease } from '../remote/commands';
import type { Remote } from '../remote/runner';
import type { Clock } from '../runtime/clock';
import { untrustedLine } from '../report/neutralise';
import type { Settings } from '../settings/settings';

/** The lock every rollout takes on a host for its turn. */
export const HOST_LOCK = 'host';

/** A load balancer's lock name: letters, digits and `._-` only (it becomes a file name). */
export function lbLockName(label: string): string {
  return `lb.${label.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * How long a lock lives without its holder: longer than any one host can take, so a live run
 * never loses its lock, and short enough that a crashed run's lock frees itself.
 */
export function lockTtlSeconds(settings: Settings): number {
  const host =
    settings.drain.timeoutMs + settings.readiness.timeoutMs + settings.check.windowMs + 6 * settings.ssh.commandTimeoutMs + 60_000;
  return Math.ceil((2 * host) / 1000);
}

/**
 * How long the load balancer's lock lives without a heartbeat. It is held for the whole run, which
 * can take hours, so it is short and renewed (keepLock) while the run lives: a run that dies frees
 * it within minutes, however many hosts it had.
 */
export function lbLockTtlSeconds(settings: Settings): number {
  return Math.ceil(Math.max(60_000, 6 * settings.ssh.commandTimeoutMs) / 1000);
}

export interface LockHolder {
  owner: string;
  since: number;
}

/** A lock file's content, as read back from the host: anyone who could write it chose the owner text. */
function parseInfo(text: string, prefix = ''): LockHolder {
  const get = (key: string): string => new RegExp(`^${prefix}${key}=(.*)$`, 'm').exec(text)?.[1] ?? '';
  const since = Number(get('since'));
  return { owner: untrustedLine(get('owner'), 200) || 'unknown', since: Number.isFinite(since) ? since * 1000 : 0 };
}

const when = (ms: number): string => (ms > 0 && ms < 8.64e15 ? new Date(ms).toISOString() : 'an unknown time');

/** A lock held by another run past the wait. */
export class LockedError extends Error {}

/**
 * Takes the lock, waiting up to `waitMs` for another run to release it. Returns a note when an
 * expired lock of a crashed run was taken over, and how long it waited for another holder.
 */
export async function acquireLock(
  remote: Remote,
  name: string,
  owner: string,
  ttlSeconds: number,
  waitMs: number,
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<{ note: string; waitedMs: number }> {
  const start = clock.now();
  let waitedMs = 0;
  let announced = false;
  for (;;) {
    const cmd = lockAcquire(name, owner, ttlSeconds, 15_000);
    const result = await remote.run(cmd);
    if (result.code === 0) {
      if (!/^stale=1$/m.test(result.stdout)) return { note: '', waitedMs };
      const was = parseInfo(result.stdout, 'was\\.');
      return { note: `took over an expired lock of ${was.owner} (since ${when(was.since)})`, waitedMs };
    }
    if (result.code !== 75) throw new Error(`could not take the ${name} lock: exit ${result.code ?? result.signal}: ${untrustedLine(result.stderr, 400)}`);
    const holder = parseInfo(result.stdout);
    const held = `the ${name} lock is held by ${holder.owner} since ${when(holder.since)}`;
    if (clock.now() - start >= waitMs) throw new LockedError(`${held}; waited ${Math.round(waitMs / 1000)}s (lock-wait). Another rollout is changing this fleet.`);
    if (!announced) {
      progress(`waiting for the lock: ${held}`);
      announced = true;
    }
    const before = clock.now();
    await clock.sleep(1000, signal);
    waitedMs += clock.now() - before;
  }
}

/** Releases the lock if this owner still holds it; never throws (the lock expires anyway). */
export async function releaseLock(remote: Remote, name: string, owner: string): Promise<void> {
  await remote.run(lockRelease(name, owner, 15_000)).catch(() => undefined);
}

/**
 * Renews a held lock every `everyMs` (a third of its TTL) until the returned stop is called. The
 * timer is unref'd: it never keeps the process alive. A failed renewal is reported, not thrown:
 * the next one may succeed before the lock runs out.
 */
export function keepLock(remote: Remote, name: string, owner: string, ttlSeconds: number, everyMs: number, report: (problem: string) => void): () => void {
  const renew = async (): Promise<void> => {
    const result = await remote.run(lockAcquire(name, owner, ttlSeconds, 15_000));
    if (result.code !== 0) report(`could not renew the ${name} lock: exit ${result.code ?? result.signal}: ${untrustedLine(result.stdout + result.stderr, 300)}`);
  };
  const timer = setInterval(() => void renew().catch((err: Error) => report(`could not renew the ${name} lock: ${err.message}`)), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
