import { TransportError, type CommandStream, type Connection, type Connector, type ExecResult } from './connection';
import type { SshTarget } from './target';

/**
 * One host's connection, held only while the host is worked on. A rollout of hundreds of hosts
 * must not keep hundreds of idle SSH connections (each a socket, a keepalive timer and ssh2's
 * buffers on the runner, and a session on the host) for the whole run: preflight connects, checks
 * and `release()`s a bounded number at a time, and the host's turn connects again when it comes.
 *
 * Every (re)connection goes through the same Connector, so it is verified exactly as the first:
 * with strict host keys, a host whose key changed between preflight and its turn is refused.
 *
 * Only an explicit release reconnects. A host's connection lost mid-turn stays lost (its commands
 * report `connection-lost`): a turn does not silently resume on a new connection; the next turn
 * releases a lost one first (RemoteHost.reconnectIfLost). The load balancer's lease is released so
 * by its lock's heartbeat and at the run's safe points (rollout/lock-hold.ts), each time with its
 * lock renewed before anything relies on it.
 */
export class ConnectionLease implements Connection {
  private current: Promise<Connection> | null = null;
  /** The held connection once made (null while connecting or when none is held). */
  private made: Connection | null = null;
  private released = false;
  /** The connection given up last had been lost, not merely released: said if connecting again fails. */
  private lostBefore = false;
  private closed = false;
  /** Connections made by this lease so far (the first, then one per turn after a release). */
  connects = 0;

  constructor(
    private readonly connector: Connector,
    readonly target: SshTarget,
  ) {}

  /** True when the held connection has ended; a release then lets the next command connect again. */
  get lost(): boolean {
    return this.made?.lost === true;
  }

  /** True while a connection is held (or being made). */
  get held(): boolean {
    return this.current !== null;
  }

  /** Connects unless a connection is held; concurrent callers share one attempt. */
  acquire(): Promise<Connection> {
    if (this.closed) return Promise.reject(new TransportError('connection-lost', `the connection to ${this.target.name} was closed`));
    if (this.current) return this.current;
    const again = this.released;
    this.connects += 1;
    const attempt = this.connector.connect(this.target).then(
      (c) => {
        if (this.current === attempt) this.made = c;
        return c;
      },
      (err: unknown) => {
        if (this.current === attempt) this.current = null;
        // Said once: the first connection worked, so the operator knows where to look.
        if (again && err instanceof TransportError) {
          const why = this.lostBefore ? 'the connection had been lost' : 'the connection made in preflight was released';
          throw new TransportError(err.kind, `${err.message} (on reconnecting: ${why})`);
        }
        throw err;
      },
    );
    this.current = attempt;
    return attempt;
  }

  async exec(command: string, options: { timeoutMs: number }): Promise<ExecResult> {
    return (await this.acquire()).exec(command, options);
  }

  async stream(command: string): Promise<CommandStream> {
    return (await this.acquire()).stream(command);
  }

  async openSocket(path: string): Promise<CommandStream> {
    const connection = await this.acquire();
    if (!connection.openSocket) throw new Error('this connection cannot open a socket channel');
    return connection.openSocket(path);
  }

  /** Closes the held connection; the next command connects again. Never throws. */
  async release(): Promise<void> {
    const held = this.current;
    if (held) this.lostBefore = this.made?.lost === true;
    this.current = null;
    this.made = null;
    if (!held) return;
    this.released = true;
    await held.then((c) => c.close()).catch(() => undefined);
  }

  /** Closes for good: later commands fail instead of reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }
}
