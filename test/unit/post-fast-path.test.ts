import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PostIO, World } from '../../src/app/io';
import type { JournalState } from '../../src/rollout/journal';

/** The post step's I/O with a given journal; every line it prints is kept. */
function postIO(journal: JournalState | null) {
  const lines: string[] = [];
  const failures: (string | undefined)[] = [];
  const io: PostIO = {
    input: () => '',
    env: {},
    maskSecret: (value) => void lines.push(`mask ${value}`),
    readJournal: () => journal,
    fail: (message) => void failures.push(message),
    log: {
      info: (m) => lines.push(`info ${m}`),
      warning: (m) => lines.push(`warning ${m}`),
      error: (m, t) => lines.push(`error ${t}: ${m}`),
    },
  };
  return { io, lines, failures };
}

/** A world that fails the test if the post step touches it at all. */
const untouchable = new Proxy({} as World, {
  get: (_, name) => {
    throw new Error(`the post step used the world (${String(name)})`);
  },
});

const web1 = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };

describe('the post step after a main step that finished', () => {
  afterEach(() => {
    vi.doUnmock('../../src/app/post-reconcile');
    vi.resetModules();
  });

  /** Replaces the slow path's module, recording whether the post step loaded it and what it was given. */
  function watchSlowPath(): { loaded: () => boolean; given: JournalState[] } {
    let loaded = false;
    const given: JournalState[] = [];
    vi.doMock('../../src/app/post-reconcile', () => {
      loaded = true;
      return { reconcileKilledRun: async (_io: PostIO, journal: JournalState) => void given.push(journal) };
    });
    return { loaded: () => loaded, given };
  }

  it('reads the journal and exits: loads none of the rollout, touches no host, restates what was left out', async () => {
    const slow = watchSlowPath();
    const { runPost } = await import('../../src/app/post');
    const clean = postIO({ owner: 'o', drained: [], locks: [], completed: true });
    await runPost(clean.io, untouchable);
    const leftOut = postIO({ owner: 'o', drained: [{ ...web1, why: 'failed-check' }], locks: [], completed: true });
    await runPost(leftOut.io, untouchable);
    const none = postIO(null);
    await runPost(none.io, untouchable);
    expect(slow.loaded()).toBe(false);
    expect([clean.lines, clean.failures, none.lines, none.failures]).toEqual([[], [], [], []]);
    expect(leftOut.lines).toEqual(['info Hosts left out of rotation by the main step (unhealthy after a failure): web-1.']);
  });

  it('a finished main step whose lock release the host did not confirm: only that lock is retried, its drained hosts stay', async () => {
    const slow = watchSlowPath();
    const { runPost } = await import('../../src/app/post');
    const lock = { target: web1, name: 'host' };
    const left = postIO({ owner: 'o', drained: [{ ...web1, why: 'failed-check' }], locks: [lock], completed: true });
    await runPost(left.io, untouchable);
    expect(slow.loaded()).toBe(true);
    expect(slow.given).toEqual([{ owner: 'o', drained: [], locks: [lock], completed: true }]);
    expect(left.lines).toEqual(['info Hosts left out of rotation by the main step (unhealthy after a failure): web-1.']);
  });

  it('a killed main step that held nothing needs no reconciling either', async () => {
    const slow = watchSlowPath();
    const { runPost } = await import('../../src/app/post');
    await runPost(postIO({ owner: 'o', drained: [], locks: [], completed: false }).io, untouchable);
    expect(slow.loaded()).toBe(false);
  });

  it('a killed main step that left a host drained or a lock held loads the reconciling code', async () => {
    for (const journal of [
      { owner: 'o', drained: [{ ...web1, why: 'turn' as const }], locks: [], completed: false },
      { owner: 'o', drained: [], locks: [{ target: web1, name: 'host.web-1' }], completed: false },
    ]) {
      vi.resetModules();
      const slow = watchSlowPath();
      const { runPost } = await import('../../src/app/post');
      await runPost(postIO(journal).io, untouchable);
      expect(slow.loaded()).toBe(true);
    }
  });
});
