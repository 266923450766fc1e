import { describe, expect, it } from 'vitest';
import { Remote } from '../../src/remote/runner';
import { keepLock } from '../../src/rollout/locks';
import { rollout } from '../../src/rollout/rollout';
import { runOwner } from '../../src/runtime/owner';
import type { Settings } from '../../src/settings/settings';
import { FakeClock, FakeConnector, FakeHost, FakeLb, FakeShell, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';

// Issue 13: runs that overlap, locks that outlive runs, operators, and unclear answers.

const target = (i: number) => ({ host: `10.0.0.${i}`, port: 22, user: 'root', name: `web-${i}` });
const hostsYaml = (n: number) => Array.from({ length: n }, (_, i) => `- {host: 10.0.0.${i + 1}, name: web-${i + 1}}`).join('\n');
const drainInputs = (n: number) => ({ hosts: hostsYaml(n), 'host-key-check': 'off', 'check-window': '0', strategy: 'drain-restart', lb: 'command', 'drain-command': 'x', 'ready-command': 'y' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(settings: Settings, lb: FakeLb) {
  const connector = new FakeConnector();
  const log = new RecordingLog();
  const journal = new RecordingJournal();
  const go = () => rollout(settings, { connector, local: noLocal, clock: new FakeClock(), log, journal, signal: new AbortController().signal, owner: 'test run 1', openLoadBalancer: async () => lb });
  return { connector, log, journal, go };
}

/** The TTL (last argument) of each lock command sent. */
const ttls = (host: FakeHost): number[] => host.lockCommands.filter((c) => c.includes('lock.new')).map((c) => Number(/ (\d+)$/.exec(c)?.[1]));

describe('the lock owner (item 5)', () => {
  it('two runs with the same repository, run, attempt and job have different owners', () => {
    const env = { GITHUB_REPOSITORY: 'octo/app', GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' };
    const a = runOwner(env);
    const b = runOwner(env);
    expect(a).toMatch(/^octo\/app run 77 attempt 1 job deploy #[0-9a-f]{12}$/);
    expect(b).toMatch(/^octo\/app run 77 attempt 1 job deploy #[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });
});

describe("the load balancer's lock (item 8)", () => {
  it('has a short TTL, however many hosts the run has', async () => {
    const lbHost = new FakeHost('lb');
    const lb = new FakeLb();
    lb.lock = { remote: new Remote(new FakeShell(target(99), lbHost), false), name: 'lb.fake' };
    const t = setup(settingsFrom(drainInputs(20)), lb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(ttls(lbHost).length).toBeGreaterThan(0);
    for (const ttl of ttls(lbHost)) expect(ttl).toBeLessThanOrEqual(600);
  });

  it('is renewed by a heartbeat until the run stops it; a failed renewal is reported', async () => {
    const lbHost = new FakeHost('lb');
    const remote = new Remote(new FakeShell(target(99), lbHost), false);
    const problems: string[] = [];
    const stop = keepLock(remote, 'lb.fake', 'test run 1', 180, 50, (p) => problems.push(p));
    await sleep(180);
    const renewed = ttls(lbHost).length;
    expect(renewed).toBeGreaterThanOrEqual(2);
    expect(ttls(lbHost).every((ttl) => ttl === 180)).toBe(true);
    stop();
    await sleep(150);
    expect(ttls(lbHost).length).toBe(renewed);
    expect(problems).toEqual([]);
    lbHost.lockHeldBy = 'someone else';
    const stop2 = keepLock(remote, 'lb.fake', 'test run 1', 180, 20, (p) => problems.push(p));
    await sleep(60);
    stop2();
    expect(problems[0]).toMatch(/could not renew the lb\.fake lock: exit 75/);
  });
});
