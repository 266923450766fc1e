import type { LoadBalancer } from '../lb/load-balancer';
import type { RemoteHost } from '../remote/remote-host';
import type { ErrorCounts } from '../report/report';
import type { Clock } from '../runtime/clock';
import type { LocalShell } from '../runtime/local-shell';
import type { Settings } from '../settings/settings';
import type { SshTarget } from '../transport/target';
import { createErrorSource } from './sources/create';
import type { ErrorSource } from './sources/error-source';
import type { Counts } from './verdict';
import { watchWindow } from './watch';

/**
 * One host's error check, start to end: primed at preflight, marked just before the host's first
 * change (its drain, or the change itself), its baseline read then, the window watched after the
 * host is back, and the error lines it saw kept as evidence.
 */
export class ErrorCheck {
  private marked = false;
  private baseline: Counts | null = null;

  constructor(
    private readonly source: ErrorSource,
    private readonly check: Settings['check'],
    private readonly clock: Clock,
  ) {}

  /** What the counts come from, e.g. `access log /var/log/nginx/access.log`. */
  get description(): string {
    return this.source.description;
  }

  /** Once the fleet passed preflight: cumulative sources read their starting counters. */
  async prime(): Promise<void> {
    await this.source.prime?.();
  }

  /** From here on requests count; the host's own background before it is the baseline. Once only. */
  async mark(): Promise<void> {
    if (this.marked) return;
    await this.source.mark();
    this.marked = true;
    this.baseline = await this.source.baseline(this.check.windowMs);
  }

  /** Watches the window (ending early on a clear trip) and returns the verdict with its counts. */
  async watch(signal: AbortSignal, progress: (line: string) => void): Promise<ErrorCounts> {
    if (!this.marked) throw new Error('the error check was not marked before the change');
    return watchWindow(this.source, this.baseline, this.check, this.clock, signal, progress);
  }

  /** What the dry-run plan says the source would run for this host, indented under the watch phase. */
  plan(): string[] {
    return this.source.plan?.() ?? [];
  }

  /** A few error lines seen since the mark (redacted), for a failed host's evidence. */
  samples(): string[] {
    return this.source.samples();
  }
}

/** The error check `check-source` names for one host; null when check-window is 0 (no watch). */
export function createErrorCheck(
  settings: Settings,
  host: SshTarget,
  remote: RemoteHost,
  lb: LoadBalancer | null,
  clock: Clock,
  local: LocalShell,
): ErrorCheck | null {
  if (settings.check.windowMs === 0) return null;
  return new ErrorCheck(createErrorSource(settings, host, remote, lb, clock.now, local), settings.check, clock);
}
