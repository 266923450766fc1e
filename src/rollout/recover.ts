import { waitReady } from '../checks/readiness';
import { userCommand } from '../remote/commands/exec';
import { journalSince, systemctl, unitState } from '../remote/commands/systemd';
import type { RemoteHost } from '../remote/remote-host';
import type { Clock } from '../runtime/clock';
import type { Settings } from '../settings/settings';
import type { LoadBalancer } from '../lb/load-balancer';
import type { FlowContext } from './context';
import type { HostRun } from './host-run';
import { regainedNote } from './lock-hold';
import { returnHost, UnhealthyOnReturn } from './drain';
import { runPhase, type PhaseError } from './phase';

/** Budget for the health probe after a failure: recovery must finish before the runner's kill. */
const PROBE_TIMEOUT_MS = 5000;
/** After a cancel, the runner sends SIGTERM 7.5 s after SIGINT: confirm a return only briefly. */
const CANCELLED_RETURN_MS = 3000;

/** The unit is active and, when a readiness URL is set, it answers 2xx again. */
export async function healthy(remote: RemoteHost, settings: Settings, clock: Clock): Promise<boolean> {
  const calm = new AbortController().signal;
  try {
    const state = await remote.check(unitState(settings.service, settings.ssh.commandTimeoutMs));
    if (!/^ActiveState=active$/m.test(state)) return false;
    if (!settings.readiness.url) return true;
    const options = {
      ...settings.readiness,
      timeoutMs: Math.min(PROBE_TIMEOUT_MS, settings.readiness.timeoutMs),
      dependencyChecks: settings.dependencyChecks,
    };
    await waitReady(remote, options, clock, calm, () => undefined);
    return true;
  } catch {
    return false;
  }
}

/** The load balancer's connection, made again if it was lost; a lost lock is said, and recovery goes on. */
async function regainForRecovery(ctx: FlowContext, note: (text: string) => void): Promise<void> {
  try {
    const regained = regainedNote(await ctx.lbLock?.regain());
    if (regained) note(regained);
  } catch (err) {
    note(`${(err as Error).message}; recovery goes on without it`);
  }
}

/** A host failing its watch is in rotation and serving errors: take it out first. */
async function takeOut(run: HostRun, ctx: FlowContext, lb: LoadBalancer, note: (text: string) => void): Promise<void> {
  try {
    await ctx.rotation.drain(run.target, 'failed-check', 'its error check tripped');
    ctx.deps.log.info(`${run.name} taken out of ${lb.description} after its error check tripped`);
  } catch (err) {
    note(`could not take it out of ${lb.description}: ${(err as Error).message}`);
  }
}

/** rollback-command, then the unit reloaded or restarted, then healthy again; true when all of it worked. */
async function rollBack(
  run: HostRun,
  ctx: FlowContext,
  remote: RemoteHost,
  action: 'reload' | 'restart',
  failedIn: string,
): Promise<boolean> {
  const rollback = ctx.settings.rollbackCommand ?? '';
  const { settings, deps } = ctx;
  // A kill during the rollback must not let the post step put the host back on a health check.
  if (failedIn !== 'watch') ctx.rotation.keepOut(run.target, 'failed-check', `it failed in ${failedIn} and rollback-command was running`);
  try {
    await runPhase(deps.clock, run, 'rollback', async (phase) => {
      await remote.check(userCommand('rollback-command', rollback, settings.ssh.commandTimeoutMs));
      await remote.check(systemctl(action, settings.service, settings.ssh.commandTimeoutMs + (run.unit?.timeoutStopMs ?? 0)));
      if (!(await healthy(remote, settings, deps.clock)))
        throw new Error(`rolled back and ${action}ed, but ${settings.service} is still not healthy`);
      phase.detail(`rollback-command ran, ${settings.service} ${action}ed and healthy again`);
    });
    return true;
  } catch {
    return false; // The rollback phase has recorded why.
  }
}

