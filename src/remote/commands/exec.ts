import { shQuote as q } from '../quote';

/**
 * A command for a host or the load balancer host. Every one is built in remote/commands/, one file
 * per domain, and every value in it goes through shQuote or is passed as "$1"…: nothing else in
 * the codebase assembles a shell string.
 */
export interface RemoteCommand {
  /**
   * Which builder made it (`nginx-reload`, `lock-acquire`, `user`…): a stable name that does not
   * change when a script is reworded. It reaches the host as the script's `$0` (`zdr.KIND`), so the
   * shell's own error messages name the command, and test fakes recognise commands by it.
   */
  kind: string;
  /** Short human title, used in logs, errors and the dry-run plan. */
  title: string;
  /** POSIX sh script, run as `sh -c` on the remote side. */
  script: string;
  /** Bound on the remote side (the command is killed there) and, with a margin, on this side. */
  timeoutMs: number;
  /**
   * Values the script reads as "$1", "$2"…: passed as separate quoted words, never spliced into
   * the script, so a constant script can work on any name or path.
   */
  args?: string[];
  /**
   * Text for the command's stdin, for what must not be an argument (a credential: arguments are
   * in the host's process list for every user to read). It goes over the SSH channel, never into
   * the command line, the trace or the dry-run plan; it must end with a newline.
   */
  stdin?: string;
}

/**
 * Sets `uid` to the shell's effective uid, as `id -u` prints it, from the second field of the Uid
 * line in /proc/self/status: builtins only, where `$(id -u)` costs the host a fork and an exec
 * (~3 ms of a fleet host's CPU, on every host's inspect and lock). Without /proc, `id -u` after all.
 */
export const SET_EFFECTIVE_UID =
  'uid=; while read -r zdr_k _ zdr_e _; do [ "$zdr_k" = Uid: ] && { uid=$zdr_e; break; }; done 2>/dev/null </proc/self/status; [ -n "$uid" ] || uid=$(id -u)';

/** What every command's script starts with: tools it runs print in the C locale. */
export const SET_C_LOCALE = 'export LC_ALL=C; ';

/** Seconds `timeout -k` waits after SIGTERM before SIGKILL. */
export const KILL_AFTER_S = 3;

/** How the remote side runs a command: optional sudo, a hard time limit, a fixed locale. */
export function execLine(cmd: RemoteCommand, options: { sudo: boolean }): string {
  const seconds = Math.max(0.1, cmd.timeoutMs / 1000)
    .toFixed(1)
    .replace(/\.0$/, '');
  // `timeout` runs the script in its own process group and signals the whole group, so children
  // of a hung command die too. LC_ALL=C keeps the output we parse stable; set by the script itself
  // (on its first line, so the shell's line numbers stay the script's), not by an `env` between
  // `timeout` and `sh`: an exec less, 0.6–1.0 ms of a fleet host's CPU on every command
  // (bench/preflight-cpu.ts).
  const words = [`zdr.${cmd.kind.replace(/[^a-z0-9-]/g, '_')}`, ...(cmd.args ?? []).map(q)].join(' ');
  const bounded = `timeout -k ${KILL_AFTER_S} ${seconds} sh -c ${q(`${SET_C_LOCALE}${cmd.script}`)} ${words}`;
  return options.sudo ? `sudo -n -- ${bounded}` : bounded;
}

/**
 * `timeout` exits 124 when it had to stop the command, 137 when it then had to SIGKILL it. When the
 * login shell (bash, sudo) hands the process over to `timeout`, its final SIGKILL of the process
 * group takes `timeout` itself down too, and the server reports signal KILL instead of a status.
 */
export function timedOutOnHost(code: number | null, signal: string | null = null): boolean {
  return code === 124 || code === 137 || signal === 'KILL' || signal === 'TERM';
}

/** The user's own command (validate, rollback, dependency check), run as written. */
export function userCommand(title: string, command: string, timeoutMs: number): RemoteCommand {
  return { kind: 'user', title, timeoutMs, script: command };
}
