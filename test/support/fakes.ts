import type { LoadBalancer, ServerCounters } from '../../src/lb/load-balancer';
import type { Clock } from '../../src/runtime/clock';
import type { RolloutDeps } from '../../src/rollout/context';
import type { DrainReason, Journal } from '../../src/rollout/journal';
import type { LocalShell } from '../../src/runtime/local-shell';
import type { Log } from '../../src/runtime/log';
import type { Connector, ExecResult, Connection } from '../../src/transport/connection';
import { TransportError } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';
import { parseExecLine } from './exec-line';

/** A clock whose sleeps pass instantly and move time forward. */
export class FakeClock implements Clock {
  constructor(public t = Date.parse('2026-11-25T12:00:00Z')) {}
  now = (): number => this.t;
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw signal.reason;
    this.t += Math.max(1, ms);
    await Promise.resolve();
    if (signal?.aborted) throw signal.reason;
  };
}

/**
 * A clock for hosts that wait at the same time (batches): virtual time moves to the earliest
 * sleeper's wake-up once everything else has run (a macrotask later), so three hosts sleeping
 * 500 ms each take 500 ms of virtual time, not 1.5 s as on FakeClock, where every sleep adds.
 */
export class VirtualClock implements Clock {
  private sleepers: { at: number; wake: () => void }[] = [];
  private scheduled = false;
  constructor(public t = Date.parse('2026-11-25T12:00:00Z')) {}
  now = (): number => this.t;
  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { at: this.t + Math.max(1, ms), wake: resolve };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((e) => e !== entry);
          reject(signal.reason);
        },
        { once: true },
      );
      this.schedule();
    });
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.sleepers.length) return;
      this.t = Math.max(this.t, Math.min(...this.sleepers.map((e) => e.at)));
      const due = this.sleepers.filter((e) => e.at <= this.t);
      this.sleepers = this.sleepers.filter((e) => e.at > this.t);
      for (const e of due) e.wake();
      if (this.sleepers.length) this.schedule();
    });
  }
}

export class RecordingLog implements Log {
  lines: string[] = [];
  warnings: string[] = [];
  info(m: string): void {
    this.lines.push(m);
  }
  warning(m: string): void {
    this.warnings.push(m);
  }
  debug(): void {}
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`::group::${title}`);
    try {
      return await fn();
    } finally {
      this.lines.push('::endgroup::');
    }
  }
}

/**
 * A host as the fake shell sees it: a systemd unit and an nginx, changed only by the commands the
 * product sends. Tests adjust fields to stage faults.
 */
export class FakeHost {
  activeState = 'active';
  canReload = true;
  triggeredBy = '';
  mainComm = 'nginx';
  masterPid = 100;
  workers = [101, 102];
  nextPid = 200;
  uid = 0;
  validateFails = '';
  /** The reload signal is ignored: workers are not replaced. */
  reloadIgnored = false;
  emergAfterReload = '';
  /** Readiness answers, consumed one per check; the last repeats. */
  readiness: string[] = ['200'];
  restartFails = false;
  timeoutStopUSec = '1min 30s';
  restartSetting = 'no';
  accessLog: string[] = [];
  /** Lines appended to the access log on each read after the change. */
  trafficPerRead: string[] = [];
  reloads = 0;
  restarts = 0;
  /** Every command line received, and its kind (`user:SCRIPT` for the user's own commands). */
  commands: string[] = [];
  kinds: string[] = [];
  /** How long the host takes to answer a command, by kind (ms; none by default). */
  delays: Record<string, number> = {};
  /** How many of the next commands of a kind get no answer: the connection drops under them. */
  lose: Record<string, number> = {};
  /** Called with each command's kind and arguments before it is answered (to stage a cancel, say). */
  onCommand?: (kind: string, args: string[]) => void;
  /** What the user's own commands are, by their exact text. */
  userCommands: Record<string, 'validate' | 'rollback' | 'ok'> = { 'nginx -t': 'validate', ROLLBACK: 'rollback' };
  rollbacks = 0;
  connectError: TransportError | null = null;
  /** Another run holds this host's lock. */
  lockHeldBy = '';
  /** Locks held, by name → owner, as the lock command keeps them (a renewal by their owner prints kept=1). */
  readonly locksHeld = new Map<string, string>();
  /** Commands the host lacks: reported by inspect (`zdr.missing=`), or `timeout`, which fails every command. */
  missing: string[] = [];
  /** Every lock command (take, renew, release) sent to this host. */
  lockCommands: string[] = [];
  /** The stdin text of each command that had one (never part of its line). */
  stdins: string[] = [];
  /** Answers for further kinds (`check-command`, `prometheus-get`…), from the script and arguments. */
  answers: Record<string, (script: string, args: string[]) => ExecResult> = {};

