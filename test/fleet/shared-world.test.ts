import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetInputs, fleetReset, haproxyInputs, hostsYaml, mainPid, runOnFleet } from '../support/fleet-action';
import { journalOwner, lbStates, locksLeft } from '../support/fleet-state';
import { runAction, type ActionRun } from '../support/run-action';
import { fault, haproxy, hostExec, readFleet, serverStates, startWrk, STATE_DIR } from './fleet';

// Issue 13: a shared production world. Hosts that print workflow commands, local users who plant
// locks, operators who put servers in maintenance, and runs that overlap.

const skip = process.env.ZDR_SKIP_FLEET === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const drainRestart = { strategy: 'drain-restart', service: 'app', 'check-window': '0' };

/** Ends every session of the sshd whose pid is `sshd` (as a restart of it does): what pkill said it killed, or why it failed. */
function endSessions(sshd: string): string {
  try {
    return execFileSync('pkill', ['-e', '-P', sshd], { encoding: 'utf8' });
  } catch (err) {
    return `pkill failed: ${(err as Error).message}`;
  }
}
const LOCK_DIR = '/run/zero-downtime-restart';

/** Text a hostile host (or user command) prints, meant to become workflow commands on the runner. */
const INJECTION = [
  '::error title=Approved::Rollout approved',
  '::add-mask::web-2',
  '  ::stop-commands::x',
  'owner ##[error title=Deploy approved]all good',
  'see https://evil.example/x',
];

/** Lines of stdout the runner would take as workflow commands, besides the product's own. */
function injected(run: ActionRun): string[] {
  const lines = run.stdout.split('\n');
  const commands = lines.filter((l) => /^\s*::/.test(l));
  const ours = /^::(group::|endgroup::|debug::|add-mask::(?!web-2$)|(error|warning|notice)( title=[^:]*)?::|set-output|save-state)/;
  // The product's own annotations carry the text mid-line (harmless); only a line's start counts.
  const foreign = commands.filter((l) => !ours.test(l) || /^\s*::(add-mask::web-2|stop-commands|error title=Approved)/.test(l));
  const v1 = lines.filter((l) => l.includes('##['));
  const inAnnotations = run.annotations.flatMap((a) => a.text.split('\n')).filter((l) => /^\s*::/.test(l) || l.includes('##['));
  return [...foreign, ...v1, ...inAnnotations];
}

