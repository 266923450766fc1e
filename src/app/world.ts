import { createLoadBalancer } from '../lb/create';
import { systemClock } from '../runtime/clock';
import { processShell } from '../runtime/local-shell';
import { connectorFor } from './connector';
import type { World } from './io';

/** The real world: SSH, the load balancer the settings name, the runner's shell and clock. */
export const productionWorld: World = {
  connectorFor,
  openLoadBalancer: createLoadBalancer,
  local: processShell,
  clock: systemClock,
};
