import type { RemoteCommand } from '../../remote/commands/exec';
import { BODY_LIMIT, prometheusGet, splitCurlOutput } from '../../remote/commands/metrics';
import { failureOf, RemoteCommandError, tail, type RemoteHost } from '../../remote/remote-host';
import { excerpt, parseQueryResponse, type QueryResult } from './promql';

/** How the query reaches Prometheus: an HTTP GET returning status and body, or a throw. */
export type HttpGet = (url: string) => Promise<{ status: number; body: string }>;

export interface PrometheusAccess {
  /** `Bearer …` or `Basic …`; null: no Authorization header. */
  authorization: string | null;
  /** false only when prometheus-tls-verify is false. */
  tlsVerify: boolean;
  timeoutMs: number;
}

/** A GET from the runner with node's own http/https (the bundle has no other HTTP client). */
export function runnerGet(access: PrometheusAccess): HttpGet {
  return async (url) => {
    const parsed = new URL(url);
    // Loaded on the first query: node:http and node:https (with tls) cost every start ~10 ms.
    const lib = parsed.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (access.authorization) headers.authorization = access.authorization;
      const req = lib.get(
        parsed,
        { headers, timeout: access.timeoutMs, ...(parsed.protocol === 'https:' ? { rejectUnauthorized: access.tlsVerify } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= BODY_LIMIT) chunks.push(c);
            else req.destroy(new Error(`the answer is larger than ${BODY_LIMIT} bytes`));
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${access.timeoutMs} ms`)));
      req.on('error', reject);
    });
  };
}

/** The curl command for one GET on an SSH host; the Authorization header is its stdin, not an argument. */
function curlGet(url: string, access: PrometheusAccess): RemoteCommand {
  return prometheusGet(url, { authorization: access.authorization, insecure: !access.tlsVerify, timeoutMs: access.timeoutMs });
}

/**
 * A GET with curl on an SSH host, over the rollout's own connection to it. A curl that got no HTTP
 * answer at all (refused, no route, DNS, TLS) still prints its status line, as 000, and exits 0
 * through its pipe into `head`: the reason is curl's stderr, which then becomes the error.
 */
export function sshGet(remote: RemoteHost, access: PrometheusAccess): HttpGet {
  return async (url) => {
    const cmd = curlGet(url, access);
    const result = await remote.run(cmd);
    const failure = failureOf(cmd, result);
    if (failure) throw new RemoteCommandError(cmd, result, failure);
    const answer = splitCurlOutput(result.stdout);
    if (answer.status === 0 && !answer.body) throw new Error(tail(result.stderr, 2) || 'curl got no HTTP answer');
    return answer;
  };
}

/** The exact line sshGet sends for `url`, for the dry-run plan (no secret is in it). */
export function sshGetLine(remote: RemoteHost, access: PrometheusAccess): (url: string) => string {
  return (url) => remote.line(curlGet(url, access));
}

/** The instant-query URL for `expr`, optionally evaluated at `time` (seconds). */
export function queryUrl(base: string, expr: string, time?: number): string {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', expr);
  if (time !== undefined) url.searchParams.set('time', time.toFixed(3));
  return url.toString();
}

/** Instant queries against one Prometheus; transport failures come back as results, not throws. */
export class PrometheusClient {
  constructor(
    private readonly get: HttpGet,
    readonly baseUrl: string,
    /** Where the queries run, for the plan: `from the runner`, `with curl on lb.example over SSH`. */
    readonly where = 'from the runner',
    /** The exact command line a query is, where it is one (curl on an SSH host). */
    private readonly commandLine?: (url: string) => string,
  ) {}

  /** The command line that asks `expr`, or null when the query is an HTTP request from this process. */
  lineFor(expr: string): string | null {
    return this.commandLine?.(queryUrl(this.baseUrl, expr)) ?? null;
  }

  async query(expr: string, time?: number): Promise<QueryResult> {
    try {
      const { status, body } = await this.get(queryUrl(this.baseUrl, expr, time));
      return parseQueryResponse(status, body);
    } catch (err) {
      return { ok: false, error: `cannot reach Prometheus: ${excerpt((err as Error).message)}` };
    }
  }
}
