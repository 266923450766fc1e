import { shQuote as q } from '../quote';
import type { RemoteCommand } from './exec';

/**
 * Every curl that takes a user's URL runs with `-g` (--globoff): without it curl expands `{a,b}`
 * and `[1-200]` in the URL, so `?v={1,2}` was two requests whose status codes ran together (never
 * a 2xx) and `[1-200]` made 200 requests.
 */
export const CURL = 'curl -g';

/** One HTTP GET from the host itself; prints the status code (000 when no response came). */
export function httpStatus(url: string, requestTimeoutMs: number): RemoteCommand {
  const seconds = Math.max(0.5, requestTimeoutMs / 1000);
  return {
    kind: 'http-status',
    title: `GET ${url}`,
    timeoutMs: requestTimeoutMs + 2000,
    script: `${CURL} -sS -o /dev/null -w '%{http_code}' --max-time ${seconds} --url ${q(url)}`,
  };
}

/** `count` sequential GETs of `url` from the host; one status code per line (000: no response). */
export function probeBurst(url: string, count: number, requestTimeoutMs: number): RemoteCommand {
  const urls = Array.from({ length: Math.max(1, Math.floor(count)) }, () => `-o /dev/null --url ${q(url)}`).join(' ');
  return {
    kind: 'probe-burst',
    title: `probe ${url}`,
    timeoutMs: count * requestTimeoutMs + 2000,
    script: `${CURL} -s -w '%{http_code}\\n' --max-time ${Math.max(0.5, requestTimeoutMs / 1000)} ${urls}; true`,
  };
}

/** nginx stub_status, requested from the host itself (Reading + Writing are requests in flight). */
export function stubStatus(url: string, timeoutMs: number): RemoteCommand {
  return { kind: 'stub-status', title: `GET ${url}`, timeoutMs, script: `${CURL} -fsS --max-time 2 --url ${q(url)}` };
}

/** Established TCP connections on a local port, with the kernel's last-send/last-receive times. */
export function establishedOn(port: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'established',
    title: `connections on port ${port}`,
    timeoutMs,
    script: `ss -Htni state established '( sport = :${Math.floor(port)} )'`,
  };
}
