import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { actionMainIO, actionPostIO } from '../../src/action/io';
import { ActionsLog, annotate, print } from '../../src/action/log';
import { publish } from '../../src/action/publish';
import { untrustedLine } from '../../src/report/neutralise';
import type { Report } from '../../src/report/report';
import { PARTIAL_MIN, Secrets } from '../../src/report/secrets';
import { tail } from '../../src/remote/remote-host';
import { captureStdout } from '../support/capture-stdout';
import { sshKeygen } from '../support/keys';

const SECRET = 'Tr0ub4dor-and-3-more-words';

/** Every run of PARTIAL_MIN characters of the secret that `text` still holds. */
function leaks(text: string, secret = SECRET): string[] {
  const found: string[] = [];
  for (let i = 0; i + PARTIAL_MIN <= secret.length; i++)
    if (text.includes(secret.slice(i, i + PARTIAL_MIN))) found.push(secret.slice(i, i + PARTIAL_MIN));
  return found;
}

describe('Secrets: a secret the core cut short is redacted too', () => {
  const secrets = new Secrets();
  secrets.add(SECRET);
  secrets.add('short');

  it('the head of a secret before a cut (…) and its tail after one', () => {
    expect(secrets.redact('auth failed for Tr0ub4dor-an…')).toBe('auth failed for ***…');
    expect(secrets.redact('…-more-words was refused')).toBe('…*** was refused');
    expect(secrets.redact(`${SECRET} and Tr0ub…"`)).toBe('*** and ***…"');
  });

  it('what the core’s own cuts leave: a line cut at 40 characters, the tail of a command’s output', () => {
    const line = untrustedLine(`nginx: [emerg] unknown directive "${SECRET}" in /etc/nginx/nginx.conf`, 40);
    expect(leaks(line)).not.toEqual([]);
    expect(leaks(secrets.redact(line))).toEqual([]);
    const out = tail(`${'x'.repeat(900)}\nkey: ${SECRET}\nexit 1`, 6, 30);
    expect(leaks(out)).not.toEqual([]);
    expect(leaks(secrets.redact(out))).toEqual([]);
  });

  it('a piece between two cuts that lies inside a secret (a long token cut at both ends)', () => {
    expect(secrets.redact('…ub4dor-and…')).toBe('…***…');
    expect(secrets.redact('…ab…')).toBe('…ab…');
  });

  it('a key’s armour is public: the message that names it stays whole, the key’s body is still cut out', () => {
    const keys = new Secrets();
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n`;
    keys.add(key);
    const hint = 'expected the text of an OpenSSH or PEM private key (-----BEGIN … PRIVATE KEY-----)';
    expect(keys.redact(hint)).toBe(hint);
    expect(keys.redact('read: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r…')).toBe('read: -----BEGIN OPENSSH PRIVATE KEY-----\n***…');
  });

  it('the last lines of a key that a failing command printed, as tail() keeps them: none of the key shows, its short last line neither', () => {
    const keys = new Secrets();
    const body = [...Array.from({ length: 5 }, (_, i) => `${i}${'QmFzZTY0'.repeat(8)}x`), 'Zw9='];
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    // As maskSecrets registers a key input: the whole value, and each line of 8 characters or more.
    keys.add(key);
    for (const line of body) if (line.length >= 8) keys.add(line);
    const out = tail(`cat: reading the key\n${key}`, 3);
    expect(out).toContain('Zw9=');
    const shown = keys.redact(out);
    expect(shown).not.toContain('Zw9=');
    for (const line of body) expect(shown).not.toContain(line.slice(0, 8));
    expect(shown).toContain('-----END OPENSSH PRIVATE KEY-----');
  });

  it('whole values and what cuts leave are found on the text as it came, and hidden together', () => {
    // A secret whose end is also its start, after a cut: its tail must not hide only part of it.
    const a = new Secrets();
    a.add('abcd-hunter2-abcd');
    expect(a.redact('…abcd-hunter2-abcd rejected')).toBe('…*** rejected');
    // One secret's end is another's start.
    const b = new Secrets();
    b.add('Winter-Summer');
    b.add('Summer2024!Jump');
    expect(b.redact('…Summer2024!Jump')).toBe('…***');
    // A secret holding the cut mark itself.
    const c = new Secrets();
    c.add('ab…cdefgh');
    expect(c.redact('pass: ab…cdefgh')).toBe('pass: ***');
  });

  it('overlapping occurrences are hidden whole, and a secret that repeats itself stays cheap', () => {
    const a = new Secrets();
    a.add('aba');
    expect(a.redact('ababa x')).toBe('*** x');
    const b = new Secrets();
    b.add('abab');
    expect(b.redact('ababa x ababab')).toBe('***a x ***');
    const c = new Secrets();
    c.add('a'.repeat(50_000));
    const started = performance.now();
    expect(c.redact(`${'a'.repeat(100_000)}b`)).toBe('***b');
    // Searching again one character on took ~2 s here; following the run takes milliseconds.
    expect(performance.now() - started).toBeLessThan(500);
    const cuts = new Secrets();
    cuts.add('abcdefgh');
    // 300,000 cuts: their ranges were once spread into one call's arguments, past the stack's limit.
    expect(cuts.redact('efgh…abcd…'.repeat(300_000))).toContain('***…***');
  });

  it('real ed25519 keys, registered as maskSecrets does, after a cut and with CRLF line ends: no 8 characters of a line show', () => {
    for (let k = 0; k < 5; k++) {
      const key = sshKeygen('ed25519').private;
      const lines = key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'));
      const keys = new Secrets();
      keys.add(key);
      for (const line of lines) keys.add(line);
      for (const text of [`…${lines[1] ?? ''}`, `…${lines.slice(1).join('\r\n')}\r\n`, tail(`oops\n${key.replace(/\n/g, '\r\n')}`, 3)]) {
        const shown = keys.redact(text);
        for (const line of lines) for (let i = 0; i + 8 <= line.length; i += 4) expect(shown).not.toContain(line.slice(i, i + 8));
      }
    }
  });

  it('a long key and text full of cuts stay cheap: found from where the secret starts, not by every length', () => {
    const keys = new Secrets();
    const body = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')}${'AbCdEfGh'.repeat(8)}`);
    keys.add(body.join('\n'));
    for (const line of body) keys.add(line);
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} ----- ≈`).join('…');
    const started = performance.now();
    expect(keys.redact(text)).toBe(text);
    // Trying every length of every secret took ~3.1 s here for these 20,000 cuts (the commit before
    // this test's); finding the secret's own start takes ~0.1 s.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('only at a cut, only from PARTIAL_MIN characters, and a whole secret that is shorter than another is still whole', () => {
    expect(secrets.redact('Tr0ub4dor-and is not cut')).toBe('Tr0ub4dor-and is not cut');
    expect(secrets.redact('a Tr0…')).toBe('a Tr0…');
    expect(secrets.redact('a Tr0u…')).toBe('a ***…');
    expect(secrets.redact('shorter…')).toBe('***er…');
  });
});

describe('the action redacts what it writes, not only what the runner masks', () => {
  let dir: string;
  let out: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zdr-secrets-'));
    for (const [name, file] of [
      ['GITHUB_OUTPUT', 'output'],
      ['GITHUB_STEP_SUMMARY', 'summary.md'],
    ] as const) {
      writeFileSync(join(dir, file), '');
      vi.stubEnv(name, join(dir, file));
    }
    out = captureStdout();
    actionMainIO().maskSecret(SECRET);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the log, the annotations, the outputs and the job summary hold no part of a cut secret', async () => {
    const cut = untrustedLine(`bad passphrase ${SECRET}`, 30);
    print(`web-1: ${cut}`);
    new ActionsLog().warning(`web-2: ${cut}`);
    annotate('error', `web-3: ${SECRET}`, `title ${cut}`);
    const report: Report = {
      status: 'failed',
      strategy: 'restart',
      startedAt: new Date(0).toISOString(),
      durationMs: 10,
      dryRun: false,
      failedHost: 'web-1',
      failedPhase: 'validate',
      reason: `validate failed: ${cut}`,
      hosts: [],
      waitMs: 0,
    };
    await publish(report, [`plan: ${cut}`], [`error: ${cut}`]);
    const log = out.join('').replace(/^::add-mask::.*\n/gm, '');
    expect(log).toContain('web-1: bad passphrase ***…');
    for (const text of [log, readFileSync(join(dir, 'output'), 'utf8'), readFileSync(join(dir, 'summary.md'), 'utf8')])
      expect(leaks(text)).toEqual([]);
    // The runner is still told the whole value (and masks it in what it shows).
    expect(out.join('')).toContain(`::add-mask::${SECRET}\n`);
  });

  it('the post step’s secrets go to the same list: what it prints is redacted too', () => {
    actionPostIO().maskSecret('post-only-secret-value');
    print(`web-1: ${untrustedLine('journal: post-only-secret-value', 25)}`);
    expect(out.join('')).toContain('web-1: journal: ***…');
  });
});
