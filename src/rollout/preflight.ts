import { createErrorCheck } from '../checks/error-check';
import { preflightHostMetrics, preflightMetrics } from '../checks/sources/metrics-preflight';
import { stopFindings } from '../inspect/findings';
import { CHECKED_COMMANDS, explainNotFound, missingCommands, neededCommands, prerequisiteProblem } from '../inspect/prerequisites';
import { parseUnitInfo, type UnitInfo } from '../inspect/unit-info';
import { logMark } from '../remote/commands/log-file';
import { inspectUnit } from '../remote/commands/systemd';
import { userCommand } from '../remote/commands/exec';
import { failureOf, RemoteHost } from '../remote/remote-host';
import { chooseStrategy, type StrategyChoice } from '../strategies/choose';
import { ConnectionLease } from '../transport/lease';
import { describeRoute, describeTarget, type SshTarget } from '../transport/target';
import { mapBounded } from './bounded';
import { batchTooLarge } from './capacity';
import type { FlowContext } from './context';
import { asPhaseError, type FleetRun } from './fleet-run';
import type { HostRun } from './host-run';
import { LockHold } from './lock-hold';
import { acquireRecorded, lbLockTtlSeconds, LockedError } from './locks';
import type { TurnOverlap } from './overlap';
import { runPhase, skipPhase, type PhaseHandle } from './phase';

/** The unit as inspect found it must be one this run can act on; throws why not. */
function checkUnit(unit: UnitInfo, run: HostRun, ctx: FlowContext): void {
  const { settings } = ctx;
  if (unit.loadState !== 'loaded') {
    throw new Error(`unit ${settings.service} is ${unit.loadState || 'unknown'} on this host (check the service input)`);
  }
  if (unit.uid !== 0 && !settings.ssh.sudo) {
    throw new Error(
      `connected as uid ${unit.uid} (${run.target.user}), and systemctl needs root: set sudo: true (passwordless sudo) or connect as root`,
    );
  }
  if (unit.activeState !== 'active') {
    throw new Error(`${unit.id} is ${unit.activeState}/${unit.subState} before any change; fix the host first`);
  }
}

/** What this host's turn will run there (a drain needs more), and a readable access log. */
async function checkTools(run: HostRun, remote: RemoteHost, missing: string[], choice: StrategyChoice, ctx: FlowContext): Promise<void> {
  const { settings } = ctx;
  const lackingForDrain = choice.drain ? prerequisiteProblem(run.name, missing, neededCommands(settings, true)) : null;
  if (lackingForDrain) throw new Error(lackingForDrain);
  if (settings.check.windowMs > 0 && settings.check.source === 'access-log') {
    const mark = await remote.run(logMark(settings.check.accessLog, settings.ssh.commandTimeoutMs));
    if (mark.code !== 0 || !/^\d+ \d+ /.test(mark.stdout)) {
      throw new Error(
        `the access log ${settings.check.accessLog} cannot be read on this host (set access-log, or another check-source): ${mark.stderr.trim()}`,
      );
    }
  }
  // prometheus-via / check-command-via host: this host's own query, from here, before any change.
  await preflightHostMetrics(settings, { host: run.target, remote }, ctx.deps.local, ctx.deps.clock.now);
}

/** Pattern C findings and the strategy's own warnings: refused, or said once in the log and the report. */
function warnAbout(unit: UnitInfo, choice: StrategyChoice, run: HostRun, ctx: FlowContext, phase: PhaseHandle): void {
  const { settings, deps } = ctx;
  const findings = choice.action === 'restart' ? stopFindings(unit, settings.drain.timeoutMs) : [];
  if (findings.length && settings.unitWarnings === 'refuse') {
    throw new Error(
      `unit-warnings is refuse: ${findings.map((f) => `${f.message} Fix with \`systemctl edit ${unit.id}\`: ${f.dropIn.replace(/\n/g, ' ')}`).join(' ')}`,
    );
  }
  for (const f of findings) {
    run.warnings.push(f.message);
    deps.log.warning(`${run.name}: ${f.message}\nFix with \`systemctl edit ${unit.id}\` and this drop-in:\n${f.dropIn}`);
  }
  for (const w of choice.warnings) {
    run.warnings.push(w);
    deps.log.warning(`${run.name}: ${w}`);
  }
  if (findings.length || choice.warnings.length) phase.warn(`${findings.length + choice.warnings.length} warning(s)`);
}

