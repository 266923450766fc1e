import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { TransportError } from './connection';
import { handshake, hopLabel, tcpSocket, type Credentials, type HandshakeOptions, type Hop } from './handshake';
import { describeTarget, type SshTarget } from './target';

/** One open connection to a jump host, shared by every route through it. */
export interface JumpLink {
  hop: SshTarget;
  /** The previous jump host, whose channel carries this one. */
  parent: JumpLink | undefined;
  /** Why the connection ended, once it has. */
  lost: Error | undefined;
  /** Leases held: hosts' connections and the next hops' links. */
  users: number;
  closed: boolean;
  /** Closes the link when it has stood unused for IDLE_MS. */
  idle?: NodeJS.Timeout;
  key: string;
  client: Client;
  /** The TCP socket or parent channel this connection runs over: destroyed at once when it drops. */
  sock: Duplex;
}

/** How long an unused bastion connection is kept for the next host behind it. */
const IDLE_MS = 60_000;

/** SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 §5.1), for servers that send no description. */
const OPEN_FAILURES: Record<number, string> = {
  1: 'administratively prohibited (AllowTcpForwarding or PermitOpen on the bastion)',
  2: 'connect failed',
  3: 'unknown channel type',
  4: 'resource shortage',
};

/** Why a bastion would not open a channel: its own words, else what its reason code means. */
export function openFailure(err: Error | undefined): string {
  if (!err) return 'no channel';
  const said = err.message.replace(/^\(SSH\) Channel open failure:\s*/, '').trim();
  const reason = (err as Error & { reason?: unknown }).reason;
  return said || (typeof reason === 'number' ? OPEN_FAILURES[reason] : undefined) || err.message;
}

/** The first hop of a route whose bastion connection ended, as a sentence for the verdict. */
export function lostHop(link: JumpLink | undefined): string | undefined {
  const chain: JumpLink[] = [];
  for (let l = link; l; l = l.parent) chain.unshift(l);
  const dropped = chain.find((l) => l.lost || l.sock.destroyed);
  if (!dropped) return undefined;
  const why = dropped.lost?.message ?? 'its connection closed';
  return `the connection to bastion ${dropped.hop.name} (${describeTarget(dropped.hop)}) was lost: ${why}`;
}

/**
 * One SSH connection per jump host (per route prefix: a second hop reached through the same first
 * hop is the same link), shared by every host behind it. Leases are counted: a link unused for
 * IDLE_MS closes, and so do all at close(); a later connect opens a fresh one. Concurrent connects (the
 * preflight connects many hosts at once) wait on the same handshake instead of opening their own.
 */
export class JumpPool {
  private readonly links = new Map<string, Promise<JumpLink>>();

  constructor(
    private readonly options: HandshakeOptions,
    private readonly credentials: Credentials,
  ) {}

  /** The link to the last hop of `chain`, leased: give it back with release(). */
  async lease(chain: SshTarget[], destination: SshTarget): Promise<JumpLink> {
    return this.acquire(chain, chain.length - 1, destination);
  }

  /**
   * Gives a lease back. A link nobody uses stays open for IDLE_MS: the rollout releases a host's
   * connection between preflight and its turn (transport/lease.ts), and the next host's turn
   * should find the bastion connection still there, not handshake with the bastion again.
   */
  release(link: JumpLink): void {
    link.users -= 1;
    if (link.users > 0 || link.closed) return;
    clearTimeout(link.idle);
    link.idle = setTimeout(() => link.users === 0 && this.shut(link), IDLE_MS);
    // The timer alone must not keep the process alive (close() ends links at the end of a run).
    link.idle.unref();
  }

  /** Closes every link now: the run is over. */
  async close(): Promise<void> {
    const links = await Promise.allSettled([...this.links.values()]);
    for (const l of links) if (l.status === 'fulfilled') this.shut(l.value);
  }

  private shut(link: JumpLink): void {
    if (link.closed) return;
    link.closed = true;
    clearTimeout(link.idle);
    this.forget(link);
    link.client.end();
    if (link.parent) this.release(link.parent);
  }

  /**
   * A channel from `link`'s jump host to `next` (direct-tcpip, as `ssh -W`), bounded by
   * connect-timeout: a bastion that cannot reach the next hop may take minutes to say so.
   */
  forward(link: JumpLink, next: Hop): Promise<Duplex> {
    const target = next.target;
    const unreachable = (why: string): string =>
      `${next.role === 'bastion' ? 'bastion ' : ''}${target.name} unreachable from ${link.hop.name}: ${link.hop.name} (${describeTarget(link.hop)}) could not open a connection to ${describeTarget(target)}: ${why}.`;
    return new Promise<Duplex>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TransportError('timeout', unreachable(`no answer within ${this.options.connectTimeoutMs} ms`))),
        this.options.connectTimeoutMs,
      );
      const done = (err: Error | undefined, channel?: Duplex): void => {
        clearTimeout(timer);
        if (err || !channel) {
          const lost = lostHop(link);
          reject(new TransportError('unreachable', lost ? `${hopLabel(next)}: ${lost}` : unreachable(openFailure(err))));
        } else resolve(channel);
      };
      try {
        link.client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, channel) => done(err ?? undefined, channel));
      } catch (err) {
        done(err as Error);
      }
    });
  }

  private forget(link: JumpLink): void {
    // Only this link's own entry: a fresh link may already stand under the same key.
    void this.links.get(link.key)?.then((current) => current === link && this.links.delete(link.key));
  }

  private async acquire(chain: SshTarget[], index: number, destination: SshTarget): Promise<JumpLink> {
    const key = chain
      .slice(0, index + 1)
      .map(describeTarget)
      .join(' > ');
    for (;;) {
      let pending = this.links.get(key);
      if (!pending) {
        pending = this.open(chain, index, key, destination);
        this.links.set(key, pending);
        const mine = pending;
        pending.catch(() => this.links.get(key) === mine && this.links.delete(key));
      }
      const link = await pending;
      // Closed between the handshake and now (its last user left, or it dropped): open another.
      if (link.closed || link.lost) {
        if (this.links.get(key) === pending) this.links.delete(key);
        continue;
      }
      link.users += 1;
      clearTimeout(link.idle);
      return link;
    }
  }

  private async open(chain: SshTarget[], index: number, key: string, destination: SshTarget): Promise<JumpLink> {
    const target = chain[index] as SshTarget;
    const parent = index > 0 ? await this.acquire(chain, index - 1, destination) : undefined;
    const hop: Hop = {
      target,
      role: 'bastion',
      destination,
      index: index + 1,
      of: chain.length + 1,
      ...(parent ? { via: parent.hop } : {}),
    };
    try {
      const sock = parent ? await this.forward(parent, hop) : tcpSocket(target);
      const client = await handshake(hop, sock, this.options, this.credentials);
      const link: JumpLink = { hop: target, parent, lost: undefined, users: 0, closed: false, key, client, sock };
      const lose = (err?: Error): void => {
        link.lost ??= err ?? new Error('the connection closed');
        this.forget(link);
      };
      client.on('error', lose);
      client.on('close', () => lose());
      client.on('end', () => lose());
      return link;
    } catch (err) {
      if (parent) this.release(parent);
      throw err;
    }
  }
}
