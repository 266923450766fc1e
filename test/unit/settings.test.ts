import { sshKeygen } from '../support/keys';
import { describe, expect, it } from 'vitest';
import { parseHosts, parseTarget } from '../../src/settings/hosts';
import type { InputName, InputSource } from '../../src/settings/inputs';
import { readSettings, type SettingsResult } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import * as v from '../../src/settings/values';

// ---------------------------------------------------------------------------------------------
// Fixtures: real keys, generated once per run.

const CLIENT = sshKeygen('ed25519');
const PASSPHRASE = 'pw-Correct-Horse-4417';
const ENCRYPTED = sshKeygen('ed25519', { cipher: 'aes256-cbc', passphrase: PASSPHRASE, rounds: 2 });
const HOST_KEY = sshKeygen('ed25519');
const KNOWN_HOSTS = `web1,web2,web3 ${HOST_KEY.public.split(' ').slice(0, 2).join(' ')}`;

/** Inputs as a workflow would give them: anything not named is empty. */
function source(given: Partial<Record<InputName, string>>): InputSource {
  return (name) => given[name] ?? '';
}

/** A complete, valid set of inputs; tests override the ones they are about. */
function valid(over: Partial<Record<InputName, string>> = {}): InputSource {
  return source({ hosts: 'web1', 'private-key': CLIENT.private, 'known-hosts': KNOWN_HOSTS, ...over });
}

function settingsOf(result: SettingsResult): Settings {
  if (!result.ok) throw new Error(`expected valid settings, got:\n${result.errors.join('\n')}`);
  return result.settings;
}

function errorsOf(result: SettingsResult): string[] {
  if (result.ok) throw new Error('expected errors, got valid settings');
  return result.errors;
}

/** The input names the errors are about, from their `Input '<name>':` prefix. */
function inputsNamed(errors: string[]): string[] {
  return errors.map((e) => /^Input '([a-z-]+)': /.exec(e)?.[1] ?? `<no input prefix: ${e}>`);
}

const defaults = { user: 'root', port: 22 };

// ---------------------------------------------------------------------------------------------

describe('parseTarget (one plain host)', () => {
  it.each([
    ['web1', { host: 'web1', port: 22, user: 'root', name: 'web1' }],
    ['deploy@web1.example.com:2222', { host: 'web1.example.com', port: 2222, user: 'deploy', name: 'web1.example.com' }],
    ['10.0.0.7', { host: '10.0.0.7', port: 22, user: 'root', name: '10.0.0.7' }],
    ['10.0.0.7:2201', { host: '10.0.0.7', port: 2201, user: 'root', name: '10.0.0.7' }],
    ['[::1]:2222', { host: '::1', port: 2222, user: 'root', name: '::1' }],
    ['[2001:db8::5]', { host: '2001:db8::5', port: 22, user: 'root', name: '2001:db8::5' }],
    ['ops@[2001:db8::5]:2200', { host: '2001:db8::5', port: 2200, user: 'ops', name: '2001:db8::5' }],
    ['fe80::1', { host: 'fe80::1', port: 22, user: 'root', name: 'fe80::1' }],
    ['  web1  ', { host: 'web1', port: 22, user: 'root', name: 'web1' }],
  ])('%s', (text, expected) => {
    expect(parseTarget(text, defaults)).toEqual(expected);
  });

  it('uses the given defaults when the entry names no user or port', () => {
    expect(parseTarget('web1', { user: 'deploy', port: 2022 })).toEqual({ host: 'web1', port: 2022, user: 'deploy', name: 'web1' });
  });

  it.each([
    ['web1:0', /port "0"/],
    ['web1:65536', /port "65536"/],
    ['web1:ssh', /port "ssh"/],
    ['web1:', /port ""/],
    ['web1:-1', /port "-1"/],
    ['[::1]:', /port ""/],
    ['[::1]:70000', /port "70000"/],
    ['[web1]:22', /only IPv6 addresses go in brackets/],
    ['[10.0.0.1]:22', /only IPv6 addresses go in brackets/],
    ['@web1', /user "" is not a valid user name/],
    ['1root@web1', /user "1root"/],
  ])('rejects %s', (text, message) => {
    const result = parseTarget(text, defaults);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
  });
});

