/**
 * Inputs that parse one by one but cannot work as given: a limit a timer cannot hold, a readiness
 * timeout too short for its own checks, a mode's input set while the mode is off, a multi-line
 * command, a credential in a URL, a YAML key with no value. Each is refused before any host is
 * touched, naming the input.
 */
import { sshKeygen } from '../support/keys';
import { describe, expect, it } from 'vitest';
import type { InputName } from '../../src/settings/inputs';
import { readSettings, type SettingsResult } from '../../src/settings/read-settings';
import * as v from '../../src/settings/values';
import { commandEnv } from '../../src/runtime/local-shell';

const CLIENT = sshKeygen('ed25519');

function read(over: Partial<Record<InputName, string>>): SettingsResult {
  const inputs: Partial<Record<InputName, string>> = { hosts: 'web1', 'private-key': CLIENT.private, 'host-key-check': 'off', ...over };
  return readSettings((name) => inputs[name] ?? '', {});
}

function errorsOf(result: SettingsResult): string[] {
  if (result.ok) throw new Error('expected errors, got valid settings');
  return result.errors;
}

const okay = (result: SettingsResult): void => expect(result.ok ? [] : result.errors).toEqual([]);

describe('durations a timer can hold', () => {
  it.each(['1000h', '9999999', '25h', '86400001ms'])('%s is refused, naming the input', (text) => {
    const errors = errorsOf(read({ 'command-timeout': text }));
    expect(errors).toEqual([expect.stringMatching(/^Input 'command-timeout': expected a duration of at most 24h/)]);
  });

  it('24h itself is accepted', () => {
    expect(v.parseDuration('24h')).toEqual({ ok: true, value: 86_400_000 });
    expect(v.parseDuration('86400')).toEqual({ ok: true, value: 86_400_000 });
  });
});

describe('readiness-timeout holds the checks it asks for', () => {
  const url = 'http://127.0.0.1/healthz';

  it('a timeout of 0 with a readiness URL is refused', () => {
    expect(errorsOf(read({ 'readiness-url': url, 'readiness-timeout': '0' }))).toEqual([
      expect.stringMatching(/^Input 'readiness-timeout': 0 ms cannot hold 2 successful checks 500 ms apart/),
    ]);
  });

  it('10 successes 10 s apart cannot fit in 60 s', () => {
    const errors = errorsOf(read({ 'readiness-url': url, 'readiness-successes': '10', 'readiness-interval': '10s' }));
    expect(errors).toEqual([expect.stringMatching(/^Input 'readiness-timeout': .*must be more than 90000 ms/)]);
  });

  it('the defaults, and a timeout just past the spacing, are accepted', () => {
    okay(read({ 'readiness-url': url }));
    okay(read({ 'readiness-url': url, 'readiness-successes': '3', 'readiness-interval': '1s', 'readiness-timeout': '2100ms' }));
  });

  it('without a readiness URL nothing is waited for, so nothing is checked', () => {
    okay(read({ 'readiness-timeout': '0' }));
  });
});

