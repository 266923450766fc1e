import type { Settings } from '../settings/settings';

/**
 * Commands the rollout runs on a host besides the unit's own, checked in the inspect round trip
 * (remote/commands.ts inspectUnit prints `zdr.missing=NAME` for each one the host lacks). Which of
 * them a rollout needs depends on its inputs, so the host reports all and preflight decides.
 */
export const CHECKED_COMMANDS = ['systemctl', 'flock', 'curl', 'ss'] as const;

/** The package that provides a command, on Debian and Ubuntu (and under the same name on most others). */
const PACKAGES: Record<string, string> = {
  systemctl: 'systemd',
  flock: 'util-linux',
  curl: 'curl',
  ss: 'iproute2',
  timeout: 'coreutils',
  sudo: 'sudo',
  socat: 'socat',
};

/** A command a rollout needs on a host, and the reason in the user's terms. */
export interface NeededCommand {
  command: string;
  why: string;
}

/** The commands of CHECKED_COMMANDS the inspect output says are missing. */
export function missingCommands(inspectStdout: string): string[] {
  return [...inspectStdout.matchAll(/^zdr\.missing=(\S+)$/gm)].map((m) => m[1] as string);
}

/**
 * What this rollout runs on every host. `drain`: the host leaves the load balancer, whose in-flight
 * count may come from the host (`ss` on drain-port) when the load balancer keeps none.
 */
export function neededCommands(settings: Settings, drain: boolean): NeededCommand[] {
  const needed: NeededCommand[] = [
    { command: 'systemctl', why: 'every reload and restart goes through systemd' },
    { command: 'flock', why: 'the lock that keeps two rollouts off one host' },
  ];
  const curlFor = [
    settings.readiness.url !== null ? 'readiness-url' : '',
    settings.check.source === 'probe' ? 'check-source: probe' : '',
    settings.drain.stubStatusUrl !== null ? 'stub-status-url' : '',
    settings.check.source === 'prometheus' && settings.check.prometheus?.via === 'host' ? 'prometheus-via: host' : '',
  ].filter(Boolean);
  if (curlFor.length) needed.push({ command: 'curl', why: `requests from the host for ${curlFor.join(', ')}` });
  const lbCountsNothing = settings.lb.kind === 'nginx' || settings.lb.kind === 'command';
  if (drain && lbCountsNothing && settings.drain.stubStatusUrl === null) {
    needed.push({
      command: 'ss',
      why: `counting in-flight connections on drain-port ${settings.drain.port} during the drain (or set stub-status-url)`,
    });
  }
  return needed;
}

/** The error for a host that lacks commands, naming the host, each command, its package and its use. */
function missingMessage(where: string, missing: NeededCommand[]): string {
  const listed = missing.map((m) => `${m.command} (package ${PACKAGES[m.command] ?? m.command}: ${m.why})`).join(', ');
  const packages = [...new Set(missing.map((m) => PACKAGES[m.command] ?? m.command))].join(' ');
  return `${where} lacks ${missing.length === 1 ? 'a command' : 'commands'} this rollout runs there: ${listed}. Install ${missing.length === 1 ? 'it' : 'them'} on that host (Debian/Ubuntu: apt-get install ${packages}), or change the inputs that need ${missing.length === 1 ? 'it' : 'them'}.`;
}

/** missingMessage for the needed commands the host lacks, or null when it has them all. */
export function prerequisiteProblem(where: string, missing: string[], needed: NeededCommand[]): string | null {
  const lacking = needed.filter((n) => missing.includes(n.command));
  return lacking.length ? missingMessage(where, lacking) : null;
}

/** Commands wrapped around every remote command, or run by the load balancer adapters, and why. */
const WRAPPERS: Record<string, string> = {
  timeout: 'every remote command runs under `timeout`, so a hung command is killed on the host',
  sudo: 'sudo: true runs every command through `sudo -n`',
  socat: "lb: haproxy talks to HAProxy's runtime API through socat",
};

/**
 * When a command failed because the host lacks `timeout`, `sudo` or `socat` (the shell answers
 * "timeout: not found" / "command not found" and status 127, or sudo reports it), the command that is
 * missing; otherwise null. The user's own commands are not judged here: their output is theirs.
 */
export function wrapperNotFound(stderr: string): NeededCommand | null {
  for (const [command, why] of Object.entries(WRAPPERS)) {
    const name = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const shell = new RegExp(`(^|[\\s:])${name}: (command )?not found`, 'm');
    const zsh = new RegExp(`command not found: ${name}\\b`, 'm');
    if (shell.test(stderr) || zsh.test(stderr)) return { command, why };
  }
  return null;
}

/** A failed command's error, replaced by a clear one when the host lacks a command the action wraps around it. */
export function explainNotFound(where: string, error: unknown): unknown {
  const stderr = (error as { result?: { stderr?: unknown } } | null)?.result?.stderr;
  const missing = typeof stderr === 'string' ? wrapperNotFound(stderr) : null;
  return missing ? new Error(missingMessage(where, [missing])) : error;
}
