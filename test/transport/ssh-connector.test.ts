/**
 * The SSH transport against a real in-process ssh2 server whose exec requests really run on this
 * machine: host-key policy, authentication, connect failures, exit semantics through RemoteHost, the
 * host-side timeout, connection reuse and argument quoting end to end.
 */
import { sshKeygen } from '../support/keys';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteCommandError, RemoteHost } from '../../src/remote/remote-host';
import { LONG_LIVED_SHELL } from '../../src/remote/persistent-shell';
import type { RemoteCommand } from '../../src/remote/commands';
import { KnownHosts, parseKnownHosts } from '../../src/transport/known-hosts';
import { TransportError, type Connection } from '../../src/transport/connection';
import { SshConnector, type HostKeyPolicy, type SshOptions } from '../../src/transport/ssh-connector';
import type { SshTarget } from '../../src/transport/target';
import { perTestServers } from '../support/per-test-servers';
import type { TestSshServer } from '../support/ssh-server';

// ---------------------------------------------------------------------------------------------
// Keys: generated once per file; every test gets its own server and port.

const hostEd = sshKeygen('ed25519');
const hostEcdsa = sshKeygen('ecdsa', { bits: 256 });
const hostRsa = sshKeygen('rsa', { bits: 2048 });
const otherHostEd = sshKeygen('ed25519');
const clientKey = sshKeygen('ed25519', { comment: 'zdr-test' });
const strangerKey = sshKeygen('ed25519');
const PASSPHRASE = 'correct horse battery staple';
const encryptedClientKey = sshKeygen('ed25519', { passphrase: PASSPHRASE, cipher: 'aes256-ctr', rounds: 4 });

// ---------------------------------------------------------------------------------------------
// Process-level failures: anything recorded here fails the last test of the file.

const unhandled: string[] = [];
const onRejection = (reason: unknown): void => void unhandled.push(`unhandledRejection: ${String((reason as Error)?.stack ?? reason)}`);
const onException = (err: Error): void => void unhandled.push(`uncaughtException: ${err.stack ?? err.message}`);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

// ---------------------------------------------------------------------------------------------
// Per-test resources, closed after each test even when it failed.

const { cleanups, server, workDir } = perTestServers({ hostKey: hostEd.private, authorizedKey: clientKey.public }, 'zdr-transport-');

function target(port: number, user = 'deploy'): SshTarget {
  return { host: '127.0.0.1', port, user, name: 'web-1' };
}

function strict(knownHostsText: string): HostKeyPolicy {
  const parsed = parseKnownHosts(knownHostsText);
  expect(parsed.problems).toEqual([]);
  return { mode: 'strict', knownHosts: new KnownHosts(parsed.entries) };
}

function connector(hostKeys: HostKeyPolicy, extra: Partial<SshOptions> = {}): SshConnector {
  return new SshConnector({ privateKey: clientKey.private, hostKeys, connectTimeoutMs: 3000, keepaliveMs: 5000, ...extra });
}

async function connect(c: SshConnector, t: SshTarget): Promise<Connection> {
  const shell = await c.connect(t);
  cleanups.push(() => shell.close());
  return shell;
}

/** Connects with the server's own keys as known_hosts and returns a RemoteHost on it. */
/** A RemoteHost on the test server; `sessions: false` runs a channel per command (exec semantics). */
async function remoteOn(s: TestSshServer, sessions = false): Promise<RemoteHost> {
  const shell = await connect(connector(strict(s.hostKeyLines().join('\n'))), target(s.port));
  return new RemoteHost(shell, false, undefined, sessions);
}

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The key blob of an OpenSSH public key line. */
function blobOf(publicLine: string): Buffer {
  return Buffer.from(publicLine.trim().split(/\s+/)[1] as string, 'base64');
}

/** `SHA256:…` computed here, independently of src, the way `ssh-keygen -lf` prints it. */
function sha256Print(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A hashed known_hosts host field, as `ssh-keygen -H` writes it. */
function hashedHost(hostField: string): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(hostField).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/** PIDs whose full command line matches `pattern` (pgrep -f), without a shell in between. */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // exit 1: none
  }
}

