import { hostInFlight } from '../checks/inflight';
import { sayProgress } from '../runtime/log';
import { poll } from '../runtime/poll';
import type { LoadBalancer } from '../lb/load-balancer';
import type { FlowContext } from './context';
import type { HostRun } from './host-run';
import { LockLostError, RegainError } from './lock-hold';
import { LeftAsFound, type PhaseHandle } from './phase';

/**
 * How often the return looks again while the load balancer does not yet call the host UP: one
 * exchange on its kept-open session, so looking often costs little, and the wait ends within
 * this of the load balancer's own verdict.
 */
const POLL_MS = 50;
/**
 * How often the drain wait asks for the in-flight count: the drain ends within this of the last
 * request. One exchange on the load balancer's kept-open session (a few ms), or one command on
 * the host where the load balancer cannot count.
 */
const DRAIN_POLL_MS = 50;
/** Longest the return waits for the load balancer to call the host healthy. */
const RETURN_TIMEOUT_MS = 30_000;

/**
 * A load-balancer exchange of the host's drain or return. When the connection drops under it (sshd
 * restarted on the load balancer's host, a network blip past the keepalive), it is made again, the
 * run's lock renewed on it, and the exchange asked again, where the load balancer's exchanges are
 * safe to repeat (not a user's commands); a drain held back unsent is asked again for any load
 * balancer. The host goes on instead of failing. Said as a warning of the phase.
 */
function onLb<T>(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle, fn: () => Promise<T>): Promise<T> {
  const hold = ctx.lbLock;
  // Once the lock is lost the run halts; recovery still puts healthy hosts back (recover.ts), as before.
  if (!hold || hold.isLost) return fn();
  const note = (text: string): void => {
    phase.warn(text);
    ctx.deps.log.warning(`${run.name}: ${text}`);
  };
  return hold.again(fn, note, lb.repeatable === true);
}

/**
 * Asks the load balancer to drain the host, journalled first: when the answer is lost (a timeout,
 * a dropped connection) the drain may still have been applied, and a kill then must not leave the
 * host out unrecorded. After such an unclear drain the host counts as drained, so the caller's
 * recovery puts it back (and the report says so).
 */
async function askToDrain(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle): Promise<void> {
  const hold = ctx.lbLock;
  let asks = 0;
  let passed = false;
  // Checked at the moment the drain goes out, which can be later than the ask (see LockHold.sendable).
  const beforeSend = (): void => {
    hold?.sendable();
    passed = true;
  };
  try {
    await onLb(run, ctx, lb, phase, () => {
      asks += 1;
      return ctx.rotation.drain(run.target, 'turn', undefined, beforeSend);
    });
  } catch (err) {
    // Nothing reached the load balancer when nothing was asked (the connection could not be made
    // good first), or, where the adapter checks before every write, no check let a write through;
    // then what was journaled for it is undone. Elsewhere any ask may have been applied.
    const maybeSent = lb.checksBeforeSend ? passed : asks > 0;
    if (!maybeSent) {
      if (asks > 0) ctx.rotation.neverSent(run.target);
      throw err;
    }
    ctx.rotation.assumeDrained(run.target);
    ctx.deps.log.warning(
      `${run.name}: the drain's answer was lost (${(err as Error).message}); it may have been applied, so the host is put back`,
    );
    throw err;
  }
}

/**
 * Preflight saw the host in service, but an operator may have put it in maintenance (or drained
 * it, or marked it down) since, while earlier hosts rolled. A drain would overwrite their state
 * (HAProxy's `state drain` clears MAINT) and the return would put the host back in service, so it
 * is asked again right before the drain: such a host is left as found (not-in-service: skip), or
 * fails here with nothing changed (refuse).
 */
async function stillInService(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle): Promise<void> {
  const taken = (await onLb(run, ctx, lb, phase, async () => lb.notInService?.([run.target])))?.get(run.name);
  if (!taken) return;
  const text = `${taken.text}: taken out of service during the run, before its drain`;
  if (ctx.settings.drain.notInService === 'refuse') throw new Error(`${text}; not-in-service is refuse, so nothing was changed on it`);
  throw new LeftAsFound(`${text}; skipped and left exactly as found (not-in-service: skip)`, taken);
}

/** The capacity guard: enough other healthy servers in rotation to drain this host, or a throw. */
async function capacityGuard(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle): Promise<string> {
  const { target } = run;
  const min = ctx.settings.drain.minHealthy;
  const others = await onLb(run, ctx, lb, phase, () => lb.healthyOthers(target));
  if (others === null) {
    const guard = `capacity guard not enforced: ${lb.description} cannot count healthy servers`;
    if (min > 0) ctx.deps.log.warning(`${target.name}: ${guard} (min-healthy ${min})`);
    return guard;
  }
  if (others < min) {
    throw new Error(
      `capacity guard: ${others} other healthy server${others === 1 ? '' : 's'} in rotation, and min-healthy is ${min}; draining ${target.name} would leave too few to serve. Nothing was drained.`,
    );
  }
  return `${others} other healthy server${others === 1 ? '' : 's'} in rotation (min-healthy ${min})`;
}

/**
 * The capacity guard, then the drain, then the wait for in-flight requests to reach zero. In
 * flight is the load balancer's per-server session count where it keeps one, else the host's own.
 */
