import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient, queryUrl, runnerGet, type HttpGet } from '../../src/checks/prometheus/client';
import { scrapeCountQuery, staleReason } from '../../src/checks/prometheus/freshness';
import { excerpt, fillQuery, parseQueryResponse, promString, singleValue } from '../../src/checks/prometheus/promql';
import { preflightMetrics } from '../../src/checks/sources/metrics-preflight';
import { PrometheusSource, totalsDelta } from '../../src/checks/sources/prometheus';
import { splitCurlOutput } from '../../src/remote/commands/metrics';
import { DEFAULT_ERRORS_QUERY, DEFAULT_REQUESTS_QUERY, type PrometheusSettings } from '../../src/settings/metrics-sources';
import { processShell } from '../../src/runtime/local-shell';
import { settingsFrom } from '../support/settings';

const vector = (...series: [Record<string, string>, string][]): string =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: series.map(([metric, v]) => ({ metric, value: [1764500000.5, v] })) },
  });

describe('query templating', () => {
  it('fills {host} and {name} inside double-quoted PromQL strings, escaped', () => {
    expect(fillQuery(DEFAULT_REQUESTS_QUERY, { host: '10.0.0.1', name: 'web-1' })).toBe(
      'sum(haproxy_server_http_responses_total{server="web-1"})',
    );
    expect(fillQuery('x{instance="{host}:9100",server="{name}"}', { host: '10.0.0.1', name: 'a' })).toBe(
      'x{instance="10.0.0.1:9100",server="a"}',
    );
    expect(fillQuery('{other} {name}', { host: 'h', name: 'n' })).toBe('{other} n');
  });

  it('a name cannot end the string and add matchers of its own', () => {
    const evil = 'web-1"} or vector(1) or x{a="\\';
    const q = fillQuery('sum(m{server="{name}"})', { host: 'h', name: evil });
    expect(q).toBe(`sum(m{server="${promString(evil)}"})`);
    // The only unescaped quotes are the template's two.
    expect(q.replace(/\\./g, '').match(/"/g)).toHaveLength(2);
    expect(promString('a\nb')).toBe('a\\nb');
  });

  it('builds the instant-query URL, encoded, with an optional evaluation time', () => {
    expect(queryUrl('http://p:9090', 'up{a="b"}')).toBe('http://p:9090/api/v1/query?query=up%7Ba%3D%22b%22%7D');
    expect(queryUrl('http://p:9090/prom/', 'up', 1764500000.25)).toBe('http://p:9090/prom/api/v1/query?query=up&time=1764500000.250');
  });
});

describe('response parsing', () => {
  it('a vector of one series gives its value and time', () => {
    const r = parseQueryResponse(200, vector([{}, '1234']));
    expect(singleValue(r)).toEqual({ ok: true, value: 1234, at: 1764500000.5 });
  });

  it('a matrix gives the last value of its series', () => {
    const body = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { server: 'web-1' },
            values: [
              [1, '3'],
              [2, '7'],
            ],
          },
        ],
      },
    });
    expect(singleValue(parseQueryResponse(200, body))).toEqual({ ok: true, value: 7, at: 2 });
  });

  it('a scalar is one value', () => {
    expect(
      singleValue(parseQueryResponse(200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [5, '42'] } }))),
    ).toMatchObject({ ok: true, value: 42 });
  });

  it('an empty result is an error that says how to fix it, not a zero', () => {
    const one = singleValue(parseQueryResponse(200, vector()));
    expect(one.ok).toBe(false);
    expect(!one.ok && one.error).toMatch(/returned no series.*or vector\(0\)/);
  });

  it('several series is an error naming them', () => {
    const one = singleValue(
      parseQueryResponse(200, vector([{ proxy: 'web', server: 'web-1' }, '1'], [{ proxy: 'websock', server: 'web-1' }, '2'])),
    );
    expect(!one.ok && one.error).toMatch(/returned 2 series \(\{proxy="web", server="web-1"\}, \{proxy="websock", server="web-1"\}\).*sum/);
  });

  it('an error payload carries Prometheus’s message and type', () => {
    const r = parseQueryResponse(
      400,
      JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unexpected "}"' }),
    );
    expect(r).toEqual({
      ok: false,
      error: 'Prometheus answered HTTP 400 bad_data: invalid parameter "query": 1:5: parse error: unexpected "}"',
    });
  });

  it('a body that is not the API (a login page, a proxy error) is an error with a link-free excerpt', () => {
    const r = parseQueryResponse(502, '<html>\n<a href="https://evil.example/x">Bad gateway</a>\x1b[31m</html>');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^HTTP 502, not a Prometheus API answer: /);
    expect(!r.ok && r.error).not.toMatch(/https?:|\x1b|\n/);
  });

  it('non-numeric or malformed values are refused', () => {
    expect(
      parseQueryResponse(
        200,
        JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 5] }] } }),
      ).ok,
    ).toBe(false);
    expect(parseQueryResponse(200, JSON.stringify({ status: 'success', data: { resultType: 'string', result: [1, 'x'] } })).ok).toBe(false);
    expect(singleValue(parseQueryResponse(200, vector([{}, 'NaN']))).ok).toBe(false);
    expect(singleValue(parseQueryResponse(200, vector([{}, '-1']))).ok).toBe(false);
  });

  it('excerpt removes links and control characters and caps the length', () => {
    expect(excerpt('see http://a.b/c?d and ftp://x\tdone')).toBe('see [link removed] and [link removed] done');
    expect(excerpt('x'.repeat(500))).toHaveLength(200);
    expect(excerpt('x\x1b[1mhttps://evil.example/a and www.evil.example/b')).toBe('x [1[link removed] and [link removed]');
  });
});

