import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST, runAction } from '../support/run-action';

// action.yml says `runs.using: node24`. These tests prove that dist/index.js really runs on node 24
// when ZDR_NODE names a node 24 binary:  ZDR_NODE=$(scripts/node24.sh) npx vitest run --project unit
const zdrNode = process.env.ZDR_NODE || '';
const SKIP_NOTE = 'ZDR_NODE is not set: run with ZDR_NODE=$(scripts/node24.sh) to test dist/index.js on node 24';

// A preload given through NODE_OPTIONS records which node ran which script, whatever the inputs do.
const dir = mkdtempSync(join(tmpdir(), 'zdr-node24-'));
const preload = join(dir, 'record.cjs');
writeFileSync(
  preload,
  `require('node:fs').appendFileSync(process.env.ZDR_RECORD, JSON.stringify({ version: process.version, execPath: process.execPath, script: process.argv[1] }) + '\\n');\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
function recorder(): { env: Record<string, string>; read: () => { version: string; execPath: string; script: string }[] } {
  const file = join(dir, `record-${++runs}.jsonl`);
  writeFileSync(file, '');
  return {
    env: { NODE_OPTIONS: `--require ${preload}`, ZDR_RECORD: file },
    read: () =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const INVALID = { hosts: 'bad host!', port: 'abc', 'host-key-check': 'off' };

describe('dist/index.js on node 24 (ZDR_NODE; skipped unless set)', () => {
  it('ZDR_NODE is a node 24 binary', (ctx) => {
    ctx.skip(!zdrNode, SKIP_NOTE);
    const version = execFileSync(zdrNode, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    expect(version).toMatch(/^v24\./);
  });

  it('runAction runs dist/index.js with ZDR_NODE: node 24 ran it, and it reports the bad inputs', async (ctx) => {
    ctx.skip(!zdrNode, SKIP_NOTE);
    const record = recorder();
    let spawned = '';
    const run = await runAction(INVALID, { env: record.env, onChild: (c) => (spawned = c.spawnfile) });
    expect(spawned).toBe(zdrNode);
    const ran = record.read();
    expect(ran).toHaveLength(1);
    expect(ran[0]?.version).toMatch(/^v24\./);
    expect(ran[0]?.script).toBe(DIST);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('invalid');
    const errors = run.annotations.filter((a) => a.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.text).toContain(`Input 'hosts'`);
    expect(errors[0]?.text).toContain(`Input 'port'`);
  });

  it('options.node still overrides ZDR_NODE', async (ctx) => {
    ctx.skip(!zdrNode, SKIP_NOTE);
    const record = recorder();
    const run = await runAction(INVALID, { env: record.env, node: process.execPath });
    expect(record.read()[0]?.version).toBe(process.version);
    expect(run.outputs.status).toBe('invalid');
  });
});
