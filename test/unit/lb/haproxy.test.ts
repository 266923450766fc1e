import { describe, expect, it } from 'vitest';
import { HaproxyLb, isHealthy, parseServersState, parseShowStat } from '../../../src/lb/haproxy';
import { RemoteHost, RemoteCommandError } from '../../../src/remote/remote-host';
import { result, ScriptedSession, ScriptedShell, target } from '../../support/scripted-shell';

const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,cli_abrt,';

interface Server {
  status: string;
  scur: number;
  stot?: number;
  hrsp_2xx?: number;
  hrsp_4xx?: number;
  hrsp_5xx?: number;
  cli_abrt?: number;
}

/** HAProxy's runtime API, as far as the adapter uses it: `show stat` and `set server … state`. */
class FakeHaproxy {
  servers = new Map<string, Server>([
    ['web-1', { status: 'UP', scur: 4, stot: 100, hrsp_2xx: 90, hrsp_4xx: 3, hrsp_5xx: 2, cli_abrt: 1 }],
    ['web-2', { status: 'UP', scur: 0 }],
    ['web-3', { status: 'no check', scur: 0 }],
  ]);
  questions: string[] = [];

  /** `show stat`, or with `<proxy> 4 -1` only that proxy's server rows, as HAProxy 2.6 answers. */
  csv(proxy?: string): string {
    const row = (px: string, sv: string, s: Server): string =>
      [
        px,
        sv,
        0,
        0,
        s.scur,
        9,
        '',
        s.stot ?? 0,
        s.status,
        1,
        0,
        s.hrsp_2xx ?? 0,
        0,
        s.hrsp_4xx ?? 0,
        s.hrsp_5xx ?? 0,
        0,
        s.cli_abrt ?? 0,
        '',
      ].join(',');
    if (proxy !== undefined) {
      const rows = proxy === 'web' ? [...this.servers].map(([name, s]) => row('web', name, s)) : [];
      return [HEADER, ...rows, ''].join('\n');
    }
    return [
      HEADER,
      row('web', 'FRONTEND', { status: 'OPEN', scur: 9 }),
      ...[...this.servers].map(([name, s]) => row('web', name, s)),
      row('web', 'BACKEND', { status: 'UP', scur: 9 }),
      row('other', 'web-2', { status: 'DOWN', scur: 7 }),
      '',
    ].join('\n');
  }

  /** One question, one answer (without the prompt). */
  ask(line: string): string {
    // Like HAProxy's CLI: `;`-separated commands run in order, their answers one after another.
    if (line.includes('; '))
      return line
        .split('; ')
        .map((one) => this.ask(one))
        .join('');
    this.questions.push(line);
    if (line === 'show stat') return this.csv();
    const scoped = /^show stat (\S+) 4 -1$/.exec(line);
    if (scoped?.[1]) return this.csv(scoped[1]);
    const set = /^set server web\/(\S+) state (drain|ready)$/.exec(line);
    if (set?.[1] && set[2]) {
      const server = this.servers.get(set[1]);
      if (!server) return 'No such server.\n';
      // A server failing its health checks stays DOWN when made ready.
      if (server.status !== 'DOWN') server.status = set[2] === 'drain' ? 'DRAIN' : 'UP';
      return '';
    }
    return 'Unknown command.\n';
  }
}

function setup(options: { sessions?: boolean; now?: () => number } = {}) {
  const haproxy = new FakeHaproxy();
  const sessions: ScriptedSession[] = [];
  /** Sessions that fail to open (the connection dropped, socat gone) before they open again. */
  const down = { sessions: 0 };
  const shell = new ScriptedShell(
    target('lb'),
    (cmd) => (cmd.kind === 'haproxy-api' ? result(haproxy.ask(cmd.args[1] ?? '')) : result('', 127, `unexpected ${cmd.kind}`)),
    options.sessions === false
      ? undefined
      : () => {
          if (down.sessions > 0) {
            down.sessions -= 1;
            throw new Error('the session could not be opened');
          }
          // In prompt mode each `;`-separated command's answer ends with its own prompt, as HAProxy 2.6 does.
          const s = new ScriptedSession((line) =>
            line === 'prompt'
              ? '\n> '
              : line
                  .split('; ')
                  .map((one) => `${haproxy.ask(one)}\n> `)
                  .join(''),
          );
          sessions.push(s);
          return s;
        },
  );
  const lb = new HaproxyLb(new RemoteHost(shell, false, undefined, false), '/run/haproxy/admin.sock', 'web', 5000, options.now);
  return { haproxy, shell, sessions, down, lb };
}

