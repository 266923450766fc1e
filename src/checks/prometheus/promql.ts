/**
 * PromQL templating and Prometheus HTTP API answers, without any I/O: what the prometheus error
 * source sends and how it reads what comes back. Everything Prometheus returns is untrusted text.
 */

/**
 * Escapes a value for a double-quoted PromQL string (the placeholders sit inside `"…"` in a
 * label matcher), so a host name can never end the string and add matchers of its own.
 */
export function promString(value: string): string {
  return value.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c] as string);
}

/** Fills `{host}` / `{name}` in a query; unknown placeholders stay as written. */
export function fillQuery(template: string, values: { host: string; name: string }): string {
  return template.replace(/\{(host|name)\}/g, (_whole, key: 'host' | 'name') => promString(values[key]));
}

/** One series of a query result: its labels and its (latest) value. */
export interface Series {
  metric: Record<string, string>;
  value: number;
  /** Prometheus's timestamp of the value, in seconds. */
  at: number;
}

export type QueryResult = { ok: true; series: Series[] } | { ok: false; error: string };

/** Untrusted text shortened and stripped of control characters and links, for messages and reports. */
export function excerpt(text: string, max = 200): string {
  const flat = text
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    // Anything a renderer could turn into a link, even glued to the text before it.
    .replace(/(?:[a-z][a-z0-9+.-]*:\/\/|\bwww\.)\S+/gi, '[link removed]')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const sample = (pair: unknown): { at: number; value: number } | null => {
  if (!Array.isArray(pair) || pair.length !== 2) return null;
  const at = Number(pair[0]);
  const value = Number(pair[1]);
  return Number.isFinite(at) && typeof pair[1] === 'string' && !Number.isNaN(value) ? { at, value } : null;
};

const labels = (metric: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (metric && typeof metric === 'object') {
    for (const [k, v] of Object.entries(metric)) if (typeof v === 'string') out[k] = v;
  }
  return out;
};

/** The series of a vector, matrix (last value of each) or scalar result. */
function seriesOf(resultType: unknown, result: unknown): Series[] | string {
  if (resultType === 'scalar') {
    const s = sample(result);
    return s ? [{ metric: {}, ...s }] : 'a scalar result without a value';
  }
  if (resultType !== 'vector' && resultType !== 'matrix') return `an unexpected result type ${excerpt(String(resultType), 40)}`;
  if (!Array.isArray(result)) return 'a result that is not a list';
  const out: Series[] = [];
  for (const item of result as { metric?: unknown; value?: unknown; values?: unknown }[]) {
    const s =
      resultType === 'vector' ? sample(item?.value) : Array.isArray(item?.values) ? sample(item.values[item.values.length - 1]) : null;
    if (!s) return 'a series without a numeric value';
    out.push({ metric: labels(item?.metric), ...s });
  }
  return out;
}

/** Reads the body of `/api/v1/query`: the series, or why the answer is unusable. */
export function parseQueryResponse(httpStatus: number, body: string): QueryResult {
  let json: { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown; errorType?: unknown };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    return { ok: false, error: `HTTP ${httpStatus}, not a Prometheus API answer: ${excerpt(body) || '(empty body)'}` };
  }
  if (!json || typeof json !== 'object') return { ok: false, error: `HTTP ${httpStatus}, not a Prometheus API answer` };
  if (json.status !== 'success') {
    const kind = typeof json.errorType === 'string' ? `${excerpt(json.errorType, 40)}: ` : '';
    return { ok: false, error: `Prometheus answered HTTP ${httpStatus} ${kind}${excerpt(String(json.error ?? 'no error message'))}` };
  }
  const series = seriesOf(json.data?.resultType, json.data?.result);
  return typeof series === 'string' ? { ok: false, error: `Prometheus returned ${series}` } : { ok: true, series };
}

/** `{proxy="web", server="web-1"}` for messages. */
function describeSeries(s: Series): string {
  const inner = Object.entries(s.metric)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return excerpt(`{${inner}}`, 160);
}

/**
 * The one number a requests or errors query must give. Nothing, or several series, is a
 * configuration error (the query does not pick out one host's total), not a zero.
 */
export function singleValue(result: QueryResult): { ok: true; value: number; at: number } | { ok: false; error: string } {
  if (!result.ok) return result;
  const [first, ...rest] = result.series;
  if (!first)
    return {
      ok: false,
      error: 'returned no series (no data for this host: check the labels; a query that can be empty needs `or vector(0)`)',
    };
  if (rest.length) {
    const shown = result.series.slice(0, 3).map(describeSeries).join(', ');
    return {
      ok: false,
      error: `returned ${result.series.length} series (${shown}${rest.length > 2 ? ', …' : ''}); it must return one: wrap it in sum(…)`,
    };
  }
  if (!Number.isFinite(first.value) || first.value < 0) return { ok: false, error: `returned ${first.value}, not a count` };
  return { ok: true, value: first.value, at: first.at };
}
