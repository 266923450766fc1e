import type { ExecResult, CommandStream, Connection } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';
import { parseExecLine, type ParsedLine } from './exec-line';

export function result(stdout = '', code = 0, stderr = ''): ExecResult {
  return { code, signal: null, stdout, stderr, durationMs: 1 };
}

export const target = (name: string, host = `10.0.0.${name.replace(/\D/g, '') || '9'}`): SshTarget => ({
  host,
  port: 22,
  user: 'root',
  name,
});

/**
 * A Connection whose answers a test gives per command kind (see exec-line.ts); it records every
 * command it was sent, parsed. Sessions come from `openSession`, when the test gives one.
 */
export class ScriptedShell implements Connection {
  sent: ParsedLine[] = [];
  sessionsOpened: ParsedLine[] = [];
  closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly answer: (cmd: ParsedLine) => ExecResult,
    private readonly openSession?: (cmd: ParsedLine) => CommandStream,
  ) {}

  async exec(line: string): Promise<ExecResult> {
    const cmd = parseExecLine(line);
    this.sent.push(cmd);
    return this.answer(cmd);
  }

  async stream(line: string): Promise<CommandStream> {
    const cmd = parseExecLine(line);
    this.sessionsOpened.push(cmd);
    if (!this.openSession) throw new Error('no sessions here');
    return this.openSession(cmd);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * An interactive session that answers each written line with `reply(line)`; `readUntil` hands
 * out the answer text up to a delimiter. `dies` makes the next read fail (the channel dropped).
 */
export class ScriptedSession implements CommandStream {
  open = true;
  written: string[] = [];
  dies = false;
  private buffer = '';

  constructor(private readonly reply: (line: string) => string) {}

  write(text: string): void {
    for (const line of text.split('\n').filter((l) => l !== '')) {
      this.written.push(line);
      this.buffer += this.reply(line);
    }
  }

  async readUntil(delimiter: string): Promise<string> {
    if (this.dies) {
      this.open = false;
      throw new Error('session ended');
    }
    const at = this.buffer.indexOf(delimiter);
    if (at < 0)
      throw new Error(`no answer within the time (waiting for ${JSON.stringify(delimiter)}; have ${JSON.stringify(this.buffer)})`);
    const out = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(at + delimiter.length);
    return out;
  }

  close(): void {
    this.open = false;
  }
}
