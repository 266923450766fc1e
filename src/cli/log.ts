import type { Log } from '../runtime/log';
import type { Printer } from './terminal';

/** The host whose turn is running, for the live line. */
interface Live {
  host: string;
  phase: string;
  detail: string;
  since: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 200;

/**
 * The rollout's Log in a terminal. On a TTY the host whose turn it is has one live line, redrawn
 * in place: its phase, the phase's seconds, and the latest progress (in-flight count while
 * draining, readiness while waiting, requests and seconds while watching); each finished phase
 * stays as a line above. Not on a TTY (CI logs, pipes), every event is a plain line.
 */
export class CliLog implements Log {
  private live: Live | null = null;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly out: Printer,
    private readonly debugOn = false,
    private readonly now: () => number = Date.now,
  ) {}

  info(message: string): void {
    this.above(() => this.out.line(message));
  }

  warning(message: string): void {
    this.above(() => this.out.line(message, undefined, `${this.out.paint('yellow', 'warning:')} `));
  }

  debug(message: string): void {
    if (this.debugOn) this.above(() => this.out.line(message, 'dim'));
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.above(() => this.out.line(`▸ ${title}`, 'bold'));
    try {
      return await fn();
    } finally {
      this.endLive();
    }
  }

  phase(host: string, phase: string): void {
    this.endLive();
    this.live = { host, phase, detail: '', since: this.now() };
    if (!this.out.tty) return this.out.line(`${host}: ${phase}`);
    this.timer = setInterval(() => this.draw(), TICK_MS);
    this.timer.unref();
    this.draw();
  }

  progress(host: string, line: string): void {
    if (this.out.tty && this.live?.host === host) {
      this.live.detail = line;
      this.draw();
    } else this.info(`${host} ${line}`);
  }

  /** The live line's text, fitted to the terminal's width. */
  private text(live: Live): string {
    const seconds = `${Math.floor((this.now() - live.since) / 1000)} s`;
    const head = `${SPINNER[this.frame % SPINNER.length]} ${live.host}  ${live.phase.padEnd(6)} ${seconds.padStart(5)}`;
    const full = `${this.out.clean(head)}  ${this.out.clean(live.detail)}`;
    return full.length > this.out.columns - 1 ? `${full.slice(0, this.out.columns - 2)}…` : full;
  }

  private draw(): void {
    if (!this.live || !this.out.tty) return;
    this.frame += 1;
    this.out.raw(`\r\x1b[2K${this.out.paint('cyan', this.text(this.live))}`);
  }

  /** Prints above the live line: the line is cleared, the text written, the line drawn again. */
  private above(print: () => void): void {
    if (this.live && this.out.tty) this.out.raw('\r\x1b[2K');
    print();
    this.draw();
  }

  /** The live phase is over: on a TTY it stays as a plain line with its time and last progress. */
  private endLive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const live = this.live;
    this.live = null;
    if (!live || !this.out.tty) return;
    const seconds = ((this.now() - live.since) / 1000).toFixed(1);
    this.out.raw('\r\x1b[2K');
    this.out.line(`  ${live.host}  ${live.phase.padEnd(6)} ${seconds.padStart(5)} s  ${live.detail}`, 'dim');
  }
}
