import { StringDecoder } from 'node:string_decoder';

/**
 * Most output one command may return on either stream, in bytes. The largest answer the product
 * asks for is a 4 MiB access-log chunk (checks/sources/access-log.ts) or a `show stat` of one
 * HAProxy backend (10,000 servers: 2.1 MiB); anything past this is a runaway command. Without a
 * cap, 32 MiB of output took 46 s, 64 MiB lost the connection, and past ~512 M characters the
 * string concatenation threw inside an event listener.
 */
export const OUTPUT_LIMIT_BYTES = 8 * 1024 * 1024;

/** A command's output passed OUTPUT_LIMIT_BYTES; what was read of it is dropped. */
export class OutputLimitError extends Error {
  constructor(
    readonly stream: 'stdout' | 'stderr',
    limitBytes = OUTPUT_LIMIT_BYTES,
  ) {
    const limit = limitBytes % (1024 * 1024) === 0 ? `${limitBytes / 1024 / 1024} MiB` : `${limitBytes} bytes`;
    super(`${stream} passed ${limit}, the most one command may return`);
    this.name = 'OutputLimitError';
  }
}

/**
 * One stream of a session: text that arrives in chunks and is taken up to a delimiter. Each chunk
 * is searched once, together with the last (delimiter length − 1) characters before it, so a
 * delimiter split across two SSH packets is still found and the cost stays linear in the output
 * (searching the whole buffer on every chunk made 32 MiB take 46 s). What waits to be taken is
 * capped at OUTPUT_LIMIT_BYTES; past it the text is dropped and every take throws.
 */
export class OutputBuffer {
  private chunks: string[] = [];
  private pendingBytes = 0;
  private overflowed = false;
  private readonly decoder = new StringDecoder('utf8');
  /** Search state for `delimiter`: chunks before `next` hold no match; `carry` is their tail. */
  private delimiter: string | undefined;
  private next = 0;
  private before = 0;
  private carry = '';

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly limitBytes = OUTPUT_LIMIT_BYTES,
  ) {}

  get overflow(): boolean {
    return this.overflowed;
  }

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.limitBytes) {
      this.overflowed = true;
      this.chunks = [];
      return;
    }
    // One decoder: a character split across two SSH packets must not become U+FFFD.
    const text = this.decoder.write(chunk);
    if (text !== '') this.chunks.push(text);
  }

  /** What has arrived and no take removed (nothing once past the cap). */
  unread(): string {
    return this.overflowed ? '' : this.chunks.join('');
  }

  /** The text before the first `delimiter`, removed with it; undefined until it has arrived. */
  take(delimiter: string): string | undefined {
    if (this.overflowed) throw new OutputLimitError(this.stream, this.limitBytes);
    if (delimiter !== this.delimiter) this.restartSearch(delimiter);
    const keep = delimiter.length - 1;
    for (; this.next < this.chunks.length; this.next += 1) {
      const window = this.carry + (this.chunks[this.next] as string);
      const at = window.indexOf(delimiter);
      if (at >= 0) return this.cut(this.before - this.carry.length + at, delimiter.length);
      this.before += window.length - this.carry.length;
      this.carry = keep > 0 ? window.slice(-keep) : '';
    }
    return undefined;
  }

  private restartSearch(delimiter: string): void {
    this.delimiter = delimiter;
    this.next = 0;
    this.before = 0;
    this.carry = '';
  }

  private cut(at: number, length: number): string {
    const all = this.chunks.join('');
    const rest = all.slice(at + length);
    this.chunks = rest === '' ? [] : [rest];
    this.pendingBytes = Buffer.byteLength(rest, 'utf8');
    this.delimiter = undefined;
    return all.slice(0, at);
  }
}
