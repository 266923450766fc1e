/**
 * Reading a busy access log through AccessLogSource with a fake host whose file is a Buffer:
 * each look reads bounded chunks from the mark and goes on where it stopped, and a line longer
 * than a chunk cannot stall the reader.
 */
import { describe, expect, it } from 'vitest';
import { AccessLogSource } from '../../src/checks/sources/access-log';
import { RemoteHost } from '../../src/remote/remote-host';
import { OUTPUT_LIMIT_BYTES } from '../../src/transport/output-buffer';
import type { ExecResult, Connection } from '../../src/transport/connection';

const LINE = '10.0.0.1 - - [25/Nov/2026:12:00:01 +0000] "GET /api HTTP/1.1" 200 5 "-" "wrk"\n';
const ERROR_LINE = LINE.replace(' 200 ', ' 502 ');

/** The last `count` words of a command line (plain paths and numbers need no quotes). */
function lastArgs(line: string, count: number): string[] {
  return line.trim().split(/\s+/).slice(-count);
}

/** A host whose access log is `file`, answering logMark and logRead as the real scripts do. */
class LogHost implements Connection {
  readonly target = { host: 'web1', port: 22, user: 'root', name: 'web1' };
  file = Buffer.alloc(0);
  readonly reads: Array<{ offset: number; max: number }> = [];
  async exec(line: string): Promise<ExecResult> {
    const ok = (stdout: string): ExecResult => ({ code: 0, signal: null, stdout, stderr: '', durationMs: 1 });
    if (line.includes('date +%s%3N')) return ok(`42 ${this.file.length} ${Date.parse('2026-11-25T12:00:00Z')}`);
    if (line.includes('same %s')) {
      const [, , offset, max] = lastArgs(line, 4).map(Number) as [number, number, number, number];
      this.reads.push({ offset, max });
      return ok(`same ${this.file.length}\n${this.file.subarray(offset, offset + max).toString('utf8')}`);
    }
    return { code: 127, signal: null, stdout: '', stderr: `unknown: ${line.slice(0, 80)}`, durationMs: 1 };
  }
  async stream(): Promise<never> {
    throw new Error('no sessions');
  }
  async close(): Promise<void> {}
}

async function marked(host: LogHost): Promise<AccessLogSource> {
  const source = new AccessLogSource(new RemoteHost(host, false, undefined, false), '/var/log/nginx/access.log', new Set(), 5000);
  await source.mark();
  return source;
}

describe('AccessLogSource reads a busy log in bounded chunks', () => {
  it('never asks for more than fits under the output cap, and goes on next time where it stopped', async () => {
    const host = new LogHost();
    const source = await marked(host);
    const lines = 450_000; // ~34 MiB of log since the mark: more than one look reads
    host.file = Buffer.from(LINE.repeat(lines - 1) + ERROR_LINE);
    let counts = await source.read();
    expect(host.reads.every((r) => r.max < OUTPUT_LIMIT_BYTES)).toBe(true);
    expect(counts.requests).toBeLessThan(lines);
    for (let i = 0; i < 3 && counts.requests < lines; i++) counts = await source.read();
    expect(counts).toEqual({ requests: lines, errors: 1 });
    const offsets = host.reads.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }, 30_000);

  it('a line longer than a whole chunk is skipped, not read again forever', async () => {
    const host = new LogHost();
    const source = await marked(host);
    host.file = Buffer.from(`${'x'.repeat(5 * 1024 * 1024)}\n${ERROR_LINE}${LINE}`);
    let counts = await source.read();
    for (let i = 0; i < 2 && counts.requests < 2; i++) counts = await source.read();
    expect(counts).toEqual({ requests: 2, errors: 1 });
    expect(host.reads.length).toBeLessThan(6);
  });
});