async function waitFor(what: string, condition: () => boolean, withinMs = 3000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A number unique to this run, for `sleep N.xyz` markers that pgrep can find. */
function uniqueSeconds(whole: number): string {
  return `${whole}.${process.pid % 1000}${Math.floor(Math.random() * 1e6)}`;
}

const pidsToReap: number[] = [];
afterAll(() => {
  // Only if a test failed half-way: kill by PID exactly the marker processes the tests started.
  for (const pid of pidsToReap) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

// =============================================================================================

describe('host keys (strict)', () => {
  it('our fingerprint matches ssh-keygen -lf', () => {
    const printed = execFileSync('ssh-keygen', ['-lf', '-'], { input: `${hostEd.public}\n`, encoding: 'utf8' });
    expect(printed.split(/\s+/)[1]).toBe(sha256Print(blobOf(hostEd.public)));
  });

  it('connects with a matching plain known_hosts line and runs a command', async () => {
    const s = await server();
    const shell = await connect(connector(strict(s.hostKeyLines()[0] as string)), target(s.port));
    const result = await shell.exec('echo plain-ok', { timeoutMs: 5000 });
    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'plain-ok\n' });
  });

  it('connects with a hashed |1|salt|hash entry for [127.0.0.1]:PORT', async () => {
    const s = await server();
    const [, type, key] = (s.hostKeyLines()[0] as string).split(' ');
    const line = `${hashedHost(`[127.0.0.1]:${s.port}`)} ${type} ${key}`;
    // Control: the same hash for another port must not match that host.
    const wrongPort = `${hashedHost(`[127.0.0.1]:${s.port + 1}`)} ${type} ${key}`;
    const refused = await rejectionOf(connector(strict(wrongPort)).connect(target(s.port)));
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as TransportError).kind).toBe('host-key');

    const shell = await connect(connector(strict(line)), target(s.port));
    expect((await shell.exec('echo hashed-ok', { timeoutMs: 5000 })).stdout).toBe('hashed-ok\n');
  });

  it('refuses a mismatching key, naming the offered SHA256 fingerprint and the expected one', async () => {
    const s = await server();
    const known = `[127.0.0.1]:${s.port} ${otherHostEd.public.split(' ').slice(0, 2).join(' ')}`;
    const err = await rejectionOf(connector(strict(known)).connect(target(s.port)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('host-key');
    expect(err.message).toContain(`ssh-ed25519 ${sha256Print(blobOf(hostEd.public))}`);
    expect(err.message).toContain(sha256Print(blobOf(otherHostEd.public)));
    expect(err.message).toContain('does not match');
    expect(err.message).toContain('web-1');
    expect(s.execs).toEqual([]);
  });

  it('refuses a host with no entry, saying so and showing the fingerprint', async () => {
    const s = await server();
    const other = `[127.0.0.1]:${s.port + 1} ${hostEd.public.split(' ').slice(0, 2).join(' ')}\nelsewhere.example ${hostEd.public.split(' ').slice(0, 2).join(' ')}`;
    const err = await rejectionOf(connector(strict(other)).connect(target(s.port)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('host-key');
    expect(err.message).toMatch(/no entry for \[127\.0\.0\.1\]:\d+/);
    expect(err.message).toContain(`[127.0.0.1]:${s.port}`);
    expect(err.message).toContain(sha256Print(blobOf(hostEd.public)));
  });

  it('refuses a host known only through a @cert-authority line, saying what to add instead', async () => {
    const s = await server();
    const ca = `@cert-authority [127.0.0.1]:* ${strangerKey.public.split(' ').slice(0, 2).join(' ')}`;
    const err = await rejectionOf(connector(strict(ca)).connect(target(s.port)));
    expect((err as TransportError).kind).toBe('host-key');
    expect(err.message).toContain('@cert-authority line (line 1)');
    expect(err.message).toContain('does not check host certificates');
    expect(err.message).toContain(`ssh-keyscan -p ${s.port} 127.0.0.1`);
    expect(err.message).toContain(sha256Print(blobOf(hostEd.public)));
    expect(s.execs).toEqual([]);
  });

  it('refuses a key marked @revoked, even next to a trusted line for it', async () => {
    const s = await server();
    const line = s.hostKeyLines()[0] as string;
    const err = await rejectionOf(connector(strict(`@revoked ${line}`)).connect(target(s.port)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('host-key');
    expect(err.message).toContain('@revoked');
    expect(err.message).toContain(sha256Print(blobOf(hostEd.public)));

    const both = await rejectionOf(connector(strict(`${line}\n@revoked ${line}`)).connect(target(s.port)));
    expect((both as TransportError).kind).toBe('host-key');
    expect(both.message).toContain('@revoked');
  });

  it.each([
    ['ecdsa', hostEcdsa],
    ['rsa', hostRsa],
  ])("connects when known_hosts holds only the server's %s key while it also offers ed25519", async (_name, second) => {
    const s = await server({ hostKeys: [hostEd.private, second.private] });
    const lines = s.hostKeyLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('ssh-ed25519');
    const shell = await connect(connector(strict(lines[1] as string)), target(s.port));
    expect((await shell.exec('echo second-type-ok', { timeoutMs: 5000 })).stdout).toBe('second-type-ok\n');
  });

  it("mode 'off' accepts any host key", async () => {
    const s = await server();
    const shell = await connect(connector({ mode: 'off' }), target(s.port));
    expect((await shell.exec('echo off-ok', { timeoutMs: 5000 })).stdout).toBe('off-ok\n');
  });
});

describe('authentication', () => {
  it("refuses a key the server does not know, as kind 'auth' naming the user", async () => {
    const s = await server();
    const c = connector(strict(s.hostKeyLines().join('\n')), { privateKey: strangerKey.private });
    const err = await rejectionOf(c.connect(target(s.port, 'deploy')));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('auth');
    expect(err.message).toContain("'deploy'");
    expect(err.message).toContain('web-1');
  });

  it('refuses the right key for another user', async () => {
    const s = await server();
    const err = await rejectionOf(connector(strict(s.hostKeyLines().join('\n'))).connect(target(s.port, 'intruder')));
    expect((err as TransportError).kind).toBe('auth');
    expect(err.message).toContain("'intruder'");
  });

  it('uses a passphrase-encrypted key with its passphrase', async () => {
    expect(encryptedClientKey.private).toContain('OPENSSH PRIVATE KEY');
    const s = await server({ authorizedKey: encryptedClientKey.public });
    const c = connector(strict(s.hostKeyLines().join('\n')), { privateKey: encryptedClientKey.private, passphrase: PASSPHRASE });
    const shell = await connect(c, target(s.port));
    expect((await shell.exec('echo encrypted-ok', { timeoutMs: 5000 })).stdout).toBe('encrypted-ok\n');
  });
});

describe('unreachable hosts', () => {
  it("a closed port fails quickly as 'unreachable'", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const started = Date.now();
    const err = await rejectionOf(connector({ mode: 'off' }).connect(target(port)));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('unreachable');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it("a server that accepts TCP but never speaks fails as 'timeout' within connectTimeoutMs", async () => {
    const sockets = new Set<Socket>();
    const silent: NetServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => r());
        }),
    );
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;

    const started = Date.now();
    const err = await rejectionOf(connector({ mode: 'off' }, { connectTimeoutMs: 1000 }).connect(target(port)));
    const took = Date.now() - started;
    expect(sockets.size).toBe(1);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2500);
  });
});

describe('exec semantics through Remote', () => {
  const cmd = (script: string, extra: Partial<RemoteCommand> = {}): RemoteCommand => ({
    kind: 'test',
    title: 'test command',
    script,
    timeoutMs: 10_000,
    ...extra,
  });

  it('exit 0 returns stdout', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    expect(await remote.check(cmd('echo out-line; echo err-line >&2'))).toBe('out-line\n');
    // The server ran exactly the product's line: bounded by timeout, in the C locale.
    expect(s.execs).toEqual([remote.line(cmd('echo out-line; echo err-line >&2'))]);
    expect(s.execs[0]).toMatch(/^timeout -k 3 10 sh -c 'export LC_ALL=C; /);
  });

  it('what beforeSend throws keeps the command unsent: no channel is opened for it', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const refusal = new Error('held back');
    await expect(
      remote.run(cmd('echo never'), () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(s.execs).toEqual([]);
    expect(await remote.check(cmd('echo after'))).toBe('after\n');
  });

  it('exit 3 throws RemoteCommandError with the status and the stderr tail', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const script = 'echo some-stdout; for i in 01 02 03 04 05 06 07 08 09 10; do echo "problem line $i" >&2; done; exit 3';
    const err = await rejectionOf(remote.check(cmd(script, { title: 'validate config' })));
    expect(err).toBeInstanceOf(RemoteCommandError);
    const e = err as RemoteCommandError;
    expect(e.result.code).toBe(3);
    expect(e.result.signal).toBeNull();
    expect(e.result.lost).toBeUndefined();
    expect(e.message).toContain('"validate config" exited with status 3');
    expect(e.message).toContain('problem line 10');
    expect(e.message).toContain('problem line 05');
    expect(e.message).not.toContain('problem line 04'); // only the tail
  });

  it.each(['sh', 'bash'] as const)('a command killed by a signal (kill -TERM $$) is a failure (login shell %s)', async (shell) => {
    const s = await server({ shell });
    const remote = await remoteOn(s);
    const err = await rejectionOf(remote.check(cmd('echo before; kill -TERM $$; echo after')));
    expect(err).toBeInstanceOf(RemoteCommandError);
    const e = err as RemoteCommandError;
    expect(e.result.stdout).toBe('before\n');
    expect(e.result.lost).toBeUndefined();
    if (shell === 'sh') {
      // dash forks `timeout`, and reports the signal as 128+15.
      expect(e.result.code).toBe(143);
      expect(e.message).toContain('exited with status 143');
    } else {
      // bash execs `timeout`, which re-raises the signal: the server reports exit-signal TERM.
      expect(e.result.code).toBeNull();
      expect(e.result.signal).toMatch(/^(SIG)?TERM$/);
      expect(e.message).toBe('"test command" was killed by SIGTERM');
    }
  });

  it('returns multi-byte UTF-8 output intact across SSH packet boundaries', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    // 200 kB of 3-byte characters: the channel delivers it in ~32 kB packets that split characters.
    const out = await remote.check(cmd('yes 日本語 | head -n 20000'));
    expect(out.length).toBe('日本語\n'.length * 20000);
    expect(out).not.toContain('\uFFFD');
    expect(out).toBe('日本語\n'.repeat(20000));
  });

  it("the local backstop ends a command that outlives it as lost 'timeout', and the connection stays usable", async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const marker = uniqueSeconds(6);
    const started = Date.now();
    const result = await remote.connection.exec(`sleep ${marker}`, { timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result.lost).toBe('timeout');
    expect(result.code).toBeNull();
    expect(result.stderr).toContain('no answer within 300 ms');
    expect(await remote.check(cmd('echo still-usable'))).toBe('still-usable\n');
    expect(s.connections).toBe(1);
  });

  it('a silently dead connection (no reset) is detected by keepalive and fails the running command', async () => {
    const s = await server();
    const shell = await connect(connector(strict(s.hostKeyLines().join('\n')), { keepaliveMs: 250 }), target(s.port));
    const remote = new RemoteHost(shell, false, undefined, false);
    const marker = uniqueSeconds(5);
    const pattern = `^sleep ${marker.replace('.', '\\.')}$`;
    const running = rejectionOf(remote.check(cmd(`sleep ${marker}`, { title: 'during partition' })));
    await waitFor('the sleep to start on the host', () => pgrep(pattern).length === 1);
    pidsToReap.push(...pgrep(pattern));

    const frozen = Date.now();
    s.freezeConnections();
    const err = await running;
    // Three missed 250 ms probes, well before the 5 s sleep ends.
    expect(Date.now() - frozen).toBeLessThan(3000);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect((err as RemoteCommandError).result.lost).toBe('connection-lost');
    expect(err.message).toContain('the SSH connection dropped during "during partition"');
    const again = Date.now();
    expect((await shell.exec('echo never', { timeoutMs: 20_000 })).lost).toBe('connection-lost');
    expect(Date.now() - again).toBeLessThan(500);
  });

  it('a connection dropped mid-command resolves as connection-lost, check throws, and a later exec fails fast', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const marker = uniqueSeconds(5);
    const running = remote.run(cmd(`sleep ${marker}`));
    const checking = rejectionOf(remote.check(cmd(`sleep ${marker}`, { title: 'sleepy check' })));
    await waitFor('both sleeps to start on the host', () => pgrep(`^sleep ${marker.replace('.', '\\.')}$`).length === 2);
    pidsToReap.push(...pgrep(`^sleep ${marker.replace('.', '\\.')}$`));

    const dropped = Date.now();
    s.dropConnections();
    const result = await running;
    expect(Date.now() - dropped).toBeLessThan(2000);
    expect(result.lost).toBe('connection-lost');
    expect(result.code).toBeNull();
    expect(result.stderr).toMatch(/connection lost|channel closed/);

    const err = await checking;
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.message).toContain('the SSH connection dropped during "sleepy check"');
    expect((err as RemoteCommandError).result.lost).toBe('connection-lost');

    const again = Date.now();
    const later = await remote.connection.exec('echo never', { timeoutMs: 20_000 });
    expect(Date.now() - again).toBeLessThan(500);
    expect(later.lost).toBe('connection-lost');
    expect(later.stdout).toBe('');
    await expect(remote.check(cmd('echo never'))).rejects.toThrow(/SSH connection dropped/);
    expect(s.execs).toHaveLength(2);
  });
});

