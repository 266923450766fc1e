/**
 * Two builds of the action, one rollout each in turn on the real fleet, no load: the action's own
 * time of each (process spawn to exit, minus the waits its report records), to tell a change of the
 * product from a change of the machine or the testbed between two benchmark dates.
 * `flock /tmp/zdr-fleet.lock npx tsx bench/ab-rollout.ts --before DIR/dist/index.js [--runs 3]
 * [--inputs JSON] [--phases] [--load CONNECTIONS]`; the inputs default to `strategy: restart`, no
 * check window. `--load N` runs wrk with N connections through HAProxy from 2 s before each rollout
 * to its end, as the rollouts part does (no load by default).
 * Build the before from git: `git archive COMMIT dist | tar -x -C DIR`.
 *
 * A diagnostic, not a benchmark part: nothing is written to bench/results. The fleet (3 hosts) is
 * brought up if needed and left up (`test/fleet/fleet.sh down` takes it down).
 */
import { parseArgs } from 'node:util';
import type { Report } from '../src/report/report';
import { fleetReset, readFleet, startWrk } from '../test/fleet/fleet';
import { fleetInputs } from '../test/support/fleet-action';
import { runAction } from '../test/support/run-action';
import { fleetUp } from './fleet-size';
import { median } from './part';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    runs: { type: 'string', default: '3' },
    inputs: { type: 'string', default: '{"strategy":"restart","service":"app","check-window":"0"}' },
    phases: { type: 'boolean', default: false },
    load: { type: 'string', default: '0' },
  },
});
if (!args.before) throw new Error('--before: the index.js of the build to compare with');
const builds: Record<'before' | 'after', string | undefined> = { before: args.before, after: undefined };
const extra = JSON.parse(String(args.inputs)) as Record<string, string>;
const say = (line: string): void => void process.stdout.write(`[ab-rollout] ${line}\n`);

async function main(): Promise<void> {
  fleetUp(3, say);
  const own: Record<'before' | 'after', number[]> = { before: [], after: [] };
  for (let i = 0; i < Number(args.runs); i++) {
    for (const build of ['before', 'after'] as const) {
      fleetReset();
      const connections = Number(args.load);
      const load = connections > 0 ? startWrk({ url: readFleet().lb.url, seconds: 900, connections }) : null;
      if (load) await new Promise((r) => setTimeout(r, 2000));
      const started = Date.now();
      const run = await runAction(fleetInputs(extra), { dist: builds[build] });
      const wallMs = Date.now() - started;
      const tally = await load?.stop();
      if (tally?.failed) say(`${build}: ${tally.failed} of ${tally.requests} requests failed`);
      const report = run.report as Report | null;
      if (!report) throw new Error(`${build}: no report: ${run.stdout.slice(-1000)}`);
      own[build].push(wallMs - report.waitMs);
      say(`${build}: wall ${wallMs} ms, waits ${report.waitMs} ms, own ${wallMs - report.waitMs} ms (${report.status})`);
      if (args.phases)
        for (const h of report.hosts) say(`  ${h.name}: ${h.phases.map((p) => `${p.name} ${p.durationMs}/${p.waitMs}`).join(', ')}`);
    }
  }
  say(`own time, median of ${args.runs}: before ${median(own.before)} ms, after ${median(own.after)} ms`);
}

void main();
