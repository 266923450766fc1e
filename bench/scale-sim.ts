/**
 * Scale simulation (issue 14): the built action rolls 100 and 1,000 simulated hosts.
 *
 *   npx tsx bench/scale-sim.ts [--hosts 100,1000] [--runs 3] [--wait-ms 20] [--batches 1 …] [--bundle FILE]
 *
 * SIMULATED, not real hosts. The hosts are ssh2 servers on 127.0.0.1 in one separate process
 * (test/support/sim-fleet.ts): real SSH (key exchange, public-key auth, strict host-key checks,
 * channels, the long-lived shell), but the answers to the rollout's commands are computed like the
 * unit tests' FakeShell, nothing runs: no systemd, nginx, HAProxy, flock or timeout; loopback, so no
 * network latency; no load balancer, no traffic, no error check (check-window 0) and no readiness
 * URL. Each host's change (the reload) takes --wait-ms on the host: the one simulated wait, standing
 * in for the work a real host does, so that wall time means something.
 *
 * The action runs as the runner runs it: the bundle (built from these sources into a temporary
 * directory unless --bundle names one), inputs as INPUT_* variables, a process of its own. Its peak
 * RSS and CPU time are its own getrusage figures (bench/action-usage.mjs), not the hosts' or this driver's.
 * The hosts share the machine's CPU with the action: on a busy machine every figure is slower.
 *
 * Per run: wall time (the report's duration), preflight, orchestration overhead per host = (wall −
 * inherent waits) / hosts, where the inherent wait of a batch is its slowest host's (--wait-ms plus
 * the waits the report records); the peak RSS; and the connections the hosts saw (accepted, most
 * open at once). `--batches` is passed through as the `batches` input (one value per --batches);
 * values other than 1 need a build whose action.yml has that input.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import type { Report } from '../src/report/report';
import { runAction } from '../test/support/run-action';
import { startSimFleet, type SimFleetProcess } from '../test/support/sim-fleet-process';

const root = resolve(__dirname, '..');
const say = (line: string): void => void process.stderr.write(`[scale-sim] ${line}\n`);

export interface SimRun {
  hosts: number;
  batches: string;
  status: string;
  batchCount: number;
  wallMs: number;
  preflightMs: number;
  perBatchMs: number;
  inherentMs: number;
  overheadPerHostMs: number;
  peakRssMiB: number;
  /** The action process's CPU time (user + system) per host: less sensitive to a busy machine than wall time. */
  cpuPerHostMs: number;
  connectionsAccepted: number;
  peakOpenConnections: number;
}

export interface SimResult {
  date: string;
  command: string;
  machine: string;
  /** The node that ran the action (ZDR_NODE, else this process's). */
  actionNode: string;
  waitMs: number;
  preflightConcurrency: number;
  runs: SimRun[];
}

/** The batch each host rolled in (the report's `batch`, once batches exist), else one host per batch. */
function batchesOf(report: Report): Map<string, Report['hosts']> {
  const batches = new Map<string, Report['hosts']>();
  report.hosts.forEach((h, i) => {
    const key = String((h as { batch?: number }).batch ?? `serial-${i}`);
    batches.set(key, [...(batches.get(key) ?? []), h]);
  });
  return batches;
}

const endOf = (p: { startedAt: string; durationMs: number }): number => Date.parse(p.startedAt) + p.durationMs;

/** The figures of one run from its report, the RSS file and the hosts' counters. */
type FromReport = Omit<SimRun, 'hosts' | 'batches' | 'peakRssMiB' | 'cpuPerHostMs' | 'connectionsAccepted' | 'peakOpenConnections'>;

function figures(report: Report, waitMs: number): FromReport {
  const batches = batchesOf(report);
  const preflight = report.hosts.flatMap((h) => h.phases.filter((p) => ['connect', 'inspect', 'validate'].includes(p.name)));
  const preflightMs = Math.max(...preflight.map(endOf)) - Date.parse(report.startedAt);
  let inherentMs = 0;
  for (const hosts of batches.values()) inherentMs += Math.max(...hosts.map((h) => waitMs + h.phases.reduce((n, p) => n + p.waitMs, 0)));
  return {
    status: report.status,
    batchCount: batches.size,
    wallMs: report.durationMs,
    preflightMs,
    perBatchMs: Math.round((report.durationMs - preflightMs) / batches.size),
    inherentMs,
    overheadPerHostMs: Math.round(((report.durationMs - inherentMs) / report.hosts.length) * 10) / 10,
  };
}