describe('the freshness rule', () => {
  it('counts samples of the scrape series since the change', () => {
    expect(scrapeCountQuery('up{job="haproxy"}', 12_345.4)).toBe('max(count_over_time(up{job="haproxy"}[12345ms]))');
  });

  it('fewer fresh scrapes than the minimum, or none, is stale', () => {
    expect(staleReason(null, 3)).toMatch(/no scrape of the target since the change/);
    expect(staleReason(2, 3)).toMatch(/only 2 scrapes .* fewer than prometheus-min-scrapes 3/);
    expect(staleReason(3, 3)).toBeNull();
  });
});

describe('the window from cumulative totals', () => {
  it('is the difference, with a counter reset read as no traffic and errors never above requests', () => {
    expect(totalsDelta({ requests: 100, errors: 1, at: 0 }, { requests: 150, errors: 6, at: 1 })).toEqual({ requests: 50, errors: 5 });
    expect(totalsDelta({ requests: 100, errors: 1, at: 0 }, { requests: 3, errors: 0, at: 1 })).toEqual({ requests: 0, errors: 0 });
    expect(totalsDelta({ requests: 10, errors: 0, at: 0 }, { requests: 12, errors: 9, at: 1 })).toEqual({ requests: 2, errors: 2 });
  });
});

/** A Prometheus that answers from a table of query → value; unknown queries are empty. */
function fakePrometheus(values: (query: string, time: string | null) => string | undefined): { get: HttpGet; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: async (url) => {
      const u = new URL(url);
      const q = u.searchParams.get('query') ?? '';
      asked.push(q);
      const v = values(q, u.searchParams.get('time'));
      return { status: 200, body: v === undefined ? vector() : vector([{}, v]) };
    },
  };
}

const P: PrometheusSettings = {
  url: 'http://prom:9090',
  requestsQuery: DEFAULT_REQUESTS_QUERY,
  errorsQuery: DEFAULT_ERRORS_QUERY,
  scrapeSeries: 'up{job="haproxy"}',
  minScrapes: 3,
  via: 'runner',
  authorization: null,
  tlsVerify: true,
};

