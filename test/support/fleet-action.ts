import { readFileSync } from 'node:fs';
import { fleetReset, hostExec, readFleet, startWrk, type Fleet, type WrkOptions, type WrkResult } from '../fleet/fleet';
import { runAction, type ActionRun, type RunOptions } from './run-action';

/** `hosts` in the rich YAML form, names matching HAProxy's server names. */
export function hostsYaml(fleet: Fleet, count = fleet.hosts.length, user?: string): string {
  return fleet.hosts
    .slice(0, count)
    .map((h) => `- host: ${h.address}\n  name: ${h.name}${user ? `\n  user: ${user}` : ''}`)
    .join('\n');
}

/** Inputs for a rollout of the fleet, the way a workflow would pass them; `extra` overrides. */
export function fleetInputs(extra: Record<string, string> = {}, fleet: Fleet = readFleet()): Record<string, string> {
  return {
    hosts: hostsYaml(fleet),
    'private-key': readFileSync(fleet.privateKeyPath, 'utf8'),
    'known-hosts': readFileSync(fleet.knownHostsPath, 'utf8'),
    'readiness-url': 'http://127.0.0.1/healthz',
    ...extra,
  };
}

/** Inputs for HAProxy on the machine, reached over SSH like a production load balancer. */
export function haproxyInputs(fleet: Fleet = readFleet()): Record<string, string> {
  return {
    lb: 'haproxy',
    'lb-host': `root@${fleet.lb.sshHost}:${fleet.lb.sshPort}`,
    'haproxy-socket': fleet.lb.haproxySocket,
    'haproxy-backend': fleet.lb.backend,
  };
}

export function runOnFleet(extra: Record<string, string> = {}, options: RunOptions = {}): Promise<ActionRun> {
  return runAction(fleetInputs(extra), options);
}

/**
 * A rollout under steady load through `url`: wrk starts 2 s before the action and stops 1 s
 * after it, so the tally covers the whole rollout.
 */
export async function rollUnderLoad(
  url: string,
  connections: number,
  extra: Record<string, string>,
  wrk: Pick<WrkOptions, 'connectionPerRequest'> = {},
): Promise<{ run: ActionRun; tally: WrkResult }> {
  const load = startWrk({ url, seconds: 600, connections, ...wrk });
  await new Promise((r) => setTimeout(r, 2000));
  try {
    const run = await runOnFleet(extra);
    await new Promise((r) => setTimeout(r, 1000));
    return { run, tally: await load.stop() };
  } finally {
    await load.stop().catch(() => undefined);
  }
}

/** nginx's master and worker pids on a host, to prove what a reload did. */
export function nginxPids(host: string): { master: number; workers: number[] } {
  const r = hostExec(
    host,
    'm=$(systemctl show -p MainPID --value nginx); echo $m; ps --ppid $m -o pid=,args= | grep "worker process$" | awk "{print \\$1}"',
  );
  const [master, ...workers] = r.stdout.trim().split('\n').map(Number);
  return { master: master ?? 0, workers: workers.sort() };
}

/** The main PID of a unit on a host (changes on restart). */
export function mainPid(host: string, unit: string): number {
  return Number(hostExec(host, `systemctl show -p MainPID --value ${unit}`).stdout.trim());
}

export { fleetReset, readFleet };
