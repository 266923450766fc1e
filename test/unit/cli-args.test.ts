import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs, type ParsedArgs } from '../../src/cli/argv';
import { resolveInputs } from '../../src/cli/sources';
import { readSettings } from '../../src/settings/read-settings';
import { sshKeygen } from '../support/keys';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'zdr-cli-args-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function args(argv: string[]): ParsedArgs {
  const parsed = parseArgs(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.args;
}

/** A file in the test's directory. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The inputs of a command line, with HOME in the test's directory (no known_hosts there unless written). */
function resolved(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return resolveInputs(args(argv), { HOME: dir, ...env });
}

describe('the command line: every action input is a flag of the same name', () => {
  it('takes --name value, --name=value, bare booleans, and the CLI’s own options', () => {
    const a = args([
      '--hosts',
      'web-1,web-2',
      '--strategy=reload',
      '--dry-run',
      '--sudo=false',
      '-c',
      'deploy.yml',
      '--json',
      '--summary',
      's.md',
    ]);
    expect(Object.fromEntries(a.inputs)).toEqual({ hosts: 'web-1,web-2', strategy: 'reload', 'dry-run': 'true', sudo: 'false' });
    expect(a.options).toMatchObject({ config: 'deploy.yml', json: true, summary: 's.md', help: false });
    expect(a.command).toBe('run');
    expect(args(['reconcile', '--journal', 'j.json']).command).toBe('reconcile');
  });

  it('refuses what is not a flag, naming it', () => {
    expect(parseArgs(['--hostz', 'a'])).toEqual({ ok: false, error: expect.stringMatching(/^unknown option --hostz/) });
    expect(parseArgs(['--strategy'])).toEqual({ ok: false, error: '--strategy needs a value' });
    expect(parseArgs(['--lb-file', 'x'])).toEqual({ ok: false, error: expect.stringMatching(/^unknown option --lb-file/) });
    expect(parseArgs(['web-1'])).toEqual({ ok: false, error: expect.stringMatching(/^unexpected argument "web-1"/) });
  });

  it('never echoes what may be part of a secret: the argument after a secret’s value, or a secret that looks like a flag', () => {
    // Parsing comes before any secret is registered for redaction, so the message itself must not hold one.
    const refused = (argv: string[]): string => {
      const parsed = parseArgs(argv);
      if (parsed.ok) throw new Error(`${argv.join(' ')} was accepted`);
      return parsed.error;
    };
    const unquoted = refused(['--check-window', '0', '--passphrase', 'two', 'words4711']);
    expect(unquoted).toMatch(/^unexpected argument after --passphrase's value \(not shown: .*quote a value that holds spaces/);
    expect(refused(['--passphrase=two', 'words4711'])).toMatch(/^unexpected argument after --passphrase's value/);
    expect(refused(['--prometheus-token', 'abc', '--def4711'])).toMatch(/^unknown option after --prometheus-token's value \(not shown/);
    expect(refused(['--jump-passphrase', '--Pass4711'])).toBe(
      '--jump-passphrase needs a value, not a flag (to give a value that looks like a flag, write --jump-passphrase=VALUE)',
    );
    for (const message of [unquoted, refused(['--passphrase=two', 'words4711']), refused(['--prometheus-token', 'abc', '--def4711'])])
      expect(message).not.toContain('4711');
    // Anywhere else, the argument is named, as before.
    expect(refused(['--passphrase', 'x', '--hosts', 'a', 'web-1'])).toMatch(/^unexpected argument "web-1"/);
    expect(refused(['--passphrase', 'x', '--dry-run', '--hostz'])).toMatch(/^unknown option --hostz/);
    expect(refused(['--strategy', '--dry-run'])).toMatch(/^--strategy needs a value, not the flag --dry-run/);
    // A value left out before a secret given inline: the secret flag is named, not its value.
    expect(refused(['--readiness-url', '--passphrase=hunter4711'])).toBe(
      '--readiness-url needs a value, not the flag --passphrase (to give a value that looks like a flag, write --readiness-url=VALUE)',
    );
  });

  it('reads a -file flag’s file: multi-line inputs and secrets', () => {
    const key = file('id', '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n');
    const hosts = file('hosts.txt', 'web-1\nweb-2\n');
    const r = resolved(['--private-key-file', key, '--hosts-file', hosts, '--passphrase-file', file('pass', 'secret\n')]);
    expect(r.errors).toEqual([]);
    expect(r.source('private-key')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n');
    expect(r.source('hosts')).toBe('web-1\nweb-2\n');
    expect(r.source('passphrase')).toBe('secret');
    expect(resolved(['--private-key-file', join(dir, 'missing')]).errors).toEqual([
      `--private-key-file: cannot read ${join(dir, 'missing')}: ENOENT`,
    ]);
    expect(resolved(['--hosts', 'a', '--hosts-file', hosts]).errors).toEqual(['--hosts and --hosts-file: give one of them']);
  });

  it('refuses an empty or blank -file, naming it: it does not fall back to a lower source or the OpenSSH files', () => {
    mkdirSync(join(dir, '.ssh'));
    file('.ssh/known_hosts', `10.0.0.1 ${sshKeygen('ed25519').public}\n`);
    mkdirSync(join(dir, 'home/.ssh'), { recursive: true });
    file('home/.ssh/known_hosts', '');
    const blank = file('blank', ' \n\t\n');
    expect(resolved(['--known-hosts-file', blank]).errors).toEqual([
      `--known-hosts-file: ${blank} is empty; give the value, or leave the input out for its default`,
    ]);
    const fromEnv = resolved(['--passphrase-file', file('empty', '')], { ZDR_PASSPHRASE: 'from-env' });
    expect(fromEnv.errors).toEqual([
      `--passphrase-file: ${join(dir, 'empty')} is empty; give the value, or leave the input out for its default`,
    ]);
    // An empty OpenSSH file is read as it always was: the user did not name it.
    const touched = resolved(['--hosts', 'web-1'], { HOME: join(dir, 'home') });
    expect(touched.errors).toEqual([]);
    const config = file('deploy.yml', `hosts: web-1\nprivate-key-file: blank\n`);
    expect(resolved(['-c', config]).errors).toEqual([
      `config 'private-key-file': ${blank} is empty; give the value, or leave the input out for its default`,
    ]);
  });
});

describe('the config file (-c): the action’s input names as keys', () => {
  it('takes scalars, lists, hosts as mappings, and NAME-file paths relative to the file', () => {
    mkdirSync(join(dir, 'conf'));
    const known = `10.0.0.1 ${sshKeygen('ed25519').public}\n`;
    file('conf/known', known);
    const config = file(
      'conf/deploy.yml',
      [
        'hosts:',
        '  - { host: 10.0.0.1, name: web-1 }',
        '  - { host: 10.0.0.2, name: web-2, port: 2222 }',
        'strategy: reload',
        'min-healthy: 2',
        'dry-run: true',
        'dependency-checks: [systemctl is-active redis, test -f /ok]',
        'known-hosts-file: known',
      ].join('\n'),
    );
    const r = resolved(['-c', config]);
    expect(r.errors).toEqual([]);
    expect(r.source('strategy')).toBe('reload');
    expect(r.source('min-healthy')).toBe('2');
    expect(r.source('dry-run')).toBe('true');
    expect(r.source('dependency-checks')).toBe('systemctl is-active redis\ntest -f /ok');
    expect(r.source('known-hosts')).toBe(known);
    // The one parser reads it: the hosts mappings come back as the action's YAML form.
    const read = readSettings(r.source, { SSH_AUTH_SOCK: '/tmp/agent' });
    expect(read.ok ? read.settings.hosts.map((h) => `${h.name}=${h.host}:${h.port}`) : read.errors).toEqual([
      'web-1=10.0.0.1:22',
      'web-2=10.0.0.2:2222',
    ]);
  });

  it('names an unknown key, a bad value and an unreadable file', () => {
    const r = resolved(['-c', file('bad.yml', 'hosts: web-1\nstratgy: reload\nlb: { kind: haproxy }\n')]);
    expect(r.errors).toEqual([
      expect.stringMatching(/bad\.yml: unknown key 'stratgy'/),
      expect.stringMatching(/bad\.yml: 'lb': expected a string, number, boolean or list/),
    ]);
    expect(resolved(['-c', join(dir, 'none.yml')]).errors).toEqual([expect.stringMatching(/^config file .*none\.yml: ENOENT/)]);
    expect(resolved(['-c', file('list.yml', '- a\n')]).errors).toEqual([expect.stringMatching(/expected a mapping/)]);
  });
});

describe('precedence: flag > environment > config file > default', () => {
  it('a secret: the flag wins, then ZDR_*, then the file; the default when none', () => {
    const config = file('c.yml', 'passphrase: from-file\nstrategy: restart\n');
    const env = { ZDR_PASSPHRASE: 'from-env' };
    const at = (argv: string[], e: NodeJS.ProcessEnv) => {
      const r = resolved(['-c', config, ...argv], e);
      return [r.source('passphrase'), r.origins.get('passphrase')];
    };
    expect(at(['--passphrase', 'from-flag'], env)).toEqual(['from-flag', 'flag']);
    expect(at(['--passphrase-file', file('p', 'from-flag-file\n')], env)).toEqual(['from-flag-file', 'flag']);
    expect(at([], env)).toEqual(['from-env', 'env']);
    expect(at([], {})).toEqual(['from-file', 'file']);
    const none = resolved([]);
    expect([none.source('passphrase'), none.origins.get('passphrase')]).toEqual(['', 'default']);
  });

  it('a setting: the flag wins over the file, the file over the default; the environment holds only secrets', () => {
    const config = file('c.yml', 'strategy: restart\n');
    expect(resolved(['-c', config, '--strategy', 'reload'], { ZDR_STRATEGY: 'auto' }).source('strategy')).toBe('reload');
    expect(resolved(['-c', config], { ZDR_STRATEGY: 'auto' }).source('strategy')).toBe('restart');
    const bare = resolved([], { ZDR_STRATEGY: 'reload' });
    expect([bare.source('strategy'), bare.origins.get('strategy')]).toEqual(['', 'default']);
    // '' is the default to readSettings: the action's default applies, from one place.
    const read = readSettings(bare.source, { SSH_AUTH_SOCK: '/a' });
    expect(read.ok ? 'parsed' : read.errors.join()).toMatch(/hosts/);
  });

  it('an empty flag does not hide the file’s value', () => {
    expect(resolved(['-c', file('c.yml', 'strategy: restart\n'), '--strategy', '']).source('strategy')).toBe('restart');
  });
});

describe('known-hosts: as OpenSSH, ~/.ssh/known_hosts when none is given', () => {
  it('reads the user’s known_hosts only when no known-hosts is given anywhere', () => {
    mkdirSync(join(dir, '.ssh'));
    file('.ssh/known_hosts', 'web-1 ssh-ed25519 AAAAhome\n');
    const r = resolved([]);
    expect(r.source('known-hosts')).toContain('web-1 ssh-ed25519 AAAAhome');
    expect(r.origins.get('known-hosts')).toBe('known_hosts');
    expect(r.knownHostsFiles[0]).toBe(join(dir, '.ssh/known_hosts'));
    const given = resolved(['--known-hosts', 'web-1 ssh-ed25519 AAAAflag']);
    expect([given.source('known-hosts'), given.knownHostsFiles]).toEqual(['web-1 ssh-ed25519 AAAAflag', []]);
  });
});