/** inspect: what the unit is, whether this run can act on it, and what "change" will mean here. */
async function inspectHost(run: HostRun, remote: RemoteHost, ctx: FlowContext, phase: PhaseHandle): Promise<void> {
  const { settings } = ctx;
  const inspected = await remote
    .check(inspectUnit(settings.service, settings.ssh.commandTimeoutMs, CHECKED_COMMANDS))
    .catch((error: unknown) => {
      throw explainNotFound(run.name, error);
    });
  const missing = missingCommands(inspected);
  const lacking = prerequisiteProblem(run.name, missing, neededCommands(settings, false));
  if (lacking) throw new Error(lacking);
  const unit = parseUnitInfo(inspected);
  run.unit = unit;
  checkUnit(unit, run, ctx);
  const decision = chooseStrategy(settings, unit);
  if (!decision.ok) throw new Error(decision.refusal);
  const choice = decision.choice;
  run.choice = choice;
  await checkTools(run, remote, missing, choice, ctx);
  phase.detail(
    `${unit.id} ${unit.activeState}, CanReload=${unit.canReload ? 'yes' : 'no'}${unit.triggeredBy.length ? `, TriggeredBy=${unit.triggeredBy.join(' ')}` : ''} → ${choice.label}: ${choice.reason}`,
  );
  warnAbout(unit, choice, run, ctx, phase);
}

/**
 * connect → inspect → validate on one host, changing nothing. Run for every host before the first
 * change, so one bad host fails the run while the fleet is still untouched.
 */
export async function preflightHost(run: HostRun, ctx: FlowContext): Promise<void> {
  const { settings, deps } = ctx;
  const { clock, log } = deps;
  const remote = await runPhase(clock, run, 'connect', async (phase) => {
    const started = clock.now();
    // A lease: released after preflight, connected again for the host's turn (transport/lease.ts).
    const lease = new ConnectionLease(deps.connector, run.target);
    await lease.acquire();
    const remote = new RemoteHost(lease, settings.ssh.sudo, (text) => log.debug(text));
    phase.detail(`${describeRoute(run.target)} in ${clock.now() - started} ms`);
    return remote;
  });
  run.remote = remote;
  await runPhase(clock, run, 'inspect', (phase) => inspectHost(run, remote, ctx, phase));
  const validate = settings.validateCommand;
  if (validate === null) return skipPhase(clock, run, 'validate', 'no validate-command for this service');
  await runPhase(clock, run, 'validate', async (phase) => {
    const cmd = userCommand('validate-command', validate, settings.ssh.commandTimeoutMs);
    const failure = failureOf(cmd, await remote.run(cmd));
    if (failure) throw new Error(`validate-command failed: ${failure}`);
    phase.detail(`${validate}: ok`);
  });
}

/**
 * Opens the load balancer, checks it knows every host, and takes its lock. One rollout drains a
 * pool at a time: capacity is counted live, but two runs counting at the same moment would both
 * see enough. Taken here, beside the hosts' preflight, and held to the end of the run: a round
 * trip per run, not two per host.
 */
async function preflightLb(fleet: FleetRun, overlap: TurnOverlap | undefined, statesRead: () => void): Promise<void> {
  const { settings, deps } = fleet;
  const lb = await deps.openLoadBalancer(settings, deps.connector, deps.local);
  fleet.rotation.use(lb);
  if (!lb) return;
  for (const w of await lb.preflight(settings.hosts)) deps.log.warning(w);
  const outOfService = (await lb.notInService?.(settings.hosts)) ?? new Map();
  for (const run of fleet.runs) run.outOfService = outOfService.get(run.name);
  statesRead();
  const lock = lb.lock;
  if (!lock) return;
  // Short, and renewed while the run lives: a dead run frees it within minutes.
  const ttlSeconds = lbLockTtlSeconds(settings);
  const progress = (line: string): void => deps.log.info(`load balancer: ${line}`);
  // Held by another run: the first host's lock, if taken early, goes back before the wait. Never
  // wait while holding it: another run may hold this lock and wait for that one.
  const beforeWait = async (): Promise<void> => {
    if (overlap && !(await overlap.giveBackEarly(deps)))
      throw new LockedError(
        `the load balancer's lock is held by another run, and the first host's lock, taken while preflight ran, could not be given back before waiting for it; not waiting while holding it`,
      );
  };
  const request = {
    owner: deps.owner,
    ttlSeconds,
    waitMs: settings.lockWaitMs,
    clock: deps.clock,
    signal: deps.signal,
    progress,
    beforeWait,
  };
  const { note } = await acquireRecorded(lock.remote, lock, request, deps.journal);
  // Lost to another run (seen by the heartbeat, a host's lock step or recovery): the run halts at
  // once, and no host not yet changed goes on without the lock.
  const where = lbName(lock.remote.connection.target);
  const hold = new LockHold(lock.remote, lock, deps.owner, ttlSeconds, (message) => {
    deps.log.warning(`load balancer: ${message}; the run halts`);
    fleet.fail(where, 'lock', message);
  });
  // Said as the heartbeat's: its notes name the load balancer themselves.
  hold.keep((ttlSeconds * 1000) / 3, (problem) => deps.log.warning(`lock heartbeat: ${problem}`));
  fleet.lbLock = hold;
  if (note) deps.log.warning(`load balancer lock: ${note}`);
}

