/**
 * What the action's memory at scale is made of (issue 14: "memory stays flat as the fleet grows"):
 * `npx tsx bench/heap-probe.ts --hosts 200,500 [--batches 1] [--snapshots] [--no-gc] [--bundle PATH]`.
 *
 * The built action rolls N simulated hosts (the scale simulation's, bench/sim-run.ts: ssh2 servers
 * on loopback in a process of their own; no fleet), once per size, with bench/heap-sample.mjs
 * loaded: the heap is sampled after a forced collection every 250 ms, so garbage V8 has not
 * collected yet (GC slack) is told apart from what the run keeps. Printed per size: peak RSS, the
 * most heap kept at once, the heap kept when 10% and 90% of the hosts are done, and the slope in
 * between (bytes kept per host done, least squares). With --snapshots, heap snapshots at 25% and
 * 90% of the hosts done and what grew between them, by constructor: the objects kept per host
 * done; and between the 90% snapshots of the smallest and the largest fleet: what a host more in
 * the fleet costs, preflight's state included.
 * With --no-gc, the same samples without forcing a collection: what the process holds as it runs.
 *
 * A diagnostic, not a benchmark part: the forced collections cost time, so no time is measured,
 * and nothing is written to bench/results.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAction } from '../test/support/run-action';
import { startSimFleet, type SimFleetProcess } from '../test/support/sim-fleet-process';
import { bundleFor, simInputs } from './sim-run';

interface Sample {
  at: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  rssAnon: number;
  rssFile: number;
  spaces: Record<string, number>;
}

const MB = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/** The objects of a heap snapshot by constructor (or kind): how many, and their own bytes. */
function classes(path: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    const name = type === 'object' || type === 'closure' ? (snap.strings[snap.nodes[i + nameAt] as number] ?? '?') : `(${type})`;
    const key = type === 'closure' ? `closure ${name || '(anonymous)'}` : name;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snap.nodes[i + sizeAt] as number;
    out.set(key, entry);
  }
  return out;
}

