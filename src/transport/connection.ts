import type { SshTarget } from './target';

/** What one remote command did. Exit semantics are left to the caller (see remote/remote-host.ts). */
export interface ExecResult {
  /** Exit status, or null when the command died of a signal or the channel dropped. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /**
   * Set when the transport, not the command, ended it. `output-limit`: the command printed more
   * than OUTPUT_LIMIT_BYTES on one stream and was cut off (stdout and stderr are then empty but
   * for the reason).
   */
  lost?: 'timeout' | 'connection-lost' | 'output-limit';
}

/**
 * A long-running remote command spoken to through its stdin/stdout, e.g. an interactive admin
 * socket. Saves a login shell per request where a load balancer is asked many small questions.
 */
export interface CommandStream {
  write(text: string): void;
  /**
   * Output of `stream` (stdout by default) up to, not including, `delimiter`; rejects when the
   * session ends, time runs out, or more than OUTPUT_LIMIT_BYTES wait on the stream
   * (OutputLimitError), and in the last two cases closes the session.
   */
  readUntil(delimiter: string, timeoutMs: number, stream?: 'stdout' | 'stderr'): Promise<string>;
  readonly open: boolean;
  close(): void;
}

/** One open SSH connection to one host, reused for every phase on that host. */
export interface Connection {
  readonly target: SshTarget;
  /**
   * Runs `command` through the remote user's shell. `timeoutMs` is a backstop on this side: the
   * command builders also bound the command on the host, so a hang is killed there, not abandoned.
   * `stdin`, when given, is written to the command's stdin; then stdin is closed (EOF).
   */
  exec(command: string, options: { timeoutMs: number; stdin?: string }): Promise<ExecResult>;
  /** Starts `command` and keeps it running, spoken to through its stdin and stdout. */
  stream(command: string): Promise<CommandStream>;
  /**
   * A channel straight to a UNIX socket on the host (OpenSSH's streamlocal forwarding), spoken to
   * like a stream: no login shell and no process on the host. Rejects where the server refuses it
   * (forwarding disabled, no access to the socket as this user). Absent where the transport has none.
   */
  openSocket?(path: string): Promise<CommandStream>;
  close(): Promise<void>;
  /**
   * Where the connection can be given up between uses (transport/lease.ts): closes it now, and the
   * next command connects again. Absent on a plain connection.
   */
  release?(): Promise<void>;
  /** True once the connection has ended (reset, keepalive timeout, closed by the host). */
  readonly lost?: boolean;
}

/** Opens connections. The rollout sees only this and Connection, never the SSH library. */
export interface Connector {
  connect(target: SshTarget): Promise<Connection>;
  /**
   * Closes what the connector keeps between connections (idle jump-host connections); called once
   * a run has closed its own connections. Absent where nothing is kept.
   */
  close?(): Promise<void>;
}

export type TransportFailure = 'host-key' | 'auth' | 'unreachable' | 'timeout' | 'connection-lost';

/** A connection that could not be made or kept; the message names the target and the cause. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