/** Each host's error check, created in this one place once the fleet passed preflight, and primed. */
async function prepareChecks(fleet: FleetRun): Promise<void> {
  for (const run of fleet.runs) {
    if (!run.remote) continue;
    run.errorCheck = createErrorCheck(fleet.settings, run.target, run.remote, fleet.rotation.lb, fleet.deps.clock, fleet.deps.local);
    await run.errorCheck?.prime();
  }
}

/**
 * Hosts an operator took out of service before the run (not-in-service): skipped and left exactly
 * as found, with a warning; or, with `refuse`, the run fails before any change.
 */
function settleOutOfService(fleet: FleetRun): void {
  const out = fleet.runs.filter((r) => r.outOfService);
  const first = out[0];
  if (!first) return;
  if (fleet.settings.drain.notInService === 'refuse') {
    const which = out.map((r) => `${r.name} is ${r.outOfService?.text}`).join('; ');
    fleet.fail(first.name, 'inspect', `not in service before the run: ${which}; not-in-service is refuse, so nothing was changed`);
    return;
  }
  for (const run of out) {
    const text = `not in service before the run (${run.outOfService?.text}): skipped and left exactly as found (not-in-service: skip)`;
    run.warnings.push(text);
    fleet.deps.log.warning(`${run.name}: ${text}`);
  }
}

/** The load balancer as a halt names it: by its SSH host where it has one. */
const lbName = (target: SshTarget | null): string => (target ? `load balancer (${describeTarget(target)})` : 'load balancer');

/** A load-balancer failure halts the run like a host's would, naming the load balancer. */
function lbFailure(fleet: FleetRun, err: unknown): void {
  const lb = fleet.settings.lb;
  const phase = err instanceof LockedError ? 'lock' : 'connect';
  fleet.fail(lbName(lb.kind !== 'none' ? lb.host : null), phase, `load balancer: ${(err as Error).message}`);
}

/**
 * The host whose turn comes right after preflight when hosts roll one at a time: it keeps its
 * connection (and its shell), so its turn does not start by connecting again. One connection
 * beyond the preflight bound, for the length of a preflight.
 */
function rollsFirst(fleet: FleetRun, run: HostRun): boolean {
  return fleet.serial && fleet.batches[0]?.[0] === run;
}

/**
 * The fleet's preflight: every host (a bounded number at once) and the load balancer side by side,
 * changing nothing; then each host's error check. Any failure halts the run before the first change.
 * With `overlap` (one host at a time), the first host's lock is tried as soon as its own preflight
 * passed (TurnOverlap.lockEarly).
 */
export async function preflightFleet(fleet: FleetRun, overlap?: TurnOverlap): Promise<void> {
  const { settings, deps, runs } = fleet;
  // The first host's lock waits for the load balancer's word on it: a host an operator took out of
  // service is left as found, lock directory and all.
  let statesRead = (): void => undefined;
  const states = new Promise<void>((resolve) => (statesRead = resolve));
  const lockEarly = (run: HostRun): void =>
    void states.then(() => {
      if (!fleet.halted && !run.outOfService) overlap?.lockEarly(run, fleet);
    });
  const title = `Preflight: ${runs.length} host${runs.length === 1 ? '' : 's'}${settings.lb.kind !== 'none' ? ' and the load balancer' : ''}`;
  await deps.log.group(title, async () => {
    const hosts = mapBounded(runs, settings.ssh.preflightConcurrency, async (run) => {
      try {
        await preflightHost(run, fleet);
        if (overlap && rollsFirst(fleet, run)) lockEarly(run);
        deps.log.info(`${run.name}: ${run.phases.map((p) => `${p.name} ${p.status}`).join(', ')}; ${run.choice?.label ?? ''}`);
        return null;
      } catch (err) {
        run.status = 'failed';
        return asPhaseError(err, run.name);
      } finally {
        // At most preflight-concurrency connections open at once: the host's turn connects again.
        if (!rollsFirst(fleet, run)) await run.remote?.release();
      }
    });
    const [failures] = await Promise.all([
      hosts,
      preflightLb(fleet, overlap, statesRead)
        .catch((err: unknown) => lbFailure(fleet, err))
        .finally(statesRead),
    ]);
    const first = failures.find((f) => f !== null);
    if (first) fleet.fail(first.host, first.phase, first.message);
    if (!fleet.halted) settleOutOfService(fleet);
    const tooLarge = fleet.halted ? null : await batchTooLarge(fleet).catch((err: Error) => `load balancer: ${err.message}`);
    if (tooLarge) fleet.fail('batches', 'preflight', tooLarge);
    // The metrics behind the error check, asked once per host before any host changes (with
    // *-via: host, each host asked already in its own inspect: checkTools).
    if (!fleet.halted)
      await preflightMetrics(settings, fleet.rotation.lb, deps.local, deps.clock.now).catch((err: Error) =>
        fleet.fail(`check-source ${settings.check.source}`, 'preflight', err.message),
      );
    if (!fleet.halted) await prepareChecks(fleet).catch((err: unknown) => lbFailure(fleet, err));
  });
}
