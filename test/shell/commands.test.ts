import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseUnitInfo } from '../../src/inspect/unit-info';
import {
  execLine,
  haproxyApi,
  httpStatus,
  inspectUnit,
  KILL_AFTER_S,
  logBefore,
  logMark,
  logRead,
  nginxUpstreamList,
  nginxUpstreamMark,
  probeBurst,
  SET_EFFECTIVE_UID,
  stubStatus,
  timedOutOnHost,
  userCommand,
  type RemoteCommand,
} from '../../src/remote/commands';
import { parseCommand } from '../../src/settings/values';

// ---------------------------------------------------------------------------------------------
// Running a command as the remote side would: the exact line execLine builds, given to `sh -c`.

const work = mkdtempSync(join(tmpdir(), 'zdr-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Fake `systemctl`, `nginx` and `socat` for the builders that call them; each logs its arguments. */
const shims = join(work, 'bin');
const shimLog = join(work, 'shim.log');
mkdirSync(shims);
function shim(name: string, body: string): void {
  writeFileSync(join(shims, name), `#!/bin/sh\nprintf '%s %s\\n' ${name} "$*" >> "$SHIM_LOG"\n${body}\n`);
  chmodSync(join(shims, name), 0o755);
}
shim('systemctl', 'case "$*" in *--value*) echo "$FAKE_PID" ;; show*) cat "$FAKE_SHOW" ;; esac\nexit "${SYSTEMCTL_EXIT:-0}"');
shim('nginx', 'if [ "${NGINX_T_EXIT:-0}" != 0 ]; then echo "nginx: [emerg] unexpected end of file" >&2; fi\nexit "${NGINX_T_EXIT:-0}"');
shim('socat', 'cat > "$SOCAT_IN"; echo "socat-args: $*"');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${shims}:${process.env.PATH ?? '/usr/bin:/bin'}`, SHIM_LOG: shimLog, ...extra };
}

function runLine(cmd: RemoteCommand, extra: Record<string, string> = {}): Ran {
  const line = execLine(cmd, { sudo: false });
  try {
    const stdout = execFileSync('/bin/sh', ['-c', line], {
      cwd: work,
      env: env(extra),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stdout: string; stderr: string };
    return { code: e.status ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}

function runLineAsync(cmd: RemoteCommand): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', execLine(cmd, { sudo: false })], { cwd: work, env: env(), encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const cmd = (script: string, timeoutMs = 10_000, args?: string[]): RemoteCommand => ({
  kind: 'test',
  title: 't',
  script,
  timeoutMs,
  ...(args ? { args } : {}),
});

// ---------------------------------------------------------------------------------------------

describe('execLine', () => {
  it('bounds the script with timeout, a kill grace and the C locale', () => {
    expect(execLine(cmd('echo hi', 60_000), { sudo: false })).toBe(
      `timeout -k ${KILL_AFTER_S} 60 sh -c 'export LC_ALL=C; echo hi' zdr.test`,
    );
  });

  it('prefixes sudo -n -- in sudo mode', () => {
    expect(execLine(cmd('echo hi', 60_000), { sudo: true })).toBe(
      `sudo -n -- timeout -k ${KILL_AFTER_S} 60 sh -c 'export LC_ALL=C; echo hi' zdr.test`,
    );
  });

  it.each([
    [60_000, '60'],
    [1_500, '1.5'],
    [2_000, '2'],
    [250, '0.3'],
    [100, '0.1'],
    [50, '0.1'],
    [0, '0.1'],
    [90_000, '90'],
  ])('writes %i ms as %s seconds', (ms, seconds) => {
    expect(execLine(cmd('true', ms), { sudo: false })).toMatch(new RegExp(`^timeout -k \\d+ ${seconds.replace('.', '\\.')} sh -c `));
  });

  it('appends args quoted after a $0 of zdr.KIND', () => {
    const line = execLine(cmd('echo "$1|$2|$3"', 1000, ['a b', "it's", 'plain']), { sudo: false });
    expect(line.endsWith(` zdr.test 'a b' 'it'\\''s' plain`)).toBe(true);
  });

  it('names the command in $0 even without args, and keeps $0 one plain word', () => {
    expect(execLine(cmd('true', 1000, []), { sudo: false }).endsWith(`sh -c 'export LC_ALL=C; true' zdr.test`)).toBe(true);
    expect(execLine({ ...cmd('true'), kind: "a b;'c" }, { sudo: false }).endsWith(`sh -c 'export LC_ALL=C; true' zdr.a_b__c`)).toBe(true);
  });

  it('really runs: args arrive as $1.. unchanged and the locale is C', () => {
    const args = ['a b', "it's", '$(touch PWNED)', '', '-n', 'x\ny'];
    const ran = runLine(cmd('printf "%s|" "$0" "$#" "$@" "$LC_ALL"', 5000, args), { LC_ALL: 'de_DE.UTF-8' });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(`zdr.test|6|${args.join('|')}|C|`);
    expect(existsSync(join(work, 'PWNED'))).toBe(false);
  });

  it('sets the C locale without moving the script’s lines: the shell’s errors name the line as written', () => {
    const ran = runLine(cmd('true\nzdr_no_such_command_x'));
    expect(ran.code).toBe(127);
    expect(ran.stderr).toMatch(/^zdr\.test: 2: .*zdr_no_such_command_x/m);
  });

  it('passes the script’s exit status through', () => {
    expect(runLine(cmd('exit 7')).code).toBe(7);
  });

  it('a multi-line user command stops at its first failing line, continuations included', () => {
    const command = (text: string): RemoteCommand => {
      const parsed = parseCommand(text);
      if (!parsed.ok) throw new Error(parsed.error);
      return userCommand('validate-command', parsed.value, 5000);
    };
    const failed = runLine(command('printf one \\\n  >> lines\nfalse\nprintf two >> lines\n'));
    expect(failed.code).toBe(1);
    expect(readFileSync(join(work, 'lines'), 'utf8')).toBe('one');
    expect(runLine(command('true\necho ok')).stdout).toBe('ok\n');
  });
});

