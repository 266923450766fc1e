import type { Verdict } from '../report/report';
import { rate, SPIKE_MIN_ERRORS, type Counts, type VerdictOptions } from './verdict';

const pct = (r: number): string => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

/**
 * The changed host against its peers over the same window, as canary analysis does: one-sided
 * two-proportion z > 3.09 (p < 0.001), at least SPIKE_MIN_ERRORS errors, and a practical margin:
 * at least twice the peers' rate and a quarter of max-error-rate above it. A change that adds
 * 0.3% errors where the limit is 1% is a regression worth stopping; a tenth of that is noise.
 */
export function worseThanPeers(host: Counts, peers: Counts, o: VerdictOptions): boolean {
  if (peers.requests < Math.max(1, o.minRequests) || host.requests === 0 || host.errors < SPIKE_MIN_ERRORS) return false;
  const p1 = rate(host);
  const p0 = rate(peers);
  if (p1 - p0 < o.maxErrorRate / 4 || p1 < 2 * p0) return false;
  const pooled = (host.errors + peers.errors) / (host.requests + peers.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / host.requests + 1 / peers.requests));
  return se === 0 ? p1 > p0 : (p1 - p0) / se > 3.09;
}

export interface Settled {
  verdict: Verdict;
  reason?: string;
  /** The peers fail alike: the finding is the fleet's, whatever else is said of this window. */
  fleetWide?: boolean;
}

/**
 * Combines the absolute verdict with the peers' window (README "How the error rules combine"):
 * - a host significantly worse than its peers fails, even under max-error-rate;
 * - a failing host whose peers fail alike is a fleet-wide problem, not this change: inconclusive;
 * - otherwise the absolute verdict stands. Peers with fewer than min-requests say nothing.
 */
export function settleAgainstPeers(absolute: Settled, host: Counts, peers: Counts | null, o: VerdictOptions): Settled {
  if (!peers || peers.requests < Math.max(1, o.minRequests)) return absolute;
  const peerText = `${peers.errors}/${peers.requests} = ${pct(rate(peers))} on the other hosts`;
  if (worseThanPeers(host, peers, o)) {
    if (absolute.verdict === 'fail') return { verdict: 'fail', reason: `${absolute.reason}; ${peerText}` };
    return {
      verdict: 'fail',
      reason: `${host.errors}/${host.requests} errors = ${pct(rate(host))} against ${peerText} in the same window: significantly worse than its peers`,
    };
  }
  if (absolute.verdict === 'fail' && rate(peers) > o.maxErrorRate) {
    const verdict = o.failOnInconclusive ? 'fail' : 'inconclusive';
    const all = rate({ requests: host.requests + peers.requests, errors: host.errors + peers.errors });
    return {
      verdict,
      fleetWide: true,
      reason: `fleet-wide problem: all hosts ${pct(all)} errors (this host ${pct(rate(host))}, ${peerText}): not this change`,
    };
  }
  return absolute;
}

/**
 * A pass on stale data is no pass: inconclusive (or fail with fail-on-inconclusive). An
 * inconclusive window on stale data says so first: "too few requests" would hide the cause. A
 * fleet-wide problem stays the headline (an early trip can end the window before enough scrapes
 * came in); the staleness follows it.
 */
export function settleFreshness(v: Settled, stale: string | null, o: VerdictOptions): Settled {
  if (!stale || v.verdict === 'fail' || v.verdict === 'skipped') return v;
  if (v.fleetWide) return { ...v, reason: `${v.reason}; ${stale}` };
  return {
    verdict: o.failOnInconclusive ? 'fail' : 'inconclusive',
    reason: `${stale}${o.failOnInconclusive ? ', and fail-on-inconclusive is set' : ''} (${v.reason})`,
  };
}
