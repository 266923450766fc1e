import { describe, expect, it } from 'vitest';
import { FIRST_ANSWER_POLL_MS, nextCheckDelay, waitReady, type ReadinessOptions } from '../../src/checks/readiness';
import { RemoteHost } from '../../src/remote/remote-host';
import { FakeClock } from '../support/fakes';
import { result, ScriptedShell, target } from '../support/scripted-shell';

const URL = 'http://127.0.0.1/healthz';

/**
 * A host whose readiness URL answers by the fake clock: 503 until `readyAt` ms after the start
 * (200 after), each check taking `rttMs` of the clock. Records when each check started.
 */
function host(clock: FakeClock, answer: (sinceStart: number) => string, rttMs = 7) {
  const start = clock.now();
  const checks: number[] = [];
  const shell = new ScriptedShell(target('web-1'), (cmd) => {
    if (cmd.kind !== 'http-status') throw new Error(`unexpected ${cmd.kind}`);
    checks.push(clock.now() - start);
    const code = answer(clock.now() - start);
    clock.t += rttMs;
    return result(code);
  });
  return { remote: new RemoteHost(shell, false, undefined, false), checks };
}

const options = (over: Partial<ReadinessOptions> = {}): ReadinessOptions => ({
  url: URL,
  timeoutMs: 10_000,
  successes: 2,
  intervalMs: 500,
  dependencyChecks: [],
  ...over,
});

const calm = new AbortController().signal;

describe('readiness: how "N in a row" spans time', () => {
  it('asks quickly until the first 2xx, then spaces the counted checks readiness-interval apart, start to start', async () => {
    const clock = new FakeClock();
    const { remote, checks } = host(clock, (t) => (t >= 160 ? '200' : '503'));
    const ready = await waitReady(remote, options(), clock, calm, () => undefined);
    // Quick checks every 50 ms (whatever the round trip took), the first 2xx at 200 ms, the
    // second one interval later: ready 700 ms after the start (+ the last round trip).
    expect(checks).toEqual([0, 50, 100, 150, 200, 700]);
    expect(ready.elapsedMs).toBe(707);
    expect(ready.summary).toContain('2× in a row after 6 checks');
  });

  it('a service already up is ready (N−1) × interval after the first check, with no pause before it', async () => {
    const clock = new FakeClock();
    const { remote, checks } = host(clock, () => '200');
    await waitReady(remote, options({ successes: 3, intervalMs: 300 }), clock, calm, () => undefined);
    expect(checks).toEqual([0, 300, 600]);
  });

  it('one success is ready at once', async () => {
    const clock = new FakeClock();
    const { remote, checks } = host(clock, () => '204');
    const ready = await waitReady(remote, options({ successes: 1 }), clock, calm, () => undefined);
    expect(checks).toEqual([0]);
    expect(ready.elapsedMs).toBe(7);
  });

  it('a failure after a 2xx resets the streak and goes back to quick checks', async () => {
    const clock = new FakeClock();
    // 2xx at 0, a 503 at 500 (flap), 2xx again from 550 on.
    const { remote, checks } = host(clock, (t) => (t < 500 || t >= 550 ? '200' : '503'));
    await waitReady(remote, options(), clock, calm, () => undefined);
    expect(checks).toEqual([0, 500, 550, 1050]);
  });

  it('a readiness-interval shorter than the quick poll is used for every check', () => {
    expect(nextCheckDelay(0, 20)).toBe(20);
    expect(nextCheckDelay(0, 500)).toBe(FIRST_ANSWER_POLL_MS);
    expect(nextCheckDelay(1, 500)).toBe(500);
  });

  it('a round trip slower than the spacing starts the next check at once', async () => {
    const clock = new FakeClock();
    const { remote, checks } = host(clock, () => '200', 800);
    await waitReady(remote, options(), clock, calm, () => undefined);
    // The second check starts when the first answered (800 ms), not 500 ms after that.
    expect(checks).toEqual([0, 800]);
  });

  it('never ready: fails at the deadline with the last answer, the last check on the deadline', async () => {
    const clock = new FakeClock();
    const { remote, checks } = host(clock, () => '503');
    await expect(waitReady(remote, options({ timeoutMs: 1000 }), clock, calm, () => undefined)).rejects.toThrow(
      /was not ready within 1s \(21 checks; last: HTTP 503\)/,
    );
    expect(checks.at(-1)).toBe(1000);
  });
});
