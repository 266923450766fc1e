/**
 * The scale simulation's harness (test/support/sim-fleet.ts, bench/scale-sim.ts) works: 20
 * simulated hosts in their own process, rolled by the app's rollout over the real SSH connector.
 * It answers every command of a reload rollout, takes the per-host wait on the change, and shows
 * the connections the rollout held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '../../src/app/connector';
import { productionWorld } from '../../src/app/world';
import { rollout } from '../../src/rollout/rollout';
import { systemClock } from '../../src/runtime/clock';
import { cli, fakeProcess } from '../support/cli';
import { noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { Screen } from '../support/screen';
import { settingsFrom } from '../support/settings';
import { startSimFleet, type SimFleetProcess } from '../support/sim-fleet-process';

const HOSTS = 20;
const WAIT_MS = 30;
let fleet: SimFleetProcess;
beforeAll(async () => {
  fleet = await startSimFleet(HOSTS, WAIT_MS);
}, 30_000);
afterAll(() => fleet?.stop());

describe('the simulated fleet', () => {
  it('is rolled host by host over real SSH: every host reloaded once, the wait taken, few connections open at once', async () => {
    const settings = settingsFrom({
      hosts: fleet.hostsInput,
      'private-key': fleet.privateKey,
      'known-hosts': fleet.knownHosts,
      'check-window': '0',
      strategy: 'reload',
      'preflight-concurrency': '4',
    });
    const deps = {
      connector: connectorFor(settings),
      local: noLocal,
      clock: systemClock,
      log: new RecordingLog(),
      journal: new RecordingJournal(),
      signal: new AbortController().signal,
      owner: 'sim run 1',
      openLoadBalancer: async () => null,
    };
    await fleet.reset();
    const started = Date.now();
    const { report } = await rollout(settings, deps);
    const wall = Date.now() - started;
    expect(report.reason).toBe('');
    expect(report.hosts.map((h) => h.status)).toEqual(new Array(HOSTS).fill('success'));
    for (const h of report.hosts) expect(h.phases.find((p) => p.name === 'change')?.detail).toMatch(/2 workers replaced by 2 new/);
    const stats = await fleet.stats();
    expect(stats.commands['nginx-reload']).toBe(HOSTS);
    expect(stats.commands['lock-acquire']).toBe(HOSTS);
    expect(stats.commands.unknown).toBeUndefined();
    // One connection in preflight, one for the host's turn, but the first host's turn uses its
    // preflight connection; never more than preflight-concurrency at once, plus that first host's.
    expect(stats.accepted).toBe(2 * HOSTS - 1);
    expect(stats.peakOpen).toBeLessThanOrEqual(4 + 1);
    expect(stats.open).toBe(0);
    // Each host's change took the simulated wait on the host, one host at a time.
    for (const h of report.hosts) expect(h.phases.find((p) => p.name === 'change')?.durationMs).toBeGreaterThanOrEqual(WAIT_MS);
    const changes = report.hosts.map((h) => h.phases.find((p) => p.name === 'change')!);
    for (let i = 1; i < changes.length; i++) {
      const previousEnd = Date.parse(changes[i - 1]!.startedAt) + changes[i - 1]!.durationMs;
      expect(Date.parse(changes[i]!.startedAt)).toBeGreaterThanOrEqual(previousEnd);
    }
    expect(wall).toBeGreaterThanOrEqual(HOSTS * WAIT_MS);
  });
});

describe('the CLI rolling the simulated fleet in batches', () => {
  /** `zero-downtime-restart` from the sources with the real world, `--batches 1,5`, on a terminal or a pipe. */
  async function rollWithCli(tty: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'zdr-sim-cli-'));
    try {
      const proc = fakeProcess({ HOME: dir }, tty);
      proc.stderr = proc.stdout; // one terminal: stderr's lines must not land on the live line either
      const argv = ['--hosts', fleet.hostsInput, '--private-key', fleet.privateKey, '--known-hosts', fleet.knownHosts];
      const options = ['--check-window', '0', '--strategy', 'reload', '--batches', '1,5', '--journal', join(dir, 'journal.json')];
      await fleet.reset();
      const run = await cli([...argv, ...options], proc, productionWorld);
      return { ...run, stats: await fleet.stats() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('on a terminal: one live line per batch redrawn in place, every host phase on its own line, named by its host', async () => {
    const run = await rollWithCli(true);
    expect(run.code, run.stdout.slice(-2000)).toBe(0);
    expect(run.stats.commands['nginx-reload']).toBe(HOSTS);
    const screen = new Screen(120).write(run.stdout);
    expect(screen.unknown).toEqual([]);
    expect(screen.overflows).toEqual([]);
    // Nothing of a live line stays in the scrollback (the spinner marks it), and nothing was glued onto one.
    expect(screen.text.filter((row) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(row))).toEqual([]);
    // While a batch of five rolled, the live line said where each of its hosts was.
    expect(run.stdout).toMatch(/\x1b\[36m\S batch 3\/5: sim-7 [a-z]+.*, sim-8 [a-z]+.*, sim-9 [a-z]+/);
    for (let i = 1; i <= HOSTS; i++) {
      const phases = screen.text.filter((row) => row.startsWith(`  sim-${i}  `)).map((row) => row.split(/\s+/)[2]);
      expect(phases, `sim-${i}`).toEqual(['lock', 'change']); // ready and watch are skipped: no readiness URL, check-window 0
      expect(screen.text.filter((row) => row.startsWith(`✓ sim-${i}  success  `))).toHaveLength(1);
    }
  });

  it('not on a terminal: the same run as plain lines, without a single cursor control or colour', async () => {
    const run = await rollWithCli(false);
    expect(run.code, run.stdout.slice(-2000)).toBe(0);
    expect(run.stdout).not.toMatch(/[\r\x1b]/);
    expect(run.stdout).toMatch(/^batch 3\/5: sim-7 \S.*, sim-11 /m);
    expect(run.stdout).toMatch(/^sim-9: change$/m);
  });
});
