/**
 * The speed part (issue 18): a drain-restart of the 3-host fleet under load, `check-window: 0`,
 * timed the way a workflow pays for it: from spawning the main step's process to the end of the
 * post step's process. Per host it splits the host's turn into the inherent waits the report
 * records (drain, systemd's own restart time, readiness, the load balancer's confirmation) and the
 * remainder (the action's own time). `dist` runs another build (e.g. an older one, for "before").
 */
import { readFleet, startWrk, fleetReset } from '../../test/fleet/fleet';
import { fleetInputs, haproxyInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import type { PhaseRecord, Report } from '../../src/report/report';

/** Phases of preflight: concurrent for all hosts, before the first turn. */
const PREFLIGHT = new Set(['connect', 'inspect', 'validate']);

export interface HostSpeed {
  name: string;
  /** The host's turn: the start of its lock phase to the end of its last phase. */
  wallMs: number;
  waitMs: number;
  /** wallMs − waitMs: the action's own time in the turn. */
  ownMs: number;
  /** Per phase: duration/wait, e.g. `drain 412/398`. */
  phases: string[];
}

export interface SpeedRun {
  /** Spawn of the main step to the exit of the post step. */
  wallMs: number;
  mainMs: number;
  postMs: number;
  /** Spawn of the main step to the rollout's start (node start, bundle load, inputs). */
  startMs: number;
  /** The rollout's start to the first host's turn (connect, inspect, validate, LB). */
  preflightMs: number;
  /** The report's end to the main process's exit (summary, outputs, connections closed). */
  endMs: number;
  /** Sum of the inherent waits the report records. */
  waitMs: number;
  /** (wallMs − waitMs) / hosts. */
  overheadPerHostMs: number;
  hosts: HostSpeed[];
  requests: number;
  failed: number;
  status: string;
}

const end = (p: PhaseRecord): number => Date.parse(p.startedAt) + p.durationMs;

function hostSpeed(host: Report['hosts'][number]): HostSpeed {
  const turn = host.phases.filter((p) => !PREFLIGHT.has(p.name) && p.status !== 'skipped');
  const first = turn[0];
  const wallMs = first ? Math.max(...turn.map(end)) - Date.parse(first.startedAt) : 0;
  const waitMs = turn.reduce((n, p) => n + p.waitMs, 0);
  return { name: host.name, wallMs, waitMs, ownMs: wallMs - waitMs, phases: turn.map((p) => `${p.name} ${p.durationMs}/${p.waitMs}`) };
}

/** The drain-restart inputs of the speed target: HAProxy drain, the app restarted, readiness URL, no check window. */
export function speedInputs(): Record<string, string> {
  return { ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'check-window': '0' };
}

/** One timed run under load (wrk through HAProxy from 2 s before to 2 s after). */
export async function speedRun(connections: number, dist?: string): Promise<SpeedRun> {
  const fleet = readFleet();
  fleetReset();
  const load = startWrk({ url: fleet.lb.url, seconds: 900, connections });
  await new Promise((r) => setTimeout(r, 2000));
  let run: Omit<SpeedRun, 'requests' | 'failed'>;
  try {
    const spawned = Date.now();
    const main = await runAction(fleetInputs(speedInputs()), { dist });
    const mainExit = Date.now();
    const post = await runAction(fleetInputs(speedInputs()), { dist, state: main.state });
    const postExit = Date.now();
    const report = main.report;
    if (!report) throw new Error(`the action gave no report: ${main.stderr || main.stdout.slice(-2000)}`);
    if (post.code !== 0) throw new Error(`the post step failed: ${post.stdout.slice(-1000)}`);
    const started = Date.parse(report.startedAt);
    const hosts = report.hosts.map(hostSpeed);
    const firstTurn = Math.min(
      ...report.hosts.flatMap((h) =>
        h.phases.filter((p) => !PREFLIGHT.has(p.name) && p.status !== 'skipped').map((p) => Date.parse(p.startedAt)),
      ),
    );
    const wallMs = postExit - spawned;
    run = {
      wallMs,
      mainMs: mainExit - spawned,
      postMs: postExit - mainExit,
      startMs: started - spawned,
      preflightMs: firstTurn - started,
      endMs: mainExit - (started + report.durationMs),
      waitMs: report.waitMs,
      overheadPerHostMs: Math.round((wallMs - report.waitMs) / hosts.length),
      hosts,
      status: report.status,
    };
  } finally {
    await new Promise((r) => setTimeout(r, 2000));
  }
  const tally = await load.stop();
  return { ...run, requests: tally.requests, failed: tally.failed };
}

/** One line per run and one per host, for the log. */
export function speedLines(r: SpeedRun): string[] {
  return [
    `wall ${r.wallMs} ms (main ${r.mainMs}, post ${r.postMs}; start ${r.startMs}, preflight ${r.preflightMs}, end ${r.endMs}), inherent waits ${r.waitMs} ms, remainder ${r.wallMs - r.waitMs} ms (${r.overheadPerHostMs} ms/host); ${r.requests} requests, ${r.failed} failed (${r.status})`,
    ...r.hosts.map((h) => `  ${h.name}: wall ${h.wallMs} ms, waits ${h.waitMs} ms, remainder ${h.ownMs} ms [${h.phases.join(', ')}]`),
  ];
}

/** Until the part runner lands: `tsx bench/parts/speed.ts RUNS DIST...` with the fleet up; the builds alternate run by run. */
if (require.main === module) {
  void (async () => {
    const dists = process.argv.slice(3);
    const out: { dist: string; run: SpeedRun }[] = [];
    for (let i = 0; i < Number(process.argv[2] ?? 5); i++) {
      for (const dist of dists.length ? dists : ['']) {
        const run = await speedRun(64, dist || undefined);
        out.push({ dist, run });
        for (const line of speedLines(run)) process.stderr.write(`[speed] ${dist} ${line}\n`);
      }
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  })();
}
