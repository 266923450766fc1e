import { describe, expect, it } from 'vitest';
import type { LoadBalancer } from '../../src/lb/load-balancer';
import { rollout } from '../../src/rollout/rollout';
import type { Settings } from '../../src/settings/settings';
import { TransportError } from '../../src/transport/connection';
import { FakeClock, FakeConnector, FakeLb, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const base = { hosts: HOSTS, 'host-key-check': 'off', 'check-window': '0' } as const;

function setup(settings: Settings, lb: LoadBalancer | null = null, signal = new AbortController().signal) {
  const connector = new FakeConnector();
  const log = new RecordingLog();
  const journal = new RecordingJournal();
  const clock = new FakeClock();
  const go = () =>
    rollout(settings, { connector, local: noLocal, clock, log, journal, signal, owner: 'test run 1', openLoadBalancer: async () => lb });
  return { connector, log, journal, clock, go };
}

const phases = (r: Awaited<ReturnType<ReturnType<typeof setup>['go']>>, name: string) =>
  r.report.hosts.find((h) => h.name === name)?.phases.map((p) => `${p.name}:${p.status}`);

describe('reload rollout (Pattern A)', () => {
  it('validates every host, then reloads them in order and proves the workers were replaced', async () => {
    const t = setup(settingsFrom({ ...base, 'readiness-url': 'http://127.0.0.1/healthz' }));
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'success', 'success']);
    for (const name of ['web-1', 'web-2', 'web-3']) {
      const h = t.connector.host(name);
      expect(h.reloads).toBe(1);
      expect(h.workers.every((p) => p >= 200)).toBe(true);
    }
    expect(phases({ report, plan: [] }, 'web-2')).toEqual([
      'connect:ok',
      'inspect:ok',
      'validate:ok',
      'lock:ok',
      'change:ok',
      'ready:ok',
      'watch:skipped',
    ]);
    expect(report.hosts[0]?.strategy).toBe('reload');
    expect(report.hosts[0]?.phases.find((p) => p.name === 'change')?.detail).toMatch(/2 workers replaced by 2 new/);
    // Order: every host validated before any reload, then web-1's reload, web-2's, web-3's.
    const order = t.connector.sequence.filter((c) => / (user:nginx -t|nginx-reload)$/.test(c));
    expect(order).toEqual([
      'web-1 user:nginx -t',
      'web-2 user:nginx -t',
      'web-3 user:nginx -t',
      'web-1 nginx-reload',
      'web-2 nginx-reload',
      'web-3 nginx-reload',
    ]);
    // Once in preflight (then released), once for the host's turn; web-1, whose turn comes first,
    // keeps its preflight connection.
    expect(t.connector.connects.sort()).toEqual(['web-1', 'web-2', 'web-2', 'web-3', 'web-3']);
    expect(t.connector.open).toBe(0);
  });

  it('a failing validate on host 2 fails preflight: nothing is reloaded anywhere', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-2').validateFails = 'nginx: [emerg] unknown directive "bogus" in /etc/nginx/sites-enabled/default:3';
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('validate');
    expect(report.reason).toContain('unknown directive "bogus"');
    expect(['web-1', 'web-2', 'web-3'].map((n) => t.connector.host(n).reloads)).toEqual([0, 0, 0]);
    expect(report.hosts.map((h) => h.status)).toEqual(['skipped', 'failed', 'skipped']);
  });

  it('a host without flock or curl fails preflight naming the host, the commands and their packages; nothing changes', async () => {
    const t = setup(settingsFrom({ ...base, 'readiness-url': 'http://127.0.0.1/healthz' }));
    t.connector.host('web-2').missing = ['flock', 'curl', 'ss'];
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(
      /^web-2 lacks commands this rollout runs there: flock \(package util-linux: .*\), curl \(package curl: requests from the host for readiness-url\)\./,
    );
    // ss is not needed: nothing is drained in a reload.
    expect(report.reason).not.toContain('ss (');
    expect(['web-1', 'web-2', 'web-3'].map((n) => t.connector.host(n).reloads)).toEqual([0, 0, 0]);
  });

  it('a host without timeout fails preflight saying so, not with a bare exit status', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-3').missing = ['timeout'];
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-3');
    expect(report.reason).toMatch(/^web-3 lacks a command this rollout runs there: timeout \(package coreutils: /);
    expect(['web-1', 'web-2', 'web-3'].map((n) => t.connector.host(n).reloads)).toEqual([0, 0, 0]);
  });

  it('refuses reload for a unit that cannot reload, in inspect', async () => {
    const t = setup(settingsFrom({ ...base, strategy: 'reload' }));
    t.connector.host('web-3').canReload = false;
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-3');
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(/cannot reload/);
    expect(t.connector.host('web-1').reloads).toBe(0);
  });

  it('auto refuses a non-reloadable unit with no load balancer, explaining the choice', async () => {
    const t = setup(settingsFrom({ ...base, service: 'app' }));
    for (const n of ['web-1', 'web-2', 'web-3']) t.connector.host(n).canReload = false;
    const { report } = await t.go();
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(/no load balancer is configured.*strategy: restart/);
  });

  it('a reload that does not replace the workers fails the host and leaves later hosts untouched', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-2').reloadIgnored = true;
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('change');
    expect(report.reason).toMatch(/did not take effect.*workers 101,102 are still serving/);
    expect(t.connector.host('web-1').reloads).toBe(1);
    expect(t.connector.host('web-3').reloads).toBe(0);
    expect(report.hosts.map((h) => h.status)).toEqual(['success', 'failed', 'skipped']);
  });

  it('a new [emerg] after the reload fails the host', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-1').emergAfterReload =
      '2026/11/25 12:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)';
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-1');
    expect(report.reason).toContain('bind() to 0.0.0.0:80 failed');
    expect(t.connector.host('web-2').reloads).toBe(0);
  });

  it('readiness needs consecutive 2xx: a flap resets the streak, a timeout fails ready', async () => {
    const t = setup(
      settingsFrom({ ...base, 'readiness-url': 'http://127.0.0.1/healthz', 'readiness-timeout': '3s', 'readiness-successes': '3' }),
    );
    t.connector.host('web-1').readiness = ['200', '503', '200', '200', '200'];
    t.connector.host('web-2').readiness = ['503'];
    const { report } = await t.go();
    const ready1 = report.hosts[0]?.phases.find((p) => p.name === 'ready');
    expect(ready1?.detail).toMatch(/3× in a row after 5 checks/);
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('ready');
    expect(report.reason).toMatch(/not ready within 3s.*HTTP 503/);
  });

  it('refuses a non-root user without sudo in inspect', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-1').uid = 1000;
    const { report } = await t.go();
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(/sudo: true/);
  });

  it('an unreachable host fails preflight in connect with the transport message', async () => {
    const t = setup(settingsFrom(base));
    t.connector.host('web-3').connectError = new TransportError(
      'unreachable',
      'Cannot connect to web-3 (root@10.0.0.3:22): connect ECONNREFUSED.',
    );
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-3');
    expect(report.failedPhase).toBe('connect');
    expect(t.connector.host('web-1').reloads).toBe(0);
  });

  it('a host locked by another run fails in phase lock, naming the holder; later hosts are untouched', async () => {
    const t = setup(settingsFrom({ ...base, 'lock-wait': '3s' }));
    t.connector.host('web-2').lockHeldBy = 'octo/app run 77 attempt 1 job deploy';
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('lock');
    expect(report.reason).toMatch(
      /the lock on web-2 is held by octo\/app run 77 attempt 1 job deploy since 2025-11-25T12:00:00\.000Z; waited 3s/,
    );
    expect(t.connector.host('web-2').reloads).toBe(0);
    expect(t.connector.host('web-3').reloads).toBe(0);
    expect(t.log.lines.some((l) => /waiting for the lock/.test(l))).toBe(true);
  });

  it('dry run preflights, prints the exact commands, and changes nothing', async () => {
    const t = setup(settingsFrom({ ...base, 'dry-run': 'true', 'readiness-url': 'http://127.0.0.1/healthz' }));
    const { report, plan } = await t.go();
    expect(report.status).toBe('success');
    expect(['web-1', 'web-2', 'web-3'].map((n) => t.connector.host(n).reloads)).toEqual([0, 0, 0]);
    const text = plan.join('\n');
    expect(text).toMatch(
      /\$ timeout -k 3 75 sh -c 'export LC_ALL=C; unit=\$1; log=\$2; polls=\$3\n[\s\S]*systemctl reload -- "\$unit"[\s\S]*' zdr\.nginx-reload nginx \/var\/log\/nginx\/error\.log 1500/,
    );
    expect(text).toMatch(/web-2 \(root@10\.0\.0\.2:22\): reload/);
    expect(text).toContain('Dry run: nothing was changed.');
  });
});

