import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSshServer, type StartOptions, type TestSshServer } from './ssh-server';

/**
 * In-process SSH servers for one test file: each test's servers (and whatever else it registers in
 * `cleanups`) are closed after it, even when it failed; the servers' working directory lives as
 * long as the file.
 */
export function perTestServers(keys: { hostKey: string; authorizedKey: string }, prefix: string) {
  const cleanups: Array<() => Promise<void> | void> = [];
  let workDir = '';
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
  });
  return {
    cleanups,
    /** The servers' working directory (set once the file's tests start). */
    workDir: (): string => workDir,
    async server(options: Partial<StartOptions> = {}): Promise<TestSshServer> {
      const s = await startSshServer({ hostKeys: [keys.hostKey], authorizedKey: keys.authorizedKey, cwd: workDir, ...options });
      cleanups.push(() => s.close());
      return s;
    },
  };
}
