import { sshKeygen } from '../support/keys';
import { spawn } from 'node:child_process';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetInputs, fleetReset, haproxyInputs, runOnFleet } from '../support/fleet-action';
import { changedHosts, crashed, journalOwner, lbStates, locksLeft, pictures, recordFault, type FaultRow } from '../support/fleet-state';
import { runAction, type ActionRun } from '../support/run-action';
import { fault, heldRequest, hostExec, readFleet, serverStates } from './fleet';

const skip = process.env.ZDR_SKIP_FLEET === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const drainRestart = { strategy: 'drain-restart', service: 'app', 'check-window': '2s', 'min-requests': '5' };

/** Runs one fault: the action under it, then the row of evidence the README's table shows. */
async function matrix(n: number, name: string, act: () => Promise<ActionRun>, expected: Partial<FaultRow>): Promise<FaultRow> {
  const before = pictures();
  const run = await act();
  await sleep(500);
  const row: FaultRow = {
    n,
    fault: name,
    result: run.code === 0 ? 'success' : 'failure',
    status: run.outputs.status ?? '(none)',
    failedHost: run.outputs['failed-host'] ?? '',
    phase: run.report?.failedPhase ?? '',
    changed: changedHosts(before, pictures()),
    lb: lbStates(),
    crash: crashed(run) ?? 'no',
    verdict: run.report?.reason ?? '',
  };
  recordFault(row);
  expect(row.crash, run.stderr).toBe('no');
  expect({ ...row, verdict: undefined }).toMatchObject({ ...expected });
  return row;
}

const allUp = { 'web-1': 'UP', 'web-2': 'UP', 'web-3': 'UP' };

