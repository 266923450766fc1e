import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FLEET_SH, fleetReset, STATE_DIR } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import { BEFORE_OPTION, builds, type Build } from '../before';
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
  /**
   * Each host's inspect phase: the host's first commands (its long-lived shell started, the unit
   * read), where a server's Nagle meeting this side's delayed ACKs showed as ~40 ms stalls. Per
   * build (`after`: dist/; `before`: the --before build, run alternately) and route.
   */
  inspect?: Partial<Record<Build['label'], { direct: number[]; via: number[] }>>;
}

interface DryRunPhases {
  connect: number[];
  inspect: number[];
}

/**
 * One dry run of the 3 hosts, preflighted one at a time (preflight-concurrency 1) and with no load
 * balancer, so each connect phase is one host's connect alone; returns them in host order.
 */
async function dryRun(extra: Record<string, string>, dist?: string): Promise<DryRunPhases> {
  const inputs = fleetInputs({ 'dry-run': 'true', 'check-window': '0', 'preflight-concurrency': '1', ...extra });
  const run = await runAction(inputs, dist ? { dist } : {});
  if (run.outputs.status !== 'success' || !run.report) throw new Error(`dry run failed: ${run.stdout.slice(-800)}`);
  const phase = (name: string): number[] =>
    (run.report?.hosts ?? []).map((h) => {
      const found = h.phases.find((p) => p.name === name);
      if (found?.status !== 'ok') throw new Error(`${h.name}: no ${name} phase`);
      return found.durationMs;
    });
  return { connect: phase('connect'), inspect: phase('inspect') };
}

/** `runs` dry runs per build, the builds alternating; the current build's connect phases too. */
async function sample(
  runs: number,
  all: Build[],
  extra: Record<string, string>,
  data: BastionData,
  route: 'direct' | 'via',
): Promise<void> {
  for (let i = 0; i < runs; i++) {
    for (const build of all) {
      const { connect, inspect } = await dryRun(extra, build.dist);
      const mine = ((data.inspect ??= {})[build.label] ??= { direct: [], via: [] });
      mine[route].push(...inspect);
      if (build.label !== 'after') continue;
      if (route === 'direct') data.direct.push(...connect);
      else {
        const [first = NaN, ...next] = connect;
        data.viaFirst.push(first);
        data.viaNext.push(...next);
      }
    }
  }
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
${inspectRows(d)}`;
}

/** The first commands on each host (inspect phase), per build and route, with the stalls counted. */
function inspectRows(d: BastionData): string {
  const rows = Object.entries(d.inspect ?? {}).flatMap(([label, t]) => [
    `| ${label}: inspect phase, direct (its first commands: the shell started, the unit read) | ${spread(t.direct, ' ms')}; over 40 ms: ${t.direct.filter((ms) => ms > 40).length} of ${t.direct.length} |`,
    `| ${label}: inspect phase, through the bastion | ${spread(t.via, ' ms')}; over 40 ms: ${t.via.filter((ms) => ms > 40).length} of ${t.via.length} |`,
  ]);
  if (!rows.length) return '';
  return `${rows.join('\n')}

*Inspect* is each host's first commands: the long-lived shell started on a new channel, then the unit
read (one \`systemctl show\`). \`after\` is this build, \`before\` the --before build, run alternately.
sshd keeps Nagle's algorithm on a connection until a command starts there (a bastion's, which only
forwards, for good), and this side's kernel holds its ACK back up to 40 ms when it has nothing to send:
a build that does not answer such bursts (transport/prompt-ack.ts) waits ~40 ms at random.
`;
}

export const bastion: BenchPart<BastionData> = {
  name: 'bastion',
  title: 'per-host connect time through a bastion vs direct',
  options: { 'bastion-runs': { type: 'string', default: '5' }, ...BEFORE_OPTION },
  async run(args, say) {
    fleetUp(3, say);
    fleetReset();
    const runs = Number(args['bastion-runs']);
    const all = builds(args);
    const data: BastionData = { runs, direct: [], viaFirst: [], viaNext: [] };
    await sample(runs, all, {}, data, 'direct');
    say(`direct: ${data.direct.join(', ')} ms`);
    execFileSync(FLEET_SH, ['bastion-up'], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await sample(runs, all, throughBastion(), data, 'via');
    } finally {
      execFileSync(FLEET_SH, ['bastion-down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    say(`via bastion: first ${data.viaFirst.join(', ')} ms; next ${data.viaNext.join(', ')} ms`);
    for (const [label, times] of Object.entries(data.inspect ?? {}))
      say(`inspect (${label}): direct ${times.direct.join(', ')}; via ${times.via.join(', ')} ms`);
    return data;
  },
  markdown,
  readme: (r) =>
    `Connect per host through a bastion: ${median(r.data.viaNext)} ms (first host, with the bastion's handshake: ${median(r.data.viaFirst)} ms), direct ${median(r.data.direct)} ms.`,
};
