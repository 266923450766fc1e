/** One request from an nginx access log. */
export interface LogEntry {
  /** Epoch ms, when the line carried a time. */
  time: number | null;
  status: number;
  path: string;
  line: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** nginx's $time_local: `25/Nov/2026:11:37:41 +0000`. */
export function parseTimeLocal(text: string): number | null {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  const month = m?.[2] === undefined ? undefined : MONTHS[m[2]];
  if (!m || month === undefined) return null;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}

const COMBINED = /^\S+ \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) /;

function pathOf(request: string): string {
  const target = request.split(' ')[1] ?? '';
  return target.split('?')[0] ?? '';
}

function timeOf(record: Record<string, unknown>): number | null {
  for (const key of ['time_iso8601', 'time', 'timestamp', '@timestamp']) {
    const value = record[key];
    if (typeof value === 'string') {
      const t = Date.parse(value);
      if (!Number.isNaN(t)) return t;
      const local = parseTimeLocal(value);
      if (local !== null) return local;
    }
  }
  if (typeof record.time_local === 'string') return parseTimeLocal(record.time_local);
  const msec = Number(record.msec);
  return Number.isFinite(msec) && msec > 0 ? Math.round(msec * 1000) : null;
}

/** Parses one line in nginx's combined format or as a JSON object; null when it is neither. */
export function parseLogLine(line: string): LogEntry | null {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return null;
    }
    const status = Number(record.status);
    if (!Number.isInteger(status) || status < 100 || status > 999) return null;
    const uri =
      typeof record.uri === 'string'
        ? record.uri
        : typeof record.request_uri === 'string'
          ? record.request_uri
          : pathOf(String(record.request ?? ''));
    return { time: timeOf(record), status, path: uri.split('?')[0] ?? '', line: trimmed };
  }
  const [, time, request, status] = COMBINED.exec(trimmed) ?? [];
  if (time === undefined || request === undefined) return null;
  return { time: parseTimeLocal(time), status: Number(status), path: pathOf(request), line: trimmed };
}

/** 5xx, and nginx's 444 (connection closed without a response): what a client sees as a failure. */
export function isErrorStatus(status: number): boolean {
  return status >= 500 || status === 444;
}

/** A log line fit for a report: query strings (where tokens live) cut, length bounded. */
export function redactLine(line: string, max = 300): string {
  // Every query string, wherever it appears (request, absolute URL, referer, JSON field).
  const cut = line.replace(/\?[^\s"?]*/g, '?…');
  return cut.length > max ? `${cut.slice(0, max - 1)}…` : cut;
}

/** Counts of a stretch of log, with a few error lines kept as evidence. */
export interface LogTally {
  requests: number;
  errors: number;
  malformed: number;
  ignored: number;
  errorLines: string[];
}

export function emptyTally(): LogTally {
  return { requests: 0, errors: 0, malformed: 0, ignored: 0, errorLines: [] };
}

/**
 * Adds complete log lines to a tally. Requests for `ignorePaths` (health checks) are not traffic;
 * with `since`, only entries at or after that time count.
 */
export function tallyLines(tally: LogTally, lines: string[], ignorePaths: ReadonlySet<string>, since?: number, keepLines = 10): LogTally {
  for (const line of lines) {
    if (line.trim() === '') continue;
    const entry = parseLogLine(line);
    if (!entry) {
      tally.malformed += 1;
      continue;
    }
    if (since !== undefined && (entry.time === null || entry.time < since)) continue;
    if (ignorePaths.has(entry.path)) {
      tally.ignored += 1;
      continue;
    }
    tally.requests += 1;
    if (isErrorStatus(entry.status)) {
      tally.errors += 1;
      if (tally.errorLines.length < keepLines) tally.errorLines.push(redactLine(entry.line));
    }
  }
  return tally;
}
