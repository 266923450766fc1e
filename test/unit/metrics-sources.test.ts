import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleAgainstPeers, settleFreshness, worseThanPeers } from '../../src/checks/relative';
import { CommandSource, countsCommandLine, parseCountsOutput, runnerShell } from '../../src/checks/sources/command';
import { preflightMetrics } from '../../src/checks/sources/metrics-preflight';
import { watchWindow } from '../../src/checks/watch';
import type { ErrorSource } from '../../src/checks/sources/error-source';
import type { Counts } from '../../src/checks/verdict';
import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';
import { processShell, type LocalShell } from '../../src/runtime/local-shell';
import { FakeClock } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const O = { maxErrorRate: 0.01, minRequests: 20, failOnInconclusive: false };

describe('the fleet-relative rule', () => {
  it('a host far worse than its peers fails even under max-error-rate', () => {
    const o = { ...O, maxErrorRate: 0.2 };
    const host = { requests: 400, errors: 40 };
    const peers = { requests: 800, errors: 1 };
    expect(worseThanPeers(host, peers, o)).toBe(true);
    const v = settleAgainstPeers({ verdict: 'pass', reason: 'within' }, host, peers, o);
    expect(v.verdict).toBe('fail');
    expect(v.reason).toMatch(
      /40\/400 errors = 10% against 1\/800 = 0\.13% on the other hosts in the same window: significantly worse than its peers/,
    );
  });

  it('a few errors, or a small rise, are not significantly worse', () => {
    expect(worseThanPeers({ requests: 100, errors: 4 }, { requests: 1000, errors: 0 }, O)).toBe(false);
    expect(worseThanPeers({ requests: 10_000, errors: 40 }, { requests: 10_000, errors: 20 }, O)).toBe(false); // +0.2% < a quarter of 1%
    expect(worseThanPeers({ requests: 10_000, errors: 60 }, { requests: 10_000, errors: 20 }, O)).toBe(true); // +0.4%, 3×, z > 4
    expect(worseThanPeers({ requests: 400, errors: 40 }, { requests: 10, errors: 0 }, O)).toBe(false); // peers under min-requests
  });

  it('every host failing alike is a fleet-wide problem, not this change: inconclusive (fail with fail-on-inconclusive)', () => {
    const host = { requests: 500, errors: 40 };
    const peers = { requests: 1000, errors: 80 };
    const v = settleAgainstPeers({ verdict: 'fail', reason: 'over' }, host, peers, O);
    expect(v).toEqual({
      verdict: 'inconclusive',
      fleetWide: true,
      reason: 'fleet-wide problem: all hosts 8% errors (this host 8%, 80/1000 = 8% on the other hosts): not this change',
    });
    expect(settleAgainstPeers({ verdict: 'fail', reason: 'over' }, host, peers, { ...O, failOnInconclusive: true }).verdict).toBe('fail');
  });

  it('a host much worse than a failing fleet still fails', () => {
    const v = settleAgainstPeers(
      { verdict: 'fail', reason: '90% over' },
      { requests: 500, errors: 450 },
      { requests: 1000, errors: 80 },
      O,
    );
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('90% over; 80/1000 = 8% on the other hosts');
  });

  it('without peers the absolute verdict stands', () => {
    expect(settleAgainstPeers({ verdict: 'fail', reason: 'x' }, { requests: 50, errors: 10 }, null, O)).toEqual({
      verdict: 'fail',
      reason: 'x',
    });
  });

  it('a pass on stale data is inconclusive; a fail stands', () => {
    expect(settleFreshness({ verdict: 'pass', reason: '0/50' }, 'only 1 scrape', O)).toEqual({
      verdict: 'inconclusive',
      reason: 'only 1 scrape (0/50)',
    });
    expect(settleFreshness({ verdict: 'pass', reason: '0/50' }, 'only 1 scrape', { ...O, failOnInconclusive: true }).verdict).toBe('fail');
    expect(settleFreshness({ verdict: 'fail', reason: 'x' }, 'stale', O).verdict).toBe('fail');
    expect(settleFreshness({ verdict: 'pass', reason: 'x' }, null, O).verdict).toBe('pass');
    // An early trip that the peers show to be fleet-wide can end the window before enough scrapes.
    const fleet = { verdict: 'inconclusive' as const, fleetWide: true, reason: 'fleet-wide problem: all hosts 12% errors' };
    expect(settleFreshness(fleet, 'only 2 scrapes', O)).toEqual({
      ...fleet,
      reason: 'fleet-wide problem: all hosts 12% errors; only 2 scrapes',
    });
    expect(settleFreshness({ verdict: 'inconclusive', reason: '0 requests is fewer than min-requests 20' }, 'no current data', O)).toEqual({
      verdict: 'inconclusive',
      reason: 'no current data (0 requests is fewer than min-requests 20)',
    });
  });
});

