import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIST, runAction } from '../support/run-action';

describe('the built dist/index.js, run as the runner runs it', () => {
  it('exists (npm run build)', () => {
    expect(existsSync(DIST)).toBe(true);
  });

  it('reports every bad input at once, sets status invalid, fails the step, touches nothing', async () => {
    const run = await runAction({
      hosts: 'web-1:22, bad host!, [::1]:70000',
      port: 'abc',
      strategy: 'fast',
      'max-error-rate': '5',
      'check-window': 'soon',
      'host-key-check': 'off',
      'private-key': 'not a key',
    });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('invalid');
    expect(run.outputs['failed-host']).toBe('');
    const errors = run.annotations.filter((a) => a.kind === 'error');
    expect(errors).toHaveLength(1);
    for (const input of ['hosts', 'port', 'strategy', 'max-error-rate', 'check-window', 'private-key']) {
      expect(errors[0]?.text).toContain(`Input '${input}'`);
    }
    expect(run.summary).toContain('Invalid inputs — no host was touched.');
    // ::add-mask:: lines are consumed by the runner, which masks the value everywhere after.
    const shown = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(run.stdout).toContain('::add-mask::not a key');
    expect(shown.join('\n')).not.toContain('not a key');
    expect(JSON.parse(run.outputs.report ?? '{}').status).toBe('invalid');
  });

  it('the post step with nothing recorded does nothing and succeeds', async () => {
    const run = await runAction({}, { state: { isPost: 'true' } });
    expect(run.code).toBe(0);
    expect(run.annotations).toEqual([]);
  });
});
