import type { LoadBalancer, ServerCounters } from '../../src/lb/load-balancer';
import type { Clock } from '../../src/runtime/clock';
import type { Journal } from '../../src/rollout/journal';
import type { LocalShell } from '../../src/runtime/local-shell';
import type { Log } from '../../src/runtime/log';
import type { Connector, ExecResult, Connection } from '../../src/transport/connection';
import { TransportError } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';

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
  commands: string[] = [];
  rollbacks = 0;
  connectError: TransportError | null = null;
  /** Another run holds this host's lock. */
  lockHeldBy = '';

  constructor(readonly name: string) {}
}

function ok(stdout = '', code = 0, stderr = ''): ExecResult {
  return { code, signal: null, stdout, stderr, durationMs: 1 };
}

/** Answers the product's remote commands from a FakeHost's state, by recognising each builder's script. */
export class FakeShell implements Connection {
  constructor(
    readonly target: SshTarget,
    private readonly host: FakeHost,
  ) {}

  async exec(line: string): Promise<ExecResult> {
    const h = this.host;
    h.commands.push(line);
    if (line.includes('systemctl show --property=Id')) {
      return ok(
        [
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
        ].join('\n'),
      );
    }
    if (line.includes('zero-downtime-restart.guard')) {
      if (!h.lockHeldBy || line.includes('rm -f')) return ok();
      return ok(`owner=${h.lockHeldBy}\nsince=1764072000\nexpires=9999999999\n`, 75);
    }
    if (line.includes('validate-command') || line.includes('nginx -t')) {
      return h.validateFails ? ok('', 1, h.validateFails) : ok('', 0, 'nginx: configuration file /etc/nginx/nginx.conf test is successful');
    }
    if (line.includes('before./')) {
      // nginxReload: the picture before, the reload, the picture after.
      const snap = (prefix: string): string[] => [`${prefix}zdr.mainpid=${h.masterPid}`, `${prefix}zdr.active=${h.activeState}`, ...h.workers.map((p) => `${prefix}zdr.child=${p} nginx: worker process`)];
      const before = snap('before.');
      h.reloads += 1;
      if (!h.reloadIgnored) h.workers = h.workers.map(() => h.nextPid++);
      const after = snap('after.');
      if (h.emergAfterReload) after.push(`after.zdr.emerg=${h.emergAfterReload}`);
      return ok([...before, ...after].join('\n'));
    }
    if (line.includes('systemctl reload') || / zdr reload \S+$/.test(line)) {
      h.reloads += 1;
      return ok('zdr.service_ms=20\n');
    }
    if (line.includes('systemctl restart') || / zdr restart \S+$/.test(line)) {
      h.restarts += 1;
      if (h.restartFails) {
        h.activeState = 'failed';
        return ok('', 1, 'Job for app.service failed because the control process exited with error code.');
      }
      h.masterPid = h.nextPid++;
      h.workers = h.workers.map(() => h.nextPid++);
      return ok('zdr.service_ms=40\n');
    }
    if (line.includes('ActiveState,SubState,MainPID')) {
      return ok(`ActiveState=${h.activeState}\nSubState=running\nMainPID=${h.masterPid}\nNRestarts=0\nResult=success`);
    }
    if (line.includes("-w '\\''%{http_code}'\\'' --max-time")) {
      const code = h.readiness.length > 1 ? (h.readiness.shift() as string) : (h.readiness[0] as string);
      return ok(code);
    }
    if (line.includes('stat -c')) {
      if (line.includes('date +%s%3N')) {
        return ok(`42 ${h.accessLog.join('\n').length} ${Date.parse('2026-11-25T12:00:00Z')}`);
      }
    }
    if (line.includes('same %s')) {
      // logRead: everything appended since the mark, then more traffic for next time.
      const chunk = h.trafficPerRead.map((l) => `${l}\n`).join('');
      return ok(`same 0\n${chunk}`);
    }
    if (line.includes('head -c "$2"')) return ok(h.accessLog.map((l) => `${l}\n`).join(''));
    if (line.includes('rollback-command') || line.includes('ROLLBACK')) {
      h.rollbacks += 1;
      h.trafficPerRead = [];
      return ok();
    }
    if (line.includes('journalctl')) return ok('Nov 25 12:00:00 host nginx[1]: started');
    if (line.includes('dependency check')) return ok();
    return ok('', 127, `FakeShell does not know this command: ${line.slice(0, 200)}`);
  }

  async stream(): Promise<never> {
    throw new Error('FakeShell has no sessions');
  }

  async close(): Promise<void> {}
}

export class FakeConnector implements Connector {
  readonly hosts = new Map<string, FakeHost>();
  connects: string[] = [];

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
    return new FakeShell(target, h);
  }
}

/** A load balancer that records every call; its in-flight count falls by one per look. */
export class FakeLb implements LoadBalancer {
  readonly description = 'fake lb';
  readonly lock = null;
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
  drained(h: SshTarget): void {
    this.events.push(`drained ${h.name}`);
  }
  returned(h: SshTarget): void {
    this.events.push(`returned ${h.name}`);
  }
}