/** A source of scripted counts, the peers' window and a staleness reason. */
class ScriptedSource implements ErrorSource {
  readonly description = 'scripted';
  constructor(
    private readonly counts: Counts,
    private readonly peerCounts: Counts | null,
    private readonly stale: string | null,
  ) {}
  async mark(): Promise<void> {}
  async baseline(): Promise<null> {
    return null;
  }
  async read(): Promise<Counts> {
    return this.counts;
  }
  samples(): string[] {
    return [];
  }
  staleReason(): string | null {
    return this.stale;
  }
  async peers(): Promise<Counts | null> {
    return this.peerCounts;
  }
}

describe('watchWindow with the new rules', () => {
  const check = { ...settingsFrom({ hosts: 'a', 'host-key-check': 'off' }).check, windowMs: 3000 };
  const watch = (s: ErrorSource, c = check) => watchWindow(s, null, c, new FakeClock(), new AbortController().signal, () => undefined);

  it('stale data turns a pass into inconclusive', async () => {
    const out = await watch(new ScriptedSource({ requests: 100, errors: 0 }, null, 'only 1 scrape of the target since the change'));
    expect(out.verdict).toBe('inconclusive');
    expect(out.reason).toMatch(/^only 1 scrape/);
  });

  it('a fleet-wide failure is inconclusive, not blamed on the host', async () => {
    const out = await watch(new ScriptedSource({ requests: 100, errors: 10 }, { requests: 300, errors: 30 }, null));
    expect(out.verdict).toBe('inconclusive');
    expect(out.reason).toMatch(/^fleet-wide problem: all hosts 10% errors/);
  });

  it('fleet-relative: false keeps the absolute verdict', async () => {
    const out = await watch(new ScriptedSource({ requests: 100, errors: 10 }, { requests: 300, errors: 30 }, null), {
      ...check,
      fleetRelative: false,
    });
    expect(out.verdict).toBe('fail');
  });
});

describe('the command source', () => {
  it('reads {"requests": N, "errors": M} and refuses anything else', () => {
    expect(parseCountsOutput(' {"requests": 120, "errors": 3}\n')).toEqual({ ok: true, counts: { requests: 120, errors: 3 } });
    const bad = (s: string): string => {
      const r = parseCountsOutput(s);
      return r.ok ? 'ok' : r.error;
    };
    expect(bad('')).toMatch(/printed nothing/);
    expect(bad('Error: see https://evil.example/\x1b[31m')).toMatch(/^printed "Error: see \[link removed\] \[31m"; expected JSON/);
    expect(bad('{"requests": "12", "errors": 0}')).toMatch(/whole numbers/);
    expect(bad('{"requests": 1.5, "errors": 0}')).toMatch(/whole numbers/);
    expect(bad('{"requests": -1, "errors": 0}')).toMatch(/whole numbers/);
    expect(bad('[1,2]')).toMatch(/whole numbers/);
    expect(bad('{"requests": 1, "errors": 2}')).toMatch(/errors are a subset/);
    expect(bad(`{"requests": 1, "errors": 0, "pad": "${'x'.repeat(5000)}"}`)).toMatch(/printed \d+ characters/);
  });

  it('quotes every value into the command line', () => {
    const line = countsCommandLine(
      'q --host {host} --name {name} --from {since} --to {until}',
      { host: '10.0.0.1', port: 22, user: 'root', name: "a'b; rm -rf /" },
      1_764_500_000_400,
      1_764_500_010_200,
    );
    expect(line).toBe("q --host 10.0.0.1 --name 'a'\\''b; rm -rf /' --from 1764500000 --to 1764500011");
  });

  it('runs on the runner, bounded by its timeout, and names check-command when it fails', async () => {
    const host = { host: 'h', port: 22, user: 'root', name: 'web-1' };
    const ok = new CommandSource(
      runnerShell(processShell),
      { command: `echo '{"requests": 50, "errors": 1}' # {name} {since} {until}`, timeoutMs: 5000, via: 'runner' },
      host,
      () => 1_764_500_000_000,
    );
    await ok.mark();
    expect(await ok.read()).toEqual({ requests: 50, errors: 1 });
    const slow = new CommandSource(runnerShell(processShell), { command: 'sleep 5', timeoutMs: 300, via: 'runner' }, host, Date.now);
    await expect(slow.read()).rejects.toThrow(/^check-command for web-1 ran past check-command-timeout 0.3s and was killed/);
    const failing = new CommandSource(
      runnerShell(processShell),
      { command: 'echo boom >&2; exit 3', timeoutMs: 2000, via: 'runner' },
      host,
      Date.now,
    );
    await expect(failing.read()).rejects.toThrow(/^check-command for web-1 exited with status 3: boom/);
  });

  it('preflight runs it once per host before any change', async () => {
    const calls: string[] = [];
    const local: LocalShell = {
      run: async (script) => (
        calls.push(script),
        { code: 0, signal: null, stdout: '{"requests": 0, "errors": 0}', stderr: '', timedOut: false }
      ),
    };
    const settings = settingsFrom({ hosts: 'a, b', 'host-key-check': 'off', 'check-source': 'command', 'check-command': 'q {name}' });
    await preflightMetrics(settings, null, local, () => 1_000_000);
    expect(calls).toEqual(['q a', 'q b']);
    const bad: LocalShell = { run: async () => ({ code: 0, signal: null, stdout: 'nope', stderr: '', timedOut: false }) };
    await expect(preflightMetrics(settings, null, bad, () => 1_000_000)).rejects.toThrow(/^check-command for a printed "nope"/);
  });
});

