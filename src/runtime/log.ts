/** Where the rollout writes what it is doing. main.ts backs it with @actions/core; tests with a recorder. */
export interface Log {
  info(message: string): void;
  /** A problem the user should act on; becomes a warning annotation. */
  warning(message: string): void;
  debug(message: string): void;
  /** A collapsible section; closed even when `fn` throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}
