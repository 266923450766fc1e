import type { UnitInfo } from '../inspect/unit-info';
import type { Settings } from '../settings/settings';
import type { ChangeContext, ChangePlan } from './change';
import { reload, reloadPlan } from './reload';
import { restart, restartPlan } from './restart';

/** The change one host gets: what it will send (for the plan) and the step that does it. */
export interface Change {
  plan: ChangePlan;
  apply(ctx: ChangeContext): Promise<string>;
}

/** The change for a systemd action on this unit. */
export function changeFor(action: 'reload' | 'restart', settings: Settings, unit: UnitInfo): Change {
  return action === 'reload' ? { plan: reloadPlan(settings, unit), apply: reload } : { plan: restartPlan(settings, unit), apply: restart };
}
