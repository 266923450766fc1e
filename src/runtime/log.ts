/** Where the rollout writes what it is doing. main.ts backs it with @actions/core; tests with a recorder. */
export interface Log {
  info(message: string): void;
  /** A problem the user should act on; becomes a warning annotation. */
  warning(message: string): void;
  debug(message: string): void;
  /** A collapsible section; closed even when `fn` throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Optional structured view of a host's turn, for a terminal's live line: the phase it entered
   * (null once that phase ended), and a progress sentence (in-flight count, readiness, watch
   * seconds). Without `progress`, the sentence is an info line `HOST sentence`, as the action
   * prints it.
   */
  phase?(host: string, phase: string | null): void;
  progress?(host: string, line: string): void;
  /**
   * Optional live view of a batch of several hosts, for a terminal: `line()` says where each host
   * of the batch is now, until the batch's group ends. True when the log shows it (redrawn in
   * place); the rollout then prints no progress lines of its own for the batch.
   */
  batch?(line: () => string): boolean;
}

/** A host's progress sentence: to the log's live view when it has one, else an info line. */
export function sayProgress(log: Log, host: string, line: string): void {
  if (log.progress) log.progress(host, line);
  else log.info(`${host} ${line}`);
}
