/**
 * One run of the scale simulation (issue 14; the part is bench/parts/scale-sim.ts): the built action
 * rolls N simulated hosts, and what it cost.
 *
 * SIMULATED, not real hosts. The hosts are ssh2 servers on 127.0.0.1 in one separate process
 * (test/support/sim-fleet.ts): real SSH (key exchange, public-key auth, strict host-key checks,
 * channels, the long-lived shell), but the answers to the rollout's commands are computed like the
 * unit tests' FakeShell, nothing runs: no systemd, nginx, HAProxy, flock or timeout; loopback, so no
 * network latency; no load balancer, no traffic, no error check (check-window 0) and no readiness
 * URL. Each host's change (the reload) takes `waitMs` on the host: the one simulated wait, standing
 * in for the work a real host does, so that wall time means something.
 *
 * The action runs as the runner runs it: the bundle (built from these sources into a temporary
 * directory unless one is named), inputs as INPUT_* variables, a process of its own. Its peak RSS
 * and CPU time are its own getrusage figures (bench/action-usage.mjs), not the hosts' or the
 * driver's. The hosts share the machine's CPU with the action: on a busy machine every wall time is
 * longer; CPU time per host much less so.
 *
 * Orchestration overhead per host = (wall time − inherent waits) / hosts, where the inherent wait
 * of a batch is its slowest host's (`waitMs` plus the waits the report records).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Report } from '../src/report/report';
import { runAction } from '../test/support/run-action';
import type { SimFleetProcess } from '../test/support/sim-fleet-process';

const root = resolve(__dirname, '..');

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
  peakRssMB: number;
  /** The action process's CPU time (user + system) per host: less sensitive to a busy machine than wall time. */
  cpuPerHostMs: number;
  connectionsAccepted: number;
  peakOpenConnections: number;
  /** The V8 heap limit the action ran with (--max-old-space-size), when capped. */
  heapCapMB?: number;
}

export interface SimOptions {
  bundle: string;
  batches: string;
  waitMs: number;
  preflightConcurrency: number;
  /** Extra node options for the action's process, e.g. `--cpu-prof` to see where its time goes. */
  nodeOptions: string;
  /**
   * Caps the action's V8 heap (--max-old-space-size, MB). V8 lets garbage pile up while memory is
   * plentiful, so peak RSS grows with a long run even when little is kept; a run that completes
   * under a small cap shows how much it really keeps.
   */
  heapCapMB?: number;
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
type FromReport = Omit<SimRun, 'hosts' | 'batches' | 'peakRssMB' | 'cpuPerHostMs' | 'connectionsAccepted' | 'peakOpenConnections'>;

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

/** The action's inputs for a rollout of the simulated fleet: reloads, no error watch. */
export function simInputs(fleet: SimFleetProcess, batches: string, preflightConcurrency: number): Record<string, string> {
  return {
    hosts: fleet.hostsInput,
    'private-key': fleet.privateKey,
    'known-hosts': fleet.knownHosts,
    strategy: 'reload',
    'check-window': '0',
    'preflight-concurrency': String(preflightConcurrency),
    ...(batches === '1' ? {} : { batches }),
  };
}

/** Rolls the simulated fleet once with the built action; throws unless the rollout succeeded. */
export async function simRun(fleet: SimFleetProcess, o: SimOptions): Promise<SimRun> {
  const { batches, waitMs } = o;
  const usageFile = join(mkdtempSync(join(tmpdir(), 'zdr-usage-')), 'usage.json');
  await fleet.reset();
  const inputs = simInputs(fleet, batches, o.preflightConcurrency);
  const run = await runAction(inputs, {
    dist: o.bundle,
    timeoutMs: 900_000,
    env: {
      NODE_OPTIONS:
        `${o.heapCapMB ? `--max-old-space-size=${o.heapCapMB} ` : ''}${o.nodeOptions} --import ${join(__dirname, 'action-usage.mjs')}`.trim(),
      ZDR_USAGE_FILE: usageFile,
    },
  });
  const stats = await fleet.stats();
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
    maxRSS: number;
    userCPUTime: number;
    systemCPUTime: number;
    heapAfterGc?: number;
  };
  rmSync(join(usageFile, '..'), { recursive: true, force: true });
  const hosts = fleet.ports.length;
  if (run.outputs.status !== 'success' || !run.report) throw new Error(`the rollout failed: ${run.stdout.slice(-1500)}${run.stderr}`);
  return {
    hosts,
    batches,
    ...figures(run.report, waitMs),
    peakRssMB: Math.round((usage.maxRSS * 1024) / 1e5) / 10,
    cpuPerHostMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / hosts / 100) / 10,
    connectionsAccepted: stats.accepted,
    peakOpenConnections: stats.peakOpen,
    ...(o.heapCapMB ? { heapCapMB: o.heapCapMB } : {}),
  };
}

/** The bundle to run: the one named, or one built from these sources (dist/ is left alone). */
export function bundleFor(given: string | undefined, say: (line: string) => void): { path: string; cleanup: () => void } {
  if (given) return { path: resolve(given), cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'zdr-bundle-'));
  say(`building the action from the sources into ${dir}`);
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), dir], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  return { path: join(dir, 'index.js'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Refuses a batch size the action cannot take yet, instead of silently rolling one host at a time. */
export function checkBatches(specs: string[]): void {
  const inputs = (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs;
  const unsupported = specs.filter((s) => s !== '1');
  if (unsupported.length && !('batches' in inputs)) {
    throw new Error(`--batches ${unsupported.join(', ')}: this action has no batches input yet (only 1, one host at a time, can run)`);
  }
}