/** What grew between two snapshots, per host done in between: the 15 biggest by bytes. */
function growth(before: string, after: string, hosts: number, what = `over ${hosts} hosts done`): string[] {
  const [a, b] = [classes(before), classes(after)];
  const rows = [...b.entries()].map(([name, x]) => {
    const was = a.get(name) ?? { count: 0, bytes: 0 };
    return { name, count: x.count - was.count, bytes: x.bytes - was.bytes };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  return [
    `  snapshot growth ${what}: ${MB(total)}, ${Math.round(total / hosts)} B per host; by constructor (objects / bytes per host):`,
    ...rows
      .slice(0, 15)
      .map(
        (r) =>
          `    ${r.name.slice(0, 50).padEnd(50)} ${(r.count / hosts).toFixed(1).padStart(7)} ${String(Math.round(r.bytes / hosts)).padStart(7)} B`,
      ),
  ];
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

/** One rollout of the whole simulated fleet, sampled; the lines to print. */
async function probe(
  fleet: SimFleetProcess,
  bundle: string,
  batches: string,
  snapshots: boolean,
  gc: boolean,
  dir: string,
): Promise<string[]> {
  const hosts = fleet.ports.length;
  const snaps = snapshots ? [join(dir, `${hosts}-25.heapsnapshot`), join(dir, `${hosts}-90.heapsnapshot`)] : [];
  const marks = snapshots ? [Math.round(hosts * 0.25), Math.round(hosts * 0.9)] : [];
  const done: number[] = [];
  let pid = 0;
  await fleet.reset();
  const inputs = simInputs(fleet, batches, 16);
  const run = await runAction(inputs, {
    dist: bundle,
    timeoutMs: 900_000,
    env: {
      NODE_OPTIONS: `${gc ? '--expose-gc ' : ''}--import ${join(__dirname, 'heap-sample.mjs')}`,
      ZDR_HEAP_GC: gc ? '1' : '0',
      ZDR_HEAP_FILE: join(dir, `${hosts}.json`),
      ZDR_HEAP_SNAPSHOTS: snaps.join(','),
    },
    onChild: (child) => void (pid = child.pid ?? 0),
    onLine: (line) => {
      if (!/^sim-\d+: done in /.test(line)) return;
      done.push(Date.now());
      if (marks.includes(done.length)) process.kill(pid, 'SIGUSR2');
    },
  });
  if (run.outputs.status !== 'success') throw new Error(`the rollout failed: ${run.stdout.slice(-1500)}${run.stderr}`);
  const heap = JSON.parse(readFileSync(join(dir, `${hosts}.json`), 'utf8')) as { samples: Sample[]; maxRSS: number };
  const doneBy = (t: number): number => done.filter((d) => d <= t).length;
  const at = (share: number): Sample | undefined => heap.samples.find((s) => doneBy(s.at) >= hosts * share);
  const rolling = heap.samples.filter((s) => doneBy(s.at) >= hosts * 0.1 && doneBy(s.at) <= hosts * 0.9);
  const max = (f: (s: Sample) => number): string => MB(Math.max(...heap.samples.map(f)));
  const per = (f: (s: Sample) => number): string => `${Math.round(slope(rolling.map((s) => [doneBy(s.at), f(s)])))} B`;
  const split = (s?: Sample): string =>
    s
      ? `heap used ${MB(s.heapUsed)} of ${MB(s.heapTotal)} (new space ${MB(s.spaces.new_space ?? 0)}, old ${MB(s.spaces.old_space ?? 0)}, code ${MB(s.spaces.code_space ?? 0)}, large objects ${MB(s.spaces.large_object_space ?? 0)}), external ${MB(s.external)}, RSS ${MB(s.rss)} (anonymous ${MB(s.rssAnon)}, files ${MB(s.rssFile)})`
      : '?';
  const lines = [
    `${hosts} hosts, batches ${batches}, ${gc ? 'heap sampled after a forced GC' : 'sampled without forcing a GC'}: peak RSS ${MB(heap.maxRSS * 1024)}`,
    `  most at once: heap used ${max((s) => s.heapUsed)}, heap total ${max((s) => s.heapTotal)}, external ${max((s) => s.external)}, RSS ${max((s) => s.rss)}`,
    `  at 10% of the hosts done: ${split(at(0.1))}`,
    `  at 90% of the hosts done: ${split(at(0.9))}`,
    `  growth per host done, 10% to 90% (least squares over ${rolling.length} samples): heap used ${per((s) => s.heapUsed)}, heap total ${per((s) => s.heapTotal)}, RSS ${per((s) => s.rss)}, anonymous RSS ${per((s) => s.rssAnon)}`,
  ];
  if (snapshots && marks[0] && marks[1]) lines.push(...growth(snaps[0] as string, snaps[1] as string, marks[1] - marks[0]));
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '200,500' },
      batches: { type: 'string', default: '1' },
      'wait-ms': { type: 'string', default: '20' },
      snapshots: { type: 'boolean', default: false },
      'no-gc': { type: 'boolean', default: false },
      bundle: { type: 'string', default: '' },
    },
  });
  const say = (line: string): void => void process.stderr.write(`[heap-probe] ${line}\n`);
  const bundle = bundleFor(values.bundle || undefined, say);
  const dir = mkdtempSync(join(tmpdir(), 'zdr-heap-'));
  try {
    const sizes = String(values.hosts).split(',').map(Number);
    for (const hosts of sizes) {
      say(`starting ${hosts} simulated hosts`);
      const fleet = await startSimFleet(hosts, Number(values['wait-ms']));
      try {
        for (const line of await probe(fleet, bundle.path, String(values.batches), Boolean(values.snapshots), !values['no-gc'], dir))
          process.stdout.write(`${line}\n`);
      } finally {
        await fleet.stop();
      }
    }
    // What one host more in the fleet costs, all of it: the late snapshots of the smallest and largest fleet.
    const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
    if (values.snapshots && large > small) {
      const [a, b] = [small, large].map((n) => join(dir, `${n}-90.heapsnapshot`)) as [string, string];
      const lines = growth(a, b, large - small, `from ${small} to ${large} hosts, each at 90% done (per host of the fleet)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    bundle.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
