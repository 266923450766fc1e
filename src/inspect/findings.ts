import type { UnitInfo } from './unit-info';

/** A problem with the unit's configuration that could cost requests, and the drop-in that fixes it. */
export interface Finding {
  message: string;
  dropIn: string;
}

/** Signals a service can shut down gracefully on (SIGKILL is the one that cannot be caught). */
const GRACEFUL_SIGNALS = new Set([1, 2, 3, 10, 12, 15, 28]);
/** Restarts closer together than this, with a generous start limit, make a storm. */
const STORM_RESTART_MS = 1000;
/** Time a service needs to stop after the drain wait, on top of it. */
export const SHUTDOWN_MARGIN_MS = 10_000;

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)}s`;

/**
 * Pattern C checks for a unit that is about to be stopped and started: a stop timeout that would
 * SIGKILL a graceful shutdown, a kill signal that cannot be handled, and a restart storm.
 */
export function stopFindings(unit: UnitInfo, drainTimeoutMs: number): Finding[] {
  const findings: Finding[] = [];
  const name = unit.id || 'the unit';
  const needed = drainTimeoutMs + SHUTDOWN_MARGIN_MS;
  if (unit.timeoutStopMs !== null && unit.timeoutStopMs < needed) {
    findings.push({
      message: `${name} has TimeoutStopSec=${seconds(unit.timeoutStopMs)}, shorter than drain-timeout plus a ${seconds(SHUTDOWN_MARGIN_MS)} shutdown margin (${seconds(needed)}): systemd will SIGKILL a graceful shutdown still finishing requests.`,
      dropIn: `[Service]\nTimeoutStopSec=${seconds(needed)}`,
    });
  }
  if (unit.killSignal !== null && !GRACEFUL_SIGNALS.has(unit.killSignal)) {
    findings.push({
      message: `${name} has KillSignal=${unit.killSignal}${unit.killSignal === 9 ? ' (SIGKILL)' : ''}, which the service cannot handle to shut down gracefully.`,
      dropIn: '[Service]\nKillSignal=SIGTERM',
    });
  }
  const restarts = unit.restart !== '' && unit.restart !== 'no';
  if (restarts && unit.restartMs !== null && unit.restartMs < STORM_RESTART_MS) {
    const limit =
      unit.startLimitIntervalMs === null
        ? 'with no start limit, so a crashing service restarts forever'
        : `so a crashing service burns its start limit (${unit.startLimitBurst ?? '?'} starts in ${seconds(unit.startLimitIntervalMs)}) within a second and is then left failed`;
    findings.push({
      message: `${name} has Restart=${unit.restart} with RestartSec=${unit.restartMs}ms, ${limit}: a restart storm.`,
      dropIn: '[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=5\n\n[Service]\nRestartSec=2s',
    });
  }
  return findings;
}
