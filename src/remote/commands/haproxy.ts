import type { RemoteCommand } from './exec';

/** Commands to HAProxy's runtime API over its admin socket (socat must be installed there). */
export function haproxyApi(socket: string, command: string, timeoutMs: number): RemoteCommand {
  return {
    kind: 'haproxy-api',
    title: `haproxy: ${command}`,
    timeoutMs,
    script: 'printf \'%s\\n\' "$2" | socat -t 5 stdio "UNIX-CONNECT:$1"',
    args: [socket, command],
  };
}

/**
 * HAProxy's runtime API as a session: socat kept open on the socket, in interactive (`prompt`)
 * mode, so each question costs one exchange on a live channel instead of a login shell. It ends
 * with the SSH connection, or after `maxMs` at the latest.
 */
export function haproxySession(socket: string, maxMs: number): RemoteCommand {
  return {
    kind: 'haproxy-session',
    title: 'haproxy runtime API session',
    timeoutMs: maxMs,
    script: 'exec socat stdio "UNIX-CONNECT:$1"',
    args: [socket],
  };
}