describe('drain-restart rollout (Pattern B)', () => {
  const drainInputs = {
    ...base,
    service: 'app',
    lb: 'command',
    'drain-command': 'x {name}',
    'ready-command': 'y {name}',
    strategy: 'drain-restart',
    'readiness-url': 'http://127.0.0.1/healthz',
  } as const;

  it('drains, waits for in-flight 0, restarts, checks readiness, returns, confirms UP — host by host', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(drainInputs), lb);
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(lb.calls).toEqual([
      'healthyOthers web-1',
      'drain web-1',
      'undrain web-1',
      'healthyOthers web-2',
      'drain web-2',
      'undrain web-2',
      'healthyOthers web-3',
      'drain web-3',
      'undrain web-3',
    ]);
    expect(phases({ report, plan: [] }, 'web-1')).toEqual([
      'connect:ok',
      'inspect:ok',
      'validate:skipped',
      'lock:ok',
      'drain:ok',
      'change:ok',
      'ready:ok',
      'return:ok',
      'watch:skipped',
    ]);
    const drain = report.hosts[0]?.phases.find((p) => p.name === 'drain');
    expect(drain?.detail).toMatch(/in flight reached 0 after \d+ ms \(load balancer sessions\)/);
    expect(drain?.waitMs).toBeGreaterThan(0);
    expect(report.hosts.every((h) => h.lbState === 'in-service')).toBe(true);
    // Per host in order; the next host's lock is taken while this one's turn runs (TurnOverlap).
    for (const n of ['web-1', 'web-2', 'web-3'])
      expect(t.journal.events.filter((e) => e.includes(`${n} `) || e.endsWith(n))).toEqual([
        `locked ${n} host`,
        `drained ${n}`,
        `returned ${n}`,
        `unlocked ${n} host`,
      ]);
    // No host is drained before the previous one is back.
    const at = (e: string): number => t.journal.events.indexOf(e);
    expect(at('returned web-1')).toBeLessThan(at('drained web-2'));
    expect(at('returned web-2')).toBeLessThan(at('drained web-3'));
    expect(at('locked web-2 host')).toBeLessThan(at('returned web-1'));
  });

  it('a host to be drained behind lb: command without ss (and no stub-status-url) fails preflight, nothing drained', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(drainInputs), lb);
    t.connector.host('web-1').missing = ['ss'];
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-1');
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(
      /^web-1 lacks a command this rollout runs there: ss \(package iproute2: counting in-flight connections on drain-port 80 during the drain \(or set stub-status-url\)\)/,
    );
    expect(lb.calls.filter((c) => c.startsWith('drain'))).toEqual([]);
  });

  it('the capacity guard stops the rollout with nothing drained', async () => {
    const lb = new FakeLb();
    lb.healthy = 1;
    const t = setup(settingsFrom(drainInputs), lb);
    const { report } = await t.go();
    expect(report.failedPhase).toBe('drain');
    expect(report.reason).toMatch(/capacity guard: 0 other healthy servers.*min-healthy is 1.*Nothing was drained/);
    expect(lb.calls).toEqual(['healthyOthers web-1']);
    expect(t.connector.host('web-1').restarts).toBe(0);
  });

  it('a drain that never completes fails the host, which is returned unchanged', async () => {
    const lb = new FakeLb();
    lb.stuck = true;
    const t = setup(settingsFrom({ ...drainInputs, 'drain-timeout': '2s' }), lb);
    const { report } = await t.go();
    expect(report.failedPhase).toBe('drain');
    expect(report.reason).toMatch(/3 requests still in flight after drain-timeout 2s.*not restarted/);
    expect(t.connector.host('web-1').restarts).toBe(0);
    expect(lb.calls).toContain('undrain web-1');
    expect(report.hosts[0]?.lbState).toBe('in-service');
    expect(t.connector.host('web-2').restarts).toBe(0);
  });

  it('on-drain-timeout: proceed restarts anyway and says so', async () => {
    const lb = new FakeLb();
    lb.stuck = true;
    const t = setup(settingsFrom({ ...drainInputs, 'drain-timeout': '1s', 'on-drain-timeout': 'proceed' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(report.hosts[0]?.phases.find((p) => p.name === 'drain')?.status).toBe('warning');
    expect(t.log.warnings.some((w) => /restarting anyway/.test(w))).toBe(true);
  });

  it('a service that fails to start is left drained, never returned broken', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(drainInputs), lb);
    t.connector.host('web-2').restartFails = true;
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('change');
    expect(lb.drained.has('web-2')).toBe(true);
    expect(report.hosts[1]?.lbState).toBe('drained');
    expect(report.hosts[1]?.warnings.join(' ')).toMatch(/left drained/);
    expect(report.hosts[1]?.evidence?.journal.length).toBeGreaterThan(0);
    expect(t.connector.host('web-3').restarts).toBe(0);
  });

  it('cancellation during the drain wait returns the healthy host and halts', async () => {
    const lb = new FakeLb();
    lb.stuck = true;
    const controller = new AbortController();
    const t = setup(settingsFrom({ ...drainInputs, 'drain-timeout': '60s' }), lb, controller.signal);
    // Cancel while the drain wait polls: the first wait of the run that finds web-1 drained.
    const origSleep = t.clock.sleep;
    t.clock.sleep = async (ms, signal) => {
      if (lb.drained.has('web-1')) controller.abort(new Error('the run was cancelled (SIGINT)'));
      return origSleep(ms, signal);
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/cancelled \(SIGINT\)/);
    expect(lb.drained.size).toBe(0);
    expect(t.connector.host('web-1').restarts).toBe(0);
    expect(report.hosts.map((h) => h.status)).toEqual(['failed', 'skipped', 'skipped']);
  });

  it('a cancel that comes while the drain finds nothing in flight stops before the change, reported as cancelled, not a failed change', async () => {
    const lb = new FakeLb();
    const controller = new AbortController();
    const t = setup(settingsFrom(drainInputs), lb, controller.signal);
    // No sleep to interrupt: the drain's first count is 0, so the change's safe point sees the cancel.
    lb.inFlightStart = 0;
    const drain = lb.drain.bind(lb);
    lb.drain = async (host) => {
      await drain(host);
      controller.abort(new Error('the run was cancelled (SIGINT)'));
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-1');
    expect(report.failedPhase, report.reason).toBe('cancelled');
    expect(report.reason).toMatch(/cancelled before change: the run was cancelled \(SIGINT\)/);
    expect(t.connector.host('web-1').restarts).toBe(0);
    expect(lb.drained.size).toBe(0);
    expect(report.hosts[0]?.phases.map((p) => p.name)).not.toContain('change');
  });

  it('a return whose answer was lost after the host passed readiness rolls nothing back: the host goes back, the run halts', async () => {
    const lb = new FakeLb();
    const undrain = lb.undrain.bind(lb);
    let lose = true;
    lb.undrain = async (host) => {
      await undrain(host);
      if (host.name === 'web-1' && lose) {
        lose = false;
        throw new Error('the SSH connection dropped during "haproxy undrain"');
      }
    };
    const t = setup(settingsFrom({ ...drainInputs, 'rollback-command': 'ROLLBACK' }), lb);
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect([report.failedHost, report.failedPhase]).toEqual(['web-1', 'return']);
    expect(t.connector.host('web-1').rollbacks).toBe(0);
    expect(lb.drained.has('web-1')).toBe(false);
    expect(t.connector.host('web-2').restarts).toBe(0);
  });

  it('that verdict stands when draining it again gets no answer: rolled back, and counted as drained', async () => {
    const lb = new FakeLb();
    lb.upAfterReturn = false;
    const drain = lb.drain.bind(lb);
    let drains = 0;
    lb.drain = async (host) => {
      await drain(host);
      if (host.name === 'web-1' && ++drains === 2) throw new Error('the SSH connection dropped during "haproxy drain"');
    };
    const t = setup(settingsFrom({ ...drainInputs, 'rollback-command': 'ROLLBACK' }), lb);
    const { report } = await t.go();
    expect([report.failedHost, report.failedPhase]).toEqual(['web-1', 'return']);
    expect(report.reason).toMatch(/did not see web-1 healthy .*draining it again got no clear answer/);
    expect(t.connector.host('web-1').rollbacks).toBe(1);
  });

  it('a return the load balancer itself does not see healthy is a verdict on the change: rolled back', async () => {
    const lb = new FakeLb();
    lb.upAfterReturn = false;
    const t = setup(settingsFrom({ ...drainInputs, 'rollback-command': 'ROLLBACK' }), lb);
    const { report } = await t.go();
    expect([report.failedHost, report.failedPhase]).toEqual(['web-1', 'return']);
    expect(t.connector.host('web-1').rollbacks).toBe(1);
  });

  it('a cancel while a restarted host is not yet ready leaves it drained as not-ready, for the post step to return once it is', async () => {
    const lb = new FakeLb();
    const controller = new AbortController();
    const t = setup(settingsFrom({ ...drainInputs, 'rollback-command': 'ROLLBACK' }), lb, controller.signal);
    t.connector.host('web-1').readiness = ['503'];
    t.connector.host('web-1').onCommand = (kind) => {
      if (kind === 'http-status' && !controller.signal.aborted) controller.abort(new Error('the run was cancelled (SIGINT)'));
    };
    const { report } = await t.go();
    expect([report.failedHost, report.failedPhase]).toEqual(['web-1', 'ready']);
    expect(lb.drained.has('web-1')).toBe(true);
    expect(t.connector.host('web-1').rollbacks).toBe(0);
    expect(t.journal.events).toContain('drained web-1 (not-ready)');
    expect(
      t.log.warnings.some((w) => /^web-1: left drained .*not yet ready when the run was cancelled.*returns it once it is/.test(w)),
    ).toBe(true);
  });

  it('cancellation during the watch leaves the host in service: no drain, no rollback', async () => {
    const lb = new FakeLb();
    const controller = new AbortController();
    const t = setup(settingsFrom({ ...drainInputs, 'check-window': '30s', 'rollback-command': 'ROLLBACK' }), lb, controller.signal);
    // Cancel when the watch first reads web-1's access log: the host is changed, ready and back.
    t.connector.host('web-1').onCommand = (kind) => {
      if (kind === 'log-read' && !controller.signal.aborted) controller.abort(new Error('the run was cancelled (SIGTERM)'));
    };
    const { report } = await t.go();
    expect(report.status).toBe('failed');
    expect(report.failedPhase).toBe('watch');
    expect(report.reason).toMatch(/cancelled \(SIGTERM\)/);
    expect(lb.drained.size).toBe(0);
    expect(t.connector.host('web-1').rollbacks).toBe(0);
    expect(report.hosts[0]?.lbState).toBe('in-service');
    expect(t.connector.host('web-2').restarts).toBe(0);
  });

  it('auto picks a socket-activated restart with no drain (Pattern D)', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom({ ...drainInputs, strategy: 'auto' }), lb);
    for (const n of ['web-1', 'web-2', 'web-3'])
      Object.assign(t.connector.host(n), { canReload: false, triggeredBy: 'app.socket', mainComm: 'python3' });
    const { report } = await t.go();
    expect(report.status).toBe('success');
    expect(report.hosts[0]?.strategy).toBe('socket-restart');
    expect(lb.calls).toEqual([]);
    expect(t.connector.host('web-1').restarts).toBe(1);
  });

  it('inspect warns about a short TimeoutStopSec with the drop-in, and refuses with unit-warnings: refuse', async () => {
    const warn = setup(settingsFrom(drainInputs), new FakeLb());
    warn.connector.host('web-1').timeoutStopUSec = '1s';
    const warned = await warn.go();
    expect(warned.report.status).toBe('success');
    expect(warn.log.warnings.join('\n')).toMatch(/TimeoutStopSec=1s.*\n.*systemctl edit[\s\S]*TimeoutStopSec=70s/);

    const refuse = setup(settingsFrom({ ...drainInputs, 'unit-warnings': 'refuse' }), new FakeLb());
    refuse.connector.host('web-1').timeoutStopUSec = '1s';
    const refused = await refuse.go();
    expect(refused.report.failedPhase).toBe('inspect');
    expect(refuse.connector.host('web-1').restarts).toBe(0);
  });
});

