import { timedOutOnHost } from '../../remote/commands/exec';
import { checkCommand } from '../../remote/commands/metrics';
import { fillPlaceholders } from '../../remote/quote';
import type { RemoteHost } from '../../remote/remote-host';
import type { LocalShell } from '../../runtime/local-shell';
import type { CommandSourceSettings } from '../../settings/metrics-sources';
import type { SshTarget } from '../../transport/target';
import { excerpt } from '../prometheus/promql';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/** More output than this is not a count: refused before parsing. */
const OUTPUT_MAX = 4096;

/** The command's stdout as counts, or why it is not `{"requests": N, "errors": M}`. Untrusted text. */
export function parseCountsOutput(stdout: string): { ok: true; counts: Counts } | { ok: false; error: string } {
  const text = stdout.trim();
  if (text.length > OUTPUT_MAX)
    return { ok: false, error: `printed ${text.length} characters; expected one JSON object {"requests": N, "errors": M}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `printed ${text ? `"${excerpt(text, 120)}"` : 'nothing'}; expected JSON {"requests": N, "errors": M}` };
  }
  const o = json as { requests?: unknown; errors?: unknown };
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER;
  if (!json || typeof json !== 'object' || Array.isArray(json) || !whole(o.requests) || !whole(o.errors)) {
    return { ok: false, error: `printed "${excerpt(text, 120)}"; expected whole numbers {"requests": N, "errors": M}` };
  }
  if (o.errors > o.requests)
    return { ok: false, error: `printed ${o.errors} errors for ${o.requests} requests; errors are a subset of requests` };
  return { ok: true, counts: { requests: o.requests, errors: o.errors } };
}

/** The command line for one host and time range (unix seconds); every value shell-quoted. */
export function countsCommandLine(template: string, host: SshTarget, sinceMs: number, untilMs: number): string {
  return fillPlaceholders(template, {
    host: host.host,
    name: host.name,
    since: String(Math.floor(sinceMs / 1000)),
    until: String(Math.ceil(untilMs / 1000)),
  });
}

/** What one run of check-command did, wherever it ran. */
interface CommandOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The transport, not the command, ended it (the SSH connection dropped, say). */
  lost?: string;
}

/**
 * Where check-command runs (check-command-via): a shell on the runner, or the load balancer's SSH
 * host over the rollout's own connection. `show` is the exact line sent, for the dry-run plan.
 */
export interface CommandRunner {
  readonly where: string;
  run(line: string, timeoutMs: number): Promise<CommandOutcome>;
  show(line: string, timeoutMs: number): string;
}

export function runnerShell(local: LocalShell): CommandRunner {
  return { where: 'on the runner', run: (line, timeoutMs) => local.run(line, { timeoutMs }), show: (line) => line };
}

export function hostShell(remote: RemoteHost, label: string): CommandRunner {
  return {
    where: `on ${label} over SSH`,
    run: async (line, timeoutMs) => {
      const r = await remote.run(checkCommand(line, timeoutMs));
      const killed = r.lost === 'timeout' || (timedOutOnHost(r.code, r.signal) && r.durationMs >= timeoutMs * 0.9);
      return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, timedOut: killed, ...(r.lost ? { lost: r.lost } : {}) };
    },
    show: (line, timeoutMs) => remote.line(checkCommand(line, timeoutMs)),
  };
}

/** Runs check-command once; a failure or bad output throws an error naming the input. Output is untrusted. */
export async function runCountsCommand(
  runner: CommandRunner,
  s: CommandSourceSettings,
  host: SshTarget,
  sinceMs: number,
  untilMs: number,
): Promise<Counts> {
  const result = await runner.run(countsCommandLine(s.command, host, sinceMs, untilMs), s.timeoutMs);
  const which = `check-command for ${host.name}`;
  if (result.timedOut) throw new Error(`${which} ran past check-command-timeout ${s.timeoutMs / 1000}s and was killed`);
  if (result.lost) throw new Error(`${which} could not run ${runner.where} (${result.lost}): ${excerpt(result.stderr, 300)}`);
  if (result.code !== 0)
    throw new Error(`${which} exited with status ${result.code ?? result.signal}: ${excerpt(result.stderr || result.stdout, 300)}`);
  const parsed = parseCountsOutput(result.stdout);
  if (!parsed.ok) throw new Error(`${which} ${parsed.error}`);
  return parsed.counts;
}

/** `check-source: command`: any metrics backend, through a command on the runner or an SSH host. */
export class CommandSource implements ErrorSource {
  readonly description: string;
  private markAt = 0;

  constructor(
    private readonly runner: CommandRunner,
    private readonly settings: CommandSourceSettings,
    private readonly host: SshTarget,
    private readonly now: () => number,
  ) {
    this.description = `check-command ${excerpt(settings.command, 200)}`;
  }

  async mark(): Promise<void> {
    this.markAt = this.now();
  }

  async baseline(windowMs: number): Promise<Counts | null> {
    return runCountsCommand(this.runner, this.settings, this.host, this.markAt - windowMs, this.markAt).catch(() => null);
  }

  read(): Promise<Counts> {
    return runCountsCommand(this.runner, this.settings, this.host, this.markAt, this.now());
  }

  samples(): string[] {
    return [];
  }

  /** The line each look runs, {since}/{until} left as placeholders (they are the look's window). */
  plan(): string[] {
    const line = fillPlaceholders(this.settings.command, { host: this.host.host, name: this.host.name });
    return [
      `    check-command ${this.runner.where}, within ${this.settings.timeoutMs / 1000}s, each look:`,
      `      $ ${this.runner.show(line, this.settings.timeoutMs)}`,
    ];
  }
}
