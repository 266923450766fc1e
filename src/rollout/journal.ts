import type { SshTarget } from '../transport/target';

/**
 * Why a host is out of rotation. `turn`: drained for its change, as planned; the post step may
 * return it once it is healthy. `not-ready`: changed, and not yet ready again when the run was
 * cancelled (a slow start outlasts the cancel's short budget): returned once healthy by the post
 * step, or the CLI's `reconcile`, even though the run ended on its own. `failed-check`: taken out
 * (or kept out) because a check failed (a tripped error check, a rollback, the load balancer not
 * seeing it healthy): never returned automatically, however healthy it looks, since a health
 * endpoint can pass while users get errors.
 */
export type DrainReason = 'turn' | 'not-ready' | 'failed-check';

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

/** Hosts a finished run left drained only because the cancel came before they were ready: a reconcile returns them. */
export const notReady = (journal: Pick<JournalState, 'drained'>): DrainedHost[] => journal.drained.filter((h) => h.why === 'not-ready');

/**
 * The journal's locks, each once: one can be recorded twice (tried early, then taken by its turn),
 * and is released and counted once.
 */
export function distinctLocks(locks: JournalState['locks']): JournalState['locks'] {
  return [...new Map(locks.map((l) => [`${l.target.host}:${l.target.port} ${l.name}`, l])).values()];
}

/**
 * A journal kept as one state object and saved whole after every change, before the change is
 * made, so whatever reads it after a kill (the action's post step, the CLI's `reconcile`) sees
 * every drain and lock. Subclasses say where it is saved; they call save() once constructed.
 */
export abstract class SavedJournal<S extends JournalState = JournalState> implements Journal {
  constructor(protected readonly state: S) {}

  protected abstract save(): void;

  drained(host: SshTarget, why: DrainReason, detail?: string): void {
    const entry: DrainedHost = { ...host, why, ...(detail ? { detail } : {}) };
    this.state.drained = [...this.state.drained.filter((h) => h.name !== host.name), entry];
    this.save();
  }

  returned(host: SshTarget): void {
    this.state.drained = this.state.drained.filter((h) => h.name !== host.name);
    this.save();
  }

  locked(target: SshTarget, name: string): void {
    this.state.locks.push({ target, name });
    this.save();
  }

  unlocked(target: SshTarget, name: string): void {
    this.state.locks = this.state.locks.filter((l) => !(l.name === name && l.target.host === target.host && l.target.port === target.port));
    this.save();
  }

  /** The run ended on its own: whatever is still drained was left so on purpose, and reported. */
  complete(): void {
    this.state.completed = true;
    this.save();
  }
}