describe("a mode's inputs set while the mode is off", () => {
  it.each<[Partial<Record<InputName, string>>, InputName, RegExp]>([
    [{ strategy: 'restart', 'drain-command': 'lbctl drain {host}' }, 'drain-command', /is set but lb is none; set lb: command/],
    [{ 'ready-command': 'lbctl ready {host}' }, 'ready-command', /is set but lb is none/],
    [{ 'haproxy-backend': 'web' }, 'haproxy-backend', /is set but lb is none; it is read only with lb: haproxy/],
    [{ 'stub-status-url': 'http://127.0.0.1/status' }, 'stub-status-url', /is set but lb is none/],
    [{ 'check-url': 'http://127.0.0.1/' }, 'check-url', /is set but check-source is access-log/],
  ])('%o: refused, naming %s', (over, name, why) => {
    const errors = errorsOf(read(over));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^Input '${name}': ${why.source}`))]);
  });

  it('the same inputs in their own mode are accepted', () => {
    okay(read({ lb: 'command', 'drain-command': 'lbctl drain {host}', 'ready-command': 'lbctl ready {name}' }));
    okay(read({ lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'web', 'stub-status-url': 'http://127.0.0.1/status' }));
    okay(read({ 'check-source': 'probe', 'check-url': 'http://127.0.0.1/' }));
  });
});

describe('lb: command with several hosts names the host', () => {
  const cmd = (drain: string, hosts = 'web1,web2'): SettingsResult =>
    read({ hosts, lb: 'command', 'drain-command': drain, 'ready-command': 'true' });
  const about = (result: SettingsResult, name: string): string[] =>
    result.ok ? result.warnings.filter((w) => w.startsWith(`Input '${name}'`)) : result.errors;

  it('a command without {host} or {name} is warned about, not refused (ready-command: true is a real no-op)', () => {
    const result = cmd('curl -X POST http://lb/drain');
    expect(result.ok).toBe(true);
    expect(about(result, 'drain-command')).toEqual([expect.stringMatching(/^Input 'drain-command': names neither \{host\} nor \{name\}/)]);
    expect(about(result, 'ready-command')).toHaveLength(1);
  });

  it('one host needs no placeholder; {name} is enough', () => {
    expect(about(cmd('curl -X POST http://lb/drain', 'web1'), 'drain-command')).toEqual([]);
    expect(about(cmd('lbctl drain {name}'), 'drain-command')).toEqual([]);
  });
});

describe('multi-line commands stop at their first failing line', () => {
  it.each<InputName>(['validate-command', 'rollback-command'])('a multi-line %s runs as a set -e script', (name) => {
    const result = read({ [name]: 'nginx -t \\\r\n  -q\r\necho ok\n' });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const command = name === 'validate-command' ? result.settings.validateCommand : result.settings.rollbackCommand;
    expect(command).toBe('set -e\nnginx -t \\\n  -q\necho ok');
  });

  it('a single line is run as written', () => {
    const result = read({ 'validate-command': 'nginx -t; true\n' });
    expect(result.ok && result.settings.validateCommand).toBe('nginx -t; true');
  });
});

describe('a password in a URL', () => {
  const warningsOf = (result: SettingsResult): string[] => {
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return result.warnings;
  };

  it('is accepted, with a warning where curl on a host is given it, never quoting it', () => {
    const warnings = warningsOf(read({ 'readiness-url': 'http://admin:S3cr3tPass@127.0.0.1/healthz' })).filter((w) =>
      w.includes('password'),
    );
    expect(warnings).toEqual([expect.stringMatching(/^Input 'readiness-url': holds a password\. It is masked .*process list\.$/)]);
    expect(warnings.join('\n')).not.toContain('S3cr3tPass');
  });

  it('prometheus-url asked from the runner goes on no command line: no warning; from a host, one naming prometheus-basic-auth', () => {
    const prometheus = { 'check-source': 'prometheus', 'prometheus-url': 'http://admin:S3cr3tPass@prom:9090/' } as const;
    expect(warningsOf(read(prometheus)).filter((w) => w.includes('password'))).toEqual([]);
    expect(warningsOf(read({ ...prometheus, 'prometheus-via': 'host' })).filter((w) => w.includes('password'))).toEqual([
      expect.stringMatching(/^Input 'prometheus-url': holds a password.*prometheus-basic-auth keeps it off command lines\.$/),
    ]);
  });

  it('a malformed URL is not echoed in its error (it may hold a credential)', () => {
    const errors = errorsOf(read({ 'readiness-url': 'http://admin:pa ss@h/' }));
    expect(errors).toEqual(["Input 'readiness-url': expected a URL without spaces or control characters"]);
  });

  it('its parts as they may be printed: user:password, as written and decoded', () => {
    expect(v.urlCredentials('http://u:p%40ss@h/')).toEqual(['u:p%40ss', 'p%40ss', 'p@ss']);
    expect(v.urlCredentials('http://u@h/')).toEqual([]);
    expect(v.urlCredentials('not a url')).toEqual([]);
  });
});

describe('YAML host keys with no value', () => {
  it.each(['user', 'name', 'port'])('`%s:` with nothing after it is refused, not read as "null"', (key) => {
    const errors = errorsOf(read({ hosts: `- host: web1\n  ${key}:\n` }));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^Input 'hosts': item 1: ${key} has no value`))]);
  });
});

describe("the environment of the user's local commands", () => {
  it('drops the action inputs and the command’s ZDR_ variables, keeps the rest', () => {
    const env = { PATH: '/usr/bin', 'INPUT_PRIVATE-KEY': 'k', INPUT_PASSPHRASE: 'p', ZDR_PROMETHEUS_TOKEN: 't', AWS_REGION: 'eu-west-1' };
    expect(commandEnv(env)).toEqual({ PATH: '/usr/bin', AWS_REGION: 'eu-west-1' });
  });
});

describe('validate-command: none', () => {
  it.each(['none', 'None', 'NONE'])('%s turns the validation off instead of running a command of that name', (text) => {
    const result = read({ 'validate-command': text });
    expect(result.ok && result.settings.validateCommand).toBeNull();
  });
});

describe('hosts as a YAML flow list', () => {
  const hostsOf = (text: string) => {
    const result = read({ hosts: text });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return result.settings.hosts.map((h) => `${h.user}@${h.host}:${h.port} ${h.name}`);
  };

  it('[web1, web2] and a flow list of mappings read as the block list does', () => {
    expect(hostsOf('[web1, deploy@web2:2222]')).toEqual(['root@web1:22 web1', 'deploy@web2:2222 web2']);
    expect(hostsOf('[{host: 10.0.0.1, name: web-1}, {host: 10.0.0.2, name: web-2, port: 2200}]')).toEqual([
      'root@10.0.0.1:22 web-1',
      'root@10.0.0.2:2200 web-2',
    ]);
  });

  it('the plain form’s bracketed IPv6 stays the plain form', () => {
    expect(hostsOf('[::1]:2222, web3')).toEqual(['root@::1:2222 ::1', 'root@web3:22 web3']);
    expect(hostsOf('[2001:db8::5]:2200\n[2001:db8::6]:2200')).toEqual([
      'root@2001:db8::5:2200 2001:db8::5',
      'root@2001:db8::6:2200 2001:db8::6',
    ]);
    expect(hostsOf('[2001:db8::5]')).toEqual(['root@2001:db8::5:22 2001:db8::5']);
  });

  it('an empty flow list has no host', () => {
    expect(errorsOf(read({ hosts: '[]' }))).toEqual(["Input 'hosts': expected at least one host"]);
  });
});
