// Loaded into the action's own process (NODE_OPTIONS=--expose-gc --import …) by bench/heap-probe.ts:
// what the process really keeps, apart from the garbage V8 lets pile up while memory is plentiful.
// Every $ZDR_HEAP_EVERY_MS (default 250) it collects garbage and samples the heap then (used,
// external, array buffers) and the RSS, with the time; on SIGUSR2 it collects and writes a heap
// snapshot to the next of $ZDR_HEAP_SNAPSHOTS (comma-separated paths). At exit the samples go to
// $ZDR_HEAP_FILE as JSON. The forced collections cost CPU and change when V8 collects on its own,
// so a run with this loaded measures memory only, never time.
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

// ZDR_HEAP_GC=0: sample without collecting first (what the process holds as it runs, garbage included).
const collect = process.env.ZDR_HEAP_GC !== '0';
const gc = globalThis.gc;
if (collect && typeof gc !== 'function') throw new Error('heap-sample.mjs needs --expose-gc');
const samples = [];
/** The kernel's split of the RSS: anonymous memory (heaps, malloc) and file-backed (the node binary, libraries). */
const kib = (status, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
const sample = () => {
  if (collect) gc();
  const m = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  samples.push({
    at: Date.now(),
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    rssAnon: kib(status, 'RssAnon'),
    rssFile: kib(status, 'RssFile'),
    // Committed bytes per V8 space: a young generation grown to its maximum is not what the run keeps.
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size])),
  });
};
setInterval(sample, Number(process.env.ZDR_HEAP_EVERY_MS || 250)).unref();
const snapshots = (process.env.ZDR_HEAP_SNAPSHOTS || '').split(',').filter(Boolean);
process.on('SIGUSR2', () => {
  const path = snapshots.shift();
  if (!path) return;
  gc?.();
  writeHeapSnapshot(path);
  sample();
});
process.on('exit', () => {
  sample();
  const file = process.env.ZDR_HEAP_FILE;
  if (file) writeFileSync(file, JSON.stringify({ samples, maxRSS: process.resourceUsage().maxRSS }));
});
