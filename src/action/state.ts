import * as core from '@actions/core';
import { SavedJournal, type JournalState } from '../rollout/journal';

/** The state key under which the main step keeps its journal for the post step. */
export const JOURNAL_STATE = 'journal';

/**
 * Journal kept in the runner's step state (core.saveState), which the post step reads even when
 * the main step was killed: every change is saved at once, not at the end.
 */
export class StateJournal extends SavedJournal {
  constructor(owner: string) {
    super({ owner, drained: [], locks: [], completed: false });
    this.save();
  }

  protected save(): void {
    core.saveState(JOURNAL_STATE, JSON.stringify(this.state));
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