describe('preflight against a Prometheus that answers badly', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  let answer: (query: string) => { status: number; body: string };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      const a = answer(q);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server.close());

  const vec = (...values: string[]): { status: number; body: string } => ({
    status: 200,
    body: JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { proxy: `p${i}` }, value: [1, v] })) },
    }),
  });
  const run = (extra: Partial<Record<InputName, string>> = {}) =>
    preflightMetrics(
      settingsFrom({ hosts: 'web-1, web-2', 'host-key-check': 'off', 'check-source': 'prometheus', 'prometheus-url': url, ...extra }),
      null,
      processShell,
      Date.now,
    );

  it('passes when every query gives one series and the target is scraped', async () => {
    answer = (q) =>
      q === 'time()'
        ? { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '1'] } }) }
        : vec('5');
    await expect(run()).resolves.toBeUndefined();
  });

  it('a query error names its input', async () => {
    answer = (q) =>
      q.includes('5xx') && q.startsWith('sum')
        ? { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }) }
        : vec('5');
    await expect(run()).rejects.toThrow('prometheus-errors-query for web-1: Prometheus answered HTTP 400 bad_data: parse error');
  });

  it('several series, or none, names the query', async () => {
    answer = (q) => (q.startsWith('sum(haproxy_server_http_responses_total{server="web-2"})') ? vec('1', '2') : vec('5'));
    await expect(run()).rejects.toThrow(/^prometheus-requests-query for web-2: returned 2 series/);
    answer = (q) => (q.includes('web-2') && q.startsWith('sum') ? vec() : vec('5'));
    await expect(run()).rejects.toThrow(/^prometheus-requests-query for web-2: returned no series/);
  });

  it('a target not scraped names the scrape series', async () => {
    answer = (q) => (q.startsWith('max(count_over_time') ? vec() : vec('5'));
    await expect(run()).rejects.toThrow(/^prometheus-scrape-series for web-1: no sample in the last minute/);
  });

  it('a login page instead of the API names prometheus-url', async () => {
    answer = () => ({ status: 401, body: '<html>log in at https://sso.example/</html>' });
    await expect(run()).rejects.toThrow(/^prometheus-url: HTTP 401, not a Prometheus API answer: <html>log in at \[link removed\] \(http:/);
  });
});

