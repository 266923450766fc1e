/**
 * The scale simulation (issue 14): `npm run bench -- --part scale-sim`. The built action rolls 100
 * and 1,000 SIMULATED hosts (bench/sim-run.ts says what is simulated and what is left out); wall
 * time per batch setting, preflight, orchestration overhead and CPU per host, the action's own peak
 * RSS, and the connections the hosts saw. It needs no fleet: the hosts are ssh2 servers on loopback
 * in a process of their own.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { startSimFleet } from '../../test/support/sim-fleet-process';
import { median, spread, type BenchPart, type PartResult, type Target } from '../part';
import { bundleFor, checkBatches, simRun, type SimRun } from '../sim-run';

export interface ScaleSimData {
  waitMs: number;
  preflightConcurrency: number;
  /** The node that ran the action (ZDR_NODE, else the driver's). */
  actionNode: string;
  /** The machine's 1-minute load average when the part started: the hosts and the action share it. */
  loadAverage: number;
  runs: SimRun[];
}

const key = (r: SimRun): string => `${r.hosts}|${r.batches}|${r.heapCapMB ?? ''}`;
const groups = (d: ScaleSimData): SimRun[][] => [...new Set(d.runs.map(key))].map((k) => d.runs.filter((r) => key(r) === k));
/** A figure of the runs at `hosts` with the default heap (the capped runs answer another question). */
const at = (d: ScaleSimData, hosts: number, f: (r: SimRun) => number): number[] =>
  d.runs.filter((r) => r.hosts === hosts && !r.heapCapMB).map(f);
const s = (ms: number): number => Math.round(ms / 100) / 10;

function row(runs: SimRun[]): string {
  const first = runs[0] as SimRun;
  const col = (f: (r: SimRun) => number, unit = ''): string => spread(runs.map(f), unit);
  const hosts = first.heapCapMB ? `${first.hosts}, V8 heap capped at ${first.heapCapMB} MB` : String(first.hosts);
  return `| ${hosts} | \`${first.batches}\` (${first.batchCount} batches) | ${runs.length} | ${col((r) => s(r.wallMs), ' s')} | ${col((r) => s(r.preflightMs), ' s')} | ${col((r) => r.perBatchMs, ' ms')} | ${col((r) => r.overheadPerHostMs, ' ms')} | ${col((r) => r.cpuPerHostMs, ' ms')} | ${col((r) => r.peakRssMB, ' MB')} | ${col((r) => r.peakOpenConnections)} |`;
}

function markdown(r: PartResult<ScaleSimData>): string {
  const d = r.data;
  return `## Scale, simulated: 100 and 1,000 hosts

${r.date.slice(0, 10)}, \`${r.command}\`; the action on node ${d.actionNode}; load average ${d.loadAverage} when it started.

**Simulated, not real hosts.** Each host is an ssh2 server on 127.0.0.1, all in one process apart
from the action's: real SSH (key exchange, key authentication, strict host-key check, channels and
the action's long-lived shell), but every command's answer is computed (like the unit tests'
\`FakeShell\`): no systemd, nginx, HAProxy, \`flock\` or \`timeout\` runs; loopback, so no network
latency; no load balancer, no traffic, no error check (\`check-window: 0\`), no readiness URL. Each
host's change (a reload) waits ${d.waitMs} ms on the host, the one simulated wait. The hosts' process
shares this machine's CPU with the action. Strategy \`reload\`, \`preflight-concurrency\` ${d.preflightConcurrency}.

| hosts | batches | runs | wall time | preflight | per batch, after preflight | orchestration overhead per host | action CPU per host | action peak RSS | connections open at once (hosts' side) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${groups(d).map(row).join('\n')}

- *Orchestration overhead per host*: (wall time − the inherent waits: per batch, its slowest host's
  ${d.waitMs} ms and the waits the report records) / hosts. It includes preflight, and on a busy
  machine the time spent waiting for a CPU. *Action CPU per host*: the action process's user +
  system CPU time / hosts (getrusage), which a busy machine inflates much less.
- *Action peak RSS*: the action process's own high-water mark (getrusage \`ru_maxrss\`), not the
  hosts' process. V8 lets garbage pile up while memory is plentiful, so with the default heap the
  peak grows over a longer run; the rows with the heap capped (\`--max-old-space-size\`) show the
  same rollout completing in a small heap, i.e. what the run really keeps; \`npx tsx bench/heap-probe.ts
  --hosts 200,500 --snapshots\` splits the RSS into the heap kept after a forced collection, V8's
  young and old generations, and the objects a host adds. *Connections open at once*: the most TCP connections the simulated hosts had open
  at the same moment (preflight holds at most \`preflight-concurrency\`; a turn, one per host).
`;
}

