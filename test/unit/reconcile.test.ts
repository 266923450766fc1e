import { describe, expect, it } from 'vitest';
import type { LoadBalancer } from '../../src/lb/load-balancer';
import { reconcile } from '../../src/rollout/reconcile';
import { TransportError } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';
import { FakeClock, FakeConnector, FakeLb, noLocal } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const settings = settingsFrom({
  hosts: HOSTS,
  'host-key-check': 'off',
  service: 'app',
  lb: 'command',
  'drain-command': 'x {name}',
  'ready-command': 'y {name}',
  'readiness-url': 'http://127.0.0.1/healthz',
});
const host = (n: number): SshTarget => ({ host: `10.0.0.${n}`, port: 22, user: 'root', name: `web-${n}` });
const OWNER = 'octo/app run 9 attempt 1 job deploy';

class ClosingLb extends FakeLb {
  closed = 0;
  override async close(): Promise<void> {
    this.closed += 1;
  }
}

function setup(lb: LoadBalancer | Error | null = new ClosingLb()) {
  const connector = new FakeConnector();
  const clock = new FakeClock();
  let opened = 0;
  const deps = {
    connector,
    local: noLocal,
    clock,
    openLoadBalancer: async () => {
      opened += 1;
      if (lb instanceof Error) throw lb;
      return lb;
    },
  };
  return { connector, clock, deps, opened: () => opened };
}

/** What a host was sent, by kind, with the lock commands' arguments. */
const sent = (c: FakeConnector, name: string) => c.host(name).kinds;

