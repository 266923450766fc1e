import type { Counts } from '../verdict';

/** Where the watch phase counts a host's requests and errors. */
export interface ErrorSource {
  /** e.g. `access log /var/log/nginx/access.log`. */
  readonly description: string;
  /**
   * Called once the fleet's preflight passed, before any host changes: a source whose counters are
   * cumulative reads them here, so the stretch from now to the mark can be its baseline.
   */
  prime?(): Promise<void>;
  /** Called just before the change: from here on, requests count. */
  mark(): Promise<void>;
  /** The host's own counts in a window of `windowMs` before the mark; null when not measurable. */
  baseline(windowMs: number): Promise<Counts | null>;
  /** Counts since the mark, cumulative. */
  read(): Promise<Counts>;
  /** A few error lines seen since the mark, for the report's evidence. */
  samples(): string[];
  /** Why the last read's data is too stale to pass on (scrape lag); null when it is fresh. */
  staleReason?(): string | null;
  /** The dry-run plan's lines for this source: the queries or command each look would run. */
  plan?(): string[];
  /** The other hosts' pooled counts over the same window (fleet-relative verdict); null: unknown. */
  peers?(): Promise<Counts | null>;
}
