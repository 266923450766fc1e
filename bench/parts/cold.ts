import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fleetReset, readFleet } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { DIST, runAction } from '../../test/support/run-action';
import { fleetUp } from '../fleet-size';
import { BEFORE_OPTION, builds, ofBuild } from '../before';
import { median, type BenchPart } from '../part';

export interface ColdData {
  /** The current dist/ (older results: the only build measured). */
  coldStartMs: number[];
  /** The post step of a run that finished cleanly, spawn to exit (older results: not measured). */
  postMs?: number[];
  bundle: { bytes: number; nativeAddons: string[] };
  /** With --before: the same measures of that build, sampled alternately with the current one. */
  before?: { coldStartMs: number[]; postMs?: number[]; bundle: { bytes: number; nativeAddons: string[] } };
}

/** Every .js file the action may load (the entry and the chunks each step loads on demand) and any native addon. */
function bundleOf(dir: string): ColdData['bundle'] {
  const files = readdirSync(dir);
  const bytes = files
    .filter((f) => f.endsWith('.js') && f !== 'sourcemap-register.js')
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { bytes, nativeAddons: files.filter((f) => f.endsWith('.node')) };
}

/** Process start to the end of the first SSH handshake (the first host's connect phase). */
async function coldStart(dist?: string): Promise<number> {
  const started = Date.now();
  const run = await runAction(
    fleetInputs({ hosts: `- {host: ${readFleet().hosts[0]?.address}, name: web-1}`, 'dry-run': 'true', 'check-window': '0' }),
    { dist },
  );
  const connect = run.report?.hosts[0]?.phases.find((p) => p.name === 'connect');
  if (!connect || connect.status !== 'ok') throw new Error(`cold start run failed: ${run.stdout.slice(-500)}`);
  return Date.parse(connect.startedAt) + connect.durationMs - started;
}

/** The post step when the main step finished with nothing left to do: it reads its state and exits. */
async function postStep(dist?: string): Promise<number> {
  const run = await runAction({}, { dist, state: { isPost: 'true' } });
  if (run.code !== 0) throw new Error(`post step failed: ${run.stdout.slice(-500)}`);
  return run.durationMs;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);

/** The --before build's figures, sampled alternately with the current one. */
function beforeRows(d: ColdData): string {
  const b = d.before;
  if (!b?.coldStartMs.length) return '';
  return `| before (the --before build): cold start (median of ${b.coldStartMs.length}) | ${range(b.coldStartMs)} |\n${postRow('before: ', b.postMs)}| before: bundle | ${mib(b.bundle.bytes)} MiB |\n`;
}
const range = (ms: number[]): string => `${median(ms)} ms (${Math.min(...ms)}–${Math.max(...ms)})`;
const postRow = (label: string, ms: number[] | undefined): string =>
  ms?.length ? `| ${label}post step, nothing to reconcile: spawn to exit (median of ${ms.length}) | ${range(ms)} |\n` : '';
const addons = (d: ColdData): string => (d.bundle.nativeAddons.length ? d.bundle.nativeAddons.join(', ') : 'none');

export const cold: BenchPart<ColdData> = {
  name: 'cold',
  title: 'cold start of the action (process start to the first SSH handshake), its post step, and the bundle',
  options: { cold: { type: 'string', default: '12' }, ...BEFORE_OPTION },
  async run(args, say) {
    fleetUp(3, say);
    fleetReset();
    const samples: { build: string; ms: number; postMs: number }[] = [];
    for (let i = 0; i < Number(args.cold); i++)
      for (const build of builds(args))
        samples.push({ build: build.label, ms: await coldStart(build.dist), postMs: await postStep(build.dist) });
    const ms = (label: 'before' | 'after'): number[] => ofBuild(samples, label).map((s) => s.ms);
    const post = (label: 'before' | 'after'): number[] => ofBuild(samples, label).map((s) => s.postMs);
    say(`cold start: ${ms('after').join(', ')} ms${args.before ? `; before: ${ms('before').join(', ')} ms` : ''}`);
    say(`post step: ${post('after').join(', ')} ms${args.before ? `; before: ${post('before').join(', ')} ms` : ''}`);
    const before =
      typeof args.before === 'string' && args.before
        ? { coldStartMs: ms('before'), postMs: post('before'), bundle: bundleOf(dirname(args.before)) }
        : undefined;
    return { coldStartMs: ms('after'), postMs: post('after'), bundle: bundleOf(dirname(DIST)), ...(before ? { before } : {}) };
  },
  markdown: (r) => `## Cold start and bundle

${r.date.slice(0, 10)}, \`${r.command}\`.

| measure | value |
| --- | --- |
| cold start: \`node dist/index.js\` to the first SSH handshake done (median of ${r.data.coldStartMs.length}) | ${range(r.data.coldStartMs)} |
${postRow('', r.data.postMs)}| bundle: \`dist/*.js\` (entry and chunks) | ${mib(r.data.bundle.bytes)} MiB, native addons: ${addons(r.data)} |
${beforeRows(r.data)}`,
  readme: (r) =>
    `Cold start (process start to the first SSH handshake) ${median(r.data.coldStartMs)} ms${r.data.before?.coldStartMs.length ? ` (before: ${median(r.data.before.coldStartMs)} ms)` : ''}; bundle ${mib(r.data.bundle.bytes)} MiB with no native addon.`,
  targets: (r) => [
    { target: 'cold start ≤ 300 ms', met: median(r.data.coldStartMs) <= 300, result: `${median(r.data.coldStartMs)} ms` },
    { target: 'cold start ≤ 200 ms (issue 18)', met: median(r.data.coldStartMs) <= 200, result: `${median(r.data.coldStartMs)} ms` },
    {
      target: 'bundle ≤ 3 MB, no native addon',
      met: r.data.bundle.bytes <= 3_000_000 && r.data.bundle.nativeAddons.length === 0,
      result: `${r.data.bundle.bytes} bytes`,
    },
  ],
};
