import { hostLock } from '../remote/commands/locks';
import type { FlowContext, RolloutDeps } from './context';
import { releaseHost, releaseHostLocks } from './fleet-run';
import type { HostRun } from './host-run';
import { acquireRecorded, LockedError, lockTtlSeconds, type LockTaken } from './locks';

/**
 * Takes the host's own lock and records it (the host's turn, the journal), so that whoever ends
 * the run gives it back, whether or not the turn ever runs. It is on the host's list from before
 * its command until it is known not to be held: a refusal takes it off; a failure leaves it, since
 * the command may have taken it and its give-back may not have been confirmed (releasing a lock
 * this run does not hold changes nothing). `once`: a single try, silent, that never waits for
 * another run (LockedError when one holds it).
 */
export async function takeHostLock(run: HostRun, ctx: FlowContext, signal: AbortSignal, once = false): Promise<LockTaken> {
  const { settings, deps } = ctx;
  const remote = run.remote;
  if (!remote) throw new Error('no connection to the host');
  const lock = hostLock(run.name);
  const request = {
    owner: deps.owner,
    // systemd's default stop timeout where the unit sets none (or infinity): what a restart waits for.
    ttlSeconds: lockTtlSeconds(settings, run.unit?.timeoutStopMs ?? 90_000),
    waitMs: once ? 0 : settings.lockWaitMs,
    clock: deps.clock,
    signal,
    progress: once ? () => undefined : (line: string) => deps.log.info(`${run.name} ${line}`),
  };
  // Already listed when an earlier try failed: listed once.
  const listed = run.locks.find((l) => l.remote === remote && l.name === lock.name);
  const entry = listed ?? { remote, name: lock.name };
  if (!listed) run.locks.push(entry);
  try {
    return await acquireRecorded(remote, lock, request, deps.journal);
  } catch (err) {
    if (err instanceof LockedError && !listed) run.locks.splice(run.locks.indexOf(entry), 1);
    throw err;
  }
}

/**
 * The round trips between two hosts' turns that change nothing a host serves, run while a turn
 * waits instead of between turns: the next host's lock is tried when the current host's turn
 * begins (its round trip also shows that the next host's connection, idle since preflight, still
 * answers), and a finished host's lock is given back while the next turn runs. The first host's
 * lock is tried during preflight (lockEarly). Nothing of the next host's change moves earlier: its
 * drain still waits for this host's return.
 */
export class TurnOverlap {
  /**
   * Locks taken ahead and not yet collected, and releases still running. A host's entries go once
   * its turn has them, so that what the run holds does not grow with the fleet (bench/heap-probe.ts).
   */
  private readonly ahead = new Map<HostRun, Promise<LockTaken | null>>();
  private readonly releases = new Set<Promise<void>>();
  private readonly ended = new AbortController();
  /** The first host's lock, tried during preflight (lockEarly); null once collected or given back. */
  private early: { run: HostRun; taking: Promise<LockTaken | null> } | null = null;
  /**
   * No lock is tried early any more: the run waits for the load balancer's lock (giveBackEarly), or
   * the turns have begun (lock).
   */
  private earlyClosed = false;

  /**
   * Tries the first host's lock once, as soon as its own preflight is done, while preflight still
   * waits for the rest (slower hosts, the load balancer's login shell and lock): its turn then
   * starts with the lock in hand. Never waits for another run: a lock held elsewhere is left to the
   * host's lock step, which waits and reports as always. The order of locks stays load balancer
   * first, hosts after: when the load balancer's lock turns out to be held by another run, this
   * one is given back before waiting for it (giveBackEarly), so that no two runs each hold what
   * the other waits for.
   */
  lockEarly(run: HostRun, ctx: FlowContext): void {
    if (this.early || this.earlyClosed || this.ahead.has(run) || !run.remote) return;
    // A refusal or a failure: the lock step tries again (a lock a failure may have left is on the host's list).
    const taking = takeHostLock(run, ctx, AbortSignal.any([ctx.deps.signal, this.ended.signal]), true).catch(() => null);
    this.early = { run, taking };
  }

  /**
   * Lets go of the lock lockEarly took (once its try is over), for the lock step to take again; no
   * lock is tried early after this (the host's preflight may end while the run waits). False when
   * the host did not confirm the release: the lock may still be held (and stays on the run's list).
   */
  async giveBackEarly(deps: RolloutDeps): Promise<boolean> {
    this.earlyClosed = true;
    const early = this.early;
    if (!early) return true;
    this.early = null;
    await early.taking;
    // Taken, or failed in a way that may have taken it: either way on the host's list (takeHostLock).
    return early.run.locks.length ? releaseHostLocks(early.run, deps) : true;
  }

  /**
   * Tries the host's lock once, now; its lock step then collects the outcome. Held by another run,
   * it is left to that step, which waits `lock-wait` from its own start, as without the overlap
   * (a wait begun here would run down while the current host's turn still runs). Any other failure
   * (an answer lost, a command timed out) is left to that step too, which takes the lock again as
   * it would without the overlap: a try made early on this run's behalf must not fail a host the
   * lock step would not. Taking it again is safe: the lock is this run's to renew if the failed try
   * took it, and it is on the host's list either way (takeHostLock).
   */
  lockAhead(run: HostRun, ctx: FlowContext): void {
    if (this.ahead.has(run) || !run.remote) return;
    const taking = takeHostLock(run, ctx, AbortSignal.any([ctx.deps.signal, this.ended.signal]), true).catch(() => null);
    this.ahead.set(run, taking);
  }

  /** The host's lock: the one taken early or ahead (from now on the host's lock step waits for it), or taken now. */
  lock(run: HostRun, ctx: FlowContext): Promise<LockTaken> {
    this.earlyClosed = true;
    const early = this.early?.run === run ? this.early : null;
    if (early) this.early = null;
    const tried = early?.taking ?? this.ahead.get(run);
    this.ahead.delete(run);
    return tried ? tried.then((taken) => taken ?? takeHostLock(run, ctx, ctx.deps.signal)) : takeHostLock(run, ctx, ctx.deps.signal);
  }

  /** Gives back a finished host's locks and connection without holding up the next host. */
  release(run: HostRun, deps: RolloutDeps): void {
    // Kept until done; one that fails stays for settle() to collect.
    const releasing: Promise<void> = releaseHost(run, deps).then(() => void this.releases.delete(releasing));
    // Handled now, so a failure waiting for settle() is never an unhandled rejection meanwhile.
    releasing.catch(() => undefined);
    this.releases.add(releasing);
  }

  /** Promises still held: locks taken early or ahead and not collected, releases not done. */
  get holding(): number {
    return this.ahead.size + this.releases.size + (this.early ? 1 : 0);
  }

  /** The run is over: stop waiting for locks no turn will use, and let everything started finish. */
  async settle(): Promise<void> {
    this.ended.abort(new Error('the rollout ended'));
    await Promise.allSettled([...this.ahead.values(), ...this.releases, this.early?.taking]);
  }
}
