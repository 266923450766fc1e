/**
 * Where host text is cut short, the cut is marked with `…`, and the core cuts before any output
 * redacts: a secret cut in two is no longer the value registered. So the part of a secret that
 * ends at a `…` (its head) or starts after one (its tail) is redacted too, from this many
 * characters: fewer give too little away to be worth the false matches.
 */
export const PARTIAL_MIN = 4;

const ELLIPSIS = '…';

/** A span of text to hide: [start, end). */
type Range = [number, number];

/** `text` with each run of overlapping ranges replaced by one `***` (ranges that only touch stay two). */
function hide(text: string, ranges: Range[]): string {
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let run: Range | null = null;
  for (const [start, end] of ranges) {
    if (run && start < run[1]) {
      run[1] = Math.max(run[1], end);
      continue;
    }
    if (run) {
      out += `${text.slice(from, run[0])}***`;
      from = run[1];
    }
    run = [start, end];
  }
  if (!run) return text;
  return `${out}${text.slice(from, run[0])}***${text.slice(run[1])}`;
}

/** The smallest p with s[i] === s[i + p] for every i (the length, when there is none shorter). */
function smallestPeriod(s: string): number {
  // Prefix function (Knuth–Morris–Pratt): the longest border of s is its longest proper prefix that is also a suffix.
  const border = new Array<number>(s.length).fill(0);
  for (let i = 1, k = 0; i < s.length; i++) {
    while (k > 0 && s[i] !== s[k]) k = border[k - 1] ?? 0;
    if (s[i] === s[k]) k++;
    border[i] = k;
  }
  return s.length - (border[s.length - 1] ?? 0);
}

/** A PEM key's armour, `-----BEGIN … KEY-----` and `-----END … KEY-----`: public text, never taken for part of a secret. */
const ARMOUR = /^-----BEGIN [^\n]*-----\r?\n|\r?\n-----END [^\n]*-----\s*$/g;

/**
 * The values never to be shown (a key, a passphrase, a token): one list for every output of a
 * run (the CLI's streams, JSON and --summary file; the action's log, annotations, outputs and
 * job summary), so no output can miss one. The runner masks whole values in what it shows; this
 * also takes the parts a cut leaves.
 */
export class Secrets {
  private readonly values: string[] = [];
  /** What of each secret a cut may leave a part of: the secrets without a key's armour. */
  private cores: string[] = [];

  /** A secret to redact; longest first, so no part of a longer one is left by a shorter one. */
  add(value: string): void {
    if (!value || this.values.includes(value)) return;
    this.values.push(value);
    this.values.sort((a, b) => b.length - a.length);
    this.cores = this.values.map((v) => v.replace(ARMOUR, '')).filter((c) => c.length > PARTIAL_MIN);
  }

  /** `text` with every secret replaced by `***`. Before any escaping: an escaped secret is no longer found. */
  redact(text: string): string {
    // Both found on the text as it came, then hidden together: what either finds is hidden, even
    // where they overlap (a secret whose end is another's start, a key's lines and its tail).
    const ranges = this.wholeRanges(text);
    if (text.includes(ELLIPSIS)) for (const range of this.cutRanges(text)) ranges.push(range);
    return hide(text, ranges);
  }

  /**
   * Where each secret occurs whole, overlapping occurrences too. Occurrences that overlap lie a
   * period of the secret apart: a run of them is followed in one pass, so a secret that repeats
   * itself costs no more than one that does not.
   */
  private wholeRanges(text: string): Range[] {
    const ranges: Range[] = [];
    for (const s of this.values) {
      const period = smallestPeriod(s);
      for (let i = text.indexOf(s); i >= 0;) {
        let end = i + s.length;
        while (end < text.length && text[end] === text[end - period]) end++;
        const last = i + Math.floor((end - i - s.length) / period) * period;
        ranges.push([i, last + s.length]);
        i = text.indexOf(s, last + 1);
      }
    }
    return ranges;
  }

  /**
   * The head of a secret just before a `…`, the tail of one just after it, and a piece between
   * two cuts that lies wholly inside one.
   */
  private cutRanges(text: string): Range[] {
    const parts = text.split(ELLIPSIS);
    const last = parts.length - 1;
    const ranges: Range[] = [];
    let at = 0;
    parts.forEach((part, i) => {
      const end = at + part.length;
      if (i > 0 && i < last && part.length >= PARTIAL_MIN && this.cores.some((s) => s.includes(part))) ranges.push([at, end]);
      else {
        const head = i < last ? this.headAtEnd(part) : 0;
        if (head) ranges.push([end - head, end]);
        const tail = i > 0 ? this.tailAtStart(part) : 0;
        if (tail) ranges.push([at, at + tail]);
      }
      at = end + ELLIPSIS.length;
    });
    return ranges;
  }

  /**
   * How many characters at the end of `part` begin a secret (0, or PARTIAL_MIN up to one short of
   * it): found where a secret's first PARTIAL_MIN characters occur, so a long key costs no more
   * than a short one.
   */
  private headAtEnd(part: string): number {
    let best = 0;
    for (const s of this.cores) {
      const start = s.slice(0, PARTIAL_MIN);
      for (
        let i = part.indexOf(start, Math.max(0, part.length - s.length + 1));
        i >= 0 && part.length - i > best;
        i = part.indexOf(start, i + 1)
      )
        if (s.startsWith(part.slice(i))) {
          best = part.length - i;
          break;
        }
    }
    return best;
  }

  /** How many characters at the start of `part` end a secret (0, or PARTIAL_MIN up to one short of it). */
  private tailAtStart(part: string): number {
    let best = 0;
    for (const s of this.cores) {
      const end = s.slice(-PARTIAL_MIN);
      for (
        let i = part.lastIndexOf(end, Math.min(part.length, s.length - 1) - PARTIAL_MIN);
        i >= 0 && i + PARTIAL_MIN > best;
        i = i ? part.lastIndexOf(end, i - 1) : -1
      )
        if (s.endsWith(part.slice(0, i + PARTIAL_MIN))) {
          best = i + PARTIAL_MIN;
          break;
        }
    }
    return best;
  }

  /**
   * Every string in data (a report, a plan) redacted, its shape kept as JSON has it: for output
   * encoded after (JSON, the summary's Markdown), so the secrets go before the escaping does.
   */
  redactAll<T>(value: T): T {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (typeof (v as { toJSON?: unknown } | null)?.toJSON === 'function') return walk((v as { toJSON(): unknown }).toJSON());
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }
}
