import { lockAcquire, lockRelease, type LockId } from '../remote/commands/locks';
import type { RemoteHost } from '../remote/remote-host';
import type { Clock } from '../runtime/clock';
import { poll } from '../runtime/poll';
import type { ExecResult } from '../transport/connection';
import type { Settings } from '../settings/settings';

/**
 * How long a lock lives without its holder: longer than any one host can take, so a live run
 * never loses its lock, and short enough that a crashed run's lock frees itself.
 */
export function lockTtlSeconds(settings: Settings): number {
  const host =
    settings.drain.timeoutMs + settings.readiness.timeoutMs + settings.check.windowMs + 6 * settings.ssh.commandTimeoutMs + 60_000;
  return Math.ceil((2 * host) / 1000);
}

/** A lock command waits up to 10 s for the guard (flock -w 10) and then runs in milliseconds. */
const LOCK_COMMAND_MS = 15_000;

export interface LockHolder {
  owner: string;
  since: number;
}

function parseInfo(text: string, prefix = ''): LockHolder {
  const get = (key: string): string => new RegExp(`^${prefix}${key}=(.*)$`, 'm').exec(text)?.[1] ?? '';
  return { owner: get('owner') || 'unknown', since: Number(get('since')) * 1000 };
}

function heldBy(lock: LockId, stdout: string): string {
  const holder = parseInfo(stdout);
  return `the lock on ${lock.label} is held by ${holder.owner} since ${new Date(holder.since).toISOString()}`;
}

/** A lock held by another run past the wait. */
export class LockedError extends Error {}

/** Who takes a lock, for how long, and how long to wait for another run to let go of it. */
export interface LockRequest {
  owner: string;
  ttlSeconds: number;
  waitMs: number;
  clock: Clock;
  signal: AbortSignal;
  progress: (line: string) => void;
}

/**
 * Takes the lock, waiting up to `waitMs` for another run to release it. Returns a note when an
 * expired lock of a crashed run was taken over, and how long it waited for another holder.
 */
export async function acquireLock(remote: RemoteHost, lock: LockId, request: LockRequest): Promise<{ note: string; waitedMs: number }> {
  const { clock, waitMs } = request;
  let refusedAt: number | null = null;
  const look = async (): Promise<ExecResult> => {
    const result = await remote.run(lockAcquire(lock.name, request.owner, request.ttlSeconds, LOCK_COMMAND_MS));
    if (result.code === 75 && refusedAt === null) {
      refusedAt = clock.now();
      request.progress(`waiting for the lock: ${heldBy(lock, result.stdout)}`);
    }
    return result;
  };
  const seen = await poll({ clock, signal: request.signal, timeoutMs: waitMs, intervalMs: 1000 }, look, (result) => result.code !== 75);
  const result = seen.value;
  if (!seen.done) throw new LockedError(`${heldBy(lock, result.stdout)}; waited ${Math.round(waitMs / 1000)}s (lock-wait). Another rollout is changing this fleet.`);
  if (result.code !== 0) throw new Error(`could not take the lock on ${lock.label}: exit ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  const waitedMs = refusedAt === null ? 0 : clock.now() - refusedAt;
  if (!/^stale=1$/m.test(result.stdout)) return { note: '', waitedMs };
  const was = parseInfo(result.stdout, 'was\\.');
  return { note: `took over an expired lock of ${was.owner} (since ${new Date(was.since).toISOString()})`, waitedMs };
}

/** Releases the lock if this owner still holds it; never throws (the lock expires anyway). */
export async function releaseLock(remote: RemoteHost, name: string, owner: string): Promise<void> {
  await remote.run(lockRelease(name, owner, LOCK_COMMAND_MS)).catch(() => undefined);
}
