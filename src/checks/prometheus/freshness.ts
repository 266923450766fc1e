/**
 * Scrape lag. Prometheus knows a host's counters only as of its last scrape, so a window that
 * ends before enough scrapes landed after the change has not seen the change at all: it is
 * inconclusive, never a pass.
 */

/** Samples of `selector` in the last `sinceMs`: one per scrape of its target. */
export function scrapeCountQuery(selector: string, sinceMs: number): string {
  return `max(count_over_time(${selector}[${Math.max(1, Math.round(sinceMs))}ms]))`;
}

/** Why the window's data is too stale to pass, or null when it holds enough fresh scrapes. */
export function staleReason(scrapes: number | null, minScrapes: number): string | null {
  if (scrapes === null) return `Prometheus has no scrape of the target since the change (need ${minScrapes}): its data is stale`;
  if (scrapes < minScrapes)
    return `only ${scrapes} scrape${scrapes === 1 ? '' : 's'} of the target since the change, fewer than prometheus-min-scrapes ${minScrapes}: its data is stale`;
  return null;
}
