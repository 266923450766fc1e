/**
 * The scale simulation's harness (test/support/sim-fleet.ts, bench/scale-sim.ts) works: 20
 * simulated hosts in their own process, rolled by the app's rollout over the real SSH connector.
 * It answers every command of a reload rollout, takes the per-host wait on the change, and shows
 * the connections the rollout held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '../../src/app/connector';
import { rollout } from '../../src/rollout/rollout';
import { systemClock } from '../../src/runtime/clock';
import { noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';
import { startSimFleet, type SimFleetProcess } from '../support/sim-fleet-process';

const HOSTS = 20;
const WAIT_MS = 30;
let fleet: SimFleetProcess;
beforeAll(async () => {
  fleet = await startSimFleet(HOSTS, WAIT_MS);
}, 30_000);
afterAll(() => fleet?.stop());

describe('the simulated fleet', () => {
  it('is rolled host by host over real SSH: every host reloaded once, the wait taken, few connections open at once', async () => {
    const settings = settingsFrom({
      hosts: fleet.hostsInput,
      'private-key': fleet.privateKey,
      'known-hosts': fleet.knownHosts,
      'check-window': '0',
      strategy: 'reload',
      'preflight-concurrency': '4',
    });
    const deps = {
      connector: connectorFor(settings),
      local: noLocal,
      clock: systemClock,
      log: new RecordingLog(),
      journal: new RecordingJournal(),
      signal: new AbortController().signal,
      owner: 'sim run 1',
      openLoadBalancer: async () => null,
    };
    await fleet.reset();
    const started = Date.now();
    const { report } = await rollout(settings, deps);
    const wall = Date.now() - started;
    expect(report.reason).toBe('');
    expect(report.hosts.map((h) => h.status)).toEqual(new Array(HOSTS).fill('success'));
    for (const h of report.hosts) expect(h.phases.find((p) => p.name === 'change')?.detail).toMatch(/2 workers replaced by 2 new/);
    const stats = await fleet.stats();
    expect(stats.commands['nginx-reload']).toBe(HOSTS);
    expect(stats.commands['lock-acquire']).toBe(HOSTS);
    expect(stats.commands.unknown).toBeUndefined();
    // One connection in preflight, one for the host's turn, but the first host's turn uses its
    // preflight connection; never more than preflight-concurrency at once, plus that first host's.
    expect(stats.accepted).toBe(2 * HOSTS - 1);
    expect(stats.peakOpen).toBeLessThanOrEqual(4 + 1);
    expect(stats.open).toBe(0);
    // Each host's change took the simulated wait on the host, one host at a time.
    for (const h of report.hosts) expect(h.phases.find((p) => p.name === 'change')?.durationMs).toBeGreaterThanOrEqual(WAIT_MS);
    const changes = report.hosts.map((h) => h.phases.find((p) => p.name === 'change')!);
    for (let i = 1; i < changes.length; i++) {
      const previousEnd = Date.parse(changes[i - 1]!.startedAt) + changes[i - 1]!.durationMs;
      expect(Date.parse(changes[i]!.startedAt)).toBeGreaterThanOrEqual(previousEnd);
    }
    expect(wall).toBeGreaterThanOrEqual(HOSTS * WAIT_MS);
  });
});
