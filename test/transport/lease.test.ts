/**
 * A released connection reconnects for the host's turn with the same strict host-key check: a host
 * whose key changed between preflight and its turn is refused, against a real ssh2 server.
 */
import { describe, expect, it } from 'vitest';
import { RemoteHost } from '../../src/remote/remote-host';
import { userCommand } from '../../src/remote/commands/exec';
import { KnownHosts, parseKnownHosts } from '../../src/transport/known-hosts';
import { ConnectionLease } from '../../src/transport/lease';
import { SshConnector } from '../../src/transport/ssh-connector';
import { sshKeygen } from '../support/keys';
import { perTestServers } from '../support/per-test-servers';

const hostKey = sshKeygen('ed25519');
const otherHostKey = sshKeygen('ed25519');
const clientKey = sshKeygen('ed25519', { comment: 'zdr-test' });
const { server, cleanups } = perTestServers({ hostKey: hostKey.private, authorizedKey: clientKey.public }, 'zdr-lease-');

describe('a leased connection', () => {
  it('runs commands, is released, and reconnects on a new TCP connection, checking the host key again', async () => {
    const first = await server();
    const knownHosts = new KnownHosts(parseKnownHosts(first.hostKeyLines().join('\n')).entries);
    const connector = new SshConnector({
      privateKey: clientKey.private,
      hostKeys: { mode: 'strict', knownHosts },
      connectTimeoutMs: 3000,
      keepaliveMs: 5000,
    });
    const target = { host: '127.0.0.1', port: first.port, user: 'deploy', name: 'web-1' };
    const lease = new ConnectionLease(connector, target);
    cleanups.push(() => lease.close());
    const remote = new RemoteHost(lease, false);
    const echo = userCommand('echo', 'echo hello', 5000);
    expect((await remote.run(echo)).stdout).toBe('hello\n');
    await remote.release();
    expect(lease.held).toBe(false);
    expect((await remote.run(echo)).stdout).toBe('hello\n');
    expect(first.connections).toBe(2);

    // The host is replaced on the same address and port by one with another key.
    await remote.release();
    await first.close();
    const impostor = await server({ hostKeys: [otherHostKey.private], port: first.port });
    const refused = await remote.run(echo).then(
      () => null,
      (err: Error) => err,
    );
    expect(refused?.message).toMatch(
      /^Host key verification failed for web-1 \(\[127\.0\.0\.1\]:\d+\): the server offered ssh-ed25519 SHA256:\S+, which does not match\..*\(on reconnecting: the connection made in preflight was released\)$/,
    );
    expect(impostor.execs).toEqual([]);
  });
});
