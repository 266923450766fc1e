/**
 * The floors part (issue 18): what this machine and fleet cost before any of the action's own work,
 * measured piece by piece, so the speed and cold-start figures can be read against them. Node's own
 * start (a process that does nothing), one SSH handshake with the product's connector (strict
 * host-key check, key auth), one new SSH channel (the remote user's login shell, which sshd runs for
 * every channel) on a fleet host and on the load balancer's host, and the lock commands on a fleet
 * host, each the median of several samples.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFleet } from '../../test/fleet/fleet';
import { lockAcquire, lockRelease } from '../../src/remote/commands/locks';
import { userCommand } from '../../src/remote/commands/exec';
import { RemoteHost } from '../../src/remote/remote-host';
import { KnownHosts, parseKnownHosts } from '../../src/transport/known-hosts';
import { SshConnector } from '../../src/transport/ssh-connector';
import type { Connection } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';
import { fleetUp } from '../fleet-size';
import { median, spread, type BenchPart, type PartResult } from '../part';

export interface FloorsData {
  samples: number;
  node: string;
  /** Spawn to exit of `node -e 0`. */
  nodeStartMs: number[];
  /** TCP connect to SSH ready (handshake, host-key check, key auth), web-1 and the LB host. */
  handshakeMs: { host: number[]; lb: number[] };
  /** `true` on a new channel of an open connection: the login shell sshd starts for it. */
  channelMs: { host: number[]; lb: number[] };
  /** `bash -c '. ~/.bashrc'` as this process's user (root): the machine's own profile, which the LB's sshd does not read. */
  bashrcMs: number[];
  /** The lock commands on web-1, through the host's long-lived shell. */
  lockMs: { acquire: number[]; release: number[] };
}

const OWNER = 'bench floors #0';

