import type { UnitInfo } from '../inspect/unit-info';
import type { RemoteCommand } from '../remote/commands/exec';
import type { RemoteHost } from '../remote/remote-host';
import type { Clock } from '../runtime/clock';
import type { Settings } from '../settings/settings';

/** What a change step needs: the host, what inspect found, and the rollout's clock and signal. */
export interface ChangeContext {
  remote: RemoteHost;
  settings: Settings;
  unit: UnitInfo;
  clock: Clock;
  signal: AbortSignal;
  /** Counts time the host spent on the change itself (measured there) as an inherent wait. */
  addWait: (ms: number) => void;
  progress: (line: string) => void;
}

/** Longest a change waits to see its effect (new workers, the unit active again). */
export const EFFECT_TIMEOUT_MS = 15_000;
/** Pause between looks at the effect: short, because the effect usually lands in milliseconds. */
export const EFFECT_POLL_MS = 100;

/** What a change sends to the host and how it proves the effect: the change runs it, the dry run prints it. */
export interface ChangePlan {
  /** The command that makes the change. */
  command: RemoteCommand;
  /** How the change proves it took effect, and the longest it waits to see it. */
  proof: string;
}
