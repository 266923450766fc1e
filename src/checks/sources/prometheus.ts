import type { PrometheusSettings } from '../../settings/metrics-sources';
import type { SshTarget } from '../../transport/target';
import type { PrometheusClient } from '../prometheus/client';
import { scrapeCountQuery, staleReason } from '../prometheus/freshness';
import { fillQuery, singleValue, type QueryResult } from '../prometheus/promql';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/** One reading of a host's cumulative totals, at Prometheus's evaluation time (seconds). */
export interface Totals {
  requests: number;
  errors: number;
  at: number;
}

/** The window between two readings; a counter reset (HAProxy restarted) reads as no traffic, not negative. */
export function totalsDelta(from: Totals, to: Totals): Counts {
  const requests = Math.max(0, to.requests - from.requests);
  return { requests, errors: Math.min(requests, Math.max(0, to.errors - from.errors)) };
}

/** Both queries for one host; a bad answer throws an error naming the input. */
export async function readTotals(client: PrometheusClient, s: PrometheusSettings, host: SshTarget, time?: number): Promise<Totals> {
  const values = { host: host.host, name: host.name };
  const ask = async (input: string, template: string): Promise<{ value: number; at: number }> => {
    const one = singleValue(await client.query(fillQuery(template, values), time));
    if (!one.ok) throw new Error(`${input} for ${host.name}: ${one.error}`);
    return one;
  };
  const [requests, errors] = await Promise.all([
    ask('prometheus-requests-query', s.requestsQuery),
    ask('prometheus-errors-query', s.errorsQuery),
  ]);
  return { requests: requests.value, errors: errors.value, at: requests.at };
}

/** Scrapes of the host's target in the last `sinceMs`; null when there were none. */
export async function countScrapes(
  client: PrometheusClient,
  s: PrometheusSettings,
  host: SshTarget,
  sinceMs: number,
): Promise<number | null> {
  const result: QueryResult = await client.query(
    scrapeCountQuery(fillQuery(s.scrapeSeries, { host: host.host, name: host.name }), sinceMs),
  );
  if (!result.ok) throw new Error(`prometheus-scrape-series for ${host.name}: ${result.error}`);
  return result.series[0]?.value ?? null;
}

/**
 * A host's requests and errors from Prometheus: the queries give cumulative totals, and the
 * window is the difference between the reading at the mark and each later one. The same
 * queries for the other hosts give the peers' window (the fleet-relative verdict).
 */
export class PrometheusSource implements ErrorSource {
  readonly description: string;
  private start: Totals | undefined;
  private markAt = 0;
  private last: Totals | undefined;
  private scrapes: number | null = null;
  private noData: string | null = null;
  private readonly peerStart = new Map<string, Totals>();

  constructor(
    private readonly client: PrometheusClient,
    private readonly settings: PrometheusSettings,
    private readonly host: SshTarget,
    private readonly others: SshTarget[],
    private readonly now: () => number,
  ) {
    this.description = `prometheus ${settings.requestsQuery} / ${settings.errorsQuery}`.slice(0, 300);
  }

  async mark(): Promise<void> {
    this.start = await readTotals(this.client, this.settings, this.host);
    this.markAt = this.now();
    // A peer whose totals cannot be read is left out of the comparison, never a failure.
    await Promise.all(
      this.others.map(async (peer) => {
        const t = await readTotals(this.client, this.settings, peer).catch(() => null);
        if (t) this.peerStart.set(peer.name, t);
      }),
    );
  }

  /** The same window before the mark, from the totals as Prometheus had them then. */
  async baseline(windowMs: number): Promise<Counts | null> {
    if (!this.start) return null;
    const before = await readTotals(this.client, this.settings, this.host, this.start.at - windowMs / 1000).catch(() => null);
    return before ? totalsDelta(before, this.start) : null;
  }

  /**
   * A failed scrape marks the target's series stale, so the totals come back empty: the window
   * keeps its last counts and is stale (inconclusive), never an error and never a pass.
   */
  async read(): Promise<Counts> {
    const start = this.start;
    if (!start) throw new Error('prometheus totals were not read before the change');
    const [now, scrapes] = await Promise.all([
      readTotals(this.client, this.settings, this.host).catch((err: Error) => {
        if (!/returned no series/.test(err.message)) throw err;
        this.noData = err.message;
        return null;
      }),
      countScrapes(this.client, this.settings, this.host, this.now() - this.markAt),
    ]);
    this.scrapes = scrapes;
    if (now) {
      this.last = now;
      this.noData = null;
    }
    return totalsDelta(start, this.last ?? start);
  }

  staleReason(): string | null {
    if (this.noData) return `Prometheus has no current data for the host (${this.noData}): its data is stale`;
    return staleReason(this.scrapes, this.settings.minScrapes);
  }

  async peers(): Promise<Counts | null> {
    if (!this.peerStart.size) return null;
    const sum: Counts = { requests: 0, errors: 0 };
    for (const peer of this.others) {
      const from = this.peerStart.get(peer.name);
      const to = from ? await readTotals(this.client, this.settings, peer).catch(() => null) : null;
      if (!from || !to) continue;
      const d = totalsDelta(from, to);
      sum.requests += d.requests;
      sum.errors += d.errors;
    }
    return sum;
  }

  /** The queries each look asks for this host, filled in, and where they run (dry-run plan). */
  plan(): string[] {
    const s = this.settings;
    const v = { host: this.host.host, name: this.host.name };
    const requests = fillQuery(s.requestsQuery, v);
    const scrapes = scrapeCountQuery(fillQuery(s.scrapeSeries, v), 1).replace('[1ms]', '[{time since the change}]');
    const line = this.client.lineFor(requests);
    return [
      `    Prometheus ${this.client.baseUrl} ${this.client.where}, each look:`,
      `      requests: ${requests}`,
      `      errors: ${fillQuery(s.errorsQuery, v)}`,
      `      fresh scrapes: ${scrapes} (at least prometheus-min-scrapes ${s.minScrapes})`,
      ...(this.others.length ? [`      peers (fleet-relative): the same queries for ${this.others.map((o) => o.name).join(', ')}`] : []),
      ...(line
        ? [
            `      each query is one curl${s.authorization ? ' (the Authorization header goes on its stdin, not in the line)' : ''}, e.g.:`,
            `      $ ${line}`,
          ]
        : []),
    ];
  }

  /** The queries and their readings: the report's evidence (no links; values are numbers). */
  samples(): string[] {
    const v = { host: this.host.host, name: this.host.name };
    const at = (t: Totals | undefined, k: 'requests' | 'errors'): string => (t ? String(t[k]) : '?');
    return [
      `requests: ${fillQuery(this.settings.requestsQuery, v)} = ${at(this.start, 'requests')} at the change, ${at(this.last, 'requests')} at the last look`,
      `errors: ${fillQuery(this.settings.errorsQuery, v)} = ${at(this.start, 'errors')} at the change, ${at(this.last, 'errors')} at the last look`,
      `scrapes since the change: ${this.scrapes ?? 0} (prometheus-min-scrapes ${this.settings.minScrapes})`,
    ];
  }
}
