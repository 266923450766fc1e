import { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { KnownHosts, type HostKeyVerdict } from './known-hosts';
import { TransportError, type Connector, type ExecResult, type CommandStream, type Connection } from './connection';
import { OUTPUT_LIMIT_BYTES, OutputBuffer, OutputLimitError } from './output-buffer';
import { describeTarget, knownHostsKey, type SshTarget } from './target';

export type HostKeyPolicy = { mode: 'strict'; knownHosts: KnownHosts } | { mode: 'off' };

/** Where one exec channel's events go. */
interface ChannelHandlers {
  opened(channel: ClientChannel): void;
  data(which: 'out' | 'err', chunk: Buffer): void;
  exit(code: number | null, signal: string | null): void;
  close(): void;
  failed(why: string): void;
}

export interface SshOptions {
  privateKey?: string;
  passphrase?: string;
  /** An ssh-agent socket, used when no private key is given. */
  agent?: string;
  hostKeys: HostKeyPolicy;
  connectTimeoutMs: number;
  /** Keepalive probe interval; three missed probes end the connection. */
  keepaliveMs: number;
}

/** What to say when only a @cert-authority line names the host (host certificates are not checked). */
function certAuthorityNote(target: SshTarget, lines: number[] | undefined): string {
  if (!lines?.length) return '';
  const port = target.port === 22 ? '' : `-p ${target.port} `;
  return ` known-hosts names it only in a @cert-authority line (line ${lines.join(', ')}), and this action does not check host certificates: add the host's own key line instead, e.g. from \`ssh-keyscan ${port}${target.host}\` run from a trusted network.`;
}

function hostKeyMessage(target: SshTarget, verdict: Exclude<HostKeyVerdict, { ok: true }>): string {
  const where = `${target.name} (${knownHostsKey(target)})`;
  const expected = verdict.expected.length ? ` known-hosts has: ${verdict.expected.join(', ')}.` : '';
  switch (verdict.reason) {
    case 'unknown-host':
      if (verdict.certAuthorityLines?.length) {
        return `Host key verification failed for ${where}: the server offered ${verdict.offered}.${certAuthorityNote(target, verdict.certAuthorityLines)}`;
      }
      return `Host key verification failed for ${where}: known-hosts has no entry for ${knownHostsKey(target)}. The server offered ${verdict.offered}; add it to known-hosts only after checking it out of band.`;
    case 'revoked':
      return `Host key verification failed for ${where}: the server offered ${verdict.offered}, which known-hosts marks @revoked.`;
    case 'mismatch':
      return `Host key verification failed for ${where}: the server offered ${verdict.offered}, which does not match.${expected} The host was reinstalled, or someone is in the middle.`;
  }
}

function classify(target: SshTarget, err: unknown): TransportError {
  const message = err instanceof Error ? err.message : String(err);
  const level = (err as { level?: string } | null)?.level;
  const who = `${target.name} (${describeTarget(target)})`;
  if (level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return new TransportError(
      'auth',
      `SSH authentication refused by ${who}: the server did not accept the private key for user '${target.user}'.`,
    );
  }
  if (/timed out/i.test(message)) {
    return new TransportError('timeout', `SSH connection to ${who} timed out: ${message}.`);
  }
  return new TransportError('unreachable', `Cannot connect to ${who}: ${message}.`);
}

/** Connector backed by node-ssh; commands run on the underlying ssh2 channel for exact exit semantics. */
export class SshConnector implements Connector {
  constructor(private readonly options: SshOptions) {}

  async connect(target: SshTarget): Promise<Connection> {
    const ssh = new NodeSSH();
    const policy = this.options.hostKeys;
    let rejected: Exclude<HostKeyVerdict, { ok: true }> | undefined;
    // Our own socket, so TCP_NODELAY holds from the first packet: the handshake and every command
    // are small request/response exchanges, and with Nagle's algorithm meeting delayed ACKs each
    // one stalls ~40 ms (a key-auth handshake took 240 ms instead of 60). ssh2 waits for the
    // connect and applies readyTimeout to it.
    const sock = new Socket();
    sock.setNoDelay(true);
    sock.connect({ host: target.host, port: target.port });
    const config: ConnectConfig & { privateKey?: string } = {
      sock,
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: this.options.connectTimeoutMs,
      keepaliveInterval: this.options.keepaliveMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        if (policy.mode === 'off') return true;
        const verdict = policy.knownHosts.verify(target, key);
        if (!verdict.ok) rejected = verdict;
        return verdict.ok;
      },
    };
    if (policy.mode === 'strict') {
      const algorithms = policy.knownHosts.algorithmsFor(target);
      if (algorithms) config.algorithms = { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    }
    if (this.options.privateKey) {
      config.privateKey = this.options.privateKey;
      if (this.options.passphrase) config.passphrase = this.options.passphrase;
    } else if (this.options.agent) {
      config.agent = this.options.agent;
    }
    try {
      await ssh.connect(config);
    } catch (err) {
      ssh.dispose();
      sock.destroy();
      if (rejected) throw new TransportError('host-key', hostKeyMessage(target, rejected));
      throw classify(target, err);
    }
    const client = ssh.connection;
    if (!client) throw new TransportError('unreachable', `Cannot connect to ${target.name}: no connection after handshake.`);
    return new SshConnection(target, ssh, client);
  }
}

/** How long close() waits for the server's side of a clean close before destroying the socket. */
const CLOSE_WAIT_MS = 1000;

class SshConnection implements Connection {
  private closed: Error | undefined;
  private socketClosed = false;
  private readonly pending = new Set<(reason: Error) => void>();

  constructor(
    readonly target: SshTarget,
    private readonly ssh: NodeSSH,
    private readonly client: Client,
  ) {
    // A reset or keepalive timeout arrives as 'error' then 'close'. Without a listener an 'error'
    // event would crash the process; here it only fails the commands still running.
    const lose = (err?: Error): void => {
      this.closed ??= err ?? new Error('connection closed');
      for (const fail of this.pending) fail(this.closed);
      this.pending.clear();
    };
    client.on('error', lose);
    client.on('close', () => {
      this.socketClosed = true;
      lose();
    });
    client.on('end', () => lose());
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
        close: () => (code === null && signal === null ? finish('connection-lost', 'the channel closed without an exit status') : finish()),
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
      this.client.exec(command, (err, ch) => (err ? reject(err) : resolve(new SshCommandStream(ch))));
    });
  }

  /**
   * Ends the connection and waits until its socket has closed (at most CLOSE_WAIT_MS, then it is
   * destroyed), so that "released" means closed on both ends: a bound on open connections holds
   * on the host's side too, not only in this process.
   */
  async close(): Promise<void> {
    const gone = this.socketClosed ? Promise.resolve() : new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.ssh.dispose();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    if (!this.socketClosed) this.client.destroy();
  }
}

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

  constructor(private readonly channel: ClientChannel) {
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
      if (this.ended) throw new Error('the session ended');
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

  close(): void {
    this.ended = true;
    this.channel.close();
    this.wake();
  }
}
