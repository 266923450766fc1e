import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execLine, lockAcquire, lockRelease, type RemoteCommand } from '../../src/remote/commands';

// The lock commands as a host runs them: the exact line execLine builds, given to `sh -c`, with the
// real id, stat, flock, date and mv. Run as `nobody` (setpriv), whose lock directory is
// $HOME/.zero-downtime-restart, so this touches nothing of root's /run/zero-downtime-restart.

const NOBODY = 65534;
const home = mkdtempSync(join(tmpdir(), 'zdr-locks-'));
chmodSync(home, 0o755);
const userHome = join(home, 'nobody');
const dir = join(userHome, '.zero-downtime-restart');
afterAll(() => rmSync(home, { recursive: true, force: true }));

beforeEach(() => {
  rmSync(userHome, { recursive: true, force: true });
  mkdirSync(userHome, { mode: 0o700 });
  chownSync(userHome, NOBODY, NOBODY);
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: RemoteCommand): Ran {
  const line = execLine(cmd, { sudo: false });
  const argv = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '/bin/sh', '-c', line];
  try {
    const stdout = execFileSync('setpriv', argv, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: userHome },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stdout: string; stderr: string };
    return { code: e.status ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}

const acquire = (owner: string, ttl = 60): Ran => run(lockAcquire('host', owner, ttl, 10_000));
const release = (owner: string): Ran => run(lockRelease('host', owner, 10_000));
const lockFile = (): string => readFileSync(join(dir, 'host.lock'), 'utf8');
const field = (text: string, key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
/** The lock directory, as a first acquire would have made it (or with another mode). */
function ownDir(mode = 0o700): void {
  if (!existsSync(dir)) mkdirSync(dir);
  chownSync(dir, NOBODY, NOBODY);
  chmodSync(dir, mode);
}
/** Writes a lock file as nobody would have. */
function plant(text: string): void {
  ownDir();
  writeFileSync(join(dir, 'host.lock'), text);
  chownSync(join(dir, 'host.lock'), NOBODY, NOBODY);
}

describe('lock commands on a real shell, as an unprivileged user', () => {
  it('takes a free lock, in a 0700 directory of its own, naming owner, since and expiry', () => {
    const before = Math.floor(Date.now() / 1000);
    const ran = acquire('run-a #1');
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('');
    const text = lockFile();
    expect(field(text, 'owner')).toBe('run-a #1');
    expect(Number(field(text, 'since'))).toBeGreaterThanOrEqual(before - 1);
    expect(Number(field(text, 'expires')) - Number(field(text, 'since'))).toBe(60);
    expect(existsSync(join(dir, 'host.lock.new'))).toBe(false);
    expect(execFileSync('stat', ['-c', '%u %a', dir], { encoding: 'utf8' }).trim()).toBe(`${NOBODY} 700`);
  });

  it('refuses a lock another owner holds with exit 75 and the holder’s text; the lock stays', () => {
    expect(acquire('run-a').code).toBe(0);
    const held = lockFile();
    const ran = acquire('run-b');
    expect(ran.code).toBe(75);
    expect(ran.stdout).toBe(held);
    expect(lockFile()).toBe(held);
  });

  it('renews its own lock: since kept, expiry moved, and says it was still its own (kept=1)', () => {
    plant('owner=run-a\nsince=1000\nexpires=9999999990\n');
    const ran = acquire('run-a', 30);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('kept=1\n');
    expect(field(lockFile(), 'since')).toBe('1000');
    expect(Number(field(lockFile(), 'expires'))).toBeLessThan(9999999990);
  });

  it('renews its own lock that had run out, with kept=1: the file still names it, so no other run took it', () => {
    plant('owner=run-a\nsince=1000\nexpires=2\n');
    const ran = acquire('run-a', 30);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('kept=1\n');
    expect(field(lockFile(), 'since')).toBe('1000');
  });

  it('a lock that is gone is taken afresh, without kept=1 (its holder can tell it was lost)', () => {
    ownDir();
    const ran = acquire('run-a', 30);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('');
    expect(field(lockFile(), 'owner')).toBe('run-a');
  });

  it('takes over an expired lock and prints the old one as stale (the first owner= line counts)', () => {
    ownDir();
    plant('owner=crashed #9\nowner=run-b\nsince=1\nexpires=2\n');
    const ran = acquire('run-b');
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('stale=1\nwas.owner=crashed #9\nwas.owner=run-b\nwas.since=1\nwas.expires=2\n');
    expect(field(lockFile(), 'owner')).toBe('run-b');
    expect(field(lockFile(), 'since')).not.toBe('1');
  });

  it('treats an expiry that is not a number as expired, and reads a last line without a newline', () => {
    ownDir();
    plant('owner=run-x\nexpires=soon');
    expect(acquire('run-b').code).toBe(0);
    plant('since=5\nowner=run-x');
    expect(acquire('run-b').code).toBe(0);
    plant('expires=9999999999\nowner=run-x');
    expect(acquire('run-b').code).toBe(75);
  });

  it('releases only its own lock, and succeeds when there is none', () => {
    expect(acquire('run-a').code).toBe(0);
    expect(release('run-b').code).toBe(0);
    expect(field(lockFile(), 'owner')).toBe('run-a');
    expect(release('run-a').code).toBe(0);
    expect(existsSync(join(dir, 'host.lock'))).toBe(false);
    expect(release('run-a').code).toBe(0);
  });

  it('removes a leftover lock.new before writing (never writes through it)', () => {
    ownDir();
    const victim = join(userHome, 'victim');
    writeFileSync(victim, 'keep\n');
    symlinkSync(victim, join(dir, 'host.lock.new'));
    expect(acquire('run-a').code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(field(lockFile(), 'owner')).toBe('run-a');
  });

  it.each([
    ['a link', () => symlinkSync(join(userHome, 'elsewhere'), dir), 'is a symbolic link'],
    ['of another mode', () => ownDir(0o755), 'has mode 755, not 0700'],
    ['of another owner', () => mkdirSync(dir, { mode: 0o700 }), `is owned by uid 0, not ${NOBODY}`],
  ])('refuses a lock directory that is %s (exit 77, the reason on stderr)', (_what, make, reason) => {
    mkdirSync(join(userHome, 'elsewhere'), { mode: 0o700 });
    make();
    const ran = acquire('run-a');
    expect(ran.code).toBe(77);
    expect(ran.stderr).toContain(reason);
    expect(release('run-a').code).toBe(77);
  });
});