describe('settings of the new sources', () => {
  const base = { hosts: 'web1', 'host-key-check': 'off' } as const;
  const errors = (inputs: Partial<Record<InputName, string>>): string[] => {
    const r = readSettings((n) => ({ ...base, ...inputs })[n] ?? '', { SSH_AUTH_SOCK: '/tmp/a' });
    return r.ok ? [] : r.errors;
  };

  it.each<[string, Partial<Record<InputName, string>>, RegExp]>([
    ['prometheus without a URL', { 'check-source': 'prometheus' }, /^Input 'prometheus-url': is required when check-source is prometheus/],
    ['a URL that is not http', { 'check-source': 'prometheus', 'prometheus-url': 'ftp://p' }, /^Input 'prometheus-url': expected an http/],
    [
      'a URL with no prometheus source',
      { 'prometheus-url': 'http://p:9090' },
      /^Input 'prometheus-url': is set but check-source is not prometheus/,
    ],
    [
      'a query without a placeholder',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-errors-query': 'sum(x)' },
      /^Input 'prometheus-errors-query': must pick out one host with \{host\} or \{name\}/,
    ],
    [
      'a scrape series that is an expression',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-scrape-series': 'rate(up[1m])' },
      /^Input 'prometheus-scrape-series': expected a series selector/,
    ],
    [
      'min scrapes 0',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-min-scrapes': '0' },
      /^Input 'prometheus-min-scrapes': expected a whole number from 1/,
    ],
    [
      'via a host that does not exist',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-via': 'lb-host' },
      /^Input 'prometheus-via': lb-host needs lb: haproxy or nginx/,
    ],
    [
      'a bad via',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-via': 'bastion' },
      /^Input 'prometheus-via': expected one of runner, lb-host, host, got "bastion"/,
    ],
    [
      'TLS verify not a boolean',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-tls-verify': 'no' },
      /^Input 'prometheus-tls-verify': expected true or false/,
    ],
    [
      'token and basic auth',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-token': 'abc', 'prometheus-basic-auth': 'u:p' },
      /^Input 'prometheus-basic-auth': set either/,
    ],
    [
      'basic auth without a colon',
      { 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-basic-auth': 'justapassword' },
      /^Input 'prometheus-basic-auth': expected user:password/,
    ],
    ['command without check-command', { 'check-source': 'command' }, /^Input 'check-command': is required when check-source is command/],
    ['check-command with another source', { 'check-command': 'x' }, /^Input 'check-command': is set but check-source is not command/],
    [
      'a tiny command timeout',
      { 'check-source': 'command', 'check-command': 'x', 'check-command-timeout': '10ms' },
      /^Input 'check-command-timeout': must be at least 1s/,
    ],
    ['fleet-relative not a boolean', { 'fleet-relative': 'maybe' }, /^Input 'fleet-relative': expected true or false/],
  ])('%s', (_what, inputs, expected) => {
    const found = errors(inputs);
    expect(
      found.some((e) => expected.test(e)),
      found.join('\n'),
    ).toBe(true);
  });

  it('never quotes a secret in an error', () => {
    const found = errors({ 'check-source': 'prometheus', 'prometheus-url': 'http://p', 'prometheus-basic-auth': 'Sup3rSecretNoColon' });
    expect(found.join('\n')).not.toContain('Sup3rSecret');
  });

  it('builds the Authorization header from the token or user:password', () => {
    const s = (extra: Partial<Record<InputName, string>>) =>
      settingsFrom({ ...base, 'check-source': 'prometheus', 'prometheus-url': 'http://p', ...extra }).check.prometheus;
    expect(s({ 'prometheus-token': 'tok' })?.authorization).toBe('Bearer tok');
    expect(s({ 'prometheus-basic-auth': 'u:p w' })?.authorization).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
    expect(s({})).toMatchObject({ authorization: null, tlsVerify: true, via: 'runner', minScrapes: 3 });
  });
});

describe('the haproxy source against its peers', () => {
  it('reads the other servers at the mark and at the end: their pooled window', async () => {
    const { HaproxySource } = await import('../../src/checks/sources/haproxy');
    const c = (sessions: number, http5xx: number) => ({ sessions, inFlight: 0, responses: sessions, http5xx, clientAborts: 0 });
    const counters: Record<string, ReturnType<typeof c>> = { a: c(100, 0), b: c(200, 1), d: c(50, 0) };
    const t = (name: string) => ({ host: name, port: 22, user: 'root', name });
    const source = new HaproxySource(
      async (h) => counters[h.name]!,
      t('a'),
      () => 0,
      [t('b'), t('d')],
    );
    await source.mark();
    counters.a = c(150, 20);
    counters.b = c(260, 2);
    counters.d = c(90, 0);
    expect(await source.read()).toEqual({ requests: 50, errors: 20 });
    expect(await source.peers()).toEqual({ requests: 100, errors: 1 });
    const alone = new HaproxySource(
      async (h) => counters[h.name]!,
      t('a'),
      () => 0,
    );
    await alone.mark();
    expect(await alone.peers()).toBeNull();
  });
});