/** The product's connector for the fleet's hosts and load balancer: strict host keys, key auth. */
export function fleetConnector(): SshConnector {
  const fleet = readFleet();
  return new SshConnector({
    privateKey: readFileSync(fleet.privateKeyPath, 'utf8'),
    hostKeys: { mode: 'strict', knownHosts: new KnownHosts(parseKnownHosts(readFileSync(fleet.knownHostsPath, 'utf8')).entries) },
    connectTimeoutMs: 10_000,
    keepaliveMs: 5000,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await work();
  return [Math.round(performance.now() - started), value];
}

/** Handshakes to the target, then new channels on the last connection; closes everything. */
async function sshFloors(ssh: SshConnector, target: SshTarget, samples: number): Promise<{ handshake: number[]; channel: number[] }> {
  const handshake: number[] = [];
  const channel: number[] = [];
  const connections: Connection[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const [ms, connection] = await timed(() => ssh.connect(target));
      handshake.push(ms);
      connections.push(connection);
      if (i < samples - 1) await connection.close();
    }
    const last = connections[connections.length - 1] as Connection;
    for (let i = 0; i < samples; i++) {
      const [ms, result] = await timed(() => last.exec('true', { timeoutMs: 30_000 }));
      if (result.code !== 0) throw new Error(`${target.name}: true exited ${result.code}: ${result.stderr}`);
      channel.push(ms);
    }
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
  }
  return { handshake, channel };
}

/** The lock taken and given back on web-1, through its long-lived shell (started before timing). */
async function lockFloors(ssh: SshConnector, target: SshTarget, samples: number): Promise<FloorsData['lockMs']> {
  const remote = new RemoteHost(await ssh.connect(target), false);
  const lock = { acquire: [] as number[], release: [] as number[] };
  try {
    await remote.check(userCommand('warm-up', 'true', 10_000));
    for (let i = 0; i < samples; i++) {
      const [a, took] = await timed(() => remote.run(lockAcquire('bench-floors', OWNER, 60, 10_000)));
      const [r, gave] = await timed(() => remote.run(lockRelease('bench-floors', OWNER, 10_000)));
      if (took.code !== 0 || gave.code !== 0) throw new Error(`lock commands failed: ${took.stderr} ${gave.stderr}`);
      lock.acquire.push(a);
      lock.release.push(r);
    }
  } finally {
    await remote.close();
  }
  return lock;
}

/** Spawn to exit of a local command, `samples` times. */
function spawnTimes(command: string, args: string[], samples: number): number[] {
  return Array.from({ length: samples }, () => {
    const started = performance.now();
    const ran = spawnSync(command, args);
    if (ran.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${ran.status}`);
    return Math.round(performance.now() - started);
  });
}

function markdown(r: PartResult<FloorsData>): string {
  const d = r.data;
  return `## Floors: what the machine and the fleet cost before the action's own work

${r.date.slice(0, 10)}, \`${r.command}\`. Each row: median (min–max) of ${d.samples} samples, taken
one at a time with no other load from the benchmark. They bound the speed targets from below on
this machine: the action's wall time includes two node starts (main and post step), its cold start a
node start and a handshake, and its preflight, where the load balancer's lock needs a shell on its
host, one new channel there.

| what | median (min–max) |
| --- | --- |
| node's own start and exit: \`node -e 0\` (${d.node}) | ${spread(d.nodeStartMs, ' ms')} |
| one SSH handshake to a fleet host (the product's connector: strict host key, key auth) | ${spread(d.handshakeMs.host, ' ms')} |
| one SSH handshake to the load balancer's host (sshd on this machine) | ${spread(d.handshakeMs.lb, ' ms')} |
| a new channel running \`true\` on a fleet host (its login shell) | ${spread(d.channelMs.host, ' ms')} |
| a new channel running \`true\` on the load balancer's host (root's login shell there, with Debian's stock \`~/.bashrc\`: see test/fleet/README.md) | ${spread(d.channelMs.lb, ' ms')} |
| for comparison, this machine's own root \`~/.bashrc\` (\`bash -c '. ~/.bashrc'\`), which the load balancer's sshd read for every command until the testbed gave it Debian's stock file | ${spread(d.bashrcMs, ' ms')} |
| the lock taken on a fleet host (the host's long-lived shell) | ${spread(d.lockMs.acquire, ' ms')} |
| the lock given back on a fleet host | ${spread(d.lockMs.release, ' ms')} |
`;
}

export const floors: BenchPart<FloorsData> = {
  name: 'floors',
  title: "what the machine and fleet cost before the action's own work: node's start, a handshake, a login shell, the lock commands",
  options: { 'floor-samples': { type: 'string', default: '9' } },
  async run(args, say) {
    fleetUp(3, say);
    const fleet = readFleet();
    const samples = Number(args['floor-samples']);
    const node = process.env.ZDR_NODE || process.execPath;
    const nodeStartMs = spawnTimes(node, ['-e', '0'], samples);
    say(`node start: ${nodeStartMs.join(', ')} ms`);
    const ssh = fleetConnector();
    const web1 = fleet.hosts[0];
    if (!web1) throw new Error('no fleet host');
    const host: SshTarget = { host: web1.address, port: web1.port, user: 'root', name: web1.name };
    const lb: SshTarget = { host: fleet.lb.sshHost, port: fleet.lb.sshPort, user: 'root', name: 'lb' };
    const onHost = await sshFloors(ssh, host, samples);
    const onLb = await sshFloors(ssh, lb, samples);
    say(`handshake: host ${onHost.handshake.join(', ')}; lb ${onLb.handshake.join(', ')} ms`);
    say(`channel: host ${onHost.channel.join(', ')}; lb ${onLb.channel.join(', ')} ms`);
    const lockMs = await lockFloors(ssh, host, samples);
    say(`lock: acquire ${lockMs.acquire.join(', ')}; release ${lockMs.release.join(', ')} ms`);
    const bashrcMs = spawnTimes('bash', ['-c', '[ ! -f ~/.bashrc ] || . ~/.bashrc; true'], samples);
    say(`~/.bashrc: ${bashrcMs.join(', ')} ms`);
    await ssh.close();
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return {
      samples,
      node: `node ${version}`,
      nodeStartMs,
      handshakeMs: { host: onHost.handshake, lb: onLb.handshake },
      channelMs: { host: onHost.channel, lb: onLb.channel },
      lockMs,
      bashrcMs,
    };
  },
  markdown,
  readme: (r) =>
    `Floors on this machine: node's own start ${median(r.data.nodeStartMs)} ms, one SSH handshake ${median(r.data.handshakeMs.host)} ms, a login shell on the load balancer's host ${median(r.data.channelMs.lb)} ms.`,
};
