import type { ErrorCounts, Verdict } from '../report/report';

export interface Counts {
  requests: number;
  errors: number;
}

export interface VerdictOptions {
  /** A fraction: 0.01 for 1%. */
  maxErrorRate: number;
  minRequests: number;
  failOnInconclusive: boolean;
}

export const rate = (c: Counts): number => (c.requests > 0 ? Math.min(1, c.errors / c.requests) : 0);

/** Lower bound of the Wilson score interval (z = 1.96): the error rate we are 97.5% sure is exceeded. */
export function wilsonLower(c: Counts, z = 1.96): number {
  if (c.requests === 0) return 0;
  const n = c.requests;
  const p = rate(c);
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + (z * z) / n));
}

/**
 * A trip clear enough to end the window early: enough requests, and even the optimistic end of the
 * error rate's confidence interval is over the limit. A host answering 100% 500s trips after
 * min-requests; one stray error among twenty does not.
 */
export function clearTrip(c: Counts, o: VerdictOptions): boolean {
  return c.requests >= Math.max(1, o.minRequests) && wilsonLower(c) > o.maxErrorRate;
}

/** Errors a spike needs at least: below this the normal approximation says nothing. */
export const SPIKE_MIN_ERRORS = 5;

/**
 * A spike against the host's own clean background: at least SPIKE_MIN_ERRORS errors, a rate risen
 * by at least half the limit, and more than chance explains (one-sided two-proportion z > 3.09,
 * p < 0.001). A host that ran at 0.5% before and at 0.5% after is judged on its change, which
 * added nothing; one or two stray errors are not a spike.
 */
export function spike(after: Counts, before: Counts, o: VerdictOptions): boolean {
  if (before.requests < Math.max(1, o.minRequests) || rate(before) > o.maxErrorRate) return false;
  if (after.requests === 0 || after.errors < SPIKE_MIN_ERRORS) return false;
  const p1 = rate(after);
  const p0 = rate(before);
  if (p1 - p0 < o.maxErrorRate / 2) return false;
  const pooled = (after.errors + before.errors) / (after.requests + before.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / after.requests + 1 / before.requests));
  return se === 0 ? p1 > p0 : (p1 - p0) / se > 3.09;
}

const pct = (r: number): string => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 2).replace(/\.?0+$/, '')}%`;

/** pass / fail / inconclusive for one host's window, with the sentence that explains it. */
export function judge(c: Counts, baseline: Counts | null, o: VerdictOptions): Pick<ErrorCounts, 'verdict' | 'reason'> {
  const r = rate(c);
  let verdict: Verdict;
  let reason: string;
  if (c.requests < o.minRequests) {
    verdict = o.failOnInconclusive ? 'fail' : 'inconclusive';
    reason = `${c.requests} requests is fewer than min-requests ${o.minRequests}${o.failOnInconclusive ? ', and fail-on-inconclusive is set' : ''}`;
    // A host with too little traffic can still be clearly broken.
    if (c.errors > 0 && c.errors === c.requests && c.requests >= 3) {
      verdict = 'fail';
      reason = `every one of the ${c.requests} requests failed`;
    }
  } else if (r > o.maxErrorRate) {
    verdict = 'fail';
    reason = `${c.errors}/${c.requests} errors = ${pct(r)}, over max-error-rate ${pct(o.maxErrorRate)}`;
  } else if (baseline && spike(c, baseline, o)) {
    verdict = 'fail';
    reason = `${pct(r)} errors after the change against ${pct(rate(baseline))} before it (${baseline.errors}/${baseline.requests}): a spike`;
  } else {
    verdict = 'pass';
    reason = `${c.errors}/${c.requests} errors = ${pct(r)}, within max-error-rate ${pct(o.maxErrorRate)}`;
  }
  return { verdict, reason };
}
