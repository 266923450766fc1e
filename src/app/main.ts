import type { Report } from '../report/report';
import { rollout } from '../rollout/rollout';
import { runOwner } from '../runtime/owner';
import { readSettings } from '../settings/read-settings';
import type { MainIO, World } from './io';
import { maskSecrets } from './mask';
import { productionWorld } from './world';

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
