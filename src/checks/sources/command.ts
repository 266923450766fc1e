import { fillPlaceholders } from '../../remote/quote';
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

/** Runs check-command once; a failure or bad output throws an error naming the input. */
export async function runCountsCommand(
  local: LocalShell,
  s: CommandSourceSettings,
  host: SshTarget,
  sinceMs: number,
  untilMs: number,
): Promise<Counts> {
  const result = await local.run(countsCommandLine(s.command, host, sinceMs, untilMs), { timeoutMs: s.timeoutMs });
  if (result.timedOut)
    throw new Error(`check-command for ${host.name} ran past check-command-timeout ${s.timeoutMs / 1000}s and was killed`);
  if (result.code !== 0)
    throw new Error(
      `check-command for ${host.name} exited with status ${result.code ?? result.signal}: ${excerpt(result.stderr || result.stdout, 300)}`,
    );
  const parsed = parseCountsOutput(result.stdout);
  if (!parsed.ok) throw new Error(`check-command for ${host.name} ${parsed.error}`);
  return parsed.counts;
}

/** `check-source: command`: any metrics backend, through a command on the runner. */
export class CommandSource implements ErrorSource {
  readonly description: string;
  private markAt = 0;

  constructor(
    private readonly local: LocalShell,
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
    return runCountsCommand(this.local, this.settings, this.host, this.markAt - windowMs, this.markAt).catch(() => null);
  }

  read(): Promise<Counts> {
    return runCountsCommand(this.local, this.settings, this.host, this.markAt, this.now());
  }

  samples(): string[] {
    return [];
  }
}