  constructor(readonly name: string) {}
}

function ok(stdout = '', code = 0, stderr = ''): ExecResult {
  return { code, signal: null, stdout, stderr, durationMs: 1 };
}

function inspectAnswer(h: FakeHost): string {
  return [
    `Id=${h.name === 'x' ? 'x' : 'nginx.service'}`,
    'LoadState=loaded',
    `ActiveState=${h.activeState}`,
    'SubState=running',
    'Type=forking',
    `CanReload=${h.canReload ? 'yes' : 'no'}`,
    `ExecReload=${h.canReload ? '{ path=/usr/sbin/nginx ; argv[]=/usr/sbin/nginx -s reload }' : ''}`,
    `TimeoutStopUSec=${h.timeoutStopUSec}`,
    'KillSignal=15',
    `Restart=${h.restartSetting}`,
    'RestartUSec=100ms',
    'StartLimitBurst=5',
    'StartLimitIntervalUSec=10s',
    `TriggeredBy=${h.triggeredBy}`,
    `MainPID=${h.masterPid}`,
    'NRestarts=0',
    `zdr.comm=${h.mainComm}`,
    'zdr.curl=/usr/bin/curl',
    `zdr.uid=${h.uid}`,
    ...h.missing.map((c) => `zdr.missing=${c}`),
  ].join('\n');
}

/** nginxReload: the picture before, the reload, the picture after. */
function nginxReloadAnswer(h: FakeHost): string {
  const snap = (prefix: string): string[] => [
    `${prefix}zdr.mainpid=${h.masterPid}`,
    `${prefix}zdr.active=${h.activeState}`,
    ...h.workers.map((p) => `${prefix}zdr.child=${p} nginx: worker process`),
  ];
  const before = snap('before.');
  h.reloads += 1;
  if (!h.reloadIgnored) h.workers = h.workers.map(() => h.nextPid++);
  const after = snap('after.');
  if (h.emergAfterReload) after.push(`after.zdr.emerg=${h.emergAfterReload}`);
  return [...before, ...after].join('\n');
}

/** Answers the product's remote commands from a FakeHost's state, by each command's kind (its builder). */
export class FakeShell implements Connection {
  constructor(
    readonly target: SshTarget,
    private readonly host: FakeHost,
    /** Every command on every host, in the order sent: `HOST KIND`. */
    private readonly sequence: string[] = [],
    private readonly onClose: () => void = () => {},
  ) {}

  /** Set to make this connection one that has ended: every command on it then fails as lost. */
  lost = false;

