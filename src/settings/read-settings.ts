import { utils as ssh2Utils } from 'ssh2';
import { KnownHosts, parseKnownHosts } from '../transport/known-hosts';
import type { SshTarget } from '../transport/target';
import { parseHosts, parseTarget } from './hosts';
import { INPUT_DEFAULTS, type InputName, type InputSource } from './inputs';
import type { CheckSource, LbSettings, Settings, Strategy } from './settings';
import { readCommandSource, readPrometheus } from './metrics-sources';
import * as v from './values';

export type SettingsResult = { ok: true; settings: Settings; warnings: string[] } | { ok: false; errors: string[] };

/** Why a private key cannot be used, without ever quoting the key or the passphrase. */
function checkPrivateKey(key: string, passphrase: string | undefined): { input: InputName; error: string } | undefined {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(key)) {
    return { input: 'private-key', error: 'expected the text of an OpenSSH or PEM private key (-----BEGIN … PRIVATE KEY-----); a path or public key will not do' };
  }
  const parsed = ssh2Utils.parseKey(key, passphrase);
  if (!(parsed instanceof Error)) return undefined;
  if (/no passphrase/i.test(parsed.message)) return { input: 'passphrase', error: 'the private key is encrypted; give its passphrase' };
  if (passphrase && /(bad passphrase|decrypt|integrity)/i.test(parsed.message)) {
    return { input: 'passphrase', error: 'does not decrypt private-key' };
  }
  return { input: 'private-key', error: `the key cannot be read: ${parsed.message}` };
}

const CA_WHY = 'host certificates are not checked by this action, so such a line trusts no host';
const CA_FIX = "add each host's own key line instead (ssh-keyscan HOST from a trusted network)";

/** known-hosts holds nothing but @cert-authority lines: every host would be refused. */
function certAuthorityOnly(lines: number[]): string {
  return `has only @cert-authority lines (line ${lines.join(', ')}): ${CA_WHY}; ${CA_FIX}`;
}

/** Some @cert-authority lines: named, with the hosts they alone cover (those will be refused). */
function certAuthorityWarning(lines: number[], hosts: SshTarget[], knownHosts: KnownHosts): string {
  const only = hosts.filter((h) => knownHosts.certAuthorityLines(h).length && !knownHosts.algorithmsFor(h)).map((h) => h.name);
  const refused = only.length ? ` Hosts known only through it will be refused: ${only.join(', ')}.` : '';
  const which = lines.length === 1 ? `line ${lines[0]} is a @cert-authority line` : `lines ${lines.join(', ')} are @cert-authority lines`;
  return `Input 'known-hosts': ${which}: ${CA_WHY}.${refused} To trust a host, ${CA_FIX}.`;
}

/**
 * Turns raw inputs into validated Settings. Every problem is reported at once, each naming its
 * input, so a user fixes a bad configuration in one run. Nothing here touches a host.
 */
