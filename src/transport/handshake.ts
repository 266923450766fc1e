import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { TransportError } from './connection';
import { KnownHosts, type HostKeyVerdict } from './known-hosts';
import { ackPromptly } from './prompt-ack';
import { describeTarget, knownHostsKey, type SshTarget } from './target';

export type HostKeyPolicy = { mode: 'strict'; knownHosts: KnownHosts } | { mode: 'off' };

/** A private key (with its passphrase) or an ssh-agent socket. */
export interface Credentials {
  privateKey?: string;
  passphrase?: string;
  /** An ssh-agent socket, used when no private key is given. */
  agent?: string;
}

export interface HandshakeOptions {
  hostKeys: HostKeyPolicy;
  /** Applies to each hop on its own: a TCP connect (or a bastion's channel) plus the SSH handshake. */
  connectTimeoutMs: number;
  /** Keepalive probe interval; three missed probes end the connection. */
  keepaliveMs: number;
}

/** Where in a route a handshake happens, so every message names the hop it is about. */
export interface Hop {
  target: SshTarget;
  /** A jump host on the way to `destination`, or the destination itself. */
  role: 'bastion' | 'host';
  /** The jump host whose channel carries this handshake; absent for a direct TCP connection. */
  via?: SshTarget;
  /** The host the whole route leads to (for a host: itself). */
  destination: SshTarget;
  /** 1-based position in the route and its length (bastions + the destination). */
  index: number;
  of: number;
}

/** `bastion b1 (user@addr:22), hop 1 of 2 to web-1` or `web-1 (user@addr:22)`. */
export function hopLabel(hop: Hop, address = describeTarget(hop.target)): string {
  if (hop.role === 'host') return `${hop.target.name} (${address})`;
  return `bastion ${hop.target.name} (${address}), hop ${hop.index} of ${hop.of} to ${hop.destination.name}`;
}

/** What to say when only a @cert-authority line names the host (host certificates are not checked). */
function certAuthorityNote(target: SshTarget, lines: number[] | undefined): string {
  if (!lines?.length) return '';
  const port = target.port === 22 ? '' : `-p ${target.port} `;
  return ` known-hosts names it only in a @cert-authority line (line ${lines.join(', ')}), and this action does not check host certificates: add the host's own key line instead, e.g. from \`ssh-keyscan ${port}${target.host}\` run from a trusted network.`;
}

export function hostKeyMessage(hop: Hop, verdict: Exclude<HostKeyVerdict, { ok: true }>): string {
  const { target } = hop;
  const where = hopLabel(hop, knownHostsKey(target));
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

function classify(hop: Hop, err: unknown): TransportError {
  const message = err instanceof Error ? err.message : String(err);
  const level = (err as { level?: string } | null)?.level;
  const { target } = hop;
  const who = hopLabel(hop);
  const through = hop.via ? ` through bastion ${hop.via.name}` : '';
  if (level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    const refused = `the server did not accept the private key for user '${target.user}'.`;
    if (hop.role === 'bastion') return new TransportError('auth', `bastion refused the key: ${who}: ${refused}`);
    return new TransportError('auth', `SSH authentication refused by ${who}${through}: ${refused}`);
  }
  const timedOut = /timed out/i.test(message);
  if (hop.role === 'bastion') return new TransportError(timedOut ? 'timeout' : 'unreachable', `bastion unreachable: ${who}: ${message}.`);
  if (timedOut) return new TransportError('timeout', `SSH connection to ${who}${through} timed out: ${message}.`);
  return new TransportError('unreachable', `Cannot connect to ${who}${through}: ${message}.`);
}

/** A TCP connection to `target` with TCP_NODELAY from the first packet. */
export function tcpSocket(target: SshTarget): Socket {
  // Our own socket, so TCP_NODELAY holds from the first packet: the handshake and every command
  // are small request/response exchanges, and with Nagle's algorithm meeting delayed ACKs each
  // one stalls ~40 ms (a key-auth handshake took 240 ms instead of 60). ssh2 waits for the
  // connect and applies readyTimeout to it.
  const sock = new Socket();
  sock.setNoDelay(true);
  sock.connect({ host: target.host, port: target.port });
  return sock;
}

function configFor(hop: Hop, sock: Duplex, options: HandshakeOptions, credentials: Credentials): ConnectConfig & { privateKey?: string } {
  const { target } = hop;
  const config: ConnectConfig & { privateKey?: string } = {
    sock: sock as ConnectConfig['sock'],
    host: target.host,
    port: target.port,
    username: target.user,
    readyTimeout: options.connectTimeoutMs,
    keepaliveInterval: options.keepaliveMs,
    keepaliveCountMax: 3,
  };
  const policy = options.hostKeys;
  if (policy.mode === 'strict') {
    const algorithms = policy.knownHosts.algorithmsFor(target);
    if (algorithms) config.algorithms = { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
  }
  if (credentials.privateKey) {
    config.privateKey = credentials.privateKey;
    if (credentials.passphrase) config.passphrase = credentials.passphrase;
  } else if (credentials.agent) {
    config.agent = credentials.agent;
  }
  return config;
}

/**
 * ssh2's client, connected: settled by 'ready', or by the first 'error' or a 'close' before it.
 * Once ready, its listeners go and the connection's owner adds its own (SshConnection). A client
 * that failed may report more as its socket goes ("Connection lost before handshake"): the same
 * failure, already thrown, and without a listener an uncaught exception.
 */
function connectClient(config: ConnectConfig): Promise<Client> {
  const client = new Client();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      client.off('ready', ready).off('error', settle).off('close', closed);
      if (err) {
        client.on('error', () => undefined);
        client.end();
        reject(err);
      } else resolve(client);
    };
    const ready = (): void => settle();
    const closed = (): void => settle(new Error('No response from server'));
    client.on('ready', ready).on('error', settle).on('close', closed);
    client.connect(config);
  });
}

/**
 * The SSH handshake with one hop over `sock` (a TCP socket, or a channel of the previous hop):
 * strict host key against known-hosts by the hop's own address, then key or agent auth. Failures
 * become TransportErrors that name the hop and the address tried.
 */
export async function handshake(hop: Hop, sock: Duplex, options: HandshakeOptions, credentials: Credentials): Promise<Client> {
  const policy = options.hostKeys;
  let rejected: Exclude<HostKeyVerdict, { ok: true }> | undefined;
  const config = configFor(hop, sock, options, credentials);
  config.hostVerifier = (key: Buffer) => {
    if (policy.mode === 'off') return true;
    const verdict = policy.knownHosts.verify(hop.target, key);
    if (!verdict.ok) rejected = verdict;
    return verdict.ok;
  };
  try {
    const client = await connectClient(config);
    // Over TCP only. Through a jump host this acknowledges the jump host's bursts (its sshd only
    // forwards, with Nagle on for good); the leg from it to the host is its own kernel's affair.
    if (sock instanceof Socket) ackPromptly(client, sock);
    return client;
  } catch (err) {
    sock.destroy();
    if (rejected) throw new TransportError('host-key', hostKeyMessage(hop, rejected));
    throw classify(hop, err);
  }
}
