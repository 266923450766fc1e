import { KnownHosts, parseKnownHosts } from '../transport/known-hosts';
import type { SshTarget } from '../transport/target';
import { batchSizes, parseBatches, parseMaxFailed } from './batches';
import { parseHosts, type HostDefaults } from './hosts';
import { readCheck, readConnection, readDrain, readLb, readReadiness } from './read-sections';
import { InputReader } from './input-reader';
import { checkPrivateKey, keyText } from './private-key';
import { readJumpCredentials, readRoutes } from './read-jumps';
import type { InputName, InputSource } from './inputs';
import type { CheckSource, LbSettings, Settings, Strategy } from './settings';
import * as v from './values';

export type SettingsResult = { ok: true; settings: Settings; warnings: string[] } | { ok: false; errors: string[] };

/**
 * user, port, hosts and their routes: the targets in rollout order (each with its jump chain), the
 * defaults their entries fall back on, and the load balancer's jump chain.
 */
function readTargets(r: InputReader): { hosts: SshTarget[]; defaults: HostDefaults; lbJump: SshTarget[] } {
  const { hosts, defaults } = readHostList(r);
  return { ...readRoutes(r, hosts, defaults.user), defaults };
}

/** user, port and hosts: the targets in rollout order, and the defaults their entries fall back on. */
function readHostList(r: InputReader): { hosts: SshTarget[]; defaults: HostDefaults } {
  const user = r.raw('user').trim();
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) r.complain('user', `expected a user name, got ${v.shown(user)}`);
  const defaults = { user, port: r.take('port', (t) => v.parseInteger(t, 1, 65535), 22) };
  if (!r.isGiven('hosts')) {
    r.complain('hosts', 'is required: the targets in rollout order, one per line or comma-separated');
    return { hosts: [], defaults };
  }
  const parsed = parseHosts(r.given('hosts'), defaults);
  if (parsed.ok) return { hosts: parsed.hosts, defaults };
  parsed.errors.forEach((e) => r.complain('hosts', e));
  return { hosts: [], defaults };
}

type Credentials = Pick<Settings['ssh'], 'privateKey' | 'passphrase' | 'agent'>;

