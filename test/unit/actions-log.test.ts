import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

describe('the sandbox runs outside the tests', () => {
  // scripts/sandbox.ts runs under plain tsx: a module it loads that imports vitest throws on load
  // ("Vitest cannot be imported in a CommonJS module"), as a test helper added beside asActionsLog once did.
  it('loads no module that imports vitest (every relative import, followed through)', () => {
    const root = resolve(__dirname, '../..');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, relative(root, file)).not.toMatch(/from 'vitest'/);
      for (const [, spec] of text.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)';/gms)) {
        const base = resolve(dirname(file), spec as string);
        const next = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
        if (next) visit(next);
      }
    };
    visit(join(root, 'scripts/sandbox.ts'));
    expect(seen.size).toBeGreaterThan(5);
  });
});
