import { lockAcquire, type LockId } from '../remote/commands/locks';
import { failureOf, type RemoteHost } from '../remote/remote-host';
import { untrustedLine } from '../report/neutralise';
import { heldBy, LOCK_COMMAND_MS, LockedError } from './locks';

/**
 * The load balancer's lock is no longer this run's alone: another run holds it, or it was gone when
 * renewed (another run may have taken it and changed the pool meanwhile). The run halts, whatever
 * max-failed-hosts allows: hosts not yet changed stop at their next step.
 */
export class LockLostError extends LockedError {}

/** Making the load balancer's connection good again (connect, renew the lock) failed; its message says why. */
export class RegainError extends Error {}

/** A drain kept from going out (LockHold.sendable): nothing of it reached the load balancer. */
export class UnsentError extends Error {}

/** What a regain had to do: connect again (and renew), only renew (an earlier renewal failed), or nothing. */
export type Regained = 'reconnected' | 'renewed' | null;

/** A regain said the same way wherever it happened (a host's lock step, an exchange, recovery, the heartbeat); '' when it did nothing. */
export function regainedNote(regained: Regained | undefined): string {
  if (regained === 'reconnected') return 'the connection to the load balancer had been lost: connected again, and its lock renewed';
  if (regained === 'renewed') return 'an earlier renewal of the load balancer lock had failed: renewed now';
  return '';
}

/**
 * The run's hold on the load balancer's lock, kept to the run's end. A heartbeat renews it; after
 * its connection was lost (sshd restarted, a network blip past the keepalive) the connection is
 * made again, verified as the first one was, and the lock renewed before anything relies on it.
 * Once the lock is seen held by another run, or run out, it is lost for good: every later check
 * throws LockLostError.
 */
export class LockHold {
  readonly name: string;
  private lost: string | null = null;
  /** False from a lost connection (or a failed reconnect) until the lock was renewed on a new one. */
  private verified = true;
  private regaining: Promise<Regained> | null = null;
  /** Counts the connections made again: an exchange that began on an earlier one met a drop. */
  private generation = 0;
  /** The connection was found lost and no renewal has verified a new one yet. */
  private reconnecting = false;
  /** Renewals that succeeded: a heartbeat failure after one is news again. */
  private renewals = 0;
  private beat: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  /** `onLost`: told once, when the lock is found lost (the run halts there). */
  constructor(
    readonly remote: RemoteHost,
    private readonly lock: LockId,
    private readonly owner: string,
    private readonly ttlSeconds: number,
    private readonly onLost: (message: string) => void = () => {},
  ) {
    this.name = lock.name;
  }

  /** Renews the lock as its holder. Throws LockLostError, for good, when it is not this run's alone. */
  async renew(): Promise<void> {
    if (this.lost) throw new LockLostError(this.lost);
    const cmd = lockAcquire(this.lock.name, this.owner, this.ttlSeconds, LOCK_COMMAND_MS);
    const result = await this.remote.run(cmd);
    if (result.code === 75) this.lose(heldBy(this.lock, result.stdout));
    const failure = failureOf(cmd, result);
    if (failure) throw new Error(`could not renew the lock on ${this.lock.label}: ${untrustedLine(failure, 300)}`);
    // The lock command says kept=1 only when the lock file still names this run.
    if (!/^kept=1$/m.test(result.stdout))
      this.lose(
        'it was gone when renewed (its host restarted, or another run took it and gave it back), so another run may have changed the pool meanwhile',
      );
    this.renewals += 1;
  }

  private lose(why: string): never {
    if (!this.lost) {
      this.lost = `this run lost the lock on ${this.lock.label}: ${why}`;
      this.onLost(this.lost);
    }
    throw new LockLostError(this.lost);
  }

  /** The lock is no longer this run's: the run halts, and what still must be done (recovery's returns) goes over whatever connection there is. */
  get isLost(): boolean {
    return this.lost !== null;
  }

  /**
   * At a safe point (before a host's turn, before recovery returns a host): throws once the lock is
   * lost; when its connection ended since the lock was last renewed, connects again and renews it,
   * and when only a renewal failed since, renews it. Says which (regainedNote). One at a time: the
   * hosts of a batch reach their lock step together.
   */
  regain(): Promise<Regained> {
    return (this.regaining ??= this.regainNow().finally(() => (this.regaining = null)));
  }

  private async regainNow(): Promise<Regained> {
    // Lost since the last renewal: said as a reconnect until one is renewed (a failed connect
    // leaves a lease with no connection, which no longer reads as lost).
    if (this.remote.connection.lost) this.reconnecting = true;
    const reconnect = !this.verified || this.reconnecting;
    if (reconnect) {
      this.verified = false;
      this.generation += 1;
      await this.remote.reconnectIfLost();
    }
    // Connected again even so: recovery still takes a failing host out, or puts a healthy one back.
    if (this.lost) throw new LockLostError(this.lost);
    if (!reconnect) return null;
    await this.renew();
    this.verified = true;
    const regained = this.reconnecting ? 'reconnected' : 'renewed';
    this.reconnecting = false;
    return regained;
  }

