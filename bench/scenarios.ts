import { spawnSync } from 'node:child_process';
import { fleetInputs, haproxyInputs } from '../test/support/fleet-action';
import { readFleet, startWrk, type WrkResult } from '../test/fleet/fleet';
import { runAction } from '../test/support/run-action';
import type { Report } from '../src/report/report';

/** One run of one scenario: what the load generator saw and what the rollout took. */
export interface ScenarioRun {
  scenario: string;
  hosts: number;
  requests: number;
  failed: number;
  non2xx: number;
  socketErrors: WrkResult['socketErrors'];
  /** Wall time of the rollout (process start to exit for the action; the ssh loop for naive). */
  rolloutMs: number;
  /** For the action: its own duration, the inherent waits it reports, and the rest per host. */
  actionMs?: number;
  waitMs?: number;
  overheadPerHostMs?: number;
  status?: string;
}

export interface Scenario {
  name: string;
  describe: string;
  run: () => Promise<Omit<ScenarioRun, keyof WrkTally | 'scenario'>>;
}

type WrkTally = Pick<ScenarioRun, 'requests' | 'failed' | 'non2xx' | 'socketErrors'>;

/** The check window every action scenario uses (the default is 30 s; shorter keeps runs short). */
export const WINDOW = '5s';

async function action(inputs: Record<string, string>): Promise<Omit<ScenarioRun, keyof WrkTally | 'scenario'>> {
  const fleet = readFleet();
  const started = Date.now();
  const run = await runAction(fleetInputs(inputs));
  const rolloutMs = Date.now() - started;
  const report = run.report as Report | null;
  if (!report) throw new Error(`the action gave no report: ${run.stderr || run.stdout.slice(-2000)}`);
  return {
    hosts: fleet.hosts.length,
    rolloutMs,
    actionMs: report.durationMs,
    waitMs: report.waitMs,
    overheadPerHostMs: Math.round((report.durationMs - report.waitMs) / fleet.hosts.length),
    status: report.status,
  };
}

/** What a plain SSH step does today: restart the app on each host in turn, nothing else. */
async function naive(): Promise<Omit<ScenarioRun, keyof WrkTally | 'scenario'>> {
  const fleet = readFleet();
  const started = Date.now();
  for (const h of fleet.hosts) {
    const r = spawnSync(
      'ssh',
      [
        '-i',
        fleet.privateKeyPath,
        '-o',
        `UserKnownHostsFile=${fleet.knownHostsPath}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        `root@${h.address}`,
        'systemctl restart app',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`ssh ${h.name} systemctl restart app: ${r.stderr}`);
  }
  return { hosts: fleet.hosts.length, rolloutMs: Date.now() - started, status: 'done' };
}

export const SCENARIOS: Scenario[] = [
  { name: 'naive', describe: '`ssh host systemctl restart app` on each host in turn: no drain, no checks', run: naive },
  {
    name: 'reload',
    describe: `the action, \`strategy: reload\` (nginx), readiness URL, ${WINDOW} access-log check`,
    run: () => action({ strategy: 'reload', 'check-window': WINDOW, 'min-requests': '5' }),
  },
  {
    name: 'drain-restart',
    describe: `the action, HAProxy drain, app restarted, readiness URL, ${WINDOW} haproxy check`,
    run: () =>
      action({
        ...haproxyInputs(),
        strategy: 'drain-restart',
        service: 'app',
        'check-source': 'haproxy',
        'check-window': WINDOW,
        'min-requests': '5',
      }),
  },
  {
    name: 'restart-no-drain',
    describe: 'the action, `strategy: restart`, no load balancer, readiness URL, check off (it would trip and halt)',
    run: () => action({ strategy: 'restart', service: 'app', 'check-window': '0' }),
  },
];

/** Runs a scenario under steady load through HAProxy: wrk starts 2 s before and stops 2 s after. */
export async function underLoad(scenario: Scenario, connections: number): Promise<ScenarioRun> {
  const fleet = readFleet();
  const load = startWrk({ url: fleet.lb.url, seconds: 900, connections });
  await new Promise((r) => setTimeout(r, 2000));
  let result: Awaited<ReturnType<Scenario['run']>>;
  try {
    result = await scenario.run();
  } finally {
    await new Promise((r) => setTimeout(r, 2000));
  }
  const tally = await load.stop();
  return {
    scenario: scenario.name,
    ...result,
    requests: tally.requests,
    failed: tally.failed,
    non2xx: tally.non2xx,
    socketErrors: tally.socketErrors,
  };
}
