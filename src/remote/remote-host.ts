import type { ExecResult, CommandStream, Connection } from '../transport/connection';
import { PersistentShell } from './persistent-shell';
import { execLine, KILL_AFTER_S, timedOutOnHost, type RemoteCommand } from './commands/exec';

/** The last few lines of a command's output, for error messages and annotations. */
export function tail(text: string, lines = 6, chars = 800): string {
  const all = text.trimEnd().split('\n');
  // A cut is marked (…), lines dropped too: Secrets redacts what a cut leaves of a secret.
  const kept = `${all.length > lines ? '…' : ''}${all.slice(-lines).join('\n')}`;
  return kept.length > chars ? `…${kept.slice(-chars)}` : kept;
}

/** Why a finished command counts as failed, or undefined when it succeeded (exit 0). */
export function failureOf(cmd: RemoteCommand, result: ExecResult): string | undefined {
  const seconds = `${cmd.timeoutMs / 1000}s`;
  if (result.lost === 'timeout') return `"${cmd.title}" got no answer within ${seconds} plus a margin; the connection is hung`;
  if (result.lost === 'connection-lost') return `the SSH connection dropped during "${cmd.title}" (${tail(result.stderr, 1)})`;
  if (result.lost === 'output-limit') return `"${cmd.title}" printed too much and was cut off (${tail(result.stderr, 1)})`;
  if (timedOutOnHost(result.code, result.signal) && result.durationMs >= cmd.timeoutMs * 0.9) {
    return `"${cmd.title}" ran past its ${seconds} limit and was killed on the host`;
  }
  if (result.signal) return `"${cmd.title}" was killed by SIG${result.signal}`;
  if (result.code === 0) return undefined;
  if (/sudo: (a password is required|a terminal is required)/.test(result.stderr)) {
    return `sudo on the host asks for a password; sudo mode needs NOPASSWD for this user`;
  }
  const output = tail(result.stderr) || tail(result.stdout);
  return `"${cmd.title}" exited with status ${result.code}${output ? `: ${output}` : ''}`;
}

/** A remote command that did not succeed; `message` says which, where and why. */
export class RemoteCommandError extends Error {
  constructor(
    readonly command: RemoteCommand,
    readonly result: ExecResult,
    reason: string,
  ) {
    super(reason);
    this.name = 'RemoteCommandError';
  }
}

/** Runs built commands on one host, with the host's sudo setting and strict exit semantics. */
export class RemoteHost {
  private readonly sudo: boolean;
  /** The host's long-lived shell, once started; null where the transport has none. */
  private persistent: Promise<PersistentShell | null> | undefined;

  /**
   * `sudo` asks for `sudo -n` on every command; a target logged in as root needs none (and may
   * have no sudo installed), so it is skipped there. `trace` sees every line sent and its outcome
   * (step debug logging); nothing secret is ever in a command line.
   */
  constructor(
    readonly connection: Connection,
    sudo: boolean,
    private readonly trace?: (text: string) => void,
    /** false: a channel per command, never the long-lived shell (for tests of exec itself). */
    private readonly sessions = true,
  ) {
    this.sudo = sudo && connection.target.user !== 'root';
    if (!sessions) this.persistent = Promise.resolve(null);
  }

  /** The exact line sent to the host, as the dry-run plan prints it. */
  line(cmd: RemoteCommand): string {
    return execLine(cmd, { sudo: this.sudo });
  }

  /**
   * Runs the command and returns whatever happened; the caller judges it. `beforeSend` is called
   * right before the line goes to the host (after any wait for the commands before it, and for a
   * connection made again); what it throws, the command was not sent, and run rejects with it.
   */
  async run(cmd: RemoteCommand, beforeSend?: () => void): Promise<ExecResult> {
    // The host kills the command at its timeout; this side waits a little longer so that the
    // host's verdict (exit 124) arrives instead of a local guess.
    const timeoutMs = cmd.timeoutMs + (KILL_AFTER_S + 5) * 1000;
    const session = await this.shell();
    const result = session
      ? await session.run(this.line(cmd), timeoutMs, cmd.stdin, beforeSend)
      : await this.execNow(cmd, timeoutMs, beforeSend);
    this.trace?.(
      `${this.connection.target.name}: ${cmd.title}: exit ${result.code ?? result.signal ?? result.lost} in ${result.durationMs} ms`,
    );
    return result;
  }

  /** A channel of its own for the command, where there is no long-lived shell. */
  private async execNow(cmd: RemoteCommand, timeoutMs: number, beforeSend?: () => void): Promise<ExecResult> {
    beforeSend?.();
    return this.connection.exec(this.line(cmd), { timeoutMs, ...(cmd.stdin === undefined ? {} : { stdin: cmd.stdin }) });
  }

  private shell(): Promise<PersistentShell | null> {
    this.persistent ??= PersistentShell.start(this.connection).catch(() => null);
    return this.persistent;
  }

  /**
   * Starts the long-lived shell now, in the background, instead of at the first command. Each new
   * channel costs the remote user's login shell (a heavy ~/.bashrc: a quarter of a second or
   * more), so a host that opens another channel too (HAProxy's runtime API session) pays both at
   * once rather than one after the other.
   */
  warm(): void {
    void this.shell();
  }

  /** Ends the long-lived shell and the connection. */
  async close(): Promise<void> {
    (await this.persistent)?.close();
    await this.connection.close();
  }

  /**
   * Between uses: ends the long-lived shell and gives the connection up where it can be (a lease,
   * transport/lease.ts), so an idle host holds nothing open. The next command starts both again.
   */
  async release(): Promise<void> {
    if (!this.connection.release) return;
    const shell = this.persistent;
    this.persistent = this.sessions ? undefined : Promise.resolve(null);
    (await shell)?.close();
    await this.connection.release();
  }

  /**
   * Before a host's turn: a connection kept since preflight that has ended since (sshd restarted,
   * a network blip past the keepalive) is given up, so the turn connects again, verified as the
   * first, instead of failing on the dead one.
   */
  async reconnectIfLost(): Promise<void> {
    if (this.connection.lost) await this.release();
  }

  /** Starts the command as a long-lived session (bounded on the host by its timeout). */
  stream(cmd: RemoteCommand): Promise<CommandStream> {
    return this.connection.stream(this.line(cmd));
  }

  /**
   * A session on a UNIX socket of the host, over the SSH connection itself: no login shell, no
   * process on the host. Rejects where the transport or the server does not allow it; the caller
   * then runs a command (e.g. socat) instead. It is the login user's access, never sudo's.
   */
  socket(path: string): Promise<CommandStream> {
    if (!this.connection.openSocket) return Promise.reject(new Error('no socket channels on this transport'));
    return this.connection.openSocket(path);
  }

  /** Runs the command and returns its stdout; anything but exit 0 throws RemoteCommandError. */
  async check(cmd: RemoteCommand, beforeSend?: () => void): Promise<string> {
    const result = await this.run(cmd, beforeSend);
    const failure = failureOf(cmd, result);
    if (failure) throw new RemoteCommandError(cmd, result, failure);
    return result.stdout;
  }
}
