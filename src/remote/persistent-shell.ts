import { randomBytes } from 'node:crypto';
import { OutputLimitError } from '../transport/output-buffer';
import type { ExecResult, CommandStream, Connection } from '../transport/connection';

/**
 * What the long-lived session runs: `sh` in the C locale, set once by an `env` (any login shell
 * can run this line), so every command's `timeout` and `sh -c` start in it. A locale the host
 * names but lacks (an LC_ALL from /etc/environment) would otherwise make a bash that is `sh` warn
 * on stderr at every command's start, before the script's own `export LC_ALL=C` runs.
 */
export const LONG_LIVED_SHELL = 'exec env LC_ALL=C sh';

/** Separates a command's output from the end marker; never appears in what we run. */
const RS = '\u001e';

/** The redirection of a line's stdin: nothing to read, or the here-document that follows the line. */
const input = (nonce: string, stdin: string | undefined): string => (stdin === undefined ? '</dev/null' : `<<'ZDR_IN_${nonce}'`);

/** The here-document's body and end; a quoted delimiter, so nothing in it is expanded. */
function heredoc(nonce: string, stdin: string | undefined): string {
  if (stdin === undefined) return '';
  const end = `ZDR_IN_${nonce}`;
  if (!stdin.endsWith('\n') || stdin.split('\n').includes(end))
    throw new Error('stdin text must end with a newline and not hold the end marker');
  return `${stdin}${end}\n`;
}

/**
 * A long-lived `sh` on the host that runs command lines one after another. A fresh SSH channel
 * per command costs the remote user's login shell each time, and a login shell that sources a
 * heavy ~/.bashrc (pyenv, nvm, rbenv…) adds a quarter of a second to every round trip — measured
 * on this project's load balancer host. Here the login shell starts once per host.
 *
 * Each line runs with stdin from /dev/null (it cannot eat the next command), or from a
 * here-document holding the command's `stdin` text (a credential: the shell reads it from the
 * channel and hands it over in a pipe, so it is in no process's arguments), and is followed by
 * a marker with a fresh nonce on stdout (carrying the exit status) and on stderr. A command that
 * does not finish in time, or prints more than OUTPUT_LIMIT_BYTES on a stream, fails and gets the
 * session closed; the next command opens a new one.
 */
export class PersistentShell {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly shell: Connection,
    private session: CommandStream | undefined,
  ) {}

  /** Starts the shell; rejects where the transport has no sessions (the caller then uses exec). */
  static async start(shell: Connection): Promise<PersistentShell> {
    return new PersistentShell(shell, await shell.stream(LONG_LIVED_SHELL));
  }

  private async open(): Promise<CommandStream> {
    if (this.session?.open) return this.session;
    this.session = await this.shell.stream(LONG_LIVED_SHELL);
    return this.session;
  }

  /**
   * Runs one command line; resolves like Connection.exec. Rejects with what `beforeSend` throws
   * (called once the line's turn has come and its session is open, on a connection made again if
   * the last one ended, right before it is written; then nothing was sent), and for stdin text a
   * here-document cannot carry.
   */
  run(line: string, timeoutMs: number, stdin?: string, beforeSend?: () => void): Promise<ExecResult> {
    const next = this.queue.then(() => this.runNow(line, timeoutMs, stdin, beforeSend));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(line: string, timeoutMs: number, stdin?: string, beforeSend?: () => void): Promise<ExecResult> {
    const started = Date.now();
    const nonce = randomBytes(9).toString('hex');
    let session: CommandStream;
    try {
      session = await this.open();
    } catch (err) {
      return {
        code: null,
        signal: null,
        stdout: '',
        stderr: `could not open a shell session: ${(err as Error).message}`,
        durationMs: Date.now() - started,
        lost: 'connection-lost',
      };
    }
    beforeSend?.();
    session.write(
      `{ ${line}\n} ${input(nonce, stdin)}; printf '${RS}${nonce} %s${RS}' "$?"; printf '${RS}${nonce}${RS}' >&2\n${heredoc(nonce, stdin)}`,
    );
    try {
      // stdout: the output, the marker, the status, RS. stderr: the output, the marker.
      const fromStdout = session
        .readUntil(`${RS}${nonce} `, timeoutMs, 'stdout')
        .then(async (out) => ({ out, status: await session.readUntil(RS, timeoutMs, 'stdout') }));
      const [stdoutRead, stderrRead] = await Promise.allSettled([fromStdout, session.readUntil(`${RS}${nonce}${RS}`, timeoutMs, 'stderr')]);
      // A read that fails closes the session, which ends the other read too: report the cause, not
      // the "session ended" that follows from it.
      if (stdoutRead.status === 'rejected' || stderrRead.status === 'rejected') {
        const reasons = [stdoutRead, stderrRead].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
        throw reasons.find((e) => e instanceof OutputLimitError) ?? reasons[0];
      }
      const { out: stdout, status } = stdoutRead.value;
      const stderr = stderrRead.value;
      if (!/^\d+$/.test(status)) throw new Error('the shell session lost its place');
      return { code: Number(status), signal: null, stdout, stderr, durationMs: Date.now() - started };
    } catch (err) {
      const message = (err as Error).message;
      session.close();
      this.session = undefined;
      if (err instanceof OutputLimitError) {
        // The session is closed (see SshCommandStream): the next command starts a fresh shell.
        return {
          code: null,
          signal: null,
          stdout: '',
          stderr: `${message}; its shell session was closed`,
          durationMs: Date.now() - started,
          lost: 'output-limit',
        };
      }
      // Anchored: an ended session's message quotes the host's stderr, which may say anything.
      const timedOut = /^no answer within /.test(message);
      return {
        code: null,
        signal: null,
        stdout: '',
        stderr: timedOut ? `no answer within ${timeoutMs} ms` : `connection lost: ${message}`,
        durationMs: Date.now() - started,
        lost: timedOut ? 'timeout' : 'connection-lost',
      };
    }
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
