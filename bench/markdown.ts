import type { ScenarioRun } from './scenarios';

export interface BenchResult {
  date: string;
  command: string;
  machine: string;
  window: string;
  connections: number;
  scenarios: ScenarioRun[];
  coldStartMs: number[];
  bundle: { bytes: number; nativeAddons: string[] };
  scale: { hosts: number; preflightMs: number; overheadPerHostMs: number; rolloutMs: number }[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

/** `median (min–max)` of a list. */
function spread(values: number[], unit = ''): string {
  if (values.length === 0) return '—';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? `${median(values)}${unit}` : `${median(values)}${unit} (${lo}–${hi})`;
}

const secs = (ms: number): number => Math.round(ms / 100) / 10;

/** The table README.md quotes. */
export function benchTable(r: BenchResult): string {
  const names = [...new Set(r.scenarios.map((s) => s.scenario))];
  const rows = names.map((name) => {
    const runs = r.scenarios.filter((s) => s.scenario === name);
    const overhead = runs.map((s) => s.overheadPerHostMs).filter((v): v is number => v !== undefined);
    return `| ${name} | ${runs.length} | ${spread(runs.map((s) => s.requests))} | ${spread(runs.map((s) => s.failed))} | ${spread(
      runs.map((s) => secs(s.rolloutMs)),
      ' s',
    )} | ${overhead.length ? spread(overhead, ' ms') : '—'} |`;
  });
  return [
    '| scenario | runs | requests | failed requests | rollout wall time | orchestration overhead per host |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function benchmarkMarkdown(r: BenchResult): string {
  const names = [...new Set(r.scenarios.map((s) => s.scenario))];
  const failedOf = (name: string): number[] => r.scenarios.filter((s) => s.scenario === name).map((s) => s.failed);
  const overheads = r.scenarios.map((s) => s.overheadPerHostMs).filter((v): v is number => v !== undefined);
  const pre = (hosts: number): number[] => r.scale.filter((s) => s.hosts === hosts).map((s) => s.preflightMs);
  const cold = median(r.coldStartMs);
  const ratio = pre(3).length && pre(10).length ? median(pre(10)) / median(pre(3)) : NaN;
  const met = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const zero = ['reload', 'drain-restart'].every((n) => failedOf(n).every((f) => f === 0));
  return `# Benchmarks

Measured on the project's real fleet (3 \`systemd-nspawn\` hosts with real systemd, sshd, nginx and a
slow app taking 200–500 ms per request, HAProxy in front), under steady load:
\`wrk -t2 -c${r.connections}\` through HAProxy, started 2 s before each rollout and stopped 2 s after it.
Each cell is the **median (min–max)** of the runs. The machine is shared and noisy; rerun it yourself:

    ${r.command}

- Date: ${r.date}
- Machine: ${r.machine}
- Check window in the action scenarios: ${r.window} per host (the default is 30 s)

## Rollouts of 3 hosts under load

${benchTable(r)}

${names.map((n) => `- **${n}**: ${describe(n)}`).join('\n')}
- *Failed requests* are wrk's non-2xx responses plus socket errors: every failure a client saw.
- *Orchestration overhead* is the action's own wall time minus the inherent waits it reports
  (drain wait, readiness wait, the load balancer's health confirmation, the host's own time to
  replace workers after a reload, the check window), divided by the hosts. It includes preflight
  (connect, inspect and validate every host).

## Cold start, bundle, scale

| measure | value |
| --- | --- |
| cold start: \`node dist/index.js\` to the first SSH handshake done (median of ${r.coldStartMs.length}) | ${cold} ms (${Math.min(...r.coldStartMs)}–${Math.max(...r.coldStartMs)}) |
| bundle \`dist/index.js\` | ${(r.bundle.bytes / 2 ** 20).toFixed(2)} MiB, native addons: ${r.bundle.nativeAddons.length ? r.bundle.nativeAddons.join(', ') : 'none'} |
${[3, 10]
  .filter((h) => pre(h).length)
  .map(
    (h) =>
      `| preflight of ${h} hosts (connect + inspect + validate, concurrent; median of ${pre(h).length}) | ${spread(pre(h), ' ms')} |\n| reload rollout of ${h} hosts, no window: overhead per host | ${spread(
        r.scale.filter((s) => s.hosts === h).map((s) => s.overheadPerHostMs),
        ' ms',
      )} |`,
  )
  .join('\n')}

## Targets (reported, not asserted)

| target | result |
| --- | --- |
| \`reload\` and \`drain-restart\`: 0 failed requests in every run; \`naive\` > 0 | ${met(zero && failedOf('naive').every((f) => f > 0))}: reload ${failedOf('reload').join('/')}, drain-restart ${failedOf('drain-restart').join('/')}, naive ${failedOf('naive').join('/')} |
| orchestration overhead ≤ 0.3 s per host | ${met(overheads.length > 0 && median(overheads) <= 300)}: median ${median(overheads)} ms, max ${Math.max(...overheads)} ms |
| cold start ≤ 300 ms | ${met(cold <= 300)}: ${cold} ms |
| bundle ≤ 3 MB, no native addon | ${met(r.bundle.bytes <= 3_000_000 && r.bundle.nativeAddons.length === 0)}: ${r.bundle.bytes} bytes |
| preflight for 10 hosts ≤ 2× that for 3 | ${Number.isNaN(ratio) ? 'not measured' : `${met(ratio <= 2)}: ${ratio.toFixed(2)}×`} |

## What shaped these figures (profiled on this fleet)

- **TCP_NODELAY from the first packet.** SSH round trips are small request/response exchanges;
  with Nagle's algorithm meeting delayed ACKs each stalled ~40 ms. A key-auth handshake went from
  ~240 ms to ~60 ms, a remote command from ~13 ms to ~4 ms.
- **One login shell per host.** Each SSH exec channel starts the remote user's login shell; on the
  load balancer host here, root's \`~/.bashrc\` (pyenv init) costs ~240 ms per command. Commands now
  run in one long-lived \`sh\` per host, and HAProxy's runtime API is kept open in interactive mode.
- **One round trip for a reload and its proof** (snapshot, \`systemctl reload\`, a local poll until
  every old worker is replaced), and the load balancer's lock taken once per run, in preflight.
- **A smaller bundle:** minified, and without \`undici\` (pulled in by \`@actions/core\`'s OIDC
  client, which the action never uses): cold start 315 → ~230 ms.
- **Preflight of 10 hosts** runs all connections at once (\`preflight-concurrency\` 16) but is CPU-bound
  on this 2-core machine: ten sshd handshakes in the containers plus ~30 ms of CPU per connection
  in node (ssh2's packet handling) stretch each connect from ~70 ms to ~220 ms. It grows 2.6× for
  3.3× the hosts; on more cores it flattens.
`;
}

function describe(name: string): string {
  return (
    (
      {
        naive: 'what a plain SSH step does today: `ssh host systemctl restart app` on each host in turn; no drain, no checks',
        reload:
          'the action with `strategy: reload` on nginx: validate, reload, prove the workers were replaced, readiness, access-log check',
        'drain-restart': 'the action draining each host from HAProxy, restarting the app, readiness, return, HAProxy-counter check',
        'restart-no-drain':
          'the action with `strategy: restart` and no load balancer: what the drain buys (its check is off, or it would trip and halt the run)',
      } as Record<string, string>
    )[name] ?? name
  );
}

/** The README's benchmark section: the rollout table and the headline figures. */
export function readmeSection(r: BenchResult): string {
  const pre = (hosts: number): number[] => r.scale.filter((s) => s.hosts === hosts).map((s) => s.preflightMs);
  const scale = pre(3).length && pre(10).length ? `; preflight of 10 hosts ${median(pre(10))} ms vs ${median(pre(3))} ms for 3` : '';
  return [
    `Three hosts under steady load (\`wrk -c${r.connections}\` through HAProxy), median (min–max) of ${Math.max(...[...new Set(r.scenarios.map((s) => s.scenario))].map((n) => r.scenarios.filter((s) => s.scenario === n).length))} runs, ${r.date.slice(0, 10)}; rerun with \`npm run bench\` (as root). Details, targets and the machine: [BENCHMARKS.md](BENCHMARKS.md).`,
    '',
    benchTable(r),
    '',
    `Cold start (process start to the first SSH handshake) ${median(r.coldStartMs)} ms; bundle ${(r.bundle.bytes / 2 ** 20).toFixed(2)} MiB with no native addon${scale}.`,
  ].join('\n');
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** README.md with its benchmark section replaced. */
export function withBench(readme: string, r: BenchResult): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${readmeSection(r)}\n${readme.slice(end)}`;
}
