import { shown, type Parsed } from './values';

/** One entry of `batches`: a number of hosts, or a share of the fleet. */
export type BatchSize = { count: number } | { percent: number };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** `5` or `25%` (0 < p <= 100); anything else is an error sentence naming what was expected. */
function parseSize(item: string, what: string): Parsed<BatchSize> {
  const count = /^\d+$/.exec(item);
  if (count) {
    const n = Number(item);
    if (n < 1 || n > 100_000) return fail(`${what} must be a number of hosts from 1 to 100000 or a percentage, got ${shown(item)}`);
    return ok({ count: n });
  }
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(item);
  if (pct) {
    const p = Number(pct[1]);
    if (!(p > 0 && p <= 100)) return fail(`${what} must be a percentage above 0% and at most 100%, got ${shown(item)}`);
    return ok({ percent: p });
  }
  return fail(`${what} must be a number of hosts (5) or a percentage of the fleet (25%), got ${shown(item)}`);
}

/**
 * `batches`, Ansible's `serial` list: `1`, `1, 5, 25%`, one per line, or a YAML flow list `[1, 5, 25%]`.
 * The last entry repeats until every host had its turn.
 */
export function parseBatches(text: string): Parsed<BatchSize[]> {
  const body = text.trim().replace(/^\[(.*)\]$/s, '$1');
  const items = body.split(/[\n,]/).map((i) => i.trim().replace(/^-\s+/, ''));
  if (items.length === 0 || (items.length === 1 && items[0] === '')) return fail('expected a list such as 1, 5, 25%');
  const sizes: BatchSize[] = [];
  for (const [i, item] of items.entries()) {
    if (item === '') return fail(`entry ${i + 1} is empty; expected a list such as 1, 5, 25% (got ${shown(text)})`);
    const size = parseSize(item, `entry ${i + 1}`);
    if (!size.ok) return size;
    sizes.push(size.value);
  }
  return ok(sizes);
}

/**
 * A share of `total` hosts as a count. Rounded DOWN, and at least 1: a percentage is a ceiling on
 * how much of the fleet is out at once (25% of 9 hosts is 2, never 3), and a batch of 0 would
 * never finish.
 */
export function shareOf(percent: number, total: number): number {
  return Math.max(1, Math.floor((percent * total) / 100 + 1e-9));
}

/**
 * The size of every batch for `total` hosts, in order: each entry once, the last one repeated, and
 * a last partial batch with whatever is left. `1, 3` over 9 hosts: 1, 3, 3, 2.
 */
export function batchSizes(spec: readonly BatchSize[], total: number): number[] {
  const sizes: number[] = [];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const entry = spec[Math.min(i, spec.length - 1)] ?? { count: 1 };
    const size = Math.min(left, 'count' in entry ? entry.count : shareOf(entry.percent, total));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/**
 * `max-failed-hosts`: a count, or a percentage of the fleet rounded down (10% of 9 hosts is 0:
 * a tolerance is never larger than asked for).
 */
export function parseMaxFailed(text: string, total: number): Parsed<number> {
  const t = text.trim();
  if (/^\d+$/.test(t))
    return Number(t) <= 100_000 ? ok(Number(t)) : fail(`expected a number of hosts from 0 to 100000, got ${shown(text)}`);
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct && Number(pct[1]) <= 100) return ok(Math.floor((Number(pct[1]) * total) / 100 + 1e-9));
  return fail(`expected a number of hosts (2) or a percentage of the fleet from 0% to 100% (10%), got ${shown(text)}`);
}
