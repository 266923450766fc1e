import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/run';
import { Printer, Secrets } from '../../src/cli/terminal';
import { Capture, cli, fakeProcess, fakeWorld } from '../support/cli';

/**
 * A passphrase holding characters the summary's Markdown escapes: in a table cell or the headline
 * it would be written `pa\|ss\*w\_rd&lt;&amp;&gt;\#x`, in the evidence's HTML `pa|ss*w_rd&lt;&amp;&gt;#x`.
 */
const SECRET = 'pa|ss*w_rd<&>#x';
const ESCAPED = ['pa\\|ss\\*w\\_rd&lt;&amp;&gt;\\#x', 'pa|ss*w_rd&lt;&amp;&gt;#x'];

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}';
let dir: string;
let journal: string;
let valid: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zdr-cli-redaction-'));
  journal = join(dir, 'journal.json');
  valid = ['--hosts', HOSTS, '--host-key-check', 'off', '--check-window', '0', '--journal', journal];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The agent for the hosts, and the secret as the CLI takes it from the environment. */
const env = (): NodeJS.ProcessEnv => ({ HOME: dir, SSH_AUTH_SOCK: '/tmp/agent.sock', ZDR_PASSPHRASE: SECRET });

describe('--summary: what the streams redact, the summary file redacts', () => {
  it('a secret in host text is redacted before the Markdown escapes it, in every form; the escaping of the rest is kept', async () => {
    const world = fakeWorld();
    world.connector.host('web-2').validateFails = `nginx: [emerg] bad ${SECRET}`;
    const summary = join(dir, 'summary.md');
    const run = await cli([...valid, '--summary', summary], fakeProcess(env()), world);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toContain('nginx: [emerg] bad ***');
    const md = readFileSync(summary, 'utf8');
    for (const form of [SECRET, ...ESCAPED]) expect(md).not.toContain(form);
    // The headline (Markdown: `***` escaped as any host text is) and the evidence (HTML).
    expect(md).toContain('exited with status 1: nginx: \\[emerg\\] bad \\*\\*\\*. No host was changed.');
    expect(md).toContain('exited with status 1: nginx: [emerg] bad ***</p>');
    // Each row of the host table still has its 8 cell borders: no `|` of a secret, no cell split.
    const rows = md.split('\n').filter((l) => l.startsWith('| web-'));
    expect(rows.map((r) => r.replace(/\\\|/g, '').split('|').length - 1)).toEqual([8, 8]);
  });

  it('a secret in the plan and in the JSON report is redacted too (--dry-run --json)', async () => {
    const world = fakeWorld();
    const summary = join(dir, 'summary.md');
    const run = await cli(
      [...valid, '--dry-run', '--json', '--summary', summary, '--rollback-command', `undo ${SECRET}`],
      fakeProcess(env()),
      world,
    );
    expect(run.code, run.stderr).toBe(EXIT.success);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/^### Plan$/m);
    for (const text of [md, run.stdout, run.stderr]) for (const form of [SECRET, ...ESCAPED]) expect(text).not.toContain(form);
    expect(md).toContain('undo ***');
  });

  it('is inert, as every line printed is: control characters from hosts are shown, never written', async () => {
    const world = fakeWorld();
    world.connector.host('web-2').validateFails = 'nginx: bad \x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eevil';
    const summary = join(dir, 'summary.md');
    await cli([...valid, '--summary', summary], fakeProcess(env()), world);
    const md = readFileSync(summary, 'utf8');
    expect(md).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(md).toContain('nginx: bad \\x1b]0;pwned\\x07 \\x1b[2J \\x9b31m \\u{202e}evil</p>');
  });
});

describe('reconcile: secrets are registered without a main step', () => {
  it('a secret in what reconcile prints is redacted, as a run’s is', async () => {
    const web1 = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };
    writeFileSync(
      journal,
      JSON.stringify({ owner: 'x', drained: [{ ...web1, why: 'turn' }], locks: [], completed: false, pid: 2 ** 22 + 1 }),
    );
    const world = {
      ...fakeWorld(),
      connectorFor: () => {
        throw new Error(`the agent refused ${SECRET}`);
      },
    };
    const rec = await cli(['reconcile', ...valid], fakeProcess(env()), world);
    expect(rec.code).toBe(EXIT.failed);
    expect(rec.stderr).toContain('post step: the agent refused ***');
    expect(rec.stdout + rec.stderr).not.toContain(SECRET);
  });
});

describe('one list of secrets for every output', () => {
  it('a secret registered once is redacted by every Printer that shares the list, and in data before it is encoded', () => {
    const secrets = new Secrets();
    const [a, b] = [new Capture(), new Capture()];
    const out = new Printer(a, {}, secrets);
    const err = new Printer(b, {}, secrets);
    out.secrets.add('hunter2-passphrase');
    err.line('the passphrase hunter2-passphrase leaked');
    expect(b.text).toBe('the passphrase *** leaked\n');
    expect(secrets.redactAll({ n: 1, list: ['x hunter2-passphrase', null], nested: { s: 'hunter2-passphrase' } })).toEqual({
      n: 1,
      list: ['x ***', null],
      nested: { s: '***' },
    });
  });

  it('--json redacts a secret holding characters that JSON or inert() escape (a quote, a backslash, a bidi override)', () => {
    const stream = new Capture();
    const out = new Printer(stream, {});
    out.secrets.add('pass"\\\u202eword');
    out.json({ detail: 'x pass"\\\u202eword y' });
    expect(JSON.parse(stream.text)).toEqual({ detail: 'x *** y' });
  });
});
