/**
 * The in-process SSH server the transport tests stand on: it must deliver a command's output the
 * way sshd does, or a hang in a test is the server's and not the product's.
 */
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { sshKeygen } from '../support/keys';
import { perTestServers } from '../support/per-test-servers';

const hostKey = sshKeygen('ed25519');
const clientKey = sshKeygen('ed25519', { comment: 'zdr-test' });
const { cleanups, server } = perTestServers({ hostKey: hostKey.private, authorizedKey: clientKey.public }, 'zdr-server-');

describe('the test SSH server', () => {
  it('sends stderr written while stdout waits for the client to open its window', async () => {
    const s = await server();
    const client = new ssh2.Client();
    cleanups.push(() => void client.end());
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({ host: '127.0.0.1', port: s.port, username: 'deploy', privateKey: clientKey.private });
    });
    const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
      client.exec('head -c 6000000 /dev/zero; printf end >&2', (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    // Read nothing for a while: the client's 2 MiB window fills, a stdout chunk waits for it, and the
    // stderr text arrives behind it. ssh2's own server then resumed only stdout.
    await new Promise((r) => setTimeout(r, 500));
    let stdout = 0;
    let stderr = '';
    channel.on('data', (chunk: Buffer) => (stdout += chunk.length));
    channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 15_000);
      channel.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    expect({ stdout, stderr }).toEqual({ stdout: 6_000_000, stderr: 'end' });
  }, 30_000);
});
