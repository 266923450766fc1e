/**
 * Starts test/support/sim-fleet.ts as its own process (its memory and CPU are not the action's)
 * and talks to it: the hosts' ports, the inputs that reach them, and the servers' counters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { sshKeygen } from './keys';
import type { SimStats } from './sim-fleet';

export interface SimFleetProcess {
  ports: number[];
  /** The client's private key (OpenSSH text) the hosts accept for `root`. */
  privateKey: string;
  /** known_hosts lines, one per host (`[127.0.0.1]:PORT ssh-ed25519 …`). */
  knownHosts: string;
  /** The `hosts` input: a YAML list naming the hosts sim-1 … sim-N. */
  hostsInput: string;
  pid: number;
  stats(): Promise<SimStats>;
  /** Zeroes the counters (between runs) and returns them as they were. */
  reset(): Promise<SimStats>;
  stop(): Promise<void>;
}

function nextLine(lines: Interface, child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`sim-fleet exited (${code}) before answering`));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      resolve(line);
    });
  });
}

/** Starts `hosts` simulated hosts whose change takes `waitMs`; resolves once every one listens. */
export async function startSimFleet(hosts: number, waitMs: number): Promise<SimFleetProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-sim-'));
  const hostKey = sshKeygen('ed25519');
  const client = sshKeygen('ed25519', { comment: 'zdr-sim' });
  writeFileSync(join(dir, 'host_key'), hostKey.private, { mode: 0o600 });
  writeFileSync(join(dir, 'client.pub'), client.public);
  const args = ['--import', 'tsx', join(__dirname, 'sim-fleet.ts'), '--hosts', String(hosts), '--wait-ms', String(waitMs)];
  const child = spawn(process.execPath, [...args, '--host-key', join(dir, 'host_key'), '--authorized-key', join(dir, 'client.pub')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  try {
    const ready = JSON.parse(await nextLine(lines, child)) as { ports: number[]; hostKey: string };
    const ask = async (what: string): Promise<SimStats> => {
      const answer = nextLine(lines, child);
      child.stdin?.write(`${what}\n`);
      return JSON.parse(await answer) as SimStats;
    };
    return {
      ports: ready.ports,
      privateKey: client.private,
      knownHosts: ready.ports.map((p) => `[127.0.0.1]:${p} ${ready.hostKey}`).join('\n'),
      hostsInput: ready.ports.map((p, i) => `- {host: 127.0.0.1, port: ${p}, name: sim-${i + 1}}`).join('\n'),
      pid: child.pid ?? 0,
      stats: () => ask('stats'),
      reset: () => ask('reset'),
      stop: async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        if (child.exitCode === null) await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