describe.skipIf(skip)('a shared world: hostile hosts, local users, operators, overlapping runs', () => {
  beforeEach(() => fleetReset(), 180_000);
  afterAll(() => {
    for (const h of readFleet().hosts)
      hostExec(h.name, `rm -rf ${LOCK_DIR} /etc/zdr-victim; rm -f /run/lock/zero-downtime-restart.* /tmp/zero-downtime-restart.*`);
    fleetReset();
  }, 180_000);

  it('a host whose dependency check prints workflow commands issues none, in logs, annotations or the summary', async () => {
    const fleet = readFleet();
    const script = `printf '%s\\n' ${INJECTION.map((l) => `'${l}'`).join(' ')}; printf '%s\\n' ${INJECTION.map((l) => `'${l}'`).join(' ')} >&2; exit 1`;
    // A stale lock whose owner carries a v1 command: printed when it is taken over.
    const planted = `mkdir -p -m 0700 ${LOCK_DIR} && printf 'owner=nobody ##[error title=Deploy approved]x\\nsince=1\\nexpires=2\\n' > ${LOCK_DIR}/host.lock`;
    hostExec('web-1', planted);
    const run = await runOnFleet({
      hosts: hostsYaml(fleet, 1),
      'dependency-checks': script,
      'readiness-timeout': '2s',
      'check-window': '0',
    });
    expect(run.outputs.status, run.stdout).toBe('failed');
    expect(run.report?.failedPhase).toBe('ready');
    expect(run.stdout).toContain('Rollout approved');
    expect(injected(run)).toEqual([]);
    expect(run.summary).toContain('Rollout approved');
    expect(run.summary).not.toMatch(/https?:\/\/evil/);
    // The planted owner reached the report (neutralised), and no workflow command (above).
    const lock = run.report?.hosts[0]?.phases.find((p) => p.name === 'lock');
    expect(lock?.detail, JSON.stringify(run.report?.hosts[0])).toMatch(/took over an expired lock of nobody/);
  });

  it('an unprivileged user on a host cannot block or redirect the lock', async () => {
    hostExec('web-1', 'echo intact > /etc/zdr-victim && chmod 0644 /etc/zdr-victim');
    // As `deploy` (no sudo used): plant a lock that never expires, hold the guard, point links at
    // a root file, and try to take the lock directory itself.
    const attack = [
      'now=$(date +%s)',
      'for d in /run/lock /tmp; do',
      '  printf "owner=evil\\nsince=%s\\nexpires=9999999999\\n" "$now" > $d/zero-downtime-restart.host.host.lock',
      '  ln -sf /etc/zdr-victim $d/zero-downtime-restart.host.lock 2>/dev/null',
      '  touch $d/zero-downtime-restart.guard 2>/dev/null',
      'done',
      `mkdir ${LOCK_DIR} 2>/dev/null && echo TOOK-DIR`,
      '(flock -s /run/lock/zero-downtime-restart.guard sleep 120 & echo $! > /tmp/zdr-holder.pid) >/dev/null 2>&1',
      'true',
    ].join('\n');
    const planted = hostExec('web-1', `runuser -u deploy -- sh -c '${attack.replace(/'/g, `'\\''`)}'`);
    expect(planted.stdout).not.toContain('TOOK-DIR');
    try {
      const run = await runOnFleet({ hosts: hostsYaml(readFleet(), 1), 'check-window': '0', 'lock-wait': '2s' });
      expect(run.outputs.status, run.stdout).toBe('success');
      expect(hostExec('web-1', 'cat /etc/zdr-victim').stdout).toBe('intact\n');
      const dir = hostExec('web-1', `stat -c '%U %a %F' ${LOCK_DIR}`).stdout.trim();
      expect(dir).toBe('root 700 directory');

      // In sudo mode (a non-root deploy user), the lock is root's too.
      const sudo = await runOnFleet({ hosts: hostsYaml(readFleet(), 1, 'deploy'), sudo: 'true', 'check-window': '0', 'lock-wait': '2s' });
      expect(sudo.outputs.status, sudo.stdout).toBe('success');

      // A lock directory that is a link is refused, not followed.
      hostExec('web-1', `rm -rf ${LOCK_DIR} && mkdir -p /tmp/zdr-elsewhere && ln -s /tmp/zdr-elsewhere ${LOCK_DIR}`);
      const refused = await runOnFleet({ hosts: hostsYaml(readFleet(), 1), 'check-window': '0', 'lock-wait': '2s' });
      expect(refused.outputs.status).toBe('failed');
      expect(refused.report?.failedPhase).toBe('lock');
      expect(refused.report?.reason).toMatch(/symbolic link|symlink/);
      expect(hostExec('web-1', 'ls -A /tmp/zdr-elsewhere').stdout.trim()).toBe('');
    } finally {
      hostExec(
        'web-1',
        `kill $(cat /tmp/zdr-holder.pid) 2>/dev/null; rm -rf ${LOCK_DIR} /tmp/zdr-elsewhere /tmp/zdr-holder.pid /etc/zdr-victim; rm -f /run/lock/zero-downtime-restart.* /tmp/zero-downtime-restart.*`,
      );
    }
  });

  it('a server in MAINT before the run is in MAINT after it, and untouched; refused on request', async () => {
    haproxy('set server web/web-2 state maint');
    const before = mainPid('web-2', 'app');
    const run = await runOnFleet({ ...haproxyInputs(), ...drainRestart });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(serverStates()['web-2']?.status).toMatch(/^MAINT/);
    expect(mainPid('web-2', 'app')).toBe(before);
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['success', 'skipped', 'success']);
    expect(run.stdout).toMatch(/web-2.*not in service.*MAINT/);

    const refused = await runOnFleet({ ...haproxyInputs(), ...drainRestart, 'not-in-service': 'refuse' });
    expect(refused.outputs.status).toBe('failed');
    expect(refused.report?.reason).toMatch(/web-2.*MAINT/);
    expect(serverStates()['web-2']?.status).toMatch(/^MAINT/);
    expect(mainPid('web-2', 'app')).toBe(before);
  });

  it('a server an operator puts in MAINT while an earlier host rolls is in MAINT after the run, and untouched', async () => {
    const before = mainPid('web-2', 'app');
    let set = false;
    const run = await runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart }), {
      onLine: (line) => {
        // Preflight has seen web-2 in service; web-1's turn has begun.
        if (!set && line.startsWith('::group::web-1:')) {
          set = true;
          haproxy('set server web/web-2 state maint');
        }
      },
    });
    expect(set).toBe(true);
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['success', 'skipped', 'success']);
    expect(serverStates()['web-2']?.status).toMatch(/^MAINT/);
    expect(mainPid('web-2', 'app')).toBe(before);
    expect(run.stdout).toMatch(/web-2: in MAINT .*taken out of service during the run/);
  });

  it("the load balancer's connection, dropped while the first host is watched, is made again for the next host: 0 failed requests", async () => {
    const fleet = readFleet();
    const lbSshd = readFileSync(join(STATE_DIR, 'sshd.pid'), 'utf8').trim();
    const load = startWrk({ url: fleet.lb.url, seconds: 120, connections: 16 });
    await sleep(1000);
    let dropped = '';
    const run = await runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart, hosts: hostsYaml(fleet, 2), 'check-window': '8s' }), {
      onLine: (line) => {
        // web-1 is back in rotation and watched (its access log, not the load balancer): the run's
        // connection to the load balancer's sshd (every session of it) ends, as when sshd restarts.
        if (dropped || !/web-1.*watching/.test(line)) return;
        dropped = endSessions(lbSshd);
      },
    });
    const tally = await load.stop();
    expect(dropped, run.stdout).toMatch(/killed/);
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['success', 'success']);
    const lock = run.report?.hosts[1]?.phases.find((p) => p.name === 'lock');
    expect(lock?.detail).toMatch(/connection to the load balancer had been lost: connected again/);
    expect(tally.failed, JSON.stringify(tally)).toBe(0);
    expect(Object.values(serverStates()).every((st) => st.status === 'UP')).toBe(true);
    expect(locksLeft(journalOwner(run))).toEqual([]);
  });

  it("the load balancer's connection, dropped while the first host drains, is made again and the host goes on: 0 failed requests", async () => {
    const fleet = readFleet();
    const lbSshd = readFileSync(join(STATE_DIR, 'sshd.pid'), 'utf8').trim();
    const load = startWrk({ url: fleet.lb.url, seconds: 120, connections: 16 });
    await sleep(1000);
    let dropped = '';
    let running = true;
    // Once HAProxy has web-1 in DRAIN (its requests in flight still finishing), the run's connection
    // to the load balancer's sshd (every session of it) ends, as when sshd restarts.
    const watcher = (async () => {
      while (running && !dropped) {
        if (serverStates()['web-1']?.status !== 'DRAIN') await sleep(10);
        else dropped = endSessions(lbSshd);
      }
    })();
    const run = await runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart, hosts: hostsYaml(fleet, 2) }));
    running = false;
    await watcher;
    const tally = await load.stop();
    expect(dropped, run.stdout).toMatch(/killed/);
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['success', 'success']);
    // The drain's next exchange (or the return's) went over a connection made again, the lock renewed first:
    // it met the drop (asked again), or found the connection already lost.
    const web1 = run.report?.hosts[0]?.phases.filter((p) => p.name === 'drain' || p.name === 'return') ?? [];
    expect(web1.map((p) => p.detail).join('\n'), run.stdout).toMatch(
      /(dropped under it: connected again, the lock renewed, and asked again|had been lost: connected again, and its lock renewed)/,
    );
    expect(tally.failed, JSON.stringify(tally)).toBe(0);
    expect(Object.values(serverStates()).every((st) => st.status === 'UP')).toBe(true);
    expect(locksLeft(journalOwner(run))).toEqual([]);
  });

  it('an upstream an operator marked down in nginx stays down and untouched', async () => {
    const fleet = readFleet();
    const lb = fleet.nginxLb;
    expect(lb).not.toBeNull();
    if (!lb) return;
    hostExec(lb.name, `sed -i '/# web-2$/s/;/ down;/' ${lb.upstreamConf} && nginx -t && systemctl reload nginx`);
    const conf = hostExec(lb.name, `cat ${lb.upstreamConf}`).stdout;
    expect(conf).toMatch(/down;.*# web-2/);
    const before = mainPid('web-2', 'app');
    const run = await runOnFleet({
      lb: 'nginx',
      'lb-host': `root@${lb.address}`,
      'nginx-upstream-config': lb.upstreamConf,
      ...drainRestart,
    });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(hostExec(lb.name, `cat ${lb.upstreamConf}`).stdout).toBe(conf);
    expect(mainPid('web-2', 'app')).toBe(before);
  });

  it('the post step leaves a host whose error check tripped out of rotation', async () => {
    fault('web-1', 'app-500');
    const load = startWrk({ url: readFleet().lb.url, seconds: 120, connections: 16 });
    await sleep(1000);
    const inputs = fleetInputs({
      ...haproxyInputs(),
      strategy: 'drain-restart',
      service: 'app',
      'check-source': 'haproxy',
      'check-window': '10s',
      'rollback-command': 'sleep 20',
      'command-timeout': '30s',
    });
    try {
      // Killed while rollback-command runs on the tripped, drained host.
      let child: ChildProcess | undefined;
      const main = await runAction(inputs, {
        onChild: (c) => (child = c),
        onLine: (line) => {
          if (/web-1 taken out of .* after its error check tripped/.test(line)) setTimeout(() => child?.kill('SIGKILL'), 1500);
        },
      });
      expect(main.signal).toBe('SIGKILL');
      expect(main.stdout).toMatch(/error check tripped|taken out/);
      expect(lbStates()['web-1']).toMatch(/drained/);
      const post = await runAction(inputs, { state: main.state });
      expect(lbStates()['web-1'], post.stdout).toMatch(/drained/);
      expect(post.stdout).toMatch(/web-1.*error check tripped/);
      expect(locksLeft(journalOwner(main))).toEqual([]);
    } finally {
      await load.stop().catch(() => undefined);
    }
  });

  it('two concurrent runs with the same repository, run and job never drain two hosts at once', async () => {
    const env = { GITHUB_REPOSITORY: 'octo/app', GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' };
    const drained: number[] = [];
    const watcher = setInterval(() => drained.push(Object.values(lbStates()).filter((s) => s.endsWith('(drained)')).length), 100);
    try {
      const first = runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart, 'check-window': '6s', 'min-requests': '1' }), { env });
      await sleep(300);
      const second = await runAction(fleetInputs({ ...haproxyInputs(), ...drainRestart, 'lock-wait': '3s' }), { env });
      const done = await first;
      expect(done.outputs.status, done.stdout).toBe('success');
      expect(second.outputs.status, second.stdout).toBe('failed');
      expect(second.report?.reason).toMatch(/held by octo\/app run 77 attempt 1 job deploy/);
    } finally {
      clearInterval(watcher);
    }
    expect(Math.max(...drained)).toBeLessThanOrEqual(1);
  });
});
