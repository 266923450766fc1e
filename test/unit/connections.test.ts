/**
 * Connections at scale, against the fakes: preflight holds at most preflight-concurrency
 * connections at once and releases each host's; a host's turn connects again and releases after.
 */
import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout';
import { ConnectionLease } from '../../src/transport/lease';
import { TransportError } from '../../src/transport/connection';
import { FakeConnector, fakeDeps } from '../support/fakes';
import { settingsFrom } from '../support/settings';
import { target } from '../support/scripted-shell';

const hosts = (n: number): string =>
  Array.from({ length: n }, (_, i) => `- {host: 10.0.${i >> 8}.${i & 255}, name: web-${i + 1}}`).join('\n');

function go(n: number, extra: Record<string, string> = {}) {
  const connector = new FakeConnector();
  const settings = settingsFrom({ hosts: hosts(n), 'host-key-check': 'off', 'check-window': '0', ...extra });
  return { connector, run: () => rollout(settings, fakeDeps({ connector })) };
}

describe('connections held during a rollout', () => {
  it('preflight holds at most preflight-concurrency connections (and the first host, kept for its turn); a turn holds its own host, the next (its lock taken ahead) and the last one while it is given back', async () => {
    const t = go(40, { 'preflight-concurrency': '4' });
    // What is open while a host takes its lock (the first command of its turn).
    const openAtTurn: number[] = [];
    for (let i = 1; i <= 40; i++)
      t.connector.host(`web-${i}`).onCommand = (kind) => kind === 'lock-acquire' && openAtTurn.push(t.connector.open);
    const { report } = await t.run();
    expect(report.status).toBe('success');
    expect(t.connector.peakOpen).toBeGreaterThan(1);
    expect(t.connector.peakOpen).toBeLessThanOrEqual(4 + 1);
    // Bounded by the turn overlap (rollout/overlap.ts), not by the fleet: 40 hosts, at most 3 open.
    // web-1's lock is tried during preflight (lockEarly), within preflight's own bound.
    expect(openAtTurn).toHaveLength(40);
    expect(openAtTurn[0]).toBeLessThanOrEqual(4 + 1);
    expect(Math.max(...openAtTurn.slice(1))).toBeLessThanOrEqual(3);
    expect(t.connector.open).toBe(0);
    // One connection in preflight and one for the turn, per host; the first host's turn uses its preflight connection.
    expect(t.connector.connects).toHaveLength(79);
    expect(t.connector.connects.filter((c) => c === 'web-1')).toHaveLength(1);
  });

  it("the first host's connection, kept since preflight, has ended by its turn: the turn connects again and the host rolls", async () => {
    // web-3's preflight runs after web-1's (one at a time): web-1's kept connection drops then.
    const t = go(3, { 'preflight-concurrency': '1' });
    t.connector.host('web-3').onCommand = (kind) => {
      const kept = t.connector.shells.get('web-1');
      if (kind === 'inspect-unit' && kept) kept.lost = true;
    };
    const { report } = await t.run();
    expect(report.status, JSON.stringify(report.hosts[0]?.phases)).toBe('success');
    expect(t.connector.connects.filter((c) => c === 'web-1')).toHaveLength(2);
    expect(t.connector.open).toBe(0);
  });

  it('a host that cannot be reached for its turn fails in lock with the transport message; later hosts are untouched', async () => {
    const t = go(3);
    // Reachable in preflight; refused when it is connected again for its turn (the host key
    // changed meanwhile): its lock, taken ahead during web-1's turn, is where that shows.
    t.connector.host('web-2').onCommand = () => {
      t.connector.host('web-2').connectError = new TransportError('host-key', 'Host key verification failed for web-2');
    };
    // What web-3 had run by the time the first turn began (preflight is over for every host then).
    let web3Preflight: number | undefined;
    t.connector.host('web-1').onCommand = (kind) => {
      if (kind === 'lock-acquire') web3Preflight ??= t.connector.host('web-3').kinds.length;
    };
    const { report } = await t.run();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toBe('Host key verification failed for web-2 (on reconnecting: the connection made in preflight was released)');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    // web-3's lock may have been taken ahead (it changes nothing web-3 serves); it is given back.
    const web3 = t.connector.host('web-3').kinds.filter((k) => k.startsWith('lock-'));
    expect(web3.filter((k) => k === 'lock-acquire').length).toBe(web3.filter((k) => k === 'lock-release').length);
    expect(web3Preflight).toBeGreaterThan(0);
    expect(
      t.connector
        .host('web-3')
        .kinds.slice(web3Preflight)
        .filter((k) => !k.startsWith('lock-')),
    ).toEqual([]);
    expect(t.connector.open).toBe(0);
  });
});

describe('ConnectionLease', () => {
  it('shares one connect between concurrent uses, reconnects only after release, refuses after close', async () => {
    const connector = new FakeConnector();
    const lease = new ConnectionLease(connector, target('web-1'));
    await Promise.all([lease.acquire(), lease.acquire()]);
    expect(connector.connects).toEqual(['web-1']);
    await lease.release();
    expect(lease.held).toBe(false);
    expect(connector.open).toBe(0);
    await lease.acquire();
    expect(connector.connects).toEqual(['web-1', 'web-1']);
    await lease.close();
    expect(connector.open).toBe(0);
    await expect(lease.acquire()).rejects.toThrow(/was closed/);
  });

  it('a failed connect leaves nothing held, and the next use tries again', async () => {
    const connector = new FakeConnector();
    connector.host('web-1').connectError = new TransportError('unreachable', 'Cannot connect to web-1');
    const lease = new ConnectionLease(connector, target('web-1'));
    await expect(lease.acquire()).rejects.toThrow('Cannot connect to web-1');
    expect(lease.held).toBe(false);
    connector.host('web-1').connectError = null;
    await lease.acquire();
    expect(connector.open).toBe(1);
    await lease.close();
  });
});
