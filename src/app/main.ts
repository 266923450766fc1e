import type { Report } from '../report/report';
import { rollout } from '../rollout/rollout';
import { runOwner } from '../runtime/owner';
import { SECRET_INPUTS } from '../settings/inputs';
import { readSettings } from '../settings/read-settings';
import { URL_INPUTS, urlCredentials } from '../settings/values';
import type { MainIO, World } from './io';
import { productionWorld } from './world';

/**
 * Registers secrets before anything else can print them, line by line too. The CLI's `reconcile`
 * (which has no main step) registers them through here as well.
 */
export function maskSecrets(io: Pick<MainIO, 'input' | 'maskSecret'>): void {
  // The Authorization header carries basic auth base64-encoded: that form is masked too.
  const basic = io.input('prometheus-basic-auth').trim();
  if (basic) io.maskSecret(Buffer.from(basic, 'utf8').toString('base64'));
  // A password in a URL input (basic auth on a readiness endpoint) shows wherever the URL does.
  for (const name of URL_INPUTS) for (const part of urlCredentials(io.input(name))) io.maskSecret(part);
  for (const name of SECRET_INPUTS) {
    const value = io.input(name);
    if (!value) continue;
    const parts = new Set([
      value,
      ...value
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length >= 8),
    ]);
    for (const part of parts) io.maskSecret(part);
  }
}

/** Cancellation: the runner sends SIGINT, then SIGTERM, then kills. Both stop the rollout at a safe point. */
function cancellation(io: MainIO): AbortSignal {
  const controller = new AbortController();
  io.onStop((signal) => {
    io.log.warning(`Received ${signal}: stopping at the next safe point and returning any drained, healthy host to service.`);
    controller.abort(new Error(`the run was cancelled (${signal})`));
  });
  return controller.signal;
}

/** The report of a run that never started: its inputs were invalid. */
function invalidReport(): Report {
  return {
    status: 'invalid',
    strategy: '',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    dryRun: false,
    failedHost: '',
    failedPhase: '',
    reason: 'invalid inputs',
    hosts: [],
    waitMs: 0,
  };
}

/**
 * The main step of every entry point: inputs → settings → rollout → outcome. The one place that
 * fails the step, for invalid inputs, a failed run, and anything unexpected (non-Error throws too).
 */
export async function runMain(io: MainIO, world: World = productionWorld): Promise<void> {
  try {
    maskSecrets(io);
    const read = readSettings(io.input, io.env);
    if (!read.ok) {
      await io.publish({ report: invalidReport(), plan: [], errors: read.errors });
      return io.fail(`Invalid inputs; no host was touched:\n${read.errors.map((e) => `  - ${e}`).join('\n')}`);
    }
    const { settings } = read;
    for (const w of read.warnings) io.log.warning(w);
    const owner = runOwner(io.env);
    const journal = io.openJournal(owner);
    const connector = world.connectorFor(settings);
    const deps = {
      connector,
      local: world.local,
      clock: world.clock,
      log: io.log,
      journal,
      signal: cancellation(io),
      owner,
      openLoadBalancer: world.openLoadBalancer,
    };
    const { report, plan } = await rollout(settings, deps);
    io.log.flush?.();
    journal.complete();
    await io.publish({ report, plan, errors: [] });
    if (report.status !== 'success') io.fail();
  } catch (err) {
    io.fail(`zero-downtime-restart stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
  }
}
