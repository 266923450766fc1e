import { describe, expect, it } from 'vitest';
import { FleetRun } from '../../src/rollout/fleet-run';
import { TurnOverlap } from '../../src/rollout/overlap';
import { preflightFleet } from '../../src/rollout/preflight';
import { rollout } from '../../src/rollout/rollout';
import type { Settings } from '../../src/settings/settings';
import { FakeConnector, FakeLb, RecordingJournal, RecordingLog, fakeDeps } from '../support/fakes';
import { settingsFrom } from '../support/settings';
import { RemoteHost } from '../../src/remote/remote-host';
import { FakeHost, FakeShell } from '../support/fakes';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const inputs = {
  hosts: HOSTS,
  'host-key-check': 'off',
  'check-window': '0',
  service: 'app',
  lb: 'command',
  'drain-command': 'x {name}',
  'ready-command': 'y {name}',
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

/** A load balancer whose lock lives on `lbHost`, the way HAProxy's does on its SSH host. */
function lockedLb(lbHost: FakeHost): FakeLb {
  const lb = new FakeLb();
  const target = { host: '10.0.0.99', port: 22, user: 'root', name: 'lb' };
  lb.lock = { remote: new RemoteHost(new FakeShell(target, lbHost), false), name: 'lb.fake', label: 'fake lb' };
  return lb;
}

/** A rollout whose load balancer's lock, slow to answer (50 ms), another run holds. */
function heldLb() {
  const lbHost = new FakeHost('lb');
  lbHost.delays['lock-acquire'] = 50;
  lbHost.lockHeldBy = 'octo/app run 77';
  return { lbHost, t: setup(settingsFrom(inputs), lockedLb(lbHost)) };
}

/** `HOST KIND` of every lock command, in the order they reached their hosts. */
function lockOrder(t: ReturnType<typeof setup>, lbHost: FakeHost): string[] {
  const order: string[] = [];
  const watch = (name: string, host: FakeHost) =>
    (host.onCommand = (kind) => void (kind.startsWith('lock-') && order.push(`${name} ${kind}`)));
  watch('lb', lbHost);
  for (const name of ['web-1', 'web-2', 'web-3']) watch(name, t.connector.host(name));
  return order;
}

describe('lock-wait for a host locked ahead', () => {
  it('runs from the host’s own lock step: another run letting go as the turn before ends is not missed', async () => {
    const t = setup(settingsFrom({ ...inputs, 'lock-wait': '2s' }));
    const web2 = t.connector.host('web-2');
    web2.lockHeldBy = 'octo/app run 77';
    // The other run lets go of web-2 as web-1's turn ends (web-1's lock goes back), long after
    // 2 s of this run's time.
    t.connector.host('web-1').onCommand = (kind) => void (kind === 'lock-release' && (web2.lockHeldBy = ''));
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(report.hosts[1]?.phases.find((p) => p.name === 'lock')?.status).toBe('ok');
    // Tried once ahead (refused), then taken by its lock step.
    expect(web2.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
  });
});

describe('a lock taken ahead that fails for another reason than another run', () => {
  it('is tried again by the host’s own lock step: a passing fault while the turn before runs fails no host', async () => {
    const t = setup(settingsFrom(inputs));
    const web2 = t.connector.host('web-2');
    // The answer to web-2's lock taken ahead is lost; the lock step asks again.
    web2.lose['lock-acquire'] = 1;
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(web2.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    expect(web2.restarts).toBe(1);
    // The lost take was given back at once (it may have taken the lock); the lock step's take
    // held it through web-2's turn and was given back after it.
    const web2Events = t.journal.events.filter((e) => e.endsWith('web-2 host') || e.endsWith('web-2'));
    expect(web2Events).toEqual([
      'locked web-2 host',
      'unlocked web-2 host',
      'locked web-2 host',
      'drained web-2',
      'returned web-2',
      'unlocked web-2 host',
    ]);
  });

  it('fails the host in its lock phase when the second try fails too', async () => {
    const t = setup(settingsFrom(inputs));
    t.connector.host('web-2').lose['lock-acquire'] = 2;
    const { report } = await t.go();
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    expect(report.failedPhase).toBe('lock');
    // Tried ahead, then once more by its own lock step, whose failure is the one reported.
    expect(t.connector.host('web-2').kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    expect(t.connector.host('web-2').restarts).toBe(0);
  });
});

describe('the first host’s lock, tried during preflight', () => {
  it('is taken while the load balancer’s lock is still being taken, and collected by its turn', async () => {
    const lbHost = new FakeHost('lb');
    lbHost.delays['lock-acquire'] = 100;
    const t = setup(settingsFrom(inputs), lockedLb(lbHost));
    const order = lockOrder(t, lbHost);
    const at: Record<string, number> = {};
    const onLb = lbHost.onCommand;
    lbHost.onCommand = (kind, args) => {
      onLb?.(kind, args);
      at.lb ??= Date.now();
    };
    const onWeb1 = t.connector.host('web-1').onCommand;
    t.connector.host('web-1').onCommand = (kind, args) => {
      onWeb1?.(kind, args);
      if (kind === 'lock-acquire') at.web1 ??= Date.now();
    };
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    // web-1's lock reached it while the load balancer's (100 ms) was still under way.
    expect(order.slice(0, 2)).toEqual(['lb lock-acquire', 'web-1 lock-acquire']);
    expect(at.web1! - at.lb!).toBeLessThan(100);
    expect(t.connector.host('web-1').kinds.filter((k) => k === 'lock-acquire')).toHaveLength(1);
    expect(report.hosts[0]?.phases.find((p) => p.name === 'lock')?.detail).toBe('locked for test run 1');
    const count = (what: string) => t.journal.events.filter((e) => e.startsWith(what)).length;
    expect(count('unlocked')).toBe(count('locked'));
  });

  it('goes back before the run waits for a load balancer lock another run holds, and is taken again in its turn', async () => {
    const { lbHost, t } = heldLb();
    const order = lockOrder(t, lbHost);
    // The other run lets go of the load balancer after the first refusal.
    const watchLb = lbHost.onCommand;
    lbHost.onCommand = (kind, args) => {
      watchLb?.(kind, args);
      if (kind === 'lock-acquire' && order.filter((o) => o === 'lb lock-acquire').length === 2) lbHost.lockHeldBy = '';
    };
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    // No host lock is held while waiting for the load balancer's: web-1's goes back first.
    expect(order.slice(0, 4)).toEqual(['lb lock-acquire', 'web-1 lock-acquire', 'web-1 lock-release', 'lb lock-acquire']);
    expect(order.indexOf('web-1 lock-acquire', 2)).toBeGreaterThan(3);
    expect(t.connector.host('web-1').restarts).toBe(1);
  });

  it('a give-back the host does not confirm: the run stops instead of waiting while it may hold it; the run’s end tries again', async () => {
    const { lbHost, t } = heldLb();
    t.connector.host('web-1').lose['lock-release'] = 1;
    const order = lockOrder(t, lbHost);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/could not be given back before waiting for it; not waiting while holding it/);
    // One refusal, no wait: the load balancer was asked once (its lock never ours, so nothing to give back there).
    // web-1's release was sent again at the run's end, and confirmed.
    expect(order).toEqual(['lb lock-acquire', 'web-1 lock-acquire', 'web-1 lock-release', 'web-1 lock-release']);
    expect(t.journal.events.filter((e) => e.includes('web-1'))).toEqual(['locked web-1 host', 'unlocked web-1 host']);
    expect(t.connector.host('web-1').restarts).toBe(0);
  });

  it('an early lock whose command and give-back both went unanswered is still given back before any wait, or the run stops', async () => {
    const { lbHost, t } = heldLb();
    // The take's answer is lost, then its give-back's and the next release's: web-1 may be locked.
    t.connector.host('web-1').lose['lock-acquire'] = 1;
    t.connector.host('web-1').lose['lock-release'] = 2;
    const order = lockOrder(t, lbHost);
    const { report } = await t.go();
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/could not be given back before waiting for it; not waiting while holding it/);
    expect(order).toEqual(['lb lock-acquire', 'web-1 lock-acquire', 'web-1 lock-release', 'web-1 lock-release', 'web-1 lock-release']);
    expect(t.journal.events.filter((e) => e.endsWith('web-1 host'))).toEqual(['locked web-1 host', 'unlocked web-1 host']);
  });

  it('a release no host confirms by the run’s end is named in a warning, and stays in the journal for the post step', async () => {
    const t = setup(settingsFrom(inputs));
    t.connector.host('web-3').lose['lock-release'] = 2;
    const deps = fakeDeps({ connector: t.connector, journal: t.journal, openLoadBalancer: async () => t.lb });
    const { report } = await rollout(settingsFrom(inputs), deps);
    expect(report.status, report.reason).toBe('success');
    expect(t.connector.host('web-3').kinds.filter((k) => k === 'lock-release')).toHaveLength(2);
    expect((deps.log as RecordingLog).warnings.join('\n')).toMatch(/could not give back host on web-3: the host did not confirm/);
    expect(t.journal.events.filter((e) => e.endsWith('web-3 host'))).toEqual(['locked web-3 host']);
  });

  it('is not tried again by a host whose preflight ends while the run waits for the load balancer', async () => {
    const lbHost = new FakeHost('lb');
    lbHost.lockHeldBy = 'octo/app run 77';
    const t = setup(settingsFrom({ ...inputs, 'lock-wait': '2s' }), lockedLb(lbHost));
    // web-1's preflight ends only after the load balancer's lock was refused.
    t.connector.host('web-1').delays['inspect-unit'] = 50;
    const order = lockOrder(t, lbHost);
    const { report } = await t.go();
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/held by octo\/app run 77/);
    expect(order.filter((o) => o.startsWith('web-'))).toEqual([]);
  });

  it('is not tried on a first host an operator took out of service: the host is left as found', async () => {
    const lb = new FakeLb();
    lb.notInService = async (hosts) =>
      new Map(hosts.filter((h) => h.name === 'web-1').map((h) => [h.name, { state: 'maint' as const, text: 'in MAINT' }]));
    const t = setup(settingsFrom(inputs), lb);
    const { report } = await t.go();
    expect(report.hosts.map((h) => h.status)).toEqual(['skipped', 'success', 'success']);
    expect(t.connector.host('web-1').restarts).toBe(0);
    expect(t.connector.host('web-1').kinds.filter((k) => k.startsWith('lock-'))).toEqual([]);
    expect(lb.calls.filter((c) => c.endsWith('web-1'))).toEqual([]);
    const count = (what: string) => t.journal.events.filter((e) => e.startsWith(what)).length;
    expect(count('unlocked')).toBe(count('locked'));
  });

  it('a dry run takes no lock', async () => {
    const t = setup(settingsFrom({ ...inputs, 'dry-run': 'true' }));
    await t.go();
    for (const name of ['web-1', 'web-2', 'web-3']) expect(t.connector.host(name).kinds).not.toContain('lock-acquire');
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