/** `; with the heap capped at N MB: …` for the capped runs at 1,000 hosts, if any. */
function capped(d: ScaleSimData): string {
  const runs = d.runs.filter((r) => r.hosts === 1000 && r.heapCapMB);
  if (!runs.length) return '';
  // simRun throws on a failed rollout, so every run listed here completed.
  return `; with the V8 heap capped at ${runs[0]?.heapCapMB} MB the same rollout completed (${runs.length} runs), peak RSS ${spread(
    runs.map((r) => r.peakRssMB),
    ' MB',
  )}`;
}

/**
 * Fits the time after preflight, over every run with the default heap (both fleet sizes, every
 * batch setting), as hosts × a + batches × b by least squares: b is what a batch adds (its
 * slowest host's wait), a what a host adds however it is batched (its own work: CPU on this
 * machine's cores and its round trips). Null unless the runs vary in both.
 */
function fitPerHostAndBatch(d: ScaleSimData): { perHostMs: number; perBatchMs: number } | null {
  const runs = d.runs.filter((r) => !r.heapCapMB);
  const sum = (f: (r: SimRun) => number): number => runs.reduce((acc, r) => acc + f(r), 0);
  const t = (r: SimRun): number => r.wallMs - r.preflightMs;
  const [hh, hn, nn] = [sum((r) => r.hosts ** 2), sum((r) => r.hosts * r.batchCount), sum((r) => r.batchCount ** 2)];
  const [ht, nt] = [sum((r) => r.hosts * t(r)), sum((r) => r.batchCount * t(r))];
  const det = hh * nn - hn * hn;
  // Hosts and batches in proportion in every run (one host per batch only): they cannot be told apart.
  if (Math.abs(det) < 1e-9 * hh * nn) return null;
  const a = (ht * nn - nt * hn) / det;
  const b = (nt * hh - ht * hn) / det;
  return { perHostMs: Math.round(a * 10) / 10, perBatchMs: Math.round(b * 10) / 10 };
}

