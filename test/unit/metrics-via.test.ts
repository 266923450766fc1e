/**
 * Metrics through the load balancer's SSH host (check-command-via / prometheus-via: lb-host), and
 * what the dry-run plan says the error check would ask. The load balancer's host is a FakeShell:
 * it sees each command's line (what would be in the host's process list) and, apart, its stdin.
 */
import { describe, expect, it } from 'vitest';
import { PrometheusClient, sshGet, sshGetLine } from '../../src/checks/prometheus/client';
import { CommandSource, hostShell } from '../../src/checks/sources/command';
import { PrometheusSource } from '../../src/checks/sources/prometheus';
import { execLine, prometheusGet } from '../../src/remote/commands';
import { shQuote } from '../../src/remote/quote';
import { RemoteHost } from '../../src/remote/remote-host';
import { summaryMarkdown } from '../../src/report/summary';
import { rollout } from '../../src/rollout/rollout';
import type { LocalShell } from '../../src/runtime/local-shell';
import { readSettings } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import type { ExecResult } from '../../src/transport/connection';
import { fakeDeps, FakeConnector, FakeHost, FakeLb, FakeShell } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const TOKEN = 'tok-5ecret-0123456789';
const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const LB = { lb: 'haproxy', 'lb-host': 'root@10.0.0.99', 'haproxy-backend': 'web' } as const;
const lbTarget = { host: '10.0.0.99', port: 22, user: 'root', name: 'load balancer' };
const web1 = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };
const done = (stdout: string, code = 0, stderr = '', durationMs = 5): ExecResult => ({ code, signal: null, stdout, stderr, durationMs });

/** A fake load balancer whose SSH host (for its lock and for `*-via: lb-host`) is a FakeShell. */
function lbOn(host: FakeHost): FakeLb {
  const lb = new FakeLb();
  lb.lock = { remote: new RemoteHost(new FakeShell(lbTarget, host), false), name: 'lb.web', label: 'haproxy web' };
  return lb;
}

/** A local shell that must not be used: check-command-via lb-host runs nothing on the runner. */
const runnerCalls: string[] = [];
const noRunner: LocalShell = {
  run: async (script) => (runnerCalls.push(script), { code: 1, signal: null, stdout: '', stderr: 'not here', timedOut: false }),
};

function go(settings: Settings, lb: FakeLb) {
  const connector = new FakeConnector();
  const run = rollout(settings, fakeDeps({ connector, local: noRunner, owner: 't', openLoadBalancer: async () => lb }));
  return { connector, run };
}

