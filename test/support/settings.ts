import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';

/** Settings from inputs as a user would write them; an ssh-agent stands in for the key. */
export function settingsFrom(inputs: Partial<Record<InputName, string>>): Settings {
  const read = readSettings((name) => inputs[name] ?? '', { SSH_AUTH_SOCK: '/tmp/agent.sock' });
  if (!read.ok) throw new Error(`test settings invalid: ${read.errors.join('; ')}`);
  return read.settings;
}
