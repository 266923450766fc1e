import { logBefore, logMark, logRead } from '../../remote/commands/log-file';
import type { RemoteHost } from '../../remote/remote-host';
import { OUTPUT_LIMIT_BYTES } from '../../transport/output-buffer';
import { emptyTally, parseLogLine, tallyLines, type LogTally } from '../log-parse';
import type { Counts } from '../verdict';
import type { ErrorSource } from './error-source';

/**
 * Bytes read per round trip: bounds memory and each round trip on a busy host. Both stay under
 * the transport's cap on one command's output (OUTPUT_LIMIT_BYTES), with room for the first line
 * and the shell session's markers; a read past the cap would fail.
 */
const CHUNK_BYTES = OUTPUT_LIMIT_BYTES / 2;
const BASELINE_BYTES = OUTPUT_LIMIT_BYTES - 64 * 1024;
/** Round trips per look: a look reads at most 32 MiB and the next look goes on from there. */
const CHUNKS_PER_READ = 8;
const BASELINE_FIRST_BYTES = 128 * 1024;

/** Splits a chunk into complete lines and the byte count they cover; a partial last line waits. */
export function completeLines(chunk: string, final: boolean): { lines: string[]; bytes: number } {
  const end = chunk.lastIndexOf('\n');
  const body = final ? chunk : end >= 0 ? chunk.slice(0, end + 1) : '';
  return { lines: body.split('\n').filter((l) => l !== ''), bytes: Buffer.byteLength(body, 'utf8') };
}

/**
 * nginx's access log on the host: only lines written after the mark (inode + offset) count, and a
 * rotation during the window is followed: the old file's rest is read, then the new file.
 */
export class AccessLogSource implements ErrorSource {
  readonly description: string;
  private inode = 0;
  private offset = 0;
  private hostMarkMs = 0;
  private readonly tally: LogTally = emptyTally();

  constructor(
    private readonly remote: RemoteHost,
    private readonly file: string,
    private readonly ignorePaths: ReadonlySet<string>,
    private readonly timeoutMs: number,
  ) {
    this.description = `access log ${file}`;
  }

  async mark(): Promise<void> {
    const out = (await this.remote.check(logMark(this.file, this.timeoutMs))).trim().split(/\s+/);
    const [inode, size, now] = out.map(Number);
    if (!inode || size === undefined || Number.isNaN(size))
      throw new Error(`cannot read ${this.file} on the host (got "${out.join(' ')}")`);
    this.inode = inode;
    this.offset = size;
    this.hostMarkMs = now ?? 0;
  }

  /**
   * The window before the mark, read backwards from it: a small tail first, more only while the
   * oldest line read is still inside the window (a busy host's 30 s can be megabytes).
   */
  async baseline(windowMs: number): Promise<Counts | null> {
    if (this.offset === 0 || !this.hostMarkMs) return null;
    const since = this.hostMarkMs - windowMs;
    for (let bytes = BASELINE_FIRST_BYTES; ; bytes *= 4) {
      const want = Math.min(bytes, BASELINE_BYTES, this.offset);
      const text = await this.remote.check(logBefore(this.file, this.offset, want, this.timeoutMs));
      // The first line may be cut by the byte window; drop it unless the read reached the start.
      const lines = text.split('\n').slice(want < this.offset ? 1 : 0);
      const oldest = lines.map(parseLogLine).find((e) => typeof e?.time === 'number')?.time ?? since;
      if (oldest <= since || want >= this.offset || want >= BASELINE_BYTES) {
        const t = tallyLines(emptyTally(), lines, this.ignorePaths, since, 0);
        return { requests: t.requests, errors: t.errors };
      }
    }
  }

  async read(): Promise<Counts> {
    // Several chunks when the log grows fast; stop when a read comes back short.
    for (let i = 0; i < CHUNKS_PER_READ; i++) {
      const out = await this.remote.check(logRead(this.file, this.inode, this.offset, CHUNK_BYTES, this.timeoutMs));
      const newline = out.indexOf('\n');
      const header = (newline >= 0 ? out.slice(0, newline) : out).split(' ');
      const chunk = newline >= 0 ? out.slice(newline + 1) : '';
      const [where, a, b] = header;
      if (where === 'gone') {
        // Rotated and the old file already gone (compressed or removed): go on with the new one.
        this.inode = Number(a);
        this.offset = 0;
        continue;
      }
      const fileSize = Number(a);
      if (where === 'same' && fileSize < this.offset) {
        // copytruncate: the same file, emptied. Read it again from its start.
        this.offset = 0;
        continue;
      }
      const rotatedTo = where === 'old' ? Number(b) : null;
      const finalOld = rotatedTo !== null && this.offset + Buffer.byteLength(chunk, 'utf8') >= fileSize;
      const { lines, bytes } = completeLines(chunk, finalOld);
      tallyLines(this.tally, lines, this.ignorePaths);
      this.offset += bytes;
      if (bytes === 0 && Buffer.byteLength(chunk, 'utf8') >= CHUNK_BYTES) {
        // A whole chunk without a newline: no request line is that long. Skip it, or every look
        // would read the same bytes again and never get past them.
        this.tally.malformed += 1;
        this.offset += Buffer.byteLength(chunk, 'utf8');
        continue;
      }
      if (finalOld && rotatedTo !== null) {
        this.inode = rotatedTo;
        this.offset = 0;
        continue;
      }
      if (Buffer.byteLength(chunk, 'utf8') < CHUNK_BYTES) break;
    }
    return { requests: this.tally.requests, errors: this.tally.errors };
  }

  samples(): string[] {
    return this.tally.errorLines;
  }
}
