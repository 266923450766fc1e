import * as core from '@actions/core';
import type { Journal } from '../runtime/journal';
import type { SshTarget } from '../transport/target';

/** The state key under which the main step lists hosts it has drained and not yet returned. */
export const DRAINED_STATE = 'drained-hosts';

/**
 * Journal kept in the runner's step state (core.saveState), which the post step can read even when
 * the main step was killed: every change is saved at once, not at the end.
 */
export class StateJournal implements Journal {
  private readonly drainedHosts = new Map<string, SshTarget>();

  private save(): void {
    core.saveState(DRAINED_STATE, JSON.stringify([...this.drainedHosts.values()]));
  }

  drained(host: SshTarget): void {
    this.drainedHosts.set(host.name, host);
    this.save();
  }

  returned(host: SshTarget): void {
    this.drainedHosts.delete(host.name);
    this.save();
  }
}

/** Hosts the main step left drained, as it recorded them. */
export function drainedHosts(): SshTarget[] {
  const raw = core.getState(DRAINED_STATE);
  if (!raw) return [];
  try {
    return JSON.parse(raw) as SshTarget[];
  } catch {
    return [];
  }
}
