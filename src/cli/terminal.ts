/**
 * The CLI's output stream. Host text (command output, unit names, load-balancer answers) reaches
 * the terminal through here, and a terminal obeys escape sequences: a host could move the cursor,
 * rewrite earlier lines, set the window title or hide text. So every line is made inert first, and
 * only then does the CLI add its own colour.
 */

import { inert, UNSAFE } from '../report/neutralise';
import { Secrets } from '../report/secrets';

// One definition of what is unsafe, shared with the Action's log (neutralise()).
export { inert, Secrets };

/** Where the CLI writes: a stream that may be a terminal. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org) or TERM=dumb. */
export function wantsColour(stream: OutStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Style = keyof typeof CODES;

/** Writes lines to one stream: secrets redacted, control characters made inert, colour when wanted. */
export class Printer {
  readonly tty: boolean;
  readonly colour: boolean;

  /** `secrets`: shared by the run's other outputs (the CLI's streams and its summary). */
  constructor(
    readonly stream: OutStream,
    env: NodeJS.ProcessEnv,
    readonly secrets = new Secrets(),
  ) {
    this.tty = stream.isTTY === true;
    this.colour = wantsColour(stream, env);
  }

  /** Text as it may be shown: redacted, then inert. */
  clean(text: string): string {
    return inert(this.secrets.redact(text));
  }

  paint(style: Style, text: string): string {
    return this.colour ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  }

  /** One or more lines of (untrusted) text, an optional style over the whole, after the CLI's own `label`. */
  line(text: string, style?: Style, label = ''): void {
    const clean = this.clean(text);
    this.stream.write(`${label}${style ? this.paint(style, clean) : clean}\n`);
  }

  /** The width to fit a live line into. */
  get columns(): number {
    return this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 100;
  }

  /**
   * A value as JSON on one stream: valid JSON whose strings hold no character a terminal acts on
   * (JSON.stringify escapes C0 itself; DEL, C1 and the bidi overrides become \\uXXXX here), secrets redacted.
   */
  json(value: unknown): void {
    const text = JSON.stringify(this.secrets.redactAll(value), null, 2);
    this.stream.write(`${text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
  }

  /** Raw output of the CLI's own making (cursor control for the live line); never host text. */
  raw(text: string): void {
    this.stream.write(text);
  }
}
