import { describe, expect, it } from 'vitest';
import { CliLog } from '../../src/cli/log';
import { inert, Printer, wantsColour } from '../../src/cli/terminal';
import { Capture } from '../support/cli';

/** A title-setting OSC, a cursor-up CSI, an 8-bit CSI, a carriage return and a bidi override: what a hostile host might send. */
const HOSTILE = 'ok\x1b]0;pwned\x07 \x1b[1A\x1b[2K \x9b31m \rover \u202eevil';

/** Every escape sequence in `text`, as written. */
const escapes = (text: string): string[] => text.match(/\x1b\[[0-9;]*[A-Za-z]|\x1b[^[]/g) ?? [];

function log(tty: boolean, env: NodeJS.ProcessEnv = {}) {
  const stream = new Capture(tty, 80);
  let now = 0;
  const out = new Printer(stream, env);
  return { stream, out, log: new CliLog(out, false, () => (now += 1000)) };
}

describe('host text on a terminal: escapes shown, never obeyed', () => {
  it('inert() shows every control character and bidi override instead of passing it on', () => {
    expect(inert(HOSTILE)).toBe('ok\\x1b]0;pwned\\x07 \\x1b[1A\\x1b[2K \\x9b31m \\x0dover \\u{202e}evil');
    expect(inert('tabs\tand\nnewlines stay')).toBe('tabs\tand\nnewlines stay');
  });

  it('on a TTY, the only escapes written are the CLI’s own (cursor to column 0, clear line, colour)', async () => {
    const { stream, log: l } = log(true);
    await l.group(`web-1: drain-restart ${HOSTILE}`, async () => {
      l.phase('web-1', 'drain');
      l.progress('web-1', `draining: 3 in flight, 2 s ${HOSTILE}`);
      l.info(`web-1 said ${HOSTILE}`);
      l.warning(HOSTILE);
    });
    const own = new Set(['\x1b[2K', '\x1b[0m', '\x1b[1m', '\x1b[2m', '\x1b[33m', '\x1b[36m']);
    expect(escapes(stream.text).filter((e) => !own.has(e))).toEqual([]);
    expect(stream.text).not.toMatch(/[\x9b\u202e\x07]/);
    expect(stream.text.replace(/\r\x1b\[2K/g, '')).not.toContain('\r');
    expect(stream.text).toContain('\\x1b]0;pwned\\x07');
  });
});

describe('the live line on a TTY; plain lines elsewhere', () => {
  it('a TTY: one line per host redrawn in place with phase, seconds and progress; the finished phase stays', () => {
    const { stream, log: l } = log(true);
    l.phase('web-1', 'drain');
    l.progress('web-1', 'draining: 3 in flight, 2 s');
    l.phase('web-1', 'ready');
    expect(stream.text).toMatch(/\r\x1b\[2K\x1b\[36m\S web-1 {2}drain +\d+ s {2}draining: 3 in flight, 2 s\x1b\[0m/);
    expect(stream.text).toMatch(/\x1b\[2m {2}web-1 {2}drain +\d+\.\d s {2}draining: 3 in flight, 2 s\x1b\[0m\n/);
    expect(stream.text).toMatch(/\S web-1 {2}ready /);
  });

  it('not a TTY: plain lines, no cursor control and no colour', () => {
    const { stream, log: l } = log(false);
    l.phase('web-1', 'drain');
    l.progress('web-1', 'draining: 3 in flight, 2 s');
    l.warning('careful');
    expect(stream.text).toBe('web-1: drain\nweb-1 draining: 3 in flight, 2 s\nwarning: careful\n');
  });

  it('colour only on a TTY, never with NO_COLOR or TERM=dumb', () => {
    expect(wantsColour({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(wantsColour({ write: () => true, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ write: () => true, isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(wantsColour({ write: () => true, isTTY: false }, {})).toBe(false);
    const { stream, log: l } = log(true, { NO_COLOR: '1' });
    l.warning('careful');
    expect(stream.text).toBe('warning: careful\n');
  });

  it('--json stays valid JSON and inert: C1 and bidi characters escaped as \\uXXXX, secrets redacted', () => {
    const { stream, out } = log(true);
    out.secrets.add('multi\nline-secret');
    out.json({ detail: HOSTILE, leaked: 'x multi\nline-secret y' });
    expect(JSON.parse(stream.text)).toEqual({ detail: HOSTILE, leaked: 'x *** y' });
    expect(stream.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  });

  it('secrets are redacted from every line', () => {
    const { stream, out } = log(false);
    out.secrets.add('hunter2-passphrase');
    out.line('the passphrase hunter2-passphrase leaked');
    expect(stream.text).toBe('the passphrase *** leaked\n');
  });
});