describe('timedOutOnHost', () => {
  it.each([
    [124, true],
    [137, true],
    [0, false],
    [1, false],
    [125, false],
    [143, false],
    [null, false],
  ])('%s → %s', (code, expected) => {
    expect(timedOutOnHost(code)).toBe(expected);
  });

  it('is true for a script stopped by its timeout (SIGTERM: 124)', () => {
    const started = Date.now();
    const ran = runLine(cmd('sleep 20', 300));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ran.code).toBe(124);
    expect(timedOutOnHost(ran.code)).toBe(true);
  });

  it('kills the script’s children too', async () => {
    const pidFile = join(work, 'child.pid');
    const ran = runLine(cmd(`sleep 30 & echo $! > ${pidFile}; wait`, 300));
    expect(ran.code).toBe(124);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie no one has reaped yet (PID 1 of a container may not reap).
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    };
    for (let i = 0; i < 20 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });

  it('is true for a script that ignores SIGTERM and must be killed (137)', () => {
    const ran = runLine(cmd("trap '' TERM; sleep 30", 200));
    expect(ran.code).toBe(137);
    expect(timedOutOnHost(ran.code)).toBe(true);
  }, 15_000);

  it('is false for a script that fails on its own', () => {
    const ran = runLine(cmd('exit 1', 5000));
    expect(timedOutOnHost(ran.code)).toBe(false);
  });
});

