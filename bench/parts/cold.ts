import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fleetReset, readFleet } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { DIST, runAction } from '../../test/support/run-action';
import { fleetUp } from '../fleet-size';
import { median, type BenchPart } from '../part';

export interface ColdData {
  coldStartMs: number[];
  bundle: { bytes: number; nativeAddons: string[] };
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

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const addons = (d: ColdData): string => (d.bundle.nativeAddons.length ? d.bundle.nativeAddons.join(', ') : 'none');

export const cold: BenchPart<ColdData> = {
  name: 'cold',
  title: 'cold start of the action (process start to the first SSH handshake) and the bundle',
  options: { cold: { type: 'string', default: '12' } },
  async run(args, say) {
    fleetUp(3, say);
    fleetReset();
    const coldStartMs: number[] = [];
    for (let i = 0; i < Number(args.cold); i++) coldStartMs.push(await coldStart());
    say(`cold start: ${coldStartMs.join(', ')} ms`);
    const nativeAddons = readdirSync(dirname(DIST)).filter((f) => f.endsWith('.node'));
    return { coldStartMs, bundle: { bytes: statSync(join(dirname(DIST), 'index.js')).size, nativeAddons } };
  },
  markdown: (r) => `## Cold start and bundle

${r.date.slice(0, 10)}, \`${r.command}\`.

| measure | value |
| --- | --- |
| cold start: \`node dist/index.js\` to the first SSH handshake done (median of ${r.data.coldStartMs.length}) | ${median(r.data.coldStartMs)} ms (${Math.min(...r.data.coldStartMs)}–${Math.max(...r.data.coldStartMs)}) |
| bundle \`dist/index.js\` | ${mib(r.data.bundle.bytes)} MiB, native addons: ${addons(r.data)} |
`,
  readme: (r) =>
    `Cold start (process start to the first SSH handshake) ${median(r.data.coldStartMs)} ms; bundle ${mib(r.data.bundle.bytes)} MiB with no native addon.`,
  targets: (r) => [
    { target: 'cold start ≤ 300 ms', met: median(r.data.coldStartMs) <= 300, result: `${median(r.data.coldStartMs)} ms` },
    {
      target: 'bundle ≤ 3 MB, no native addon',
      met: r.data.bundle.bytes <= 3_000_000 && r.data.bundle.nativeAddons.length === 0,
      result: `${r.data.bundle.bytes} bytes`,
    },
  ],
};
