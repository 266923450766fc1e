/**
 * The load balancer's connection is held for the whole run (lb/create.ts: a lease). When it ends on
 * the way (sshd restarted, a network blip past the keepalive), the next safe point makes it again:
 * the next host's lock step, before anything of that host changes, renewing the run's lock there;
 * and recovery, before it returns a drained host.
 */
import { describe, expect, it } from 'vitest';
import { RemoteHost } from '../../src/remote/remote-host';
import { regainLock } from '../../src/rollout/locks';
import { rollout } from '../../src/rollout/rollout';
import { ConnectionLease } from '../../src/transport/lease';
import { FakeClock, FakeConnector, FakeLb, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { target } from '../support/scripted-shell';
import { settingsFrom } from '../support/settings';

const LB = target('lb-1', '10.0.1.1');

async function setup(hosts = 3) {
  const connector = new FakeConnector();
  const lbConnector = new FakeConnector();
  const lease = new ConnectionLease(lbConnector, LB);
  await lease.acquire();
  const lb = new FakeLb();
  lb.lock = { remote: new RemoteHost(lease, false), name: 'lb.fake', label: 'fake lb' };
  const log = new RecordingLog();
  const settings = settingsFrom({
    hosts: Array.from({ length: hosts }, (_, i) => `- {host: 10.0.0.${i + 1}, name: web-${i + 1}}`).join('\n'),
    'host-key-check': 'off',
    'check-window': '0',
    strategy: 'drain-restart',
    lb: 'command',
    'drain-command': 'x {name}',
    'ready-command': 'y {name}',
  });
  const go = () =>
    rollout(settings, {
      connector,
      local: noLocal,
      clock: new FakeClock(),
      log,
      journal: new RecordingJournal(),
      signal: new AbortController().signal,
      owner: 'test run 1',
      openLoadBalancer: async () => lb,
    });
  const lbHost = lbConnector.host(LB.name);
  return { connector, lbConnector, lbHost, lb, log, go };
}

/** Ends the load balancer's current connection, as a restarted sshd would. */
const lost = (t: Awaited<ReturnType<typeof setup>>) => (): void => {
  const shell = t.lbConnector.shells.get(LB.name);
  if (shell) shell.lost = true;
};

describe("a load balancer connection lost between hosts is made again at the next host's lock step", () => {
  it('the next host connects again, renews the lock as this run, and the run completes', async () => {
    const t = await setup();
    // Dropped while web-1 restarts: the load balancer is not used again until web-1's return
    // (FakeLb's own calls need no connection), then at web-2's lock step.
    const drop = lost(t);
    t.connector.host('web-1').onCommand = (kind) => void (kind === 'systemctl-timed' && drop());
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    // Taken in preflight, renewed on the new connection, given back at the end.
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    expect(t.lbHost.kinds.at(-1)).toBe('lock-release');
    const web2Lock = report.hosts[1]?.phases.find((p) => p.name === 'lock');
    expect(web2Lock?.status).toBe('warning');
    expect(web2Lock?.detail).toMatch(/connection to the load balancer had been lost: connected again/);
    expect(t.log.warnings.join('\n')).toMatch(/web-2: the connection to the load balancer had been lost: connected again/);
  });

  it('another run took the lock meanwhile: the next host fails in lock, unchanged, and the hosts after it are untouched', async () => {
    const t = await setup();
    const drop = lost(t);
    t.connector.host('web-1').onCommand = (kind) => {
      if (kind !== 'systemctl-timed') return;
      drop();
      t.lbHost.lockHeldBy = 'octo/app run 78';
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(
      /connection to fake lb was lost and, by the time it was made again, the lock on fake lb is held by octo\/app run 78/,
    );
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    expect(t.lb.calls.filter((c) => c.includes('web-2') && c.startsWith('drain'))).toEqual([]);
    expect(t.connector.host('web-2').kinds.filter((k) => k.startsWith('systemctl'))).toEqual([]);
  });

  it('a connection that did not end is not made again', async () => {
    const t = await setup();
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1']);
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(1);
  });
});

describe('recovery makes a lost load balancer connection again before it returns a drained host', () => {
  it('the change failed and the connection had ended: connected again, and the host is returned', async () => {
    const t = await setup(1);
    const drop = lost(t);
    const web1 = t.connector.host('web-1');
    web1.onCommand = (kind) => void (kind === 'systemctl-timed' && drop());
    web1.lose['systemctl-timed'] = 1;
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedPhase).toBe('change');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(report.hosts[0]?.warnings.join('\n')).toMatch(/connected again to return the host/);
    expect(t.lb.calls).toContain('undrain web-1');
    expect(report.hosts[0]?.lbState).toBe('in-service');
  });
});

describe('regainLock', () => {
  it('does nothing on a live connection; on a lost one connects again and renews; a failed renewal throws', async () => {
    const lbConnector = new FakeConnector();
    const lease = new ConnectionLease(lbConnector, LB);
    await lease.acquire();
    const remote = new RemoteHost(lease, false);
    const lock = { name: 'lb.fake', label: 'fake lb' };
    expect(await regainLock(remote, lock, 'me', 60)).toBe(false);
    (lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    expect(await regainLock(remote, lock, 'me', 60)).toBe(true);
    expect(lbConnector.connects).toHaveLength(2);
    (lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    lbConnector.host(LB.name).lose['lock-acquire'] = 1;
    await expect(regainLock(remote, lock, 'me', 60)).rejects.toThrow(/could not renew the lock on fake lb/);
  });
});