/** After preflight, the time should come from the batches' waits, with only CPU work per host. */
function batchesTarget(d: ScaleSimData): Target {
  const target = 'wall time grows with the number of batches, not hosts';
  const fit = fitPerHostAndBatch(d);
  if (!fit) return { target, met: null, result: 'only one host per batch was run, so hosts and batches cannot be told apart' };
  const after = (b: string): string =>
    spread(
      d.runs.filter((r) => r.hosts === 1000 && !r.heapCapMB && r.batches === b).map((r) => s(r.wallMs - r.preflightMs)),
      ' s',
    );
  const settings = [...new Set(d.runs.filter((r) => r.hosts === 1000 && !r.heapCapMB).map((r) => r.batches))];
  return {
    target,
    // A batch costs its wait, and a host only its own work, under the 50 ms overhead target.
    met: fit.perBatchMs > 0 && fit.perBatchMs <= d.waitMs * 1.5 && fit.perHostMs >= 0 && fit.perHostMs <= 50,
    result: `at 1,000 hosts the time after preflight was ${settings.map((b) => `${after(b)} with batches \`${b}\``).join(', ')}; fitted over both fleet sizes as hosts × ${fit.perHostMs} ms + batches × ${fit.perBatchMs} ms (the simulated wait is ${d.waitMs} ms): a batch adds its wait, a host only its own work (CPU for SSH and its commands on 2 shared cores, and its round trips); preflight (in the table) is per host, ${d.preflightConcurrency} at a time`,
  };
}

function targets(r: PartResult<ScaleSimData>): Target[] {
  const d = r.data;
  const overhead = at(d, 1000, (x) => x.overheadPerHostMs);
  const rss = at(d, 1000, (x) => x.peakRssMB);
  return [
    {
      target: 'orchestration overhead ≤ 50 ms per host at 1,000 simulated hosts',
      met: overhead.length ? median(overhead) <= 50 : null,
      result: overhead.length ? `median ${median(overhead)} ms (CPU ${median(at(d, 1000, (x) => x.cpuPerHostMs))} ms per host)` : '—',
    },
    {
      target: 'action peak RSS ≤ 300 MB at 1,000 simulated hosts',
      met: rss.length ? Math.max(...rss) <= 300 : null,
      result: rss.length
        ? `max ${Math.max(...rss)} MB (100 hosts: ${spread(
            at(d, 100, (x) => x.peakRssMB),
            ' MB',
          )})${capped(d)}`
        : '—',
    },
    batchesTarget(d),
  ];
}

export const scaleSim: BenchPart<ScaleSimData> = {
  name: 'scale-sim',
  title: 'the built action against 100 and 1,000 simulated hosts (ssh2 servers on loopback, no real services)',
  options: {
    'sim-hosts': { type: 'string', default: '100,1000' },
    'sim-runs': { type: 'string', default: '3' },
    'sim-wait-ms': { type: 'string', default: '20' },
    'sim-batches': { type: 'string', multiple: true, default: ['1'] },
    'sim-preflight-concurrency': { type: 'string', default: '16' },
    'sim-bundle': { type: 'string', default: '' },
    'sim-node-options': { type: 'string', default: '' },
    'sim-heap-cap': { type: 'string', default: '100' },
  },
  async run(args, say) {
    const batchSettings = args['sim-batches'] as string[];
    checkBatches(batchSettings);
    const o = {
      waitMs: Number(args['sim-wait-ms']),
      preflightConcurrency: Number(args['sim-preflight-concurrency']),
      nodeOptions: String(args['sim-node-options']),
    };
    const data: ScaleSimData = {
      waitMs: o.waitMs,
      preflightConcurrency: o.preflightConcurrency,
      actionNode: spawnSync(process.env.ZDR_NODE || process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      runs: [],
    };
    const bundle = bundleFor(String(args['sim-bundle']) || undefined, say);
    try {
      const sizes = String(args['sim-hosts']).split(',').map(Number);
      for (const hosts of sizes) {
        say(`starting ${hosts} simulated hosts`);
        const fleet = await startSimFleet(hosts, o.waitMs);
        try {
          // At the largest size, the same rollout again with the heap capped ('0': not).
          const cap = hosts === Math.max(...sizes) ? Number(args['sim-heap-cap']) : 0;
          const settings = [
            ...batchSettings.map((b) => ({ batches: b })),
            ...(cap ? [{ batches: batchSettings[0] ?? '1', heapCapMB: cap }] : []),
          ];
          for (const setting of settings) {
            for (let i = 0; i < Number(args['sim-runs']); i++) {
              const run = await simRun(fleet, { ...o, bundle: bundle.path, ...setting });
              say(`${hosts} hosts, ${JSON.stringify(setting)}, run ${i + 1}: ${JSON.stringify(run)}`);
              data.runs.push(run);
            }
          }
        } finally {
          await fleet.stop();
        }
      }
    } finally {
      bundle.cleanup();
    }
    return data;
  },
  markdown,
  readme: (r) => {
    const d = r.data;
    // The README's line is about one host per batch; the other settings are in BENCHMARKS.md.
    const one: ScaleSimData = { ...d, runs: d.runs.filter((x) => x.batches === '1') };
    const o = at(one, 1000, (x) => x.overheadPerHostMs);
    if (!o.length) return '';
    return `Simulated 1,000 hosts (ssh2 servers on loopback answering the rollout's commands; no real services, no network latency; [what is left out](BENCHMARKS.md#scale-simulated-100-and-1000-hosts)), one host per batch: wall time ${spread(
      at(one, 1000, (x) => s(x.wallMs)),
      ' s',
    )}, orchestration overhead ${median(o)} ms per host (CPU ${median(at(one, 1000, (x) => x.cpuPerHostMs))} ms), action peak RSS ${Math.max(...at(one, 1000, (x) => x.peakRssMB))} MB${capped(one)}, at most ${Math.max(...at(one, 1000, (x) => x.peakOpenConnections))} connections open at once.`;
  },
  targets,
};
