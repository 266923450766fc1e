import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/argv';
import { resolveInputs } from '../../src/cli/sources';
import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'zdr-cli-raw-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ENV = { SSH_AUTH_SOCK: '/tmp/agent' };

/** The inputs of a config file with these lines, as the CLI resolves them (HOME in the test's directory). */
function fromConfig(lines: string[]) {
  const path = join(dir, 'deploy.yml');
  writeFileSync(path, lines.join('\n'));
  const parsed = parseArgs(['-c', path]);
  if (!parsed.ok) throw new Error(parsed.error);
  return resolveInputs(parsed.args, { HOME: dir });
}

/** What the action makes of raw input strings: readSettings' errors, or [] when they are valid. */
function actionErrors(inputs: Partial<Record<InputName, string>>): string[] {
  const read = readSettings((name) => inputs[name] ?? '', ENV);
  return read.ok ? [] : read.errors;
}

describe('a flag whose value was left out does not swallow the next flag', () => {
  it('refuses a valued flag followed by a flag, naming the flag', () => {
    const swallowed = parseArgs(['--hosts', 'web1', '--rollback-command', '--dry-run']);
    expect(swallowed).toEqual({ ok: false, error: expect.stringMatching(/^--rollback-command needs a value, not the flag --dry-run/) });
    expect(parseArgs(['--strategy', '--lb=haproxy'])).toEqual({ ok: false, error: expect.stringMatching(/^--strategy needs a value/) });
    expect(parseArgs(['--hosts-file', '--json'])).toEqual({ ok: false, error: expect.stringMatching(/^--hosts-file needs a value/) });
    expect(parseArgs(['--summary', '-h'])).toEqual({ ok: false, error: expect.stringMatching(/^--summary needs a value/) });
    // -c takes no attached value: the hint names --config=.
    expect(parseArgs(['-c', '--json'])).toEqual({ ok: false, error: expect.stringMatching(/^-c needs a value.*--config=VALUE/) });
    // A mistyped flag is not a value either.
    expect(parseArgs(['--rollback-command', '--dryrun'])).toEqual({
      ok: false,
      error: expect.stringMatching(/^--rollback-command needs a value/),
    });
  });

  it('still takes a value attached with =, and values that merely start with -', () => {
    const attached = parseArgs(['--hosts', 'web1', '--rollback-command=--dry-run']);
    expect(attached.ok && Object.fromEntries(attached.args.inputs)).toEqual({ hosts: 'web1', 'rollback-command': '--dry-run' });
    const negative = parseArgs(['--max-failed-hosts', '-1', '--dry-run']);
    expect(negative.ok && Object.fromEntries(negative.args.inputs)).toEqual({ 'max-failed-hosts': '-1', 'dry-run': 'true' });
  });
});

describe('the config file gives each input the text written, as the action’s inputs are', () => {
  const base = ['hosts: web-1', 'host-key-check: off'];

  it.each([
    ['drain-timeout', '1e3'],
    ['readiness-successes', '2.0'],
    ['check-window', '.5'],
    ['port', '0x16'],
  ] as const)('%s: %s reaches validation as written and gets the action’s error', (name, raw) => {
    const r = fromConfig([...base, `${name}: ${raw}`]);
    expect(r.errors).toEqual([]);
    expect(r.source(name)).toBe(raw);
    const cli = readSettings(r.source, ENV);
    const action = actionErrors({ hosts: 'web-1', 'host-key-check': 'off', [name]: raw });
    expect(action).toEqual([expect.stringMatching(new RegExp(`^Input '${name}': `))]);
    expect(cli.ok ? [] : cli.errors).toEqual(action);
  });

  it('refuses a list for a single-value input, naming the input', () => {
    expect(fromConfig([...base, 'strategy: [reload]']).errors).toEqual([
      expect.stringMatching(/deploy\.yml: 'strategy': takes one value, not a list$/),
    ]);
    expect(fromConfig([...base, 'port:', '  - 22']).errors).toEqual([expect.stringMatching(/'port': takes one value, not a list$/)]);
  });

  it('keeps booleans, numbers, quoted strings, empty values and the multi-line lists working', () => {
    const r = fromConfig([
      'hosts:',
      '  - { host: 10.0.0.1, name: web-1, user: deploy }',
      '  - { host: 10.0.0.2, name: web-2, port: 2222 }',
      'host-key-check: off',
      'dry-run: true',
      'sudo: false',
      'port: 2222',
      'min-healthy: 0',
      'drain-timeout: "90s"',
      'strategy:',
      'batches: [1, 50%]',
      'check-ignore-paths: [/healthz, /ping]',
      'dependency-checks:',
      '  - redis-cli ping',
      '  - test -f /ok',
    ]);
    expect(r.errors).toEqual([]);
    expect(['dry-run', 'sudo', 'port', 'drain-timeout', 'strategy', 'batches'].map((n) => r.source(n as InputName))).toEqual([
      'true',
      'false',
      '2222',
      '90s',
      '',
      '1\n50%',
    ]);
    const read = readSettings(r.source, ENV);
    if (!read.ok) throw new Error(read.errors.join('; '));
    const s = read.settings;
    expect(s.hosts.map((h) => `${h.user}@${h.name}=${h.host}:${h.port}`)).toEqual([
      'deploy@web-1=10.0.0.1:2222',
      'root@web-2=10.0.0.2:2222',
    ]);
    expect([s.dryRun, s.ssh.sudo, s.drain.timeoutMs, s.drain.minHealthy, s.strategy]).toEqual([true, false, 90_000, 0, 'auto']);
    expect([s.batches, s.checkIgnorePaths, s.dependencyChecks]).toEqual([
      [1, 1],
      ['/healthz', '/ping'],
      ['redis-cli ping', 'test -f /ok'],
    ]);
  });

  it('joins a hosts list of names one per line, and sends a list of mappings back as YAML', () => {
    expect(fromConfig(['hosts: [web-1, deploy@web-2:2222]']).source('hosts')).toBe('web-1\ndeploy@web-2:2222');
    expect(fromConfig(['hosts:', '  - { host: 10.0.0.2, port: 2222 }']).source('hosts')).toBe('- host: 10.0.0.2\n  port: 2222\n');
  });
});
