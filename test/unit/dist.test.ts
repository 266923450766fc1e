import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  // What a start loads is what it costs: node:http, node:https (and tls) came with ssh2's index (its
  // HTTP agents) and the Prometheus client, node:child_process with @actions/core's platform
  // helpers; none of them is used on the way to the first handshake (src/bundle/). The main step
  // still loads node:child_process: ssh2's client needs it for its agents.
  describe('loads no module a start does not use', () => {
    const HTTP = ['NativeModule _http_client', 'NativeModule https', 'NativeModule tls'];
    const loadedBy = async (inputs: Record<string, string>, state?: Record<string, string>): Promise<string[]> => {
      const dir = mkdtempSync(join(tmpdir(), 'zdr-load-'));
      const preload = join(dir, 'modules.cjs');
      const out = join(dir, 'modules.json');
      writeFileSync(
        preload,
        `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));`,
      );
      await runAction(inputs, { env: { NODE_OPTIONS: `--require ${preload}` }, ...(state ? { state } : {}) });
      return JSON.parse(readFileSync(out, 'utf8')) as string[];
    };

    it('the main step (every chunk of the rollout loaded, then an input error)', async () => {
      const loaded = await loadedBy({ hosts: 'web-1', 'private-key': 'not a key' });
      // ssh2's client (zlib for its compression) is loaded: the rollout's chunks were evaluated.
      expect(loaded).toContain('NativeModule zlib');
      expect(loaded.filter((m) => HTTP.includes(m))).toEqual([]);
    });

    it('the post step', async () => {
      const loaded = await loadedBy({}, { isPost: 'true' });
      expect(loaded.filter((m) => [...HTTP, 'NativeModule child_process'].includes(m))).toEqual([]);
    });
  });
});
