/**
 * The rollout benchmark (issue 6): `npm run bench` (as root, on Linux).
 *   --runs N         runs per scenario (default 3)
 *   --cold N         cold-start samples (default 12)
 *   --scale-runs N   preflight/overhead samples per fleet size (default 5)
 *   --skip-scale     no 10-host part
 * Writes bench/results/<time>.json and BENCHMARKS.md; prints the markdown table.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLEET_SH, fleetReset, isRootLinux, readFleet } from '../test/fleet/fleet';
import { fleetInputs } from '../test/support/fleet-action';
import { DIST, runAction } from '../test/support/run-action';
import type { BenchResult } from './markdown';
import { publishBench } from './report';
import { SCENARIOS, underLoad, WINDOW, type ScenarioRun } from './scenarios';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    cold: { type: 'string', default: '12' },
    'scale-runs': { type: 'string', default: '5' },
    'skip-scale': { type: 'boolean', default: false },
    connections: { type: 'string', default: '64' },
  },
});
const root = resolve(__dirname, '..');
const say = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

function up(hosts: number): void {
  say(`fleet: ${hosts} hosts`);
  const r = spawnSync(FLEET_SH, ['up', '--hosts', String(hosts)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('fleet.sh up failed');
}

/** Process start to the end of the first SSH handshake (the first host's connect phase). */
async function coldStart(): Promise<number> {
  const started = Date.now();
  const run = await runAction(
    fleetInputs({ hosts: `- {host: ${readFleet().hosts[0]?.address}, name: web-1}`, 'dry-run': 'true', 'check-window': '0' }),
  );
  const connect = run.report?.hosts[0]?.phases.find((p) => p.name === 'connect');
  if (!connect || connect.status !== 'ok') throw new Error(`cold start run failed: ${run.stdout.slice(-500)}`);
  return Date.parse(connect.startedAt) + connect.durationMs - started;
}

/** Preflight of the whole fleet (dry run: connect, inspect, validate every host), and a reload rollout's overhead per host. */
async function scale(): Promise<{ preflightMs: number; overheadPerHostMs: number; rolloutMs: number }> {
  const dry = await runAction(fleetInputs({ 'dry-run': 'true', 'check-window': '0' }));
  if (dry.outputs.status !== 'success') throw new Error(`dry run failed: ${dry.stdout.slice(-800)}`);
  const report = dry.report!;
  const preflightEnd = Math.max(...report.hosts.flatMap((h) => h.phases.map((p) => Date.parse(p.startedAt) + p.durationMs)));
  const roll = await runAction(fleetInputs({ strategy: 'reload', 'check-window': '0' }));
  if (roll.outputs.status !== 'success' || !roll.report) throw new Error(`rollout failed: ${roll.stdout.slice(-800)}`);
  return {
    preflightMs: preflightEnd - Date.parse(report.startedAt),
    overheadPerHostMs: Math.round((roll.report.durationMs - roll.report.waitMs) / roll.report.hosts.length),
    rolloutMs: roll.report.durationMs,
  };
}

async function main(): Promise<void> {
  const env = isRootLinux();
  if (!env.ok) throw new Error(`the benchmark needs the real fleet: ${env.why}`);
  const runs = Number(values.runs);
  const result: BenchResult = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    window: WINDOW,
    connections: Number(values.connections),
    scenarios: [],
    coldStartMs: [],
    bundle: { bytes: statSync(DIST).size, nativeAddons: readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.node')) },
    scale: [],
  };

  up(3);
  for (let i = 0; i < runs; i++) {
    for (const scenario of SCENARIOS) {
      fleetReset();
      say(`${scenario.name} run ${i + 1}/${runs}`);
      const run: ScenarioRun = await underLoad(scenario, result.connections);
      say(
        `  ${run.requests} requests, ${run.failed} failed, rollout ${run.rolloutMs} ms${run.overheadPerHostMs !== undefined ? `, overhead ${run.overheadPerHostMs} ms/host` : ''} (${run.status})`,
      );
      result.scenarios.push(run);
    }
  }
  fleetReset();
  for (let i = 0; i < Number(values.cold); i++) result.coldStartMs.push(await coldStart());
  say(`cold start: ${result.coldStartMs.join(', ')} ms`);

  if (!values['skip-scale']) {
    for (const hosts of [3, 10]) {
      up(hosts);
      for (let i = 0; i < Number(values['scale-runs']); i++) {
        fleetReset();
        const s = await scale();
        say(`scale ${hosts}: preflight ${s.preflightMs} ms, overhead ${s.overheadPerHostMs} ms/host`);
        result.scale.push({ hosts, ...s });
      }
    }
    up(3);
  }

  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(root, 'bench/results', `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(publishBench(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
