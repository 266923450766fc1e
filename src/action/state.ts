import * as core from '@actions/core';
import type { DrainReason, DrainedHost, Journal, JournalState } from '../rollout/journal';
import type { SshTarget } from '../transport/target';

/** The state key under which the main step keeps its journal for the post step. */
export const JOURNAL_STATE = 'journal';

/**
 * Journal kept in the runner's step state (core.saveState), which the post step reads even when
 * the main step was killed: every change is saved at once, not at the end.
 */
export class StateJournal implements Journal {
  private readonly state: JournalState;

  constructor(owner: string) {
    this.state = { owner, drained: [], locks: [], completed: false };
    this.save();
  }

  private save(): void {
    core.saveState(JOURNAL_STATE, JSON.stringify(this.state));
  }

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

  /** The main step finished: whatever is still drained was left so deliberately (and reported). */
  complete(): void {
    this.state.completed = true;
    this.save();
  }
}

/** The main step's journal, as it recorded it; null when it recorded none. */
export function readJournal(): JournalState | null {
  const raw = core.getState(JOURNAL_STATE);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as JournalState;
  } catch {
    return null;
  }
}