/**
 * Runs `fn` with one variable of this process's environment set, which the in-process server's
 * login shells inherit (and are found on, for PATH), and puts it back after.
 */
async function withEnv(name: string, value: string, fn: () => Promise<void>): Promise<void> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/** Ends the session from inside a command: the script's parent is timeout, whose parent (field 4 of its stat) is the session's shell. */
const KILL_SESSION = `kill -9 "$(cut -d' ' -f4 /proc/$PPID/stat)"; sleep 1`;

describe('the long-lived shell session (one login shell per host)', () => {
  const cmd = (script: string, extra: Partial<RemoteCommand> = {}): RemoteCommand => ({
    kind: 'test',
    title: 'session command',
    script,
    timeoutMs: 10_000,
    ...extra,
  });

  it('runs many commands over one channel, with stdout, stderr and exit status kept apart', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    for (let i = 0; i < 25; i++) expect(await remote.check(cmd(`echo out-${i}; echo err-${i} >&2`))).toBe(`out-${i}\n`);
    const failed = await remote.run(cmd('echo partial; echo "went wrong" >&2; exit 3'));
    expect(failed).toMatchObject({ code: 3, stdout: 'partial\n', stderr: 'went wrong\n' });
    // No trailing newline, an RS character and marker look-alikes in the output do not confuse it.
    expect(await remote.check(cmd("printf 'a\\036b\\036 0\\036'"))).toBe('a\u001eb\u001e 0\u001e');
    expect(s.connections).toBe(1);
    expect(s.execs).toEqual([LONG_LIVED_SHELL]);
  });

  it('the session itself runs in the C locale, whatever the login’s: each command’s timeout and sh start in it', async () => {
    // A locale the host lacks, in the login's environment.
    await withEnv('LC_ALL', 'xx_XX.UTF-8', async () => {
      const s = await server();
      const remote = await remoteOn(s, true);
      // The script's parent is `timeout`, started by the session's shell with that shell's environment.
      const env = await remote.check(cmd(`tr '\\0' '\\n' </proc/$PPID/environ | grep '^LC_ALL='`));
      expect(env).toBe('LC_ALL=C\n');
    });
  });

  it('a session the host cannot start (no env on its PATH): the command’s failure quotes what the host said', async () => {
    // A PATH with sh and nothing else.
    const bin = join(workDir(), 'only-sh');
    mkdirSync(bin);
    symlinkSync('/bin/sh', join(bin, 'sh'));
    await withEnv('PATH', bin, async () => {
      const s = await server();
      const remote = await remoteOn(s, true);
      const err = await rejectionOf(remote.check(cmd('echo never')));
      expect(err.message).toMatch(/the session ended \(its stderr: .*env: not found\)/);
      expect(s.execs).toEqual([LONG_LIVED_SHELL]);
    });
  });

  it('a session that ends after its command printed “no answer within” is a lost connection, not a timeout', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const script = `echo 'no answer within 5 ms' >&2; ${KILL_SESSION}`;
    const result = await remote.run(cmd(script));
    expect(result.lost).toBe('connection-lost');
    expect(result.stderr).toMatch(/the session ended \(its stderr: no answer within 5 ms\)/);
  });

  it('an ended session quotes the end of a long stderr, the cut marked, lines joined', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const script = `head -c 5000 /dev/zero | tr '\\0' x >&2; printf '\\nlast\\nwords' >&2; ${KILL_SESSION}`;
    const result = await remote.run(cmd(script));
    expect(result.stderr).toMatch(/\(its stderr: …x{189} last words\)$/);
  });

  it('passes hostile arguments through unchanged, and runs none of them', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const canary = join(workDir(), 'SESSION-CANARY');
    const args = [`$(touch ${canary})`, '`id`', "it's", 'a"b', 'line1\nline2', '; rm -rf /', '-n', '*'];
    const out = await remote.check({ kind: 'test', title: 'args', script: `printf '%s\\0' "$@"`, timeoutMs: 10_000, args });
    expect(out.split('\0').slice(0, -1)).toEqual(args);
    expect(existsSync(canary)).toBe(false);
  });

  it('a command past its limit is killed on the host, and the session goes on', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const marker = uniqueSeconds(30);
    const err = await rejectionOf(
      remote.check({ kind: 'test', title: 'hung step', script: `sleep ${marker}; echo never`, timeoutMs: 1000 }),
    );
    expect(err.message).toMatch(/ran past its 1s limit and was killed on the host/);
    expect(pgrep(`^sleep ${marker.replace('.', '\\.')}$`)).toEqual([]);
    expect(await remote.check(cmd('echo still-here'))).toBe('still-here\n');
    expect(s.execs).toEqual([LONG_LIVED_SHELL]);
  });

  it('beforeSend is asked once the command’s turn has come and its session is open; what it throws keeps the command unsent', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const canary = join(workDir(), 'UNSENT-CANARY');
    // The command ahead prints past the output limit: its session is closed, and the next command opens another.
    const ahead = remote.run(cmd('head -c 9000000 /dev/zero'));
    let settled: string | undefined;
    void ahead.then((r) => (settled = r.lost));
    const refusal = new Error('held back');
    let asked: { ahead: string | undefined; sessions: number } | undefined;
    const held = remote.run(cmd(`touch ${canary}`), () => {
      asked = { ahead: settled, sessions: s.execs.length };
      throw refusal;
    });
    await expect(held).rejects.toBe(refusal);
    expect(asked).toEqual({ ahead: 'output-limit', sessions: 2 });
    expect(existsSync(canary)).toBe(false);
    expect(await remote.check(cmd('echo after'))).toBe('after\n');
    expect(s.execs).toEqual([LONG_LIVED_SHELL, LONG_LIVED_SHELL]);
  });

  it('a dropped connection resolves as connection-lost, and the next command fails fast', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    const marker = uniqueSeconds(5);
    const running = remote.run(cmd(`sleep ${marker}`));
    await waitFor('the sleep to start on the host', () => pgrep(`^sleep ${marker.replace('.', '\\.')}$`).length === 1);
    pidsToReap.push(...pgrep(`^sleep ${marker.replace('.', '\\.')}$`));
    s.dropConnections();
    const result = await running;
    expect(result.lost).toBe('connection-lost');
    const again = Date.now();
    await expect(remote.check(cmd('echo never'))).rejects.toThrow(/SSH connection dropped/);
    expect(Date.now() - again).toBeLessThan(1000);
  });
});

