import type { ErrorCounts } from '../report/report';
import type { Clock } from '../runtime/clock';
import { poll } from '../runtime/poll';
import type { Settings } from '../settings/settings';
import type { ErrorSource } from './sources/error-source';
import { settleAgainstPeers, settleFreshness } from './relative';
import { clearTrip, judge, rate, type Counts } from './verdict';

/** How often the window looks at the counts. */
export const WATCH_POLL_MS = 1000;

/**
 * Watches one host for `check-window` after it is back in service. Ends early on a clear trip, so a
 * host answering 100% 500s fails in seconds, not at the end of the window.
 */
export async function watchWindow(
  source: ErrorSource,
  baseline: Counts | null,
  check: Settings['check'],
  clock: Clock,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<ErrorCounts> {
  const options = { maxErrorRate: check.maxErrorRate, minRequests: check.minRequests, failOnInconclusive: check.failOnInconclusive };
  const start = clock.now();
  const say = (c: Counts, ms: number): void =>
    progress(`watching: ${c.requests} requests, ${c.errors} errors, ${Math.round(ms / 1000)} s of ${Math.round(check.windowMs / 1000)} s`);
  const seen = await poll(
    { clock, signal, timeoutMs: check.windowMs, intervalMs: WATCH_POLL_MS, pauseFirst: true, progress: { everyMs: 5000, say } },
    () => source.read(),
    (c) => clearTrip(c, options),
  );
  const counts = seen.value;
  const early = seen.done && seen.waitedMs < check.windowMs;
  // Sources that see other hosts judge against them too; stale metrics never pass (relative.ts).
  const peers = check.fleetRelative && source.peers ? await source.peers() : null;
  const judged = settleFreshness(
    settleAgainstPeers(judge(counts, baseline, options), counts, peers, options),
    source.staleReason?.() ?? null,
    options,
  );
  return {
    requests: counts.requests,
    errors: counts.errors,
    rate: rate(counts),
    verdict: judged.verdict,
    reason: early ? `${judged.reason}; the window ended early, after ${Math.round((clock.now() - start) / 100) / 10} s` : judged.reason,
    source: source.description,
    windowMs: clock.now() - start,
    ...(baseline ? { baseline: { ...baseline, rate: rate(baseline) } } : {}),
  };
}
