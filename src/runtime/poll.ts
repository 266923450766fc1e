import type { Clock } from './clock';

export interface PollOptions<T> {
  clock: Clock;
  /** Cuts a pause short by rejecting with its reason. Left out by waits that must finish (a return). */
  signal?: AbortSignal;
  /** How long to keep looking, counted from `since`. */
  timeoutMs: number;
  /** The pause between looks, shortened so that the last look falls on the deadline. */
  intervalMs: number;
  /** When the wait began, if before the first look (e.g. before the command it waits on). */
  since?: number;
  /** Pause before the first look too: a window that opens now and is read at its first tick. */
  pauseFirst?: boolean;
  /** Said between looks, at most every `everyMs`: the last value and the time waited so far. */
  progress?: { everyMs: number; say: (value: T, waitedMs: number) => void };
}

export interface PollResult<T> {
  /** The last value looked at. */
  value: T;
  /** False when the deadline came first. */
  done: boolean;
  /** From `since` to the last look. */
  waitedMs: number;
}

/**
 * Looks until `done(value)` or the deadline, pausing on the clock between looks, so every wait of
 * the rollout runs instantly under a fake clock and stops at once on cancellation. Running out of
 * time is not an error here: the caller knows what it means (fail, proceed, or try once more).
 * `look` may throw to end the wait early.
 */
export async function poll<T>(options: PollOptions<T>, look: () => Promise<T>, done: (value: T) => boolean): Promise<PollResult<T>> {
  const { clock, signal, intervalMs, progress } = options;
  const start = options.since ?? clock.now();
  const deadline = start + options.timeoutMs;
  const pause = (now: number): Promise<void> => clock.sleep(Math.max(0, Math.min(intervalMs, deadline - now)), signal);
  let said = start;
  for (;;) {
    if (options.pauseFirst) await pause(clock.now());
    const value = await look();
    const now = clock.now();
    if (done(value)) return { value, done: true, waitedMs: now - start };
    if (now >= deadline) return { value, done: false, waitedMs: now - start };
    if (progress && now - said >= progress.everyMs) {
      progress.say(value, now - start);
      said = now;
    }
    if (!options.pauseFirst) await pause(now);
  }
}