  async exec(line: string, options?: { timeoutMs: number; stdin?: string }): Promise<ExecResult> {
    const h = this.host;
    if (this.lost) return { code: null, signal: null, stdout: '', stderr: 'connection closed', durationMs: 0, lost: 'connection-lost' };
    h.commands.push(line);
    if (options?.stdin !== undefined) h.stdins.push(options.stdin);
    if (h.missing.includes('timeout')) return ok('', 127, 'bash: line 1: timeout: command not found');
    const { kind, script, args } = parseExecLine(line);
    h.kinds.push(kind === 'user' ? `user:${script}` : kind);
    this.sequence.push(`${h.name} ${kind === 'user' ? `user:${script}` : kind}`);
    h.onCommand?.(kind, args);
    const delay = h.delays[kind];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (h.lose[kind]) {
      h.lose[kind]--;
      return { code: null, signal: null, stdout: '', stderr: 'connection closed', durationMs: 0, lost: 'connection-lost' };
    }
    switch (kind) {
      case 'inspect-unit':
        return ok(inspectAnswer(h));
      case 'lock-acquire':
        h.lockCommands.push(line);
        if (h.lockHeldBy) return ok(`owner=${h.lockHeldBy}\nsince=1764072000\nexpires=9999999999\n`, 75);
        if (h.locksHeld.get(args[0] ?? '') === args[1]) return ok('kept=1\n');
        h.locksHeld.set(args[0] ?? '', args[1] ?? '');
        return ok();
      case 'lock-release':
        h.lockCommands.push(line);
        if (h.locksHeld.get(args[0] ?? '') === args[1]) h.locksHeld.delete(args[0] ?? '');
        return ok();
      case 'user':
        return this.user(script);
      case 'nginx-reload':
        return ok(nginxReloadAnswer(h));
      case 'systemctl-timed':
      case 'systemctl-reload':
      case 'systemctl-restart':
        return (args[0] ?? kind.slice('systemctl-'.length)) === 'reload' ? this.reload() : this.restart();
      case 'unit-state':
        return ok(`ActiveState=${h.activeState}\nSubState=running\nMainPID=${h.masterPid}\nNRestarts=0\nResult=success`);
      case 'http-status':
        return ok(h.readiness.length > 1 ? (h.readiness.shift() ?? '') : (h.readiness[0] ?? ''));
      case 'log-mark':
        return ok(`42 ${h.accessLog.join('\n').length} ${Date.parse('2026-11-25T12:00:00Z')}`);
      case 'log-read':
        // Everything appended since the mark: the traffic of one look.
        return ok(`same 0\n${h.trafficPerRead.map((l) => `${l}\n`).join('')}`);
      case 'log-before':
        return ok(h.accessLog.map((l) => `${l}\n`).join(''));
      case 'journal':
        return ok('Nov 25 12:00:00 host nginx[1]: started');
      default:
        return h.answers[kind]?.(script, args) ?? ok('', 127, `FakeShell does not know this command (${kind}): ${line.slice(0, 200)}`);
    }
  }

  /** The user's own commands, known by their text: validate, rollback, dependency checks. */
  private user(script: string): ExecResult {
    const h = this.host;
    const role = h.userCommands[script];
    if (role === 'validate') {
      return h.validateFails ? ok('', 1, h.validateFails) : ok('', 0, 'nginx: configuration file /etc/nginx/nginx.conf test is successful');
    }
    if (role === 'rollback') {
      h.rollbacks += 1;
      h.trafficPerRead = [];
      return ok();
    }
    if (role === 'ok') return ok();
    return ok('', 127, `FakeShell does not know this user command: ${script.slice(0, 200)}`);
  }

  private reload(): ExecResult {
    this.host.reloads += 1;
    return ok('zdr.service_ms=20\n');
  }

  private restart(): ExecResult {
    const h = this.host;
    h.restarts += 1;
    if (h.restartFails) {
      h.activeState = 'failed';
      return ok('', 1, 'Job for app.service failed because the control process exited with error code.');
    }
    h.masterPid = h.nextPid++;
    h.workers = h.workers.map(() => h.nextPid++);
    // The restart command prints the unit's state right after it (systemctlTimed's showState).
    return ok(`zdr.service_ms=40\nActiveState=${h.activeState}\nSubState=running\nMainPID=${h.masterPid}\nNRestarts=0\nResult=success\n`);
  }

  async stream(): Promise<never> {
    throw new Error('FakeShell has no sessions');
  }

  private closed = false;
  async close(): Promise<void> {
    if (!this.closed) this.onClose();
    this.closed = true;
  }
}

