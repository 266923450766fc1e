import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJournalFile } from '../../src/cli/journal';
import { EXIT } from '../../src/cli/run';
import type { Report } from '../../src/report/report';
import { cli, fakeProcess, fakeWorld } from '../support/cli';
import { FakeLb } from '../support/fakes';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}';
let dir: string;
let journal: string;
/** A valid command line: two hosts, the agent, no host keys, no error watch; the journal in the test's directory. */
let valid: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zdr-cli-run-'));
  journal = join(dir, 'journal.json');
  valid = ['--hosts', HOSTS, '--host-key-check', 'off', '--check-window', '0', '--journal', journal];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = (): NodeJS.ProcessEnv => ({ HOME: dir, SSH_AUTH_SOCK: '/tmp/agent.sock' });

describe('exit codes: 0 success, 1 rollout failed, 2 invalid input, 130 cancelled', () => {
  it('0: the rollout succeeded; the journal says the run finished', async () => {
    const world = fakeWorld();
    const run = await cli(valid, fakeProcess(env()), world);
    expect(run.code, run.stderr).toBe(EXIT.success);
    expect(world.connector.host('web-1').reloads).toBe(1);
    expect(run.stdout).toMatch(/✓ web-1 {2}success {2}reload/);
    expect(run.stdout).toMatch(/Rollout succeeded in/);
    expect(readJournalFile(journal)).toMatchObject({ completed: true, drained: [], locks: [] });
  });

  it('1: a host failed and the rollout halted', async () => {
    const world = fakeWorld();
    world.connector.host('web-2').validateFails = 'nginx: [emerg] bad';
    const run = await cli(valid, fakeProcess(env()), world);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toMatch(/Rollout failed: web-2 in validate/);
  });

  it('2: invalid settings, naming each input, before any host is touched', async () => {
    const world = fakeWorld();
    const run = await cli(['--hosts', 'web-1', '--port', 'ssh', '--strategy', 'fast', '--journal', journal], fakeProcess(env()), world);
    expect(run.code).toBe(EXIT.invalid);
    expect(run.stderr).toMatch(/Invalid inputs; no host was touched:\n {2}- Input 'port'[\s\S]*Input 'strategy'/);
    expect(world.connector.connects).toEqual([]);
    expect(existsSync(journal)).toBe(false);
  });

  it('2: a bad flag, a bad config file, an unreadable -file', async () => {
    expect((await cli(['--nope'], fakeProcess(env()))).code).toBe(EXIT.invalid);
    writeFileSync(join(dir, 'c.yml'), 'hostz: web-1\n');
    const bad = await cli(['-c', join(dir, 'c.yml')], fakeProcess(env()));
    expect([bad.code, bad.stderr]).toEqual([EXIT.invalid, expect.stringMatching(/unknown key 'hostz'/)]);
    expect((await cli([...valid, '--private-key-file', join(dir, 'none')], fakeProcess(env()))).code).toBe(EXIT.invalid);
  });

  it('130: Ctrl-C stops at the next safe point; nothing was changed, the report says cancelled', async () => {
    const world = fakeWorld();
    const proc = fakeProcess(env());
    // The signal arrives once the command listens, before the first change.
    proc.onSignal = (handler) => queueMicrotask(() => handler('SIGINT'));
    const run = await cli(valid, proc, world);
    expect(run.code).toBe(EXIT.cancelled);
    expect(world.connector.host('web-1').reloads).toBe(0);
    expect(run.stdout).toMatch(/Received SIGINT: stopping at the next safe point/);
    expect(run.stdout).toMatch(/Rollout failed: web-1 in cancelled: cancelled before web-1/);
  });

  it('the third Ctrl-C exits at once with 130, pointing at reconcile', async () => {
    const world = fakeWorld();
    const proc = fakeProcess(env());
    world.connector.host('web-1').onCommand = (kind) => {
      if (/reload/.test(kind)) ['SIGINT', 'SIGINT', 'SIGINT'].forEach(() => proc.signal('SIGINT'));
    };
    const run = await cli(valid, proc, world);
    expect(proc.exits).toEqual([EXIT.cancelled]);
    expect(run.stderr).toMatch(/Ctrl-C once more exits at once[\s\S]*Exiting now\. The journal .* run `zero-downtime-restart reconcile`/);
  });
});

