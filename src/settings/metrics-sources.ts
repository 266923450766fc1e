import type { InputName } from './inputs';
import * as v from './values';

/** Defaults fit HAProxy's built-in exporter (`http-request use-service prometheus-exporter`). */
export const DEFAULT_REQUESTS_QUERY = 'sum(haproxy_server_http_responses_total{server="{name}"})';
export const DEFAULT_ERRORS_QUERY = 'sum(haproxy_server_http_responses_total{server="{name}",code="5xx"})';
const DEFAULT_SCRAPE_SERIES = 'haproxy_server_http_responses_total{server="{name}",code="5xx"}';

/** `check-source: prometheus`: where Prometheus is, what to ask it, how to reach it. */
export interface PrometheusSettings {
  url: string;
  /** Cumulative totals for one host ({host}/{name}); the window is the difference. */
  requestsQuery: string;
  errorsQuery: string;
  /** A series selector scraped from the same target: its samples count the fresh scrapes. */
  scrapeSeries: string;
  minScrapes: number;
  /** `runner`: this process; `lb-host` / `host`: curl over that host's SSH connection. */
  via: MetricsVia;
  /** `Bearer …` or `Basic …` (a secret); null: none. */
  authorization: string | null;
  tlsVerify: boolean;
}

/**
 * Where a metrics query or check-command runs: this process, the load balancer's SSH host, or the
 * host being watched (over its own rollout connection: for `lb: none` or `lb: command`, where
 * there is no load balancer host, and the fleet's hosts are the ones that can reach the metrics).
 */
export type MetricsVia = 'runner' | 'lb-host' | 'host';
export const METRICS_VIA = ['runner', 'lb-host', 'host'] as const;

/** `check-source: command`: a command printing {"requests": N, "errors": M}. */
export interface CommandSourceSettings {
  command: string;
  timeoutMs: number;
  /** `runner`: a local shell; `lb-host`: over the load balancer's SSH connection; `host`: on the watched host. */
  via: MetricsVia;
}

type Read = {
  raw: (name: InputName) => string;
  given: (name: InputName) => boolean;
  take: <T>(name: InputName, parse: (text: string) => v.Parsed<T>, fallback: T) => T;
  complain: (name: InputName, error: string) => void;
};

/** A series selector: a metric name with optional matchers, nothing else. */
function parseSelector(text: string): v.Parsed<string> {
  const t = text.trim();
  const bare = t.replace(/\{(host|name)\}/g, 'x');
  if (/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/.test(bare) || /^\{[^{}]+\}$/.test(bare)) return { ok: true, value: t };
  return { ok: false, error: `expected a series selector such as up{job="haproxy"}, got ${v.shown(text)}` };
}

function parseQuery(text: string): v.Parsed<string> {
  const t = text.trim();
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(t)) return { ok: false, error: 'expected a PromQL query without control characters' };
  return { ok: true, value: t.replace(/\s*\n\s*/g, ' ') };
}

function authorization(r: Read): string | null {
  const token = r.given('prometheus-token') ? r.raw('prometheus-token').trim() : '';
  const basic = r.given('prometheus-basic-auth') ? r.raw('prometheus-basic-auth').trim() : '';
  // Secrets: never quoted in an error.
  if (token && basic) r.complain('prometheus-basic-auth', 'set either prometheus-token or prometheus-basic-auth, not both');
  if (/[\s\x00-\x1f]/.test(token)) r.complain('prometheus-token', 'expected a bearer token without spaces or control characters');
  if (basic && (!basic.includes(':') || /[\x00-\x1f]/.test(basic)))
    r.complain('prometheus-basic-auth', 'expected user:password on one line');
  if (token) return `Bearer ${token}`;
  if (basic) return `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
  return null;
}

/** prometheus-via / check-command-via: lb-host needs a load balancer reached over SSH; host works with any lb. */
function readVia(r: Read, input: 'prometheus-via' | 'check-command-via', lbKind: string, what: string): MetricsVia {
  const via = r.take(input, (t) => v.parseChoice(t, METRICS_VIA), 'runner');
  if (via === 'lb-host' && (lbKind === 'none' || lbKind === 'command'))
    r.complain(input, `lb-host needs lb: haproxy or nginx (its SSH connection runs ${what}); or use host, the watched host itself`);
  return via;
}

export function readPrometheus(r: Read, active: boolean, lbKind: string): PrometheusSettings | null {
  if (!active) {
    if (r.given('prometheus-url')) r.complain('prometheus-url', 'is set but check-source is not prometheus');
    return null;
  }
  if (!r.given('prometheus-url'))
    r.complain('prometheus-url', 'is required when check-source is prometheus: the base URL of Prometheus, e.g. http://prometheus:9090');
  const via = readVia(r, 'prometheus-via', lbKind, 'curl');
  const settings: PrometheusSettings = {
    url: r.given('prometheus-url') ? r.take('prometheus-url', v.parseUrl, '') : '',
    requestsQuery: r.take('prometheus-requests-query', parseQuery, DEFAULT_REQUESTS_QUERY),
    errorsQuery: r.take('prometheus-errors-query', parseQuery, DEFAULT_ERRORS_QUERY),
    scrapeSeries: r.take('prometheus-scrape-series', parseSelector, DEFAULT_SCRAPE_SERIES),
    minScrapes: r.take('prometheus-min-scrapes', (t) => v.parseInteger(t, 1, 1000), 3),
    via,
    authorization: authorization(r),
    tlsVerify: r.take('prometheus-tls-verify', v.parseBoolean, true),
  };
  for (const [name, q] of [
    ['prometheus-requests-query', settings.requestsQuery],
    ['prometheus-errors-query', settings.errorsQuery],
  ] as const) {
    if (!/\{(host|name)\}/.test(q)) r.complain(name, `must pick out one host with {host} or {name}, got ${v.shown(q)}`);
  }
  return settings;
}

export function readCommandSource(r: Read, active: boolean, lbKind: string): CommandSourceSettings | null {
  if (!active) {
    if (r.given('check-command')) r.complain('check-command', 'is set but check-source is not command');
    return null;
  }
  if (!r.given('check-command'))
    r.complain(
      'check-command',
      'is required when check-source is command: it prints {"requests": N, "errors": M} for {host}/{name} and {since}/{until}',
    );
  const timeoutMs = r.take('check-command-timeout', v.parseDuration, 20_000);
  if (timeoutMs < 1000) r.complain('check-command-timeout', 'must be at least 1s');
  const via = readVia(r, 'check-command-via', lbKind, 'the command');
  return { command: r.given('check-command') ? r.take('check-command', v.parseCommand, '') : '', timeoutMs, via };
}
