import { vi } from 'vitest';

/** Records what the action writes to stdout (the runner's log) instead of printing it; vi.restoreAllMocks() undoes it. */
export function captureStdout(): string[] {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  return out;
}
