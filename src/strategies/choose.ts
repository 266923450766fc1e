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

const chosen = (
  action: StrategyChoice['action'],
  drain: boolean,
  label: string,
  reason: string,
  warnings: string[] = [],
): StrategyDecision => ({
  ok: true,
  choice: { action, drain, label, reason, warnings },
});

/** Context shared by the per-strategy rules below. */
interface Situation {
  settings: Settings;
  unit: UnitInfo;
  unitName: string;
  hasLb: boolean;
  socket: string | null | undefined;
}

function restartWarnings(s: Situation): string[] {
  const w: string[] = [];
  if (!s.socket) w.push(`a restart without a drain drops the requests ${s.unitName} is serving and refuses connections until it is back`);
  if (s.settings.hosts.length === 1 && !s.hasLb) w.push('this is a single host with no load balancer: nothing serves while it restarts');
  return w;
}

function socketChoice(s: Situation, why: string): StrategyDecision {
  if (s.settings.drain.force && s.hasLb) return chosen('restart', true, 'drain-restart', `${why}; force-drain asks for a drain anyway`);
  return chosen(
    'restart',
    false,
    'socket-restart',
    `${why}: ${s.socket} holds the listening socket while the service restarts, so no drain is needed`,
  );
}

function chooseAuto(s: Situation): StrategyDecision {
  const { unitName } = s;
  if (s.unit.canReload) return chosen('reload', false, 'reload', `auto: ${unitName} can reload gracefully`);
  if (s.socket) return socketChoice(s, `auto: ${unitName} cannot reload but is socket-activated`);
  if (s.hasLb) {
    return chosen(
      'restart',
      true,
      'drain-restart',
      `auto: ${unitName} cannot reload, so it is drained from lb: ${s.settings.lb.kind} and restarted`,
    );
  }
  return {
    ok: false,
    refusal: `strategy auto: ${unitName} cannot reload, is not socket-activated, and no load balancer is configured (lb: none), so only a plain restart is possible and it would drop in-flight requests. Set lb to drain the host first, or strategy: restart to accept the gap.`,
  };
}

/**
 * Picks the change for one host from the `strategy` input and what inspect found. `auto` prefers a
 * graceful reload, then a socket-activated restart, then drain-restart behind a load
 * balancer, and otherwise refuses: a plain restart would drop in-flight requests.
 */
export function chooseStrategy(settings: Settings, unit: UnitInfo): StrategyDecision {
  const hasLb = settings.lb.kind !== 'none';
  const s: Situation = { settings, unit, unitName: unit.id || settings.service, hasLb, socket: socketActivated(unit) };
  switch (settings.strategy) {
    case 'reload':
      if (!unit.canReload) {
        return {
          ok: false,
          refusal: `strategy reload: ${s.unitName} cannot reload (no ExecReload), so systemctl reload would do nothing. Use drain-restart with a load balancer, or auto.`,
        };
      }
      return chosen('reload', false, 'reload', 'strategy: reload');
    case 'drain-restart':
      return chosen('restart', true, 'drain-restart', `strategy: drain-restart through lb: ${settings.lb.kind}`);
    case 'restart':
      if (s.socket) return socketChoice(s, 'strategy: restart, and the unit is socket-activated');
      return chosen('restart', false, 'restart', 'strategy: restart', restartWarnings(s));
    case 'auto':
      return chooseAuto(s);
  }
}
