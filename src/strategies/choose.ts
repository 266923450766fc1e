import { socketActivated, type UnitInfo } from '../inspect/unit-info';
import type { Settings } from '../settings/settings';

/** What "change" means on one host, and why. */
export interface StrategyChoice {
  /** The systemd action taken on the unit. */
  action: 'reload' | 'restart';
  /** Whether the host leaves the load balancer for the change. */
  drain: boolean;
  /** Name shown in the report: reload, drain-restart, restart or socket-restart. */
  label: string;
  reason: string;
  /** Things the user should know, e.g. that a plain restart drops in-flight requests. */
  warnings: string[];
}

export type StrategyDecision = { ok: true; choice: StrategyChoice } | { ok: false; refusal: string };

/**
 * Picks the change for one host from the `strategy` input and what inspect found. `auto` prefers a
 * graceful reload, then a socket-activated restart, then drain-restart behind a load
 * balancer, and otherwise refuses: a plain restart would drop in-flight requests.
 */
export function chooseStrategy(settings: Settings, unit: UnitInfo): StrategyDecision {
  const hasLb = settings.lb.kind !== 'none';
  const socket = socketActivated(unit);
  const alone = settings.hosts.length === 1 && !hasLb;
  const unitName = unit.id || settings.service;
  const restartWarnings = (): string[] => {
    const w: string[] = [];
    if (!socket) w.push(`a restart without a drain drops the requests ${unitName} is serving and refuses connections until it is back`);
    if (alone) w.push('this is a single host with no load balancer: nothing serves while it restarts');
    return w;
  };
  const socketChoice = (why: string): StrategyChoice =>
    settings.drain.force && hasLb
      ? { action: 'restart', drain: true, label: 'drain-restart', reason: `${why}; force-drain asks for a drain anyway`, warnings: [] }
      : { action: 'restart', drain: false, label: 'socket-restart', reason: `${why}: ${socket} holds the listening socket while the service restarts, so no drain is needed`, warnings: [] };

  switch (settings.strategy) {
    case 'reload':
      if (!unit.canReload) {
        return { ok: false, refusal: `strategy reload: ${unitName} cannot reload (no ExecReload), so systemctl reload would do nothing. Use drain-restart with a load balancer, or auto.` };
      }
      return { ok: true, choice: { action: 'reload', drain: false, label: 'reload', reason: 'strategy: reload', warnings: [] } };
    case 'drain-restart':
      return { ok: true, choice: { action: 'restart', drain: true, label: 'drain-restart', reason: `strategy: drain-restart through lb: ${settings.lb.kind}`, warnings: [] } };
    case 'restart':
      if (socket) return { ok: true, choice: socketChoice('strategy: restart, and the unit is socket-activated') };
      return { ok: true, choice: { action: 'restart', drain: false, label: 'restart', reason: 'strategy: restart', warnings: restartWarnings() } };
    case 'auto':
      if (unit.canReload) {
        return { ok: true, choice: { action: 'reload', drain: false, label: 'reload', reason: `auto: ${unitName} can reload gracefully`, warnings: [] } };
      }
      if (socket) return { ok: true, choice: socketChoice(`auto: ${unitName} cannot reload but is socket-activated`) };
      if (hasLb) {
        return {
          ok: true,
          choice: { action: 'restart', drain: true, label: 'drain-restart', reason: `auto: ${unitName} cannot reload, so it is drained from lb: ${settings.lb.kind} and restarted`, warnings: [] },
        };
      }
      return {
        ok: false,
        refusal: `strategy auto: ${unitName} cannot reload, is not socket-activated, and no load balancer is configured (lb: none), so only a plain restart is possible and it would drop in-flight requests. Set lb to drain the host first, or strategy: restart to accept the gap.`,
      };
  }
}
