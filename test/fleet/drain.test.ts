import { beforeEach, describe, expect, it } from 'vitest';
import { fleetReset, hostsYaml, mainPid, rollUnderLoad, runOnFleet, haproxyInputs } from '../support/fleet-action';
import { curlStatus, fault, haproxy, hostExec, readFleet, serverStates, startWrk } from './fleet';

const skip = process.env.ZDR_SKIP_FLEET === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const phase = (run: Awaited<ReturnType<typeof runOnFleet>>, host: string, name: string) =>
  run.report?.hosts.find((h) => h.name === host)?.phases.find((p) => p.name === name);

describe.skipIf(skip)('drain-restart on the real fleet (Pattern B)', () => {
  beforeEach(() => fleetReset(), 180_000);

  it('restarting the app without a drain fails requests; the drain-restart rollout of 3 hosts fails none', async () => {
    const fleet = readFleet();
    // The measurement must be able to fail: a plain restart under the same load drops requests.
    const naive = startWrk({ url: fleet.lb.url, seconds: 600, connections: 64 });
    await sleep(2000);
    hostExec('web-1', 'systemctl restart app');
    await sleep(3000);
    const naiveTally = await naive.stop();
    expect(naiveTally.failed, naiveTally.raw).toBeGreaterThan(0);
    fleetReset();

    const before = Object.fromEntries(fleet.hosts.map((h) => [h.name, mainPid(h.name, 'app')]));
    const { run, tally } = await rollUnderLoad(fleet.lb.url, 64, {
      ...haproxyInputs(),
      strategy: 'drain-restart',
      service: 'app',
      'check-source': 'haproxy',
      'check-window': '3s',
      'min-requests': '5',
    });

    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.strategy)).toEqual(['drain-restart', 'drain-restart', 'drain-restart']);
    for (const h of fleet.hosts) {
      expect(mainPid(h.name, 'app'), `${h.name} restarted`).not.toBe(before[h.name]);
      expect(phase(run, h.name, 'drain')?.detail).toMatch(/in flight reached 0 after \d+ ms \(load balancer sessions\)/);
      expect(phase(run, h.name, 'return')?.detail).toMatch(/sees it UP/);
    }
    const states = serverStates();
    expect(fleet.hosts.map((h) => states[h.name]?.status)).toEqual(['UP', 'UP', 'UP']);
    expect(tally.requests).toBeGreaterThan(500);
    expect(tally.failed, tally.raw).toBe(0);
  });

  it('the drain wait ends within ~1 s of the last in-flight request, not when idle connections close', async () => {
    const fleet = readFleet();
    // On an idle LB, round robin sends one of three long requests to each server. 6 s: the
    // action's start, preflight and the turn's reconnection (about 2.5 s here) come before the
    // drain, which must still find the request in flight for more than 1.5 s.
    const held = [0, 1, 2].map(() => curlStatus(`${fleet.lb.url}sleep?ms=6000`, 30));
    await sleep(300);
    const run = await runOnFleet({
      ...haproxyInputs(),
      hosts: hostsYaml(fleet, 1),
      strategy: 'drain-restart',
      service: 'app',
      'check-window': '0',
      'min-healthy': '1',
    });
    const finished = await Promise.all(held);
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(finished.map((f) => f.status)).toEqual(['200', '200', '200']);
    const drain = phase(run, 'web-1', 'drain');
    const drainEnd = Date.parse(drain?.startedAt ?? '') + (drain?.durationMs ?? 0);
    const lastRequest = Math.max(...finished.map((f) => f.endedAt));
    // It waited for the held request and stopped within a second of it finishing.
    expect(drainEnd - lastRequest).toBeLessThan(1000);
    expect(drainEnd - lastRequest).toBeGreaterThan(-1000);
    expect(drain?.waitMs).toBeGreaterThan(1500);
  });

  it('the capacity guard stops the rollout when the other hosts are down, with nothing drained', async () => {
    haproxy('disable server web/web-2');
    haproxy('disable server web/web-3');
    const before = mainPid('web-1', 'app');
    const run = await runOnFleet({ ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'check-window': '0' });
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-1');
    expect(run.report?.failedPhase).toBe('drain');
    expect(run.report?.reason).toMatch(/capacity guard: 0 other healthy servers.*Nothing was drained/);
    expect(serverStates()['web-1']?.status).toBe('UP');
    expect(mainPid('web-1', 'app')).toBe(before);
  });

  it('restarts a socket-activated unit without a drain and without a failed request (Pattern D)', async () => {
    const fleet = readFleet();
    const before = fleet.hosts.map((h) => mainPid(h.name, 'app-sock'));
    const { run, tally } = await rollUnderLoad(fleet.lb.sockUrl, 64, {
      ...haproxyInputs(),
      'haproxy-backend': fleet.lb.sockBackend,
      service: 'app-sock',
      'readiness-url': 'http://127.0.0.1:8081/healthz',
      'check-source': 'haproxy',
      'check-window': '3s',
      'min-requests': '5',
    });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.strategy)).toEqual(['socket-restart', 'socket-restart', 'socket-restart']);
    expect(run.report?.hosts[0]?.strategyReason).toMatch(/app-sock\.socket holds the listening socket/);
    expect(run.report?.hosts.every((h) => !h.phases.some((p) => p.name === 'drain'))).toBe(true);
    expect(fleet.hosts.map((h) => mainPid(h.name, 'app-sock'))).not.toEqual(before);
    expect(tally.failed, tally.raw).toBe(0);
  });

  it('inspect warns about a short TimeoutStopSec and a restart storm, with the drop-ins', async () => {
    fault('web-1', 'short-stop-timeout');
    fault('web-2', 'restart-storm');
    const run = await runOnFleet({ ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'check-window': '0' });
    expect(run.outputs.status, run.stdout).toBe('success');
    const warnings = run.annotations.filter((a) => a.kind === 'warning').map((a) => a.text);
    expect(warnings.find((w) => w.startsWith('web-1'))).toMatch(
      /TimeoutStopSec=1s[\s\S]*systemctl edit app.service[\s\S]*\[Service\]\nTimeoutStopSec=70s/,
    );
    expect(warnings.find((w) => w.startsWith('web-2'))).toMatch(/Restart=always with RestartSec=0ms[\s\S]*RestartSec=2s/);
    expect(run.report?.hosts[0]?.warnings.join(' ')).toMatch(/TimeoutStopSec/);

    fleetReset();
    fault('web-1', 'short-stop-timeout');
    const refused = await runOnFleet({
      ...haproxyInputs(),
      strategy: 'drain-restart',
      service: 'app',
      'check-window': '0',
      'unit-warnings': 'refuse',
    });
    expect(refused.outputs.status).toBe('failed');
    expect(refused.report?.failedPhase).toBe('inspect');
  });

  it('the nginx load-balancer adapter drives a rollout through lb-1 with 0 failed requests', async () => {
    const fleet = readFleet();
    const lb = fleet.nginxLb;
    if (!lb) throw new Error('the fleet was brought up without lb-1');
    const upstream = () => hostExec('lb-1', `cat ${lb.upstreamConf}`).stdout;
    const original = upstream();
    // Each request on its own connection. Every drain and return reloads lb-1's nginx, and its old
    // workers close their idle keep-alive client connections at once: a request sent on one in that
    // instant meets a closed connection. HTTP clients retry that (RFC 9112, 9.3.1); wrk counts it
    // as a read error (1 in ~1,500 requests in some runs here). That race is nginx's on any reload,
    // not this adapter's; what is measured is that no request sent to lb-1 fails while it changes.
    const { run, tally } = await rollUnderLoad(
      lb.url,
      32,
      {
        lb: 'nginx',
        'lb-host': `root@${lb.address}`,
        'nginx-upstream-config': lb.upstreamConf,
        strategy: 'drain-restart',
        service: 'app',
        'stub-status-url': 'http://127.0.0.1/nginx_status',
        'check-window': '2s',
        'min-requests': '5',
      },
      { connectionPerRequest: true },
    );
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts[1]?.phases.find((p) => p.name === 'drain')?.detail).toMatch(
      /nginx upstream .* in flight reached 0 .*nginx stub_status/,
    );
    expect(upstream()).toBe(original);
    expect(tally.failed, tally.raw).toBe(0);
  });

  it('the command load-balancer adapter drives a rollout with drain/ready commands run on the runner', async () => {
    const fleet = readFleet();
    const sock = fleet.lb.haproxySocket;
    const { run, tally } = await rollUnderLoad(fleet.lb.url, 64, {
      lb: 'command',
      'drain-command': `echo "set server web/{name} state drain" | socat stdio ${sock}`,
      'ready-command': `echo "set server web/{name} state ready" | socat stdio ${sock}`,
      strategy: 'drain-restart',
      service: 'app',
      'stub-status-url': 'http://127.0.0.1/nginx_status',
      'check-window': '2s',
      'min-requests': '5',
    });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts[0]?.phases.find((p) => p.name === 'drain')?.detail).toMatch(/drain\/ready commands on the runner/);
    expect(Object.values(serverStates()).map((s) => s.status)).not.toContain('DRAIN');
    expect(tally.failed, tally.raw).toBe(0);
  });
});
