import { establishedOn, stubStatus } from '../remote/commands/traffic';
import type { RemoteHost } from '../remote/remote-host';

/** nginx stub_status: Reading + Writing are requests in progress; our own request is one Writing. */
export function parseStubStatus(text: string): number | null {
  const m = /Reading:\s*(\d+)\s+Writing:\s*(\d+)/.exec(text);
  return m ? Math.max(0, Number(m[1]) + Number(m[2]) - 1) : null;
}

/**
 * Connections from `ss -tni` that are busy with a request: data arrived more recently than any was
 * sent back. An idle keep-alive connection last *sent* (its response), so it does not count: raw
 * ESTABLISHED would wait ~35 s for a load balancer's idle connections to close (measured on the
 * test fleet behind HAProxy).
 */
export function busyConnections(ssOutput: string): number {
  let busy = 0;
  for (const line of ssOutput.split('\n')) {
    if (!/\blastrcv:/.test(line) && !/\blastsnd:/.test(line)) continue;
    const sent = /\blastsnd:(\d+)/.exec(line);
    const received = /\blastrcv:(\d+)/.exec(line);
    // The kernel's "ms since": smaller is more recent. Never sent anything = busy with its first request.
    if (received && (!sent || Number(received[1]) < Number(sent[1]))) busy += 1;
  }
  return busy;
}

/** In-flight requests as seen on the host itself, when the load balancer cannot count them. */
export async function hostInFlight(
  remote: RemoteHost,
  stubStatusUrl: string | null,
  port: number,
  timeoutMs: number,
): Promise<{ count: number; source: string }> {
  if (stubStatusUrl) {
    const text = await remote.check(stubStatus(stubStatusUrl, timeoutMs));
    const count = parseStubStatus(text);
    if (count === null) throw new Error(`${stubStatusUrl} is not an nginx stub_status page`);
    return { count, source: 'nginx stub_status' };
  }
  return { count: busyConnections(await remote.check(establishedOn(port, timeoutMs))), source: `busy connections on port ${port}` };
}
