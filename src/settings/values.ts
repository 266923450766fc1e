/**
 * Parsers for single input values. Each returns the value or an error sentence that names what was
 * expected; readSettings adds the input's name and collects them all.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Shows a user's value in an error without flooding the log. */
export function shown(value: string): string {
  const one = JSON.stringify(value);
  return one.length > 80 ? `${one.slice(0, 77)}…"` : one;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration an input takes. Node's timers hold at most 2^31-1 ms (24.8 days) and fire
 * at once past it, so a longer limit would end every command or connection immediately.
 */
const MAX_DURATION_MS = 24 * 3_600_000;

/** `500ms`, `30s`, `2m`, `1h` or bare seconds (`45`, `1.5`), in milliseconds; at most 24h. */
export function parseDuration(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  const factor = match ? UNITS[match[2] ?? 's'] : undefined;
  if (!match || factor === undefined) return fail(`expected a duration such as 500ms, 30s, 2m or a number of seconds, got ${shown(text)}`);
  const ms = Math.round(Number(match[1]) * factor);
  // Under half a millisecond would round to 0, which turns a check off or makes a wait none.
  if (ms === 0 && /[1-9]/.test(match[1] ?? '')) return fail(`expected 0 or a duration of at least 1ms, got ${shown(text)}`);
  if (ms > MAX_DURATION_MS) return fail(`expected a duration of at most 24h, got ${shown(text)}`);
  return ok(ms);
}

/** `1%`, `0.5%`: a fraction between 0 and 1. */
export function parsePercent(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
  if (!match) return fail(`expected a percentage such as 1% or 0.5%, got ${shown(text)}`);
  const value = Number(match[1]);
  if (value > 100) return fail(`expected a percentage from 0% to 100%, got ${shown(text)}`);
  return ok(value / 100);
}

export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
    return fail(`expected a whole number from ${min} to ${max}, got ${shown(text)}`);
  }
  return ok(Number(trimmed));
}

/** The YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts them. */
export function parseBoolean(text: string): Parsed<boolean> {
  const trimmed = text.trim();
  if (['true', 'True', 'TRUE'].includes(trimmed)) return ok(true);
  if (['false', 'False', 'FALSE'].includes(trimmed)) return ok(false);
  return fail(`expected true or false, got ${shown(text)}`);
}

export function parseChoice<T extends string>(text: string, choices: readonly T[]): Parsed<T> {
  const trimmed = text.trim();
  if ((choices as readonly string[]).includes(trimmed)) return ok(trimmed as T);
  return fail(`expected one of ${choices.join(', ')}, got ${shown(text)}`);
}

/**
 * An http(s) URL with no whitespace or control characters. It may carry a user and password (a
 * readiness endpoint behind basic auth): the entry points mask them and readSettings warns where
 * they still show. The value is never shown back in an error, as it may hold one.
 */
export function parseUrl(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (/[\s\x00-\x1f\x7f]/.test(trimmed)) return fail('expected a URL without spaces or control characters');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail('expected a URL such as http://127.0.0.1/healthz');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`expected an http:// or https:// URL, got ${url.protocol}`);
  return ok(trimmed);
}

/** An absolute path on the remote host; no newlines or control characters. */
export function parsePath(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('/') || /[\x00-\x1f\x7f]/.test(trimmed)) {
    return fail(`expected an absolute path such as /var/log/nginx/access.log, got ${shown(text)}`);
  }
  return ok(trimmed);
}

/** A systemd unit name: letters, digits and `:-_.\@`, as systemd allows. */
export function parseUnit(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9:_.\\@-]{1,255}$/.test(trimmed) || trimmed.startsWith('-')) {
    return fail(`expected a systemd unit name such as nginx or app.service, got ${shown(text)}`);
  }
  return ok(trimmed);
}

/**
 * A user's own shell command, run as written. Several lines run as a script that stops at the
 * first failing line (`set -e`, as a workflow's `run: |` does): otherwise only the last line's
 * status would count, and a failing `nginx -t` followed by `echo ok` would pass.
 */
export function parseCommand(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (trimmed.includes('\0')) return fail('expected a shell command without NUL bytes');
  return ok(/[\r\n]/.test(trimmed) ? `set -e\n${trimmed.replace(/\r\n?/g, '\n')}` : trimmed);
}

/**
 * The path of HAProxy's admin socket. It ends up in socat's `UNIX-CONNECT:<path>`, where socat
 * itself reads `,` (address options such as `fork` or `exec=`), `:` (parameters), `!!` (a second
 * address) and quotes; shell quoting cannot help there, so only plain path characters pass.
 */
export function parseSocketPath(text: string): Parsed<string> {
  const path = parsePath(text);
  if (!path.ok) return fail(`expected an absolute path such as /run/haproxy/admin.sock, got ${shown(text)}`);
  if (!/^[A-Za-z0-9/._+@-]+$/.test(path.value)) {
    return fail(`expected a path of letters, digits and /._+@- (socat reads , : ! and quotes in it as address syntax), got ${shown(text)}`);
  }
  return ok(path.value);
}

/**
 * HAProxy backend and server names: letters, digits and `-_.:`, not starting with `-` (a name is
 * also handed to the user's drain/ready commands, where a leading `-` would read as an option).
 */
export function parseProxyName(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(trimmed)) return fail(`expected a name of letters, digits and -_.: , got ${shown(text)}`);
  if (trimmed.startsWith('-')) return fail(`must not start with "-" (a command given it would read it as an option), got ${shown(text)}`);
  return ok(trimmed);
}

/** The URL inputs, which may carry a user and password. */
export const URL_INPUTS = ['readiness-url', 'check-url', 'stub-status-url', 'prometheus-url'] as const;

/** The credential parts of a URL as they may be printed (as written, and decoded); [] without a password. */
export function urlCredentials(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return [];
  }
  if (!url.password) return [];
  let decoded = url.password;
  try {
    decoded = decodeURIComponent(url.password);
  } catch {
    // Not percent-encoding after all: as written.
  }
  return [...new Set([`${url.username}:${url.password}`, url.password, decoded])];
}
