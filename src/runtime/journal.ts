import type { SshTarget } from '../transport/target';

/**
 * What the rollout has done that must not be forgotten if the process dies: hosts it drained and
 * has not yet returned. main.ts persists it with core.saveState so the post step can reconcile.
 */
export interface Journal {
  drained(host: SshTarget): void;
  returned(host: SshTarget): void;
}

export const noJournal: Journal = { drained: () => undefined, returned: () => undefined };