describe('the host-side timeout kills the command, not only the wait', () => {
  it('kills `sleep` on the host after timeoutMs, and the script never goes on', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const marker = uniqueSeconds(30);
    const pattern = `^sleep ${marker.replace('.', '\\.')}$`;
    const started = Date.now();
    const outcome = rejectionOf(
      remote.check({ kind: 'test', title: 'hung step', script: `sleep ${marker}; touch MARKER`, timeoutMs: 1000 }),
    );
    await waitFor('the sleep to start on the host', () => pgrep(pattern).length === 1);
    pidsToReap.push(...pgrep(pattern));

    const err = await outcome;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.message).toBe('"hung step" ran past its 1s limit and was killed on the host');
    expect((err as RemoteCommandError).result.code).toBe(124);
    await waitFor('the sleep to be gone', () => pgrep(pattern).length === 0, 1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(join(workDir(), 'MARKER'))).toBe(false);
  });

  it('kills a child process the script started, too', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const marker = uniqueSeconds(31);
    const pattern = `^sleep ${marker.replace('.', '\\.')}$`;
    const outcome = rejectionOf(
      remote.check({ kind: 'test', title: 'spawner', script: `sh -c 'sleep ${marker}' & wait`, timeoutMs: 1000 }),
    );
    await waitFor('the grandchild sleep to start', () => pgrep(pattern).length === 1);
    pidsToReap.push(...pgrep(pattern));

    const err = await outcome;
    expect(err.message).toContain('was killed on the host');
    await waitFor('the grandchild sleep to be gone', () => pgrep(pattern).length === 0, 1000);
  });

  it.each(['sh', 'bash'] as const)(
    'a command that ignores SIGTERM is SIGKILLed after the grace period and reported as killed on the host (login shell %s)',
    async (shell) => {
      const s = await server({ shell });
      const remote = await remoteOn(s);
      const marker = uniqueSeconds(32);
      const pattern = `^sleep ${marker.replace('.', '\\.')}$`;
      const started = Date.now();
      const outcome = rejectionOf(
        remote.check({ kind: 'test', title: 'stubborn', script: `trap '' TERM; sleep ${marker}`, timeoutMs: 1000 }),
      );
      await waitFor('the sleep to start', () => pgrep(pattern).length === 1);
      pidsToReap.push(...pgrep(pattern));

      const err = await outcome;
      const took = Date.now() - started;
      // 1 s limit, then `timeout -k 3` sends SIGKILL to the whole group.
      expect(took).toBeGreaterThanOrEqual(3900);
      expect(took).toBeLessThan(7000);
      await waitFor('the sleep to be gone', () => pgrep(pattern).length === 0, 1000);
      expect(err).toBeInstanceOf(RemoteCommandError);
      expect(err.message).toBe('"stubborn" ran past its 1s limit and was killed on the host');
    },
  );
});

