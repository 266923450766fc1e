/**
 * prometheus-via / check-command-via: host — the query or command runs on the host being watched,
 * over the rollout's own connection to it (for `lb: none` or `lb: command`, where no load
 * balancer host exists). Every host is a FakeHost: it sees each command's line (what would be in
 * its process list) and, apart, its stdin; the runner must not be used at all.
 */
import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout';
import type { LocalShell } from '../../src/runtime/local-shell';
import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import type { ExecResult } from '../../src/transport/connection';
import { fakeDeps, FakeConnector, type FakeHost } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const TOKEN = 'tok-5ecret-via-host-0123';
const NAMES = ['web-1', 'web-2', 'web-3'];
const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const URL_ = 'http://prom.internal:9090';
const base = { hosts: HOSTS, 'host-key-check': 'off', 'check-window': '5s' } as const;
const done = (stdout: string, code = 0, stderr = ''): ExecResult => ({ code, signal: null, stdout, stderr, durationMs: 5 });

/** The runner must stay unused: every query and command runs on the watched host. */
const runnerCalls: string[] = [];
const noRunner: LocalShell = {
  run: async (script) => (runnerCalls.push(script), { code: 1, signal: null, stdout: '', stderr: 'not here', timedOut: false }),
};

function go(settings: Settings, stage: (connector: FakeConnector) => void = () => undefined) {
  runnerCalls.length = 0;
  const connector = new FakeConnector();
  stage(connector);
  const run = rollout(settings, fakeDeps({ connector, local: noRunner, owner: 't' }));
  return { connector, run };
}

/** What the `query` of a curl line's URL asks, decoded. */
const queryOf = (args: string[]): string => new URL(args[0] ?? 'http://x/').searchParams.get('query') ?? '';

/**
 * A Prometheus behind each host's curl: cumulative totals that grow with every query (100 requests
 * a step; `errorShare` of them errors), ten scrapes of every target, and `time()`. `asked`: each query.
 */
function prometheusOn(h: FakeHost, tick: { n: number }, errorShare: Record<string, number>, asked: string[] = []): void {
  h.answers['prometheus-get'] = (_script, args) => {
    const q = queryOf(args);
    asked.push(q);
    const body = (data: unknown): ExecResult => done(`${JSON.stringify({ status: 'success', data })}\nzdr-http-status:200`);
    if (q === 'time()') return body({ resultType: 'scalar', result: [1, '1'] });
    const vector = (v: number) => body({ resultType: 'vector', result: [{ metric: {}, value: [1, String(v)] }] });
    if (q.startsWith('max(count_over_time')) return vector(10);
    const name = /server="([^"]+)"/.exec(q)?.[1] ?? '';
    tick.n += 1;
    const requests = 100 * tick.n;
    return vector(q.includes('5xx') ? Math.round(requests * (errorShare[name] ?? 0)) : requests);
  };
}

describe('prometheus-via / check-command-via: host, settings', () => {
  const read = (inputs: Partial<Record<InputName, string>>) =>
    readSettings((n) => ({ ...base, ...inputs })[n] ?? '', { SSH_AUTH_SOCK: '/tmp/a' });

  it('host is accepted with lb: none and lb: command, for both inputs', () => {
    const prom = { 'check-source': 'prometheus', 'prometheus-url': URL_, 'prometheus-via': 'host' } as const;
    expect(settingsFrom({ ...base, ...prom }).check.prometheus?.via).toBe('host');
    const cmd = { 'check-source': 'command', 'check-command': 'q {name}', 'check-command-via': 'host' } as const;
    expect(settingsFrom({ ...base, ...cmd }).check.command?.via).toBe('host');
    const lbCommand = { lb: 'command', 'drain-command': 'out {name}', 'ready-command': 'in {name}' } as const;
    expect(settingsFrom({ ...base, ...lbCommand, ...prom }).check.prometheus?.via).toBe('host');
    expect(settingsFrom({ ...base, ...lbCommand, ...cmd }).check.command?.via).toBe('host');
  });

  it('a bad value names the input and the three values; lb-host without a load balancer host points to host', () => {
    const bad = read({ 'check-source': 'prometheus', 'prometheus-url': URL_, 'prometheus-via': 'hosts' });
    expect(!bad.ok && bad.errors).toContain(`Input 'prometheus-via': expected one of runner, lb-host, host, got "hosts"`);
    const badCmd = read({ 'check-source': 'command', 'check-command': 'q', 'check-command-via': 'web-1' });
    expect(!badCmd.ok && badCmd.errors).toContain(`Input 'check-command-via': expected one of runner, lb-host, host, got "web-1"`);
    const noLb = read({ 'check-source': 'command', 'check-command': 'q', 'check-command-via': 'lb-host' });
    expect(!noLb.ok && noLb.errors).toContain(
      "Input 'check-command-via': lb-host needs lb: haproxy or nginx (its SSH connection runs the command); or use host, the watched host itself",
    );
  });
});

