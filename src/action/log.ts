import * as core from '@actions/core';
import type { Log } from '../runtime/log';
import { neutralise } from '../report/neutralise';
import { Secrets } from '../report/secrets';

/**
 * The run's secrets, for everything the action writes: the runner masks whole values in what it
 * shows, but host text is cut short before it is printed, and a cut secret is not the value the
 * runner knows (see Secrets). Registered by maskSecret (io.ts) next to core.setSecret.
 */
export const secrets = new Secrets();

/** Text as the log may show it: secrets (and their cut parts) redacted, then neutralised. */
const shown = (text: string): string => neutralise(secrets.redact(text));

/**
 * The one way the product annotates: message and title redacted and neutralised (they carry host
 * text), so an annotation can never carry a secret or a workflow command either.
 */
export function annotate(kind: 'error' | 'warning', message: string, title?: string): void {
  const properties = title === undefined ? {} : { title: shown(title) };
  if (kind === 'error') core.error(shown(message), properties);
  else core.warning(shown(message), properties);
}

/** Fails the step with an error annotation (redacted, neutralised). */
export function fail(message: string): void {
  core.setFailed(shown(message));
}

/** A log line; every line of it redacted and neutralised. */
export function print(message: string): void {
  core.info(shown(message));
}

/**
 * GitHub shows at most 10 annotations of a type per step: 8 here, one for the roll-up, and one
 * left for publish()'s "left drained" warning, the one that must never be dropped.
 */
const WARNING_ANNOTATIONS = 8;

/**
 * The rollout's Log on the runner: live lines, collapsible groups, and warning annotations capped
 * below GitHub's limit, the rest printed in the log and rolled up into one annotation at the end.
 * Every line is redacted and neutralised here: messages carry host and command output.
 */
export class ActionsLog implements Log {
  private warnings = 0;

  info(message: string): void {
    print(message);
  }

  warning(message: string): void {
    this.warnings += 1;
    if (this.warnings <= WARNING_ANNOTATIONS) annotate('warning', message);
    else print(`Warning: ${message}`);
  }

  debug(message: string): void {
    // The runner shows ::debug:: lines only with step debug logging on, which sets RUNNER_DEBUG=1;
    // otherwise it drops them. Not writing them then saves a write to stdout per remote command:
    // ~4 ms of CPU per host in the 1,000-host simulation (bench part scale-sim).
    if (core.isDebug()) core.debug(shown(message));
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(shown(title), fn);
  }

  /** The roll-up annotation for warnings beyond the cap. */
  flush(): void {
    const extra = this.warnings - WARNING_ANNOTATIONS;
    if (extra > 0)
      annotate('warning', `${extra} more warning${extra === 1 ? '' : 's'} in the log (GitHub shows 10 annotations of a kind per step).`);
  }
}
