import { userCommand, type RemoteCommand } from '../remote/commands/exec';
import { httpStatus } from '../remote/commands/traffic';
import { failureOf, type RemoteHost } from '../remote/remote-host';
import type { Clock } from '../runtime/clock';
import { poll } from '../runtime/poll';

export interface ReadinessOptions {
  url: string | null;
  timeoutMs: number;
  successes: number;
  intervalMs: number;
  /** Commands on the host that must also pass ("ready only after dependencies are healthy"). */
  dependencyChecks: string[];
}

export interface ReadinessResult {
  /** Time from the first check to ready. */
  elapsedMs: number;
  summary: string;
}

const is2xx = (code: string): boolean => /^2\d\d$/.test(code);

/** How often a long readiness wait says where it is. */
const PROGRESS_MS = 5000;

/** One request to the readiness URL from the host, given a few intervals to answer (1 to 5 s). */
export function readinessProbe(url: string, intervalMs: number): RemoteCommand {
  return httpStatus(url, Math.min(5000, Math.max(1000, intervalMs * 4)));
}

/**
 * Until the first 2xx the host is asked this often (or every readiness-interval, when shorter):
 * a restarted service typically answers 100–200 ms after the change, and a wait that only looks
 * every interval would add up to an interval to every host for nothing.
 */
export const FIRST_ANSWER_POLL_MS = 50;

/**
 * When the next check starts, counted from the start of the last one (so a slow round trip does
 * not stretch the spacing): readiness-interval after a 2xx, which is how "N in a row" spans time;
 * quickly while no 2xx has come yet.
 */
export function nextCheckDelay(streak: number, intervalMs: number): number {
  return streak > 0 ? intervalMs : Math.min(intervalMs, FIRST_ANSWER_POLL_MS);
}

/**
 * Requests the readiness URL until `successes` 2xx in a row; throws with the last answers at the
 * deadline. Ready is the N-th consecutive 2xx, whose checks started readiness-interval apart: at
 * the earliest (N−1) × interval after the first 2xx. A non-2xx resets the streak.
 */
async function waitForUrl(
  remote: RemoteHost,
  url: string,
  options: ReadinessOptions,
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<string> {
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  let [attempts, streak, said, last] = [0, 0, start, ''];
  for (;;) {
    signal.throwIfAborted();
    const lookedAt = clock.now();
    attempts += 1;
    const cmd = readinessProbe(url, options.intervalMs);
    const result = await remote.run(cmd);
    const code = result.stdout.trim();
    if (result.code === 0 && is2xx(code)) streak += 1;
    else {
      streak = 0;
      last = result.code === 0 || code !== '' ? `HTTP ${code || '000'}` : (failureOf(cmd, result) ?? 'no answer');
    }
    if (streak >= options.successes) break;
    const now = clock.now();
    if (now >= deadline) {
      throw new Error(
        `${url} was not ready within ${options.timeoutMs / 1000}s (${attempts} checks; last: ${last || `only ${streak} of ${options.successes} consecutive 2xx`})`,
      );
    }
    if (now - said >= PROGRESS_MS) {
      progress(`waiting for ${url}: ${Math.round((now - start) / 1000)} s, last ${last || 'HTTP 2xx'}`);
      said = now;
    }
    // The last check falls on the deadline at the latest; a check already due starts at once.
    const pause = Math.min(lookedAt + nextCheckDelay(streak, options.intervalMs), deadline) - now;
    if (pause > 0) await clock.sleep(pause, signal);
  }
  return `${url} answered 2xx ${options.successes}× in a row after ${attempts} check${attempts === 1 ? '' : 's'} (${clock.now() - start} ms)`;
}

/** Runs one dependency check until it passes; throws with its last failure at the deadline (`since` + timeout). */
async function waitForCheck(
  remote: RemoteHost,
  check: string,
  index: number,
  options: ReadinessOptions,
  since: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<void> {
  const deadline = since + options.timeoutMs;
  const look = async (): Promise<string | undefined> => {
    signal.throwIfAborted();
    const cmd = userCommand(`dependency check ${index + 1}`, check, Math.max(1000, deadline - clock.now()));
    return failureOf(cmd, await remote.run(cmd));
  };
  const seen = await poll(
    { clock, signal, since, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs },
    look,
    (failure) => !failure,
  );
  if (!seen.done)
    throw new Error(`dependency check ${JSON.stringify(check)} did not pass within ${options.timeoutMs / 1000}s: ${seen.value}`);
}

/**
 * Waits until the readiness URL, requested from the host itself, answers 2xx `successes` times in a
 * row (rise), then until every dependency check passes, all within `timeoutMs`. A failure resets
 * the streak, so a flapping service is not called ready.
 */
export async function waitReady(
  remote: RemoteHost,
  options: ReadinessOptions,
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<ReadinessResult> {
  const start = clock.now();
  const parts: string[] = [];
  if (options.url) parts.push(await waitForUrl(remote, options.url, options, clock, signal, progress));
  for (const [index, check] of options.dependencyChecks.entries()) await waitForCheck(remote, check, index, options, start, clock, signal);
  if (options.dependencyChecks.length) parts.push(`${options.dependencyChecks.length} dependency check(s) passed`);
  return { elapsedMs: clock.now() - start, summary: parts.join('; ') || 'no readiness-url or dependency checks configured' };
}
