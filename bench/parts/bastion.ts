import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FLEET_SH, fleetReset, STATE_DIR } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import { fleetUp } from '../fleet-size';
import { median, spread, type BenchPart, type PartResult } from '../part';

/** Each host's connect phase (TCP, every hop's handshake and host-key check, auth), in ms. */
export interface BastionData {
  runs: number;
  /** Hosts connected to directly. */
  direct: number[];
  /** The first host through bastion-1: its connect includes the bastion's own handshake. */
  viaFirst: number[];
  /** The next hosts through bastion-1: a channel of the bastion connection already open. */
  viaNext: number[];
}

/**
 * One dry run of the 3 hosts, preflighted one at a time (preflight-concurrency 1) and with no load
 * balancer, so each connect phase is one host's connect alone; returns them in host order.
 */
async function connects(extra: Record<string, string>): Promise<number[]> {
  const run = await runAction(fleetInputs({ 'dry-run': 'true', 'check-window': '0', 'preflight-concurrency': '1', ...extra }));
  if (run.outputs.status !== 'success' || !run.report) throw new Error(`dry run failed: ${run.stdout.slice(-800)}`);
  return run.report.hosts.map((h) => {
    const phase = h.phases.find((p) => p.name === 'connect');
    if (phase?.status !== 'ok') throw new Error(`${h.name}: no connect phase`);
    return phase.durationMs;
  });
}

interface BastionJson {
  jumpKeyPath: string;
  knownHostsPath: string;
  bastion1: { address: string; user: string };
  hosts: { name: string; privateAddress: string }[];
}

function throughBastion(): Record<string, string> {
  const b = JSON.parse(readFileSync(`${STATE_DIR}/bastion/bastion.json`, 'utf8')) as BastionJson;
  return {
    hosts: b.hosts.map((h) => `- {host: ${h.privateAddress}, name: ${h.name}}`).join('\n'),
    'jump-hosts': `${b.bastion1.user}@${b.bastion1.address}`,
    'jump-private-key': readFileSync(b.jumpKeyPath, 'utf8'),
    'known-hosts': readFileSync(b.knownHostsPath, 'utf8'),
  };
}

function markdown(r: PartResult<BastionData>): string {
  const d = r.data;
  return `## Connect through a bastion

Each host's connect phase (TCP, SSH handshake with strict host-key check, key auth) on the real
fleet, directly and through bastion-1 (\`fleet.sh bastion-up\`: a \`systemd-nspawn\` container with
OpenSSH's sshd on the same bridge: the extra network hop costs almost nothing here, and the latency of
a real bastion across a WAN is not simulated). ${d.runs} dry runs of 3 hosts each way, one host at a
time, no load balancer; the direct figures include each run's first host.
${r.date.slice(0, 10)}, \`${r.command}\`.

| route | connect per host, median (min–max) |
| --- | --- |
| direct | ${spread(d.direct, ' ms')} |
| through the bastion, first host (includes the bastion's own handshake) | ${spread(d.viaFirst, ' ms')} |
| through the bastion, next hosts (a channel of the open bastion connection) | ${spread(d.viaNext, ' ms')} |
`;
}

export const bastion: BenchPart<BastionData> = {
  name: 'bastion',
  title: 'per-host connect time through a bastion vs direct',
  options: { 'bastion-runs': { type: 'string', default: '5' } },
  async run(args, say) {
    fleetUp(3, say);
    fleetReset();
    const runs = Number(args['bastion-runs']);
    const data: BastionData = { runs, direct: [], viaFirst: [], viaNext: [] };
    for (let i = 0; i < runs; i++) data.direct.push(...(await connects({})));
    say(`direct: ${data.direct.join(', ')} ms`);
    execFileSync(FLEET_SH, ['bastion-up'], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      for (let i = 0; i < runs; i++) {
        const [first = NaN, ...next] = await connects(throughBastion());
        data.viaFirst.push(first);
        data.viaNext.push(...next);
      }
    } finally {
      execFileSync(FLEET_SH, ['bastion-down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    say(`via bastion: first ${data.viaFirst.join(', ')} ms; next ${data.viaNext.join(', ')} ms`);
    return data;
  },
  markdown,
  readme: (r) =>
    `Connect per host through a bastion: ${median(r.data.viaNext)} ms (first host, with the bastion's handshake: ${median(r.data.viaFirst)} ms), direct ${median(r.data.direct)} ms.`,
};