describe('output: --json, --summary, --dry-run', () => {
  it('--json prints the report alone on stdout; the progress goes to stderr', async () => {
    const run = await cli([...valid, '--json'], fakeProcess(env()));
    const report = JSON.parse(run.stdout) as Report;
    expect(report.status).toBe('success');
    expect(report.hosts.map((h) => h.name)).toEqual(['web-1', 'web-2']);
    expect(run.stderr).toMatch(/Rollout succeeded/);
  });

  it('--json of invalid input carries the errors; --summary writes the Markdown summary', async () => {
    const summary = join(dir, 'summary.md');
    const run = await cli(['--port', 'x', '--json', '--summary', summary, '--journal', journal], fakeProcess(env()));
    expect(run.code).toBe(EXIT.invalid);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'invalid',
      errors: expect.arrayContaining([expect.stringMatching(/^Input 'port'/)]),
    });
    expect(readFileSync(summary, 'utf8')).toContain('Invalid inputs — no host was touched.');
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const world = fakeWorld();
    const run = await cli([...valid, '--dry-run'], fakeProcess(env()), world);
    expect(run.code).toBe(EXIT.success);
    expect(run.stdout).toMatch(/^Plan: 2 hosts in this order/m);
    expect(run.stdout).toMatch(/Dry run: nothing was changed\./);
    expect(world.connector.host('web-1').reloads).toBe(0);
  });
});