describe('check-command-via', () => {
  it('lb-host needs a load balancer reached over SSH: an error naming the input', () => {
    const read = readSettings(
      (n) =>
        ({ hosts: 'a', 'host-key-check': 'off', 'check-source': 'command', 'check-command': 'q {name}', 'check-command-via': 'lb-host' })[
          n as string
        ] ?? '',
      { SSH_AUTH_SOCK: '/tmp/a' },
    );
    expect(read.ok).toBe(false);
    expect(!read.ok && read.errors).toContain(
      "Input 'check-command-via': lb-host needs lb: haproxy or nginx (its SSH connection runs the command); or use host, the watched host itself",
    );
    expect(
      settingsFrom({
        hosts: 'a',
        'host-key-check': 'off',
        ...LB,
        'check-source': 'command',
        'check-command': 'q',
        'check-command-via': 'lb-host',
      }).check.command,
    ).toMatchObject({ via: 'lb-host', command: 'q' });
    expect(settingsFrom({ hosts: 'a', 'host-key-check': 'off', 'check-source': 'command', 'check-command': 'q' }).check.command?.via).toBe(
      'runner',
    );
  });

  it('lb-host: the command runs on the load balancer host for every look, values quoted; host 2 at 30% errors halts the run', async () => {
    runnerCalls.length = 0;
    const lbHost = new FakeHost('lb');
    lbHost.answers['check-command'] = (script) =>
      done(script.includes('web-2') ? '{"requests": 100, "errors": 30}' : '{"requests": 100, "errors": 0}');
    const settings = settingsFrom({
      hosts: HOSTS,
      'host-key-check': 'off',
      ...LB,
      'check-source': 'command',
      'check-command': 'counts --name {name} --since {since} --until {until}',
      'check-command-via': 'lb-host',
      'check-window': '5s',
    });
    const t = go(settings, lbOn(lbHost));
    const { report } = await t.run;
    expect(report.hosts.map((h) => h.errors?.verdict ?? null)).toEqual(['pass', 'fail', null]);
    expect(report.failedHost).toBe('web-2');
    expect(runnerCalls).toEqual([]);
    const lines = lbHost.commands.filter((l) => l.includes('zdr.check-command'));
    // Preflight once per host, then each changed host's baseline and looks.
    expect(lines.length).toBeGreaterThanOrEqual(3 + 2 * 2);
    expect(lines[0]).toMatch(/^timeout -k 3 20 sh -c 'export LC_ALL=C; counts --name web-1 --since \d+ --until \d+' zdr\.check-command$/);
    expect(t.connector.host('web-3').reloads + t.connector.host('web-3').restarts).toBe(0);
  });

  it('on a host: a hostile name stays one quoted word; a kill at the timeout, a lost connection and bad output name check-command', async () => {
    const lbHost = new FakeHost('lb');
    const seen: string[] = [];
    let answer: ExecResult = done('{"requests": 1, "errors": 0}');
    lbHost.answers['check-command'] = (script) => (seen.push(script), answer);
    const runner = hostShell(new RemoteHost(new FakeShell(lbTarget, lbHost), false), 'the load balancer host');
    const evil = { ...web1, name: `web'1; touch /tmp/x` };
    const s = { command: 'counts {name}', timeoutMs: 2000, via: 'lb-host' as const };
    const source = new CommandSource(runner, s, evil, () => 1_764_500_000_000);
    await source.mark();
    expect(await source.read()).toEqual({ requests: 1, errors: 0 });
    expect(seen[0]).toBe(`counts ${shQuote(evil.name)}`);
    answer = done('', 124, '', 2000);
    await expect(source.read()).rejects.toThrow(
      /^check-command for web'1; touch \/tmp\/x ran past check-command-timeout 2s and was killed$/,
    );
    answer = { ...done('', 0, 'connection lost: reset'), code: null, lost: 'connection-lost' };
    await expect(source.read()).rejects.toThrow(
      /^check-command for .* could not run on the load balancer host over SSH \(connection-lost\)/,
    );
    // Untrusted output: the escape character goes, and the link with it even glued to the text before.
    answer = done('\x1b[31mhttp://evil.example/x\n{"requests"');
    await expect(source.read()).rejects.toThrow(/^check-command for .* printed "\[31\[link removed\] \{"requests""; expected JSON/);
  });
});

describe('the Authorization header with prometheus-via lb-host', () => {
  const url = 'http://prom:9090/api/v1/query?query=up';

  it('is curl’s stdin (-H @-), not an argument: the token is nowhere in the command line', () => {
    const cmd = prometheusGet(url, { authorization: `Bearer ${TOKEN}`, insecure: false, timeoutMs: 5000 });
    expect(cmd.args).toEqual([url, '5']);
    expect(cmd.stdin).toBe(`Authorization: Bearer ${TOKEN}\n`);
    expect(cmd.script).toMatch(/^curl -g -sS --max-time "\$2" -H @- /m);
    expect(execLine(cmd, { sudo: true })).not.toContain(TOKEN);
    const plain = prometheusGet(url, { authorization: null, insecure: true, timeoutMs: 5000 });
    expect(plain.stdin).toBeUndefined();
    expect(plain.script).not.toContain('-H');
    expect(plain.script).toContain('curl -g -sS -k ');
  });

  it('a query over the SSH host sends the token on stdin only, and reads the answer', async () => {
    const lbHost = new FakeHost('lb');
    lbHost.answers['prometheus-get'] = () =>
      done(
        `${JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] } })}\nzdr-http-status:200`,
      );
    const remote = new RemoteHost(new FakeShell(lbTarget, lbHost), false);
    const access = { authorization: `Bearer ${TOKEN}`, tlsVerify: true, timeoutMs: 5000 };
    const client = new PrometheusClient(sshGet(remote, access), 'http://prom:9090', 'over SSH', sshGetLine(remote, access));
    expect(await client.query('up')).toEqual({ ok: true, series: [{ metric: {}, value: 42, at: 1 }] });
    expect(lbHost.stdins).toEqual([`Authorization: Bearer ${TOKEN}\n`]);
    expect(lbHost.commands).toHaveLength(1);
    expect(lbHost.commands[0]).toContain('zdr.prometheus-get');
    expect(lbHost.commands[0]).not.toContain(TOKEN);
    expect(client.lineFor('up')).toBe(lbHost.commands[0]);
  });
});

