import { fleetReset } from '../../test/fleet/fleet';
import { fleetUp } from '../fleet-size';
import { median, secs, spread, type BenchPart, type PartResult, type Target } from '../part';
import { SCENARIOS, underLoad, WINDOW, type ScenarioRun } from '../scenarios';

export interface RolloutsData {
  window: string;
  connections: number;
  runs: ScenarioRun[];
}

const scenarioNames = (d: RolloutsData): string[] => [...new Set(d.runs.map((s) => s.scenario))];
const failedOf = (d: RolloutsData, name: string): number[] => d.runs.filter((s) => s.scenario === name).map((s) => s.failed);
const overheads = (d: RolloutsData): number[] => d.runs.map((s) => s.overheadPerHostMs).filter((v): v is number => v !== undefined);

/** The table README.md quotes. */
function table(d: RolloutsData): string {
  const rows = scenarioNames(d).map((name) => {
    const runs = d.runs.filter((s) => s.scenario === name);
    const overhead = runs.map((s) => s.overheadPerHostMs).filter((v): v is number => v !== undefined);
    const wall = spread(
      runs.map((s) => secs(s.rolloutMs)),
      ' s',
    );
    return `| ${name} | ${runs.length} | ${spread(runs.map((s) => s.requests))} | ${spread(runs.map((s) => s.failed))} | ${wall} | ${overhead.length ? spread(overhead, ' ms') : '—'} |`;
  });
  return [
    '| scenario | runs | requests | failed requests | rollout wall time | orchestration overhead per host |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const DESCRIBE: Record<string, string> = {
  naive: 'what a plain SSH step does today: `ssh host systemctl restart app` on each host in turn; no drain, no checks',
  reload: 'the action with `strategy: reload` on nginx: validate, reload, prove the workers were replaced, readiness, access-log check',
  'drain-restart': 'the action draining each host from HAProxy, restarting the app, readiness, return, HAProxy-counter check',
  'restart-no-drain':
    'the action with `strategy: restart` and no load balancer: what the drain buys (its check is off, or it would trip and halt the run)',
};

function markdown(r: PartResult<RolloutsData>): string {
  const d = r.data;
  return `## Rollouts of 3 hosts under load

Measured on the project's real fleet (3 \`systemd-nspawn\` hosts with real systemd, sshd, nginx and a
slow app taking 200–500 ms per request, HAProxy in front), under steady load:
\`wrk -t2 -c${d.connections}\` through HAProxy, started 2 s before each rollout and stopped 2 s after it.
Check window in the action scenarios: ${d.window} per host (the default is 30 s). ${r.date.slice(0, 10)}, \`${r.command}\`.

${table(d)}

${scenarioNames(d)
  .map((n) => `- **${n}**: ${DESCRIBE[n] ?? n}`)
  .join('\n')}
- *Failed requests* are wrk's non-2xx responses plus socket errors: every failure a client saw.
- *Orchestration overhead* is the action's own wall time minus the inherent waits it reports
  (drain wait, readiness wait, the load balancer's health confirmation, the host's own time to
  replace workers after a reload, the check window), divided by the hosts. It includes preflight
  (connect, inspect and validate every host).
`;
}

function targets(r: PartResult<RolloutsData>): Target[] {
  const d = r.data;
  const zero = ['reload', 'drain-restart'].every((n) => failedOf(d, n).every((f) => f === 0));
  const o = overheads(d);
  return [
    {
      target: '`reload` and `drain-restart`: 0 failed requests in every run; `naive` > 0',
      met: zero && failedOf(d, 'naive').every((f) => f > 0),
      result: `reload ${failedOf(d, 'reload').join('/')}, drain-restart ${failedOf(d, 'drain-restart').join('/')}, naive ${failedOf(d, 'naive').join('/')}`,
    },
    {
      target: 'orchestration overhead ≤ 0.3 s per host',
      met: o.length > 0 && median(o) <= 300,
      result: `median ${median(o)} ms, max ${Math.max(...o)} ms`,
    },
  ];
}

export const rollouts: BenchPart<RolloutsData> = {
  name: 'rollouts',
  title: 'naive, reload, drain-restart and restart-no-drain rollouts of 3 hosts under load',
  options: { runs: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } },
  async run(args, say) {
    const data: RolloutsData = { window: WINDOW, connections: Number(args.connections), runs: [] };
    fleetUp(3, say);
    for (let i = 0; i < Number(args.runs); i++) {
      for (const scenario of SCENARIOS) {
        fleetReset();
        say(`${scenario.name} run ${i + 1}/${args.runs}`);
        const run = await underLoad(scenario, data.connections);
        const overhead = run.overheadPerHostMs !== undefined ? `, overhead ${run.overheadPerHostMs} ms/host` : '';
        say(`  ${run.requests} requests, ${run.failed} failed, rollout ${run.rolloutMs} ms${overhead} (${run.status})`);
        data.runs.push(run);
      }
    }
    fleetReset();
    return data;
  },
  markdown,
  readme: (r) =>
    [
      `Three hosts under steady load (\`wrk -c${r.data.connections}\` through HAProxy), median (min–max) of ${Math.max(...scenarioNames(r.data).map((n) => failedOf(r.data, n).length))} runs, ${r.date.slice(0, 10)}; rerun with \`npm run bench\` (as root). Details, targets and the machine: [BENCHMARKS.md](BENCHMARKS.md).`,
      '',
      table(r.data),
    ].join('\n'),
  targets,
};