describe('connection reuse', () => {
  it('runs many sequential commands over one connection', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    for (let i = 0; i < 25; i++) {
      expect(await remote.check({ kind: 'test', title: `step ${i}`, script: 'printf %s "$1"', args: [String(i)], timeoutMs: 5000 })).toBe(
        String(i),
      );
    }
    expect(s.execs).toHaveLength(25);
    expect(s.connections).toBe(1);
  });
});

describe('prompt acknowledgements (sshd keeps Nagle on until a command starts; Linux delays ACKs 40 ms)', () => {
  /** A command that prints, pauses and prints again: an SSH_MSG_IGNORE must reach the server in the pause. */
  async function ignoredDuringPause(s: TestSshServer, shell: Connection, what: string): Promise<void> {
    const session = await shell.stream('printf "first\\n"; sleep 1; printf "second\\n"');
    const before = s.ignores;
    expect(await session.readUntil('\n', 5000)).toBe('first');
    await waitFor(what, () => s.ignores > before, 500);
    expect(await session.readUntil('\n', 5000)).toBe('second');
    session.close();
  }

  it('answers a burst of output it has nothing to say to with an SSH_MSG_IGNORE, before the command ends', async () => {
    const s = await server();
    const shell = await connect(connector(strict(s.hostKeyLines().join('\n'))), target(s.port));
    // Nothing else goes out while the command sleeps: without the echo the server hears nothing.
    await ignoredDuringPause(s, shell, 'an SSH_MSG_IGNORE after the first burst');
  });

  it('still answers, and the connection still works, after the server starts a key re-exchange', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    await remote.check({ kind: 'test', title: 'before', script: 'true', timeoutMs: 5000 });
    await s.rekey();
    // A sender that kept the writer of the first keys would now send a malformed packet and the
    // server would end the connection ("Bad packet length").
    await ignoredDuringPause(s, remote.connection, 'an SSH_MSG_IGNORE after the re-exchange');
    expect(await remote.check({ kind: 'test', title: 'after', script: 'printf ok', timeoutMs: 5000 })).toBe('ok');
  });

  it('sends nothing when this side writes in answer anyway (the next command carries the ACK)', async () => {
    const s = await server();
    const remote = await remoteOn(s, true);
    await remote.check({ kind: 'test', title: 'warm', script: 'true', timeoutMs: 5000 });
    const before = s.ignores;
    for (let i = 0; i < 20; i++) await remote.check({ kind: 'test', title: `step ${i}`, script: 'true', timeoutMs: 5000 });
    // Each answer is followed at once by the next command line. An echo that ignored what went
    // out since the read would add one packet per command here (20, measured); a burst that
    // arrives split (stdout's marker, then stderr's) may still get one.
    expect(s.ignores - before).toBeLessThan(5);
  });
});

