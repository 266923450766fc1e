/**
 * Where host text is cut short, the cut is marked with `…`, and the core cuts before any output
 * redacts: a secret cut in two is no longer the value registered. So the part of a secret that
 * ends at a `…` (its head) or starts after one (its tail) is redacted too, from this many
 * characters: fewer give too little away to be worth the false matches.
 */
export const PARTIAL_MIN = 4;

const ELLIPSIS = '…';

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
    // The cut parts first: a key's lines are secrets of their own, and once they are *** the
    // key's tail after a cut (its short last line with them) is no longer found.
    let out = text.includes(ELLIPSIS) ? this.redactCuts(text) : text;
    for (const s of this.values) out = out.split(s).join('***');
    return out;
  }

  /**
   * The head of a secret just before a `…`, the tail of one just after it, and a piece between
   * two cuts that lies wholly inside one.
   */
  private redactCuts(text: string): string {
    const parts = text.split(ELLIPSIS);
    const last = parts.length - 1;
    return parts
      .map((part, i) => {
        if (i > 0 && i < last && part.length >= PARTIAL_MIN && this.cores.some((s) => s.includes(part))) return '***';
        const head = i < last ? this.headAtEnd(part) : 0;
        const rest = head ? `${part.slice(0, part.length - head)}***` : part;
        const tail = i > 0 ? this.tailAtStart(rest) : 0;
        return tail ? `***${rest.slice(tail)}` : rest;
      })
      .join(ELLIPSIS);
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
