import { describe, expect, it } from 'vitest';
import { SHUTDOWN_MARGIN_MS, stopFindings } from '../../src/inspect/findings';
import { parseTimespan, parseUnitInfo, socketActivated, type UnitInfo } from '../../src/inspect/unit-info';
import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import { chooseStrategy, type StrategyDecision } from '../../src/strategies/choose';

// ---------------------------------------------------------------------------------------------
// What the inspect command prints on a real host (systemd 252), nginx and a socket-activated app.

const NGINX_SHOW = `Id=nginx.service
LoadState=loaded
ActiveState=active
SubState=running
Type=forking
CanReload=yes
ExecReload={ path=/usr/sbin/nginx ; argv[]=/usr/sbin/nginx -g daemon on; master_process on; -s reload ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
TimeoutStopUSec=5s
KillSignal=15
KillMode=mixed
Restart=no
RestartUSec=100ms
StartLimitBurst=5
StartLimitIntervalUSec=10s
TriggeredBy=
MainPID=4242
NRestarts=0
zdr.comm=nginx
zdr.curl=/usr/bin/curl
zdr.uid=0
`;

const APP_SHOW = `Id=app.service
LoadState=loaded
ActiveState=active
SubState=running
Type=simple
CanReload=no
ExecReload=
TimeoutStopUSec=1min 30s
KillSignal=9
KillMode=control-group
Restart=always
RestartUSec=0
StartLimitBurst=5
StartLimitIntervalUSec=0
TriggeredBy=app.socket
MainPID=0
NRestarts=17
zdr.comm=
zdr.curl=
zdr.uid=1000
`;

function unit(over: Partial<UnitInfo> = {}): UnitInfo {
  return { ...parseUnitInfo(NGINX_SHOW), ...over };
}

// ---------------------------------------------------------------------------------------------

describe('parseTimespan', () => {
  it.each([
    ['1min 30s', 90_000],
    ['100ms', 100],
    ['0', 0],
    ['5s', 5_000],
    ['1h 2min', 3_720_000],
    ['90000000', 90_000],
    ['1500', 2],
    ['500us', 1],
    ['2d 3h', 2 * 86_400_000 + 3 * 3_600_000],
    ['1w', 604_800_000],
    ['1.5s', 1_500],
    [' 30s ', 30_000],
    ['1min30s', 90_000],
  ])('%j = %i ms', (text, ms) => {
    expect(parseTimespan(text)).toBe(ms);
  });

  it.each(['infinity', ''])('%j is null (no limit)', (text) => {
    expect(parseTimespan(text)).toBeNull();
  });

  it.each(['garbage', '5 parsecs', '5s garbage', 'abc5s', '5x', '-5s', '1min, 30s'])('%j is null (unreadable)', (text) => {
    expect(parseTimespan(text)).toBeNull();
  });
});