/** What a changed host that failed shows for itself: the error lines its check saw, and its journal. */
async function gatherEvidence(run: HostRun, ctx: FlowContext, remote: RemoteHost, changedAt: number): Promise<void> {
  const { settings } = ctx;
  const journal = await remote
    .run(journalSince(settings.service, changedAt - 1000, 30, settings.ssh.commandTimeoutMs))
    .then((r) => r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-- ')))
    .catch(() => []);
  run.evidence = {
    logLines: run.errorCheck?.samples() ?? [],
    journal: journal.slice(-30).map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l)),
  };
}

/**
 * After a host failed: take it out of rotation if it is serving errors, run rollback-command when
 * the host was changed, and return it to the load balancer only when it is healthy. A host is
 * never left drained without the report and an annotation saying so. Recovery does not throw and
 * is not cancelled: a cancelled run still puts a healthy host back.
 *
 * A cancellation is not a verdict on the host: nothing is rolled back or taken out, and a drained
 * host goes back when it is unchanged or healthy. `stopped`: the same for a host its halted batch
 * stopped before its change.
 */
export async function recover(run: HostRun, ctx: FlowContext, failure: PhaseError, stopped = false): Promise<void> {
  const { settings, deps, rotation } = ctx;
  const { clock, log } = deps;
  const lb = rotation.lb;
  const remote = run.remote;
  // A host its batch stopped (another host failed) is returned like a cancelled one: unchanged.
  const cancelled = stopped || deps.signal.aborted;
  const note = (text: string): void => {
    run.warnings.push(text);
    log.warning(`${run.name}: ${text}`);
  };

  // The failure may have been the load balancer's connection itself: made again before recovery
  // uses it. A lock lost to another run does not stop recovery (taking a failing host out, putting
  // a healthy one back); the run has halted already (LockHold told it).
  if (lb) await regainForRecovery(ctx, note);
  if (failure.phase === 'watch' && !cancelled && lb && !rotation.isDrained(run.target)) await takeOut(run, ctx, lb, note);
  // A return that failed on its way (an answer lost, a dropped connection) after the host passed
  // readiness says nothing against the change: no rollback, just another return once healthy.
  const lostReturn = failure.phase === 'return' && !(failure.cause instanceof UnhealthyOnReturn);
  const rolledBack =
    run.changed && !cancelled && !lostReturn && remote && settings.rollbackCommand && run.choice
      ? await rollBack(run, ctx, remote, run.choice.action, failure.phase)
      : false;

  if (rotation.isDrained(run.target) && lb) {
    // Unchanged hosts (a failed or cancelled drain) are as healthy as before; a watch failure
    // returns only after a successful rollback, however healthy its health endpoint looks.
    const fine =
      rolledBack ||
      ((failure.phase !== 'watch' || cancelled) && (!run.changed || (remote ? await healthy(remote, settings, clock) : false)));
    if (fine) {
      try {
        await runPhase(clock, run, 'return', (phase) =>
          returnHost(run, ctx, lb, phase, deps.signal.aborted ? { confirmMs: CANCELLED_RETURN_MS, unconfirmed: 'leave' } : undefined),
        );
      } catch (err) {
        note(`left out of rotation: ${(err as Error).message}`);
      }
    } else if (cancelled && failure.phase !== 'watch') {
      // Not a verdict on the change: a start slower than the cancel's budget. Journalled as such, so
      // that the post step (or the CLI's reconcile) returns it once it is ready.
      rotation.keepOut(run.target, 'not-ready', 'the run was cancelled before it was ready again');
      note(
        `left drained in ${lb.description}: it was not yet ready when the run was cancelled; the post step (or reconcile) returns it once it is`,
      );
    } else {
      const why =
        failure.phase === 'watch'
          ? 'its error check tripped and no rollback-command brought it back'
          : 'it is not healthy after the failure';
      note(`left drained in ${lb.description}: ${why}, so it was not put back`);
    }
  }

  if (remote && run.changedAt !== undefined && !cancelled) await gatherEvidence(run, ctx, remote, run.changedAt);
}