describe('parseShowStat', () => {
  it('keys each row by the header fields, filling missing trailing values with ""', () => {
    const rows = parseShowStat('# pxname,svname,scur,status\nweb,web-1,3,UP\nweb,web-2\n\n');
    expect(rows).toEqual([
      { pxname: 'web', svname: 'web-1', scur: '3', status: 'UP' },
      { pxname: 'web', svname: 'web-2', scur: '', status: '' },
    ]);
  });

  it('refuses an answer that is not show stat CSV, quoting it', () => {
    expect(() => parseShowStat('Unknown command.\n')).toThrow(/unexpected answer to "show stat": Unknown command/);
    expect(() => parseShowStat('')).toThrow(/unexpected answer/);
  });

  it('quotes an unexpected answer as one line, its cut marked (so a secret cut in it is still found)', () => {
    const answer = `Permission denied.\n\x1b[2J${'x'.repeat(400)}`;
    for (const parse of [parseShowStat, parseServersState]) {
      const message = (() => {
        try {
          parse(answer);
        } catch (err) {
          return (err as Error).message;
        }
        throw new Error('accepted');
      })();
      expect(message).toMatch(/^unexpected answer to "show (stat|servers state)": Permission denied\. (\\x1b|\S)*x+…$/);
      expect(message).not.toMatch(/[\n\x1b]/);
    }
  });
});

