/** What inspect learned about the unit and the host, parsed from one `systemctl show` round trip. */
export interface UnitInfo {
  id: string;
  loadState: string;
  activeState: string;
  subState: string;
  type: string;
  canReload: boolean;
  hasExecReload: boolean;
  /** null when infinite. */
  timeoutStopMs: number | null;
  killSignal: number | null;
  restart: string;
  restartMs: number | null;
  startLimitBurst: number | null;
  /** null when 0/infinite: no start limit at all. */
  startLimitIntervalMs: number | null;
  /** Units that trigger this one, e.g. `app.socket`. */
  triggeredBy: string[];
  mainPid: number;
  nRestarts: number | null;
  /** Name of the main process (`nginx`, `python3`), empty when none. */
  mainComm: string;
  hasCurl: boolean;
  uid: number | null;
}

const TIMESPAN_UNITS: Record<string, number> = {
  us: 0.001,
  usec: 0.001,
  ms: 1,
  msec: 1,
  s: 1000,
  sec: 1000,
  min: 60_000,
  m: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_629_800_000,
  y: 31_557_600_000,
};

/** systemd's timespan as `systemctl show` prints it (`1min 30s`, `100ms`, `infinity`), in ms. */
export function parseTimespan(text: string): number | null {
  const value = text.trim();
  if (value === '' || value === 'infinity') return null;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-zA-Z]*)/g;
  let matched = '';
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const unit = m[2] || 'us'; // bare numbers in *USec properties are µs
    const factor = TIMESPAN_UNITS[unit];
    if (factor === undefined) return null;
    total += Number(m[1]) * factor;
    matched += m[0];
  }
  return matched.replace(/\s/g, '') === value.replace(/\s/g, '') ? Math.round(total) : null;
}

function numberOrNull(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** Parses the inspect command's KEY=VALUE output (see remote/commands.ts inspectUnit). */
export function parseUnitInfo(stdout: string): UnitInfo {
  const props = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const get = (key: string): string => props.get(key) ?? '';
  const execReload = get('ExecReload');
  return {
    id: get('Id'),
    loadState: get('LoadState'),
    activeState: get('ActiveState'),
    subState: get('SubState'),
    type: get('Type'),
    canReload: get('CanReload') === 'yes',
    hasExecReload: execReload !== '' && execReload !== '{}',
    timeoutStopMs: parseTimespan(get('TimeoutStopUSec')),
    killSignal: numberOrNull(get('KillSignal')),
    restart: get('Restart'),
    restartMs: parseTimespan(get('RestartUSec')),
    startLimitBurst: numberOrNull(get('StartLimitBurst')),
    startLimitIntervalMs: ((ms) => (ms === 0 ? null : ms))(parseTimespan(get('StartLimitIntervalUSec'))),
    triggeredBy: get('TriggeredBy').split(/\s+/).filter(Boolean),
    mainPid: numberOrNull(get('MainPID')) ?? 0,
    nRestarts: numberOrNull(get('NRestarts')),
    mainComm: get('zdr.comm'),
    hasCurl: get('zdr.curl') !== '',
    uid: numberOrNull(get('zdr.uid')),
  };
}

/** Pattern D: a `.socket` unit holds the listening socket while the service restarts. */
export function socketActivated(unit: UnitInfo): string | undefined {
  return unit.triggeredBy.find((u) => u.endsWith('.socket'));
}
