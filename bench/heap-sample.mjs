// Loaded into the action's own process (NODE_OPTIONS=--expose-gc --import …) by bench/heap-probe.ts:
// what the process really keeps, apart from the garbage V8 lets pile up while memory is plentiful.
// Every $ZDR_HEAP_EVERY_MS (default 250) it collects garbage and samples the heap then (used,
// external, array buffers) and the RSS, with the time; on SIGUSR2 it collects and writes a heap
// snapshot to the next of $ZDR_HEAP_SNAPSHOTS (comma-separated paths). At exit the samples go to
// $ZDR_HEAP_FILE as JSON. The forced collections cost CPU and change when V8 collects on its own,
// so a run with this loaded measures memory only, never time.
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('heap-sample.mjs needs --expose-gc');
const samples = [];
const sample = () => {
  gc();
  const m = process.memoryUsage();
  samples.push({ at: Date.now(), heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss });
};
setInterval(sample, Number(process.env.ZDR_HEAP_EVERY_MS || 250)).unref();
const snapshots = (process.env.ZDR_HEAP_SNAPSHOTS || '').split(',').filter(Boolean);
process.on('SIGUSR2', () => {
  const path = snapshots.shift();
  if (!path) return;
  gc();
  writeHeapSnapshot(path);
  sample();
});
process.on('exit', () => {
  sample();
  const file = process.env.ZDR_HEAP_FILE;
  if (file) writeFileSync(file, JSON.stringify({ samples, maxRSS: process.resourceUsage().maxRSS }));
});