describe('isHealthy', () => {
  it('counts UP, "no check" and OPEN as taking traffic; DRAIN, MAINT and DOWN not', () => {
    expect(['UP', 'no check', 'OPEN', 'DRAIN', 'MAINT', 'DOWN', 'NOLB', ''].map((status) => isHealthy({ status }))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('HaproxyLb', () => {
  it('drains and readies with exactly the runtime API commands, for the host in its backend', async () => {
    const t = setup();
    await t.lb.drain(target('web-1'));
    expect(t.haproxy.servers.get('web-1')?.status).toBe('DRAIN');
    expect(await t.lb.isUp(target('web-1'))).toBe(false);
    await t.lb.undrain(target('web-1'));
    expect(await t.lb.isUp(target('web-1'))).toBe(true);
    expect(t.haproxy.questions).toEqual([
      'set server web/web-1 state drain',
      'show stat web 4 -1',
      'set server web/web-1 state ready',
      'show stat web 4 -1',
    ]);
  });

  it('returns a host and reads whether it is UP in one exchange', async () => {
    const t = setup();
    await t.lb.drain(target('web-1'));
    expect(await t.lb.undrainAndCheck(target('web-1'))).toBe(true);
    expect(t.sessions[0]?.written.at(-1)).toBe('set server web/web-1 state ready; show stat web 4 -1');
    // Both answers were read (one prompt each): the next question gets its own answer.
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    t.haproxy.servers.set('web-2', { status: 'DOWN', scur: 0 });
    expect(await t.lb.undrainAndCheck(target('web-2'))).toBe(false);
    // Without a session (one command per question) the same line goes to socat.
    const plain = setup({ sessions: false });
    expect(await plain.lb.undrainAndCheck(target('web-3'))).toBe(true);
    expect(plain.shell.sent.map((c) => c.args[1])).toEqual(['set server web/web-3 state ready; show stat web 4 -1']);
  });

  it("a refused return throws with HAProxy's answer; rows that do not show the host leave the look to isUp", async () => {
    const t = setup();
    await expect(t.lb.undrainAndCheck(target('web-9'))).rejects.toThrow(
      'haproxy refused "set server web/web-9 state ready": No such server.',
    );
    t.haproxy.csv = () => `${HEADER}\n`; // a frontend named like the backend: the scoped show stat lists no servers
    expect(await t.lb.undrainAndCheck(target('web-1'))).toBeUndefined();
  });

  it('asks every question over one kept-open session on the admin socket, in prompt mode', async () => {
    const t = setup();
    await t.lb.inFlight(target('web-1'));
    await t.lb.drain(target('web-2'));
    await t.lb.healthyOthers(target('web-1'));
    expect(t.shell.sessionsOpened.map((c) => [c.kind, ...c.args])).toEqual([['haproxy-session', '/run/haproxy/admin.sock']]);
    expect(t.sessions[0]?.written).toEqual(['prompt', 'show stat web 4 -1', 'set server web/web-2 state drain', 'show stat web 4 -1']);
    expect(t.shell.sent).toEqual([]);
  });

  it('reopens a session that died, once per question', async () => {
    const t = setup();
    await t.lb.inFlight(target('web-1'));
    const first = t.sessions[0];
    if (first) first.dies = true;
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    expect(t.sessions).toHaveLength(2);
    expect(t.shell.sent).toEqual([]);
  });

  it('falls back to one socat command per question when no session can be had', async () => {
    const t = setup({ sessions: false });
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    await t.lb.drain(target('web-3'));
    expect(t.shell.sent.map((c) => [c.kind, ...c.args])).toEqual([
      ['haproxy-api', '/run/haproxy/admin.sock', 'show stat web 4 -1'],
      ['haproxy-api', '/run/haproxy/admin.sock', 'set server web/web-3 state drain'],
    ]);
    // Having failed once, it does not try a session for every question.
    expect(t.shell.sessionsOpened).toHaveLength(2);
  });

  it('a session that cannot be had again after one answered: questions take a command for 3 s, then a session again', async () => {
    let now = 1_000_000;
    const t = setup({ now: () => now });
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    t.sessions[0]?.close();
    t.down.sessions = 2;
    const apiCommands = (): number => t.shell.sent.filter((c) => c.kind === 'haproxy-api').length;
    // Two tries at a session, then its own socat command, which answers.
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    expect([t.shell.sessionsOpened.length, apiCommands()]).toEqual([3, 1]);
    // Within the pause: a command each, no session tried (a 50 ms poll does not pay two failed opens).
    now += 2_900;
    await t.lb.drain(target('web-3'));
    expect([t.shell.sessionsOpened.length, apiCommands()]).toEqual([3, 2]);
    // After it: a session again, kept for the questions after.
    now += 200;
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    expect(await t.lb.isUp(target('web-2'))).toBe(true);
    expect([t.shell.sessionsOpened.length, apiCommands()]).toEqual([4, 2]);
  });

  it('throws when HAProxy answers a set command with a message', async () => {
    const t = setup();
    await expect(t.lb.drain(target('web-9'))).rejects.toThrow('haproxy refused "set server web/web-9 state drain": No such server.');
  });

  it('a failing socat command surfaces as the command error', async () => {
    const shell = new ScriptedShell(target('lb'), () =>
      result('', 1, '2026/11/25 socat[1] E connect(5, AF=1 "/run/haproxy/admin.sock", 25): No such file or directory'),
    );
    const lb = new HaproxyLb(new RemoteHost(shell, false, undefined, false), '/run/haproxy/admin.sock', 'web', 5000);
    const err = await lb.inFlight(target('web-1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect((err as Error).message).toMatch(/haproxy: show stat web 4 -1" exited with status 1: .*No such file or directory/);
  });

  it('reads in-flight sessions (scur) and counters of the host in this backend only', async () => {
    const t = setup();
    expect(await t.lb.inFlight(target('web-1'))).toBe(4);
    expect(await t.lb.inFlight(target('web-2'))).toBe(0); // not 7: that is backend "other"
    expect(await t.lb.counters(target('web-1'))).toEqual({ sessions: 100, inFlight: 4, responses: 95, http5xx: 2, clientAborts: 1 });
    await expect(t.lb.inFlight(target('web-9'))).rejects.toThrow('haproxy backend web has no server named web-9');
  });

  it('counts the healthy others, leaving out the host, drained servers and the FRONTEND/BACKEND rows', async () => {
    const t = setup();
    expect(await t.lb.healthyOthers(target('web-1'))).toBe(2);
    await t.lb.drain(target('web-3'));
    expect(await t.lb.healthyOthers(target('web-1'))).toBe(1);
    expect(await t.lb.healthyOthers(target('web-3'))).toBe(2);
  });

  it('preflight names hosts missing from the backend, and warns about hosts not healthy', async () => {
    const t = setup();
    await expect(t.lb.preflight([target('web-1'), target('web-7')])).rejects.toThrow(
      /has no server named web-7 \(servers: web-1, web-2, web-3\)/,
    );
    t.haproxy.servers.set('web-2', { status: 'MAINT', scur: 0 });
    expect(await t.lb.preflight([target('web-1'), target('web-2')])).toEqual(['haproxy shows web-2 as MAINT before the rollout']);
    t.haproxy.servers.clear();
    await expect(t.lb.preflight([target('web-1')])).rejects.toThrow('haproxy has no backend named web (or it has no servers)');
  });

  it('locks the load balancer under a name that says which backend, and closes session and connection', async () => {
    const t = setup();
    expect(t.lb.lock?.name).toBe('lb.haproxy.web');
    await t.lb.inFlight(target('web-1'));
    await t.lb.close();
    expect(t.sessions[0]?.open).toBe(false);
    expect(t.shell.closed).toBe(true);
  });
});
