import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Fleet } from '../fleet/fleet';

export const CLI = resolve(__dirname, '../../dist/cli.js');

export interface CliRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CliRunOptions {
  env?: Record<string, string>;
  /** The command to run: default dist/cli.js on `$ZDR_NODE` (or this node). */
  command?: string[];
  /** Run it in a pseudo-terminal, as a person would (util-linux `script`); stdout and stderr then arrive together on stdout. */
  pty?: boolean;
  onChild?: (child: ChildProcess) => void;
  /** Live output lines (after a \n or a \r), for tests that act mid-run. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/** A POSIX shell word: the one quoting for the `script -c` command line. */
const sh = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Runs the command as a CI job or a person would: arguments, environment; in a pty when asked. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const command = options.command ?? [process.env.ZDR_NODE || process.execPath, CLI];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TERM: 'xterm', ...options.env };
  const [file, argv] = options.pty
    ? ['script', ['-qfec', [...command, ...args].map(sh).join(' '), '/dev/null']]
    : [command[0] as string, [...command.slice(1), ...args]];
  const started = Date.now();
  return new Promise((done, failed) => {
    const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    options.onChild?.(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!options.onLine) return;
      const lines = (partial + c.toString()).split(/\r|\n/);
      partial = lines.pop() ?? '';
      lines.forEach(options.onLine);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', failed);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/**
 * A working directory for the command against the fleet: deploy.yml with the hosts and HAProxy
 * (as a team would keep it in its repository), the key and known_hosts as files beside it.
 */
export function fleetConfigDir(
  fleet: Fleet,
  settings: Record<string, unknown> = {},
  { lb = true }: { lb?: boolean } = {},
): { dir: string; config: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-cli-'));
  const config = join(dir, 'deploy.yml');
  writeFileSync(
    config,
    stringify({
      hosts: fleet.hosts.map((h) => ({ host: h.address, name: h.name })),
      'private-key-file': fleet.privateKeyPath,
      'known-hosts-file': fleet.knownHostsPath,
      'readiness-url': 'http://127.0.0.1/healthz',
      ...(lb
        ? {
            lb: 'haproxy',
            'lb-host': `root@${fleet.lb.sshHost}:${fleet.lb.sshPort}`,
            'haproxy-socket': fleet.lb.haproxySocket,
            'haproxy-backend': fleet.lb.backend,
          }
        : {}),
      ...settings,
    }),
  );
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