describe('parseUnitInfo', () => {
  it('reads a realistic nginx unit', () => {
    expect(parseUnitInfo(NGINX_SHOW)).toEqual({
      id: 'nginx.service',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      type: 'forking',
      canReload: true,
      hasExecReload: true,
      timeoutStopMs: 5_000,
      killSignal: 15,
      restart: 'no',
      restartMs: 100,
      startLimitBurst: 5,
      startLimitIntervalMs: 10_000,
      triggeredBy: [],
      mainPid: 4242,
      nRestarts: 0,
      mainComm: 'nginx',
      hasCurl: true,
      uid: 0,
    });
  });

  it('reads a socket-activated unit that cannot reload', () => {
    expect(parseUnitInfo(APP_SHOW)).toEqual({
      id: 'app.service',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      type: 'simple',
      canReload: false,
      hasExecReload: false,
      timeoutStopMs: 90_000,
      killSignal: 9,
      restart: 'always',
      restartMs: 0,
      startLimitBurst: 5,
      startLimitIntervalMs: null,
      triggeredBy: ['app.socket'],
      mainPid: 0,
      nRestarts: 17,
      mainComm: '',
      hasCurl: false,
      uid: 1000,
    });
  });

  it('keeps everything after the first = of a value', () => {
    expect(parseUnitInfo('Id=a=b.service\n').id).toBe('a=b.service');
  });

  it('reads several triggering units', () => {
    const info = parseUnitInfo('TriggeredBy=app.path app.socket\n');
    expect(info.triggeredBy).toEqual(['app.path', 'app.socket']);
    expect(socketActivated(info)).toBe('app.socket');
  });

  it('is not socket-activated when triggered only by a timer or path', () => {
    expect(socketActivated(parseUnitInfo('TriggeredBy=app.timer app.path\n'))).toBeUndefined();
  });

  it('ExecReload={} means no reload command', () => {
    expect(parseUnitInfo('ExecReload={}\n').hasExecReload).toBe(false);
  });

  it('reads CRLF output', () => {
    expect(parseUnitInfo('Id=x.service\r\nCanReload=yes\r\n')).toMatchObject({ id: 'x.service', canReload: true });
  });

  it('falls back to empty, unknown and null for missing properties', () => {
    expect(parseUnitInfo('')).toEqual({
      id: '',
      loadState: '',
      activeState: '',
      subState: '',
      type: '',
      canReload: false,
      hasExecReload: false,
      timeoutStopMs: null,
      killSignal: null,
      restart: '',
      restartMs: null,
      startLimitBurst: null,
      startLimitIntervalMs: null,
      triggeredBy: [],
      mainPid: 0,
      nRestarts: null,
      mainComm: '',
      hasCurl: false,
      uid: null,
    });
  });

  it('ignores noise lines', () => {
    expect(parseUnitInfo('Warning: something\n=x\nCanReload=yes\n').canReload).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('stopFindings', () => {
  const drain = 60_000;

  it('finds nothing for a well-configured unit', () => {
    expect(stopFindings(unit({ timeoutStopMs: 90_000, killSignal: 15, restart: 'on-failure', restartMs: 2_000 }), drain)).toEqual([]);
  });

  it('flags a TimeoutStopSec shorter than the drain plus the margin, with a drop-in', () => {
    const findings = stopFindings(unit({ timeoutStopMs: 5_000 }), drain);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/TimeoutStopSec=5s/);
    expect(findings[0]?.message).toMatch(/SIGKILL/);
    expect(findings[0]?.dropIn).toBe(`[Service]\nTimeoutStopSec=${(drain + SHUTDOWN_MARGIN_MS) / 1000}s`);
  });

  it('accepts a TimeoutStopSec exactly the drain plus the margin, and an infinite one', () => {
    expect(stopFindings(unit({ timeoutStopMs: drain + SHUTDOWN_MARGIN_MS }), drain)).toEqual([]);
    expect(stopFindings(unit({ timeoutStopMs: null }), drain)).toEqual([]);
  });

  it('scales with drain-timeout', () => {
    expect(stopFindings(unit({ timeoutStopMs: 30_000 }), 10_000)).toEqual([]);
    expect(stopFindings(unit({ timeoutStopMs: 30_000 }), 25_000)).toHaveLength(1);
  });

  it('flags KillSignal=SIGKILL, with a drop-in', () => {
    const findings = stopFindings(unit({ timeoutStopMs: null, killSignal: 9 }), drain);
    expect(findings).toEqual([{ message: expect.stringMatching(/KillSignal=9 \(SIGKILL\)/), dropIn: '[Service]\nKillSignal=SIGTERM' }]);
  });

  it.each([1, 2, 3, 15, 28])('accepts graceful KillSignal %i', (signal) => {
    expect(stopFindings(unit({ timeoutStopMs: null, killSignal: signal }), drain)).toEqual([]);
  });

  it('flags Restart=always with RestartSec=0 and a start limit: the limit is burnt', () => {
    const findings = stopFindings(
      unit({ timeoutStopMs: null, restart: 'always', restartMs: 0, startLimitBurst: 5, startLimitIntervalMs: 10_000 }),
      drain,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/Restart=always with RestartSec=0ms/);
    expect(findings[0]?.message).toMatch(/5 starts in 10s/);
    expect(findings[0]?.message).toMatch(/restart storm/);
    expect(findings[0]?.dropIn).toMatch(/\[Service\]\nRestartSec=2s/);
    expect(findings[0]?.dropIn).toMatch(/\[Unit\]\nStartLimitIntervalSec=60\nStartLimitBurst=5/);
  });

  it('flags Restart=always with RestartSec=0 and no start limit: restarts forever', () => {
    const info = parseUnitInfo(APP_SHOW);
    const findings = stopFindings({ ...info, killSignal: 15 }, drain);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(
      /^app\.service has Restart=always with RestartSec=0ms, with no start limit, so a crashing service restarts forever/,
    );
    expect(findings[0]?.dropIn).toMatch(/StartLimitIntervalSec=60/);
  });

  it('does not flag Restart=no or a RestartSec of a second or more', () => {
    expect(stopFindings(unit({ timeoutStopMs: null, restart: 'no', restartMs: 0 }), drain)).toEqual([]);
    expect(stopFindings(unit({ timeoutStopMs: null, restart: 'always', restartMs: 1_000 }), drain)).toEqual([]);
  });

  it('reports every finding of a bad unit at once, each with a drop-in', () => {
    const findings = stopFindings(parseUnitInfo(APP_SHOW.replace('1min 30s', '10s')), drain);
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      expect(f.message).toMatch(/^app\.service has /);
      expect(f.dropIn).toMatch(/^\[(Service|Unit)\]\n\w+=/);
    }
  });

  it('says "the unit" when the id is unknown', () => {
    expect(stopFindings(unit({ id: '', timeoutStopMs: 1_000 }), drain)[0]?.message).toMatch(/^the unit has/);
  });
});

// ---------------------------------------------------------------------------------------------

const CAN_RELOAD = unit({ id: 'nginx.service', canReload: true, triggeredBy: [] });
const NO_RELOAD = unit({ id: 'app.service', canReload: false, hasExecReload: false, triggeredBy: [] });
const SOCKET = unit({ id: 'app.service', canReload: false, hasExecReload: false, triggeredBy: ['app.socket'] });
const SOCKET_RELOAD = unit({ id: 'app.service', canReload: true, triggeredBy: ['app.socket'] });

type Lb = 'none' | 'haproxy';

/** Settings from real inputs, so every combination is one a user could configure. */
function settings(strategy: string, lb: Lb, options: { force?: boolean; hosts?: string } = {}): Settings {
  const inputs: Partial<Record<InputName, string>> = {
    hosts: options.hosts ?? 'web1\nweb2',
    'host-key-check': 'off',
    strategy,
    service: 'app',
    'force-drain': options.force ? 'true' : 'false',
    ...(lb === 'haproxy' ? { lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'app' } : {}),
  };
  const result = readSettings((name) => inputs[name] ?? '', { SSH_AUTH_SOCK: '/tmp/agent' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.settings;
}

function choice(decision: StrategyDecision): Extract<StrategyDecision, { ok: true }>['choice'] {
  if (!decision.ok) throw new Error(`refused: ${decision.refusal}`);
  return decision.choice;
}

function refusal(decision: StrategyDecision): string {
  if (decision.ok) throw new Error(`expected a refusal, got ${decision.choice.label}`);
  return decision.refusal;
}

describe('chooseStrategy', () => {
  describe('strategy: reload', () => {
    it.each(['none', 'haproxy'] as Lb[])('reloads a unit that can reload (lb %s), without a drain', (lb) => {
      expect(choice(chooseStrategy(settings('reload', lb), CAN_RELOAD))).toEqual({
        action: 'reload',
        drain: false,
        label: 'reload',
        reason: 'strategy: reload',
        warnings: [],
      });
    });

    it('reloads a socket-activated unit that can reload', () => {
      expect(choice(chooseStrategy(settings('reload', 'none'), SOCKET_RELOAD))).toMatchObject({ action: 'reload', drain: false });
    });

    it.each([
      ['a plain unit', NO_RELOAD],
      ['a socket-activated unit', SOCKET],
    ])('refuses %s that cannot reload, naming it and the way out', (_what, info) => {
      const text = refusal(chooseStrategy(settings('reload', 'haproxy'), info));
      expect(text).toMatch(/app\.service cannot reload/);
      expect(text).toMatch(/drain-restart/);
    });
  });

  describe('strategy: drain-restart', () => {
    it.each([
      ['a unit that can reload', CAN_RELOAD],
      ['a unit that cannot', NO_RELOAD],
      ['a socket-activated unit', SOCKET],
    ])('drains and restarts %s', (_what, info) => {
      const c = choice(chooseStrategy(settings('drain-restart', 'haproxy'), info));
      expect(c).toMatchObject({ action: 'restart', drain: true, label: 'drain-restart', warnings: [] });
      expect(c.reason).toMatch(/lb: haproxy/);
    });
  });

  describe('strategy: restart', () => {
    it('restarts without a drain, warning that requests are dropped', () => {
      const c = choice(chooseStrategy(settings('restart', 'none'), NO_RELOAD));
      expect(c).toMatchObject({ action: 'restart', drain: false, label: 'restart' });
      expect(c.warnings).toHaveLength(1);
      expect(c.warnings[0]).toMatch(/drops the requests app\.service is serving/);
    });

    it('restarts even a unit that could reload, as asked', () => {
      expect(choice(chooseStrategy(settings('restart', 'none'), CAN_RELOAD))).toMatchObject({ action: 'restart', label: 'restart' });
    });

    it('also warns when a single host with no load balancer is restarted', () => {
      const c = choice(chooseStrategy(settings('restart', 'none', { hosts: 'web1' }), NO_RELOAD));
      expect(c.warnings).toHaveLength(2);
      expect(c.warnings[1]).toMatch(/single host with no load balancer/);
    });

    it('does not call a single host behind a load balancer alone', () => {
      const c = choice(chooseStrategy(settings('restart', 'haproxy', { hosts: 'web1' }), NO_RELOAD));
      expect(c.warnings.join('\n')).not.toMatch(/single host/);
      expect(c.drain).toBe(false);
    });

    it.each(['none', 'haproxy'] as Lb[])('restarts a socket-activated unit without a drain or warnings (lb %s)', (lb) => {
      const c = choice(chooseStrategy(settings('restart', lb, { hosts: 'web1' }), SOCKET));
      expect(c).toMatchObject({ action: 'restart', drain: false, label: 'socket-restart', warnings: [] });
      expect(c.reason).toMatch(/app\.socket holds the listening socket/);
    });

    it('drains a socket-activated unit with force-drain and a load balancer', () => {
      const c = choice(chooseStrategy(settings('restart', 'haproxy', { force: true }), SOCKET));
      expect(c).toMatchObject({ action: 'restart', drain: true, label: 'drain-restart' });
      expect(c.reason).toMatch(/force-drain/);
    });

    it('cannot drain with force-drain but no load balancer: a socket restart', () => {
      expect(choice(chooseStrategy(settings('restart', 'none', { force: true }), SOCKET))).toMatchObject({
        drain: false,
        label: 'socket-restart',
      });
    });
  });

  describe('strategy: auto', () => {
    it.each([
      ['none', CAN_RELOAD],
      ['haproxy', CAN_RELOAD],
      ['none', SOCKET_RELOAD],
    ] as [Lb, UnitInfo][])('reloads when the unit can reload (lb %s)', (lb, info) => {
      const c = choice(chooseStrategy(settings('auto', lb), info));
      expect(c).toMatchObject({ action: 'reload', drain: false, label: 'reload', warnings: [] });
      expect(c.reason).toMatch(/can reload gracefully$/);
    });

    it('reloads with force-drain too: a reload needs no drain', () => {
      expect(choice(chooseStrategy(settings('auto', 'haproxy', { force: true }), CAN_RELOAD))).toMatchObject({
        action: 'reload',
        drain: false,
      });
    });

    it.each(['none', 'haproxy'] as Lb[])('restarts a socket-activated unit without a drain (Pattern D, lb %s)', (lb) => {
      const c = choice(chooseStrategy(settings('auto', lb), SOCKET));
      expect(c).toMatchObject({ action: 'restart', drain: false, label: 'socket-restart', warnings: [] });
      expect(c.reason).toMatch(/is socket-activated: .* holds the listening socket/);
    });

    it('restarts a single socket-activated host with no load balancer', () => {
      expect(choice(chooseStrategy(settings('auto', 'none', { hosts: 'web1' }), SOCKET))).toMatchObject({
        label: 'socket-restart',
        drain: false,
      });
    });

    it('drains a socket-activated unit with force-drain and a load balancer', () => {
      const c = choice(chooseStrategy(settings('auto', 'haproxy', { force: true }), SOCKET));
      expect(c).toMatchObject({ action: 'restart', drain: true, label: 'drain-restart' });
    });

    it('drains and restarts a unit that cannot reload behind a load balancer (Pattern B)', () => {
      const c = choice(chooseStrategy(settings('auto', 'haproxy'), NO_RELOAD));
      expect(c).toMatchObject({ action: 'restart', drain: true, label: 'drain-restart', warnings: [] });
      expect(c.reason).toMatch(/drained from lb: .* and restarted$/);
      expect(c.reason).toMatch(/lb: haproxy/);
    });

    it.each(['web1\nweb2', 'web1'])(
      'refuses a unit that cannot reload with no load balancer (hosts %j), explaining the way out',
      (hosts) => {
        const text = refusal(chooseStrategy(settings('auto', 'none', { hosts }), NO_RELOAD));
        expect(text).toMatch(/app\.service cannot reload/);
        expect(text).toMatch(/not socket-activated/);
        expect(text).toMatch(/lb: none/);
        expect(text).toMatch(/Set lb/);
        expect(text).toMatch(/strategy: restart/);
      },
    );

    it('uses the service name when inspect found no unit id', () => {
      const text = refusal(chooseStrategy(settings('auto', 'none'), { ...NO_RELOAD, id: '' }));
      expect(text).toMatch(/^strategy auto: app cannot reload/);
    });
  });
});