describe('reconcile (the post step after a killed main step)', () => {
  it('returns only the drained hosts that are healthy; the others stay drained, each with why', async () => {
    const lb = new ClosingLb();
    for (const n of [1, 2, 3]) await lb.drain(host(n));
    lb.calls = [];
    const t = setup(lb);
    t.connector.host('web-2').activeState = 'failed';
    t.connector.host('web-3').readiness = ['503'];
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1), host(2), host(3)], locks: [] });
    expect(r.returned).toEqual(['web-1']);
    expect(r.leftDrained).toEqual(['web-2: app is not healthy', 'web-3: app is not healthy']);
    expect(lb.calls).toEqual(['undrain web-1']);
    expect([...lb.drained].sort()).toEqual(['web-2', 'web-3']);
    // The host's lock around the return (readiness-successes 2).
    expect(sent(t.connector, 'web-1')).toEqual(['lock-acquire', 'unit-state', 'http-status', 'http-status', 'lock-release']);
    expect(lb.closed).toBe(1);
  });

  it('a host whose lock another run holds now is left to that run: no health check, no return', async () => {
    const lb = new ClosingLb();
    for (const n of [1, 2]) await lb.drain(host(n));
    lb.calls = [];
    const t = setup(lb);
    t.connector.host('web-1').lockHeldBy = 'octo/app run 10 attempt 1 job deploy';
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1), host(2)], locks: [] });
    expect(r.leftToOtherRun).toEqual([expect.stringMatching(/^web-1: the lock on web-1 is held by octo\/app run 10 .*left to that run$/)]);
    expect(r.returned).toEqual(['web-2']);
    expect(r.leftDrained).toEqual([]);
    expect(lb.calls).toEqual(['undrain web-2']);
    expect(sent(t.connector, 'web-1')).toEqual(['lock-acquire']);
  });

  it('a lock taken to return a host whose give-back is not confirmed is named, so the post step can warn', async () => {
    const lb = new ClosingLb();
    await lb.drain(host(1));
    const t = setup(lb);
    t.connector.host('web-1').lose['lock-release'] = 9;
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1)], locks: [] });
    expect(r.returned).toEqual(['web-1']);
    expect(r.claimsLeft).toEqual(['web-1']);
  });

  it('a lock take whose answer was lost is given back before the host counts as left drained', async () => {
    const lb = new ClosingLb();
    await lb.drain(host(1));
    lb.calls = [];
    const t = setup(lb);
    t.connector.host('web-1').lose['lock-acquire'] = 1;
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1)], locks: [] });
    expect(r.leftDrained).toHaveLength(1);
    expect(lb.calls).toEqual([]);
    expect(sent(t.connector, 'web-1')).toEqual(['lock-acquire', 'lock-release']);
    expect(r.claimsLeft).toEqual([]);
  });

  it('says whether a later try may return what is left: not for a host kept out after a failed check', async () => {
    const t = setup();
    const kept = await reconcile(settings, t.deps, { owner: OWNER, drained: [{ ...host(1), why: 'failed-check' }], locks: [] });
    expect(kept.leftDrained).toHaveLength(1);
    expect(kept.retryable).toBe(false);
    const returned = await reconcile(settings, setup().deps, { owner: OWNER, drained: [host(2)], locks: [] });
    expect(returned.retryable).toBe(false);
    const t2 = setup();
    t2.connector.host('web-2').activeState = 'failed';
    expect((await reconcile(settings, t2.deps, { owner: OWNER, drained: [host(2)], locks: [] })).retryable).toBe(true);
  });

  it('waits for the load balancer to see a returned host UP, within a bound', async () => {
    const lb = new ClosingLb();
    lb.upAfterReturn = false;
    const t = setup(lb);
    const started = t.clock.now();
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1)], locks: [] });
    expect(r.returned).toEqual(['web-1']);
    expect(t.clock.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(t.clock.now() - started).toBeLessThan(12_000);
  });

  it('releases every lock the main step held, as its owner, and counts them', async () => {
    const t = setup();
    const lbHost: SshTarget = { host: '10.0.0.100', port: 22, user: 'root', name: 'lb' };
    const r = await reconcile(settings, t.deps, {
      owner: OWNER,
      drained: [],
      locks: [
        { target: host(1), name: 'host.host' },
        { target: lbHost, name: 'lb.command' },
      ],
    });
    expect(r).toEqual({
      returned: [],
      leftDrained: [],
      leftToOperator: [],
      leftToOtherRun: [],
      retryable: false,
      claimsLeft: [],
      locksReleased: 2,
    });
    const release = (name: string) => t.connector.host(name).commands.filter((c) => c.includes(' zdr.lock-release '));
    expect(release('web-1')).toHaveLength(1);
    expect(release('web-1')[0]).toMatch(/ zdr\.lock-release host\.host 'octo\/app run 9 attempt 1 job deploy'$/);
    expect(release('lb')[0]).toMatch(/ zdr\.lock-release lb\.command 'octo\/app run 9 attempt 1 job deploy'$/);
    // Nothing was drained: the load balancer is not even opened.
    expect(t.opened()).toBe(0);
  });

  it('an unreachable lock host is skipped (its lock expires), the others still released', async () => {
    const t = setup();
    t.connector.host('web-1').connectError = new TransportError('unreachable', 'Cannot connect to web-1');
    const r = await reconcile(settings, t.deps, {
      owner: OWNER,
      drained: [],
      locks: [
        { target: host(1), name: 'host.host' },
        { target: host(2), name: 'host.host' },
      ],
    });
    expect(r.locksReleased).toBe(1);
    expect(sent(t.connector, 'web-2')).toEqual(['lock-release']);
  });

  it('a load balancer that cannot be opened leaves every drained host drained, saying why, and still releases locks', async () => {
    const t = setup(new Error('connect ECONNREFUSED 10.0.0.100:22'));
    const r = await reconcile(settings, t.deps, {
      owner: OWNER,
      drained: [host(1), host(2)],
      locks: [{ target: host(1), name: 'host.host' }],
    });
    expect(r.returned).toEqual([]);
    expect(r.leftDrained).toEqual([
      'web-1: the load balancer cannot be reached: connect ECONNREFUSED 10.0.0.100:22',
      'web-2: the load balancer cannot be reached: connect ECONNREFUSED 10.0.0.100:22',
    ]);
    expect(r.locksReleased).toBe(1);
    expect(sent(t.connector, 'web-1')).toEqual(['lock-release']);
  });

  it('with no load balancer configured, a drained host cannot be returned', async () => {
    const t = setup(null);
    const r = await reconcile(settings, t.deps, { owner: OWNER, drained: [host(1)], locks: [] });
    expect(r.leftDrained).toEqual(['web-1: no load balancer is configured']);
  });

  it('a host that cannot be reached stays drained; one connection per host serves health and lock', async () => {
    const lb = new ClosingLb();
    const t = setup(lb);
    t.connector.host('web-2').connectError = new TransportError(
      'unreachable',
      'Cannot connect to web-2 (root@10.0.0.2:22): connect ETIMEDOUT.',
    );
    const r = await reconcile(settings, t.deps, {
      owner: OWNER,
      drained: [host(1), host(2)],
      locks: [{ target: host(1), name: 'host.host' }],
    });
    expect(r.returned).toEqual(['web-1']);
    expect(r.leftDrained).toEqual(['web-2: Cannot connect to web-2 (root@10.0.0.2:22): connect ETIMEDOUT.']);
    expect(t.connector.connects.filter((n) => n === 'web-1')).toHaveLength(1);
    // Its lock taken and given back around the return, then the run's journalled lock released.
    expect(sent(t.connector, 'web-1')).toEqual([
      'lock-acquire',
      'unit-state',
      'http-status',
      'http-status',
      'lock-release',
      'lock-release',
    ]);
  });
});
