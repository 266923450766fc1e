import { fleetReset } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import { fleetUp } from '../fleet-size';
import { median, spread, type BenchPart, type PartResult } from '../part';

export interface ScaleSample {
  hosts: number;
  preflightMs: number;
  overheadPerHostMs: number;
  rolloutMs: number;
}

export interface ScaleData {
  samples: ScaleSample[];
}

/** Preflight of the whole fleet (dry run: connect, inspect, validate every host), and a reload rollout's overhead per host. */
async function sample(hosts: number): Promise<ScaleSample> {
  const dry = await runAction(fleetInputs({ 'dry-run': 'true', 'check-window': '0' }));
  if (dry.outputs.status !== 'success' || !dry.report) throw new Error(`dry run failed: ${dry.stdout.slice(-800)}`);
  const report = dry.report;
  const preflightEnd = Math.max(...report.hosts.flatMap((h) => h.phases.map((p) => Date.parse(p.startedAt) + p.durationMs)));
  const roll = await runAction(fleetInputs({ strategy: 'reload', 'check-window': '0' }));
  if (roll.outputs.status !== 'success' || !roll.report) throw new Error(`rollout failed: ${roll.stdout.slice(-800)}`);
  return {
    hosts,
    preflightMs: preflightEnd - Date.parse(report.startedAt),
    overheadPerHostMs: Math.round((roll.report.durationMs - roll.report.waitMs) / roll.report.hosts.length),
    rolloutMs: roll.report.durationMs,
  };
}

const SIZES = [3, 10];
const preflights = (d: ScaleData, hosts: number): number[] => d.samples.filter((s) => s.hosts === hosts).map((s) => s.preflightMs);
const ratio = (d: ScaleData): number =>
  preflights(d, 3).length && preflights(d, 10).length ? median(preflights(d, 10)) / median(preflights(d, 3)) : NaN;

function rows(r: PartResult<ScaleData>): string {
  return SIZES.filter((h) => preflights(r.data, h).length)
    .map((h) => {
      const overhead = r.data.samples.filter((s) => s.hosts === h).map((s) => s.overheadPerHostMs);
      return `| preflight of ${h} hosts (connect + inspect + validate, concurrent; median of ${preflights(r.data, h).length}) | ${spread(preflights(r.data, h), ' ms')} |\n| reload rollout of ${h} hosts, no window: overhead per host | ${spread(overhead, ' ms')} |`;
    })
    .join('\n');
}

export const scale: BenchPart<ScaleData> = {
  name: 'scale',
  title: 'preflight of 3 and of 10 real hosts, and a reload rollout’s overhead per host at each size',
  options: { 'scale-runs': { type: 'string', default: '5' } },
  async run(args, say) {
    const data: ScaleData = { samples: [] };
    for (const hosts of SIZES) {
      fleetUp(hosts, say);
      for (let i = 0; i < Number(args['scale-runs']); i++) {
        fleetReset();
        const s = await sample(hosts);
        say(`scale ${hosts}: preflight ${s.preflightMs} ms, overhead ${s.overheadPerHostMs} ms/host`);
        data.samples.push(s);
      }
    }
    fleetUp(3, say);
    return data;
  },
  markdown: (r) => `## Preflight and overhead at 3 and 10 hosts

${r.date.slice(0, 10)}, \`${r.command}\`.

| measure | value |
| --- | --- |
${rows(r)}
`,
  readme: (r) =>
    Number.isNaN(ratio(r.data))
      ? ''
      : `Preflight of 10 hosts ${median(preflights(r.data, 10))} ms vs ${median(preflights(r.data, 3))} ms for 3.`,
  targets: (r) => [
    {
      target: 'preflight for 10 hosts ≤ 2× that for 3',
      met: Number.isNaN(ratio(r.data)) ? null : ratio(r.data) <= 2,
      result: Number.isNaN(ratio(r.data)) ? '—' : `${ratio(r.data).toFixed(2)}×`,
    },
  ],
};
