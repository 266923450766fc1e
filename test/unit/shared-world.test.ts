import { describe, expect, it } from 'vitest';
import { parseServersState } from '../../src/lb/haproxy';
import { RemoteHost } from '../../src/remote/remote-host';
import { LockHold } from '../../src/rollout/lock-hold';
import { acquireRecorded, LockedError } from '../../src/rollout/locks';
import { lockAcquire } from '../../src/remote/commands/locks';
import { reconcile } from '../../src/rollout/reconcile';
import { runOwner } from '../../src/runtime/owner';
import { FakeClock, FakeConnector, FakeHost, FakeLb, FakeShell, noLocal, RecordingJournal } from '../support/fakes';
import { drainInputs, fakeHostsYaml, fakeRollout } from '../support/fake-rollout';
import { settingsFrom } from '../support/settings';

// Issue 13: runs that overlap, locks that outlive runs, operators, and unclear answers.

const target = (i: number) => ({ host: `10.0.0.${i}`, port: 22, user: 'root', name: `web-${i}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const setup = fakeRollout;

/** The TTL (last argument) of each lock command sent. */
const ttls = (host: FakeHost): number[] =>
  host.lockCommands.filter((c) => c.includes('lock.new')).map((c) => Number(/ (\d+)$/.exec(c)?.[1]));

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

describe('a host lock outlives its turn', () => {
  it("counts the unit's own stop timeout (a restart waits for it): a 30 min TimeoutStopSec adds twice its excess over systemd's default", async () => {
    const ttlFor = async (timeoutStop: string): Promise<number> => {
      const t = setup(settingsFrom(drainInputs(1)), new FakeLb());
      t.connector.host('web-1').timeoutStopUSec = timeoutStop;
      const { report } = await t.go();
      expect(report.status, report.reason).toBe('success');
      return ttls(t.connector.host('web-1'))[0] ?? 0;
    };
    const usual = await ttlFor('1min 30s');
    expect(await ttlFor('30min')).toBe(usual + 2 * (1800 - 90));
  });
});

describe("the load balancer's lock (item 8)", () => {
  it('has a short TTL, however many hosts the run has', async () => {
    const lbHost = new FakeHost('lb');
    const lb = new FakeLb();
    lb.lock = { remote: new RemoteHost(new FakeShell(target(99), lbHost), false), name: 'lb.fake', label: 'fake lb' };
    const t = setup(settingsFrom(drainInputs(20)), lb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(ttls(lbHost).length).toBeGreaterThan(0);
    for (const ttl of ttls(lbHost)) expect(ttl).toBeLessThanOrEqual(600);
  });

  it('is renewed by a heartbeat until the run stops it; a lock seen held by another run is lost for good, reported once', async () => {
    const lbHost = new FakeHost('lb');
    const remote = new RemoteHost(new FakeShell(target(99), lbHost), false);
    const lock = { name: 'lb.fake', label: 'fake lb' };
    await remote.run(lockAcquire(lock.name, 'test run 1', 180, 1000));
    const problems: string[] = [];
    const lost: string[] = [];
    const hold = new LockHold(remote, lock, 'test run 1', 180, (m) => lost.push(m));
    hold.keep(50, (p) => problems.push(p));
    await sleep(180);
    const renewed = ttls(lbHost).length;
    expect(renewed).toBeGreaterThanOrEqual(2);
    expect(ttls(lbHost).every((ttl) => ttl === 180)).toBe(true);
    await hold.stop();
    await sleep(150);
    expect(ttls(lbHost).length).toBe(renewed);
    expect(problems).toEqual([]);
    lbHost.lockHeldBy = 'someone else';
    hold.keep(20, (p) => problems.push(p));
    await sleep(80);
    await hold.stop();
    expect(problems).toEqual([]);
    expect(lost).toEqual([expect.stringMatching(/^this run lost the lock on fake lb: the lock on fake lb is held by someone else/)]);
    lbHost.lockHeldBy = '';
    await expect(hold.regain()).rejects.toThrow(/this run lost the lock on fake lb/);
  });

  it("the load balancer's lock goes back while the last host's release is still running, and both are confirmed", async () => {
    const lbHost = new FakeHost('lb');
    const lb = new FakeLb();
    lb.lock = { remote: new RemoteHost(new FakeShell(target(99), lbHost), false), name: 'lb.fake', label: 'fake lb' };
    const t = setup(settingsFrom(drainInputs(2)), lb);
    const last = t.connector.host('web-2');
    last.delays['lock-release'] = 150;
    const started: Record<string, number> = {};
    last.onCommand = (kind) => void (kind === 'lock-release' && (started.host = Date.now()));
    lbHost.onCommand = (kind) => void (kind === 'lock-release' && (started.lb = Date.now()));
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(started.lb! - started.host!).toBeLessThan(75);
    // Both confirmed (journalled as given back): web-2's connection was not closed under its release.
    expect(t.journal.events.filter((e) => e.startsWith('unlocked'))).toEqual(
      expect.arrayContaining(['unlocked web-2 host', 'unlocked web-99 lb.fake']),
    );
  });
});

describe('a lock is journalled before its command runs', () => {
  // A run killed while the lock command is under way can hold the lock on the host: the post step
  // gives back only what the journal names, so the record comes first (a fleet run showed the
  // lock taken ahead for the next host outliving a SIGKILLed run by its whole TTL).
  const lock = { name: 'host', label: 'web-1' };
  const request = { owner: 'test run 1', ttlSeconds: 60, waitMs: 0, clock: new FakeClock(), signal: new AbortController().signal };
  const take = (host: FakeHost, journal: RecordingJournal) =>
    acquireRecorded(new RemoteHost(new FakeShell(target(1), host), false), lock, { ...request, progress: () => {} }, journal);

  it('is in the journal when the lock command reaches the host, and stays there once taken', async () => {
    const host = new FakeHost('web-1');
    const journal = new RecordingJournal();
    const seen: string[][] = [];
    host.onCommand = (kind) => void (kind === 'lock-acquire' && seen.push([...journal.events]));
    await take(host, journal);
    expect(seen).toEqual([['locked web-1 host']]);
    expect(journal.events).toEqual(['locked web-1 host']);
  });

  it('held by another run: refused, forgotten, and nothing released that is not ours', async () => {
    const host = new FakeHost('web-1');
    host.lockHeldBy = 'octo/app run 9';
    const journal = new RecordingJournal();
    await expect(take(host, journal)).rejects.toBeInstanceOf(LockedError);
    expect(journal.events).toEqual(['locked web-1 host', 'unlocked web-1 host']);
    expect(host.kinds.filter((k) => k.startsWith('lock-'))).toEqual(['lock-acquire']);
  });

  it('a lock whose give-back failed too stays in the journal, for whoever reconciles the run', async () => {
    const host = new FakeHost('web-1');
    host.onCommand = (kind) => {
      if (kind === 'lock-acquire' || kind === 'lock-release') throw new Error('the SSH connection dropped');
    };
    const journal = new RecordingJournal();
    await expect(take(host, journal)).rejects.toThrow(/dropped/);
    expect(journal.events).toEqual(['locked web-1 host']);
  });

  it("in a rollout: the next host's lock taken ahead, and the load balancer's, are journalled before their commands run", async () => {
    const lbHost = new FakeHost('lb');
    const lb = new FakeLb();
    lb.lock = { remote: new RemoteHost(new FakeShell(target(99), lbHost), false), name: 'lb.fake', label: 'fake lb' };
    const t = setup(settingsFrom(drainInputs(2)), lb);
    const seen: Record<string, string[]> = {};
    const watch = (host: FakeHost, key: string) =>
      (host.onCommand = (kind) => {
        if (kind === 'lock-acquire' && !seen[key]) seen[key] = t.journal.events.filter((e) => e.startsWith('locked'));
      });
    watch(lbHost, 'lb');
    watch(t.connector.host('web-2'), 'web-2');
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(seen.lb).toContain('locked web-99 lb.fake');
    expect(seen['web-2']).toContain('locked web-2 host');
    // Every lock taken is given back and forgotten by the end of the run.
    const count = (what: string) => t.journal.events.filter((e) => e.startsWith(what)).length;
    expect(count('unlocked')).toBe(count('locked'));
  });

  it('a heartbeat stopped while a renewal is under way: stop waits for it, so a release after it is not undone', async () => {
    class SlowShell extends FakeShell {
      override async exec(line: string, options?: { timeoutMs: number; stdin?: string }) {
        await sleep(80);
        return super.exec(line, options);
      }
    }
    const host = new FakeHost('lb');
    const remote = new RemoteHost(new SlowShell(target(99), host), false);
    const hold = new LockHold(remote, { name: 'lb.fake', label: 'fake lb' }, 'test run 1', 180);
    hold.keep(20, () => {});
    await sleep(35);
    await hold.stop();
    expect(ttls(host)).toEqual([180]);
    await sleep(120);
    expect(ttls(host)).toEqual([180]);
  });

  it('a lock command that failed without an answer is given back (it may have taken the lock), then forgotten', async () => {
    const host = new FakeHost('web-1');
    host.onCommand = (kind) => {
      if (kind === 'lock-acquire') throw new Error('the SSH connection dropped');
    };
    const journal = new RecordingJournal();
    await expect(take(host, journal)).rejects.toThrow(/dropped/);
    expect(host.kinds.filter((k) => k.startsWith('lock-'))).toEqual(['lock-acquire', 'lock-release']);
    expect(journal.events).toEqual(['locked web-1 host', 'unlocked web-1 host']);
  });
});

describe('why a host is drained (item 4)', () => {
  const watchInputs = {
    hosts: fakeHostsYaml(3),
    'host-key-check': 'off',
    'check-window': '30s',
    'min-requests': '20',
    lb: 'command',
    'drain-command': 'x {name}',
    'ready-command': 'y {name}',
    'rollback-command': 'ROLLBACK',
  };
  const badLine = '10.0.0.9 - - [25/Nov/2026:12:00:01 +0000] "GET / HTTP/1.1" 500 12 "-" "wrk"';

  it('a host taken out after its error check tripped is journalled as such, before the load balancer is asked', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(watchInputs), lb);
    const drain = lb.drain.bind(lb);
    lb.drain = async (h) => {
      t.journal.events.push(`lb drain ${h.name}`);
      return drain(h);
    };
    t.connector.host('web-1').trafficPerRead = Array(10).fill(badLine);
    const { report } = await t.go();
    expect(report.failedPhase).toBe('watch');
    const events = t.journal.events.filter((e) => e.includes('web-1'));
    expect(events).toEqual([
      'locked web-1 host',
      'drained web-1 (failed-check)',
      'lb drain web-1',
      'returned web-1',
      'unlocked web-1 host',
    ]);
  });

  it('the post step never returns a host drained after a failed check, however healthy it looks', async () => {
    const lb = new FakeLb();
    lb.drained.add('web-1');
    lb.drained.add('web-2');
    const connector = new FakeConnector();
    const settings = settingsFrom(drainInputs(2));
    const journal = {
      owner: 'test run 1',
      drained: [
        { ...target(1), why: 'failed-check' as const, detail: 'its error check tripped' },
        { ...target(2), why: 'turn' as const },
      ],
      locks: [],
    };
    const result = await reconcile(
      settings,
      { connector, local: noLocal, clock: new FakeClock(), openLoadBalancer: async () => lb },
      journal,
    );
    expect(lb.calls).not.toContain('undrain web-1');
    expect(lb.drained.has('web-1')).toBe(true);
    expect(result.leftDrained).toEqual([expect.stringMatching(/^web-1: .*error check tripped.*never returned automatically/)]);
    expect(result.returned).toEqual(['web-2']);
  });
});

describe('an unclear drain (item 7)', () => {
  it('is journalled before the load balancer is asked, and undone when the answer is lost', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(drainInputs(3)), lb);
    const drain = lb.drain.bind(lb);
    lb.drain = async (h) => {
      t.journal.events.push(`lb drain ${h.name}`);
      await drain(h);
      throw new Error('"drain-command for web-1" got no answer within 30s plus a margin; the connection is hung');
    };
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-1');
    expect(report.failedPhase).toBe('drain');
    // (web-2's lock is taken while web-1's turn runs: not part of web-1's story.)
    const web1 = t.journal.events.filter((e) => !e.includes('web-2'));
    expect(web1.slice(0, 3)).toEqual(['locked web-1 host', 'drained web-1', 'lb drain web-1']);
    expect(lb.drained.has('web-1')).toBe(false);
    expect(lb.calls).toContain('undrain web-1');
    expect(t.journal.events).toContain('returned web-1');
    expect(report.hosts[0]?.lbState).toBe('in-service');
    expect(report.hosts[0]?.phases.map((p) => `${p.name}:${p.status}`)).toContain('return:ok');
    expect(t.log.warnings.some((w) => /web-1: the drain's answer was lost/.test(w))).toBe(true);
  });
});

describe("an operator's maintenance state (item 3)", () => {
  /**
   * A load balancer where an operator put web-2 in MAINT: before the run (every look sees it), or
   * after preflight (only the look at web-2 alone, right before its drain, sees it).
   */
  function maintLb(from: 'before the run' | 'after preflight' = 'before the run'): FakeLb {
    const lb = new FakeLb();
    const maint = { state: 'maint' as const, text: 'in MAINT in haproxy backend web (status MAINT)' };
    lb.notInService = async (hosts) => {
      const seen = from === 'before the run' || hosts.length === 1;
      return new Map(hosts.filter((h) => seen && h.name === 'web-2').map((h) => [h.name, maint]));
    };
    return lb;
  }

  it('a host not in service before the run is skipped and left exactly as found', async () => {
    const lb = maintLb();
    const t = setup(settingsFrom(drainInputs(3)), lb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'skipped', 'success']);
    expect(lb.calls.filter((c) => c.endsWith('web-2') && !c.startsWith('healthyOthers'))).toEqual([]);
    expect(t.connector.host('web-2').restarts).toBe(0);
    expect(t.connector.host('web-2').lockCommands).toEqual([]);
    expect(report.hosts[1]?.lbState).toBe('not-in-service');
    expect(
      t.log.warnings.some((w) => /^web-2: not in service before the run \(in MAINT .*\): skipped and left exactly as found/.test(w)),
    ).toBe(true);
  });

  it('not-in-service: refuse fails the run before any change', async () => {
    const lb = maintLb();
    const t = setup(settingsFrom({ ...drainInputs(3), 'not-in-service': 'refuse' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.reason).toMatch(/web-2 is in MAINT.*not-in-service is refuse/);
    expect(lb.calls.filter((c) => !c.startsWith('healthyOthers'))).toEqual([]);
    for (const n of ['web-1', 'web-2', 'web-3']) expect(t.connector.host(n).restarts).toBe(0);
  });

  it('a MAINT set after preflight, before the host’s drain, is left as found: no drain, no restart, the next host rolls', async () => {
    const lb = maintLb('after preflight');
    const t = setup(settingsFrom(drainInputs(3)), lb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'skipped', 'success']);
    expect(lb.calls.filter((c) => c.endsWith('web-2') && !c.startsWith('healthyOthers'))).toEqual([]);
    expect(t.connector.host('web-2').restarts).toBe(0);
    expect(report.hosts[1]?.lbState).toBe('not-in-service');
    expect(report.hosts[1]?.phases.find((p) => p.name === 'drain')).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/taken out of service during the run.*left exactly as found/),
    });
    expect(t.log.warnings.some((w) => /^web-2: in MAINT .*taken out of service during the run/.test(w))).toBe(true);
    expect(t.connector.host('web-3').restarts).toBe(1);
  });

  it('with not-in-service: refuse, such a host fails in drain with nothing changed on it, and the hosts after it are untouched', async () => {
    const lb = maintLb('after preflight');
    const t = setup(settingsFrom({ ...drainInputs(3), 'not-in-service': 'refuse' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('drain');
    expect(report.reason).toMatch(/in MAINT .*taken out of service during the run.*not-in-service is refuse/);
    expect(lb.calls.filter((c) => c.endsWith('web-2') && !c.startsWith('healthyOthers'))).toEqual([]);
    expect(t.connector.host('web-2').restarts).toBe(0);
    expect(t.connector.host('web-3').restarts).toBe(0);
  });

  it('a MAINT set during the run is never cleared by the return or the post step', async () => {
    const lb = new FakeLb();
    lb.operatorMaintenance = async (h) => (h.name === 'web-1' ? 'in MAINT in haproxy backend web' : null);
    const t = setup(settingsFrom(drainInputs(2)), lb);
    const { report } = await t.go();
    expect(report.status, report.reason).toBe('success');
    expect(lb.calls).toContain('drain web-1');
    expect(lb.calls).not.toContain('undrain web-1');
    expect(lb.calls).toContain('undrain web-2');
    expect(report.hosts[0]?.lbState).toBe('not-in-service');

    const post = new FakeLb();
    post.operatorMaintenance = lb.operatorMaintenance;
    const journal = { owner: 'test run 1', drained: [{ ...target(1), why: 'turn' as const }], locks: [] };
    const result = await reconcile(
      settingsFrom(drainInputs(2)),
      { connector: new FakeConnector(), local: noLocal, clock: new FakeClock(), openLoadBalancer: async () => post },
      journal,
    );
    expect(post.calls).not.toContain('undrain web-1');
    expect(result.leftToOperator).toEqual(['web-1: in MAINT in haproxy backend web']);
  });

  it("reads HAProxy's admin state from `show servers state`", () => {
    const text = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight',
      '3 web 1 web-1 10.77.0.11 2 0 1',
      '3 web 2 web-2 10.77.0.12 0 1 1',
      '3 web 3 web-3 10.77.0.13 2 8 1',
      '',
    ].join('\n');
    expect([...parseServersState(text)]).toEqual([
      ['web-1', 0],
      ['web-2', 1],
      ['web-3', 8],
    ]);
  });
});

/** The load balancer's lock, which another run holds, taken with `waitMs` and a `beforeWait`. */
function heldLbLock(waitMs: number, beforeWait: (clock: FakeClock) => Promise<void>) {
  const clock = new FakeClock();
  const host = new FakeHost('lb');
  host.lockHeldBy = 'octo/app run 77';
  const request = {
    owner: 'test run 1',
    ttlSeconds: 60,
    waitMs,
    clock,
    signal: new AbortController().signal,
    progress: () => {},
    beforeWait: () => beforeWait(clock),
  };
  const remote = new RemoteHost(new FakeShell(target(1), host), false);
  const take = () => acquireRecorded(remote, { name: 'lb.fake', label: 'fake lb' }, request, new RecordingJournal());
  return { clock, host, take };
}

describe('lock-wait starts once what must not be held while waiting is given back', () => {
  // The load balancer's lock, held by another run, waits only after the first host's early lock
  // went back (beforeWait); that give-back can be slow to answer, and must not use up lock-wait.
  it('a slow give-back before the wait does not shorten it', async () => {
    const { clock, host, take } = heldLbLock(3000, async (c) => void (c.t += 2000));
    let refusedAt = 0;
    // The other run lets go 3.2 s after this run was first refused; lock-wait is 3 s, and the
    // give-back before the wait takes 2 s of it unless the wait starts after it.
    host.onCommand = (kind) => {
      if (kind !== 'lock-acquire') return;
      if (!refusedAt) refusedAt = clock.now();
      else if (clock.now() - refusedAt >= 3200) host.lockHeldBy = '';
    };
    const taken = await take();
    expect(taken.waitedMs).toBeGreaterThanOrEqual(3200);
    expect(host.kinds.filter((k) => k === 'lock-acquire').length).toBeGreaterThanOrEqual(2);
  });

  it('with no wait (a single try) it is refused at once, after the give-back, with no second try', async () => {
    let gaveBack = 0;
    const { host, take } = heldLbLock(0, async () => void (gaveBack += 1));
    await expect(take()).rejects.toBeInstanceOf(LockedError);
    expect(gaveBack).toBe(1);
    expect(host.kinds.filter((k) => k === 'lock-acquire')).toHaveLength(1);
  });
});

describe('a lock that cannot be taken says why in words', () => {
  it('a dropped connection is named as such, not as "exit null"', async () => {
    const { host, take } = heldLbLock(0, async () => {});
    host.lockHeldBy = '';
    host.lose['lock-acquire'] = 1;
    await expect(take()).rejects.toThrow(
      /^could not take the lock on fake lb: the SSH connection dropped during "lock lb\.fake" \(connection closed\)$/,
    );
  });
});
