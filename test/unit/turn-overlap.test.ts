import { describe, expect, it } from 'vitest';
import { FleetRun } from '../../src/rollout/fleet-run';
import { TurnOverlap } from '../../src/rollout/overlap';
import { preflightFleet } from '../../src/rollout/preflight';
import { rollout } from '../../src/rollout/rollout';
import type { Settings } from '../../src/settings/settings';
import { FakeConnector, FakeLb, RecordingJournal, fakeDeps } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const inputs = {
  hosts: HOSTS,
  'host-key-check': 'off',
  'check-window': '0',
  service: 'app',
  lb: 'command',
  'drain-command': 'x',
  'ready-command': 'y',
  strategy: 'drain-restart',
} as const;

function setup(settings: Settings, lb = new FakeLb()) {
  const connector = new FakeConnector();
  const journal = new RecordingJournal();
  const go = () => rollout(settings, fakeDeps({ connector, journal, openLoadBalancer: async () => lb }));
  return { connector, journal, lb, go };
}

describe('the next host’s lock, taken while the current host’s turn runs', () => {
  it('is taken before the current host is back, and only its lock: its drain still waits for the return', async () => {
    const t = setup(settingsFrom(inputs));
    const { report } = await t.go();
    expect(report.status).toBe('success');
    const at = (e: string): number => t.journal.events.indexOf(e);
    expect(at('locked web-2 host')).toBeLessThan(at('returned web-1'));
    expect(at('returned web-1')).toBeLessThan(at('drained web-2'));
    // Every lock taken is given back by the end of the run.
    expect(t.journal.events.filter((e) => e.startsWith('locked')).length).toBe(3);
    expect(t.journal.events.filter((e) => e.startsWith('unlocked')).length).toBe(3);
    // web-2's lock phase only collects what was taken ahead.
    expect(report.hosts[1]?.phases.find((p) => p.name === 'lock')?.detail).toBe('locked for test run 1');
  });

  it('a host that fails halts the run: the next host, locked ahead, is untouched and its lock given back', async () => {
    const t = setup(settingsFrom(inputs));
    t.connector.host('web-1').restartFails = true;
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-1');
    expect(report.hosts.map((h) => h.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(t.connector.host('web-2').restarts).toBe(0);
    expect(t.lb.calls.filter((c) => c.endsWith('web-2'))).toEqual([]);
    expect(t.journal.events).toContain('locked web-2 host');
    expect(t.journal.events).toContain('unlocked web-2 host');
    expect(t.journal.events.some((e) => e.includes('web-3'))).toBe(false);
  });

  it('a next host locked by another run fails in its own lock phase, after the current host finished', async () => {
    const t = setup(settingsFrom({ ...inputs, 'lock-wait': '2s' }));
    t.connector.host('web-2').lockHeldBy = 'octo/app run 77';
    const { report } = await t.go();
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/the lock on web-2 is held by octo\/app run 77/);
    expect(t.connector.host('web-2').restarts).toBe(0);
  });
});

describe('what the overlap holds does not grow with the fleet', () => {
  it('a host’s lock taken ahead and its release are let go once its turn has them', async () => {
    const fleet = new FleetRun(settingsFrom(inputs), fakeDeps({ openLoadBalancer: async () => new FakeLb() }));
    await preflightFleet(fleet);
    const overlap = new TurnOverlap();
    for (const run of fleet.runs) {
      overlap.lockAhead(run, fleet);
      expect(overlap.holding).toBe(1);
      await overlap.lock(run, fleet);
      expect(overlap.holding).toBe(0);
      overlap.release(run, fleet.deps);
      expect(overlap.holding).toBe(1);
      await new Promise((r) => setImmediate(r));
      expect(overlap.holding).toBe(0);
    }
    await overlap.settle();
    await fleet.close();
  });
});
