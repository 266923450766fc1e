/**
 * The load balancer's connection is held for the whole run (lb/create.ts: a lease). When it ends on
 * the way (sshd restarted, a network blip past the keepalive), the next safe point makes it again:
 * the next host's lock step, before anything of that host changes, renewing the run's lock there;
 * and recovery, before it takes a host out or puts it back. A lock another run holds meanwhile, or
 * one that ran out, is lost for good, and the run halts (rollout/lock-hold.ts).
 */
import { describe, expect, it } from 'vitest';
import type { SshTarget } from '../../src/transport/target';
import { RemoteHost } from '../../src/remote/remote-host';
import { LockHold, LockLostError, regainedNote, UnsentError } from '../../src/rollout/lock-hold';
import { ConnectionLease } from '../../src/transport/lease';
import { TransportError } from '../../src/transport/connection';
import { FakeConnector, FakeLb } from '../support/fakes';
import { target } from '../support/scripted-shell';
import { drainInputs, fakeRollout } from '../support/fake-rollout';
import { settingsFrom } from '../support/settings';

const LB = target('lb-1', '10.0.1.1');

/** A FakeLb whose every call goes over its SSH connection, as HAProxy's and nginx's do: it fails on a lost one. */
class ConnectedLb extends FakeLb {
  /** Checks right before it "writes" a drain, after its connection check, as HaproxyLb does once its session is open. */
  readonly checksBeforeSend = true;
  /** The exchanges that met a lost connection: `KIND HOST`. */
  refused: string[] = [];
  private use(kind = 'exchange', host = ''): void {
    if (!this.lock?.remote.connection.lost) return;
    this.refused.push(`${kind} ${host}`);
    throw new TransportError('connection-lost', 'the runtime API did not answer over SSH: connection closed');
  }
  /** Run as a drain or a return is asked, before it goes over the connection. */
  beforeDrain?: (host: string) => void;
  beforeReturn?: (host: string) => void;
  /** Where a count waits (only where a test asks for it) right before it goes over the connection. */
  countTurn?: (host: string) => Promise<void>;
  /** Run once the capacity guard has its count (before the drain is asked). */
  afterCount?: (host: string) => void;
  override async healthyOthers(host: SshTarget) {
    const others = await super.healthyOthers(host);
    this.afterCount?.(host.name);
    return others;
  }
  override async inFlight(host: SshTarget) {
    // An exchange takes a while: hosts of a batch have theirs under way together when a drop comes.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.countTurn) await this.countTurn(host.name);
    this.use('count', host.name);
    return super.inFlight(host);
  }
  /** Where a drain waits for its turn (as behind HAProxy's other questions) before it goes over the connection. */
  drainTurn?: (host: string) => Promise<void>;
  /** Drains held back unsent by the lock's check at the moment of sending. */
  heldBack: string[] = [];
  override async drain(host: SshTarget, beforeSend?: () => void) {
    this.beforeDrain?.(host.name);
    // Only where a test asks for one: an await more would shift the other tests' timing.
    if (this.drainTurn) await this.drainTurn(host.name);
    this.use('drain', host.name);
    // As HaproxyLb does: once the session is open, right before the question is written.
    this.check(host.name, beforeSend);
    await super.drain(host);
    // As HaproxyLb's second attempt after an answer lost: its session opened, then the check.
    if (this.answerLost?.(host.name)) this.check(host.name, beforeSend);
  }
  private check(host: string, beforeSend?: () => void): void {
    try {
      beforeSend?.();
    } catch (err) {
      this.heldBack.push(host);
      throw err;
    }
  }
  /** After a drain was applied: true to lose its answer and try once more (the hook may drop the connection first). */
  answerLost?: (host: string) => boolean;
  /** Runs once a host is back in rotation (before the next host's lock step). */
  afterReturn?: (host: string) => void;
  override async undrain(host: SshTarget) {
    this.beforeReturn?.(host.name);
    this.use('return', host.name);
    await super.undrain(host);
    this.afterReturn?.(host.name);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `done`, failing at its own deadline (well inside the test's). */
const until = async (what: string, done: () => boolean): Promise<void> => {
  for (const stop = Date.now() + 1500; !done(); await sleep(5)) if (Date.now() > stop) throw new Error(`timed out: ${what}`);
};

/** `fn` the first time it is called for `host`. */
const onceFor =
  (host: string, fn: () => void): ((name: string) => void) =>
  (name) => {
    if (name !== host) return;
    host = '';
    fn();
  };

async function setup(hosts = 3, extra: Record<string, string> = {}) {
  const lbConnector = new FakeConnector();
  const lease = new ConnectionLease(lbConnector, LB);
  await lease.acquire();
  const lb = new ConnectedLb();
  lb.lock = { remote: new RemoteHost(lease, false), name: 'lb.fake', label: 'fake lb' };
  const { connector, log, journal, go } = fakeRollout(settingsFrom({ ...drainInputs(hosts), ...extra }), lb);
  const lbHost = lbConnector.host(LB.name);
  /** Ends the load balancer's current connection, as a restarted sshd would. */
  const dropLb = (): void => {
    const shell = lbConnector.shells.get(LB.name);
    if (shell) shell.lost = true;
  };
  /** The connection ends, and another run takes the load balancer's lock meanwhile. */
  const dropAndTake = (): void => {
    dropLb();
    lbHost.lockHeldBy = 'octo/app run 78';
  };
  return { connector, lbConnector, lbHost, lb, log, journal, go, dropLb, dropAndTake };
}

/** Runs `fn` the first time web-1 restarts its service (mid-turn; the load balancer is next used at its return). */
const atWeb1Restart = (t: Awaited<ReturnType<typeof setup>>, fn: () => void): void => {
  let done = false;
  t.connector.host('web-1').onCommand = (kind) => {
    if (kind !== 'systemctl-timed' || done) return;
    done = true;
    fn();
  };
};

describe("a load balancer connection lost between hosts is made again at the next host's lock step", () => {
  it('the next host connects again, renews the lock as this run, and the run completes', async () => {
    const t = await setup();
    t.lb.afterReturn = (host) => void (host === 'web-1' && t.dropLb());
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    // Taken in preflight, renewed on the new connection (kept=1), given back at the end.
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    expect(t.lbHost.kinds.at(-1)).toBe('lock-release');
    const web2Lock = report.hosts[1]?.phases.find((p) => p.name === 'lock');
    expect(web2Lock?.status).toBe('warning');
    expect(web2Lock?.detail).toBe(
      'locked for test run 1; the connection to the load balancer had been lost: connected again, and its lock renewed',
    );
    expect(t.log.warnings.join('\n')).toMatch(/web-2: the connection to the load balancer had been lost: connected again/);
    expect(t.lb.calls.filter((c) => c.startsWith('drain') || c.startsWith('undrain'))).toEqual([
      'drain web-1',
      'undrain web-1',
      'drain web-2',
      'undrain web-2',
      'drain web-3',
      'undrain web-3',
    ]);
  });

  it('another run took the lock meanwhile: the next host fails in lock, unchanged, and the run halts even with max-failed-hosts', async () => {
    const t = await setup(3, { 'max-failed-hosts': '1' });
    t.lb.afterReturn = (host) => {
      if (host !== 'web-1') return;
      t.dropAndTake();
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/^this run lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    expect(report.hosts[1]?.phases.find((p) => p.name === 'lock')?.status).toBe('failed');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    expect(t.lb.calls.filter((c) => /web-[23]/.test(c))).toEqual([]);
    expect(t.connector.host('web-2').kinds.filter((k) => k.startsWith('systemctl'))).toEqual([]);
    expect(t.connector.host('web-3').kinds.filter((k) => k.startsWith('systemctl'))).toEqual([]);
  });

  it('the lock was gone when renewed (no kept=1: its host restarted, or another run took it and gave it back): lost for good as well', async () => {
    const t = await setup();
    t.lb.afterReturn = (host) => {
      if (host !== 'web-1') return;
      t.dropLb();
      t.lbHost.locksHeld.clear();
    };
    const { report } = await t.go();
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(/lost the lock on fake lb: it was gone when renewed/);
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
  });

  it('a reconnect that fails fails that host; the next safe point tries again and verifies the lock before anything relies on it', async () => {
    const t = await setup(3, { 'max-failed-hosts': '1' });
    t.lb.afterReturn = (host) => {
      if (host !== 'web-1') return;
      t.dropLb();
      t.lbHost.connectError = new TransportError('timeout', 'lb-1 unreachable: connect timed out');
    };
    // By web-3's lock step the load balancer answers again, but another run holds the lock now.
    t.connector.host('web-2').onCommand = (kind) => {
      if (kind !== 'lock-release') return;
      t.lbHost.connectError = null;
      t.lbHost.lockHeldBy = 'octo/app run 78';
    };
    const { report } = await t.go();
    expect(report.hosts[1]?.phases.find((p) => p.name === 'lock')?.detail).toBe(
      'lb-1 unreachable: connect timed out (on reconnecting: the connection had been lost)',
    );
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'failed']);
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    expect(report.reason).toMatch(/lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    expect(t.lb.calls.filter((c) => /web-[23]/.test(c))).toEqual([]);
  });

  it('a connection that did not end is not made again', async () => {
    const t = await setup();
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1']);
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(1);
  });
});

describe('a load balancer connection that drops under a drain or a return is made again, and the exchange asked again', () => {
  it('under web-2’s drain: connected again, the lock renewed, the drain asked again; the run completes', async () => {
    const t = await setup();
    t.lb.repeatable = true;
    const asked: string[] = [];
    const drop = onceFor('web-2', t.dropLb);
    t.lb.beforeDrain = (host) => {
      asked.push(`${host} after ${t.lbHost.kinds.filter((k) => k === 'lock-acquire').length} lock-acquire`);
      drop(host);
    };
    const { report } = await t.go();
    // Asked again only once the lock was renewed on the new connection.
    expect(asked).toEqual([
      'web-1 after 1 lock-acquire',
      'web-2 after 1 lock-acquire',
      'web-2 after 2 lock-acquire',
      'web-3 after 2 lock-acquire',
    ]);
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    const drain = report.hosts[1]?.phases.find((p) => p.name === 'drain');
    expect(drain?.status).toBe('warning');
    expect(drain?.detail).toMatch(/the connection to fake lb dropped under it: connected again, the lock renewed, and asked again/);
    expect(t.lb.calls.filter((c) => /^(un)?drain /.test(c))).toEqual([
      'drain web-1',
      'undrain web-1',
      'drain web-2',
      'undrain web-2',
      'drain web-3',
      'undrain web-3',
    ]);
    expect(report.hosts.map((h) => h.lbState)).toEqual(['in-service', 'in-service', 'in-service']);
  });

  it('under web-1’s return: asked again over the new connection; the run completes', async () => {
    const t = await setup();
    t.lb.repeatable = true;
    t.lb.beforeReturn = onceFor('web-1', t.dropLb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(report.hosts[0]?.phases.find((p) => p.name === 'return')?.detail).toMatch(/dropped under it: connected again/);
    expect(t.log.warnings.join('\n')).toMatch(/web-1: the connection to fake lb dropped under it/);
  });

  it('two hosts of a batch whose counts meet the same drop: one connection made again, one renewal, both go on', async () => {
    const t = await setup(2, { batches: '2' });
    t.lb.repeatable = true;
    // Both hosts' first counts are under way when the connection drops: the second to arrive drops
    // it and releases both, whose checks then run one after the other before anything else can (a
    // regain takes more than one turn of the queue). Without the barrier, whether web-1's count met
    // the drop or the connection made again hung on timers.
    const counting = new Set<string>();
    let release = (): void => undefined;
    const both = new Promise<void>((resolve) => (release = resolve));
    t.lb.countTurn = async (host) => {
      if (counting.has(host)) return;
      counting.add(host);
      if (counting.size === 2) {
        t.dropLb();
        release();
      }
      await both;
    };
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'success']);
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    // Which of the two arrived first is the scheduler's: both met the drop, and nothing else did.
    expect([...t.lb.refused].sort()).toEqual(['count web-1', 'count web-2']);
    for (const host of report.hosts) expect(host.phases.find((p) => p.name === 'drain')?.detail).toMatch(/dropped under it/);
  });

  it('under the operator check before a return, with the lock taken meanwhile: the return stops, nothing asked over the new connection', async () => {
    const t = await setup(2);
    t.lb.repeatable = true;
    const drop = onceFor('web-1', t.dropAndTake);
    const states: string[] = [];
    t.lb.operatorMaintenance = async (host) => {
      drop(host.name);
      states.push(`${host.name} ${t.lb.lock?.remote.connection.lost ? 'lost' : 'live'}`);
      if (t.lb.lock?.remote.connection.lost)
        throw new TransportError('connection-lost', 'the runtime API did not answer over SSH: connection closed');
      return null;
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    const ret = report.hosts[0]?.phases.find((p) => p.name === 'return');
    expect(ret?.status).toBe('failed');
    expect(ret?.detail).toMatch(/lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    expect(report.hosts[1]?.status).toBe('skipped');
    // Recovery (the lock lost, the run halting) still puts the healthy host back, over the live new connection, once.
    expect(states).toEqual(['web-1 lost', 'web-1 live']);
    expect(t.lb.calls.filter((c) => c === 'undrain web-1')).toHaveLength(1);
    expect(report.hosts[0]?.lbState).toBe('in-service');
  });

  it('the connection dropped after the capacity count and cannot be made again: the drain was never sent, so nothing is assumed drained', async () => {
    const t = await setup();
    t.lb.repeatable = true;
    t.lb.afterCount = onceFor('web-2', () => {
      t.dropLb();
      t.lbHost.connectError = new TransportError('timeout', 'lb-1 unreachable: connect timed out');
    });
    const { report } = await t.go();
    expect([report.failedHost, report.failedPhase]).toEqual(['web-2', 'drain']);
    expect(report.reason).toMatch(/lb-1 unreachable: connect timed out/);
    expect(t.lb.calls).not.toContain('drain web-2');
    expect(t.log.warnings.join('\n')).not.toMatch(/drain's answer was lost/);
    expect(report.hosts[1]?.lbState).toBe('in-service');
  });

  it('a drain that waits its turn while the connection is made again, and another run took the lock: never sent over the new connection', async () => {
    const t = await setup(2, { batches: '2' });
    t.lb.repeatable = true;
    // web-1 keeps asking its in-flight count: the exchange that meets the drop and makes the connection again.
    t.lb.stuck = true;
    // The renewal on the new connection takes a while: the window the waiting drain's turn falls in.
    t.lbHost.delays['lock-acquire'] = 30;
    t.lb.beforeDrain = onceFor('web-2', t.dropAndTake);
    t.lb.drainTurn = async (host) => {
      if (host === 'web-2') await until('the connection made again', () => t.lbConnector.connects.length === 2);
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/this run lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    // The turn came on the new connection, before the lock was renewed on it: held back, never sent.
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(t.lb.calls).not.toContain('drain web-2');
    expect(t.lb.heldBack).toEqual(['web-2']);
    expect(report.hosts[1]?.lbState).toBe('in-service');
    expect(t.log.warnings.join('\n')).not.toMatch(/web-2: the drain's answer was lost/);
    // Journaled as it was asked, and undone: a post step would otherwise put it "back" in a pool another run now holds.
    expect(t.journal.events.filter((e) => /^(drained|returned) web-2/.test(e))).toEqual(['drained web-2', 'returned web-2']);
  });

  it('a drain that waits its turn while the connection is made again, the lock still this run’s: held back, then sent once renewed', async () => {
    const t = await setup(2, { batches: '2' });
    t.lb.repeatable = true;
    t.lbHost.delays['lock-acquire'] = 30;
    t.lb.beforeDrain = onceFor('web-2', t.dropLb);
    t.lb.drainTurn = async (host) => {
      if (host === 'web-2') await until('the connection made again', () => t.lbConnector.connects.length === 2);
    };
    t.lb.inFlightStart = 0;
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(t.lb.heldBack).toEqual(['web-2']);
    expect(t.lb.calls.filter((c) => c === 'drain web-2')).toHaveLength(1);
    // Sent after the renewal on the new connection: the second lock-acquire was answered first.
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(2);
    const drain = report.hosts[1]?.phases.find((p) => p.name === 'drain');
    expect(drain?.status).toBe('warning');
    expect(drain?.detail).toMatch(
      /; the connection to the load balancer had been lost: connected again, and its lock renewed; held back until then, and then asked$/,
    );
  });

  it('a drain sent whose answer was lost, its second try held back: counted as drained, and put back', async () => {
    const t = await setup(3, { 'max-failed-hosts': '1' });
    t.lb.repeatable = true;
    let once = true;
    t.lb.answerLost = (host) => {
      if (host !== 'web-2' || !once) return false;
      once = false;
      t.dropAndTake();
      return true;
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/this run lost the lock on fake lb/);
    expect(t.lb.heldBack).toEqual(['web-2']);
    expect(t.lb.calls.filter((c) => /^(un)?drain web-2$/.test(c))).toEqual(['drain web-2', 'undrain web-2']);
    expect(t.log.warnings.join('\n')).toMatch(/web-2: the drain's answer was lost/);
    expect(report.hosts[1]?.lbState).toBe('in-service');
  });

  it('another run took the lock meanwhile: nothing is asked again, and the run halts naming the load balancer', async () => {
    const t = await setup(3, { 'max-failed-hosts': '1' });
    t.lb.repeatable = true;
    t.lb.beforeDrain = onceFor('web-2', t.dropAndTake);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    expect(report.reason).toMatch(/this run lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    expect(t.lb.calls).not.toContain('drain web-2');
    expect(t.connector.host('web-2').kinds.filter((k) => k.startsWith('systemctl'))).toEqual([]);
    expect(report.hosts[2]?.status).toBe('skipped');
    // Never sent (its connection had ended): not counted as drained, so not "put back" in a pool another run holds.
    expect(t.lb.calls).not.toContain('undrain web-2');
    expect(t.log.warnings.join('\n')).not.toMatch(/web-2: the drain's answer was lost/);
    expect(report.hosts[1]?.lbState).toBe('in-service');
  });

  it('a load balancer whose exchanges are not safe to repeat (a user’s commands): the host fails, as before, left in service', async () => {
    const t = await setup();
    t.lb.beforeDrain = onceFor('web-2', t.dropLb);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect([report.failedHost, report.failedPhase]).toEqual(['web-2', 'drain']);
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
    expect(report.hosts[1]?.phases.find((p) => p.name === 'drain')?.status).toBe('failed');
    expect(t.connector.host('web-2').kinds.filter((k) => k.startsWith('systemctl'))).toEqual([]);
    expect(report.hosts[1]?.lbState).toBe('in-service');
  });
});

describe('a lock lost while the last host rolls fails the run', () => {
  it('recovery finds it (the last host failed, tolerated by max-failed-hosts): the run fails, naming the lock', async () => {
    const t = await setup(2, { 'max-failed-hosts': '1' });
    const web2 = t.connector.host('web-2');
    web2.lose['systemctl-timed'] = 1;
    web2.onCommand = (kind) => {
      if (kind !== 'systemctl-timed') return;
      t.dropAndTake();
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('load balancer (root@10.0.1.1:22)');
    expect(report.reason).toMatch(/this run lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/);
    expect(report.hosts[1]?.warnings.join('\n')).toMatch(/lost the lock on fake lb.*recovery goes on without it/);
    expect(t.log.warnings.join('\n')).toMatch(/load balancer: this run lost the lock on fake lb.*; the run halts/);
  });
});

describe('recovery makes a lost load balancer connection again before it uses it', () => {
  it('the change failed and the connection had ended: connected again, and the healthy host is put back', async () => {
    const t = await setup(1);
    atWeb1Restart(t, t.dropLb);
    t.connector.host('web-1').lose['systemctl-timed'] = 1;
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedPhase).toBe('change');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(report.hosts[0]?.warnings.join('\n')).toMatch(/the connection to the load balancer had been lost: connected again/);
    expect(t.lb.calls).toContain('undrain web-1');
    expect(report.hosts[0]?.lbState).toBe('in-service');
  });

  it('a host failing its watch is taken out over the connection made again', async () => {
    const t = await setup(1, { 'check-window': '30s', 'min-requests': '20' });
    const web1 = t.connector.host('web-1');
    web1.trafficPerRead = Array(10).fill('10.0.0.9 - - [25/Nov/2026:12:00:01 +0000] "GET / HTTP/1.1" 500 12 "-" "wrk"');
    // The connection drops once web-1 is back in rotation, before its watch trips.
    web1.onCommand = (kind) => void (kind === 'log-read' && t.dropLb());
    const { report } = await t.go();
    expect(report.failedPhase, report.reason).toBe('watch');
    expect(t.lbConnector.connects).toEqual(['lb-1', 'lb-1']);
    expect(t.lb.calls.filter((c) => c === 'drain web-1')).toHaveLength(2);
    expect(report.hosts[0]?.lbState).toBe('drained');
  });
});

/** The load balancer's lock held by `me` over a lease, as preflight leaves it; `lost`: what the hold told the run. */
async function held() {
  const lbConnector = new FakeConnector();
  const lease = new ConnectionLease(lbConnector, LB);
  await lease.acquire();
  const lbHost = lbConnector.host(LB.name);
  lbHost.locksHeld.set('lb.fake', 'me');
  const lost: string[] = [];
  const hold = new LockHold(new RemoteHost(lease, false), { name: 'lb.fake', label: 'fake lb' }, 'me', 60, (m) => lost.push(m));
  return { lbConnector, lbHost, hold, lost };
}

describe('LockHold: the heartbeat', () => {
  it('a loss it sees is told once (the run halts there), and every later check throws', async () => {
    const t = await held();
    t.lbHost.lockHeldBy = 'octo/app run 78';
    const problems: string[] = [];
    t.hold.keep(10, (p) => problems.push(p));
    await sleep(60);
    await t.hold.stop();
    expect(t.lost).toEqual([expect.stringMatching(/^this run lost the lock on fake lb: the lock on fake lb is held by octo\/app run 78/)]);
    expect(problems).toEqual([]);
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(1);
    await expect(t.hold.regain()).rejects.toThrow(/this run lost the lock/);
  });

  it('a renewal that failed (not a loss) makes the next safe point renew before going on, said as a renewal, not a lost connection', async () => {
    const t = await held();
    t.lbHost.lose['lock-acquire'] = 1;
    const problems: string[] = [];
    t.hold.keep(10, (p) => problems.push(p));
    await sleep(15);
    await t.hold.stop();
    // Why, in words: not the exit status a dropped channel does not have ("exit null").
    expect(problems[0]).toMatch(/^could not renew the lock on fake lb: the SSH connection dropped during "lock [^"]+"/);
    const before = t.lbHost.kinds.filter((k) => k === 'lock-acquire').length;
    const regained = await t.hold.regain();
    expect(regained).toBe('renewed');
    expect(regainedNote(regained)).toBe('an earlier renewal of the load balancer lock had failed: renewed now');
    expect(t.lbHost.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(before + 1);
    expect(await t.hold.regain()).toBeNull();
  });

  it('the same failed renewal, beat after beat, is reported once; again after a renewal succeeded in between', async () => {
    const t = await held();
    const problems: string[] = [];
    const said = (re: RegExp): number => problems.filter((p) => re.test(p)).length;
    t.lbHost.lose['lock-acquire'] = 3;
    t.hold.keep(10, (p) => problems.push(p));
    await until('the first renewal after three failures', () => said(/renewed now/) === 1);
    t.lbHost.lose['lock-acquire'] = 1;
    await until('the second', () => said(/renewed now/) === 2);
    await t.hold.stop();
    // Three failures in a row: one report. A renewal succeeded, so the next failure is told again.
    expect(said(/could not renew/)).toBe(2);
    expect(t.lbHost.lose['lock-acquire']).toBe(0);
  });

  it('a renewal by someone else (a host’s lock step) counts too: the same failure after it is told again', async () => {
    const t = await held();
    const problems: string[] = [];
    const failures = (): number => problems.filter((p) => /could not renew/.test(p)).length;
    t.lbHost.lose['lock-acquire'] = 1000;
    t.hold.keep(10, (p) => problems.push(p));
    await until('a failure', () => failures() === 1);
    await sleep(40);
    expect(failures()).toBe(1);
    t.lbHost.lose['lock-acquire'] = 0;
    await t.hold.renew();
    t.lbHost.lose['lock-acquire'] = 1000;
    await until('the failure told again', () => failures() === 2);
    await t.hold.stop();
  });
});

describe('LockHold: the heartbeat joining a regain a host started', () => {
  it('leaves it to that host to say (once), instead of saying it again in the log', async () => {
    const t = await held();
    (t.lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    t.lbHost.delays['lock-acquire'] = 200;
    const problems: string[] = [];
    const byHost = t.hold.regain();
    // Whether each of the heartbeat's regains found one under way (it must have joined the host's).
    const joined: boolean[] = [];
    const regain = t.hold.regain.bind(t.hold);
    t.hold.regain = () => (joined.push((t.hold as unknown as { regaining: unknown }).regaining !== null), regain());
    t.hold.keep(10, (p) => problems.push(p));
    expect(await byHost).toBe('reconnected');
    await t.hold.stop();
    expect(joined[0]).toBe(true);
    expect(problems).toEqual([]);
    expect(t.lbConnector.connects).toHaveLength(2);
  });
});

describe('LockHold.regain', () => {
  it('a reconnect whose connect failed is still said as a reconnect when the next safe point makes it (a lease with no connection no longer reads as lost)', async () => {
    const t = await held();
    (t.lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    t.lbHost.connectError = new TransportError('unreachable', 'lb-1 unreachable: connection refused');
    await expect(t.hold.regain()).rejects.toThrow(/lb-1 unreachable/);
    t.lbHost.connectError = null;
    const regained = await t.hold.regain();
    expect(regained).toBe('reconnected');
    expect(regainedNote(regained)).toMatch(/had been lost: connected again, and its lock renewed/);
    expect(await t.hold.regain()).toBeNull();
  });

  it('does nothing on a live connection; on a lost one connects again and renews; a failed renewal throws and is retried next time', async () => {
    const { lbConnector, hold } = await held();
    expect(await hold.regain()).toBeNull();
    (lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    expect(await hold.regain()).toBe('reconnected');
    expect(lbConnector.connects).toHaveLength(2);
    (lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    lbConnector.host(LB.name).lose['lock-acquire'] = 1;
    await expect(hold.regain()).rejects.toThrow(/could not renew the lock on fake lb/);
    // Not verified yet, though the new connection is live: renewed at the next safe point, and
    // still said as a reconnect (no renewal has verified a connection since the drop).
    expect(await hold.regain()).toBe('reconnected');
    expect(lbConnector.connects).toHaveLength(3);
    expect(lbConnector.host(LB.name).kinds.filter((k) => k === 'lock-acquire')).toHaveLength(3);
  });
});

describe('LockHold.sendable: a drain goes out only over a connection the lock was renewed on', () => {
  const sendable = (hold: LockHold): string => {
    try {
      hold.sendable();
      return 'sendable';
    } catch (err) {
      return err instanceof LockLostError ? 'lost' : err instanceof UnsentError ? 'unsent' : `other: ${String(err)}`;
    }
  };

  it('yes while the lock is renewed on a live connection; no once it ended, while it is made again, and until the renewal on the new one', async () => {
    const t = await held();
    expect(sendable(t.hold)).toBe('sendable');
    // A regain with nothing to do (each host's lock step, each heartbeat) holds nothing back.
    const idle = t.hold.regain();
    expect(sendable(t.hold)).toBe('sendable');
    expect(await idle).toBeNull();
    (t.lbConnector.shells.get(LB.name) as { lost: boolean }).lost = true;
    expect(sendable(t.hold)).toBe('unsent');
    t.lbHost.delays['lock-acquire'] = 20;
    const regain = t.hold.regain();
    expect(sendable(t.hold)).toBe('unsent');
    await until('connected again', () => t.lbConnector.connects.length === 2);
    // The new connection is live, and the renewal on it not yet answered.
    expect(t.hold.remote.connection.lost).toBe(false);
    expect(sendable(t.hold)).toBe('unsent');
    expect(await regain).toBe('reconnected');
    expect(sendable(t.hold)).toBe('sendable');
  });

  it('no after a failed renewal, until one succeeds; and never again once the lock is lost', async () => {
    const t = await held();
    t.lbHost.lose['lock-acquire'] = 1;
    const problems: string[] = [];
    t.hold.keep(10, (p) => problems.push(p));
    await until('a failed renewal', () => problems.length === 1);
    await t.hold.stop();
    expect(sendable(t.hold)).toBe('unsent');
    expect(await t.hold.regain()).toBe('renewed');
    expect(sendable(t.hold)).toBe('sendable');
    t.lbHost.lockHeldBy = 'octo/app run 78';
    await expect(t.hold.renew()).rejects.toBeInstanceOf(LockLostError);
    expect(sendable(t.hold)).toBe('lost');
  });
});
