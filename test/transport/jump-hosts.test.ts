/**
 * Jump hosts (bastions) against real in-process ssh2 servers: a server acting as bastion accepts
 * direct-tcpip channels and connects them over real TCP to another in-process server, as sshd with
 * AllowTcpForwarding does. Strict host keys at every hop, errors naming the hop and the address
 * tried, one shared bastion connection (counted on the bastion's side), and a bastion lost
 * mid-command. What this leaves to the fleet (test/fleet/bastion.test.ts): OpenSSH's own sshd as
 * the bastion, and a real rollout through it.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownHosts, parseKnownHosts, fingerprint } from '../../src/transport/known-hosts';
import { TransportError, type Connection } from '../../src/transport/connection';
import { openFailure } from '../../src/transport/jump-pool';
import { SshConnector, type HostKeyPolicy, type SshOptions } from '../../src/transport/ssh-connector';
import type { SshTarget } from '../../src/transport/target';
import { sshKeygen } from '../support/keys';
import { perTestServers } from '../support/per-test-servers';
import type { TestSshServer } from '../support/ssh-server';

const hostKey = sshKeygen('ed25519');
const bastionKey = sshKeygen('ed25519');
const otherKey = sshKeygen('ed25519');
const clientKey = sshKeygen('ed25519', { comment: 'zdr-test' });
const jumpKey = sshKeygen('ed25519', { comment: 'zdr-jump' });

const unhandled: string[] = [];
const onRejection = (reason: unknown): void => void unhandled.push(`unhandledRejection: ${String((reason as Error)?.stack ?? reason)}`);
beforeAll(() => void process.on('unhandledRejection', onRejection));
afterAll(() => void process.off('unhandledRejection', onRejection));

const { cleanups, server } = perTestServers({ hostKey: hostKey.private, authorizedKey: clientKey.public }, 'zdr-jump-');
const anywhere = (): boolean => true;

/** A bastion: its own host key, forwarding allowed (to every destination unless told otherwise). */
function bastion(options: Parameters<typeof server>[0] = {}): Promise<TestSshServer> {
  return server({ hostKeys: [bastionKey.private], permitOpen: anywhere, ...options });
}

function hop(s: { port: number }, name: string): SshTarget {
  return { host: '127.0.0.1', port: s.port, user: 'deploy', name };
}

function host(s: { port: number }, name: string, jump: SshTarget[]): SshTarget {
  return { ...hop(s, name), jump };
}

function strict(...servers: TestSshServer[]): HostKeyPolicy {
  const parsed = parseKnownHosts(servers.flatMap((s) => s.hostKeyLines()).join('\n'));
  return { mode: 'strict', knownHosts: new KnownHosts(parsed.entries) };
}

/** known_hosts that pins `wrong` to `server`'s address (a changed key at that hop) and the rest right. */
function strictWithWrongKey(wrong: TestSshServer, ...right: TestSshServer[]): HostKeyPolicy {
  const pinned = `[127.0.0.1]:${wrong.port} ${otherKey.public.split(' ').slice(0, 2).join(' ')}`;
  const parsed = parseKnownHosts([pinned, ...right.flatMap((s) => s.hostKeyLines())].join('\n'));
  return { mode: 'strict', knownHosts: new KnownHosts(parsed.entries) };
}

function connector(hostKeys: HostKeyPolicy, extra: Partial<SshOptions> = {}): SshConnector {
  return new SshConnector({ privateKey: clientKey.private, hostKeys, connectTimeoutMs: 3000, keepaliveMs: 5000, ...extra });
}

