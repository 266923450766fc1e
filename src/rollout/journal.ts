import type { SshTarget } from '../transport/target';

/**
 * What the rollout has done that must not be forgotten if the process dies: hosts it drained and
 * has not returned, locks it holds. main.ts persists it with core.saveState so the post step can
 * reconcile after a killed main step.
 */
export interface Journal {
  drained(host: SshTarget): void;
  returned(host: SshTarget): void;
  locked(target: SshTarget, name: string): void;
  unlocked(target: SshTarget, name: string): void;
}