describe('access log commands, run for real', () => {
  let dir: string;
  let file: string;
  let n = 0;
  beforeAll(() => {
    dir = join(work, 'logs');
    mkdirSync(dir);
  });
  afterEach(() => {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
  });
  const fresh = (content: string): string => {
    file = join(dir, `access ${++n}.log`); // a space in the path, on purpose
    writeFileSync(file, content);
    return file;
  };

  describe('logMark', () => {
    it('prints the inode, the size and the host clock in ms', () => {
      fresh('l1\nl2\n');
      const before = Date.now();
      const ran = runLine(logMark(file, 5000));
      expect(ran.code).toBe(0);
      const [inode, size, now] = ran.stdout.trim().split(/\s+/).map(Number);
      expect(inode).toBe(statSync(file).ino);
      expect(size).toBe(6);
      expect(now).toBeGreaterThanOrEqual(before - 1000);
      expect(now).toBeLessThanOrEqual(Date.now() + 1000);
    });
  });

  describe('logRead', () => {
    it('reads from the offset of a live file: same SIZE', () => {
      fresh('l1\nl2\n');
      const ino = statSync(file).ino;
      appendFileSync(file, 'l3\nl4\n');
      const ran = runLine(logRead(file, ino, 6, 1 << 20, 5000));
      expect(ran).toEqual({ code: 0, stdout: 'same 12\nl3\nl4\n', stderr: '' });
    });

    it('reads at most maxBytes', () => {
      fresh('l1\nl2\nl3\n');
      const ran = runLine(logRead(file, statSync(file).ino, 3, 4, 5000));
      expect(ran.stdout).toBe('same 9\nl2\nl');
    });

    it('reads nothing past the end', () => {
      fresh('l1\n');
      expect(runLine(logRead(file, statSync(file).ino, 3, 100, 5000)).stdout).toBe('same 3\n');
    });

    it('after a rotation, reads the rest of the old file: old SIZE NEWINODE', () => {
      fresh('l1\nl2\n');
      const ino = statSync(file).ino;
      renameSync(file, `${file}.1`);
      appendFileSync(`${file}.1`, 'l3\n'); // nginx keeps writing the old file until it reopens
      writeFileSync(file, 'n1\n');
      const newIno = statSync(file).ino;
      expect(newIno).not.toBe(ino);
      const ran = runLine(logRead(file, ino, 6, 1 << 20, 5000));
      expect(ran).toEqual({ code: 0, stdout: `old 9 ${newIno}\nl3\n`, stderr: '' });
      // …and then the new file from its start.
      expect(runLine(logRead(file, newIno, 0, 1 << 20, 5000)).stdout).toBe('same 3\nn1\n');
    });

    it('says gone NEWINODE when the old file was removed', () => {
      fresh('l1\n');
      const ino = statSync(file).ino;
      renameSync(file, `${file}.1`);
      writeFileSync(file, 'n1\n');
      const newIno = statSync(file).ino;
      unlinkSync(`${file}.1`);
      expect(runLine(logRead(file, ino, 3, 1 << 20, 5000))).toEqual({ code: 0, stdout: `gone ${newIno}\n`, stderr: '' });
    });

    it('says gone 0 when neither the old nor a new file exists', () => {
      fresh('l1\n');
      const ino = statSync(file).ino;
      unlinkSync(file);
      expect(runLine(logRead(file, ino, 3, 1 << 20, 5000)).stdout).toBe('gone 0\n');
    });
  });

  describe('logBefore', () => {
    it('prints the last maxBytes before the offset', () => {
      fresh('l1\nl2\nl3\nafter\n');
      expect(runLine(logBefore(file, 9, 6, 5000)).stdout).toBe('l2\nl3\n');
      expect(runLine(logBefore(file, 9, 100, 5000)).stdout).toBe('l1\nl2\nl3\n');
      expect(runLine(logBefore(file, 9, 4, 5000)).stdout).toBe('2\nl3\n'.slice(-4));
    });
  });
});

