import type { SshTarget } from '../transport/target';

/**
 * Why a host is out of rotation. `turn`: drained for its change, as planned; the post step may
 * return it once it is healthy. `failed-check`: taken out (or kept out) because a check failed (a
 * tripped error check, a rollback, the load balancer not seeing it healthy): never returned
 * automatically, however healthy it looks, since a health endpoint can pass while users get errors.
 */
export type DrainReason = 'turn' | 'failed-check';

/**
 * What the rollout has done that must not be forgotten if the process dies: hosts it drained and
 * has not returned, locks it holds. main.ts persists it with core.saveState so the post step can
 * reconcile after a killed main step.
 */
export interface Journal {
  /** Recorded BEFORE the load balancer is asked: an answer can be lost after the drain applied. */
  drained(host: SshTarget, why: DrainReason, detail?: string): void;
  returned(host: SshTarget): void;
  locked(target: SshTarget, name: string): void;
  unlocked(target: SshTarget, name: string): void;
}
