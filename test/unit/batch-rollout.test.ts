import { describe, expect, it } from 'vitest';
import type { LoadBalancer } from '../../src/lb/load-balancer';
import { batchProgress } from '../../src/rollout/batch-progress';
import { HostRun } from '../../src/rollout/host-run';
import { rollout } from '../../src/rollout/rollout';
import type { Settings } from '../../src/settings/settings';
import type { SshTarget } from '../../src/transport/target';
import { VirtualClock, FakeConnector, FakeLb, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `web-${i + 1}`);
const hostsYaml = (n: number): string =>
  names(n)
    .map((name, i) => `- {host: 10.0.0.${i + 1}, name: ${name}}`)
    .join('\n');
const reloadInputs = (n: number) => ({ hosts: hostsYaml(n), 'host-key-check': 'off', 'check-window': '0' }) as const;
const drainInputs = (n: number) =>
  ({
    ...reloadInputs(n),
    service: 'app',
    lb: 'command',
    'drain-command': 'x {name}',
    'ready-command': 'y {name}',
    strategy: 'drain-restart',
    'readiness-url': 'http://127.0.0.1/healthz',
  }) as const;

/**
 * A pool that counts live: healthy servers are those neither drained by the run nor down by another
 * hand. Its answers come back on a later turn of the event loop, as a real round trip's do (the
 * fake hosts answer at once), so hosts' turns overlap and two counts could too, unless the rollout
 * keeps them apart. It records the most servers it ever had out of rotation at once.
 */
class PoolLb extends FakeLb {
  down = new Set<string>();
  maxOut = 0;
  constructor(readonly servers: string[]) {
    super();
  }
  override async healthyOthers(host: SshTarget): Promise<number> {
    this.calls.push(`healthyOthers ${host.name}`);
    // The count is taken when asked; the answer arrives a turn later, as over a real connection.
    const count = this.servers.filter((s) => s !== host.name && !this.drained.has(s) && !this.down.has(s)).length;
    await new Promise((r) => setImmediate(r));
    return count;
  }
  override async inFlight(host: SshTarget): Promise<number> {
    await new Promise((r) => setImmediate(r));
    return super.inFlight(host);
  }
  override async drain(host: SshTarget): Promise<void> {
    await super.drain(host);
    this.maxOut = Math.max(this.maxOut, this.drained.size + this.down.size);
  }
  override async isUp(host: SshTarget): Promise<boolean> {
    return !this.down.has(host.name) && (await super.isUp(host));
  }
}

function setup(settings: Settings, lb: LoadBalancer | null = null, signal = new AbortController().signal) {
  const connector = new FakeConnector();
  const log = new RecordingLog();
  const journal = new RecordingJournal();
  const clock = new VirtualClock();
  const go = () =>
    rollout(settings, { connector, local: noLocal, clock, log, journal, signal, owner: 'test run 1', openLoadBalancer: async () => lb });
  return { connector, log, journal, clock, go };
}

/** Indexes of the first and last command each host got, in the order all hosts got them, after preflight. */
function spans(sequence: string[], hosts: string[]): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  sequence.forEach((entry, i) => {
    const [host = '', kind] = entry.split(' ');
    if (!hosts.includes(host) || (kind !== 'lock-acquire' && !out[host])) return;
    out[host] = [out[host]?.[0] ?? i, i];
  });
  return out;
}

