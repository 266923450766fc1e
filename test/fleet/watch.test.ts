import { beforeEach, describe, expect, it } from 'vitest';
import { fleetReset, haproxyInputs, nginxPids, rollUnderLoad, runOnFleet } from '../support/fleet-action';
import { fault, hostExec, NGINX_ROLLBACK_COMMAND, readFleet, serverStates, startWrk } from './fleet';

const skip = process.env.ZDR_SKIP_FLEET === '1';

describe.skipIf(skip)('the post-deploy error gate on the real fleet', () => {
  beforeEach(() => fleetReset(), 180_000);

  it('host 2 answering 500s fails in watch early, is rolled back, host 3 is never changed; summary shows the evidence', async () => {
    const fleet = readFleet();
    fault('web-2', 'stage-500');
    const web3Before = nginxPids('web-3');
    const { run, tally: during } = await rollUnderLoad(fleet.lb.url, 64, {
      ...haproxyInputs(),
      'check-window': '20s',
      'rollback-command': NGINX_ROLLBACK_COMMAND,
    });

    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-2');
    expect(run.report?.failedPhase).toBe('watch');
    const web2 = run.report?.hosts[1];
    const watch = web2?.phases.find((p) => p.name === 'watch');
    expect(watch?.durationMs).toBeLessThan(10_000);
    expect(web2?.errors?.verdict).toBe('fail');
    expect(web2?.errors?.rate).toBeGreaterThan(0.5);
    expect(web2?.phases.find((p) => p.name === 'rollback')?.status).toBe('ok');
    expect(web2?.lbState).toBe('in-service');
    expect(run.report?.hosts[0]?.errors?.verdict).toBe('pass');
    expect(run.report?.hosts[2]?.status).toBe('skipped');
    expect(nginxPids('web-3')).toEqual(web3Before);
    const error = run.annotations.find((a) => a.kind === 'error');
    expect(error?.text).toMatch(/web-2 failed in phase watch: error check tripped: \d+\/\d+ errors = [\d.]+%, over max-error-rate 1%/);
    expect(run.summary).toMatch(/<details><summary>Evidence from web-2 \(failed in watch\)<\/summary>/);
    expect(run.summary).toMatch(/"GET \/ HTTP\/1\.1" 500/);
    expect(run.summary).toContain('Journal since the change:');
    expect(during.non2xx).toBeGreaterThan(0);

    // Rolled back: the errors stop.
    const after = startWrk({ url: fleet.lb.url, seconds: 5, connections: 32 });
    const tally = await after.done;
    expect(tally.failed, tally.raw).toBe(0);
    expect(serverStates()['web-2']?.status).toBe('UP');
  });

  it('host 2 resetting connections instead of answering 5xx is caught by the haproxy source', async () => {
    const fleet = readFleet();
    fault('web-2', 'stage-reset');
    const { run, tally } = await rollUnderLoad(fleet.lb.url, 64, { ...haproxyInputs(), 'check-source': 'haproxy', 'check-window': '10s' });
    expect(run.outputs.status, run.stdout).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-2');
    expect(run.report?.failedPhase).toBe('watch');
    expect(run.report?.hosts[1]?.errors?.source).toMatch(/haproxy/);
    expect(run.report?.hosts[1]?.errors?.errors).toBeGreaterThan(5);
    expect(run.report?.hosts[1]?.errors?.rate).toBeGreaterThan(0.3);
    // No rollback command: the broken host is kept out of rotation, and the report says so.
    expect(run.report?.hosts[1]?.lbState).toBe('drained');
    expect(serverStates()['web-2']?.status).toMatch(/DRAIN/);
    expect(run.annotations.some((a) => a.kind === 'warning' && /web-2 is left drained/.test(a.text))).toBe(true);
    // A 5xx-only check would have passed it: HAProxy counted no 5xx from web-2. (Clients saw few
    // or no failures: HAProxy retries empty responses, `retry-on empty-response`.)
    expect(serverStates()['web-2']?.hrsp5xx).toBe(0);
    void tally;
  });

  it('a clean rollout under load passes with every verdict pass and its counts', async () => {
    const fleet = readFleet();
    const { run, tally } = await rollUnderLoad(fleet.lb.url, 64, { ...haproxyInputs(), 'check-source': 'haproxy', 'check-window': '4s' });
    expect(run.outputs.status, run.stdout).toBe('success');
    for (const h of run.report?.hosts ?? []) {
      expect(h.errors?.verdict).toBe('pass');
      expect(h.errors?.requests).toBeGreaterThan(20);
      // A connection HAProxy retried or redispatched during the reload counts against the server
      // though the client never saw it: seen once in several runs (1 in ~300).
      expect(h.errors?.errors).toBeLessThanOrEqual(1);
    }
    expect(run.summary).toMatch(/\| web-1 \(10\.77\.0\.11\) \| reload \| ✅ success \| pass: 0\/\d+ \(0%\) \|/);
    expect(tally.failed).toBe(0);
  });

  it('no traffic is inconclusive and passes; with fail-on-inconclusive it fails', async () => {
    // Nothing but HAProxy's health checks, which the access-log check ignores.
    const run = await runOnFleet({ 'check-window': '3s' });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.errors?.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(run.annotations.filter((a) => a.kind === 'warning' && /inconclusive/.test(a.text))).toHaveLength(3);

    const strict = await runOnFleet({ 'check-window': '3s', 'fail-on-inconclusive': 'true' });
    expect(strict.outputs.status).toBe('failed');
    expect(strict.outputs['failed-host']).toBe('web-1');
    expect(strict.report?.failedPhase).toBe('watch');
    expect(hostExec('web-2', 'true').code).toBe(0);
  });
});