async function oneRun(fleet: SimFleetProcess, bundle: string, batches: string, waitMs: number, concurrency: number): Promise<SimRun> {
  const usageFile = join(mkdtempSync(join(tmpdir(), 'zdr-usage-')), 'usage.json');
  await fleet.reset();
  const inputs: Record<string, string> = {
    hosts: fleet.hostsInput,
    'private-key': fleet.privateKey,
    'known-hosts': fleet.knownHosts,
    strategy: 'reload',
    'check-window': '0',
    'preflight-concurrency': String(concurrency),
  };
  if (batches !== '1') inputs.batches = batches;
  const run = await runAction(inputs, {
    script: bundle,
    timeoutMs: 900_000,
    env: { NODE_OPTIONS: `--import ${join(__dirname, 'action-usage.mjs')}`, ZDR_USAGE_FILE: usageFile },
  });
  const stats = await fleet.stats();
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRSS: number; userCPUTime: number; systemCPUTime: number };
  rmSync(join(usageFile, '..'), { recursive: true, force: true });
  const hosts = fleet.ports.length;
  if (run.outputs.status !== 'success' || !run.report) throw new Error(`the rollout failed: ${run.stdout.slice(-1500)}${run.stderr}`);
  return {
    hosts,
    batches,
    ...figures(run.report, waitMs),
    peakRssMiB: Math.round(usage.maxRSS / 102.4) / 10,
    cpuPerHostMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / hosts / 100) / 10,
    connectionsAccepted: stats.accepted,
    peakOpenConnections: stats.peakOpen,
  };
}

/** The bundle to run: the one named, or one built from these sources (dist/ is left alone). */
function bundleFor(given: string | undefined): { path: string; cleanup: () => void } {
  if (given) return { path: resolve(given), cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'zdr-bundle-'));
  say(`building the action from the sources into ${dir}`);
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), dir], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  return { path: join(dir, 'index.js'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Refuses a batch size the action cannot take yet, instead of silently rolling one host at a time. */
function checkBatches(specs: string[]): void {
  const inputs = (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs;
  const unsupported = specs.filter((s) => s !== '1');
  if (unsupported.length && !('batches' in inputs)) {
    throw new Error(`--batches ${unsupported.join(', ')}: this action has no batches input yet (only 1, one host at a time, can run)`);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const spread = (xs: number[], unit: string): string => `${median(xs)}${unit} (${Math.min(...xs)}–${Math.max(...xs)})`;

/** The result as a markdown table: medians (min–max) per fleet size and batch setting, with the targets. */
export function simMarkdown(r: SimResult): string {
  const keys = [...new Set(r.runs.map((x) => `${x.hosts}|${x.batches}`))];
  const rows = keys.map((k) => {
    const runs = r.runs.filter((x) => `${x.hosts}|${x.batches}` === k);
    const [hosts, batches] = k.split('|');
    const col = (f: (x: SimRun) => number, unit = ''): string => spread(runs.map(f), unit);
    return `| ${hosts} | \`${batches}\` (${runs[0]?.batchCount} batches) | ${runs.length} | ${col((x) => x.wallMs / 1000, ' s')} | ${col((x) => x.preflightMs / 1000, ' s')} | ${col((x) => x.perBatchMs, ' ms')} | ${col((x) => x.overheadPerHostMs, ' ms')} | ${col((x) => x.cpuPerHostMs, ' ms')} | ${col((x) => x.peakRssMiB, ' MiB')} | ${col((x) => x.peakOpenConnections)} |`;
  });
  return [
    `Simulated hosts (ssh2 servers on loopback in a separate process; each change waits ${r.waitMs} ms on the host), median (min–max), ${r.date.slice(0, 10)}, \`${r.command}\`; ${r.machine}; action on node ${r.actionNode}; preflight-concurrency ${r.preflightConcurrency}.`,
    '',
    '| hosts | batches | runs | wall time | preflight | per batch (after preflight) | orchestration overhead per host | action CPU per host | action peak RSS | connections open at once (hosts’ side) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '100,1000' },
      runs: { type: 'string', default: '3' },
      'wait-ms': { type: 'string', default: '20' },
      batches: { type: 'string', multiple: true, default: ['1'] },
      'preflight-concurrency': { type: 'string', default: '16' },
      bundle: { type: 'string' },
    },
  });
  const waitMs = Number(values['wait-ms']);
  const concurrency = Number(values['preflight-concurrency']);
  checkBatches(values.batches);
  const bundle = bundleFor(values.bundle);
  const result: SimResult = {
    date: new Date().toISOString(),
    command: `npx tsx bench/scale-sim.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0]?.toFixed(1)} at the start`,
    actionNode: spawnSync(process.env.ZDR_NODE || process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    waitMs,
    preflightConcurrency: concurrency,
    runs: [],
  };
  try {
    for (const hosts of values.hosts.split(',').map(Number)) {
      say(`starting ${hosts} simulated hosts`);
      const fleet = await startSimFleet(hosts, waitMs);
      try {
        for (const batches of values.batches) {
          for (let i = 0; i < Number(values.runs); i++) {
            const run = await oneRun(fleet, bundle.path, batches, waitMs, concurrency);
            say(`${hosts} hosts, batches ${batches}, run ${i + 1}: ${JSON.stringify(run)}`);
            result.runs.push(run);
          }
        }
      } finally {
        await fleet.stop();
      }
    }
  } finally {
    bundle.cleanup();
  }
  const dir = join(root, 'bench/results/scale-sim');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${simMarkdown(result)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