describe('the journal and reconcile', () => {
  // Never /dev/null itself here: a regression would replace the machine's /dev/null with a file.
  it.each([
    ['a pipe (as /dev/null is a device)', 'fifo', (p: string) => execFileSync('mkfifo', [p])],
    ['a directory', 'dir', (p: string) => mkdirSync(p)],
    ['a symbolic link', 'link', (p: string) => symlinkSync(join(dir, 'elsewhere.json'), p)],
  ])('--journal naming %s is refused before any host is touched, and left as it was', async (_what, name, make) => {
    const path = join(dir, name);
    make(path);
    const before = lstatSync(path);
    const world = fakeWorld();
    for (const command of [[], ['reconcile']]) {
      const run = await cli([...command, ...valid.slice(0, -1), path], fakeProcess(env()), world);
      expect(run.code).toBe(EXIT.invalid);
      expect(run.stderr).toMatch(new RegExp(`the journal ${path} is a .*renamed over its path.*Give --journal the path of a regular file`));
    }
    expect(world.connector.connects).toEqual([]);
    const after = lstatSync(path);
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
  });

  it("a link planted at the journal's temporary name is not written through", async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, `${journal}.${process.pid}.tmp`);
    const run = await cli(valid, fakeProcess(env()), fakeWorld());
    expect(run.code).toBe(EXIT.success);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readJournalFile(journal)).toMatchObject({ completed: true });
  });

  it('a run refuses to start over an unfinished run’s journal; reconcile with nothing to do says so', async () => {
    writeFileSync(
      journal,
      JSON.stringify({
        owner: 'x',
        drained: [],
        locks: [{ target: { host: 'h', port: 22, user: 'root', name: 'h' }, name: 'l' }],
        completed: false,
        pid: 2 ** 22 + 1,
      }),
    );
    const world = fakeWorld();
    const run = await cli(valid, fakeProcess(env()), world);
    expect(run.code).toBe(EXIT.invalid);
    expect(run.stderr).toMatch(/a previous run did not finish: its journal .* Run `zero-downtime-restart reconcile`/);
    expect(world.connector.connects).toEqual([]);
    rmSync(journal);
    const none = await cli(['reconcile', ...valid], fakeProcess(env()));
    expect([none.code, none.stdout]).toEqual([0, expect.stringMatching(/No journal at .*: nothing to reconcile/)]);
  });

  /** The journal of a killed run that had web-1 drained, for `why`. */
  function killedRunJournal(why: 'turn' | 'failed-check'): void {
    const web1 = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };
    const drained = [{ ...web1, why, ...(why === 'failed-check' ? { detail: 'error check tripped' } : {}) }];
    writeFileSync(journal, JSON.stringify({ owner: 'x', drained, locks: [], completed: false, pid: 2 ** 22 + 1 }));
  }

  it('reconcile settles a journal whose only leftover is a host kept out after a failed check: later runs may start', async () => {
    killedRunJournal('failed-check');
    const rec = await cli(['reconcile', ...valid], fakeProcess(env()), fakeWorld());
    expect(rec.code).toBe(EXIT.failed);
    expect(rec.stderr).toMatch(/web-1: .*never returned automatically/);
    expect(rec.stdout).toMatch(/Reconciled: the hosts named above stay out of rotation until you return them/);
    expect(readJournalFile(journal)).toMatchObject({ completed: true });
    expect((await cli(valid, fakeProcess(env()), fakeWorld())).code).toBe(EXIT.success);
  });

  it('reconcile keeps the journal when a drained host could not be returned now: a later reconcile may', async () => {
    killedRunJournal('turn');
    const rec = await cli(['reconcile', ...valid], fakeProcess(env()), fakeWorld());
    expect(rec.code).toBe(EXIT.failed);
    expect(rec.stdout).toMatch(/The journal .* is kept: run reconcile again once what is named above is fixed/);
    expect(readJournalFile(journal)).toMatchObject({ completed: false });
    expect((await cli(valid, fakeProcess(env()), fakeWorld())).code).toBe(EXIT.invalid);
  });

  it('reconcile keeps the journal when it fails itself, whatever the journal held', async () => {
    killedRunJournal('turn');
    const world = {
      ...fakeWorld(),
      connectorFor: () => {
        throw new Error('boom');
      },
    };
    const rec = await cli(['reconcile', ...valid], fakeProcess(env()), world);
    expect(rec.code).toBe(EXIT.failed);
    expect(rec.stderr).toMatch(/post step: boom/);
    expect(readJournalFile(journal)).toMatchObject({ completed: false });
    expect(readJournalFile(journal)?.reconciledAt).toBeUndefined();
  });

  it('a finished run whose cancel left a host not yet ready: new runs wait for reconcile, which returns it once healthy', async () => {
    const web1 = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };
    const drained = [{ ...web1, why: 'not-ready', detail: 'the run was cancelled before it was ready again' }];
    writeFileSync(journal, JSON.stringify({ owner: 'x', drained, locks: [], completed: true, pid: process.pid }));
    const lbArgs = ['--lb', 'command', '--drain-command', 'x {name}', '--ready-command', 'y {name}'];
    const refused = await cli([...valid, ...lbArgs], fakeProcess(env()), fakeWorld());
    expect(refused.code).toBe(EXIT.invalid);
    expect(refused.stderr).toMatch(
      /the last run was cancelled before web-1 was ready again: its journal .* Run `zero-downtime-restart reconcile`/,
    );
    const lb = new FakeLb();
    await lb.drain(web1);
    const world = { ...fakeWorld(), openLoadBalancer: async () => lb };
    const rec = await cli(['reconcile', ...valid, ...lbArgs], fakeProcess(env()), world);
    expect(rec.code, rec.stderr).toBe(EXIT.success);
    expect(lb.drained.has('web-1')).toBe(false);
    expect(readJournalFile(journal)).toMatchObject({ reconciledAt: expect.any(String) });
    expect((await cli([...valid, ...lbArgs], fakeProcess(env()), fakeWorld())).code).toBe(EXIT.success);
  });

  it('the default journal is per fleet, under ~/.zero-downtime-restart', async () => {
    const noJournal = valid.slice(0, -2);
    await cli(noJournal, fakeProcess(env()));
    const other = await cli(['--hosts', 'web-9', '--host-key-check', 'off', '--check-window', '0'], fakeProcess(env()));
    expect(other.code).toBe(0);
    const files = (await import('node:fs')).readdirSync(join(dir, '.zero-downtime-restart'));
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^journal-[0-9a-f]{12}\.json$/.test(f))).toBe(true);
  });
});