describe('watch and rollback', () => {
  const watchInputs = {
    ...base,
    'check-window': '30s',
    'min-requests': '20',
    lb: 'command',
    'drain-command': 'x {name}',
    'ready-command': 'y {name}',
    'rollback-command': 'ROLLBACK',
  } as const;
  const okLine = '10.0.0.9 - - [25/Nov/2026:12:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" "wrk"';
  const badLine = '10.0.0.9 - - [25/Nov/2026:12:00:01 +0000] "GET /?token=abc HTTP/1.1" 500 12 "-" "wrk"';

  it('a host returning 500s trips early, is taken out, rolled back, and put back healthy', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom(watchInputs), lb);
    for (const n of ['web-1', 'web-2', 'web-3']) t.connector.host(n).trafficPerRead = Array(10).fill(okLine);
    t.connector.host('web-2').trafficPerRead = Array(10).fill(badLine);
    const started = t.clock.now();
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('watch');
    const web2 = report.hosts[1];
    expect(web2?.errors?.verdict).toBe('fail');
    expect(web2?.errors?.reason).toMatch(/ended early/);
    expect(web2?.phases.find((p) => p.name === 'watch')?.durationMs).toBeLessThan(5000);
    expect(t.connector.host('web-2').rollbacks).toBe(1);
    expect(lb.calls.filter((c) => c.endsWith('web-2'))).toEqual(['drain web-2', 'undrain web-2']);
    expect(web2?.lbState).toBe('in-service');
    expect(web2?.evidence?.logLines[0]).toContain('GET /?… HTTP/1.1" 500');
    expect(web2?.evidence?.logLines.join('')).not.toContain('token=abc');
    expect(t.connector.host('web-3').reloads).toBe(0);
    expect(report.hosts[0]?.errors?.verdict).toBe('pass');
    expect(t.clock.now() - started).toBeLessThan(60_000);
  });

  it('without a rollback command a tripped host stays out of rotation, and the report says so', async () => {
    const lb = new FakeLb();
    const t = setup(settingsFrom({ ...watchInputs, 'rollback-command': '' }), lb);
    t.connector.host('web-1').trafficPerRead = Array(10).fill(badLine);
    const { report } = await t.go();
    expect(report.failedHost).toBe('web-1');
    expect(lb.drained.has('web-1')).toBe(true);
    expect(report.hosts[0]?.lbState).toBe('drained');
  });

  it('no traffic is inconclusive and passes, unless fail-on-inconclusive', async () => {
    const quiet = setup(settingsFrom({ ...watchInputs, lb: 'none', 'drain-command': '', 'ready-command': '' }));
    const passed = await quiet.go();
    expect(passed.report.status).toBe('success');
    expect(passed.report.hosts.map((h) => h.errors?.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(passed.report.hosts[0]?.phases.find((p) => p.name === 'watch')?.durationMs).toBeGreaterThanOrEqual(30_000);

    const strict = setup(
      settingsFrom({ ...watchInputs, lb: 'none', 'drain-command': '', 'ready-command': '', 'fail-on-inconclusive': 'true' }),
    );
    const failed = await strict.go();
    expect(failed.report.failedHost).toBe('web-1');
    expect(failed.report.failedPhase).toBe('watch');
  });
});