/** The private key (with its passphrase) or an ssh-agent; secrets are never echoed in any message. */
function readCredentials(r: InputReader, env: NodeJS.ProcessEnv): Credentials {
  const privateKey = r.isGiven('private-key') ? keyText(r.given('private-key')) : undefined;
  const passphrase = r.isGiven('passphrase') ? r.given('passphrase') : undefined;
  const agent = env.SSH_AUTH_SOCK || undefined;
  if (privateKey) {
    const problem = checkPrivateKey(privateKey, passphrase);
    if (problem) r.complain(problem.input, problem.error);
  } else if (!agent) {
    r.complain('private-key', 'is required (or an ssh-agent through SSH_AUTH_SOCK)');
  }
  return { ...(privateKey ? { privateKey } : {}), ...(passphrase ? { passphrase } : {}), ...(!privateKey && agent ? { agent } : {}) };
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

/** host-key-check and known-hosts: strict checking needs the hosts' keys. */
function readHostKeys(r: InputReader, hosts: SshTarget[]): Pick<Settings['ssh'], 'hostKeyCheck' | 'knownHosts'> {
  const hostKeyCheck = r.take('host-key-check', (t) => v.parseChoice(t, ['strict', 'off'] as const), 'strict');
  const knownHosts = parseKnownHosts(r.raw('known-hosts'));
  knownHosts.problems.forEach((p) => r.complain('known-hosts', p));
  const caLines = knownHosts.entries.filter((e) => e.marker === 'cert-authority').map((e) => e.line);
  if (hostKeyCheck === 'strict' && knownHosts.entries.length === caLines.length && knownHosts.problems.length === 0) {
    r.complain(
      'known-hosts',
      caLines.length
        ? certAuthorityOnly(caLines)
        : "is required while host-key-check is strict: give the hosts' known_hosts lines (ssh-keyscan them once from a trusted network), or set host-key-check: off",
    );
  } else if (hostKeyCheck === 'strict' && caLines.length) {
    r.warnings.push(certAuthorityWarning(caLines, hosts, new KnownHosts(knownHosts.entries)));
  }
  if (hostKeyCheck === 'off')
    r.warnings.push('host-key-check is off: any host key is accepted, so a machine in the middle could receive these commands.');
  return { hostKeyCheck, knownHosts: knownHosts.entries };
}

/** The service, its validate-command (nginx -t for nginx unless told otherwise) and the strategy. */
function readChange(r: InputReader): Pick<Settings, 'service' | 'validateCommand' | 'strategy'> {
  const service = r.take('service', v.parseUnit, 'nginx');
  const isNginx = /^nginx(\.service)?$/.test(service);
  const validate = r.isGiven('validate-command') ? r.take('validate-command', v.parseCommand, '') : isNginx ? 'nginx -t' : '';
  const strategy = r.take('strategy', (t) => v.parseChoice<Strategy>(t, ['auto', 'reload', 'drain-restart', 'restart']), 'auto');
  return { service, validateCommand: validate === '' || validate.toLowerCase() === 'none' ? null : validate, strategy };
}

/** The inputs that only make sense together: a check source and what it reads, a strategy and an lb. */
function crossCheck(
  r: InputReader,
  { check, lb, strategy }: { check: Pick<Settings['check'], 'source' | 'url'>; lb: LbSettings; strategy: Strategy },
): void {
  if (check.source === 'probe' && !r.isGiven('check-url')) r.complain('check-url', 'is required when check-source is probe');
  if (check.source === 'haproxy' && lb.kind !== 'haproxy')
    r.complain('check-source', 'haproxy needs lb: haproxy (its counters are read from the load balancer)');
  if (strategy === 'drain-restart' && lb.kind === 'none') {
    r.complain('strategy', 'drain-restart needs a load balancer to drain from: set lb (haproxy, nginx or command)');
  }
  unusedInputs(r, lb.kind, check.source);
}

/**
 * Inputs (with no default) of a mode that is off. Set, they would be ignored in silence: a
 * drain-command with lb left at none means hosts are restarted while still in service.
 */
function unusedInputs(r: InputReader, lb: LbSettings['kind'], source: CheckSource): void {
  const unused: [InputName, boolean, string][] = [
    ['drain-command', lb !== 'command', `lb is ${lb}; set lb: command to run it`],
    ['ready-command', lb !== 'command', `lb is ${lb}; set lb: command to run it`],
    ['haproxy-backend', lb !== 'haproxy', `lb is ${lb}; it is read only with lb: haproxy`],
    ['stub-status-url', lb === 'none', 'lb is none, so no host is drained and nothing counts in-flight requests'],
    ['check-url', source !== 'probe', `check-source is ${source}; it is requested only with check-source: probe`],
  ];
  for (const [name, off, why] of unused) if (off && r.isGiven(name)) r.complain(name, `is set but ${why}`);
}

/**
 * A password in a URL is masked in the log, but it still goes where the URL goes: to curl's
 * command line on a host (the process list shows it to the host's users) for every URL but a
 * Prometheus asked from the runner.
 */
function warnUrlCredentials(r: InputReader, settings: Settings): void {
  const prometheus = settings.check.prometheus;
  for (const name of v.URL_INPUTS) {
    if (!v.urlCredentials(r.given(name)).length) continue;
    if (name === 'prometheus-url' && prometheus?.via === 'runner') continue;
    const instead = name === 'prometheus-url' ? ' prometheus-basic-auth keeps it off command lines.' : '';
    r.warnings.push(
      `Input '${name}': holds a password. It is masked in this run's output, but curl on the host is given the URL, so the host's users can see it in the process list.${instead}`,
    );
  }
}

/**
 * Readiness needs `readiness-successes` 2xx in a row, `readiness-interval` apart: a timeout that
 * cannot hold them fails every host, and only after its change.
 */
function checkReadinessFits(r: InputReader, readiness: Settings['readiness']): void {
  if (readiness.url === null) return;
  const spacing = (readiness.successes - 1) * readiness.intervalMs;
  if (readiness.timeoutMs <= spacing || readiness.timeoutMs === 0) {
    r.complain(
      'readiness-timeout',
      `${readiness.timeoutMs} ms cannot hold ${readiness.successes} successful checks ${readiness.intervalMs} ms apart (readiness-successes, readiness-interval): it must be more than ${spacing} ms`,
    );
  }
}

/**
 * lb: command with several hosts: a drain or ready command that names no host acts on the same
 * thing for each. A warning, not an error: a no-op (`ready-command: true`, where a restart clears
 * the drain itself) is a real setup.
 */
function checkPlaceholders(r: InputReader, lb: LbSettings, hosts: number): void {
  if (lb.kind !== 'command' || hosts < 2) return;
  for (const [name, command] of [
    ['drain-command', lb.drainCommand],
    ['ready-command', lb.readyCommand],
  ] as const) {
    if (command && !/\{(host|name)\}/.test(command))
      r.warnings.push(`Input '${name}': names neither {host} nor {name}, so every host gets the same command; is that meant?`);
  }
}

/** Limits that a parsed value must also meet. */
function checkLimits(r: InputReader, settings: Settings): void {
  if (settings.ssh.commandTimeoutMs < 1000) r.complain('command-timeout', 'must be at least 1s');
  if (settings.ssh.connectTimeoutMs < 500) r.complain('connect-timeout', 'must be at least 500ms');
  for (const path of settings.checkIgnorePaths) {
    if (!/^\/[^\s?#]*$/.test(path)) r.complain('check-ignore-paths', `expected request paths such as /healthz, got ${v.shown(path)}`);
  }
  if (settings.readiness.intervalMs < 50) r.complain('readiness-interval', 'must be at least 50ms');
  checkReadinessFits(r, settings.readiness);
  warnUrlCredentials(r, settings);
  checkPlaceholders(r, settings.lb, settings.hosts.length);
}

/**
 * Turns raw inputs into validated Settings. Every problem is reported at once, each naming its
 * input, so a user fixes a bad configuration in one run. Nothing here touches a host.
 */
export function readSettings(
  source: InputSource,
  env: NodeJS.ProcessEnv = {},
  platform: NodeJS.Platform = process.platform,
): SettingsResult {
  const r = new InputReader(source);
  const { hosts, defaults, lbJump } = readTargets(r);
  const credentials = readCredentials(r, env);
  const anyJump = lbJump.length > 0 || hosts.some((h) => h.jump?.length);
  const jumpCredentials = readJumpCredentials(r, anyJump);
  const hostKeys = readHostKeys(r, hosts);
  const change = readChange(r);
  const lb = readLb(r, { ...defaults, jump: lbJump }, platform);
  const readinessUrl = r.optional('readiness-url', v.parseUrl);
  const checkSource = r.take(
    'check-source',
    (t) => v.parseChoice<CheckSource>(t, ['access-log', 'haproxy', 'probe', 'prometheus', 'command']),
    'access-log',
  );
  const checkUrl = r.optional('check-url', v.parseUrl);
  crossCheck(r, { check: { source: checkSource, url: checkUrl }, lb, strategy: change.strategy });
  const settings: Settings = {
    hosts,
    ssh: { ...credentials, ...jumpCredentials, ...hostKeys, ...readConnection(r) },
    ...change,
    nginxErrorLog: r.take('nginx-error-log', v.parsePath, '/var/log/nginx/error.log'),
    lb,
    drain: readDrain(r),
    readiness: readReadiness(r, readinessUrl),
    dependencyChecks: r.list('dependency-checks'),
    unitWarnings: r.take('unit-warnings', (t) => v.parseChoice(t, ['warn', 'refuse'] as const), 'warn'),
    check: readCheck(r, checkSource, checkUrl, lb.kind),
    checkIgnorePaths: r.list('check-ignore-paths', /[\n,]/, false),
    rollbackCommand: r.optional('rollback-command', v.parseCommand) || null,
    batches: batchSizes(r.take('batches', parseBatches, [{ count: 1 }]), hosts.length),
    maxFailedHosts: r.take('max-failed-hosts', (t) => parseMaxFailed(t, hosts.length), 0),
    lockWaitMs: r.take('lock-wait', v.parseDuration, 30_000),
    dryRun: r.take('dry-run', v.parseBoolean, false),
  };
  checkLimits(r, settings);
  return r.errors.length ? { ok: false, errors: r.errors } : { ok: true, settings, warnings: r.warnings };
}
