import * as core from '@actions/core';
import { createLoadBalancer } from './lb/create';
import { ActionsLog } from './action/log';
import { publish, writeSummary } from './action/publish';
import type { Report } from './report/report';
import { summaryMarkdown } from './report/summary';
import { rollout } from './rollout/rollout';
import { systemClock } from './runtime/clock';
import { processShell } from './runtime/local-shell';
import type { InputName } from './settings/inputs';
import { readSettings } from './settings/read-settings';
import { connectorFor } from './app/connector';
import { StateJournal } from './action/state';

/** Registers secrets with the runner before anything else can print them, line by line too. */
function maskSecrets(): void {
  for (const name of ['private-key', 'passphrase'] as const) {
    const value = core.getInput(name);
    if (!value) continue;
    const parts = new Set([value, ...value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 8)]);
    for (const part of parts) core.setSecret(part);
  }
}

function invalidReport(): Report {
  return { status: 'invalid', strategy: '', startedAt: new Date().toISOString(), durationMs: 0, dryRun: false, failedHost: '', failedPhase: '', reason: 'invalid inputs', hosts: [], waitMs: 0 };
}

/** Who this run is, for the locks it takes: enough for a person to find the run. */
function runOwner(env: NodeJS.ProcessEnv): string {
  const where = env.GITHUB_REPOSITORY ? `${env.GITHUB_REPOSITORY} run ${env.GITHUB_RUN_ID ?? '?'} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}` : `local pid ${process.pid}`;
  return `${where}${env.GITHUB_JOB ? ` job ${env.GITHUB_JOB}` : ''}`.replace(/[^\x20-\x7e]/g, '?');
}

/** Cancellation: the runner sends SIGINT, then SIGTERM, then kills. Both stop the rollout at a safe point. */
function cancellation(log: ActionsLog): AbortController {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log.warning(`Received ${signal}: stopping at the next safe point and returning any drained, healthy host to service.`);
      controller.abort(new Error(`the run was cancelled (${signal})`));
    });
  }
  return controller;
}

/** The action: inputs → settings → rollout → outputs. The one place that fails the step. */
export async function run(): Promise<void> {
  try {
    core.saveState('isPost', 'true');
    maskSecrets();
    const read = readSettings((name: InputName) => core.getInput(name), process.env);
    if (!read.ok) {
      core.setOutput('status', 'invalid');
      core.setOutput('failed-host', '');
      core.setOutput('report', JSON.stringify({ ...invalidReport(), errors: read.errors }));
      await writeSummary(summaryMarkdown(invalidReport(), [], read.errors));
      core.setFailed(`Invalid inputs; no host was touched:\n${read.errors.map((e) => `  - ${e}`).join('\n')}`);
      return;
    }
    const settings = read.settings;
    const log = new ActionsLog();
    for (const w of read.warnings) log.warning(w);
    const owner = runOwner(process.env);
    const journal = new StateJournal(owner);
    const connector = connectorFor(settings);
    const { report, plan } = await rollout(settings, {
      connector,
      local: processShell,
      clock: systemClock,
      log,
      journal,
      signal: cancellation(log).signal,
      owner,
      openLoadBalancer: createLoadBalancer,
    });
    log.flush();
    journal.complete();
    await publish(report, plan);
    if (report.status !== 'success') process.exitCode = core.ExitCode.Failure;
  } catch (err) {
    core.setFailed(`zero-downtime-restart stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
  }
}

