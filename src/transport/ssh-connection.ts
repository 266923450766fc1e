import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import type { ExecResult, CommandStream, Connection } from './connection';
import { OUTPUT_LIMIT_BYTES, OutputBuffer, OutputLimitError } from './output-buffer';
import type { SshTarget } from './target';

/** Where one exec channel's events go. */
interface ChannelHandlers {
  opened(channel: ClientChannel): void;
  data(which: 'out' | 'err', chunk: Buffer): void;
  exit(code: number | null, signal: string | null): void;
  close(): void;
  failed(why: string): void;
}

/** How a connection relates to the route it runs over (jump hosts), if any. */
export interface RouteHooks {
  /** Why the route dropped, naming the jump host, when it was a jump host's connection that ended. */
  explainLoss(): string | undefined;
  /** Called once when the connection closes or is lost: gives back its jump host lease. */
  released(): void;
}

/** How long close() waits for the server's side of a clean close before destroying the socket. */
const CLOSE_WAIT_MS = 1000;

export class SshConnection implements Connection {
  private closed: Error | undefined;
  private socketClosed = false;
  private readonly pending = new Set<(reason: Error) => void>();

  get lost(): boolean {
    return this.closed !== undefined || this.socketClosed;
  }

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    private readonly route?: RouteHooks,
  ) {
    // A reset or keepalive timeout arrives as 'error' then 'close'. Without a listener an 'error'
    // event would crash the process; here it only fails the commands still running.
    const lose = (err?: Error): void => {
      const reason = err ?? new Error('connection closed');
      if (!route) return this.fail(reason);
      route.released();
      // A jump host's drop reaches this connection as its channel closing, possibly before the
      // jump host's own connection reports it: look once this turn's events have run, so the
      // verdict names the bastion that went away rather than a bare "connection closed".
      setImmediate(() => {
        const why = route.explainLoss();
        this.fail(why ? new Error(why) : reason);
      });
    };
    client.on('error', lose);
    client.on('close', () => {
      this.socketClosed = true;
      lose();
    });
    client.on('end', () => lose());
  }

  /**
   * A channel closed without an exit status. Through a jump host, that is usually the jump host
   * going away, which its own connection reports a moment later: wait for that turn, then say so.
   */
  private dropped(finish: (why: string) => void): void {
    const bare = 'the channel closed without an exit status';
    if (!this.route) return finish(bare);
    const route = this.route;
    setImmediate(() => {
      const why = route.explainLoss();
      finish(why ? `connection lost: ${why}` : bare);
    });
  }

  private fail(reason: Error): void {
    this.closed ??= reason;
    for (const fail of this.pending) fail(this.closed);
    this.pending.clear();
  }

  exec(command: string, { timeoutMs, stdin }: { timeoutMs: number; stdin?: string }): Promise<ExecResult> {
    const started = Date.now();
    return new Promise<ExecResult>((resolve) => {
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | null = null;
      let settled = false;
      let channel: ClientChannel | undefined;
      // One decoder per stream: a character split across two SSH packets must not become U+FFFD.
      const decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
      const finish = (lost?: ExecResult['lost'], note?: string): void => {
        if (settled) return;
        settled = true;
        stdout += decoders.out.end();
        stderr += decoders.err.end();
        clearTimeout(timer);
        this.pending.delete(onLost);
        if (note) stderr += (stderr && !stderr.endsWith('\n') ? '\n' : '') + note;
        resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, ...(lost ? { lost } : {}) });
      };
      const onLost = (reason: Error): void => finish('connection-lost', `connection lost: ${reason.message}`);
      const timer = setTimeout(() => {
        channel?.close();
        finish('timeout', `no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      if (this.closed) return onLost(this.closed);
      this.pending.add(onLost);
      // Past the cap the command fails, as over a session: its output is not what it meant to say.
      const bytes = { out: 0, err: 0 };
      const append = (which: 'out' | 'err', chunk: Buffer): void => {
        if (settled) return;
        bytes[which] += chunk.length;
        if (bytes[which] > OUTPUT_LIMIT_BYTES) {
          channel?.close();
          stdout = '';
          stderr = '';
          return finish(
            'output-limit',
            `${new OutputLimitError(which === 'out' ? 'stdout' : 'stderr').message}; the command's channel was closed`,
          );
        }
        const text = decoders[which].write(chunk);
        if (which === 'out') stdout += text;
        else stderr += text;
      };
      this.openChannel(command, {
        // stdin is closed after `stdin` (or at once), as the long-lived shell's `</dev/null` does:
        // a command that reads it gets EOF instead of hanging until its timeout.
        opened: (ch) => {
          channel = ch;
          ch.end(stdin ?? '');
        },
        data: append,
        exit: (exitCode, exitSignal) => {
          code = exitCode;
          signal = exitSignal;
        },
        // 'close' without a prior 'exit' means the channel dropped: no exit status was sent.
        close: () => (code === null && signal === null ? this.dropped((why) => finish('connection-lost', why)) : finish()),
        failed: (why) => finish('connection-lost', why),
      });
    });
  }

  /** Opens an exec channel and wires its events to the handlers; any failure to open goes to `failed`. */
  private openChannel(command: string, on: ChannelHandlers): void {
    try {
      this.client.exec(command, (err, ch) => {
        if (err) return on.failed(`could not open a channel: ${err.message}`);
        on.opened(ch);
        ch.on('data', (c: Buffer) => on.data('out', c));
        ch.stderr.on('data', (c: Buffer) => on.data('err', c));
        ch.on('exit', (exitCode: number | null, exitSignal?: string) =>
          // ssh2 reports signals as 'SIGTERM' or 'TERM' depending on the server; keep the bare name.
          on.exit(typeof exitCode === 'number' ? exitCode : null, exitSignal ? exitSignal.replace(/^SIG/, '') : null),
        );
        ch.on('close', on.close);
      });
    } catch (err) {
      on.failed(`could not run the command: ${(err as Error).message}`);
    }
  }

  stream(command: string): Promise<CommandStream> {
    return new Promise<CommandStream>((resolve, reject) => {
      if (this.closed) return reject(this.closed);
      const explain = this.route ? this.route.explainLoss.bind(this.route) : undefined;
      this.client.exec(command, (err, ch) => (err ? reject(err) : resolve(new SshCommandStream(ch, explain))));
    });
  }

  openSocket(path: string): Promise<CommandStream> {
    return new Promise<CommandStream>((resolve, reject) => {
      if (this.closed) return reject(this.closed);
      const explain = this.route ? this.route.explainLoss.bind(this.route) : undefined;
      try {
        this.client.openssh_forwardOutStreamLocal(path, (err, ch) => (err ? reject(err) : resolve(new SshCommandStream(ch, explain))));
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /**
   * Ends the connection and waits until its socket has closed (at most CLOSE_WAIT_MS, then it is
   * destroyed), so that "released" means closed on both ends: a bound on open connections holds
   * on the host's side too, not only in this process.
   */
  async close(): Promise<void> {
    const gone = this.socketClosed ? Promise.resolve() : new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.client.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    if (!this.socketClosed) this.client.destroy();
    this.route?.released();
  }
}

/** How much of a session's unread stderr an ended session's error quotes. */
const LAST_WORDS_CHARS = 200;
/** How much of it is looked at: the end of what may be megabytes. */
const LAST_WORDS_SCAN = 4096;

/**
 * A command kept running over one channel. Each stream is an OutputBuffer: read up to delimiters
 * in linear time and capped. Past the cap the read fails and the session is closed: the command
 * is still writing, and finding our place again would mean reading (and dropping) its output
 * until it ends, holding up every later command on the host; a closed session is simply reopened
 * by the next command (remote/persistent-shell.ts, lb/haproxy.ts).
 */
class SshCommandStream implements CommandStream {
  private readonly buffers = { stdout: new OutputBuffer('stdout'), stderr: new OutputBuffer('stderr') };
  private ended = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly channel: ClientChannel,
    /** Through jump hosts: why the route dropped, when a jump host's connection ended. */
    private readonly explainLoss?: () => string | undefined,
  ) {
    const take = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      this.buffers[which].push(chunk);
      this.wake();
    };
    channel.on('data', take('stdout'));
    channel.stderr.on('data', take('stderr'));
    channel.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  get open(): boolean {
    return !this.ended;
  }

  write(text: string): void {
    this.channel.write(text);
  }

  async readUntil(delimiter: string, timeoutMs: number, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let found: string | undefined;
      try {
        found = this.buffers[stream].take(delimiter);
      } catch (err) {
        this.close();
        throw err;
      }
      if (found !== undefined) return found;
      if (this.ended) throw new Error(await this.endReason());
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new Error(`no answer within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /**
   * Why the session ended. Through a jump host, its channel may close a moment before the jump
   * host's own connection reports the loss: wait for that turn, then name the bastion.
   */
  private async endReason(): Promise<string> {
    const said = this.lastWords();
    if (!this.explainLoss) return `the session ended${said}`;
    await new Promise<void>((resolve) => setImmediate(resolve));
    const why = this.explainLoss();
    return why ? `the session ended: ${why}${said}` : `the session ended${said}`;
  }

  /**
   * What the session printed on stderr that no read took, on one line and cut: a login shell that
   * could not start the session's command (a nologin shell, a missing `env`) says why only there.
   */
  private lastWords(): string {
    const unread = this.buffers.stderr.unread();
    // Line breaks only: a run of spaces or a tab inside a secret must stay as it is, for redaction.
    const text = unread
      .slice(-LAST_WORDS_SCAN)
      .replace(/[\r\n]+/g, ' ')
      .trim();
    if (!text) return '';
    // Any cut is marked (…), the scan's too: redaction treats what follows a mark as a secret's tail.
    const cut = unread.length > LAST_WORDS_SCAN || text.length > LAST_WORDS_CHARS;
    return ` (its stderr: ${cut ? `…${text.slice(-LAST_WORDS_CHARS)}` : text})`;
  }

  close(): void {
    this.ended = true;
    this.channel.close();
    this.wake();
  }
}
