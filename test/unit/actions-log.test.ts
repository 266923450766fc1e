import { describe, expect, it } from 'vitest';
import { asActionsLog } from '../support/actions-log';

describe('asActionsLog: the sandbox shows what the Actions log shows', () => {
  it('hides debug lines unless step debug logging is on', () => {
    expect(asActionsLog('::debug::web-1: inspect nginx: exit 0 in 12 ms', false)).toBeNull();
    expect(asActionsLog('::debug::web-1: inspect nginx: exit 0 in 12 ms', true)).toBe('##[debug]web-1: inspect nginx: exit 0 in 12 ms');
  });

  it('hides the commands the runner consumes, and keeps groups, annotations and plain lines', () => {
    expect(asActionsLog('::add-mask::secret', true)).toBeNull();
    expect(asActionsLog('::save-state name=x::1', false)).toBeNull();
    expect(asActionsLog('::group::web-1', false)).toBe('▸ web-1');
    expect(asActionsLog('::endgroup::', false)).toBe('');
    expect(asActionsLog('::warning title=web-2::slow%0Astop 100%25', false)).toBe('Warning: slow\nstop 100%');
    expect(asActionsLog('web-1  change  reload ok 850 ms', false)).toBe('web-1  change  reload ok 850 ms');
  });
});
