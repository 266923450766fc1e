import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { notReady, SavedJournal, type JournalState } from '../rollout/journal';
import type { InputSource } from '../settings/inputs';

/** The file's content: the core's journal, and which process wrote it (a live one is not reconciled). */
export type JournalFile = JournalState & { pid: number; reconciledAt?: string };

/**
 * The default journal of a fleet: ~/.zero-downtime-restart/journal-<digest>.json, the digest of
 * hosts, lb and lb-host as given. So `reconcile` with the same options finds the run's journal, and
 * rollouts of different fleets from one machine keep separate ones.
 */
export function defaultJournalPath(input: InputSource, home: string): string {
  const key = (['hosts', 'lb', 'lb-host'] as const).map((n) => input(n).trim()).join('\0');
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return join(home, '.zero-downtime-restart', `journal-${digest}.json`);
}

/**
 * Why `path` cannot be the journal, or null. The journal is renamed over its path, which replaces
 * whatever is there: `--journal /dev/null` run as root would turn the machine's /dev/null into a
 * regular file (seen: every later systemd-nspawn then refused to start). So only a regular file,
 * or a path where nothing is yet, is taken.
 */
export function unusableJournalPath(path: string): string | null {
  let kind: string;
  try {
    const st = lstatSync(path);
    if (st.isFile()) return null;
    kind = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'a device, socket or pipe';
  } catch (err) {
    // Nothing there yet is fine; anything else (no access, a file where a directory should be)
    // would only fail at the journal's first write, mid-run.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `the journal ${path} cannot be used: ${(err as Error).message}`;
  }
  return `the journal ${path} is ${kind}: the journal is written to a temporary file and renamed over its path, which would replace it. Give --journal the path of a regular file (it is created when missing).`;
}

/** Written whole to a temporary file and renamed over the journal: a kill never leaves half a file. */
function writeAtomically(path: string, state: JournalFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  // O_EXCL: never through a link planted at the temporary name (in a shared directory such as /tmp,
  // root would write wherever it points). A leftover of this pid's own is removed first.
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
}

/**
 * The CLI's journal: a file rewritten at every change, before the change is made (the core calls
 * drained() before asking the load balancer), so a run killed outright (kill -9, a closed laptop,
 * a CI job timeout) leaves what `reconcile` needs.
 */
export class FileJournal extends SavedJournal<JournalFile> {
  constructor(
    readonly path: string,
    owner: string,
  ) {
    super({ owner, drained: [], locks: [], completed: false, pid: process.pid });
    this.save();
  }

  protected save(): void {
    writeAtomically(this.path, this.state);
  }
}

/** The journal at `path`; null when there is none (or it cannot be read as one). */
export function readJournalFile(path: string): JournalFile | null {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as JournalFile;
    return Array.isArray(state.drained) && Array.isArray(state.locks) ? state : null;
  } catch {
    return null;
  }
}

/** After reconcile returned everything: the journal says so, and a new run may start. */
export function markReconciled(path: string, state: JournalFile): void {
  writeAtomically(path, { ...state, completed: true, reconciledAt: new Date().toISOString() });
}

/**
 * A journal that still holds something for reconcile: drained hosts or locks of an unfinished run,
 * or hosts a finished run left drained only because its cancel came before they were ready.
 */
export const needsReconcile = (j: JournalFile | null): j is JournalFile =>
  !!j && (j.completed ? !j.reconciledAt && notReady(j).length > 0 : j.drained.length > 0 || j.locks.length > 0);

/** Whether the process that wrote the journal is still alive (then it is running, not killed). */
export function writerAlive(j: JournalFile): boolean {
  if (j.pid === process.pid) return false;
  try {
    process.kill(j.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
