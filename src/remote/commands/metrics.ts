import type { RemoteCommand } from './exec';
import { CURL } from './traffic';

/** The status line curl appends after the body, so the body's own last line is never mistaken for it. */
const STATUS_MARK = '\nzdr-http-status:';
/** Larger answers are cut (and then fail to parse): one host's totals are a few hundred bytes. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * One GET of the Prometheus HTTP API with curl on an SSH host (where Prometheus is reachable and
 * the runner is not). Every value is an argument ("$1"…), never spliced into the script. The
 * Authorization header is not an argument: another user of that host could read arguments in the
 * process list while curl runs. It reaches curl on its stdin (`-H @-`, curl ≥ 7.55), which the
 * host's shell feeds from the SSH channel (RemoteCommand.stdin), so it is in no argv and no file.
 */
export function prometheusGet(url: string, options: { authorization: string | null; insecure: boolean; timeoutMs: number }): RemoteCommand {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const flags = options.insecure ? '-k ' : '';
  const header = options.authorization === null ? '' : ' -H @-';
  return {
    kind: 'prometheus-get',
    title: 'query Prometheus',
    timeoutMs: options.timeoutMs + 2000,
    args: [url, String(seconds)],
    ...(options.authorization === null ? {} : { stdin: `Authorization: ${options.authorization}\n` }),
    script: `command -v curl >/dev/null || { echo "curl is not installed on this host" >&2; exit 127; }
${CURL} -sS ${flags}--max-time "$2"${header} -w '${STATUS_MARK.replace('\n', '\\n')}%{http_code}' -- "$1" | head -c ${BODY_LIMIT + 64}`,
  };
}

/** Splits curl's output into the HTTP status and the body. */
export function splitCurlOutput(out: string): { status: number; body: string } {
  const at = out.lastIndexOf(STATUS_MARK);
  if (at < 0) return { status: 0, body: out };
  return { status: Number(out.slice(at + STATUS_MARK.length).trim()) || 0, body: out.slice(0, at) };
}

/**
 * check-command on an SSH host (check-command-via): the user's command with its placeholders
 * already filled by fillPlaceholders (each value shell-quoted), run as written and bounded on the
 * host by its timeout like every remote command. Its output is untrusted text for the caller.
 */
export function checkCommand(line: string, timeoutMs: number): RemoteCommand {
  return { kind: 'check-command', title: 'check-command', timeoutMs, script: line };
}
