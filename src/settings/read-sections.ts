import type { SshTarget } from '../transport/target';
import { parseTarget, type HostDefaults } from './hosts';
import type { InputReader } from './input-reader';
import { readCommandSource, readPrometheus } from './metrics-sources';
import type { CheckSource, LbSettings, Settings } from './settings';
import * as v from './values';

/** connect-timeout, command-timeout, sudo and preflight-concurrency. */
export function readConnection(
  r: InputReader,
): Pick<Settings['ssh'], 'connectTimeoutMs' | 'commandTimeoutMs' | 'sudo' | 'preflightConcurrency'> {
  return {
    connectTimeoutMs: r.take('connect-timeout', v.parseDuration, 10_000),
    commandTimeoutMs: r.take('command-timeout', v.parseDuration, 60_000),
    sudo: r.take('sudo', v.parseBoolean, false),
    preflightConcurrency: r.take('preflight-concurrency', (t) => v.parseInteger(t, 1, 64), 16),
  };
}

/** How a host is drained: the wait, what a timeout means, the capacity guard, where in-flight is counted. */
export function readDrain(r: InputReader): Settings['drain'] {
  return {
    timeoutMs: r.take('drain-timeout', v.parseDuration, 60_000),
    onTimeout: r.take('on-drain-timeout', (t) => v.parseChoice(t, ['fail', 'proceed'] as const), 'fail'),
    minHealthy: r.take('min-healthy', (t) => v.parseInteger(t, 0, 10_000), 1),
    force: r.take('force-drain', v.parseBoolean, false),
    notInService: r.take('not-in-service', (t) => v.parseChoice(t, ['skip', 'refuse'] as const), 'skip'),
    stubStatusUrl: r.optional('stub-status-url', v.parseUrl),
    port: r.take('drain-port', (t) => v.parseInteger(t, 1, 65535), 80),
  };
}

/** When a changed host counts as ready again. */
export function readReadiness(r: InputReader, url: string | null): Settings['readiness'] {
  return {
    url,
    timeoutMs: r.take('readiness-timeout', v.parseDuration, 60_000),
    successes: r.take('readiness-successes', (t) => v.parseInteger(t, 1, 100), 2),
    intervalMs: r.take('readiness-interval', v.parseDuration, 500),
  };
}

/** The error check: its window, source and limits. */
export function readCheck(r: InputReader, source: CheckSource, url: string | null, lbKind: LbSettings['kind']): Settings['check'] {
  const reader = { raw: r.raw.bind(r), given: r.isGiven.bind(r), take: r.take.bind(r), complain: r.complain.bind(r) };
  return {
    windowMs: r.take('check-window', v.parseDuration, 30_000),
    source,
    accessLog: r.take('access-log', v.parsePath, '/var/log/nginx/access.log'),
    maxErrorRate: r.take('max-error-rate', v.parsePercent, 0.01),
    minRequests: r.take('min-requests', (t) => v.parseInteger(t, 0, 1_000_000), 20),
    failOnInconclusive: r.take('fail-on-inconclusive', v.parseBoolean, false),
    url,
    prometheus: readPrometheus(reader, source === 'prometheus', lbKind),
    command: readCommandSource(reader, source === 'command', lbKind),
    fleetRelative: r.take('fleet-relative', v.parseBoolean, true),
  };
}

/** Where lb-host's entry falls back on, and the jump chain that reaches it ([]: direct). */
export type LbDefaults = HostDefaults & { jump: SshTarget[] };

function readLbHost(r: InputReader, defaults: LbDefaults): SshTarget | null {
  if (!r.isGiven('lb-host')) return null;
  const target = parseTarget(r.given('lb-host'), defaults);
  if (typeof target === 'string') {
    r.complain('lb-host', `expected [user@]address[:port]: ${target}`);
    return null;
  }
  return { ...target, name: 'load balancer', ...(defaults.jump.length ? { jump: defaults.jump } : {}) };
}

/** The load balancer in front of the hosts: its kind, its SSH host, and what each kind needs. */
export function readLb(r: InputReader, defaults: LbDefaults, platform: NodeJS.Platform): LbSettings {
  const kind = r.take('lb', (t) => v.parseChoice(t, ['none', 'haproxy', 'nginx', 'command'] as const), 'none');
  const host = readLbHost(r, defaults);
  const placeholder: SshTarget = { host: '', port: 22, user: 'root', name: 'load balancer' };
  switch (kind) {
    case 'none':
      if (r.isGiven('lb-host')) r.complain('lb-host', 'is set but lb is none; set lb to haproxy, nginx or command');
      return { kind };
    case 'haproxy':
      if (!host && !r.isGiven('lb-host'))
        r.complain('lb-host', 'is required when lb is haproxy: the SSH target that can reach the runtime API socket');
      if (!r.isGiven('haproxy-backend')) r.complain('haproxy-backend', 'is required when lb is haproxy: the backend holding the hosts');
      return {
        kind,
        host: host ?? placeholder,
        socket: r.take('haproxy-socket', v.parseSocketPath, '/run/haproxy/admin.sock'),
        backend: r.isGiven('haproxy-backend') ? r.take('haproxy-backend', v.parseProxyName, '') : '',
      };
    case 'nginx':
      if (!host && !r.isGiven('lb-host')) r.complain('lb-host', 'is required when lb is nginx: the SSH target of the nginx load balancer');
      return {
        kind,
        host: host ?? placeholder,
        upstreamConfig: r.take('nginx-upstream-config', v.parsePath, '/etc/nginx/conf.d/upstream.conf'),
        service: r.take('nginx-lb-service', v.parseUnit, 'nginx'),
      };
    case 'command':
      if (!r.isGiven('drain-command')) r.complain('drain-command', 'is required when lb is command');
      if (!r.isGiven('ready-command')) r.complain('ready-command', 'is required when lb is command');
      if (platform === 'win32' && !r.isGiven('lb-host')) {
        // Local commands are bounded by killing their process group (runtime/local-shell.ts),
        // which Windows does not have: a hung command there would outlive its time limit.
        for (const name of ['drain-command', 'ready-command'] as const) {
          r.complain(
            name,
            'would run on this Windows runner, where the action cannot kill it at its time limit; use a Linux or macOS runner, or set lb-host to run it there',
          );
        }
      }
      return {
        kind,
        host,
        drainCommand: r.take('drain-command', v.parseCommand, ''),
        readyCommand: r.take('ready-command', v.parseCommand, ''),
      };
  }
}
