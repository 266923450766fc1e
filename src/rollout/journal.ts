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
 * has not returned, locks it holds. The entry point persists it (the action: in the step's state)
 * so that the post step can reconcile after a killed main step.
 */
export interface Journal {
  /** Recorded BEFORE the load balancer is asked: an answer can be lost after the drain applied. */
  drained(host: SshTarget, why: DrainReason, detail?: string): void;
  returned(host: SshTarget): void;
  locked(target: SshTarget, name: string): void;
  unlocked(target: SshTarget, name: string): void;
}

/** A host the main step took out of rotation, and why. */
export type DrainedHost = SshTarget & { why?: DrainReason; detail?: string };

/** What the main step recorded: drained hosts, locks held, and whether it finished on its own. */
export interface JournalState {
  /** The run's lock owner string, needed to release its locks. */
  owner: string;
  drained: DrainedHost[];
  locks: { target: SshTarget; name: string }[];
  /** True once the main step ended normally: hosts still drained were left so on purpose. */
  completed: boolean;
}