export function readSettings(source: InputSource, env: NodeJS.ProcessEnv = {}, platform: NodeJS.Platform = process.platform): SettingsResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const raw = (name: InputName): string => {
    const given = source(name);
    return given.trim() === '' ? INPUT_DEFAULTS[name] : given;
  };
  const given = (name: InputName): boolean => source(name).trim() !== '';
  const complain = (name: InputName, error: string): void => void errors.push(`Input '${name}': ${error}`);
  function take<T>(name: InputName, parse: (text: string) => v.Parsed<T>, fallback: T): T {
    const result = parse(raw(name));
    if (result.ok) return result.value;
    complain(name, result.error);
    return fallback;
  }
  const optional = <T>(name: InputName, parse: (text: string) => v.Parsed<T>): T | null => (given(name) ? take(name, parse, null) : null);

  const user = raw('user').trim();
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) complain('user', `expected a user name, got ${v.shown(user)}`);
  const port = take('port', (t) => v.parseInteger(t, 1, 65535), 22);
  const defaults = { user, port };

  let hosts: SshTarget[] = [];
  if (!given('hosts')) complain('hosts', 'is required: the targets in rollout order, one per line or comma-separated');
  else {
    const parsed = parseHosts(source('hosts'), defaults);
    if (parsed.ok) hosts = parsed.hosts;
    else parsed.errors.forEach((e) => complain('hosts', e));
  }

  // Secrets: never echoed in any message.
  const privateKey = given('private-key') ? `${source('private-key').replace(/\r\n/g, '\n').trim()}\n` : undefined;
  const passphrase = given('passphrase') ? source('passphrase') : undefined;
  const agent = env.SSH_AUTH_SOCK || undefined;
  if (privateKey) {
    const problem = checkPrivateKey(privateKey, passphrase);
    if (problem) complain(problem.input, problem.error);
  } else if (!agent) {
    complain('private-key', 'is required (or an ssh-agent through SSH_AUTH_SOCK)');
  }

  const hostKeyCheck = take('host-key-check', (t) => v.parseChoice(t, ['strict', 'off'] as const), 'strict');
  const knownHosts = parseKnownHosts(raw('known-hosts'));
  knownHosts.problems.forEach((p) => complain('known-hosts', p));
  const caLines = knownHosts.entries.filter((e) => e.marker === 'cert-authority').map((e) => e.line);
  if (hostKeyCheck === 'strict' && knownHosts.entries.length === caLines.length && knownHosts.problems.length === 0) {
    complain('known-hosts', caLines.length ? certAuthorityOnly(caLines) : "is required while host-key-check is strict: give the hosts' known_hosts lines (ssh-keyscan them once from a trusted network), or set host-key-check: off");
  } else if (hostKeyCheck === 'strict' && caLines.length) {
    warnings.push(certAuthorityWarning(caLines, hosts, new KnownHosts(knownHosts.entries)));
  }
  if (hostKeyCheck === 'off') warnings.push('host-key-check is off: any host key is accepted, so a machine in the middle could receive these commands.');

  const service = take('service', v.parseUnit, 'nginx');
  const isNginx = /^nginx(\.service)?$/.test(service);
  const validateRaw = given('validate-command') ? take('validate-command', v.parseCommand, '') : isNginx ? 'nginx -t' : '';
  const validateCommand = validateRaw === '' || validateRaw === 'none' ? null : validateRaw;

  const strategy = take('strategy', (t) => v.parseChoice<Strategy>(t, ['auto', 'reload', 'drain-restart', 'restart']), 'auto');
  const lb = readLb();

  const readinessUrl = optional('readiness-url', v.parseUrl);
  const checkSource = take('check-source', (t) => v.parseChoice<CheckSource>(t, ['access-log', 'haproxy', 'probe', 'prometheus', 'command']), 'access-log');
  const checkUrl = optional('check-url', v.parseUrl);
  if (checkSource === 'probe' && !checkUrl) complain('check-url', 'is required when check-source is probe');
  if (checkSource === 'haproxy' && lb.kind !== 'haproxy') complain('check-source', 'haproxy needs lb: haproxy (its counters are read from the load balancer)');
  if (strategy === 'drain-restart' && lb.kind === 'none') {
    complain('strategy', 'drain-restart needs a load balancer to drain from: set lb (haproxy, nginx or command)');
  }

  const settings: Settings = {
    hosts,
    ssh: {
      ...(privateKey ? { privateKey } : {}),
      ...(passphrase ? { passphrase } : {}),
      ...(!privateKey && agent ? { agent } : {}),
      hostKeyCheck,
      knownHosts: knownHosts.entries,
      connectTimeoutMs: take('connect-timeout', v.parseDuration, 10_000),
      commandTimeoutMs: take('command-timeout', v.parseDuration, 60_000),
      sudo: take('sudo', v.parseBoolean, false),
      preflightConcurrency: take('preflight-concurrency', (t) => v.parseInteger(t, 1, 64), 16),
    },
    strategy,
    service,
    validateCommand,
    nginxErrorLog: take('nginx-error-log', v.parsePath, '/var/log/nginx/error.log'),
    lb,
    drain: {
      timeoutMs: take('drain-timeout', v.parseDuration, 60_000),
      onTimeout: take('on-drain-timeout', (t) => v.parseChoice(t, ['fail', 'proceed'] as const), 'fail'),
      minHealthy: take('min-healthy', (t) => v.parseInteger(t, 0, 10_000), 1),
      force: take('force-drain', v.parseBoolean, false),
      notInService: take('not-in-service', (t) => v.parseChoice(t, ['skip', 'refuse'] as const), 'skip'),
      stubStatusUrl: optional('stub-status-url', v.parseUrl),
      port: take('drain-port', (t) => v.parseInteger(t, 1, 65535), 80),
    },
    readiness: {
      url: readinessUrl,
      timeoutMs: take('readiness-timeout', v.parseDuration, 60_000),
      successes: take('readiness-successes', (t) => v.parseInteger(t, 1, 100), 2),
      intervalMs: take('readiness-interval', v.parseDuration, 500),
    },
    dependencyChecks: raw('dependency-checks')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
    unitWarnings: take('unit-warnings', (t) => v.parseChoice(t, ['warn', 'refuse'] as const), 'warn'),
    check: {
      windowMs: take('check-window', v.parseDuration, 30_000),
      source: checkSource,
      accessLog: take('access-log', v.parsePath, '/var/log/nginx/access.log'),
      maxErrorRate: take('max-error-rate', v.parsePercent, 0.01),
      minRequests: take('min-requests', (t) => v.parseInteger(t, 0, 1_000_000), 20),
      failOnInconclusive: take('fail-on-inconclusive', v.parseBoolean, false),
      url: checkUrl,
      prometheus: readPrometheus({ raw, given, take, complain }, checkSource === 'prometheus', lb.kind),
      command: readCommandSource({ raw, given, take, complain }, checkSource === 'command'),
      fleetRelative: take('fleet-relative', v.parseBoolean, true),
    },
    checkIgnorePaths: raw('check-ignore-paths')
      .split(/[\n,]/)
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    rollbackCommand: optional('rollback-command', v.parseCommand) || null,
    lockWaitMs: take('lock-wait', v.parseDuration, 30_000),
    dryRun: take('dry-run', v.parseBoolean, false),
  };
  if (settings.ssh.commandTimeoutMs < 1000) complain('command-timeout', 'must be at least 1s');
  if (settings.ssh.connectTimeoutMs < 500) complain('connect-timeout', 'must be at least 500ms');
  for (const path of settings.checkIgnorePaths) {
    if (!/^\/[^\s?#]*$/.test(path)) complain('check-ignore-paths', `expected request paths such as /healthz, got ${v.shown(path)}`);
  }
  if (settings.readiness.intervalMs < 50) complain('readiness-interval', 'must be at least 50ms');

  return errors.length ? { ok: false, errors } : { ok: true, settings, warnings };

  function readLbHost(): SshTarget | null {
    if (!given('lb-host')) return null;
    const target = parseTarget(source('lb-host'), defaults);
    if (typeof target === 'string') {
      complain('lb-host', `expected [user@]address[:port]: ${target}`);
      return null;
    }
    return { ...target, name: 'load balancer' };
  }

  function readLb(): LbSettings {
    const kind = take('lb', (t) => v.parseChoice(t, ['none', 'haproxy', 'nginx', 'command'] as const), 'none');
    const host = readLbHost();
    const placeholder: SshTarget = { host: '', port: 22, user: 'root', name: 'load balancer' };
    switch (kind) {
      case 'none':
        if (given('lb-host')) complain('lb-host', 'is set but lb is none; set lb to haproxy, nginx or command');
        return { kind };
      case 'haproxy':
        if (!host && !given('lb-host')) complain('lb-host', 'is required when lb is haproxy: the SSH target that can reach the runtime API socket');
        if (!given('haproxy-backend')) complain('haproxy-backend', 'is required when lb is haproxy: the backend holding the hosts');
        return {
          kind,
          host: host ?? placeholder,
          socket: take('haproxy-socket', v.parseSocketPath, '/run/haproxy/admin.sock'),
          backend: given('haproxy-backend') ? take('haproxy-backend', v.parseProxyName, '') : '',
        };
      case 'nginx':
        if (!host && !given('lb-host')) complain('lb-host', 'is required when lb is nginx: the SSH target of the nginx load balancer');
        return {
          kind,
          host: host ?? placeholder,
          upstreamConfig: take('nginx-upstream-config', v.parsePath, '/etc/nginx/conf.d/upstream.conf'),
          service: take('nginx-lb-service', v.parseUnit, 'nginx'),
        };
      case 'command':
        if (!given('drain-command')) complain('drain-command', 'is required when lb is command');
        if (!given('ready-command')) complain('ready-command', 'is required when lb is command');
        if (platform === 'win32' && !given('lb-host')) {
          // Local commands are bounded by killing their process group (runtime/local-shell.ts),
          // which Windows does not have: a hung command there would outlive its time limit.
          for (const name of ['drain-command', 'ready-command'] as const) {
            complain(name, 'would run on this Windows runner, where the action cannot kill it at its time limit; use a Linux or macOS runner, or set lb-host to run it there');
          }
        }
        return {
          kind,
          host,
          drainCommand: take('drain-command', v.parseCommand, ''),
          readyCommand: take('ready-command', v.parseCommand, ''),
        };
    }
  }
}
