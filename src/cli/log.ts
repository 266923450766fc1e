import type { Log } from '../runtime/log';
import type { Printer } from './terminal';

/** A phase of a host's turn running now, for the live line. */
interface Live {
  host: string;
  phase: string;
  detail: string;
  since: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 200;
/** Moves to column 0 and erases the row: the live line goes before anything else is printed. */
const CLEAR = '\r\x1b[2K';

/**
 * Terminal columns `text` takes at most: a code point from U+1100 up may be wide (CJK, emoji),
 * so it counts two. Over-counting only shortens the live line; under-counting would wrap it, and
 * a wrapped line is not erased by CLEAR (it erases one row), so its first rows would stay behind.
 */
function fit(text: string, columns: number): string {
  let width = 0;
  let out = '';
  for (const ch of text) {
    width += (ch.codePointAt(0) ?? 0) >= 0x1100 ? 2 : 1;
    if (width > columns - 2) return `${out}…`;
    out += ch;
  }
  return out;
}

/**
 * The rollout's Log in a terminal. On a TTY there is one live line at the bottom, redrawn in
 * place: the phase of the host whose turn it is (its seconds, its latest progress), or, while a
 * batch of several hosts rolls, the batch's line saying where each of them is. Each phase that
 * ends stays as a line above, named by its host; every other line is printed above the live line
 * (the live line cleared first, drawn again after). Not on a TTY (CI logs, pipes), every event is
 * a plain line and no cursor control is written.
 */
export class CliLog implements Log {
  /** The phase each host is in now: one host at a time, or the hosts of a batch. */
  private readonly hosts = new Map<string, Live>();
  /** The live line of the batch rolling now (Log.batch), until its group ends. */
  private batchLine: (() => string) | null = null;
  /** A live line is on the screen: only then is there a line to clear before printing. */
  private shown = false;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly out: Printer,
    private readonly debugOn = false,
    private readonly now: () => number = Date.now,
  ) {}

  info(message: string): void {
    this.aside(() => this.out.line(message));
  }

  warning(message: string): void {
    this.aside(() => this.out.line(message, undefined, `${this.out.paint('yellow', 'warning:')} `));
  }

  debug(message: string): void {
    if (this.debugOn) this.aside(() => this.out.line(message, 'dim'));
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.aside(() => this.out.line(`▸ ${title}`, 'bold'));
    try {
      return await fn();
    } finally {
      for (const host of [...this.hosts.keys()]) this.phaseEnded(host);
      this.batchLine = null;
      this.redraw();
    }
  }

  phase(host: string, phase: string | null): void {
    this.phaseEnded(host);
    // Between two phases the live line waits for the next one (or the turn's end line), drawn at
    // once after it; the tick draws it otherwise.
    if (phase === null) return;
    this.hosts.set(host, { host, phase, detail: '', since: this.now() });
    if (!this.out.tty) this.out.line(`${host}: ${phase}`);
    this.redraw();
  }

  progress(host: string, line: string): void {
    const live = this.hosts.get(host);
    if (this.out.tty && live) {
      live.detail = line;
      this.redraw();
    } else this.info(`${host} ${line}`);
  }

  batch(line: () => string): boolean {
    if (!this.out.tty) return false;
    this.batchLine = line;
    this.redraw();
    return true;
  }

  /**
   * Prints above the live line: the line is cleared, the text written, the line drawn again. For
   * output of the CLI's own too (a message on stderr, which shares the terminal with the live line).
   */
  aside(print: () => void): void {
    this.clear();
    print();
    this.redraw();
  }

  /**
   * The host's phase is over: on a TTY it stays as a line of its own with its time and last
   * progress, above where the live line is drawn again (by the caller).
   */
  private phaseEnded(host: string): void {
    const live = this.hosts.get(host);
    if (!live) return;
    this.hosts.delete(host);
    if (!this.out.tty) return;
    const seconds = ((this.now() - live.since) / 1000).toFixed(1);
    this.clear();
    this.out.line(`  ${live.host}  ${live.phase.padEnd(6)} ${seconds.padStart(5)} s  ${live.detail}`, 'dim');
  }

  /** One host's part of the live line: `web-1  drain     3 s  draining: 2 in flight, 3 s`. */
  private hostText(live: Live): string {
    const seconds = `${Math.floor((this.now() - live.since) / 1000)} s`;
    return `${live.host}  ${live.phase.padEnd(6)} ${seconds.padStart(5)}  ${live.detail}`.trimEnd();
  }

  /** The live line's text, on one row of the terminal; empty when nothing is live. */
  private text(): string {
    const body = this.batchLine ? this.batchLine() : [...this.hosts.values()].map((l) => this.hostText(l)).join(' | ');
    if (!body) return '';
    // Host text may hold tabs and newlines (inert keeps them); either would break the redraw in place.
    const line = `${SPINNER[this.frame % SPINNER.length]} ${this.out.clean(body).replace(/\s/g, ' ')}`;
    return fit(line, this.out.columns);
  }

  /** Draws the live line in place (on a TTY, when there is one), ticking while it lasts. */
  private redraw(): void {
    if (!this.out.tty) return;
    const text = this.text();
    this.clear();
    if (text) {
      this.frame += 1;
      this.out.raw(this.out.paint('cyan', text));
      this.shown = true;
    }
    this.tick(text !== '');
  }

  private clear(): void {
    if (this.shown) this.out.raw(CLEAR);
    this.shown = false;
  }

  /** The spinner and the seconds move while a line is live; nothing keeps the process alive for them. */
  private tick(live: boolean): void {
    if (live && !this.timer) {
      this.timer = setInterval(() => this.redraw(), TICK_MS);
      this.timer.unref();
    } else if (!live && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
