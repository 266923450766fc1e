import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseShowStat, STATE_DIR } from '../fleet/fleet';

/** One look at the pool: when, and the servers HAProxy had out of rotation then. */
export interface RotationSample {
  at: number;
  out: string[];
}

const SAMPLER = join(__dirname, 'lb-sampler-process.mjs');

/** The servers out of rotation in one `show stat` answer. */
function outOfRotation(text: string): string[] {
  const rows = parseShowStat(text).filter((r) => r.svname !== 'BACKEND');
  return rows.filter((r) => !/^UP( |$)/.test(r.status ?? '')).map((r) => r.svname ?? '?');
}

/**
 * Samples HAProxy every `everyMs` (each look starts `everyMs` after the previous one started, or
 * at once when it took longer) until stop(), from a process of its own (lb-sampler-process.mjs).
 * A server is in rotation when HAProxy sends it traffic: UP, or `UP 1/2` (failing checks, still
 * sent traffic); DRAIN, MAINT, DOWN and the rest are out.
 */
export function sampleRotation(backend: string, everyMs: number, socketPath = join(STATE_DIR, 'haproxy.sock')) {
  const child = spawn(process.execPath, [SAMPLER, backend, socketPath, String(everyMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    async stop(): Promise<RotationSample[]> {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the HAProxy sampler exited ${code}: ${stderr}`);
      return stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { at: number; text: string })
        .map(({ at, text }) => ({ at, out: outOfRotation(text) }));
    },
  };
}

/** The longest time between two consecutive looks. */
export function longestGap(samples: RotationSample[]): number {
  let gap = 0;
  for (let i = 1; i < samples.length; i++) gap = Math.max(gap, (samples[i]?.at ?? 0) - (samples[i - 1]?.at ?? 0));
  return gap;
}
