/**
 * RemoteCommand.stdin against the real in-process SSH server (its exec requests run on this
 * machine): the text reaches the command's stdin through the long-lived shell (a here-document)
 * and through a channel per command, and never appears in a command line the server receives —
 * the lines that become some process's arguments.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RemoteHost } from '../../src/remote/remote-host';
import type { RemoteCommand } from '../../src/remote/commands';
import { KnownHosts, parseKnownHosts } from '../../src/transport/known-hosts';
import { SshConnector } from '../../src/transport/ssh-connector';
import { sshKeygen } from '../support/keys';
import { perTestServers } from '../support/per-test-servers';
import type { TestSshServer } from '../support/ssh-server';

const hostKey = sshKeygen('ed25519');
const clientKey = sshKeygen('ed25519', { comment: 'zdr-test' });
const { cleanups, server } = perTestServers({ hostKey: hostKey.private, authorizedKey: clientKey.public }, 'zdr-stdin-');

async function remoteOn(s: TestSshServer, sessions: boolean): Promise<RemoteHost> {
  const known = new KnownHosts(parseKnownHosts(s.hostKeyLines().join('\n')).entries);
  const connector = new SshConnector({
    privateKey: clientKey.private,
    hostKeys: { mode: 'strict', knownHosts: known },
    connectTimeoutMs: 3000,
    keepaliveMs: 5000,
  });
  const connection = await connector.connect({ host: '127.0.0.1', port: s.port, user: 'deploy', name: 'lb' });
  cleanups.push(() => connection.close());
  return new RemoteHost(connection, false, undefined, sessions);
}

/**
 * Reads its stdin and says what it read, what its stdin is (a pipe, not a file), and the arguments
 * of its parent (`timeout … sh -c SCRIPT zdr.KIND ARGS`: everything the command line carried).
 */
const reader = (stdin: string | undefined): RemoteCommand => ({
  kind: 'test-stdin',
  title: 'read stdin',
  timeoutMs: 10_000,
  script: `while IFS= read -r l; do printf 'got:%s\\n' "$l"; done; printf 'fd0:%s\\n' "$(readlink /proc/self/fd/0 | cut -d: -f1)"
printf 'argv:%s\\n' "$(tr '\\0' ' ' < /proc/$PPID/cmdline)" >&2`,
  args: ['an-argument'],
  ...(stdin === undefined ? {} : { stdin }),
});

describe.each([
  ['the long-lived shell (a here-document)', true],
  ['a channel per command', false],
])('stdin through %s', (_label, sessions) => {
  it('reaches the command, in a pipe, and is in no command line sent', async () => {
    const s = await server();
    const remote = await remoteOn(s, sessions);
    const secret = `Authorization: Bearer ${randomBytes(12).toString('hex')}`;
    const result = await remote.run(reader(`${secret}\nsecond line\n`));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^argv:timeout .* sh -c .* zdr\.test-stdin an-argument/s);
    expect(result.stderr).not.toContain(secret);
    const out = result.stdout;
    // The session's shell makes a pipe for the here-document; a channel of its own is whatever the
    // server connects the command's stdin with (this test server: a socket pair). Never a file.
    expect(out).toBe(`got:${secret}\ngot:second line\nfd0:${sessions ? 'pipe' : 'socket'}\n`);
    expect(s.execs.length).toBeGreaterThan(0);
    for (const line of s.execs) expect(line).not.toContain(secret);
    expect(remote.line(reader(`${secret}\n`))).not.toContain(secret);
    // A command without stdin reads EOF at once (in a session it cannot eat what follows), and the
    // session is still in step after the here-document.
    expect(await remote.check(reader(undefined))).toBe(sessions ? 'fd0:/dev/null\n' : 'fd0:socket\n');
    expect(await remote.check({ kind: 'test', title: 'next', timeoutMs: 5000, script: 'echo next' })).toBe('next\n');
  });
});
