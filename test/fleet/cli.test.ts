import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJournalFile } from '../../src/cli/journal';
import type { Report } from '../../src/report/report';
import { fleetReset, mainPid } from '../support/fleet-action';
import { lbStates, locksLeft } from '../support/fleet-state';
import { fleetConfigDir, runCli, type CliRun } from '../support/run-cli';
import { heldRequest, readFleet, serverStates, startWrk } from './fleet';

const skip = process.env.ZDR_SKIP_FLEET === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = resolve(__dirname, '../..');
const allUp = { 'web-1': 'UP', 'web-2': 'UP', 'web-3': 'UP' };
const drainRestart = { strategy: 'drain-restart', service: 'app', 'check-source': 'haproxy', 'min-requests': 5 };

/** Calls `act` once HAProxy shows web-1 drained. */
function whenDrained(act: () => void): (child: { on(e: 'close', f: () => void): unknown }) => void {
  return (child) => {
    const poll = setInterval(() => {
      if (serverStates()['web-1']?.status === 'DRAIN') {
        clearInterval(poll);
        act();
      }
    }, 100);
    child.on('close', () => clearInterval(poll));
  };
}

const report = (run: CliRun): Report => JSON.parse(run.stdout) as Report;

describe.skipIf(skip)('the zero-downtime-restart command on the real fleet', () => {
  let work: ReturnType<typeof fleetConfigDir>;
  /** HOME for the command: its journal goes under it, and no ~/.ssh/known_hosts of this machine is read. */
  let env: Record<string, string>;
  beforeEach(() => {
    fleetReset();
    work = fleetConfigDir(readFleet(), drainRestart);
    env = { HOME: work.dir };
  }, 180_000);
  afterEach(() => work.cleanup());

  it('drain-restarts the fleet under load from a config file: exit 0, 0 failed requests', async () => {
    const fleet = readFleet();
    const before = fleet.hosts.map((h) => mainPid(h.name, 'app'));
    const load = startWrk({ url: fleet.lb.url, seconds: 600, connections: 64 });
    await sleep(2000);
    const run = await runCli(['-c', work.config, '--check-window', '3s', '--json', '--summary', join(work.dir, 'summary.md')], { env });
    await sleep(1000);
    const tally = await load.stop();
    console.log(
      `[cli] drain-restart through the CLI under load: ${tally.requests} requests, ${tally.failed} failed, run ${run.durationMs} ms`,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(report(run).status).toBe('success');
    expect(report(run).hosts.map((h) => h.strategy)).toEqual(['drain-restart', 'drain-restart', 'drain-restart']);
    expect(fleet.hosts.map((h) => mainPid(h.name, 'app')).every((pid, i) => pid !== before[i])).toBe(true);
    // Not a terminal: plain lines, no cursor control or colour.
    expect(run.stderr).not.toMatch(/\x1b|\r/);
    expect(run.stderr).toMatch(/^web-1: drain$/m);
    expect(lbStates()).toEqual(allUp);
    expect(tally.requests).toBeGreaterThan(500);
    expect(tally.failed, tally.raw).toBe(0);
  });

  it('Ctrl-C in a terminal mid-drain: exit 130, the host back in service, not restarted, nothing left drained', async () => {
    const held = [heldRequest(15_000), heldRequest(15_000), heldRequest(15_000)];
    await sleep(300);
    const pid = mainPid('web-1', 'app');
    let pressedAt = 0;
    let terminal: { write(text: string): unknown } | null = null;
    const run = await runCli(['-c', work.config, '--drain-timeout', '60s', '--journal', join(work.dir, 'j.json')], {
      env,
      pty: true,
      onChild: (child) => void (terminal = child.stdin),
      // As a person would: once the live line shows the drain waiting on requests in flight, Ctrl-C
      // typed into the terminal, which sends SIGINT to the command.
      onLine: (line) => {
        if (pressedAt || !/web-1 {2}drain .*draining: \d+ in flight/.test(line) || serverStates()['web-1']?.status !== 'DRAIN') return;
        pressedAt = Date.now();
        terminal?.write('\x03');
      },
    });
    expect(run.code, run.stdout).toBe(130);
    expect(pressedAt).toBeGreaterThan(0);
    // It stopped at once (returning the host), not when the held requests end (15 s after they began).
    const stoppedInMs = Date.now() - pressedAt;
    console.log(`[cli] Ctrl-C to exit: ${stoppedInMs} ms`);
    expect(stoppedInMs).toBeLessThan(6000);
    // The live line was drawn (a TTY): cursor to column 0, line cleared, the drain's in-flight count.
    expect(run.stdout).toMatch(/\r\x1b\[2K\x1b\[36m\S web-1 {2}drain +\d+ s {2}draining: \d+ in flight/);
    expect(run.stdout).toMatch(/Received SIGINT: stopping at the next safe point/);
    expect(lbStates()).toEqual(allUp);
    expect(mainPid('web-1', 'app')).toBe(pid);
    expect(readJournalFile(join(work.dir, 'j.json'))).toMatchObject({ completed: true, drained: [], locks: [] });
    await Promise.all(held);
  });

  it('kill -9 mid-drain leaves web-1 drained; `reconcile` with the same options returns it and releases the locks', async () => {
    const held = [heldRequest(15_000), heldRequest(15_000), heldRequest(15_000)];
    await sleep(300);
    const main = await runCli(['-c', work.config, '--drain-timeout', '60s'], {
      env,
      onChild: (child) => whenDrained(() => child.kill('SIGKILL'))(child),
    });
    expect(main.signal).toBe('SIGKILL');
    expect(lbStates()['web-1']).toBe('UP (drained)');
    const [journal] = readdirSync(join(work.dir, '.zero-downtime-restart'));
    const path = join(work.dir, '.zero-downtime-restart', journal as string);
    expect(readJournalFile(path)).toMatchObject({ completed: false, drained: [{ name: 'web-1' }] });
    // A new run refuses to start over it.
    const again = await runCli(['-c', work.config, '--dry-run'], { env });
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/a previous run did not finish.*reconcile/)]);
    const post = await runCli(['reconcile', '-c', work.config], { env });
    expect(post.code, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).toMatch(/web-1 had been left drained by the interrupted main step; it is healthy and was returned to service/);
    expect(post.stdout).toMatch(/released \d+ lock/);
    expect(locksLeft(readJournalFile(path)?.owner ?? 'no journal')).toEqual([]);
    expect(lbStates()).toEqual(allUp);
    expect(readJournalFile(path)).toMatchObject({ completed: true, reconciledAt: expect.any(String) });
    await Promise.all(held);
  });

  it('npm pack, installed into a clean prefix offline: --help, and a dry run against the fleet', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'zdr-pack-'));
    try {
      execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], { cwd: root, stdio: 'ignore' });
      const tarball = join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz')) as string);
      const prefix = join(tmp, 'prefix');
      // Offline and with an empty cache: the tarball must need nothing from a registry.
      const npmEnv = { ...process.env, npm_config_cache: join(tmp, 'cache') };
      execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], {
        env: npmEnv,
        stdio: 'ignore',
      });
      const installed = join(prefix, 'bin', 'zero-downtime-restart');
      const command = [process.env.ZDR_NODE || process.execPath, installed];
      const help = await runCli(['--help'], { env, command });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^ {2}--private-key VALUE, --private-key-file FILE$/m);
      const dry = await runCli(['-c', work.config, '--dry-run'], { env, command });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^Plan: 3 hosts in this order/m);
      expect(dry.stdout).toMatch(/Dry run: nothing was changed\./);
      expect(lbStates()).toEqual(allUp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