describe('quoting end to end', () => {
  it('passes hostile args to the script byte for byte and executes none of them', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const canary = join(workDir(), 'CANARY');
    const args = [
      `it's "quoted"`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      'line one\nline two\n',
      `x; touch ${canary}`,
      `x && touch ${canary} || touch ${canary}`,
      '  two  spaces  ',
      'tab\there',
      'ünïcödé ✓ 日本語 🚀',
      '',
      '-n',
      '--',
      '*',
      '$HOME ${PATH} $1 $@',
      "'",
      "''\\''",
      '\\',
      '!event',
      '> /dev/null',
      '{a,b}',
      '~',
      `| touch ${canary}`,
    ];
    const out = await remote.check({ kind: 'test', title: 'echo args', script: `printf '%s\\0' "$@"`, args, timeoutMs: 5000 });
    const received = out.split('\0');
    expect(received.pop()).toBe('');
    expect(received).toEqual(args);
    expect(existsSync(canary)).toBe(false);
  });

  it('passes a script with quotes, $ and newlines unchanged', async () => {
    const s = await server();
    const remote = await remoteOn(s);
    const script = `a='single'; b="double \\"$a\\""\nprintf '%s|%s|%s\\n' "$a" "$b" '$not_expanded'`;
    expect(await remote.check({ kind: 'test', title: 'quoted script', script, timeoutMs: 5000 })).toBe(
      'single|double "single"|$not_expanded\n',
    );
  });
});

describe('process health', () => {
  it('no unhandled rejection or uncaught exception happened in this file', async () => {
    // Late events (e.g. a library rejecting after dispose) get a moment to arrive.
    await new Promise((r) => setTimeout(r, 300));
    expect(unhandled).toEqual([]);
  });
});