describe.skipIf(skip)('fault matrix on the real fleet', () => {
  beforeEach(() => fleetReset(), 180_000);
  afterAll(() => fleetReset(), 180_000);

  it('1. host unreachable: nothing listening on its SSH port', async () => {
    fault('web-2', 'stop-sshd');
    const row = await matrix(1, 'host unreachable (sshd stopped)', () => runOnFleet({ 'check-window': '0' }), {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-2',
      phase: 'connect',
      changed: [],
      lb: allUp,
    });
    expect(row.verdict).toMatch(/Cannot connect to web-2 .*ECONNREFUSED/);
  });

  it('2. auth refused: the host does not accept the key', async () => {
    const stranger = sshKeygen('ed25519');
    const row = await matrix(2, 'auth refused (unknown key)', () => runOnFleet({ 'check-window': '0', 'private-key': stranger.private }), {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-1',
      phase: 'connect',
      changed: [],
      lb: allUp,
    });
    expect(row.verdict).toMatch(/SSH authentication refused by web-1 .*user 'root'/);
  });

  it('3. host key changed', async () => {
    fault('web-2', 'change-host-key');
    const row = await matrix(3, 'host key changed', () => runOnFleet({ 'check-window': '0' }), {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-2',
      phase: 'connect',
      changed: [],
      lb: allUp,
    });
    expect(row.verdict).toMatch(/Host key verification failed for web-2 .*SHA256:/);
  });

  it('4. nginx -t fails on host 2', async () => {
    fault('web-2', 'break-config');
    await matrix(4, 'nginx -t fails on host 2', () => runOnFleet({ 'check-window': '0' }), {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-2',
      phase: 'validate',
      changed: [],
      lb: allUp,
    });
  });

  it('5. reload unsupported by the unit', async () => {
    fault('web-2', 'no-reload');
    const row = await matrix(5, 'reload unsupported (CanReload=no)', () => runOnFleet({ 'check-window': '0', strategy: 'reload' }), {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-2',
      phase: 'inspect',
      changed: [],
      lb: allUp,
    });
    expect(row.verdict).toMatch(/cannot reload/);
  });

  it('6. the service fails to start after the restart: left drained, later hosts untouched', async () => {
    fault('web-2', 'app-fail-start');
    const row = await matrix(
      6,
      'service fails to start after restart',
      () => runOnFleet({ ...haproxyInputs(), ...drainRestart, 'readiness-timeout': '5s' }),
      {
        result: 'failure',
        status: 'failed',
        failedHost: 'web-2',
        changed: ['web-1', 'web-2'],
        lb: { 'web-1': 'UP', 'web-2': 'DOWN (drained)', 'web-3': 'UP' },
      },
    );
    expect(['change', 'ready']).toContain(row.phase);
  });

  it('7. readiness never passes: left drained', async () => {
    fault('web-2', 'app-never-ready');
    const row = await matrix(
      7,
      'readiness never passes',
      () => runOnFleet({ ...haproxyInputs(), ...drainRestart, 'readiness-timeout': '4s' }),
      {
        result: 'failure',
        status: 'failed',
        failedHost: 'web-2',
        phase: 'ready',
        changed: ['web-1', 'web-2'],
        lb: { 'web-1': 'UP', 'web-2': 'DOWN (drained)', 'web-3': 'UP' },
      },
    );
    expect(row.verdict).toMatch(/not ready within 4s.*HTTP 503/);
  });

  it('8. the app returns 5xx after the change: taken out of rotation', async () => {
    fault('web-2', 'app-500');
    const load = spawn('wrk', ['-t2', '-c32', '-d120s', readFleet().lb.url], { stdio: 'ignore' });
    try {
      await sleep(1000);
      await matrix(
        8,
        'app returns 5xx after the change',
        () => runOnFleet({ ...haproxyInputs(), ...drainRestart, 'check-source': 'haproxy', 'check-window': '10s' }),
        {
          result: 'failure',
          status: 'failed',
          failedHost: 'web-2',
          phase: 'watch',
          changed: ['web-1', 'web-2'],
          lb: { 'web-1': 'UP', 'web-2': 'UP (drained)', 'web-3': 'UP' },
        },
      );
    } finally {
      load.kill('SIGINT');
    }
  });

  it('9. the SSH connection is cut mid-command', async () => {
    const act = async (): Promise<ActionRun> => {
      const running = runOnFleet({ 'check-window': '0', 'validate-command': 'sleep 4 && nginx -t' });
      await sleep(2000);
      // Kill web-2's sshd session processes (not the listener): the connection drops mid-validate.
      hostExec('web-2', 'pkill -f "^sshd: root" || true');
      return running;
    };
    const row = await matrix(9, 'SSH connection cut mid-command', act, {
      result: 'failure',
      status: 'failed',
      failedHost: 'web-2',
      phase: 'validate',
      changed: [],
      lb: allUp,
    });
    expect(row.verdict).toMatch(/connection dropped|connection lost|channel closed/);
  });

  it('10. a remote command hangs past its timeout: killed on the host', async () => {
    const row = await matrix(
      10,
      'remote command hangs past its timeout',
      () => runOnFleet({ 'check-window': '0', 'validate-command': 'sleep 300.5 && nginx -t', 'command-timeout': '3s' }),
      {
        result: 'failure',
        status: 'failed',
        failedHost: 'web-1',
        phase: 'validate',
        changed: [],
        lb: allUp,
      },
    );
    expect(row.verdict).toMatch(/ran past its 3s limit and was killed on the host/);
    // "^sleep": the shell running pgrep has the pattern in its own command line.
    for (const h of readFleet().hosts) expect(hostExec(h.name, 'pgrep -af "^sleep 300.5" || true').stdout.trim(), h.name).toBe('');
    // And it was running while the command ran: the check above can fail.
    expect(hostExec('web-1', '(sleep 300.5 &) ; pgrep -af "^sleep 300.5"; pkill -f "^sleep 300.5"').stdout).toMatch(/sleep 300\.5/);
  });

  it('11. the drain never completes (a long request holds it): returned unchanged', async () => {
    const held = [heldRequest(30_000), heldRequest(30_000), heldRequest(30_000)];
    await sleep(300);
    const row = await matrix(
      11,
      'drain never completes',
      () => runOnFleet({ ...haproxyInputs(), ...drainRestart, 'drain-timeout': '3s' }),
      {
        result: 'failure',
        status: 'failed',
        failedHost: 'web-1',
        phase: 'drain',
        changed: [],
        lb: allUp,
      },
    );
    expect(row.verdict).toMatch(/1 request still in flight after drain-timeout 3s.*not restarted/);
    // The held requests were not cut.
    expect(await Promise.all(held)).toEqual(['200', '200', '200']);
  });

  it('12. the run is cancelled mid-drain (SIGINT, then SIGTERM): the host goes back, nothing is left drained', async () => {
    const held = [heldRequest(20_000), heldRequest(20_000), heldRequest(20_000)];
    await sleep(300);
    let killedAt = 0;
    const act = (): Promise<ActionRun> =>
      runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart, 'drain-timeout': '60s' }), {
        onLine: (line) => void line,
        onChild: (child) => {
          // As the runner does: SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that.
          const poll = setInterval(() => {
            if (serverStates()['web-1']?.status === 'DRAIN' && !killedAt) {
              killedAt = Date.now();
              child.kill('SIGINT');
              setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 7500);
              setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000);
              clearInterval(poll);
            }
          }, 100);
          child.on('close', () => clearInterval(poll));
        },
      });
    const row = await matrix(
      12,
      'run cancelled mid-drain (SIGINT, SIGTERM)',
      async () => {
        const run = await act();
        expect(Date.now() - killedAt).toBeLessThan(7500);
        return run;
      },
      { result: 'failure', status: 'failed', failedHost: 'web-1', phase: 'drain', changed: [], lb: allUp },
    );
    expect(row.verdict).toMatch(/cancelled \(SIGINT\)/);
    await Promise.all(held);
  });

  it('12b. the main step is killed outright mid-drain: the post step returns the host', async () => {
    const held = [heldRequest(20_000), heldRequest(20_000), heldRequest(20_000)];
    await sleep(300);
    const inputs = fleetInputs({ ...haproxyInputs(), ...drainRestart, 'drain-timeout': '60s' });
    const main = await runAction(inputs, {
      onChild: (child) => {
        const poll = setInterval(() => {
          if (serverStates()['web-1']?.status === 'DRAIN') {
            child.kill('SIGKILL');
            clearInterval(poll);
          }
        }, 100);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(main.signal).toBe('SIGKILL');
    expect(lbStates()['web-1']).toBe('UP (drained)');
    const post = await runAction(inputs, { state: main.state });
    expect(post.code, post.stdout).toBe(0);
    expect(post.annotations.some((a) => a.kind === 'warning' && /web-1 had been left drained .* returned to service/.test(a.text))).toBe(
      true,
    );
    expect(lbStates()).toEqual(allUp);
    expect(post.stdout).toMatch(/released \d+ lock/);
    // Every lock the killed run took is given back, the one it took ahead for web-2 too.
    expect(locksLeft(journalOwner(main))).toEqual([]);
    await Promise.all(held);
  });

  it('13. two rollouts start on the same fleet at once: never two hosts drained; the second waits, then fails naming the holder', async () => {
    const drained: number[] = [];
    const watcher = setInterval(() => drained.push(Object.values(lbStates()).filter((s) => s.endsWith('(drained)')).length), 100);
    let second: ActionRun | undefined;
    try {
      const row = await matrix(
        13,
        'two rollouts at once',
        async () => {
          const first = runOnFleet({ ...haproxyInputs(), ...drainRestart, 'check-window': '6s' });
          await sleep(300);
          second = await runOnFleet({ ...haproxyInputs(), ...drainRestart, 'lock-wait': '3s' });
          return first;
        },
        { result: 'success', status: 'success', changed: ['web-1', 'web-2', 'web-3'], lb: allUp },
      );
      void row;
    } finally {
      clearInterval(watcher);
    }
    expect(Math.max(...drained)).toBeLessThanOrEqual(1);
    expect(second?.outputs.status).toBe('failed');
    expect(second?.report?.reason).toMatch(/is held by local pid \d+ #[0-9a-f]{12} since .*waited 3s \(lock-wait\)/);
  });

  it('14. the load balancer host is unreachable', async () => {
    const row = await matrix(
      14,
      'load balancer unreachable',
      () => runOnFleet({ ...haproxyInputs(), ...drainRestart, 'lb-host': 'root@127.0.0.1:2299' }),
      {
        result: 'failure',
        status: 'failed',
        phase: 'connect',
        changed: [],
        lb: allUp,
      },
    );
    expect(row.failedHost).toMatch(/load balancer/);
  });
});
