import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_STATE, readJournal, StateJournal } from '../../src/action/state';
import type { JournalState } from '../../src/rollout/journal';
import type { SshTarget } from '../../src/transport/target';
import { parseCommandFile } from '../support/run-action';

// The journal goes through @actions/core's step state: saveState appends to the file named by
// GITHUB_STATE, and the runner hands the last value to the post step as STATE_<name>. These tests
// play the runner's part with a real file, so they see exactly what the main step leaves behind.

const host = (n: number, port = 22): SshTarget => ({ host: `10.0.0.${n}`, port, user: 'root', name: `web-${n}` });
/** How the journal records a host drained for its turn. */
const turn = (h: SshTarget) => ({ ...h, why: 'turn' });
let dir = '';
let file = '';
const saved = { GITHUB_STATE: process.env.GITHUB_STATE, STATE: process.env[`STATE_${JOURNAL_STATE}`] };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zdr-state-'));
  file = join(dir, 'state');
  writeFileSync(file, '');
  process.env.GITHUB_STATE = file;
  delete process.env[`STATE_${JOURNAL_STATE}`];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [key, value] of [
    ['GITHUB_STATE', saved.GITHUB_STATE],
    [`STATE_${JOURNAL_STATE}`, saved.STATE],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** What the post step would be given: the last value saved under the journal's key. */
function handOver(): JournalState | null {
  const value = parseCommandFile(readFileSync(file, 'utf8'))[JOURNAL_STATE];
  if (value !== undefined) process.env[`STATE_${JOURNAL_STATE}`] = value;
  return readJournal();
}

/** How many times the state was saved. */
const saves = (): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${JOURNAL_STATE}<<`)).length;

describe('StateJournal', () => {
  it('is saved at once when made: a main step killed before any host still hands over its owner', () => {
    new StateJournal('octo/app run 1');
    expect(handOver()).toEqual({ owner: 'octo/app run 1', drained: [], locks: [], completed: false });
  });

  it('saves every change as it happens, and the post step reads the latest', () => {
    const j = new StateJournal('run 2');
    j.locked(host(1), 'host.host');
    j.drained(host(1), 'turn');
    expect(handOver()).toEqual({
      owner: 'run 2',
      drained: [turn(host(1))],
      locks: [{ target: host(1), name: 'host.host' }],
      completed: false,
    });
    j.returned(host(1));
    j.unlocked(host(1), 'host.host');
    j.locked(host(2), 'host.host');
    j.drained(host(2), 'turn');
    expect(saves()).toBe(7);
    expect(handOver()).toEqual({
      owner: 'run 2',
      drained: [turn(host(2))],
      locks: [{ target: host(2), name: 'host.host' }],
      completed: false,
    });
  });

  it('keeps a host drained twice once, and returns only the named host', () => {
    const j = new StateJournal('run 3');
    j.drained(host(1), 'turn');
    j.drained(host(2), 'turn');
    j.drained(host(1), 'turn');
    j.returned(host(2));
    expect(handOver()?.drained).toEqual([turn(host(1))]);
  });

  it('releases a lock by name and destination: the same name on another host or port stays', () => {
    const j = new StateJournal('run 4');
    j.locked(host(1), 'host.host');
    j.locked(host(2), 'host.host');
    j.locked(host(1, 2222), 'host.host');
    j.locked(host(1), 'lb.command');
    j.unlocked(host(1), 'host.host');
    expect(handOver()?.locks).toEqual([
      { target: host(2), name: 'host.host' },
      { target: host(1, 2222), name: 'host.host' },
      { target: host(1), name: 'lb.command' },
    ]);
  });

  it('records why a host was drained: after a failed check, with its detail', () => {
    const j = new StateJournal('run 7');
    j.drained(host(1), 'turn');
    j.drained(host(1), 'failed-check', 'error check tripped');
    expect(handOver()?.drained).toEqual([{ ...host(1), why: 'failed-check', detail: 'error check tripped' }]);
  });

  it('marks a main step that finished on its own as completed', () => {
    const j = new StateJournal('run 5');
    j.drained(host(3), 'turn');
    j.complete();
    expect(handOver()).toEqual({ owner: 'run 5', drained: [turn(host(3))], locks: [], completed: true });
  });

  it('survives host names that look like JSON or the file command syntax', () => {
    const j = new StateJournal('run "6"\nx<<EOF');
    const odd: SshTarget = { host: 'h', port: 22, user: 'root', name: 'web-1"},{"x":"\nEOF' };
    j.drained(odd, 'turn');
    expect(handOver()?.drained).toEqual([turn(odd)]);
    expect(handOver()?.owner).toBe('run "6"\nx<<EOF');
  });
});

describe('readJournal', () => {
  it('is null when the main step saved nothing, or something unreadable', () => {
    expect(readJournal()).toBeNull();
    process.env[`STATE_${JOURNAL_STATE}`] = '{not json';
    expect(readJournal()).toBeNull();
  });
});
