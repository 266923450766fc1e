/**
 * A terminal, as far as the CLI's output needs one: rows of a fixed width, a cursor, and the few
 * controls the CLI writes (carriage return, newline, erase the row, colour). Feeding it what the
 * CLI wrote shows what a person sees: a live line left behind in the scrollback, text glued onto a
 * live line, a row too wide (it would wrap, and erasing a row would then leave its first part).
 */
export class Screen {
  readonly rows: string[] = [''];
  /** Rows that were written past the terminal's width. */
  readonly overflows: string[] = [];
  /** Control sequences the model does not know (anything the CLI should not send). */
  readonly unknown: string[] = [];
  private row = 0;
  private col = 0;

  constructor(readonly columns: number) {}

  /** Feeds written text; returns this screen. */
  write(text: string): this {
    const parts = text.match(/\x1b\[[0-9;]*[A-Za-z]|\x1b.|[\s\S]/gu) ?? [];
    for (const part of parts) this.feed(part);
    return this;
  }

  /** The rows as shown, without trailing spaces; the last row is where the cursor is. */
  get text(): string[] {
    return this.rows.map((r) => r.trimEnd());
  }

  private feed(part: string): void {
    if (part === '\r') this.col = 0;
    else if (part === '\n') {
      this.row += 1;
      this.col = 0;
      if (this.rows.length <= this.row) this.rows.push('');
    } else if (part === '\x1b[2K') this.rows[this.row] = '';
    else if (/^\x1b\[[0-9;]*m$/.test(part)) return;
    else if (part.startsWith('\x1b') || /^[\x00-\x1f\x7f]$/.test(part)) this.unknown.push(JSON.stringify(part));
    else this.put(part);
  }

  private put(ch: string): void {
    const width = wide(ch) ? 2 : 1;
    const cells = [...(this.rows[this.row] ?? '').padEnd(this.col)];
    cells.splice(this.col, 1, ch);
    this.rows[this.row] = cells.join('');
    this.col += width;
    if (this.col > this.columns) this.overflows.push(this.rows[this.row] ?? '');
  }
}

/** East Asian wide and emoji code points (the ranges a host name or a log line might hold). */
function wide(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0x1f300 && c <= 0x1faff)
  );
}