describe('parseHosts (plain form)', () => {
  it('reads one host per line, in order', () => {
    const result = parseHosts('web1\nweb2\nweb3\n', defaults);
    expect(result).toEqual({ ok: true, hosts: expect.any(Array) });
    if (result.ok) expect(result.hosts.map((h) => h.host)).toEqual(['web1', 'web2', 'web3']);
  });

  it('reads comma-separated hosts and mixes commas with newlines', () => {
    const result = parseHosts('web1, web2,web3\n  web4 ,\n', defaults);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.hosts.map((h) => h.host)).toEqual(['web1', 'web2', 'web3', 'web4']);
  });

  it('skips blank lines and comment lines (also indented ones)', () => {
    const result = parseHosts('# production\nweb1\n\n   # canary next\nweb2\n', defaults);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.hosts.map((h) => h.host)).toEqual(['web1', 'web2']);
  });

  it('keeps each entry’s own user and port', () => {
    const result = parseHosts('deploy@10.0.0.1:2201\n[::1]:2222\nfe80::1', defaults);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.hosts).toEqual([
      { host: '10.0.0.1', port: 2201, user: 'deploy', name: '10.0.0.1' },
      { host: '::1', port: 2222, user: 'root', name: '::1' },
      { host: 'fe80::1', port: 22, user: 'root', name: 'fe80::1' },
    ]);
  });

  it('needs at least one host', () => {
    expect(parseHosts('# nothing here\n\n', defaults)).toEqual({ ok: false, errors: ['expected at least one host'] });
  });

  it('reports every bad entry, not only the first', () => {
    const result = parseHosts('web1:0\nweb2\n[web3]:22\nbad host', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toHaveLength(3);
  });
});

