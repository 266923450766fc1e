/**
 * Where host text is cut short, the cut is marked with `…`, and the core cuts before any output
 * redacts: a secret cut in two is no longer the value registered. So the part of a secret that
 * ends at a `…` (its head) or starts after one (its tail) is redacted too, from this many
 * characters: fewer give too little away to be worth the false matches.
 */
export const PARTIAL_MIN = 4;

const ELLIPSIS = '…';

/**
 * The values never to be shown (a key, a passphrase, a token): one list for every output of a
 * run (the CLI's streams, JSON and --summary file; the action's log, annotations, outputs and
 * job summary), so no output can miss one. The runner masks whole values in what it shows; this
 * also takes the parts a cut leaves.
 */
export class Secrets {
  private readonly values: string[] = [];

  /** A secret to redact; longest first, so no part of a longer one is left by a shorter one. */
  add(value: string): void {
    if (!value || this.values.includes(value)) return;
    this.values.push(value);
    this.values.sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by `***`. Before any escaping: an escaped secret is no longer found. */
  redact(text: string): string {
    let out = text;
    for (const s of this.values) out = out.split(s).join('***');
    return out.includes(ELLIPSIS) ? this.redactCuts(out) : out;
  }

  /** The head of a secret just before a `…`, and the tail of one just after it. */
  private redactCuts(text: string): string {
    const parts = text.split(ELLIPSIS);
    for (let i = 0; i < parts.length; i++) {
      if (i < parts.length - 1) parts[i] = this.cutEnd(parts[i] as string);
      if (i > 0) parts[i] = this.cutStart(parts[i] as string);
    }
    return parts.join(ELLIPSIS);
  }

  private cutEnd(part: string): string {
    const n = this.longest((s, k) => part.endsWith(s.slice(0, k)));
    return n ? `${part.slice(0, part.length - n)}***` : part;
  }

  private cutStart(part: string): string {
    const n = this.longest((s, k) => part.startsWith(s.slice(s.length - k)));
    return n ? `***${part.slice(n)}` : part;
  }

  /** The most characters (at least PARTIAL_MIN, short of a whole secret) of any secret for which `matches` holds. */
  private longest(matches: (secret: string, chars: number) => boolean): number {
    let best = 0;
    for (const s of this.values)
      for (let k = s.length - 1; k >= Math.max(PARTIAL_MIN, best + 1); k--)
        if (matches(s, k)) {
          best = k;
          break;
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
