import { httpStatus, userCommand } from '../remote/commands';
import { failureOf, type Remote } from '../remote/runner';
import type { Clock } from '../runtime/clock';

export interface ReadinessOptions {
  url: string | null;
  timeoutMs: number;
  successes: number;
  intervalMs: number;
  /** Commands on the host that must also pass ("ready only after dependencies are healthy"). */
  dependencyChecks: string[];
}

export interface ReadinessResult {
  /** Requests made to the readiness URL. */
  attempts: number;
  /** Time from the first check to ready. */
  elapsedMs: number;
  summary: string;
}

const is2xx = (code: string): boolean => /^2\d\d$/.test(code);

/**
 * Waits until the readiness URL, requested from the host itself, answers 2xx `successes` times in a
 * row (rise), then until every dependency check passes, all within `timeoutMs`. A failure resets
 * the streak, so a flapping service is not called ready.
 */
export async function waitReady(
  remote: Remote,
  options: ReadinessOptions,
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<ReadinessResult> {
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  let attempts = 0;
  let streak = 0;
  let last = '';
  let lastProgress = start;
  const parts: string[] = [];

  if (options.url) {
    const requestTimeout = Math.min(5000, Math.max(1000, options.intervalMs * 4));
    while (streak < options.successes) {
      signal.throwIfAborted();
      attempts += 1;
      const cmd = httpStatus(options.url, requestTimeout);
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
        throw new Error(`${options.url} was not ready within ${options.timeoutMs / 1000}s (${attempts} checks; last: ${last || `only ${streak} of ${options.successes} consecutive 2xx`})`);
      }
      if (now - lastProgress >= 5000) {
        progress(`waiting for ${options.url}: ${Math.round((now - start) / 1000)} s, last ${last || 'HTTP 2xx'}`);
        lastProgress = now;
      }
      await clock.sleep(Math.min(options.intervalMs, Math.max(0, deadline - now)), signal);
    }
    parts.push(`${options.url} answered 2xx ${options.successes}× in a row after ${attempts} check${attempts === 1 ? '' : 's'}`);
  }

  for (const [index, check] of options.dependencyChecks.entries()) {
    for (;;) {
      signal.throwIfAborted();
      const cmd = userCommand(`dependency check ${index + 1}`, check, Math.max(1000, deadline - clock.now()));
      const failure = failureOf(cmd, await remote.run(cmd));
      if (!failure) break;
      if (clock.now() >= deadline) throw new Error(`dependency check ${JSON.stringify(check)} did not pass within ${options.timeoutMs / 1000}s: ${failure}`);
      await clock.sleep(Math.min(options.intervalMs, Math.max(0, deadline - clock.now())), signal);
    }
  }
  if (options.dependencyChecks.length) parts.push(`${options.dependencyChecks.length} dependency check(s) passed`);
  return { attempts, elapsedMs: clock.now() - start, summary: parts.join('; ') || 'no readiness-url or dependency checks configured' };
}
