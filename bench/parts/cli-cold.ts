import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Report } from '../../src/report/report';
import { fleetReset, readFleet } from '../../test/fleet/fleet';
import { fleetInputs } from '../../test/support/fleet-action';
import { runAction } from '../../test/support/run-action';
import { CLI, fleetConfigDir, runCli } from '../../test/support/run-cli';
import { fleetUp } from '../fleet-size';
import { median, spread, type BenchPart } from '../part';

export interface CliColdData {
  /** Process start to the end of the first SSH handshake, per run: the action and the command, interleaved. */
  actionMs: number[];
  cliMs: number[];
  cliBundleBytes: number;
}

/** The command's size: the entry dist/cli.js and its bundle, chunks included, in dist/cli/. */
function cliBytes(): number {
  const dir = join(dirname(CLI), 'cli');
  return (
    statSync(CLI).size +
    readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0)
  );
}

/** Where the first host's connect phase ended, relative to `started`. */
function handshakeDone(report: Report | null, started: number, what: string, output: string): number {
  const connect = report?.hosts[0]?.phases.find((p) => p.name === 'connect');
  if (!connect || connect.status !== 'ok') throw new Error(`${what} cold start run failed: ${output.slice(-500)}`);
  return Date.parse(connect.startedAt) + connect.durationMs - started;
}

/** `node dist/index.js` as the runner starts it: a dry run of one host. */
async function actionCold(): Promise<number> {
  const host = readFleet().hosts[0]?.address;
  const started = Date.now();
  const run = await runAction(fleetInputs({ hosts: `- {host: ${host}, name: web-1}`, 'dry-run': 'true', 'check-window': '0' }));
  return handshakeDone(run.report, started, 'action', run.stdout);
}

/** `zero-downtime-restart -c deploy.yml --dry-run --json` as a person or a CI job starts it: the same dry run of one host. */
async function commandCold(): Promise<number> {
  const fleet = readFleet();
  const work = fleetConfigDir({ ...fleet, hosts: fleet.hosts.slice(0, 1) }, { 'check-window': '0' }, { lb: false });
  try {
    const started = Date.now();
    const run = await runCli(['-c', work.config, '--dry-run', '--json'], { env: { HOME: work.dir } });
    const report = run.code === 0 ? (JSON.parse(run.stdout) as Report) : null;
    return handshakeDone(report, started, 'CLI', run.stderr);
  } finally {
    work.cleanup();
  }
}

export const cliCold: BenchPart<CliColdData> = {
  name: 'cli-cold',
  title: 'cold start of the zero-downtime-restart command beside the action’s (process start to the first SSH handshake)',
  options: { 'cli-runs': { type: 'string', default: '12' } },
  async run(args, say) {
    fleetUp(3, say);
    fleetReset();
    const data: CliColdData = { actionMs: [], cliMs: [], cliBundleBytes: cliBytes() };
    // Interleaved, so that whatever else the machine does weighs on both alike.
    for (let i = 0; i < Number(args['cli-runs']); i++) {
      data.actionMs.push(await actionCold());
      data.cliMs.push(await commandCold());
    }
    say(`cold start: action ${data.actionMs.join(', ')} ms; CLI ${data.cliMs.join(', ')} ms`);
    return data;
  },
  markdown: (r) => `## Cold start: the command beside the action

${r.date.slice(0, 10)}, \`${r.command}\`. Both do the same dry run of one host (connect, inspect,
validate; no change), run alternately; measured from just before the process is spawned to the end
of the first host's SSH handshake (its connect phase). The action is started as the runner starts it
(\`node dist/index.js\`, inputs in \`INPUT_*\`); the command as a shell starts it
(\`node dist/cli.js -c deploy.yml --dry-run --json\`, the key and known_hosts read from files).

| entry point | median (min–max) of ${r.data.cliMs.length} runs |
| --- | --- |
| action: \`dist/index.js\` | ${spread(r.data.actionMs, ' ms')} |
| command: \`dist/cli.js\` (with dist/cli/: ${(r.data.cliBundleBytes / 2 ** 20).toFixed(2)} MiB) | ${spread(r.data.cliMs, ' ms')} |
`,
  readme: (r) =>
    `Cold start of the \`zero-downtime-restart\` command ${median(r.data.cliMs)} ms (the action: ${median(r.data.actionMs)} ms, same runs).`,
};