describe('batches: hosts of a batch roll at once, batches one after another', () => {
  it('1, 3 over 7 hosts: the canary alone, then three at once, the next batch only after the last host of this one', async () => {
    const t = setup(settingsFrom({ ...reloadInputs(7), batches: '1, 3' }));
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(report.hosts.map((h) => h.batch)).toEqual([1, 2, 2, 2, 3, 3, 3]);
    expect(report.batches).toBe(3);
    expect(report.failedBatch).toBeUndefined();
    const s = spans(t.connector.sequence, names(7));
    const batch = (hosts: string[]) => ({ first: Math.min(...hosts.map((h) => s[h]![0])), last: Math.max(...hosts.map((h) => s[h]![1])) });
    const [b1, b2, b3] = [batch(['web-1']), batch(['web-2', 'web-3', 'web-4']), batch(['web-5', 'web-6', 'web-7'])];
    expect(b1.last).toBeLessThan(b2.first);
    expect(b2.last).toBeLessThan(b3.first);
    // Concurrent: every host of batch 2 started its turn before any of them finished it.
    for (const h of ['web-2', 'web-3', 'web-4'])
      expect(s[h]![0]).toBeLessThan(Math.min(...['web-2', 'web-3', 'web-4'].map((o) => s[o]![1])));
    for (const name of names(7)) expect(t.connector.host(name).reloads).toBe(1);
    // One log group per batch, every line naming its host.
    expect(t.log.lines.filter((l) => l.startsWith('::group::Batch'))).toEqual([
      '::group::Batch 1/3: web-1',
      '::group::Batch 2/3: web-2, web-3, web-4',
      '::group::Batch 3/3: web-5, web-6, web-7',
    ]);
    expect(t.log.lines).toContain('batch 2/3: web-2 done, web-3 done, web-4 done');
  });

  it('a failed host stops the run after its batch: no later batch starts, and the report names the batch', async () => {
    const t = setup(
      settingsFrom({ ...reloadInputs(7), batches: '1, 3', 'readiness-url': 'http://127.0.0.1/healthz', 'readiness-timeout': '2s' }),
    );
    t.connector.host('web-3').readiness = ['500'];
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-3');
    expect(report.failedPhase).toBe('ready');
    expect(report.failedBatch).toBe(2);
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'success', 'failed', 'success', 'skipped', 'skipped', 'skipped']);
    for (const name of ['web-5', 'web-6', 'web-7']) expect(t.connector.host(name).kinds).not.toContain('lock-acquire');
  });

  it('the other hosts of the failed batch that have not changed yet stop before their change and go back unchanged', async () => {
    const lb = new PoolLb(names(7));
    const t = setup(settingsFrom({ ...drainInputs(7), batches: '1, 3', 'lock-wait': '0s' }), lb);
    // web-2 fails at once (its lock is held); web-3 and web-4 are then still waiting for their drains.
    t.connector.host('web-2').lockHeldBy = 'another run';
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('lock');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    for (const name of ['web-3', 'web-4']) {
      expect(t.connector.host(name).restarts, name).toBe(0);
      // Drained (or not yet), and then put back.
      expect(lb.calls.filter((c) => c.endsWith(` ${name}`) && /^(un)?drain /.test(c)).length % 2).toBe(0);
      const host = report.hosts.find((h) => h.name === name);
      expect(host?.lbState).toBe('in-service');
      expect(host?.warnings.join(' ')).toMatch(/stopped before its change: the run halted at web-2 \(lock\); not changed/);
    }
    expect(lb.drained.size).toBe(0);
  });

  it('max-failed-hosts tolerates failures: the run goes on through every batch, each failure reported', async () => {
    const inputs = { ...reloadInputs(7), batches: '1, 3', 'readiness-url': 'http://127.0.0.1/healthz', 'readiness-timeout': '2s' };
    const t = setup(settingsFrom({ ...inputs, 'max-failed-hosts': '1' }));
    t.connector.host('web-3').readiness = ['500'];
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'success', 'failed', 'success', 'success', 'success', 'success']);
    expect(t.log.warnings).toContain('web-3 failed in ready; tolerated (1 of max-failed-hosts 1), the run goes on');

    // A second failure is one too many: the run stops after that batch.
    const u = setup(settingsFrom({ ...inputs, 'max-failed-hosts': '1' }));
    u.connector.host('web-3').readiness = ['500'];
    u.connector.host('web-5').readiness = ['500'];
    const second = await u.go();
    expect(second.report.status).toBe('failed');
    expect(second.report.failedHost).toBe('web-5');
    expect(second.report.failedBatch).toBe(3);
  });
});

