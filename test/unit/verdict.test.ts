import { describe, expect, it } from 'vitest';
import { counterDelta } from '../../src/checks/sources/haproxy';
import { clearTrip, judge, rate, spike, wilsonLower, type VerdictOptions } from '../../src/checks/verdict';

const opts = (over: Partial<VerdictOptions> = {}): VerdictOptions => ({
  maxErrorRate: 0.01,
  minRequests: 20,
  failOnInconclusive: false,
  ...over,
});
const c = (errors: number, requests: number): { errors: number; requests: number } => ({ errors, requests });

describe('rate', () => {
  it('is errors over requests', () => {
    expect(rate(c(1, 4))).toBe(0.25);
    expect(rate(c(0, 10))).toBe(0);
    expect(rate(c(10, 10))).toBe(1);
  });

  it('is 0 with no requests', () => {
    expect(rate(c(0, 0))).toBe(0);
    expect(rate(c(3, 0))).toBe(0);
  });

  it('never exceeds 1, even with inconsistent counts', () => {
    expect(rate(c(5, 2))).toBe(1);
  });
});

describe('wilsonLower', () => {
  // Published 95% Wilson score intervals (z = 1.96).
  it.each([
    [0, 20, 0],
    [20, 20, 0.8389],
    [1, 20, 0.0089],
    [10, 20, 0.2993],
    [5, 1000, 0.0021],
  ])('%i/%i → %f', (errors, requests, lower) => {
    expect(wilsonLower(c(errors, requests))).toBeCloseTo(lower, 4);
  });

  it('is 0 with no requests, and never negative', () => {
    expect(wilsonLower(c(0, 0))).toBe(0);
    expect(wilsonLower(c(0, 1))).toBeGreaterThanOrEqual(0);
    expect(wilsonLower(c(0, 5))).toBe(0);
  });

  it('stays below the observed rate and rises towards it with more requests', () => {
    const few = wilsonLower(c(5, 50));
    const many = wilsonLower(c(500, 5000));
    expect(few).toBeLessThan(0.1);
    expect(many).toBeLessThan(0.1);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeGreaterThan(0.09);
  });

  it('is lower for a wider z', () => {
    expect(wilsonLower(c(10, 20), 3)).toBeLessThan(wilsonLower(c(10, 20)));
  });
});

describe('clearTrip', () => {
  it('trips on 100% errors once min-requests have come in', () => {
    expect(clearTrip(c(20, 20), opts())).toBe(true);
  });

  it('waits for min-requests, however bad the rate', () => {
    expect(clearTrip(c(19, 19), opts())).toBe(false);
  });

  it('does not trip on one stray error among twenty at a 1% limit', () => {
    expect(clearTrip(c(1, 20), opts())).toBe(false);
  });

  it('does not trip on a rate that is over the limit only by chance', () => {
    // 2% observed over a 1% limit, but 100 requests cannot tell 2% from 1%.
    expect(clearTrip(c(2, 100), opts())).toBe(false);
  });

  it('trips on a sustained rate well over the limit', () => {
    expect(clearTrip(c(50, 1000), opts())).toBe(true);
  });

  it('never trips on zero errors', () => {
    expect(clearTrip(c(0, 100_000), opts({ maxErrorRate: 0 }))).toBe(false);
  });

  it('needs at least one request even with min-requests 0', () => {
    expect(clearTrip(c(0, 0), opts({ minRequests: 0, maxErrorRate: 0 }))).toBe(false);
    expect(clearTrip(c(5, 5), opts({ minRequests: 0 }))).toBe(true);
  });
});

describe('spike', () => {
  it('a clean 0.5% before and 0.5% after is no spike', () => {
    expect(spike(c(5, 1000), c(5, 1000), opts())).toBe(false);
    expect(spike(c(1, 200), c(10, 2000), opts())).toBe(false);
  });

  it('0% before and 5% after, with enough requests, is a spike', () => {
    expect(spike(c(10, 200), c(0, 1000), opts())).toBe(true);
  });

  it('a rise under half the limit is no spike, however significant', () => {
    // 0% → 0.4% over a million requests: significant, but under 0.5% (half of 1%).
    expect(spike(c(4000, 1_000_000), c(0, 1_000_000), opts())).toBe(false);
  });

  it('a rise of more than half the limit, clear over a large window, is a spike even within the limit', () => {
    // 0.1% → 0.8%: within max-error-rate 1%, but a change beyond chance.
    expect(spike(c(80, 10_000), c(10, 10_000), opts())).toBe(true);
  });

  it('a single error after a clean baseline is no spike: chance explains it', () => {
    // 0/1000 before, 1/100 after (1%, within the limit). Fisher's exact one-sided p = 1/11 ≈ 0.09,
    // far from the p < 0.001 the spike test promises; the normal approximation gives z ≈ 3.16.
    expect(spike(c(1, 100), c(0, 1000), opts())).toBe(false);
  });

  it('two errors after a clean baseline are no spike either (Fisher p ≈ 0.028)', () => {
    expect(spike(c(2, 200), c(0, 1000), opts())).toBe(false);
  });

  it('a dirty baseline (over the limit) never gives a spike', () => {
    expect(spike(c(100, 100), c(50, 1000), opts())).toBe(false);
  });

  it('a baseline under min-requests never gives a spike', () => {
    expect(spike(c(100, 1000), c(0, 19), opts())).toBe(false);
  });

  it('no requests after is no spike', () => {
    expect(spike(c(0, 0), c(0, 1000), opts())).toBe(false);
  });

  it('a fall is no spike', () => {
    expect(spike(c(0, 1000), c(9, 1000), opts())).toBe(false);
  });
});