export class FakeConnector implements Connector {
  readonly hosts = new Map<string, FakeHost>();
  connects: string[] = [];
  /** Connections open now, and the most ever open at once. */
  open = 0;
  peakOpen = 0;
  /** Every command on every host, in the order sent: `HOST KIND` (`HOST user:SCRIPT`). */
  sequence: string[] = [];
  /** Each host's latest connection. */
  readonly shells = new Map<string, FakeShell>();

  host(name: string): FakeHost {
    let h = this.hosts.get(name);
    if (!h) {
      h = new FakeHost(name);
      this.hosts.set(name, h);
    }
    return h;
  }

  async connect(target: SshTarget): Promise<Connection> {
    this.connects.push(target.name);
    const h = this.host(target.name);
    if (h.connectError) throw h.connectError;
    this.open += 1;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    const shell = new FakeShell(target, h, this.sequence, () => (this.open -= 1));
    this.shells.set(target.name, shell);
    return shell;
  }
}

/** A load balancer that records every call; its in-flight count falls by one per look. */
export class FakeLb implements LoadBalancer {
  readonly description = 'fake lb';
  lock: LoadBalancer['lock'] = null;
  /** True as HAProxy's and nginx's are: a drop under an exchange makes the connection again and asks again. */
  repeatable = false;
  notInService?: LoadBalancer['notInService'];
  operatorMaintenance?: LoadBalancer['operatorMaintenance'];
  calls: string[] = [];
  drained = new Set<string>();
  inFlightStart = 3;
  /** null: the in-flight count never falls (a request that never ends). */
  stuck = false;
  healthy = 3;
  upAfterReturn = true;
  private inflight = new Map<string, number>();
  counts: ServerCounters = { sessions: 0, inFlight: 0, responses: 0, http5xx: 0, clientAborts: 0 };

  async preflight(): Promise<string[]> {
    return [];
  }
  async healthyOthers(host: SshTarget): Promise<number> {
    this.calls.push(`healthyOthers ${host.name}`);
    return this.healthy - 1;
  }
  async drain(host: SshTarget): Promise<void> {
    this.calls.push(`drain ${host.name}`);
    this.drained.add(host.name);
    this.inflight.set(host.name, this.inFlightStart);
  }
  async undrain(host: SshTarget): Promise<void> {
    this.calls.push(`undrain ${host.name}`);
    this.drained.delete(host.name);
  }
  async inFlight(host: SshTarget): Promise<number> {
    const n = this.inflight.get(host.name) ?? 0;
    if (!this.stuck) this.inflight.set(host.name, Math.max(0, n - 1));
    return n;
  }
  async isUp(host: SshTarget): Promise<boolean> {
    return !this.drained.has(host.name) && this.upAfterReturn;
  }
  async close(): Promise<void> {}
}

export const noLocal: LocalShell = {
  run: async () => ({ code: 0, signal: null, stdout: '', stderr: '', timedOut: false }),
};

export class RecordingJournal implements Journal {
  events: string[] = [];
  locked(t: SshTarget, name: string): void {
    this.events.push(`locked ${t.name} ${name}`);
  }
  unlocked(t: SshTarget, name: string): void {
    this.events.push(`unlocked ${t.name} ${name}`);
  }
  drained(h: SshTarget, why: DrainReason = 'turn'): void {
    this.events.push(why === 'turn' ? `drained ${h.name}` : `drained ${h.name} (${why})`);
  }
  returned(h: SshTarget): void {
    this.events.push(`returned ${h.name}`);
  }
}

/** A rollout's dependencies, every one a fake (no load balancer unless given); any can be replaced. */
export function fakeDeps(over: Partial<RolloutDeps> = {}): RolloutDeps {
  return {
    connector: new FakeConnector(),
    local: noLocal,
    clock: new FakeClock(),
    log: new RecordingLog(),
    journal: new RecordingJournal(),
    signal: new AbortController().signal,
    owner: 'test run 1',
    openLoadBalancer: async () => null,
    ...over,
  };
}