describe('prometheus-via: host in a rollout (lb: none)', () => {
  const settings = (extra: Partial<Record<InputName, string>> = {}) =>
    settingsFrom({ ...base, 'check-source': 'prometheus', 'prometheus-url': URL_, 'prometheus-via': 'host', ...extra });

  it('each host asks with curl over its own connection, the token on stdin only; host 2 at 30% halts the run', async () => {
    const tick = { n: 0 };
    const asked: Record<string, string[]> = { 'web-1': [], 'web-2': [], 'web-3': [] };
    const t = go(settings({ 'prometheus-token': TOKEN }), (c) => {
      for (const n of NAMES) prometheusOn(c.host(n), tick, { 'web-2': 0.3 }, asked[n]);
    });
    const { report } = await t.run;
    expect(report.hosts.map((h) => h.errors?.verdict ?? null)).toEqual(['pass', 'fail', null]);
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('watch');
    expect(runnerCalls).toEqual([]);
    expect(t.connector.host('web-3').reloads + t.connector.host('web-3').restarts).toBe(0);
    // One connection per host's preflight and one per turn (the first host keeps its preflight
    // connection for its turn): the queries opened none of their own.
    expect(t.connector.connects.filter((n) => n === 'web-1')).toHaveLength(1);
    expect(t.connector.connects.filter((n) => n === 'web-2')).toHaveLength(2);
    // web-3 never changed: it asked only in preflight, from itself, for its own series.
    expect(asked['web-3']).toEqual([
      'time()',
      'sum(haproxy_server_http_responses_total{server="web-3"})',
      'sum(haproxy_server_http_responses_total{server="web-3",code="5xx"})',
      'max(count_over_time(haproxy_server_http_responses_total{server="web-3",code="5xx"}[60000ms]))',
    ]);
    // web-1 asked its own series in preflight, then its own and (fleet-relative) its peers' in its watch.
    expect(asked['web-1']?.length).toBeGreaterThan(4);
    expect(asked['web-1']).toContain('sum(haproxy_server_http_responses_total{server="web-2"})');
    expect(asked['web-2']).toContain('sum(haproxy_server_http_responses_total{server="web-1"})');
    const queries = (n: string) => t.connector.host(n).commands.filter((l) => l.includes('zdr.prometheus-get'));
    expect(queries('web-3')).toHaveLength(4);
    for (const n of NAMES) {
      const h = t.connector.host(n);
      expect(new Set(h.stdins)).toEqual(new Set([`Authorization: Bearer ${TOKEN}\n`]));
      for (const line of h.commands) expect(line).not.toContain(TOKEN);
      expect(queries(n)[0]).toMatch(/curl -g -sS --max-time "\$2" -H @- /);
    }
  });

  it('a host that cannot reach Prometheus is refused in preflight, naming the input and the host; nothing changes', async () => {
    const tick = { n: 0 };
    const t = go(settings(), (c) => {
      for (const n of NAMES) prometheusOn(c.host(n), tick, {});
      // What curl does there: no HTTP answer, status line 000, exit 0 through its pipe into head.
      c.host('web-2').answers['prometheus-get'] = () =>
        done(
          '\nzdr-http-status:000',
          0,
          'curl: (7) Failed to connect to prom.internal port 9090 after 2 ms: Connection refused \x1b[31mhttp://evil.example/\n',
        );
    });
    const { report } = await t.run;
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toMatch(
      /^prometheus-url from web-2: cannot reach Prometheus: curl: \(7\) Failed to connect to prom\.internal port 9090 after 2 ms: Connection refused .*\(http:\/\/prom\.internal:9090, via host\); asked from web-2 itself \(prometheus-via: host\)$/,
    );
    // Host text is untrusted: no escape character and no link reaches the report.
    expect(report.reason).not.toMatch(/\x1b|evil\.example/);
    expect(NAMES.map((n) => t.connector.host(n).reloads + t.connector.host(n).restarts)).toEqual([0, 0, 0]);
  });

  it('a query that returns nothing on one host names the query input and the host', async () => {
    const tick = { n: 0 };
    const t = go(settings(), (c) => {
      for (const n of NAMES) prometheusOn(c.host(n), tick, {});
      const fine = c.host('web-3').answers['prometheus-get']!;
      c.host('web-3').answers['prometheus-get'] = (script, args) =>
        queryOf(args).startsWith('sum(')
          ? done(`${JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } })}\nzdr-http-status:200`)
          : fine(script, args);
    });
    const { report } = await t.run;
    expect(report.failedHost).toBe('web-3');
    expect(report.reason).toMatch(
      /^prometheus-requests-query for web-3: returned no series.*; asked from web-3 itself \(prometheus-via: host\)$/,
    );
    expect(NAMES.map((n) => t.connector.host(n).reloads + t.connector.host(n).restarts)).toEqual([0, 0, 0]);
  });

  it('a host without curl is refused in preflight, naming curl and prometheus-via: host', async () => {
    const t = go(settings(), (c) => {
      for (const n of NAMES) prometheusOn(c.host(n), { n: 0 }, {});
      c.host('web-2').missing = ['curl'];
    });
    const { report } = await t.run;
    expect(report.failedHost).toBe('web-2');
    expect(report.reason).toMatch(
      /^web-2 lacks a command this rollout runs there: curl \(package curl: requests from the host for prometheus-via: host\)/,
    );
  });

  it('the dry-run plan says each host asks from itself, with the exact curl line and no token', async () => {
    const tick = { n: 0 };
    const t = go(settings({ 'prometheus-token': TOKEN, 'dry-run': 'true' }), (c) => {
      for (const n of NAMES) prometheusOn(c.host(n), tick, {});
    });
    const { plan } = await t.run;
    const text = plan.join('\n');
    for (const [i, n] of NAMES.entries()) {
      const at = plan.indexOf(`    Prometheus ${URL_} with curl on the watched host ${n} (root@10.0.0.${i + 1}:22) over SSH, each look:`);
      expect(at, text).toBeGreaterThan(0);
      expect(plan[at + 1]).toBe(`      requests: sum(haproxy_server_http_responses_total{server="${n}"})`);
    }
    expect(text).toMatch(
      /each query is one curl \(the Authorization header goes on its stdin, not in the line\), e\.g\.:\n {6}\$ timeout /,
    );
    expect(text).not.toContain(TOKEN);
  });
});

