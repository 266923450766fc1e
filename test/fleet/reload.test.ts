import { beforeEach, describe, expect, it } from 'vitest';
import { fault, readFleet, startWrk } from './fleet';
import { fleetReset, nginxPids, runOnFleet } from '../support/fleet-action';

const skip = process.env.ZDR_SKIP_FLEET === '1';

describe.skipIf(skip)('reload rollout on the real fleet (Pattern A)', () => {
  beforeEach(() => fleetReset(), 180_000);

  it('reloads nginx on 3 hosts in order under load with 0 failed requests', async () => {
    const fleet = readFleet();
    const before = Object.fromEntries(fleet.hosts.map((h) => [h.name, nginxPids(h.name)]));
    const load = startWrk({ url: fleet.lb.url, seconds: 20, connections: 64 });
    await new Promise((r) => setTimeout(r, 2000));
    const run = await runOnFleet({ 'check-window': '3s', 'min-requests': '5' });
    const tally = await load.done;

    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.code).toBe(0);
    expect(run.outputs['failed-host']).toBe('');
    const report = run.report;
    expect(report?.hosts.map((h) => [h.name, h.status, h.strategy])).toEqual(fleet.hosts.map((h) => [h.name, 'success', 'reload']));
    // Hosts were changed one after another, in order.
    const changes = report?.hosts.map((h) => Date.parse(h.phases.find((p) => p.name === 'change')?.startedAt ?? '')) ?? [];
    expect(changes).toEqual([...changes].sort((a, b) => a - b));
    for (const h of fleet.hosts) {
      const after = nginxPids(h.name);
      expect(after.master, `${h.name} master kept`).toBe(before[h.name]?.master);
      expect(
        after.workers.some((w) => before[h.name]?.workers.includes(w)),
        `${h.name} workers replaced`,
      ).toBe(false);
    }
    expect(report?.hosts.every((h) => h.errors?.verdict === 'pass')).toBe(true);
    expect(run.summary).toContain('| host | strategy | result |');
    expect(tally.requests).toBeGreaterThan(500);
    expect(tally.failed, tally.raw).toBe(0);
  });

  it('a broken config on host 2 stops the run in preflight: nothing is reloaded anywhere', async () => {
    const fleet = readFleet();
    fault('web-2', 'break-config');
    const before = fleet.hosts.map((h) => nginxPids(h.name));
    const run = await runOnFleet({ 'check-window': '0' });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-2');
    expect(run.report?.failedPhase).toBe('validate');
    const error = run.annotations.find((a) => a.kind === 'error');
    expect(error?.text).toMatch(/web-2 failed in phase validate: validate-command failed: .*nginx -t|\[emerg\]/);
    expect(fleet.hosts.map((h) => nginxPids(h.name))).toEqual(before);
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['skipped', 'failed', 'skipped']);
  });

  it('refuses a host whose key changed, printing the fingerprint it offered; nothing changes', async () => {
    const fleet = readFleet();
    fault('web-3', 'change-host-key');
    const before = fleet.hosts.map((h) => nginxPids(h.name));
    const run = await runOnFleet({ 'check-window': '0' });
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['failed-host']).toBe('web-3');
    expect(run.report?.failedPhase).toBe('connect');
    expect(run.report?.reason).toMatch(
      /Host key verification failed for web-3 .*offered ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}, which does not match/,
    );
    expect(fleet.hosts.map((h) => nginxPids(h.name))).toEqual(before);
  });
});