describe('parseHosts (YAML rich form)', () => {
  it('reads a mapping with host, port, user and name', () => {
    const result = parseHosts('- host: a\n  port: 2222\n  user: deploy\n  name: web-1\n', defaults);
    expect(result).toEqual({ ok: true, hosts: [{ host: 'a', port: 2222, user: 'deploy', name: 'web-1' }] });
  });

  it('fills user, port and name from the defaults and the host', () => {
    const result = parseHosts('- host: 10.0.0.9', { user: 'ops', port: 2022 });
    expect(result).toEqual({ ok: true, hosts: [{ host: '10.0.0.9', port: 2022, user: 'ops', name: '10.0.0.9' }] });
  });

  it('mixes mappings with plain string items, keeping the order', () => {
    const text = '# fleet\n- web1\n- host: web2\n  port: 2202\n  name: two\n- deploy@web3:2203\n- "[::1]:2204"\n';
    const result = parseHosts(text, defaults);
    expect(result).toEqual({
      ok: true,
      hosts: [
        { host: 'web1', port: 22, user: 'root', name: 'web1' },
        { host: 'web2', port: 2202, user: 'root', name: 'two' },
        { host: 'web3', port: 2203, user: 'deploy', name: 'web3' },
        { host: '::1', port: 2204, user: 'root', name: '::1' },
      ],
    });
  });

  it('accepts an IPv6 host in the mapping, bracketed or not', () => {
    const result = parseHosts('- host: "[fe80::1]"\n  port: 2222\n- host: "2001:db8::9"', defaults);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.hosts.map((h) => [h.host, h.port])).toEqual([
      ['fe80::1', 2222],
      ['2001:db8::9', 22],
    ]);
  });

  it('rejects unknown keys, naming them and the item', () => {
    const result = parseHosts('- host: a\n- host: b\n  portt: 22\n  role: web', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(/^item 2: unknown keys portt, role/);
    }
  });

  it('rejects an item without host', () => {
    const result = parseHosts('- port: 2222\n  name: web-1', defaults);
    expect(result).toEqual({ ok: false, errors: ['item 1: "host" is required'] });
  });

  it('rejects an empty host and a non-string host', () => {
    const result = parseHosts('- host: ""\n- host: 42\n- host:\n', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual(['item 1: "host" is required', 'item 2: "host" is required', 'item 3: "host" is required']);
  });

  it.each([
    ['- host: a\n  port: 0', /item 1: port "0"/],
    ['- host: a\n  port: 65536', /item 1: port "65536"/],
    ['- host: a\n  port: twenty', /item 1: port "twenty"/],
    ['- host: a\n  port: "22;id"', /item 1: port "22;id"/],
    ['- host: a\n  user: "root;id"', /item 1: user "root;id"/],
    ['- host: a\n  name: "web 1"', /item 1: name expected a name/],
    ['- 42', /item 1: expected a mapping/],
    ['- [a, b]', /item 1: expected a mapping/],
  ])('rejects a bad field: %j', (text, message) => {
    const result = parseHosts(text, defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
  });

  it('reports YAML syntax errors as one error', () => {
    const result = parseHosts('- host: "a\n  port: 22', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^not a valid YAML list/);
  });
});

describe('parseHosts duplicates', () => {
  it('rejects the same host:port twice', () => {
    const result = parseHosts('web1:2222\nweb2\nweb1:2222', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContain('host "web1:2222" appears twice');
  });

  it('treats an explicit default port as the same target', () => {
    const result = parseHosts('web1\nweb1:22', defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContain('host "web1:22" appears twice');
  });

  it.each([
    ['a trailing dot', 'web1\nweb1.', 'web1.:22'],
    ['case', 'Web1.example\nweb1.EXAMPLE.', 'web1.EXAMPLE.:22'],
    ['two spellings of one IPv6 address', '[::1]:2222\n[0:0:0:0:0:0:0:1]:2222', '0:0:0:0:0:0:0:1:2222'],
    ['IPv6 with leading zeros and upper case', '[fd00::a]\n[FD00:0:0::000A]', 'FD00:0:0::000A:22'],
  ])('finds one host spelt two ways (%s)', (_, text, shownTarget) => {
    const result = parseHosts(text, defaults);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContain(`host "${shownTarget}" appears twice`);
  });

  it('rejects the same name twice, even on different hosts', () => {
    const result = parseHosts('- host: a\n  name: web\n- host: b\n  name: web', defaults);
    expect(result).toEqual({ ok: false, errors: ['name "web" appears twice'] });
  });

  it('allows the same host on different ports when the names differ', () => {
    const result = parseHosts('- host: 127.0.0.1\n  port: 2201\n  name: h1\n- host: 127.0.0.1\n  port: 2202\n  name: h2', defaults);
    expect(result.ok).toBe(true);
  });
});

describe('hostile host strings', () => {
  const plain = [
    'a;rm -rf /',
    '$(id)',
    '`id`',
    'web1 web2',
    'web1;id',
    '-oProxyCommand=id',
    'web1|id',
    'web1&',
    "web1'",
    'web1>x',
    'root;id@web1',
    'web1:22;id',
  ];
  it.each(plain)('plain form rejects %j with an error on hosts', (hostile) => {
    const errors = errorsOf(readSettings(valid({ hosts: `web1\n${hostile}` })));
    expect(errors.length).toBeGreaterThan(0);
    expect(inputsNamed(errors).every((n) => n === 'hosts')).toBe(true);
  });

  const yaml = [
    ['- host: "a;rm -rf /"', 'semicolon and spaces'],
    ['- host: "$(id)"', 'command substitution'],
    ['- host: "`id`"', 'backticks'],
    ['- host: "web1 web2"', 'a space'],
    ['- host: "web1\\nweb2"', 'a newline (escaped in a double-quoted scalar)'],
    ['- host: "web1\\n"\n  name: "x\\ny"', 'a newline in the name'],
    ['- host: |-\n    web1\n    web2', 'a newline (block scalar)'],
    ['- host: web1\n  user: "$(id)"', 'command substitution in the user'],
  ];
  it.each(yaml)('YAML form rejects %j (%s) with an error on hosts', (text) => {
    const errors = errorsOf(readSettings(valid({ hosts: text })));
    expect(errors.length).toBeGreaterThan(0);
    expect(inputsNamed(errors).every((n) => n === 'hosts')).toBe(true);
  });

  it('shows the offending value JSON-quoted, so control characters are visible', () => {
    const errors = errorsOf(readSettings(valid({ hosts: '- host: "web1\\tx"' })));
    expect(errors.join('\n')).toContain('"web1\\tx"');
    expect(errors.join('\n')).not.toContain('\t');
  });
});

// ---------------------------------------------------------------------------------------------

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['45', 45_000],
    ['1.5', 1_500],
    ['0', 0],
    [' 10s ', 10_000],
    ['1.5m', 90_000],
    ['0ms', 0],
    ['0.0', 0],
    ['0.5ms', 1],
    ['0.0005', 1],
  ])('%j = %i ms', (text, ms) => {
    expect(v.parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['', 'soon', '-5s', '5 minutes', '1d', '1h30m', 's', '1e3', '.5s', '5S'])('rejects %j', (text) => {
    const result = v.parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^expected a duration/);
  });

  it.each(['0.0004', '0.4ms', '0.00000001m', `0.${'0'.repeat(400)}1`])(
    'rejects %j, which would round to 0 (a check turned off, a wait gone)',
    (text) => {
      const result = v.parseDuration(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^expected 0 or a duration of at least 1ms, got "0\./);
    },
  );
});

describe('parsePercent', () => {
  it.each([
    ['1%', 0.01],
    ['0.5%', 0.005],
    ['100%', 1],
    ['0%', 0],
    [' 2.5 % ', 0.025],
  ])('%j = %f', (text, fraction) => {
    const result = v.parsePercent(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toBeCloseTo(fraction, 12);
  });

  it.each(['101%', '5', '0.01', '-1%', 'five%', '%', '1%%'])('rejects %j', (text) => {
    expect(v.parsePercent(text).ok).toBe(false);
  });
});

describe('parseBoolean', () => {
  it.each(['true', 'True', 'TRUE'])('%j is true', (text) => expect(v.parseBoolean(text)).toEqual({ ok: true, value: true }));
  it.each(['false', 'False', 'FALSE'])('%j is false', (text) => expect(v.parseBoolean(text)).toEqual({ ok: true, value: false }));
  it.each(['yes', '1', 'on', 'tRUE', ''])('rejects %j', (text) => expect(v.parseBoolean(text).ok).toBe(false));
});

describe('parseChoice', () => {
  it('accepts a listed choice, trimmed', () => {
    expect(v.parseChoice(' reload ', ['auto', 'reload'])).toEqual({ ok: true, value: 'reload' });
  });
  it('rejects anything else, listing the choices', () => {
    expect(v.parseChoice('Reload', ['auto', 'reload'])).toEqual({ ok: false, error: 'expected one of auto, reload, got "Reload"' });
  });
});

describe('parseInteger', () => {
  it('accepts whole numbers within bounds, bounds included', () => {
    expect(v.parseInteger('1', 1, 10)).toEqual({ ok: true, value: 1 });
    expect(v.parseInteger('10', 1, 10)).toEqual({ ok: true, value: 10 });
  });
  it.each(['0', '11', '1.5', '-1', 'x', ''])('rejects %j for 1..10', (text) => expect(v.parseInteger(text, 1, 10).ok).toBe(false));
});

describe('shown', () => {
  it('truncates long values so an error cannot flood the log', () => {
    const text = v.shown('x'.repeat(500));
    expect(text.length).toBeLessThanOrEqual(80);
    expect(text.endsWith('…"')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('readSettings', () => {
  describe('a valid configuration', () => {
    it('applies the defaults of action.yml', () => {
      const s = settingsOf(readSettings(valid()));
      expect(s.hosts).toEqual([{ host: 'web1', port: 22, user: 'root', name: 'web1' }]);
      expect(s.strategy).toBe('auto');
      expect(s.service).toBe('nginx');
      expect(s.validateCommand).toBe('nginx -t');
      expect(s.lb).toEqual({ kind: 'none' });
      expect(s.drain).toMatchObject({ timeoutMs: 60_000, onTimeout: 'fail', minHealthy: 1, force: false, port: 80 });
      expect(s.readiness).toEqual({ url: null, timeoutMs: 60_000, successes: 2, intervalMs: 500 });
      expect(s.check).toEqual({
        windowMs: 30_000,
        source: 'access-log',
        accessLog: '/var/log/nginx/access.log',
        maxErrorRate: 0.01,
        minRequests: 20,
        failOnInconclusive: false,
        url: null,
        prometheus: null,
        command: null,
        fleetRelative: true,
      });
      expect(s.ssh).toMatchObject({
        hostKeyCheck: 'strict',
        connectTimeoutMs: 10_000,
        commandTimeoutMs: 60_000,
        sudo: false,
        preflightConcurrency: 16,
      });
      expect(s.ssh.knownHosts).toHaveLength(1);
      expect(s.dryRun).toBe(false);
    });

    it('reads each value given', () => {
      const s = settingsOf(
        readSettings(
          valid({
            user: 'deploy',
            port: '2222',
            'drain-timeout': '2m',
            'check-window': '0',
            'max-error-rate': '0.5%',
            'fail-on-inconclusive': 'True',
            'dry-run': 'TRUE',
            strategy: 'reload',
            'readiness-url': 'http://127.0.0.1/healthz',
            'check-ignore-paths': '/healthz, /ping\n/status',
            'dependency-checks': 'pg_isready\n# comment\n\nredis-cli ping',
          }),
        ),
      );
      expect(s.hosts[0]).toMatchObject({ user: 'deploy', port: 2222 });
      expect(s.drain.timeoutMs).toBe(120_000);
      expect(s.check.windowMs).toBe(0);
      expect(s.check.maxErrorRate).toBeCloseTo(0.005, 12);
      expect(s.check.failOnInconclusive).toBe(true);
      expect(s.dryRun).toBe(true);
      expect(s.strategy).toBe('reload');
      expect(s.readiness.url).toBe('http://127.0.0.1/healthz');
      expect(s.checkIgnorePaths).toEqual(['/healthz', '/ping', '/status']);
      expect(s.dependencyChecks).toEqual(['pg_isready', 'redis-cli ping']);
    });
  });

  describe('each bad value names its input', () => {
    it.each([
      ['drain-timeout', 'soon'],
      ['check-window', '-1s'],
      ['connect-timeout', '10 seconds'],
      ['max-error-rate', '5'],
      ['max-error-rate', '101%'],
      ['fail-on-inconclusive', 'yes'],
      ['dry-run', '1'],
      ['sudo', 'maybe'],
      ['strategy', 'blue-green'],
      ['lb', 'f5'],
      ['check-source', 'datadog'],
      ['host-key-check', 'ask'],
      ['on-drain-timeout', 'retry'],
      ['unit-warnings', 'ignore'],
      ['port', '0'],
      ['port', '65536'],
      ['min-requests', '-1'],
      ['readiness-successes', '0'],
      ['preflight-concurrency', '100'],
      ['service', 'nginx; reboot'],
      ['access-log', 'access.log'],
      ['readiness-url', 'ftp://x/'],
      ['readiness-url', 'http://x/ y'],
      ['check-ignore-paths', 'healthz'],
      ['command-timeout', '500ms'],
      ['readiness-interval', '10ms'],
      ['user', 'root;id'],
    ] as [InputName, string][])('%s: %j', (name, value) => {
      const errors = errorsOf(readSettings(valid({ [name]: value })));
      expect(inputsNamed(errors)).toEqual([name]);
    });
  });

  describe('all errors at once', () => {
    it('reports five bad inputs as five errors, each starting with its input’s name', () => {
      const errors = errorsOf(
        readSettings(valid({ port: 'ssh', 'drain-timeout': 'soon', 'max-error-rate': '5', 'dry-run': 'maybe', strategy: 'fast' })),
      );
      expect(errors).toHaveLength(5);
      expect(inputsNamed(errors).sort()).toEqual(['drain-timeout', 'dry-run', 'max-error-rate', 'port', 'strategy']);
      for (const e of errors) expect(e).toMatch(/^Input '[a-z-]+': \S/);
    });

    it('reports bad hosts, a missing key and a bad duration together', () => {
      const errors = errorsOf(readSettings(source({ hosts: 'web1:0\n$(id)', 'known-hosts': KNOWN_HOSTS, 'check-window': 'x' })));
      expect(inputsNamed(errors).sort()).toEqual(['check-window', 'hosts', 'hosts', 'private-key']);
    });

    it('requires hosts', () => {
      const errors = errorsOf(readSettings(valid({ hosts: '  \n ' })));
      expect(inputsNamed(errors)).toEqual(['hosts']);
      expect(errors[0]).toMatch(/is required/);
    });
  });

  describe('relationships between inputs', () => {
    it('drain-restart needs a load balancer', () => {
      const errors = errorsOf(readSettings(valid({ strategy: 'drain-restart' })));
      expect(inputsNamed(errors)).toEqual(['strategy']);
      expect(errors[0]).toMatch(/load balancer/);
    });

    it('drain-restart with a load balancer is fine', () => {
      const s = settingsOf(
        readSettings(valid({ strategy: 'drain-restart', lb: 'command', 'drain-command': 'x {host}', 'ready-command': 'y {host}' })),
      );
      expect(s.lb).toEqual({ kind: 'command', host: null, drainCommand: 'x {host}', readyCommand: 'y {host}' });
    });

    it('lb haproxy needs lb-host and haproxy-backend', () => {
      const errors = errorsOf(readSettings(valid({ lb: 'haproxy' })));
      expect(inputsNamed(errors).sort()).toEqual(['haproxy-backend', 'lb-host']);
    });

    it('lb haproxy with both is read into a target named "load balancer"', () => {
      const s = settingsOf(readSettings(valid({ lb: 'haproxy', 'lb-host': 'ops@lb1:2200', 'haproxy-backend': 'app' })));
      expect(s.lb).toEqual({
        kind: 'haproxy',
        host: { host: 'lb1', port: 2200, user: 'ops', name: 'load balancer' },
        socket: '/run/haproxy/admin.sock',
        backend: 'app',
      });
    });

    it('a bad lb-host is reported once, on lb-host', () => {
      const errors = errorsOf(readSettings(valid({ lb: 'haproxy', 'lb-host': 'lb1;id', 'haproxy-backend': 'app' })));
      expect(inputsNamed(errors)).toEqual(['lb-host']);
    });

    it('lb nginx needs lb-host', () => {
      const errors = errorsOf(readSettings(valid({ lb: 'nginx' })));
      expect(inputsNamed(errors)).toEqual(['lb-host']);
    });

    it('lb command needs drain-command and ready-command', () => {
      const errors = errorsOf(readSettings(valid({ lb: 'command' })));
      expect(inputsNamed(errors).sort()).toEqual(['drain-command', 'ready-command']);
    });

    it('on a Windows runner, refuses drain/ready commands that would run on the runner, naming each input', () => {
      const lb = { strategy: 'drain-restart', lb: 'command', 'drain-command': 'x {host}', 'ready-command': 'y {host}' };
      const errors = errorsOf(readSettings(valid(lb), {}, 'win32'));
      expect(inputsNamed(errors).sort()).toEqual(['drain-command', 'ready-command']);
      expect(errors[0]).toMatch(/Windows runner.*cannot kill it at its time limit.*Linux or macOS runner, or set lb-host/);
      // Run on lb-host, they are bounded there by `timeout`; on Linux and macOS, by their process group.
      expect(settingsOf(readSettings(valid({ ...lb, 'lb-host': 'lb1' }), {}, 'win32')).lb.kind).toBe('command');
      expect(settingsOf(readSettings(valid(lb), {}, 'linux')).lb.kind).toBe('command');
      expect(settingsOf(readSettings(valid(lb), {}, 'darwin')).lb.kind).toBe('command');
    });

    it('check-source haproxy needs lb haproxy', () => {
      const errors = errorsOf(readSettings(valid({ 'check-source': 'haproxy' })));
      expect(inputsNamed(errors)).toEqual(['check-source']);
      const nginxLb = errorsOf(readSettings(valid({ 'check-source': 'haproxy', lb: 'nginx', 'lb-host': 'lb1' })));
      expect(inputsNamed(nginxLb)).toEqual(['check-source']);
    });

    it('check-source probe needs check-url', () => {
      const errors = errorsOf(readSettings(valid({ 'check-source': 'probe' })));
      expect(inputsNamed(errors)).toEqual(['check-url']);
      const s = settingsOf(readSettings(valid({ 'check-source': 'probe', 'check-url': 'http://127.0.0.1/' })));
      expect(s.check.url).toBe('http://127.0.0.1/');
    });

    it.each([
      '/run/haproxy/admin.sock,fork',
      '/run/haproxy/a!!b',
      '/run/haproxy/admin.sock,exec=id',
      '/run/ha:proxy.sock',
      "/run/ha'proxy.sock",
      '/run/ha"proxy.sock',
    ])('haproxy-socket %j, which socat would read as address options, is refused naming the input', (socket) => {
      const errors = errorsOf(readSettings(valid({ lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'app', 'haproxy-socket': socket })));
      expect(inputsNamed(errors)).toEqual(['haproxy-socket']);
      expect(errors[0]).toMatch(/socat/);
    });

    it('an ordinary haproxy-socket path is accepted', () => {
      const s = settingsOf(
        readSettings(
          valid({ lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'app', 'haproxy-socket': '/var/run/haproxy-1/admin_v2.sock' }),
        ),
      );
      expect(s.lb.kind === 'haproxy' && s.lb.socket).toBe('/var/run/haproxy-1/admin_v2.sock');
    });

    it('a host name starting with "-" (an option to a drain command) is refused naming hosts', () => {
      const errors = errorsOf(
        readSettings(
          valid({ hosts: '- host: web1\n  name: "-rf"', lb: 'command', 'drain-command': 'drain {name}', 'ready-command': 'ready {name}' }),
        ),
      );
      expect(inputsNamed(errors)).toEqual(['hosts']);
      expect(errors[0]).toMatch(/"-rf"/);
      expect(errors[0]).toMatch(/must not start with "-"/);
    });

    it('a haproxy-backend starting with "-" is refused too', () => {
      const errors = errorsOf(readSettings(valid({ lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': '-app' })));
      expect(inputsNamed(errors)).toEqual(['haproxy-backend']);
    });

    it('lb-host with lb none is an error (it would be ignored)', () => {
      const errors = errorsOf(readSettings(valid({ 'lb-host': 'lb1' })));
      expect(inputsNamed(errors)).toEqual(['lb-host']);
    });
  });

  describe('host keys', () => {
    it('known-hosts is required while host-key-check is strict', () => {
      const errors = errorsOf(readSettings(valid({ 'known-hosts': '' })));
      expect(inputsNamed(errors)).toEqual(['known-hosts']);
      expect(errors[0]).toMatch(/host-key-check/);
    });

    it('known-hosts with only comments counts as missing', () => {
      const errors = errorsOf(readSettings(valid({ 'known-hosts': '# nothing yet\n' })));
      expect(inputsNamed(errors)).toEqual(['known-hosts']);
    });

    it('unreadable known-hosts lines are errors on known-hosts', () => {
      const errors = errorsOf(readSettings(valid({ 'known-hosts': `${KNOWN_HOSTS}\nweb9 ssh-ed25519 not*base64` })));
      expect(inputsNamed(errors)).toEqual(['known-hosts']);
      expect(errors[0]).toMatch(/line 2/);
    });

    it('host-key-check off needs no known-hosts and returns a warning', () => {
      const result = readSettings(valid({ 'known-hosts': '', 'host-key-check': 'off' }));
      const s = settingsOf(result);
      expect(s.ssh.hostKeyCheck).toBe('off');
      if (result.ok) {
        expect(result.warnings).toHaveLength(1);
        expect(result.warnings[0]).toMatch(/host-key-check is off/);
      }
    });

    it('a @cert-authority line gives a warning naming the line and what to add instead', () => {
      const ca = `@cert-authority *.example.com ${HOST_KEY.public.split(' ').slice(0, 2).join(' ')}`;
      const result = readSettings(valid({ hosts: 'web1\nweb9.example.com', 'known-hosts': `${KNOWN_HOSTS}\n${ca}` }));
      settingsOf(result);
      const warnings = result.ok ? result.warnings : [];
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Input 'known-hosts': line 2 is a @cert-authority line/);
      expect(warnings[0]).toMatch(/host certificates are not checked/);
      expect(warnings[0]).toMatch(/web9\.example\.com/);
      expect(warnings[0]).toMatch(/ssh-keyscan/);
    });

    it('known-hosts with only @cert-authority lines is an error that says what to add instead', () => {
      const ca = `@cert-authority * ${HOST_KEY.public.split(' ').slice(0, 2).join(' ')}`;
      const errors = errorsOf(readSettings(valid({ 'known-hosts': ca })));
      expect(inputsNamed(errors)).toEqual(['known-hosts']);
      expect(errors[0]).toMatch(/@cert-authority/);
      expect(errors[0]).toMatch(/ssh-keyscan/);
    });

    it('strict mode gives no warning', () => {
      const result = readSettings(valid());
      expect(result.ok && result.warnings).toEqual([]);
    });
  });

  describe('validate-command', () => {
    it.each([
      ['nginx', 'nginx -t'],
      ['nginx.service', 'nginx -t'],
      ['app', null],
      ['nginx-debug', null],
      ['nginx@blue.service', null],
    ])('service %s defaults to %j', (service, expected) => {
      expect(settingsOf(readSettings(valid({ service }))).validateCommand).toBe(expected);
    });

    it('a given command wins, for any service', () => {
      expect(settingsOf(readSettings(valid({ service: 'app', 'validate-command': '/opt/app/check --config' }))).validateCommand).toBe(
        '/opt/app/check --config',
      );
      expect(settingsOf(readSettings(valid({ 'validate-command': 'nginx -t -c /etc/nginx/alt.conf' }))).validateCommand).toBe(
        'nginx -t -c /etc/nginx/alt.conf',
      );
    });

    it('none turns it off, even for nginx', () => {
      expect(settingsOf(readSettings(valid({ 'validate-command': 'none' }))).validateCommand).toBeNull();
    });
  });

  describe('credentials', () => {
    /** Every non-empty line of the key and the passphrase: none may appear in any message. */
    function expectNoSecretIn(messages: string[], secrets: string[]): void {
      const fragments = secrets
        .flatMap((s) => s.split(/\r?\n/))
        .map((l) => l.trim())
        .filter((l) => l !== '');
      for (const message of messages) {
        for (const fragment of fragments) expect(message.includes(fragment), `message leaks a secret line: ${message}`).toBe(false);
      }
    }

    it('a valid unencrypted key is accepted and kept with a final newline', () => {
      const s = settingsOf(readSettings(valid()));
      expect(s.ssh.privateKey).toBe(`${CLIENT.private.trim()}\n`);
      expect(s.ssh.agent).toBeUndefined();
    });

    it('a key pasted with CRLF line ends is normalised', () => {
      const s = settingsOf(readSettings(valid({ 'private-key': CLIENT.private.replace(/\n/g, '\r\n') })));
      expect(s.ssh.privateKey).toBe(`${CLIENT.private.trim()}\n`);
    });

    it('an encrypted key with its passphrase is accepted', () => {
      const s = settingsOf(readSettings(valid({ 'private-key': ENCRYPTED.private, passphrase: PASSPHRASE })));
      expect(s.ssh.passphrase).toBe(PASSPHRASE);
    });

    it('an encrypted key without a passphrase is an error on passphrase', () => {
      const errors = errorsOf(readSettings(valid({ 'private-key': ENCRYPTED.private })));
      expect(inputsNamed(errors)).toEqual(['passphrase']);
      expectNoSecretIn(errors, [ENCRYPTED.private, PASSPHRASE]);
    });

    it('a wrong passphrase is an error on passphrase that does not quote it', () => {
      const wrong = 'Wrong-Guess-8812';
      const errors = errorsOf(readSettings(valid({ 'private-key': ENCRYPTED.private, passphrase: wrong })));
      expect(inputsNamed(errors)).toEqual(['passphrase']);
      expectNoSecretIn(errors, [ENCRYPTED.private, wrong, PASSPHRASE]);
    });

    it.each([
      ['plain text', 'not a key at all, just some secret-ish text 8f3a9c'],
      ['a public key', CLIENT.public],
      ['a path', '/home/runner/.ssh/id_ed25519'],
      ['a corrupted OpenSSH key', CLIENT.private.replace(/\n([A-Za-z0-9+/]{20})/, '\nAAAAAAAAAAAAAAAAAAAA')],
      ['a truncated OpenSSH key', CLIENT.private.split('\n').slice(0, 3).join('\n') + '\n-----END OPENSSH PRIVATE KEY-----'],
      [
        'an RSA PEM header with garbage',
        '-----BEGIN RSA PRIVATE KEY-----\nTUlJRW93SUJBQUtDQVFFQTAwMDAwMDAwMDAw\n-----END RSA PRIVATE KEY-----',
      ],
    ])('garbage (%s) is an error on private-key that does not quote it', (_what, key) => {
      const errors = errorsOf(readSettings(valid({ 'private-key': key, passphrase: PASSPHRASE })));
      expect(inputsNamed(errors)).toEqual(['private-key']);
      expectNoSecretIn(errors, [key, PASSPHRASE]);
    });

    it('no message of a whole bad configuration quotes the key or passphrase', () => {
      const result = readSettings(
        valid({ 'private-key': ENCRYPTED.private, passphrase: 'nope-7731', hosts: '$(id)', port: 'x', strategy: 'y' }),
      );
      expectNoSecretIn(errorsOf(result), [ENCRYPTED.private, 'nope-7731']);
    });

    it('an ssh-agent from SSH_AUTH_SOCK stands in for a key', () => {
      const s = settingsOf(readSettings(valid({ 'private-key': '' }), { SSH_AUTH_SOCK: '/tmp/agent.sock' }));
      expect(s.ssh.agent).toBe('/tmp/agent.sock');
      expect(s.ssh.privateKey).toBeUndefined();
    });

    it('a given key wins over the agent', () => {
      const s = settingsOf(readSettings(valid(), { SSH_AUTH_SOCK: '/tmp/agent.sock' }));
      expect(s.ssh.privateKey).toBeDefined();
      expect(s.ssh.agent).toBeUndefined();
    });

    it('with neither key nor agent, private-key is required', () => {
      const errors = errorsOf(readSettings(valid({ 'private-key': '' }), {}));
      expect(inputsNamed(errors)).toEqual(['private-key']);
      expect(errors[0]).toMatch(/SSH_AUTH_SOCK/);
    });
  });
});