describe('judge', () => {
  it('passes a clean window', () => {
    const v = judge(c(0, 500), null, opts());
    expect(v.verdict).toBe('pass');
    expect(v.reason).toBe('0/500 errors = 0%, within max-error-rate 1%');
  });

  it('passes a rate exactly at the limit (the check trips only above it)', () => {
    expect(judge(c(5, 500), null, opts()).verdict).toBe('pass');
  });

  it('fails a rate over the limit, saying both rates', () => {
    const v = judge(c(3, 100), null, opts());
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('3/100 errors = 3%, over max-error-rate 1%');
  });

  it('formats fractional percentages', () => {
    expect(judge(c(1, 200), null, opts({ maxErrorRate: 0.001 })).reason).toBe('1/200 errors = 0.5%, over max-error-rate 0.1%');
  });

  it('is inconclusive under min-requests', () => {
    const v = judge(c(1, 10), null, opts());
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toBe('10 requests is fewer than min-requests 20');
  });

  it('is inconclusive with no requests at all', () => {
    expect(judge(c(0, 0), null, opts()).verdict).toBe('inconclusive');
  });

  it('fails an inconclusive window with fail-on-inconclusive, saying so', () => {
    const v = judge(c(0, 10), null, opts({ failOnInconclusive: true }));
    expect(v.verdict).toBe('fail');
    expect(v.reason).toMatch(/fewer than min-requests 20, and fail-on-inconclusive is set/);
  });

  it('fails a window where every one of a few requests failed', () => {
    const v = judge(c(3, 3), null, opts());
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('every one of the 3 requests failed');
  });

  it('does not call two failed requests out of two a clear failure', () => {
    expect(judge(c(2, 2), null, opts()).verdict).toBe('inconclusive');
  });

  it('does not fail a few requests with some errors', () => {
    expect(judge(c(4, 5), null, opts()).verdict).toBe('inconclusive');
  });

  it('fails a spike against the baseline, even within the limit', () => {
    const v = judge(c(80, 10_000), c(10, 10_000), opts());
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('0.8% errors after the change against 0.1% before it (10/10000): a spike');
  });

  it('passes the same background rate before and after', () => {
    expect(judge(c(5, 1000), c(5, 1000), opts()).verdict).toBe('pass');
  });

  it('passes a rate within the limit after a dirty baseline', () => {
    expect(judge(c(9, 1000), c(50, 1000), opts()).verdict).toBe('pass');
  });

  it('passes one stray error within the limit after a clean baseline', () => {
    expect(judge(c(1, 100), c(0, 1000), opts()).verdict).toBe('pass');
  });

  it('max-error-rate 0% fails any error', () => {
    expect(judge(c(1, 1000), null, opts({ maxErrorRate: 0 })).verdict).toBe('fail');
    expect(judge(c(0, 1000), null, opts({ maxErrorRate: 0 })).verdict).toBe('pass');
  });
});

describe('counterDelta (the haproxy source)', () => {
  const at = (sessions: number, inFlight: number, responses: number, http5xx = 0, clientAborts = 0) => ({
    sessions,
    inFlight,
    responses,
    http5xx,
    clientAborts,
  });

  it('counts finished requests and 5xx; a healthy server has no unanswered requests', () => {
    expect(counterDelta(at(100, 10, 90), at(400, 12, 388, 0))).toEqual({ requests: 298, errors: 0 });
    expect(counterDelta(at(0, 0, 0), at(100, 0, 100, 7))).toEqual({ requests: 100, errors: 7 });
  });

  it('counts requests that ended with no response as errors (resets the 5xx counter never sees)', () => {
    // Measured on the fleet with nginx closing 90% of connections: stot 1049, responses 124.
    expect(counterDelta(at(0, 0, 0), at(1049, 0, 124))).toEqual({ requests: 1049, errors: 923 });
  });

  it('does not count the one-request skew of reading counters while requests flow', () => {
    expect(counterDelta(at(0, 0, 0), at(300, 0, 298))).toEqual({ requests: 300, errors: 0 });
    expect(counterDelta(at(0, 0, 0), at(300, 0, 297))).toEqual({ requests: 300, errors: 1 });
  });

  it('does not blame the server for requests the client abandoned', () => {
    expect(counterDelta(at(0, 0, 0), at(100, 0, 95, 0, 5))).toEqual({ requests: 100, errors: 0 });
  });
});
