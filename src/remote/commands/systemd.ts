import { shQuote as q } from '../quote';
import { SET_EFFECTIVE_UID, type RemoteCommand } from './exec';

/** Properties read from `systemctl show` in inspect. */
export const UNIT_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'Type',
  'CanReload',
  'ExecReload',
  'TimeoutStopUSec',
  'KillSignal',
  'KillMode',
  'Restart',
  'RestartUSec',
  'StartLimitBurst',
  'StartLimitIntervalUSec',
  'TriggeredBy',
  'MainPID',
  'NRestarts',
] as const;

/**
 * One round trip for the inspect phase: the unit's properties, the main process's name, and what
 * the host offers (curl for readiness checks, the uid for sudo mode, and `zdr.missing=NAME` for
 * each of `commands`, given as arguments, that the host lacks).
 */
export function inspectUnit(unit: string, timeoutMs: number, commands: readonly string[] = []): RemoteCommand {
  return {
    kind: 'inspect-unit',
    title: `inspect ${unit}`,
    timeoutMs,
    script: [
      // One systemctl (a D-Bus round trip on the host) for every property; MainPID is read from it.
      `props=$(systemctl show --property=${UNIT_PROPERTIES.join(',')} -- ${q(unit)})`,
      `printf '%s\n' "$props"`,
      'pid=${props#*MainPID=}; pid=${pid%%[!0-9]*}',
      // Builtins, not $(cat …) and $(command -v …): a fork each, which a loaded host feels.
      'comm=; { read -r comm <"/proc/${pid:-0}/comm"; } 2>/dev/null',
      `printf 'zdr.comm=%s\\n' "$comm"`,
      `printf 'zdr.curl='; command -v curl || echo`,
      SET_EFFECTIVE_UID,
      `printf 'zdr.uid=%s\\n' "$uid"`,
      `for c in "$@"; do command -v "$c" >/dev/null 2>&1 || printf 'zdr.missing=%s\\n' "$c"; done`,
    ].join('\n'),
    args: [...commands],
  };
}

/** `systemctl reload|restart|start|stop UNIT`. */
export function systemctl(action: 'reload' | 'restart' | 'start' | 'stop', unit: string, timeoutMs: number): RemoteCommand {
  return { kind: `systemctl-${action}`, title: `systemctl ${action} ${unit}`, timeoutMs, script: `systemctl ${action} -- ${q(unit)}` };
}

/** The unit properties read after a change to prove it (unitState, and a restart's own answer). */
const STATE_PROPERTIES = 'ActiveState,SubState,MainPID,NRestarts,Result';

/**
 * `systemctl ACTION UNIT`, timed on the host: prints `zdr.service_ms=N`, how long systemd took
 * (a restart includes the service's graceful stop, which waits for its requests). `showState`:
 * the unit's state right after too (unitState's lines), so the first look at the effect costs no
 * round trip of its own.
 */
export function systemctlTimed(action: 'reload' | 'restart', unit: string, timeoutMs: number, showState = false): RemoteCommand {
  const show = showState ? `; systemctl show --property=${STATE_PROPERTIES} -- "$2"` : '';
  return {
    kind: 'systemctl-timed',
    title: `systemctl ${action} ${unit}`,
    timeoutMs,
    args: [action, unit],
    script: `t0=$(date +%s%3N); systemctl "$1" -- "$2" || exit $?; printf 'zdr.service_ms=%s\n' $(($(date +%s%3N) - t0))${show}`,
  };
}

/** The host-side duration a timed command printed (0 when it printed none). */
export function serviceMs(stdout: string): number {
  return Number(/^zdr\.service_ms=(\d+)$/m.exec(stdout)?.[1] ?? 0);
}

/** The unit's live state, read again after a change. */
export function unitState(unit: string, timeoutMs: number): RemoteCommand {
  return {
    kind: 'unit-state',
    title: `read ${unit} state`,
    timeoutMs,
    script: `systemctl show --property=${STATE_PROPERTIES} -- ${q(unit)}`,
  };
}

/** The unit's journal since a moment, for evidence when a host fails. */
export function journalSince(unit: string, sinceEpochMs: number, lines: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'journal',
    title: `journal of ${unit}`,
    timeoutMs,
    script: `journalctl --no-pager -o short-iso -n ${Math.floor(lines)} -u ${q(unit)} --since @${Math.floor(sinceEpochMs / 1000)}`,
  };
}