describe('the dry-run plan lists what the error check asks', () => {
  const P = {
    url: 'http://prom:9090',
    requestsQuery: 'sum(req{server="{name}",instance="{host}"})',
    errorsQuery: 'sum(err{server="{name}"})',
    scrapeSeries: 'up{instance="{host}"}',
    minScrapes: 3,
    via: 'runner' as const,
    authorization: null,
    tlsVerify: true,
  };

  it('prometheus: the queries filled in for the host, the scrape rule, the peers, and where they run', () => {
    const client = new PrometheusClient(async () => ({ status: 0, body: '' }), P.url);
    const peers = [{ ...web1, host: '10.0.0.2', name: 'web-2' }];
    expect(new PrometheusSource(client, P, web1, peers, () => 0).plan()).toEqual([
      '    Prometheus http://prom:9090 from the runner, each look:',
      '      requests: sum(req{server="web-1",instance="10.0.0.1"})',
      '      errors: sum(err{server="web-1"})',
      '      fresh scrapes: max(count_over_time(up{instance="10.0.0.1"}[{time since the change}])) (at least prometheus-min-scrapes 3)',
      '      peers (fleet-relative): the same queries for web-2',
    ]);
  });

  it('a dry run with prometheus-via lb-host prints each host’s queries and the exact curl line, without the token', async () => {
    const lbHost = new FakeHost('lb');
    lbHost.answers['prometheus-get'] = () =>
      done(
        `${JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '9'] }] } })}\nzdr-http-status:200`,
      );
    const settings = settingsFrom({
      hosts: HOSTS,
      'host-key-check': 'off',
      ...LB,
      'check-source': 'prometheus',
      'prometheus-url': 'http://prom:9090',
      'prometheus-via': 'lb-host',
      'prometheus-token': TOKEN,
      'dry-run': 'true',
    });
    const { plan, report } = await go(settings, lbOn(lbHost)).run;
    const text = plan.join('\n');
    // The job summary carries the same plan, HTML-escaped.
    expect(summaryMarkdown(report, plan)).toContain('      requests: sum(haproxy_server_http_responses_total{server="web-2"})');
    console.log(
      plan
        .filter((l) => !l.startsWith('      $') || l.includes('prometheus'))
        .slice(0, 30)
        .join('\n'),
    );
    expect(text).toContain('    Prometheus http://prom:9090 with curl on the load balancer host root@10.0.0.99:22 over SSH, each look:');
    for (const name of ['web-1', 'web-2', 'web-3'])
      expect(text).toContain(`      requests: sum(haproxy_server_http_responses_total{server="${name}"})`);
    expect(text).toMatch(
      /each query is one curl \(the Authorization header goes on its stdin, not in the line\), e\.g\.:\n {6}\$ timeout [^\n]*\n[^\n]*zdr\.prometheus-get 'http:\/\/prom:9090\/api\/v1\/query\?query=sum/,
    );
    expect(text).not.toContain(TOKEN);
    // Preflight asked every host's queries through the load balancer host, the token on stdin each time.
    expect(lbHost.stdins.length).toBeGreaterThanOrEqual(1 + 3 * 3);
    expect(new Set(lbHost.stdins)).toEqual(new Set([`Authorization: Bearer ${TOKEN}\n`]));
    for (const line of lbHost.commands) expect(line).not.toContain(TOKEN);
  });

  it('a dry run with check-command prints the line each look runs, {since}/{until} left as placeholders', async () => {
    const lbHost = new FakeHost('lb');
    lbHost.answers['check-command'] = () => done('{"requests": 0, "errors": 0}');
    const settings = settingsFrom({
      hosts: HOSTS,
      'host-key-check': 'off',
      ...LB,
      'check-source': 'command',
      'check-command': 'counts {name} {since} {until}',
      'check-command-via': 'lb-host',
      'check-command-timeout': '7s',
      'dry-run': 'true',
    });
    const { plan } = await go(settings, lbOn(lbHost)).run;
    const i = plan.indexOf('    check-command on the load balancer host root@10.0.0.99:22 over SSH, within 7s, each look:');
    expect(i).toBeGreaterThan(0);
    expect(plan[i + 1]).toBe(`      $ timeout -k 3 7 sh -c 'export LC_ALL=C; counts web-1 {since} {until}' zdr.check-command`);
    expect(plan.filter((l) => l.includes('check-command on the load balancer host'))).toHaveLength(3);
  });
});