  /**
   * Right before a drain goes out (not when it was asked for: it may have waited behind other
   * questions while the connection was lost and made again): throws LockLostError once the lock is
   * lost, and UnsentError while it is not renewed on the connection there is now (a regain under
   * way, a failed renewal, a connection that ended). Synchronous, so nothing runs between it and
   * the write; it waits for nothing, as a regain's renewal may queue behind the very drain it holds.
   */
  sendable(): void {
    if (this.lost) throw new LockLostError(this.lost);
    if (this.unsure) {
      const why =
        this.reconnecting || this.remote.connection.lost
          ? 'its connection ended, and the lock is not yet renewed on a new one'
          : 'a renewal of the lock failed, and none has succeeded since';
      throw new UnsentError(`not sent to ${this.lock.label}: ${why}`);
    }
  }

  /**
   * A renewal that failed, a connection that ended, or a regain making either good (it clears
   * `verified` as it starts): the lock is not known to be renewed on the connection there is. A
   * regain with nothing to do leaves it alone.
   */
  private get unsure(): boolean {
    return !this.verified || this.remote.connection.lost === true;
  }

  /**
   * `fn`, a load-balancer exchange, asked once more when it was held back unsent (sendable), or,
   * where it is `repeatable` (the load balancer's own, not a user's commands), when the connection
   * dropped under it: made again and the lock renewed first, so that nothing is asked of the load
   * balancer over a connection the lock was not renewed on (for a repeatable one, a regain under
   * way, from the heartbeat or another host of the batch, is waited for before the first ask too).
   * A failure to make it good again throws RegainError or LockLostError; any other failure is
   * thrown as it came, and so is a second one.
   */
  async again<T>(fn: () => Promise<T>, note: (text: string) => void, repeatable = true): Promise<T> {
    if (repeatable && this.unsure) {
      const regained = await this.regainOrThrow();
      if (regained) note(regainedNote(regained));
    }
    const generation = this.generation;
    try {
      return await fn();
    } catch (err) {
      // Held back unsent, it is safe to ask again whatever it is.
      if (err instanceof LockLostError || !(err instanceof UnsentError || (repeatable && (await this.droppedSince(generation))))) throw err;
      const regained = await this.regainOrThrow();
      note(
        err instanceof UnsentError
          ? `${regained ? `${regainedNote(regained)}; held back until then` : `held back until the lock on ${this.lock.label} was renewed (by another host, or the heartbeat)`}, and then asked`
          : `the connection to ${this.lock.label} dropped under it: connected again, the lock renewed, and asked again`,
      );
      return fn();
    }
  }

  /** regain(), its failures as RegainError (or LockLostError). */
  private async regainOrThrow(): Promise<Regained> {
    try {
      return await this.regain();
    } catch (err) {
      throw err instanceof LockLostError ? err : new RegainError((err as Error).message, { cause: err });
    }
  }

  /**
   * Whether the connection an exchange began on has dropped: ended, or already being (or made)
   * again by another host of the batch. Looked at once this turn's events have run, as a drop
   * may fail a channel before its connection.
   */
  private async droppedSince(generation: number): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.generation !== generation || this.unsure;
  }

  /**
   * Renews the lock every `everyMs` (a third of its TTL) until stop(), making a lost connection
   * good again first. A renewal still under way when the next is due is not doubled, and stop()
   * waits for it, so that a release after stop() is not undone by a late renewal. A failed renewal
   * is reported, not thrown (the next may succeed before the lock runs out), and the same failure
   * again is not reported again until a renewal succeeds; a lost lock is reported once, and the
   * heartbeat ends. The timer never keeps the process alive.
   */
  keep(everyMs: number, report: (problem: string) => void): void {
    let busy = false;
    let last = '';
    let renewalsThen = -1;
    const once = (problem: string): void => {
      if (problem !== last || this.renewals !== renewalsThen) report(problem);
      last = problem;
      renewalsThen = this.renewals;
    };
    this.beat = setInterval(() => {
      if (busy) return;
      busy = true;
      this.renewing = this.beatOnce(once).finally(() => (busy = false));
    }, everyMs);
    this.beat.unref();
  }

  private async beatOnce(report: (problem: string) => void): Promise<void> {
    try {
      // A regain another host started says so itself, in that host's phase: not said twice.
      const joined = this.regaining !== null;
      const regained = await this.regain();
      if (regained && !joined) report(regainedNote(regained));
      if (!regained) await this.renew();
    } catch (err) {
      if (err instanceof LockLostError) return void clearInterval(this.beat);
      // A regain with work under way settles it (its release may be what failed this renewal).
      if (this.regaining && !this.verified) return;
      // Not renewed: the next safe point renews it before anything relies on it.
      this.verified = false;
      report((err as Error).message);
    }
  }

  /** Ends the heartbeat; resolves once a renewal under way has ended. */
  async stop(): Promise<void> {
    clearInterval(this.beat);
    await this.renewing;
  }
}
