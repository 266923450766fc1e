import { createConnection } from 'node:net';
import { join } from 'node:path';
import { parseShowStat, STATE_DIR } from '../fleet/fleet';

/** One look at the pool: when, and the servers HAProxy had out of rotation then. */
export interface RotationSample {
  at: number;
  out: string[];
}

/** `show stat` of one backend's servers over the runtime API, without blocking the event loop. */
function showStat(backend: string, socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('show stat timed out')));
    socket.on('connect', () => socket.write(`show stat ${backend} 4 -1\n`));
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/**
 * Samples HAProxy every `everyMs` (each look starts `everyMs` after the previous one started, or
 * at once when it took longer) until stop(). A server is in rotation when HAProxy sends it traffic:
 * UP, or `UP 1/2` (failing checks, still sent traffic); DRAIN, MAINT, DOWN and the rest are out.
 */
export function sampleRotation(backend: string, everyMs: number, socketPath = join(STATE_DIR, 'haproxy.sock')) {
  const samples: RotationSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const rows = parseShowStat(await showStat(backend, socketPath)).filter((r) => r.svname !== 'BACKEND');
      samples.push({ at: started, out: rows.filter((r) => !/^UP( |$)/.test(r.status ?? '')).map((r) => r.svname ?? '?') });
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
    }
  })();
  return {
    samples,
    async stop(): Promise<RotationSample[]> {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** The longest time between two consecutive looks. */
export function longestGap(samples: RotationSample[]): number {
  let gap = 0;
  for (let i = 1; i < samples.length; i++) gap = Math.max(gap, (samples[i]?.at ?? 0) - (samples[i - 1]?.at ?? 0));
  return gap;
}