async function connect(c: SshConnector, t: SshTarget): Promise<Connection> {
  const connection = await c.connect(t);
  cleanups.push(() => connection.close());
  return connection;
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const err = await promise.then(
    () => new Error('expected the connect to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof TransportError)) throw err;
  return err;
}

/** The SHA256 fingerprint of a public key line, as the product prints it. */
function printOf(publicLine: string): string {
  return fingerprint(Buffer.from(publicLine.split(' ')[1] as string, 'base64'));
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const probe: NetServer = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('through one bastion', () => {
  it('runs a command on the host through a channel of the bastion, which forwarded to the host’s address', async () => {
    const b = await bastion();
    const web = await server();
    const c = await connect(connector(strict(b, web)), host(web, 'web-1', [hop(b, 'bastion-1')]));
    const result = await c.exec('echo through', { timeoutMs: 5000 });
    expect(result).toMatchObject({ code: 0, stdout: 'through\n' });
    expect(b.forwards).toEqual([`127.0.0.1:${web.port}`]);
    expect(b.execs).toEqual([]); // the bastion ran nothing: it only forwarded
  });

  it('shares one bastion connection among several hosts (counted on the bastion) and closes it after the last', async () => {
    const b = await bastion();
    const webs = await Promise.all([server(), server(), server()]);
    const c = connector(strict(b, ...webs));
    const via = [hop(b, 'bastion-1')];
    // Concurrently, as the preflight connects: one handshake with the bastion, not three.
    const connections = await Promise.all(webs.map((w, i) => connect(c, host(w, `web-${i + 1}`, via))));
    const outputs = await Promise.all(connections.map((conn) => conn.exec('echo $$', { timeoutMs: 5000 })));
    expect(outputs.every((o) => o.code === 0)).toBe(true);
    expect(b.connections).toBe(1);
    expect(b.forwards).toHaveLength(3);
    for (const conn of connections) await conn.close();
    // Every lease given back: the bastion connection is closed, and a later connect opens a fresh one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await connect(c, host(webs[0] as TestSshServer, 'web-1', via));
    expect((await again.exec('true', { timeoutMs: 5000 })).code).toBe(0);
    expect(b.connections).toBe(2);
  });

  it('uses jump credentials at the bastion and the hosts’ key at the host', async () => {
    const b = await bastion({ authorizedKey: jumpKey.public });
    const web = await server();
    const c = connector(strict(b, web), { jumpCredentials: { privateKey: jumpKey.private } });
    const conn = await connect(c, host(web, 'web-1', [hop(b, 'bastion-1')]));
    expect((await conn.exec('echo ok', { timeoutMs: 5000 })).stdout).toBe('ok\n');
  });

  it('bastion refused the key: named, with the address tried, and nothing reached behind it', async () => {
    const b = await bastion({ authorizedKey: otherKey.public });
    const web = await server();
    const err = await failure(connector(strict(b, web)).connect(host(web, 'web-1', [hop(b, 'bastion-1')])));
    expect(err.kind).toBe('auth');
    expect(err.message).toBe(
      `bastion refused the key: bastion bastion-1 (deploy@127.0.0.1:${b.port}), hop 1 of 2 to web-1: the server did not accept the private key for user 'deploy'.`,
    );
    expect(web.connections).toBe(0);
  });

  it('bastion unreachable: named, with the address tried', async () => {
    const port = await closedPort();
    const web = await server();
    const err = await failure(connector(strict(web)).connect(host(web, 'web-1', [{ ...hop({ port }, 'bastion-1') }])));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(
      new RegExp(`^bastion unreachable: bastion bastion-1 \\(deploy@127\\.0\\.0\\.1:${port}\\), hop 1 of 2 to web-1: .*ECONNREFUSED`),
    );
  });

  it('host unreachable from the bastion: names both, the address tried, and the bastion’s reason', async () => {
    const b = await bastion();
    const port = await closedPort();
    const err = await failure(connector(strict(b)).connect(host({ port }, 'web-3', [hop(b, 'bastion-1')])));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(
      `web-3 unreachable from bastion-1: bastion-1 (deploy@127.0.0.1:${b.port}) could not open a connection to deploy@127.0.0.1:${port}: connect failed.`,
    );
  });

  it('a channel refusal says what its reason code means when the bastion sends no words (ssh2) and keeps OpenSSH’s', () => {
    const refusal = (message: string, reason: number): Error => Object.assign(new Error(message), { reason });
    expect(openFailure(refusal('(SSH) Channel open failure: ', 1))).toBe(
      'administratively prohibited (AllowTcpForwarding or PermitOpen on the bastion)',
    );
    expect(openFailure(refusal('(SSH) Channel open failure: administratively prohibited: open failed', 1))).toBe(
      'administratively prohibited: open failed',
    );
    expect(openFailure(refusal('(SSH) Channel open failure: Connection refused', 2))).toBe('Connection refused');
    expect(openFailure(refusal('(SSH) Channel open failure: ', 2))).toBe('connect failed');
  });

  it('connect-timeout applies to the hop behind the bastion too: a destination that never speaks SSH times out', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => void accepted.push(socket)); // accepts TCP, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of accepted) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const b = await bastion();
    const started = Date.now();
    const port = (silent.address() as { port: number }).port;
    const err = await failure(connector(strict(b), { connectTimeoutMs: 800 }).connect(host({ port }, 'web-1', [hop(b, 'bastion-1')])));
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(
      new RegExp(`^SSH connection to web-1 \\(deploy@127\\.0\\.0\\.1:${port}\\) through bastion bastion-1 timed out`),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a bastion lost mid-command fails the command with a verdict naming the bastion; the next command fails fast', async () => {
    const b = await bastion();
    const web = await server();
    const conn = await connect(connector(strict(b, web)), host(web, 'web-1', [hop(b, 'bastion-1')]));
    const running = conn.exec('sleep 5; echo finished', { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    b.dropConnections(); // the bastion crashes: its client socket and its forwarded sockets go
    const result = await running;
    expect(result.lost).toBe('connection-lost');
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`connection lost: the connection to bastion bastion-1 \\(deploy@127\\.0\\.0\\.1:${b.port}\\) was lost`),
    );
    expect(result.durationMs).toBeLessThan(3000);
    const next = await conn.exec('true', { timeoutMs: 5000 });
    expect(next.lost).toBe('connection-lost');
    expect(next.stderr).toMatch(/bastion bastion-1/);
  });
});

describe('strict host keys at every hop', () => {
  it('a changed bastion key (hop 1) is refused with the fingerprint offered; nothing behind it is reached', async () => {
    const b = await bastion();
    const web = await server();
    const err = await failure(connector(strictWithWrongKey(b, web)).connect(host(web, 'web-1', [hop(b, 'bastion-1')])));
    expect(err.kind).toBe('host-key');
    expect(err.message).toBe(
      `Host key verification failed for bastion bastion-1 ([127.0.0.1]:${b.port}), hop 1 of 2 to web-1: the server offered ssh-ed25519 ${printOf(bastionKey.public)}, which does not match. known-hosts has: ssh-ed25519 ${printOf(otherKey.public)}. The host was reinstalled, or someone is in the middle.`,
    );
    expect(b.forwards).toEqual([]);
    expect(web.connections).toBe(0);
  });

  it('a changed key at hop 2 of a two-bastion chain is refused naming hop 2; the host is never reached', async () => {
    const b1 = await bastion();
    const b2 = await bastion();
    const web = await server();
    const chain = [hop(b1, 'bastion-1'), hop(b2, 'bastion-2')];
    const err = await failure(connector(strictWithWrongKey(b2, b1, web)).connect(host(web, 'web-1', chain)));
    expect(err.kind).toBe('host-key');
    expect(err.message).toMatch(
      new RegExp(
        `^Host key verification failed for bastion bastion-2 \\(\\[127\\.0\\.0\\.1\\]:${b2.port}\\), hop 2 of 3 to web-1: the server offered ssh-ed25519 ${printOf(bastionKey.public).replace(/[+/]/g, '\\$&')}, which does not match`,
      ),
    );
    expect(b1.forwards).toEqual([`127.0.0.1:${b2.port}`]);
    expect(b2.forwards).toEqual([]);
    expect(web.connections).toBe(0);
  });

  it('a changed key at the host behind the bastion is refused as for a direct host', async () => {
    const b = await bastion();
    const web = await server();
    const err = await failure(connector(strictWithWrongKey(web, b)).connect(host(web, 'web-1', [hop(b, 'bastion-1')])));
    expect(err.kind).toBe('host-key');
    expect(err.message).toMatch(
      new RegExp(
        `^Host key verification failed for web-1 \\(\\[127\\.0\\.0\\.1\\]:${web.port}\\): the server offered ssh-ed25519 ${printOf(hostKey.public).replace(/[+/]/g, '\\$&')}`,
      ),
    );
    expect(web.execs).toEqual([]);
  });

  it('a bastion missing from known-hosts is refused as unknown', async () => {
    const b = await bastion();
    const web = await server();
    const err = await failure(connector(strict(web)).connect(host(web, 'web-1', [hop(b, 'bastion-1')])));
    expect(err.message).toMatch(
      /^Host key verification failed for bastion bastion-1 .*: known-hosts has no entry for \[127\.0\.0\.1\]:\d+\./,
    );
  });

  it('a two-hop chain with the right keys works, and both bastions are shared by two hosts', async () => {
    const b1 = await bastion();
    const b2 = await bastion();
    const webs = await Promise.all([server(), server()]);
    const c = connector(strict(b1, b2, ...webs));
    const chain = [hop(b1, 'bastion-1'), hop(b2, 'bastion-2')];
    const conns = await Promise.all(webs.map((w, i) => connect(c, host(w, `web-${i + 1}`, chain))));
    for (const conn of conns) expect((await conn.exec('echo two-hop', { timeoutMs: 5000 })).stdout).toBe('two-hop\n');
    expect([b1.connections, b2.connections]).toEqual([1, 1]);
  });

  it('host-key-check off accepts any key at every hop', async () => {
    const b = await bastion();
    const web = await server();
    const conn = await connect(connector({ mode: 'off' }), host(web, 'web-1', [hop(b, 'bastion-1')]));
    expect((await conn.exec('echo off', { timeoutMs: 5000 })).stdout).toBe('off\n');
  });
});

describe('process health', () => {
  it('no unhandled rejection happened in this file', () => {
    expect(unhandled).toEqual([]);
  });
});
