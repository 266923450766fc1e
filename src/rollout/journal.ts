import type { SshTarget } from '../transport/target';

/**
 * What the rollout has done that must not be forgotten if the process dies: hosts it drained and
 * has not returned, locks it holds. The entry point persists it (the action: in the step's state)
 * so that the post step can reconcile after a killed main step.
 */
export interface Journal {
  drained(host: SshTarget): void;
  returned(host: SshTarget): void;
  locked(target: SshTarget, name: string): void;
  unlocked(target: SshTarget, name: string): void;
}

/** What the main step recorded: drained hosts, locks held, and whether it finished on its own. */
export interface JournalState {
  /** The run's lock owner string, needed to release its locks. */
  owner: string;
  drained: SshTarget[];
  locks: { target: SshTarget; name: string }[];
  /** True once the main step ended normally: hosts still drained were left so on purpose. */
  completed: boolean;
}