describe('check-command-via: host in a rollout (lb: none)', () => {
  const settings = settingsFrom({
    ...base,
    'check-source': 'command',
    'check-command': 'counts --name {name} --since {since} --until {until}',
    'check-command-via': 'host',
  });

  it('each host runs the command for itself; host 2 at 30% errors halts the run', async () => {
    const t = go(settings, (c) => {
      for (const n of NAMES)
        c.host(n).answers['check-command'] = (script) =>
          done(script.includes(n) ? `{"requests": 100, "errors": ${n === 'web-2' ? 30 : 0}}` : 'asked about another host');
    });
    const { report } = await t.run;
    expect(report.hosts.map((h) => h.errors?.verdict ?? null)).toEqual(['pass', 'fail', null]);
    expect(report.failedHost).toBe('web-2');
    expect(runnerCalls).toEqual([]);
    const lines = (n: string) => t.connector.host(n).commands.filter((l) => l.includes('zdr.check-command'));
    expect(lines('web-3')).toHaveLength(1); // preflight only
    expect(lines('web-3')[0]).toMatch(
      /^timeout -k 3 20 sh -c 'export LC_ALL=C; counts --name web-3 --since \d+ --until \d+' zdr\.check-command$/,
    );
    expect(lines('web-1').length).toBeGreaterThanOrEqual(3);
  });

  it('a command failing on one host is refused in preflight, naming the input and the host', async () => {
    const t = go(settings, (c) => {
      for (const n of NAMES) c.host(n).answers['check-command'] = () => done('{"requests": 0, "errors": 0}');
      c.host('web-3').answers['check-command'] = () => done('', 127, 'sh: 1: counts: not found');
    });
    const { report } = await t.run;
    expect(report.failedHost).toBe('web-3');
    expect(report.failedPhase).toBe('inspect');
    expect(report.reason).toBe(
      'check-command for web-3 exited with status 127: sh: 1: counts: not found; run on web-3 itself (check-command-via: host)',
    );
    expect(NAMES.map((n) => t.connector.host(n).reloads + t.connector.host(n).restarts)).toEqual([0, 0, 0]);
  });

  it('the dry-run plan names the watched host and the exact line', async () => {
    const dry = settingsFrom({
      ...base,
      'check-source': 'command',
      'check-command': 'counts {name}',
      'check-command-via': 'host',
      'dry-run': 'true',
    });
    const t = go(dry, (c) => {
      for (const n of NAMES) c.host(n).answers['check-command'] = () => done('{"requests": 0, "errors": 0}');
    });
    const { plan } = await t.run;
    const i = plan.indexOf('    check-command on the watched host web-2 (root@10.0.0.2:22) over SSH, within 20s, each look:');
    expect(i, plan.join('\n')).toBeGreaterThan(0);
    expect(plan[i + 1]).toBe(`      $ timeout -k 3 20 sh -c 'export LC_ALL=C; counts web-2' zdr.check-command`);
  });
});

describe('curl with no HTTP answer on an SSH host', () => {
  it('says curl’s own reason (its pipe into head exits 0, the status line says 000)', async () => {
    const { PrometheusClient, sshGet } = await import('../../src/checks/prometheus/client');
    const { RemoteHost } = await import('../../src/remote/remote-host');
    const { FakeHost, FakeShell } = await import('../support/fakes');
    const h = new FakeHost('web-1');
    h.answers['prometheus-get'] = () =>
      done('\nzdr-http-status:000', 0, "curl: (7) Failed to connect to 127.0.0.1 port 9 after 1 ms: Couldn't connect to server\n");
    const remote = new RemoteHost(new FakeShell({ host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' }, h), false);
    const access = { authorization: null, tlsVerify: true, timeoutMs: 5000 };
    expect(await new PrometheusClient(sshGet(remote, access), 'http://127.0.0.1:9').query('up')).toEqual({
      ok: false,
      error: "cannot reach Prometheus: curl: (7) Failed to connect to 127.0.0.1 port 9 after 1 ms: Couldn't connect to server",
    });
  });
});
