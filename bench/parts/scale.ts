import { fleetReset } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import { fleetUp } from '../fleet-size';
import { BEFORE_OPTION, builds, ofBuild, type Build } from '../before';
import { median, spread, type BenchPart, type PartResult } from '../part';
import type { Report } from '../../src/report/report';

export interface ScaleSample {
  /** `before` or `after` (bench/before.ts); older results: after. */
  build?: string;
  hosts: number;
  preflightMs: number;
  overheadPerHostMs: number;
  rolloutMs: number;
}

export interface ScaleData {
  samples: ScaleSample[];
}

/** A dry run's preflight: from the rollout's start to the end of its last host's last phase (connect, inspect, validate). */
export function dryRunPreflightMs(report: Report): number {
  return (
    Math.max(...report.hosts.flatMap((h) => h.phases.map((p) => Date.parse(p.startedAt) + p.durationMs))) - Date.parse(report.startedAt)
  );
}

/** Preflight of the whole fleet (dry run: connect, inspect, validate every host), and a reload rollout's overhead per host. */
async function sample(hosts: number, build: Build): Promise<ScaleSample> {
  const dry = await runAction(fleetInputs({ 'dry-run': 'true', 'check-window': '0' }), { dist: build.dist });
  if (dry.outputs.status !== 'success' || !dry.report) throw new Error(`dry run failed: ${dry.stdout.slice(-800)}`);
  const roll = await runAction(fleetInputs({ strategy: 'reload', 'check-window': '0' }), { dist: build.dist });
  if (roll.outputs.status !== 'success' || !roll.report) throw new Error(`rollout failed: ${roll.stdout.slice(-800)}`);
  return {
    build: build.label,
    hosts,
    preflightMs: dryRunPreflightMs(dry.report),
    overheadPerHostMs: Math.round((roll.report.durationMs - roll.report.waitMs) / roll.report.hosts.length),
    rolloutMs: roll.report.durationMs,
  };
}

const SIZES = [3, 10];
const preflights = (d: ScaleData, hosts: number, build: Build['label'] = 'after'): number[] =>
  ofBuild(d.samples, build)
    .filter((s) => s.hosts === hosts)
    .map((s) => s.preflightMs);
const ratio = (d: ScaleData, build: Build['label'] = 'after'): number =>
  preflights(d, 3, build).length && preflights(d, 10, build).length
    ? median(preflights(d, 10, build)) / median(preflights(d, 3, build))
    : NaN;

function rows(r: PartResult<ScaleData>): string {
  return (['before', 'after'] as const)
    .flatMap((b) =>
      SIZES.filter((h) => preflights(r.data, h, b).length).map((h) => {
        const label = ofBuild(r.data.samples, 'before').length ? `${b}: ` : '';
        const overhead = ofBuild(r.data.samples, b)
          .filter((s) => s.hosts === h)
          .map((s) => s.overheadPerHostMs);
        return `| ${label}preflight of ${h} hosts (connect + inspect + validate, concurrent; median of ${preflights(r.data, h, b).length}) | ${spread(preflights(r.data, h, b), ' ms')} |\n| ${label}reload rollout of ${h} hosts, no window: overhead per host | ${spread(overhead, ' ms')} |`;
      }),
    )
    .join('\n');
}

export const scale: BenchPart<ScaleData> = {
  name: 'scale',
  title: 'preflight of 3 and of 10 real hosts, and a reload rollout’s overhead per host at each size',
  options: { 'scale-runs': { type: 'string', default: '5' }, ...BEFORE_OPTION },
  async run(args, say) {
    const data: ScaleData = { samples: [] };
    for (const hosts of SIZES) {
      fleetUp(hosts, say);
      for (let i = 0; i < Number(args['scale-runs']); i++) {
        for (const build of builds(args)) {
          fleetReset();
          const s = await sample(hosts, build);
          say(`scale ${hosts} ${build.label}: preflight ${s.preflightMs} ms, overhead ${s.overheadPerHostMs} ms/host`);
          data.samples.push(s);
        }
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
      result: Number.isNaN(ratio(r.data))
        ? '—'
        : `${ratio(r.data).toFixed(2)}×${Number.isNaN(ratio(r.data, 'before')) ? '' : ` (before, same run: ${ratio(r.data, 'before').toFixed(2)}×)`}`,
    },
  ],
};