describe('nginx upstream commands, run against fake nginx and systemctl', () => {
  const upstream = [
    'upstream app {',
    '    server 10.0.0.1:80;',
    '    server 10.0.0.2:80 weight=2 down;',
    '    server 10.0.0.3:8080 max_fails=3; # web3',
    '    server [2001:db8::4]:80;',
    '}',
    '',
  ].join('\n');
  let file: string;
  beforeAll(() => {
    file = join(work, 'upstream.conf');
  });
  afterEach(() => {
    for (const f of [file, `${file}.zdr-bak`, `${file}.zdr-new`, shimLog]) rmSync(f, { force: true });
  });

  it('nginxUpstreamList says which servers are down', () => {
    writeFileSync(file, upstream);
    const ran = runLine(nginxUpstreamList(file, 5000));
    expect(ran.stdout.split('\n').filter(Boolean)).toEqual([
      'up     server 10.0.0.1:80;',
      'down     server 10.0.0.2:80 weight=2 down;',
      'up     server 10.0.0.3:8080 max_fails=3; # web3',
      'up     server [2001:db8::4]:80;',
    ]);
  });

  it('nginxUpstreamList does not read "down" in a trailing comment as the down flag', () => {
    writeFileSync(file, 'upstream app {\n    server 10.0.0.5:80; # was down last week\n}\n');
    expect(runLine(nginxUpstreamList(file, 5000)).stdout.split('\n')[0]).toMatch(/^up /);
  });

  it('nginxUpstreamMark marks a server down by address, validates, reloads, keeps a backup', () => {
    writeFileSync(file, upstream);
    const ran = runLine(nginxUpstreamMark(file, 'nginx', ['10.0.0.1', 'web1'], 'web1', true, 5000));
    expect(ran.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(upstream.replace('server 10.0.0.1:80;', 'server 10.0.0.1:80 down;'));
    expect(readFileSync(`${file}.zdr-bak`, 'utf8')).toBe(upstream);
    expect(existsSync(`${file}.zdr-new`)).toBe(false);
    expect(readFileSync(shimLog, 'utf8')).toBe('nginx -t\nsystemctl reload -- nginx\n');
  });

  it('nginxUpstreamMark marks a server up again, keeping its other parameters', () => {
    writeFileSync(file, upstream);
    expect(runLine(nginxUpstreamMark(file, 'nginx', ['10.0.0.2'], 'web2', false, 5000)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('    server 10.0.0.2:80 weight=2;\n');
  });

  it('nginxUpstreamMark finds a server by its "# name" comment', () => {
    writeFileSync(file, upstream);
    expect(runLine(nginxUpstreamMark(file, 'nginx', ['192.0.2.99', 'web3'], 'web3', true, 5000)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(upstream.replace('max_fails=3; # web3', 'max_fails=3 down; # web3'));
  });

  it('nginxUpstreamMark finds a bracketed IPv6 server by its address', () => {
    // The awk script strips the brackets with gsub(/^\[|\]$/, …); written inside a JS template
    // literal without doubled backslashes, it reaches awk as /^[|]$/ and strips nothing.
    writeFileSync(file, upstream);
    expect(runLine(nginxUpstreamMark(file, 'nginx', ['2001:db8::4'], '2001:db8::4', true, 5000)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('    server [2001:db8::4]:80 down;\n');
  });

  it('nginxUpstreamMark does not take web30 for web3', () => {
    writeFileSync(file, 'upstream app {\n    server 10.0.0.30:80; # web30\n}\n');
    expect(runLine(nginxUpstreamMark(file, 'nginx', ['192.0.2.3', 'web3'], 'web3', true, 5000)).code).toBe(3);
  });

  it('nginxUpstreamMark exits 3 and changes nothing when no line matches', () => {
    writeFileSync(file, upstream);
    const ran = runLine(nginxUpstreamMark(file, 'nginx', ['10.9.9.9'], 'web9', true, 5000));
    expect(ran.code).toBe(3);
    expect(readFileSync(file, 'utf8')).toBe(upstream);
    expect(existsSync(`${file}.zdr-new`)).toBe(false);
    expect(existsSync(shimLog)).toBe(false);
  });

  it('nginxUpstreamMark does nothing, and does not reload, when the line is already as asked', () => {
    writeFileSync(file, upstream);
    expect(runLine(nginxUpstreamMark(file, 'nginx', ['10.0.0.2'], 'web2', true, 5000)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(upstream);
    expect(existsSync(shimLog)).toBe(false);
  });

  it('nginxUpstreamMark puts the file back when nginx -t fails, and does not reload', () => {
    writeFileSync(file, upstream);
    const ran = runLine(nginxUpstreamMark(file, 'nginx', ['10.0.0.1'], 'web1', true, 5000), { NGINX_T_EXIT: '1' });
    expect(ran.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(upstream);
    expect(ran.stderr).toMatch(/\[emerg\]/);
    expect(ran.stderr).toMatch(/restored/);
    expect(readFileSync(shimLog, 'utf8')).toBe('nginx -t\n');
  });
});

describe('haproxyApi, run against a fake socat', () => {
  it('sends the command as one line to the socket given', () => {
    const socatIn = join(work, 'socat.in');
    const ran = runLine(haproxyApi('/run/haproxy/admin sock', 'set server app/web1 state drain', 5000), { SOCAT_IN: socatIn });
    expect(ran.code).toBe(0);
    expect(readFileSync(socatIn, 'utf8')).toBe('set server app/web1 state drain\n');
    expect(ran.stdout).toBe('socat-args: -t 5 stdio UNIX-CONNECT:/run/haproxy/admin sock\n');
  });
});

describe('SET_EFFECTIVE_UID', () => {
  // An `id` that lies: where the snippet prints 4242, it asked `id` (a fork) instead of /proc.
  const lyingId = join(work, 'lying-id');
  mkdirSync(lyingId, { recursive: true });
  writeFileSync(join(lyingId, 'id'), '#!/bin/sh\necho 4242\n');
  chmodSync(join(lyingId, 'id'), 0o755);
  const uidOf = (argv: string[]): string =>
    execFileSync(argv[0] ?? '', argv.slice(1), { env: { PATH: `${lyingId}:/usr/sbin:/usr/bin:/sbin:/bin` }, encoding: 'utf8' }).trim();
  const script = `${SET_EFFECTIVE_UID}; echo "$uid"`;

  it('reads the uid from /proc, without running id', () => {
    expect(uidOf(['/bin/sh', '-c', script])).toBe(String(process.getuid?.()));
  });

  it('is the effective uid, as `id -u` prints it, not the real one', () => {
    // sh -p: dash would otherwise make its effective uid the real one before running the script.
    expect(uidOf(['setpriv', '--ruid', '0', '--euid', '65534', '/bin/sh', '-p', '-c', script])).toBe('65534');
    expect(uidOf(['setpriv', '--ruid', '65534', '--euid', '0', '/bin/sh', '-p', '-c', script])).toBe('0');
  });

  it('asks id where there is no /proc/self/status', () => {
    // A private mount namespace whose /proc is an empty tmpfs; it goes with the process.
    const hidden = `mount -t tmpfs zdr-no-proc /proc && exec /bin/sh -c '${script.replace(/'/g, "'\\''")}'`;
    expect(uidOf(['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', hidden])).toBe('4242');
  });
});

describe('inspectUnit, run against a fake systemctl', () => {
  let sleeper: ChildProcess;
  beforeAll(() => {
    sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  });
  afterAll(() => {
    sleeper.kill();
  });

  it('prints the unit’s properties and the main process’s name, which parseUnitInfo reads', () => {
    const show = join(work, 'show.txt');
    writeFileSync(show, `Id=nginx.service\nCanReload=yes\nMainPID=${sleeper.pid}\nTimeoutStopUSec=1min 30s\n`);
    const ran = runLine(inspectUnit('nginx.service', 5000), {
      FAKE_SHOW: show,
      FAKE_PID: String(sleeper.pid),
      SHIM_LOG: join(work, 'inspect.log'),
    });
    expect(ran.code).toBe(0);
    const info = parseUnitInfo(ran.stdout);
    expect(info).toMatchObject({
      id: 'nginx.service',
      canReload: true,
      mainPid: sleeper.pid,
      mainComm: 'sleep',
      timeoutStopMs: 90_000,
      hasCurl: true,
      uid: process.getuid?.() ?? null,
    });
    expect(readFileSync(join(work, 'inspect.log'), 'utf8')).toContain('systemctl show --property=Id,LoadState,');
  });
});

describe('HTTP commands, run against a local server', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/fail' ? 503 : req.url?.startsWith('/ok') ? 200 : 404;
      res.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  describe('probeBurst', () => {
    it('has one -o /dev/null per request, each with the quoted URL', () => {
      const { script } = probeBurst("http://h/a?b=1&c='x'", 3, 1000);
      expect(script.match(/-o \/dev\/null/g)).toHaveLength(3);
      expect(script.match(/--url 'http:\/\/h\/a\?b=1&c='\\''x'\\'''/g)).toHaveLength(3);
      expect(script).toMatch(/^curl -g -s -w '%\{http_code\}\\n' --max-time 1 /);
      expect(script.endsWith('; true')).toBe(true);
    });

    it('makes at least one request and whole numbers of them', () => {
      expect(probeBurst('http://h/', 0, 1000).script.match(/-o \/dev\/null/g)).toHaveLength(1);
      expect(probeBurst('http://h/', 2.7, 1000).script.match(/-o \/dev\/null/g)).toHaveLength(2);
    });

    it('bounds each request by at least half a second', () => {
      expect(probeBurst('http://h/', 1, 100).script).toContain('--max-time 0.5 ');
    });

    it('prints one status line per request', async () => {
      expect((await runLineAsync(probeBurst(`${base}/ok?x=1`, 4, 2000))).stdout).toBe('200\n200\n200\n200\n');
      expect((await runLineAsync(probeBurst(`${base}/fail`, 2, 2000))).stdout).toBe('503\n503\n');
    });

    it('prints 000 per request with no response, and still exits 0', async () => {
      const ran = await runLineAsync(probeBurst('http://127.0.0.1:1/', 3, 500));
      expect(ran).toMatchObject({ code: 0, stdout: '000\n000\n000\n' });
    });
  });

  describe('httpStatus', () => {
    it('prints the status code', async () => {
      expect((await runLineAsync(httpStatus(`${base}/ok`, 2000))).stdout).toBe('200');
      expect((await runLineAsync(httpStatus(`${base}/missing`, 2000))).stdout).toBe('404');
    });

    it('prints 000 when nothing answers', async () => {
      expect((await runLineAsync(httpStatus('http://127.0.0.1:1/', 500))).stdout).toBe('000');
    });
  });
});

describe('curl takes a user URL literally (no globbing)', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.statusCode = 200;
      res.end('Active connections: 1\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => void seen.splice(0));

  it('every curl that takes a user URL turns globbing off (-g)', () => {
    for (const { script } of [httpStatus('http://h/', 1000), stubStatus('http://h/', 1000), probeBurst('http://h/', 2, 1000)]) {
      expect(script).toMatch(/^curl -g /);
    }
  });

  it('httpStatus requests ?v={1,2} once, as written, and reads its 200', async () => {
    expect((await runLineAsync(httpStatus(`${base}/ready?v={1,2}`, 2000))).stdout).toBe('200');
    expect(seen).toEqual(['/ready?v={1,2}']);
  });

  it('probeBurst makes exactly the requests asked for, even with [1-200] in the URL', async () => {
    expect((await runLineAsync(probeBurst(`${base}/p?id=[1-200]`, 2, 2000))).stdout).toBe('200\n200\n');
    expect(seen).toEqual(['/p?id=[1-200]', '/p?id=[1-200]']);
  });

  it('stubStatus reads the URL as written', async () => {
    expect((await runLineAsync(stubStatus(`${base}/status?x={a,b}`, 2000))).stdout).toBe('Active connections: 1\n');
    expect(seen).toEqual(['/status?x={a,b}']);
  });
});
