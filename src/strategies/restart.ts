import { serviceMs, systemctlTimed, unitState } from '../remote/commands/systemd';
import type { UnitInfo } from '../inspect/unit-info';
import { poll } from '../runtime/poll';
import type { Settings } from '../settings/settings';
import { EFFECT_POLL_MS, EFFECT_TIMEOUT_MS, type ChangeContext, type ChangePlan } from './change';

function props(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** How long the unit may take to stop: its TimeoutStopSec, or systemd's default when infinite. */
const stopBudgetOf = (unit: UnitInfo): number => unit.timeoutStopMs ?? 90_000;

/** The restart's command, allowed the unit's whole stop timeout on top of the command timeout. */
export function restartPlan(settings: Settings, unit: UnitInfo): ChangePlan {
  const timeout = settings.ssh.commandTimeoutMs;
  const stopBudget = stopBudgetOf(unit);
  return {
    command: systemctlTimed('restart', settings.service, Math.max(timeout, stopBudget + timeout), true),
    proof: `up to ${(EFFECT_TIMEOUT_MS + stopBudget) / 1000}s: active again with a new main process`,
  };
}

/**
 * Patterns B–D's change: `systemctl restart`, then proof that the unit is active again with a new
 * main process. The stop can take up to TimeoutStopSec, so the command's limit allows for it.
 */
export async function restart(ctx: ChangeContext): Promise<string> {
  const { remote, settings, clock, unit } = ctx;
  const timeout = settings.ssh.commandTimeoutMs;
  const stopBudget = stopBudgetOf(unit);
  const started = clock.now();
  // systemd's stop and start are the service's own time, not orchestration.
  const restarted = await remote.check(restartPlan(settings, unit).command);
  ctx.addWait(serviceMs(restarted));
  // The first look is the restart's own answer (the state right after it); later ones ask again.
  let answer: string | undefined = /^ActiveState=/m.test(restarted) ? restarted : undefined;
  const look = async (): Promise<{ active: string; pid: number }> => {
    const state = props(answer ?? (await remote.check(unitState(settings.service, timeout))));
    answer = undefined;
    const active = state.get('ActiveState') ?? '';
    if (active === 'failed' || (active === 'inactive' && clock.now() - started > 1000)) {
      throw new Error(`${settings.service} is ${active} after the restart (result: ${state.get('Result') || 'unknown'})`);
    }
    return { active, pid: Number(state.get('MainPID') ?? 0) };
  };
  // Pattern D and Type=oneshot units may have no main process of their own.
  const back = ({ active, pid }: { active: string; pid: number }): boolean =>
    active === 'active' && (pid !== unit.mainPid || unit.mainPid === 0);
  const seen = await poll(
    { clock, signal: ctx.signal, since: started, timeoutMs: EFFECT_TIMEOUT_MS + stopBudget, intervalMs: EFFECT_POLL_MS },
    look,
    back,
  );
  const { active, pid } = seen.value;
  if (!seen.done) throw new Error(`${settings.service} did not come back after the restart: ActiveState=${active}, MainPID=${pid}`);
  return `systemctl restart ${settings.service}; active in ${clock.now() - started} ms with main PID ${pid || 'none'} (was ${unit.mainPid || 'none'})`;
}