describe('batches: capacity across the hosts of a batch', () => {
  it('concurrent drains never leave fewer than min-healthy servers in rotation', async () => {
    const lb = new PoolLb(names(6));
    const t = setup(settingsFrom({ ...drainInputs(6), batches: '3', 'min-healthy': '3' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(lb.maxOut).toBe(3); // three at once (concurrent), never four
    expect(report.hosts.every((h) => h.phases.find((p) => p.name === 'drain')?.detail.match(/min-healthy 3/))).toBe(true);
  });

  it('counts and drains in one reservation: when a server goes down mid-run, the host that would breach min-healthy is refused, nothing drained', async () => {
    const lb = new PoolLb(names(6));
    const t = setup(settingsFrom({ ...drainInputs(6), batches: '3', 'min-healthy': '3' }), lb);
    // After preflight (6 healthy: a batch of 3 fits), web-6 goes down by another hand.
    t.connector.host('web-1').onCommand = (kind) => {
      if (kind === 'lock-acquire') lb.down.add('web-6');
    };
    const { report } = await t.go();
    // 6 servers, 1 down, min-healthy 3: two drains fit, a third would leave 2 besides it.
    expect(lb.maxOut).toBe(3); // web-6 down + two drained
    const refused = report.hosts.filter((h) => h.phases.some((p) => p.name === 'drain' && p.status === 'failed'));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.phases.find((p) => p.name === 'drain')?.detail).toMatch(
      /capacity guard: 2 other healthy servers in rotation, and min-healthy is 3; .* Nothing was drained/,
    );
    expect(lb.calls.filter((c) => c === `drain ${refused[0]?.name}`)).toEqual([]);
  });

  it('a batch larger than the pool allows is refused in preflight, naming the largest safe size; nothing is touched', async () => {
    const lb = new PoolLb(names(6));
    lb.down.add('web-6');
    const t = setup(settingsFrom({ ...drainInputs(6), batches: '1, 4', 'min-healthy': '2' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('batches');
    expect(report.failedPhase).toBe('preflight');
    expect(report.reason).toMatch(
      /^Input 'batches': a batch would drain 4 hosts at once, but fake lb has 5 healthy servers in rotation and min-healthy is 2, so the largest safe batch is 3\./,
    );
    expect(lb.calls.filter((c) => c.startsWith('drain'))).toEqual([]);
    expect(names(6).map((n) => t.connector.host(n).kinds.includes('lock-acquire'))).not.toContain(true);

    // The largest safe size passes.
    const ok = setup(settingsFrom({ ...drainInputs(6), batches: '1, 3', 'min-healthy': '2' }), new PoolLb(names(6)));
    expect((await ok.go()).report.status).toBe('success');
  });
});

describe('batches: cancellation with several hosts in flight', () => {
  it('every in-flight host stops at a safe point and is returned; the journal recorded each of them', async () => {
    const lb = new PoolLb(names(4));
    lb.stuck = true;
    const controller = new AbortController();
    const t = setup(settingsFrom({ ...drainInputs(4), batches: '3', 'drain-timeout': '60s' }), lb, controller.signal);
    const sleep = t.clock.sleep;
    t.clock.sleep = async (ms, signal) => {
      if (lb.drained.size === 3) controller.abort(new Error('the run was cancelled (SIGINT)'));
      return sleep(ms, signal);
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/cancelled \(SIGINT\)/);
    expect(lb.drained.size).toBe(0);
    for (const name of ['web-1', 'web-2', 'web-3']) {
      expect(t.connector.host(name).restarts).toBe(0);
      expect(t.journal.events).toContain(`drained ${name}`);
      expect(t.journal.events.indexOf(`returned ${name}`)).toBeGreaterThan(t.journal.events.indexOf(`drained ${name}`));
    }
    // All three were out at once before the cancel; the fourth host's batch never started.
    expect(lb.maxOut).toBe(3);
    expect(t.connector.host('web-4').kinds).not.toContain('lock-acquire');
    expect(report.hosts.map((h) => h.lbState)).toEqual(['in-service', 'in-service', 'in-service', 'in-service']);
  });
});

describe('batches: the progress line', () => {
  it('says where each host of the batch is', () => {
    const runs = ['web-4', 'web-5', 'web-6', 'web-7'].map((name) => new HostRun({ host: name, port: 22, user: 'root', name }));
    const [a, b, c, d] = runs as [HostRun, HostRun, HostRun, HostRun];
    a.current = { phase: 'drain', since: 0 };
    a.inFlight = 3;
    b.current = { phase: 'ready', since: 1000 };
    c.current = { phase: 'watch', since: 500 };
    d.status = 'success';
    expect(batchProgress(runs, 2, 6, 12_600)).toBe(
      'batch 2/6: web-4 draining 3 in flight, web-5 waiting for ready 12 s, web-6 watching 12 s, web-7 done',
    );
  });
});

describe('batches: the dry-run plan', () => {
  it('says the batches and puts each host in its batch; one at a time reads as before', async () => {
    const t = setup(settingsFrom({ ...reloadInputs(5), batches: '1, 3', 'dry-run': 'true' }));
    const { plan } = await t.go();
    expect(plan[0]).toMatch(
      /^Plan: 5 hosts in this order, in 3 batches of 1, 3, 1 \(the hosts of a batch at once; the next batch when all of them passed their watch; max-failed-hosts 0\); strategy auto/,
    );
    expect(plan.filter((l) => /^batch \d: web-\d \(/.test(l)).map((l) => l.slice(0, 14))).toEqual([
      'batch 1: web-1',
      'batch 2: web-2',
      'batch 2: web-3',
      'batch 2: web-4',
      'batch 3: web-5',
    ]);
    const serial = await setup(settingsFrom({ ...reloadInputs(2), 'dry-run': 'true' })).go();
    expect(serial.plan[0]).toMatch(/^Plan: 2 hosts in this order, one at a time; strategy auto/);
    expect(serial.plan[1]).toMatch(/^web-1 \(/);
  });
});
