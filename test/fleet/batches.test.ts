import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HostReport } from '../../src/report/report';
import { fleetReset, haproxyInputs, mainPid, runOnFleet } from '../support/fleet-action';
import { longestGap, sampleRotation } from '../support/lb-sampler';
import { fault, fleetUp, readFleet, startWrk } from './fleet';

/**
 * Batches on a fleet of 9 hosts behind HAProxy. The suite's global setup brings up 3 hosts, and
 * every other file expects exactly those; this file grows the fleet to 9 for itself and puts the
 * 3-host fleet back afterwards (a warm `up` each way: ~8 s and ~5 s, measured in the log).
 */
const skip = process.env.ZDR_SKIP_FLEET === '1';
const HOSTS = 9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const start = (h: HostReport): number => Math.min(...rolled(h).map((p) => Date.parse(p.startedAt)));
const end = (h: HostReport): number => Math.max(...rolled(h).map((p) => Date.parse(p.startedAt) + p.durationMs));
const rolled = (h: HostReport) => h.phases.filter((p) => !['connect', 'inspect', 'validate'].includes(p.name) && p.status !== 'skipped');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const drainRestart = {
  strategy: 'drain-restart',
  service: 'app',
  'check-source': 'haproxy',
  'check-window': '3s',
  'min-requests': '5',
  batches: '1, 3',
};

describe.skipIf(skip)(`batches on ${HOSTS} hosts behind HAProxy`, () => {
  beforeAll(() => {
    const t = Date.now();
    fleetUp(HOSTS);
    console.log(`[batches] fleet of ${HOSTS} hosts up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 900_000);
  afterAll(() => {
    const t = Date.now();
    fleetUp(3);
    console.log(`[batches] back to the suite's 3-host fleet in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 900_000);
  beforeEach(() => fleetReset(), 180_000);

  it('batches 1, 3 roll 9 hosts in 4 batches under load: 0 failed requests, never more than 3 out of rotation', async () => {
    const fleet = readFleet();
    expect(fleet.hosts).toHaveLength(HOSTS);
    const before = Object.fromEntries(fleet.hosts.map((h) => [h.name, mainPid(h.name, 'app')]));
    const load = startWrk({ url: fleet.lb.url, seconds: 600, connections: 64 });
    await sleep(2000);
    const sampler = sampleRotation(fleet.lb.backend, 100);
    // command-timeout 10s makes the load balancer's lock live 60 s and be renewed every 20 s: the
    // heartbeat then runs while the hosts of a batch use the same load balancer at once. A 5 s watch
    // per host keeps the run past 20 s on a quiet machine too (with 3 s: 18.3 s on 12-01).
    const run = await runOnFleet({ ...haproxyInputs(), ...drainRestart, 'command-timeout': '10s', 'check-window': '5s' });
    const samples = await sampler.stop();
    await sleep(1000);
    const tally = await load.stop();

    expect(run.outputs.status, run.stdout).toBe('success');
    const hosts = run.report?.hosts ?? [];
    expect(hosts.map((h) => h.batch)).toEqual([1, 2, 2, 2, 3, 3, 3, 4, 4]);
    expect(run.report?.batches).toBe(4);
    for (const h of fleet.hosts) expect(mainPid(h.name, 'app'), `${h.name} restarted`).not.toBe(before[h.name]);
    expect(tally.requests).toBeGreaterThan(500);
    expect(tally.failed, tally.raw).toBe(0);

    // HAProxy, looked at every 100 ms during the run: at most a batch (3) out at once, and more than
    // one at some point (the hosts of a batch really were out together).
    const most = Math.max(...samples.map((s) => s.out.length));
    const gap = longestGap(samples);
    console.log(
      `[batches] ${samples.length} samples of HAProxy, longest gap ${gap} ms; most servers out of rotation at once: ${most} (${samples.find((s) => s.out.length === most)?.out.join(', ')})`,
    );
    expect(gap).toBeLessThanOrEqual(200);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);

    // Wall time: four batches of one host's time, not nine.
    const turn = median(hosts.map((h) => end(h) - start(h)));
    const rolling = Math.max(...hosts.map(end)) - Math.min(...hosts.map(start));
    const perBatch = [1, 2, 3, 4].map((b) => {
      const inBatch = hosts.filter((h) => h.batch === b);
      return Math.max(...inBatch.map(end)) - Math.min(...inBatch.map(start));
    });
    console.log(
      `[batches] one host's turn (median of 9): ${turn} ms; the 9 hosts in 4 batches: ${rolling} ms = ${(rolling / turn).toFixed(2)} × one host (4 × = ${4 * turn} ms, 9 × = ${9 * turn} ms); batches: ${perBatch.join(', ')} ms; whole run ${run.report?.durationMs} ms; ${tally.requests} requests, ${tally.failed} failed`,
    );
    expect(rolling).toBeLessThan(6 * turn);
    expect(run.stdout).not.toMatch(/could not renew the lock/);
    expect(run.report?.durationMs).toBeGreaterThan(20_000); // so the heartbeat did beat
    // The log: a group per batch, a progress line per batch.
    expect(run.stdout).toMatch(/^::group::Batch 2\/4: web-2, web-3, web-4$/m);
    expect(run.stdout).toMatch(/^batch 2\/4: web-\d .*, web-\d .*, web-\d .*$/m);
  });

  it('a host failing its watch in batch 2 stops the run after batch 2; batches 3 and 4 are untouched', async () => {
    const fleet = readFleet();
    fault('web-3', 'app-500');
    const before = Object.fromEntries(fleet.hosts.map((h) => [h.name, mainPid(h.name, 'app')]));
    const load = startWrk({ url: fleet.lb.url, seconds: 600, connections: 16 });
    await sleep(1000);
    const run = await runOnFleet({ ...haproxyInputs(), ...drainRestart, 'check-window': '15s' });
    await load.stop();

    expect(run.outputs.status, run.stdout).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-3');
    expect(run.report?.failedPhase).toBe('watch');
    expect(run.report?.failedBatch).toBe(2);
    const status = Object.fromEntries((run.report?.hosts ?? []).map((h) => [h.name, h.status]));
    expect(status).toMatchObject({ 'web-1': 'success', 'web-3': 'failed' });
    for (const name of ['web-5', 'web-6', 'web-7', 'web-8', 'web-9']) {
      expect(status[name], name).toBe('skipped');
      expect(mainPid(name, 'app'), `${name} untouched`).toBe(before[name]);
    }
    expect(mainPid('web-3', 'app')).not.toBe(before['web-3']);
    expect(run.summary).toMatch(/Batch 2 of 4 failed; .* no later batch started\./);
    expect(run.summary).toContain('| host | batch |');
  });
});
