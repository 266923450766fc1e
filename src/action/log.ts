import * as core from '@actions/core';
import type { Log } from '../runtime/log';

/**
 * GitHub shows at most 10 annotations of a type per step: 8 here, one for the roll-up, and one
 * left for publish()'s "left drained" warning, the one that must never be dropped.
 */
const WARNING_ANNOTATIONS = 8;

/**
 * The rollout's Log on the runner: live lines, collapsible groups, and warning annotations capped
 * below GitHub's limit, the rest printed in the log and rolled up into one annotation at the end.
 */
export class ActionsLog implements Log {
  private warnings = 0;

  info(message: string): void {
    core.info(message);
  }

  warning(message: string): void {
    this.warnings += 1;
    if (this.warnings <= WARNING_ANNOTATIONS) core.warning(message);
    else core.info(`Warning: ${message}`);
  }

  debug(message: string): void {
    core.debug(message);
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(title, fn);
  }

  /** The roll-up annotation for warnings beyond the cap. */
  flush(): void {
    const extra = this.warnings - WARNING_ANNOTATIONS;
    if (extra > 0) core.warning(`${extra} more warning${extra === 1 ? '' : 's'} in the log (GitHub shows 10 annotations of a kind per step).`);
  }
}
