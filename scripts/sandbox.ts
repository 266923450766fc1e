import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fleetDown, isRootLinux, readFleet, startWrk, FLEET_SH } from '../test/fleet/fleet';
import { fleetInputs, haproxyInputs } from '../test/support/fleet-action';
import { asActionsLog } from '../test/support/actions-log';
import { runAction } from '../test/support/run-action';
import { CLI, fleetConfigDir } from '../test/support/run-cli';
import type { Report } from '../src/report/report';
import type { Fleet } from '../test/fleet/fleet';

const HELP = `scripts/sandbox [options]   (as root, on Linux)

  --strategy S   auto (default: nginx is reloaded gracefully) or drain-restart (the slow app behind
                 HAProxy is drained, restarted, checked and returned)
  --hosts N      fleet size (default 3)
  --window D     post-change error watch per host (default 10s)
  --keep         leave the fleet up afterwards (test/fleet/fleet.sh down removes it)
  --debug        also show the action's debug lines (every remote command and its outcome), as
                 the Actions log does with step debug logging on (ACTIONS_STEP_DEBUG)
  --cli          run the zero-downtime-restart command (dist/cli.js, -c deploy.yml) instead of the
                 action: its own terminal output, live progress line and exit code
`;

const { values } = parseArgs({
  options: {
    strategy: { type: 'string', default: 'auto' },
    hosts: { type: 'string', default: '3' },
    window: { type: 'string', default: '10s' },
    keep: { type: 'boolean', default: false },
    debug: { type: 'boolean', default: false },
    cli: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const say = (line: string): void => void process.stdout.write(`\x1b[1m[sandbox]\x1b[0m ${line}\n`);

async function main(): Promise<number> {
  if (values.help) return (void process.stdout.write(HELP), 0);
  const env = isRootLinux();
  if (!env.ok) {
    say(`the sandbox needs the real fleet, which cannot run here: ${env.why}`);
    return 2;
  }
  const hosts = Number(values.hosts);
  say(`bringing up ${hosts} hosts (systemd-nspawn, real systemd, sshd, nginx, a slow app) and HAProxy…`);
  const up = spawnSync(FLEET_SH, ['up', '--hosts', String(hosts)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (up.status !== 0) throw new Error(`fleet.sh up failed (${up.status})`);
  const fleet = readFleet();
  try {
    const drain = values.strategy === 'drain-restart';
    const inputs = fleetInputs({
      'check-window': values.window,
      ...(drain ? { ...haproxyInputs(fleet), strategy: 'drain-restart', service: 'app', 'check-source': 'haproxy' } : {}),
    });
    say(`load: wrk -c64 through HAProxy at ${fleet.lb.url}`);
    const load = startWrk({ url: fleet.lb.url, seconds: 600, connections: 64 });
    await new Promise((r) => setTimeout(r, 2000));
    say(
      `running ${values.cli ? 'dist/cli.js' : 'dist/index.js'}: ${drain ? 'drain-restart of app.service through HAProxy' : 'strategy auto on nginx'}, hosts ${fleet.hosts.map((h) => h.name).join(' → ')}\n`,
    );
    const run = values.cli ? await viaCli(fleet, drain) : await viaAction(inputs);
    await new Promise((r) => setTimeout(r, 2000));
    const tally = await load.stop();
    const report = run.report;
    console.log('');
    say(`report (the action's \`report\` output), status ${run.status}:`);
    for (const h of report?.hosts ?? []) {
      const phases = h.phases.map((p) => `${p.name} ${p.status === 'ok' ? '' : `${p.status} `}${p.durationMs} ms`).join(', ');
      console.log(
        `  ${h.name.padEnd(8)} ${h.status.padEnd(8)} ${h.strategy.padEnd(14)} errors ${h.errors?.errors ?? '-'}/${h.errors?.requests ?? '-'} ${h.errors?.verdict ?? ''}`,
      );
      console.log(`           ${phases}`);
    }
    console.log('');
    say(
      `load generator: ${tally.requests} requests, ${tally.failed} failed (non-2xx ${tally.non2xx}, socket errors ${JSON.stringify(tally.socketErrors)}), over ${tally.durationSeconds.toFixed(1)} s`,
    );
    say(`full JSON report: rerun with --keep and see the job summary at the path in GITHUB_STEP_SUMMARY, or read the output above`);
    return run.status === 'success' && tally.failed === 0 ? 0 : 1;
  } finally {
    if (values.keep)
      say(
        `fleet kept up: hosts ${fleet.hosts.map((h) => `${h.name}=${h.address}`).join(' ')}, HAProxy ${fleet.lb.url}, key ${fleet.privateKeyPath}; remove with test/fleet/fleet.sh down`,
      );
    else {
      say('tearing the fleet down…');
      fleetDown();
    }
  }
}

/** The action, run as the runner runs it; its log shown as the Actions log would. */
async function viaAction(inputs: Record<string, string>): Promise<{ status: string; report: Report | null }> {
  const run = await runAction(inputs, {
    // Step debug logging sets RUNNER_DEBUG=1 for the action; without it the log hides ::debug::.
    env: values.debug ? { RUNNER_DEBUG: '1' } : {},
    onLine: (line) => {
      const shown = asActionsLog(line, values.debug);
      if (shown !== null) process.stdout.write(`  ${shown.replace(/\n/g, '\n  ')}\n`);
    },
  });
  return { status: run.outputs.status ?? '(none)', report: run.report };
}

/**
 * The command, as a person runs it: `zero-downtime-restart -c deploy.yml --json`, its progress on
 * this terminal (stderr: the live line when this is a TTY), the report read from its stdout.
 */
async function viaCli(fleet: Fleet, drain: boolean): Promise<{ status: string; report: Report | null }> {
  const settings = {
    'check-window': values.window,
    ...(drain ? { strategy: 'drain-restart', service: 'app', 'check-source': 'haproxy' } : {}),
  };
  const work = fleetConfigDir(fleet, settings, { lb: drain });
  try {
    say(`$ zero-downtime-restart -c deploy.yml --json\n${readFileSync(work.config, 'utf8').replace(/^/gm, '  ')}`);
    const child = spawn(process.execPath, [CLI, '-c', work.config, '--json'], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, HOME: work.dir, ...(values.debug ? { ZDR_DEBUG: '1' } : {}) },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    say(`exit code ${code}`);
    const report = stdout.trim() ? (JSON.parse(stdout) as Report) : null;
    return { status: report?.status ?? '(none)', report };
  } finally {
    work.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
