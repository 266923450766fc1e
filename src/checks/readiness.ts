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

/** One request to the readiness URL from the host, given a few intervals to answer (1 to 5 s). */
export function readinessProbe(url: string, intervalMs: number): RemoteCommand {
  return httpStatus(url, Math.min(5000, Math.max(1000, intervalMs * 4)));
}

/** Requests the readiness URL until `successes` 2xx in a row; throws with the last answers at the deadline. */
async function waitForUrl(
  remote: RemoteHost,
  url: string,
  options: ReadinessOptions,
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<string> {
  let attempts = 0;
  let last = '';
  let streak = 0;
  const look = async (): Promise<number> => {
    signal.throwIfAborted();
    attempts += 1;
    const cmd = readinessProbe(url, options.intervalMs);
    const result = await remote.run(cmd);
    const code = result.stdout.trim();
    if (result.code === 0 && is2xx(code)) return (streak += 1);
    last = result.code === 0 || code !== '' ? `HTTP ${code || '000'}` : (failureOf(cmd, result) ?? 'no answer');
    return (streak = 0);
  };
  const say = (_: number, ms: number): void => progress(`waiting for ${url}: ${Math.round(ms / 1000)} s, last ${last || 'HTTP 2xx'}`);
  const seen = await poll(
    { clock, signal, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs, progress: { everyMs: 5000, say } },
    look,
    (n) => n >= options.successes,
  );
  if (!seen.done) {
    throw new Error(
      `${url} was not ready within ${options.timeoutMs / 1000}s (${attempts} checks; last: ${last || `only ${streak} of ${options.successes} consecutive 2xx`})`,
    );
  }
  return `${url} answered 2xx ${options.successes}× in a row after ${attempts} check${attempts === 1 ? '' : 's'}`;
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