describe('PrometheusSource', () => {
  const hosts = [
    { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' },
    { host: '10.0.0.2', port: 22, user: 'root', name: 'web-2' },
  ];

  it('counts the difference since the mark, reads peers over the same window, and knows when it is stale', async () => {
    const state = { reqs: 1000, errs: 10, peerReqs: 500, peerErrs: 0, scrapes: '1' };
    const prom = fakePrometheus((q, time) => {
      if (q.startsWith('max(count_over_time')) return state.scrapes;
      const peer = q.includes('web-2');
      if (time) return q.includes('5xx') ? '10' : '900';
      if (q.includes('5xx')) return String(peer ? state.peerErrs : state.errs);
      return String(peer ? state.peerReqs : state.reqs);
    });
    let t = 0;
    const source = new PrometheusSource(new PrometheusClient(prom.get, P.url), P, hosts[0]!, [hosts[1]!], () => t);
    await source.mark();
    expect(await source.baseline(30_000)).toEqual({ requests: 100, errors: 0 });
    state.reqs = 1100;
    state.errs = 40;
    state.peerReqs = 700;
    t = 5000;
    expect(await source.read()).toEqual({ requests: 100, errors: 30 });
    expect(source.staleReason()).toMatch(/only 1 scrape/);
    expect(prom.asked).toContain('max(count_over_time(up{job="haproxy"}[5000ms]))');
    state.scrapes = '5';
    await source.read();
    expect(source.staleReason()).toBeNull();
    expect(await source.peers()).toEqual({ requests: 200, errors: 0 });
    expect(source.samples()[0]).toBe(
      'requests: sum(haproxy_server_http_responses_total{server="web-1"}) = 1000 at the change, 1100 at the last look',
    );
  });

  it('series gone stale (the scrape failing) keep the last counts and make the window stale, not an error', async () => {
    let scraped = true;
    const prom = fakePrometheus((q) => (q.startsWith('max(count_over_time') ? (scraped ? '9' : undefined) : scraped ? '100' : undefined));
    let t = 0;
    const source = new PrometheusSource(new PrometheusClient(prom.get, P.url), P, hosts[0]!, [], () => t);
    await source.mark();
    t = 3000;
    expect(await source.read()).toEqual({ requests: 0, errors: 0 });
    expect(source.staleReason()).toBeNull();
    scraped = false;
    expect(await source.read()).toEqual({ requests: 0, errors: 0 });
    expect(source.staleReason()).toMatch(
      /^Prometheus has no current data for the host \(prometheus-requests-query for web-1: returned no series/,
    );
  });

  it('a query that stops answering fails the read with the input named', async () => {
    const prom = fakePrometheus((q) => (q.includes('5xx') ? undefined : '5'));
    const source = new PrometheusSource(new PrometheusClient(prom.get, P.url), P, hosts[0]!, [], () => 0);
    await expect(source.mark()).rejects.toThrow(/^prometheus-errors-query for web-1: returned no series/);
  });
});

describe('preflight of the prometheus source', () => {
  const base = { hosts: 'web-1, web-2', 'host-key-check': 'off', 'check-source': 'prometheus', 'prometheus-url': 'http://127.0.0.1:9/' };

  it('an unreachable Prometheus is an error naming prometheus-url', async () => {
    const settings = settingsFrom(base);
    await expect(preflightMetrics(settings, null, processShell, Date.now)).rejects.toThrow(
      /^prometheus-url: cannot reach Prometheus: .*ECONNREFUSED.*\(http:\/\/127\.0\.0\.1:9\/, via runner\)/,
    );
  });
});

describe('runnerGet: node http from the runner', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url?.includes('slow')) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end(vector([{}, '7']));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends the Authorization header and reads the answer', async () => {
    const client = new PrometheusClient(runnerGet({ authorization: 'Bearer s3cret', tlsVerify: true, timeoutMs: 2000 }), url);
    expect(singleValue(await client.query('up'))).toMatchObject({ ok: true, value: 7 });
    expect(seen.at(-1)).toBe('Bearer s3cret');
  });

  it('gives up after its timeout', async () => {
    const client = new PrometheusClient(runnerGet({ authorization: null, tlsVerify: true, timeoutMs: 300 }), `${url}/slow/`);
    const r = await client.query('up');
    expect(r).toEqual({ ok: false, error: 'cannot reach Prometheus: no answer within 300 ms' });
  });
});

// The curl command itself (its Authorization header on stdin): test/unit/metrics-via.test.ts.
describe('curl through an SSH host', () => {
  it('splits the status from the body', () => {
    expect(splitCurlOutput('{"a":1}\nzdr-http-status:200')).toEqual({ status: 200, body: '{"a":1}' });
    expect(splitCurlOutput('garbage')).toEqual({ status: 0, body: 'garbage' });
  });
});