export async function drainHost(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle): Promise<void> {
  const { settings, deps } = ctx;
  const { clock, log, signal } = deps;
  const target = run.target;
  // Counted live and drained in one reservation: no other host of the batch counts in between.
  const guard = await ctx.rotation.reserve(async () => {
    await stillInService(run, ctx, lb, phase);
    const text = await capacityGuard(run, ctx, lb, phase);
    await askToDrain(run, ctx, lb, phase);
    return text;
  });

  const remote = run.remote;
  if (!remote) throw new Error('no connection to the host');
  const count = async (): Promise<{ count: number; source: string }> => {
    const fromLb = await onLb(run, ctx, lb, phase, () => lb.inFlight(target));
    const seen =
      fromLb !== null
        ? { count: fromLb, source: 'load balancer sessions' }
        : await hostInFlight(remote, settings.drain.stubStatusUrl, settings.drain.port, settings.ssh.commandTimeoutMs);
    run.inFlight = seen.count;
    return seen;
  };
  const progress = {
    everyMs: 2000,
    say: (seen: { count: number }, ms: number) =>
      sayProgress(log, target.name, `draining: ${seen.count} in flight, ${Math.round(ms / 1000)} s`),
  };
  const outcome = await phase.waiting(() =>
    poll({ clock, signal, timeoutMs: settings.drain.timeoutMs, intervalMs: DRAIN_POLL_MS, progress }, count, (seen) => seen.count === 0),
  );
  const seen = outcome.value;
  const summary = `${guard}; drained from ${lb.description}; in flight reached 0 after ${outcome.waitedMs} ms (${seen.source})`;
  if (outcome.done) return phase.detail(summary);
  const still = `${seen.count} request${seen.count === 1 ? '' : 's'} still in flight after drain-timeout ${settings.drain.timeoutMs / 1000}s (${seen.source})`;
  if (settings.drain.onTimeout === 'fail') throw new Error(`${still}; the host was not restarted (on-drain-timeout: fail)`);
  phase.detail(`${guard}; drained from ${lb.description}`);
  phase.warn(`${still}; restarting anyway because on-drain-timeout is proceed`);
  log.warning(`${target.name}: ${still}; restarting anyway (on-drain-timeout: proceed)`);
}

/**
 * An operator put the host in maintenance while this run had it drained: their state wins. The
 * host is not returned (a return would clear their MAINT), and the run no longer holds it out.
 */
async function leftToOperator(run: HostRun, ctx: FlowContext, lb: LoadBalancer, phase: PhaseHandle): Promise<boolean> {
  const ask = lb.operatorMaintenance?.bind(lb);
  // A question that fails is no answer (the return goes on); a lock lost, or a connection that could
  // not be made good again, stops the return: nothing may be asked over it.
  const maint = ask
    ? await onLb(run, ctx, lb, phase, () => ask(run.target)).catch((err: unknown) => {
        if (err instanceof LockLostError || err instanceof RegainError) throw err;
        return null;
      })
    : null;
  if (!maint) return false;
  ctx.rotation.release(run.target);
  run.outOfService = { state: 'maint', text: maint };
  phase.warn(`not returned: it was put ${maint} during the run, and is left as the operator set it`);
  ctx.deps.log.warning(`${run.target.name}: put ${maint} during the run; not returned, left as the operator set it`);
  return true;
}

/** The load balancer's own verdict after a return: it does not see the host healthy (a verdict on the change). */
export class UnhealthyOnReturn extends Error {}

/**
 * Puts the host back and waits until the load balancer itself calls it healthy, so the next host
 * is not drained while this one is still rising.
 */
export async function returnHost(
  run: HostRun,
  ctx: FlowContext,
  lb: LoadBalancer,
  phase: PhaseHandle,
  { confirmMs, unconfirmed }: { confirmMs: number; unconfirmed: 'drain' | 'leave' } = {
    confirmMs: RETURN_TIMEOUT_MS,
    unconfirmed: 'drain',
  },
): Promise<void> {
  // No cancel signal: the return must finish even in a cancelled run, it is how a drained host gets back.
  const { clock } = ctx.deps;
  if (await leftToOperator(run, ctx, lb, phase)) return;
  // The load balancer's answer to the return may already say it is UP: then there is no wait.
  const upAtOnce = await onLb(run, ctx, lb, phase, () => ctx.rotation.undrain(run.target));
  const seen =
    upAtOnce === true
      ? { value: true, waitedMs: 0 }
      : await phase.waiting(() =>
          poll(
            { clock, timeoutMs: confirmMs, intervalMs: POLL_MS, pauseFirst: upAtOnce === false },
            () => onLb(run, ctx, lb, phase, () => lb.isUp(run.target)),
            (state) => state !== false,
          ),
        );
  const up = seen.value;
  if (up === false && unconfirmed === 'leave') {
    phase.warn(`returned; ${lb.description} had not yet seen it UP after ${confirmMs / 1000}s (its own health checks decide)`);
    return;
  }
  if (up === false) {
    // It passed readiness, but the load balancer disagrees: do not leave it half in. The verdict
    // stands even when the drain's answer is lost (then the host counts as drained, as it may be).
    const verdict = `${lb.description} did not see ${run.target.name} healthy within ${confirmMs / 1000}s of its return`;
    // Not held back by the lock (no beforeSend): taking out a host this run put back unhealthy is
    // recovery's kind of move, made even once the lock is lost, as recover.ts's are.
    await ctx.rotation
      .drain(run.target, 'failed-check', `${lb.description} did not see it healthy after its return`)
      .catch((err: Error) => {
        ctx.rotation.assumeDrained(run.target);
        throw new UnhealthyOnReturn(`${verdict}; draining it again got no clear answer (${err.message})`);
      });
    throw new UnhealthyOnReturn(`${verdict}; drained it again`);
  }
  phase.detail(
    up === null
      ? `returned to ${lb.description} (it cannot report health)`
      : `returned; ${lb.description} sees it UP after ${seen.waitedMs} ms`,
  );
}
