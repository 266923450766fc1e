import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliLog } from '../../src/cli/log';
import { Printer } from '../../src/cli/terminal';
import { rollout } from '../../src/rollout/rollout';
import { Capture, cli, fakeProcess, fakeWorld } from '../support/cli';
import { FakeLb, VirtualClock, fakeDeps } from '../support/fakes';
import { Screen } from '../support/screen';
import { settingsFrom } from '../support/settings';

const COLUMNS = 100;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const names = ['web-1', 'web-2', 'web-3', 'web-4'];
const hosts = names.map((n, i) => `- {host: 10.0.0.${i + 1}, name: ${n}}`).join('\n');
/** Drained through the load balancer, each drain taking a few polls, so the hosts of batch 2 overlap in every phase. */
const inputs = {
  hosts,
  'host-key-check': 'off',
  'check-window': '0',
  service: 'app',
  lb: 'command',
  'drain-command': 'x {name}',
  'ready-command': 'y {name}',
  strategy: 'drain-restart',
  'readiness-url': 'http://127.0.0.1/healthz',
  batches: '1, 3',
} as const;

/** A rollout of web-1, then web-2..4 at once, logged by the CLI to a terminal (or a pipe) of COLUMNS. */
async function rollToTerminal(tty: boolean) {
  const stream = new Capture(tty, COLUMNS);
  const clock = new VirtualClock();
  const log = new CliLog(new Printer(stream, {}), false, clock.now);
  const lb = new FakeLb();
  lb.healthy = 10;
  lb.inFlightStart = 12;
  const { report } = await rollout(settingsFrom(inputs), fakeDeps({ clock, log, owner: 'test run', openLoadBalancer: async () => lb }));
  return { stream, report };
}

describe('the live line while a batch rolls several hosts at once', () => {
  it('a TTY: one line for the batch, redrawn in place; every other line printed above it, each host phase on a line of its own', async () => {
    const { stream, report } = await rollToTerminal(true);
    expect(report.status).toBe('success');
    const screen = new Screen(COLUMNS).write(stream.text);
    expect(screen.unknown).toEqual([]);
    expect(screen.overflows).toEqual([]);
    // No live line stays in the scrollback, none has text glued onto it, and the last is erased at the end.
    expect(screen.text.filter((row) => SPINNER.test(row))).toEqual([]);
    expect(screen.text.at(-1)).toBe('');
    // While batch 2 rolled, the live line was the batch's: where each of its three hosts was.
    expect(stream.text).toMatch(/\x1b\[36m\S batch 2\/2: web-2 draining \S+ in flight, web-3 draining \S+ in flight, web-4 draining/);
    // Each phase of each host stays as its own line, named by its host, with the time the phase
    // took: the report's, not cut short when another host of the batch entered a phase.
    for (const host of report.hosts) {
      const rows = screen.text.filter((row) => row.startsWith(`  ${host.name}  `));
      expect(rows.map((r) => r.split(/\s+/)[2])).toEqual(['lock', 'drain', 'change', 'ready', 'return']);
      for (const phase of host.phases.filter((p) => ['lock', 'drain', 'change', 'ready', 'return'].includes(p.name))) {
        const row = rows.find((r) => r.split(/\s+/)[2] === phase.name) ?? '';
        expect(Number(row.split(/\s+/)[3]), `${host.name} ${phase.name}: ${row}`).toBeCloseTo(phase.durationMs / 1000, 1);
      }
    }
    expect(report.hosts.find((h) => h.name === 'web-3')?.phases.find((p) => p.name === 'drain')?.durationMs).toBeGreaterThan(500);
    // Every row is a group title, a host's own line, or the batch's end: nothing unattributed.
    for (const row of screen.text.filter(Boolean)) expect(row).toMatch(/^(▸ |  web-\d  |web-\d: |batch \d\/2 done after)/);
  });

  it('not a TTY: plain lines, each naming its host or its batch; no cursor control, no colour', async () => {
    const { stream } = await rollToTerminal(false);
    expect(stream.text).not.toMatch(/[\r\x1b]/);
    const lines = stream.text.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^(▸ |web-\d[: ]|batch \d\/2[: ])/);
    expect(lines).toContain('web-3: drain');
    expect(lines).toContain('batch 2/2: web-2 done, web-3 done, web-4 done');
  });
});

describe('the live line stays one row of the terminal, whatever the host says', () => {
  const live = (detail: string, columns = 80) => {
    const stream = new Capture(true, columns);
    const log = new CliLog(new Printer(stream, {}), false, () => 0);
    log.phase('web-1', 'ready');
    log.progress('web-1', detail);
    log.info('next line');
    return { stream, screen: new Screen(columns).write(stream.text) };
  };

  it('newlines and tabs in a progress sentence do not break it over rows', () => {
    const { screen } = live('waiting: last line one\nline two\tand a tab');
    expect(screen.text).toEqual([
      'next line',
      expect.stringMatching(/^\S web-1 {2}ready {4}0 s {2}waiting: last line one line two and a tab$/),
    ]);
  });

  it('wide characters (CJK, emoji) are counted as two columns: the line is cut before it would wrap', () => {
    const { screen } = live('準備ができていません、もう少し待ってください 🚀🚀🚀', 40);
    expect(screen.overflows).toEqual([]);
    expect(screen.text[0]).toBe('next line');
    expect(screen.text[1]).toMatch(/…$/);
  });
});

describe('stderr shares the terminal with the live line', () => {
  it('the second and third Ctrl-C messages go above the live line, not onto it', async () => {
    const world = fakeWorld();
    const proc = fakeProcess({ HOME: '/nonexistent', SSH_AUTH_SOCK: '/tmp/agent.sock' }, true);
    proc.stderr = proc.stdout; // one terminal, as when neither stream is redirected
    world.connector.host('web-1').onCommand = (kind) => {
      if (/reload/.test(kind)) ['SIGINT', 'SIGINT', 'SIGINT'].forEach(() => proc.signal('SIGINT'));
    };
    const dir = mkdtempSync(join(tmpdir(), 'zdr-live-'));
    const argv = ['--hosts', hosts, '--host-key-check', 'off', '--check-window', '0', '--journal', join(dir, 'journal.json')];
    await cli(argv, proc, world).finally(() => rmSync(dir, { recursive: true, force: true }));
    const screen = new Screen(120).write(proc.stdout.text);
    expect(screen.text.filter((row) => SPINNER.test(row))).toEqual([]);
    expect(screen.text).toContainEqual(expect.stringMatching(/^Still stopping safely/));
    expect(screen.text).toContainEqual(expect.stringMatching(/^Exiting now\./));
  });
});
