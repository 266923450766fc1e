import { lockAcquire, lockRelease, type LockId } from '../remote/commands/locks';
import { failureOf, type RemoteHost } from '../remote/remote-host';
import { untrustedLine } from '../report/neutralise';
import type { Clock } from '../runtime/clock';
import type { Journal } from './journal';
import { poll } from '../runtime/poll';
import type { ExecResult } from '../transport/connection';
import type { Settings } from '../settings/settings';

/**
 * How long a host lock lives without its holder: longer than any one host can take, so a live run
 * never loses its lock, and short enough that a crashed run's lock frees itself. It is not renewed:
 * the bound counts every wait of a turn, the unit's own stop timeout among them (a restart waits
 * for it, and a unit may allow many minutes), and doubles it for the lock taken a turn early.
 */
export function lockTtlSeconds(settings: Settings, stopMs = 0): number {
  const host =
    settings.drain.timeoutMs + stopMs + settings.readiness.timeoutMs + settings.check.windowMs + 6 * settings.ssh.commandTimeoutMs + 60_000;
  return Math.ceil((2 * host) / 1000);
}

/**
 * How long the load balancer's lock lives without a heartbeat. It is held for the whole run, which
 * can take hours, so it is short and renewed (LockHold.keep) while the run lives: a run that dies frees
 * it within minutes, however many hosts it had.
 */
export function lbLockTtlSeconds(settings: Settings): number {
  return Math.ceil(Math.max(60_000, 6 * settings.ssh.commandTimeoutMs) / 1000);
}

/** A lock command waits up to 10 s for the guard (flock -w 10) and then runs in milliseconds. */
export const LOCK_COMMAND_MS = 15_000;

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

export function heldBy(lock: LockId, stdout: string): string {
  const holder = parseInfo(stdout);
  return `the lock on ${lock.label} is held by ${holder.owner} since ${when(holder.since)}`;
}

/** A lock once taken: a note when it took over a crashed run's lock, and how long it waited for another holder. */
export interface LockTaken {
  note: string;
  waitedMs: number;
}

/** A lock held by another run past the wait; `held` says whose, and since when, where that is known. */
export class LockedError extends Error {
  constructor(
    message: string,
    readonly held = message,
  ) {
    super(message);
  }
}

/** Who takes a lock, for how long, and how long to wait for another run to let go of it. */
export interface LockRequest {
  owner: string;
  ttlSeconds: number;
  waitMs: number;
  clock: Clock;
  signal: AbortSignal;
  progress: (line: string) => void;
  /** Before waiting for another holder (once, after the first refusal): let go of what must not be held while waiting. */
  beforeWait?: () => Promise<void>;
}

/**
 * Takes the lock, waiting up to `waitMs` for another run to release it. Returns a note when an
 * expired lock of a crashed run was taken over, and how long it waited for another holder. The
 * wait starts once `beforeWait` is done: what that takes (giving back a lock taken early, whose
 * own command may be slow to answer) does not eat into lock-wait.
 */
export async function acquireLock(remote: RemoteHost, lock: LockId, request: LockRequest): Promise<LockTaken> {
  const { clock, waitMs } = request;
  const cmd = lockAcquire(lock.name, request.owner, request.ttlSeconds, LOCK_COMMAND_MS);
  const take = (): Promise<ExecResult> => remote.run(cmd);
  let result = await take();
  let refusedAt: number | null = null;
  if (result.code === 75) {
    refusedAt = clock.now();
    request.progress(`waiting for the lock: ${heldBy(lock, result.stdout)}`);
    await request.beforeWait?.();
    const seen =
      waitMs > 0
        ? await poll({ clock, signal: request.signal, timeoutMs: waitMs, intervalMs: 1000, pauseFirst: true }, take, (r) => r.code !== 75)
        : { value: result, done: false };
    result = seen.value;
    if (!seen.done) {
      const held = heldBy(lock, result.stdout);
      throw new LockedError(`${held}; waited ${Math.round(waitMs / 1000)}s (lock-wait). Another rollout is changing this fleet.`, held);
    }
  }
  const failure = failureOf(cmd, result);
  if (failure) throw new Error(`could not take the lock on ${lock.label}: ${untrustedLine(failure, 400)}`);
  const waitedMs = refusedAt === null ? 0 : clock.now() - refusedAt;
  if (!/^stale=1$/m.test(result.stdout)) return { note: '', waitedMs };
  const was = parseInfo(result.stdout, 'was\\.');
  return { note: `took over an expired lock of ${was.owner} (since ${when(was.since)})`, waitedMs };
}

/** A lock a host's turn took: where, and its name (given back when the turn is over). */
export interface HeldLock {
  remote: RemoteHost;
  name: string;
}

/**
 * acquireLock, recorded in the journal BEFORE the lock command runs: a run killed while the command
 * is under way (or before its answer is recorded) may hold the lock on the host, and whoever
 * reconciles the run (the post step, `reconcile`) must know to give it back. Releasing a lock this
 * owner does not hold changes nothing, so a record too many is harmless; a record too few leaves a
 * lock that blocks every run for its whole TTL. When taking it fails, it is given back (in case
 * the command took it before the failure) and forgotten.
 */
export async function acquireRecorded(remote: RemoteHost, lock: LockId, request: LockRequest, journal: Journal): Promise<LockTaken> {
  const target = remote.connection.target;
  journal.locked(target, lock.name);
  try {
    return await acquireLock(remote, lock, request);
  } catch (err) {
    // Refused (another owner holds it): never ours. Otherwise forgotten only once given back; a
    // give-back that failed leaves the record, for whoever reconciles the run to try again.
    if (err instanceof LockedError || (await releaseLock(remote, lock.name, request.owner))) journal.unlocked(target, lock.name);
    throw err;
  }
}

/**
 * Releases the lock if this owner still holds it (a connection that ended is made again first).
 * Never throws: the lock expires anyway. True when the host confirmed it: the lock is not ours now.
 */
export async function releaseLock(remote: RemoteHost, name: string, owner: string): Promise<boolean> {
  try {
    await remote.reconnectIfLost();
    return (await remote.run(lockRelease(name, owner, LOCK_COMMAND_MS))).code === 0;
  } catch {
    return false;
  }
}
